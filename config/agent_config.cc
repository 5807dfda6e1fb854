#include "config/agent_config.h"

#include "absl/strings/str_cat.h"
#include "config/map_reader.h"
#include "config/yaml_tree.h"

namespace candor::config {
namespace {

using std::chrono::seconds;

std::filesystem::path Resolve(const std::filesystem::path& base, const std::string& value) {
  const std::filesystem::path p(value);
  return p.is_absolute() ? p : base / p;
}

}  // namespace

absl::StatusOr<AgentConfig> LoadAgentConfig(const std::filesystem::path& path) {
  absl::StatusOr<YamlNode> root = LoadYamlFile(path);
  if (!root.ok()) return root.status();
  const std::filesystem::path base = path.parent_path();

  Diagnostics diag(path.string());
  AgentConfig config;
  MapReader top(*root, "", diag);
  if (const YamlNode* node = top.Get("server", Presence::kRequired)) {
    std::optional<HostPort> server;
    if (node->kind == YamlNode::Kind::kScalar) server = ParseHostPort(node->scalar);
    if (!server || server->port == 0) {
      diag.Error(node->pos, "server",
                 absl::StrCat("expected host:port like \"candor.example.com:7443\", got ",
                              node->Describe()));
    } else {
      config.server = *server;
    }
  }
  if (const YamlNode* node = top.Get("tls", Presence::kRequired)) {
    MapReader tls(*node, "tls", diag);
    if (auto v = tls.String("ca", Presence::kRequired)) config.tls.ca = Resolve(base, *v);
    if (auto v = tls.String("cert", Presence::kRequired)) config.tls.cert = Resolve(base, *v);
    if (auto v = tls.String("key", Presence::kRequired)) config.tls.key = Resolve(base, *v);
    tls.Finish();
  }
  if (auto v = top.String("state_dir", Presence::kRequired)) config.state_dir = Resolve(base, *v);
  if (auto v = top.String("policy", Presence::kRequired)) config.policy = Resolve(base, *v);
  if (auto v = top.Duration("connect_timeout", seconds(1), seconds(3600), Presence::kOptional)) {
    config.connect_timeout = *v;
  }
  top.Finish();
  if (!diag.ok()) return diag.ToStatus();
  return config;
}

}  // namespace candor::config
