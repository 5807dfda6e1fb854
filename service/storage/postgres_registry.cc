// PostgresStore: the registry half (tenants, tokens, devices, audit, policies).

#include "absl/strings/str_cat.h"
#include "service/storage/postgres_store.h"

namespace candor::service {
namespace {

constexpr const char* kDeviceColumns =
    "device_id, tenant, grp, enrolled_at_ms, cert_serial, cert_not_after_ms, revoked_at_ms, "
    "last_contact_ms, agent_version, policy_version";

DeviceRecord ReadDevice(const pg::Result& r, int row) {
  DeviceRecord d;
  d.device_id = r.Text(row, 0);
  d.tenant = r.Text(row, 1);
  d.group = r.Text(row, 2);
  d.enrolled_at_ms = r.Int(row, 3);
  d.cert_serial = r.Text(row, 4);
  d.cert_not_after_ms = r.Int(row, 5);
  if (!r.IsNull(row, 6)) d.revoked_at_ms = r.Int(row, 6);
  d.last_contact_ms = r.Int(row, 7);
  d.agent_version = r.Text(row, 8);
  d.policy_version = static_cast<uint64_t>(r.Int(row, 9));
  return d;
}

constexpr const char* kPolicyColumns =
    "tenant, version, grp, name, yaml, key_id, signature, pushed_by, pushed_at_ms";

PolicyRecord ReadPolicy(const pg::Result& r, int row) {
  return PolicyRecord{.tenant = r.Text(row, 0),
                      .version = static_cast<uint64_t>(r.Int(row, 1)),
                      .group = r.Text(row, 2),
                      .name = r.Text(row, 3),
                      .yaml = r.Text(row, 4),
                      .key_id = r.Text(row, 5),
                      .signature = r.Text(row, 6),
                      .pushed_by = r.Text(row, 7),
                      .pushed_at_ms = r.Int(row, 8)};
}

// pg_advisory_xact_lock's first key for AddPolicy (the second is the tenant's hash).
constexpr int64_t kPolicyLock = 0x706f6c;  // "pol"

// Runs `body` in a transaction on `conn`: COMMIT when it returns OK, ROLLBACK otherwise.
template <typename T>
absl::StatusOr<T> InTransaction(pg::Connection& conn,
                                const std::function<absl::StatusOr<T>()>& body) {
  if (absl::Status s = conn.ExecScript("begin", "BEGIN"); !s.ok()) return s;
  absl::StatusOr<T> result = body();
  if (result.ok()) {
    if (absl::Status s = conn.ExecScript("commit", "COMMIT"); !s.ok()) result = s;
  }
  if (!result.ok()) conn.RollbackIfOpen();
  return result;
}

}  // namespace

absl::Status PostgresStore::CreateTenant(const std::string& tenant, int64_t now_ms) {
  absl::StatusOr<pg::Result> r =
      Run("create tenant",
          "INSERT INTO tenants (name, created_at_ms) VALUES ($1, $2) ON CONFLICT DO NOTHING",
          pg::Params().Text(tenant).Int(now_ms));
  if (!r.ok()) return r.status();
  if (r->affected() == 0) {
    return absl::AlreadyExistsError(absl::StrCat("tenant ", tenant, " already exists"));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> PostgresStore::TenantExists(const std::string& tenant) {
  absl::StatusOr<pg::Result> r =
      Run("read tenant", "SELECT 1 FROM tenants WHERE name = $1", pg::Params().Text(tenant));
  if (!r.ok()) return r.status();
  return r->rows() > 0;
}

absl::StatusOr<std::vector<std::string>> PostgresStore::Tenants() {
  absl::StatusOr<pg::Result> r = Run("read tenants", "SELECT name FROM tenants ORDER BY name", {});
  if (!r.ok()) return r.status();
  std::vector<std::string> tenants;
  for (int i = 0; i < r->rows(); ++i) tenants.push_back(r->Text(i, 0));
  return tenants;
}

absl::Status PostgresStore::AddToken(const TokenRecord& token) {
  return Run("add token",
             "INSERT INTO tokens (hash, tenant, grp, uses_left, expires_at_ms, created_by, "
             "created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
             pg::Params()
                 .Text(token.hash)
                 .Text(token.tenant)
                 .Text(token.group)
                 .Int(token.uses_left)
                 .Int(token.expires_at_ms)
                 .Text(token.created_by)
                 .Int(token.created_at_ms))
      .status();
}

absl::StatusOr<TokenRecord> PostgresStore::FindToken(const std::string& token_hash) {
  absl::StatusOr<pg::Result> r =
      Run("read token",
          "SELECT tenant, grp, uses_left, expires_at_ms, created_by, created_at_ms "
          "FROM tokens WHERE hash = $1",
          pg::Params().Text(token_hash));
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return absl::NotFoundError("unknown enrollment token");
  return TokenRecord{.hash = token_hash,
                     .tenant = r->Text(0, 0),
                     .group = r->Text(0, 1),
                     .uses_left = r->Int(0, 2),
                     .expires_at_ms = r->Int(0, 3),
                     .created_by = r->Text(0, 4),
                     .created_at_ms = r->Int(0, 5)};
}

absl::StatusOr<DeviceRecord> PostgresStore::EnrollDevice(const std::string& token_hash,
                                                         DeviceRecord device, int64_t now_ms) {
  absl::StatusOr<pg::Pool::Lease> conn = Connect();
  if (!conn.ok()) return conn.status();
  pg::Connection& c = **conn;
  return InTransaction<DeviceRecord>(c, [&]() -> absl::StatusOr<DeviceRecord> {
    // FOR UPDATE: two servers enrolling with the last use of a token take turns here.
    absl::StatusOr<pg::Result> token = c.Exec(
        "read token",
        "SELECT tenant, grp, uses_left, expires_at_ms FROM tokens WHERE hash = $1 FOR UPDATE",
        pg::Params().Text(token_hash));
    if (!token.ok()) return token.status();
    if (token->rows() == 0) return absl::NotFoundError("unknown enrollment token");
    device.tenant = token->Text(0, 0);
    device.group = token->Text(0, 1);
    if (token->Int(0, 3) <= now_ms) {
      return absl::FailedPreconditionError("the enrollment token has expired");
    }
    if (token->Int(0, 2) <= 0)
      return absl::FailedPreconditionError("the enrollment token is used up");
    if (auto r = c.Exec("use token", "UPDATE tokens SET uses_left = uses_left - 1 WHERE hash = $1",
                        pg::Params().Text(token_hash));
        !r.ok()) {
      return r.status();
    }
    const std::string insert = absl::StrCat("INSERT INTO devices (", kDeviceColumns,
                                            ") VALUES ($1, $2, $3, $4, $5, $6, NULL, 0, '', 0)");
    if (auto r = c.Exec("add device", insert.c_str(),
                        pg::Params()
                            .Text(device.device_id)
                            .Text(device.tenant)
                            .Text(device.group)
                            .Int(now_ms)
                            .Text(device.cert_serial)
                            .Int(device.cert_not_after_ms));
        !r.ok()) {
      return r.status();
    }
    device.enrolled_at_ms = now_ms;
    return device;
  });
}

absl::StatusOr<std::optional<DeviceRecord>> PostgresStore::Device(const std::string& device_id) {
  const std::string sql =
      absl::StrCat("SELECT ", kDeviceColumns, " FROM devices WHERE device_id = $1");
  absl::StatusOr<pg::Result> r = Run("read device", sql.c_str(), pg::Params().Text(device_id));
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return std::optional<DeviceRecord>();
  return std::optional<DeviceRecord>(ReadDevice(*r, 0));
}

absl::StatusOr<std::vector<DeviceRecord>> PostgresStore::Devices(const std::string& tenant) {
  const std::string sql = absl::StrCat("SELECT ", kDeviceColumns,
                                       " FROM devices WHERE $1 = '' OR tenant = $1 "
                                       "ORDER BY tenant, device_id");
  std::vector<DeviceRecord> devices;
  absl::Status s =
      ForEachRow("read devices", sql, pg::Params().Text(tenant),
                 [&](const pg::Result& r, int row) { devices.push_back(ReadDevice(r, row)); });
  if (!s.ok()) return s;
  return devices;
}

absl::Status PostgresStore::RevokeDevice(const std::string& device_id, int64_t now_ms) {
  absl::StatusOr<pg::Pool::Lease> conn = Connect();
  if (!conn.ok()) return conn.status();
  pg::Connection& c = **conn;
  return InTransaction<bool>(
             c,
             [&]() -> absl::StatusOr<bool> {
               absl::StatusOr<pg::Result> r =
                   c.Exec("revoke device",
                          "UPDATE devices SET revoked_at_ms = COALESCE(revoked_at_ms, $2) "
                          "WHERE device_id = $1",
                          pg::Params().Text(device_id).Int(now_ms));
               if (!r.ok()) return r.status();
               if (r->affected() == 0) {
                 return absl::NotFoundError(absl::StrCat("no device ", device_id));
               }
               // Delivered to the other servers only if this transaction commits.
               auto n = c.Exec("announce revocation", "SELECT pg_notify('candor_revoke', $1)",
                               pg::Params().Text(absl::StrCat(instance_id_, " ", device_id)));
               if (!n.ok()) return n.status();
               return true;
             })
      .status();
}

absl::Status PostgresStore::UpdateCertificate(const std::string& device_id,
                                              const std::string& serial, int64_t not_after_ms) {
  return Run("update certificate",
             "UPDATE devices SET cert_serial = $2, cert_not_after_ms = $3 WHERE device_id = $1",
             pg::Params().Text(device_id).Text(serial).Int(not_after_ms))
      .status();
}

absl::Status PostgresStore::RecordContact(const std::string& device_id, const std::string& tenant,
                                          int64_t now_ms, const std::string& agent_version,
                                          uint64_t policy_version) {
  const std::string sql = absl::StrCat("INSERT INTO devices (", kDeviceColumns,
                                       ") VALUES ($1, $2, '', $3, '', 0, NULL, $3, $4, $5) "
                                       "ON CONFLICT (device_id) DO UPDATE SET "
                                       "last_contact_ms = $3, agent_version = $4, "
                                       "policy_version = $5");
  return Run("record contact", sql.c_str(),
             pg::Params()
                 .Text(device_id)
                 .Text(tenant)
                 .Int(now_ms)
                 .Text(agent_version)
                 .Int(static_cast<int64_t>(policy_version)))
      .status();
}

absl::Status PostgresStore::AppendAudit(const AuditRecord& record) {
  return Run("append audit",
             "INSERT INTO audit (at_ms, actor, tenant, action, detail, outcome) "
             "VALUES ($1, $2, $3, $4, $5, $6)",
             pg::Params()
                 .Int(record.at_ms)
                 .Text(record.actor)
                 .Text(record.tenant)
                 .Text(record.action)
                 .Text(record.detail)
                 .Text(record.outcome))
      .status();
}

absl::StatusOr<std::vector<AuditRecord>> PostgresStore::Audit(const std::string& tenant,
                                                              size_t limit) {
  absl::StatusOr<pg::Result> r =
      Run("read audit",
          "SELECT at_ms, actor, tenant, action, detail, outcome FROM ("
          "SELECT * FROM audit WHERE $1 = '' OR tenant = $1 ORDER BY id DESC LIMIT $2"
          ") AS newest ORDER BY id",
          pg::Params().Text(tenant).Int(static_cast<int64_t>(limit)));
  if (!r.ok()) return r.status();
  std::vector<AuditRecord> records;
  for (int i = 0; i < r->rows(); ++i) {
    records.push_back({.at_ms = r->Int(i, 0),
                       .actor = r->Text(i, 1),
                       .tenant = r->Text(i, 2),
                       .action = r->Text(i, 3),
                       .detail = r->Text(i, 4),
                       .outcome = r->Text(i, 5)});
  }
  return records;
}

absl::Status PostgresStore::AddPolicy(const PolicyRecord& policy) {
  absl::StatusOr<pg::Pool::Lease> conn = Connect();
  if (!conn.ok()) return conn.status();
  pg::Connection& c = **conn;
  return InTransaction<bool>(
             c,
             [&]() -> absl::StatusOr<bool> {
               // Two servers pushing for one tenant take turns, so the version check holds.
               if (auto r = c.Exec("lock tenant policies",
                                   "SELECT pg_advisory_xact_lock($1::int, hashtext($2))",
                                   pg::Params().Int(kPolicyLock).Text(policy.tenant));
                   !r.ok()) {
                 return r.status();
               }
               absl::StatusOr<pg::Result> latest =
                   c.Exec("read policy versions",
                          "SELECT COALESCE(MAX(version), 0) FROM policies WHERE tenant = $1",
                          pg::Params().Text(policy.tenant));
               if (!latest.ok()) return latest.status();
               const int64_t newest = latest->Int(0, 0);
               if (static_cast<int64_t>(policy.version) <= newest) {
                 return absl::FailedPreconditionError(absl::StrCat(
                     "version ", policy.version, " is not newer than version ", newest,
                     ", the newest policy of tenant ", policy.tenant,
                     " (agents never go back to an older version; raise metadata.version)"));
               }
               const std::string insert =
                   absl::StrCat("INSERT INTO policies (", kPolicyColumns,
                                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
               if (auto r = c.Exec("store policy", insert.c_str(),
                                   pg::Params()
                                       .Text(policy.tenant)
                                       .Int(static_cast<int64_t>(policy.version))
                                       .Text(policy.group)
                                       .Text(policy.name)
                                       .Bytes(policy.yaml)
                                       .Text(policy.key_id)
                                       .Bytes(policy.signature)
                                       .Text(policy.pushed_by)
                                       .Int(policy.pushed_at_ms));
                   !r.ok()) {
                 return r.status();
               }
               auto n = c.Exec("announce policy", "SELECT pg_notify('candor_policy', $1)",
                               pg::Params().Text(absl::StrCat(instance_id_, " ", policy.tenant)));
               if (!n.ok()) return n.status();
               return true;
             })
      .status();
}

absl::StatusOr<std::vector<PolicyRecord>> PostgresStore::Policies(const std::string& tenant,
                                                                  bool latest_per_group) {
  const std::string sql =
      absl::StrCat("SELECT ", kPolicyColumns, " FROM policies p WHERE tenant = $1",
                   latest_per_group ? " AND version = (SELECT MAX(version) FROM policies "
                                      "WHERE tenant = p.tenant AND grp = p.grp)"
                                    : "",
                   " ORDER BY version DESC");
  absl::StatusOr<pg::Result> r = Run("read policies", sql.c_str(), pg::Params().Text(tenant));
  if (!r.ok()) return r.status();
  std::vector<PolicyRecord> policies;
  for (int i = 0; i < r->rows(); ++i) policies.push_back(ReadPolicy(*r, i));
  return policies;
}

absl::Status PostgresStore::RecordPolicyVersion(const std::string& device_id, uint64_t version) {
  return Run("record policy version", "UPDATE devices SET policy_version = $2 WHERE device_id = $1",
             pg::Params().Text(device_id).Int(static_cast<int64_t>(version)))
      .status();
}

}  // namespace candor::service
