#include "config/agent_config.h"

#include "absl/strings/str_cat.h"
#include "config/map_reader.h"
#include "config/yaml_tree.h"

namespace candor::config {
namespace {

using std::chrono::seconds;

void ReadLimits(const YamlNode& node, Diagnostics& diag, AgentConfig& config) {
  MapReader limits(node, "limits", diag);
  // The agent itself needs about 10 MiB; less than 16 would stop every check.
  if (auto v = limits.Integer("memory_mib", 16, 16384, Presence::kOptional)) {
    config.limits.memory_bytes = static_cast<uint64_t>(*v) << 20;
  }
  // Of one core: a check runs on one thread.
  if (auto v = limits.Integer("cpu_percent", 1, 100, Presence::kOptional)) {
    config.limits.cpu_percent = static_cast<int>(*v);
  }
  if (auto v = limits.Duration("window", seconds(10), seconds(3600), Presence::kOptional)) {
    config.limits.window = *v;
  }
  if (auto v = limits.Duration("cooldown", seconds(60), seconds(7 * 86400), Presence::kOptional)) {
    config.limits.cooldown = *v;
  }
  limits.Finish();
}

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
  if (const YamlNode* node = top.Get("tls", Presence::kOptional)) {
    MapReader tls(*node, "tls", diag);
    if (auto v = tls.Path("ca", base, Presence::kOptional)) config.tls.ca = *v;
    if (auto v = tls.Path("cert", base, Presence::kOptional)) config.tls.cert = *v;
    if (auto v = tls.Path("key", base, Presence::kOptional)) config.tls.key = *v;
    tls.Finish();
  }
  if (auto v = top.Path("state_dir", base, Presence::kRequired)) config.state_dir = *v;
  // Without tls files: the identity `candor-agent enroll` stored.
  const std::filesystem::path identity = IdentityDir(config.state_dir);
  if (config.tls.ca.empty()) config.tls.ca = identity / "ca.pem";
  if (config.tls.cert.empty()) config.tls.cert = identity / "device.pem";
  if (config.tls.key.empty()) config.tls.key = identity / "device.key";
  if (auto v = top.Path("policy", base, Presence::kOptional)) config.policy = *v;
  if (const YamlNode* keys = top.Get("policy_keys", Presence::kOptional)) {
    if (keys->kind != YamlNode::Kind::kSequence) {
      diag.Error(keys->pos, "policy_keys",
                 absl::StrCat("expected a list of keys (\"ed25519:...\"), got ", keys->Describe()));
    } else {
      for (size_t i = 0; i < keys->items.size(); ++i) {
        const YamlNode& item = keys->items[i];
        const std::string where = absl::StrCat("policy_keys[", i, "]");
        if (item.kind != YamlNode::Kind::kScalar) {
          diag.Error(item.pos, where, absl::StrCat("expected a key, got ", item.Describe()));
          continue;
        }
        absl::StatusOr<PolicyKey> key = ParsePublicKeyPin(item.scalar);
        if (!key.ok()) {
          diag.Error(item.pos, where, key.status().message());
          continue;
        }
        config.policy_keys.push_back(*std::move(key));
      }
    }
  }
  if (auto v = top.Duration("connect_timeout", seconds(1), seconds(3600), Presence::kOptional)) {
    config.connect_timeout = *v;
  }
  if (auto v =
          top.Duration("reconnect_max_backoff", seconds(1), seconds(86400), Presence::kOptional)) {
    config.reconnect_max_backoff = *v;
  }
  if (const YamlNode* node = top.Get("spool", Presence::kOptional)) {
    MapReader spool(*node, "spool", diag);
    // At least a few batches' worth, so one full batch never fills it.
    if (auto v = spool.Integer("max_mib", 8, 1 << 20, Presence::kOptional)) {
      config.spool.max_bytes = static_cast<uint64_t>(*v) << 20;
    }
    if (auto v = spool.Integer("sync_interval_ms", 1, 10'000, Presence::kOptional)) {
      config.spool.sync_interval = std::chrono::milliseconds(*v);
    }
    spool.Finish();
  }
  if (const YamlNode* node = top.Get("ledger", Presence::kOptional)) {
    MapReader ledger(*node, "ledger", diag);
    if (auto v = ledger.Duration("max_age", seconds(86400), seconds(3660 * 86400),
                                 Presence::kOptional)) {
      config.ledger.max_age = *v;
    }
    // At least one segment's worth (ledger.h).
    if (auto v = ledger.Integer("max_mib", 1, 1024, Presence::kOptional)) {
      config.ledger.max_bytes = static_cast<uint64_t>(*v) << 20;
    }
    ledger.Finish();
  }
  if (const YamlNode* node = top.Get("limits", Presence::kOptional))
    ReadLimits(*node, diag, config);
  top.Finish();
  if (!diag.ok()) return diag.ToStatus();
  return config;
}

std::filesystem::path IdentityDir(const std::filesystem::path& state_dir) {
  return state_dir / "identity";
}

}  // namespace candor::config
