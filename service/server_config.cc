#include "service/server_config.h"

#include "absl/strings/str_cat.h"
#include "config/map_reader.h"
#include "config/yaml_tree.h"

namespace candor::service {
namespace {

using config::MapReader;
using config::Presence;
using config::YamlNode;

std::filesystem::path Resolve(const std::filesystem::path& base, const std::string& value) {
  const std::filesystem::path p(value);
  return p.is_absolute() ? p : base / p;
}

}  // namespace

absl::StatusOr<ServerConfig> LoadServerConfig(const std::filesystem::path& path) {
  absl::StatusOr<YamlNode> root = config::LoadYamlFile(path);
  if (!root.ok()) return root.status();
  const std::filesystem::path base = path.parent_path();

  config::Diagnostics diag(path.string());
  ServerConfig server;
  MapReader top(*root, "", diag);
  if (const YamlNode* node = top.Get("listen", Presence::kRequired)) {
    std::optional<config::HostPort> listen;
    if (node->kind == YamlNode::Kind::kScalar) listen = config::ParseHostPort(node->scalar);
    if (!listen) {
      diag.Error(node->pos, "listen",
                 absl::StrCat("expected host:port like \"127.0.0.1:7443\" (port 0 picks a free "
                              "port), got ",
                              node->Describe()));
    } else {
      server.listen = *listen;
    }
  }
  if (const YamlNode* node = top.Get("tls", Presence::kRequired)) {
    MapReader tls(*node, "tls", diag);
    if (auto v = tls.String("cert", Presence::kRequired)) server.tls.cert = Resolve(base, *v);
    if (auto v = tls.String("key", Presence::kRequired)) server.tls.key = Resolve(base, *v);
    if (auto v = tls.String("client_ca", Presence::kRequired)) {
      server.tls.client_ca = Resolve(base, *v);
    }
    tls.Finish();
  }
  if (auto v = top.String("storage", Presence::kRequired)) server.storage = Resolve(base, *v);
  top.Finish();
  if (!diag.ok()) return diag.ToStatus();
  return server;
}

}  // namespace candor::service
