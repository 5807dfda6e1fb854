#include "config/agent_config.h"

#include "absl/strings/str_cat.h"
#include "config/map_reader.h"
#include "config/yaml_tree.h"

namespace candor::config {
namespace {

using std::chrono::seconds;

}  // namespace

absl::StatusOr<AgentConfig> LoadAgentConfig(const std::filesystem::path& path) {
  absl::StatusOr<YamlNode> root = LoadYamlFile(path);
  if (!root.ok()) return root.status();
  const std::filesystem::path base = path.parent_path();

  Diagnostics diag(path.string());
  AgentConfig config;
  MapReader top(*root, "", diag);
  if (auto v = top.Address("server", "candor.example.com:7443", false, Presence::kRequired)) {
    config.server = *v;
  }
  if (const YamlNode* node = top.Get("tls", Presence::kRequired)) {
    MapReader tls(*node, "tls", diag);
    if (auto v = tls.Path("ca", base, Presence::kRequired)) config.tls.ca = *v;
    if (auto v = tls.Path("cert", base, Presence::kRequired)) config.tls.cert = *v;
    if (auto v = tls.Path("key", base, Presence::kRequired)) config.tls.key = *v;
    tls.Finish();
  }
  if (auto v = top.Path("state_dir", base, Presence::kRequired)) config.state_dir = *v;
  if (auto v = top.Path("policy", base, Presence::kRequired)) config.policy = *v;
  if (auto v = top.Duration("connect_timeout", seconds(1), seconds(3600), Presence::kOptional)) {
    config.connect_timeout = *v;
  }
  top.Finish();
  if (!diag.ok()) return diag.ToStatus();
  return config;
}

}  // namespace candor::config
