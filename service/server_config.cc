#include "service/server_config.h"

#include "absl/strings/str_cat.h"
#include "config/map_reader.h"
#include "config/yaml_tree.h"
#include "proto/limits.h"

namespace candor::service {
namespace {

using config::MapReader;
using config::Presence;
using config::YamlNode;

// "host:port" (port 0 picks a free port) or "off"; absent: the default, loopback.
void ReadMetricsListen(MapReader& top, config::Diagnostics& diag, ServerConfig& server) {
  const YamlNode* node = top.Get("metrics_listen", Presence::kOptional);
  if (node == nullptr) return;
  if (node->kind == YamlNode::Kind::kScalar && node->scalar == "off") {
    server.metrics_listen.reset();
    return;
  }
  std::optional<config::HostPort> address;
  if (node->kind == YamlNode::Kind::kScalar) address = config::ParseHostPort(node->scalar);
  if (!address) {
    diag.Error(
        node->pos, "metrics_listen",
        absl::StrCat("expected host:port like \"127.0.0.1:9464\" or off, got ", node->Describe()));
    return;
  }
  server.metrics_listen = *address;
}

}  // namespace

absl::StatusOr<ServerConfig> LoadServerConfig(const std::filesystem::path& path) {
  absl::StatusOr<YamlNode> root = config::LoadYamlFile(path);
  if (!root.ok()) return root.status();
  const std::filesystem::path base = path.parent_path();

  config::Diagnostics diag(path.string());
  ServerConfig server;
  MapReader top(*root, "", diag);
  if (auto v = top.Address("listen", "127.0.0.1:7443", true, Presence::kRequired)) {
    server.listen = *v;
  }
  if (const YamlNode* node = top.Get("tls", Presence::kRequired)) {
    MapReader tls(*node, "tls", diag);
    if (auto v = tls.Path("cert", base, Presence::kRequired)) server.tls.cert = *v;
    if (auto v = tls.Path("key", base, Presence::kRequired)) server.tls.key = *v;
    if (auto v = tls.Path("client_ca", base, Presence::kRequired)) server.tls.client_ca = *v;
    tls.Finish();
  }
  if (auto v = top.Path("storage", base, Presence::kRequired)) server.storage = *v;
  if (auto v = top.Duration("retention", std::chrono::hours(24), std::chrono::hours(24 * 3660),
                            Presence::kOptional)) {
    server.retention = *v;
  }
  if (const YamlNode* node = top.Get("enrollment", Presence::kOptional)) {
    MapReader enrollment(*node, "enrollment", diag);
    server.enrollment.enabled = true;
    if (auto v = enrollment.Path("ca_cert", base, Presence::kRequired)) {
      server.enrollment.ca_cert = *v;
    }
    if (auto v = enrollment.Path("ca_key", base, Presence::kRequired)) {
      server.enrollment.ca_key = *v;
    }
    if (auto v = enrollment.Duration("certificate_lifetime", std::chrono::hours(1),
                                     std::chrono::hours(24 * 397), Presence::kOptional)) {
      server.enrollment.certificate_lifetime = *v;
    }
    enrollment.Finish();
  }
  if (const YamlNode* node = top.Get("device_limits", Presence::kOptional)) {
    MapReader limits(*node, "device_limits", diag);
    if (auto v = limits.Integer("events_per_second", 0, 10'000'000, Presence::kOptional)) {
      server.device_limits.events_per_second = *v;
    }
    if (auto v =
            limits.Integer("burst", v1::kMaxEventsPerBatch, 100'000'000, Presence::kOptional)) {
      server.device_limits.burst = *v;
    }
    limits.Finish();
  }
  ReadMetricsListen(top, diag, server);
  top.Finish();
  if (!diag.ok()) return diag.ToStatus();
  return server;
}

}  // namespace candor::service
