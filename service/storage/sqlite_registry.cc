// SqliteStore: the registry half (tenants, tokens, devices, audit, policies).

#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "service/storage/sqlite_internal.h"
#include "service/storage/sqlite_store.h"

namespace candor::service {
namespace {

constexpr const char* kDeviceColumns =
    "device_id, tenant, grp, enrolled_at_ms, cert_serial, cert_not_after_ms, revoked_at_ms, "
    "last_contact_ms, agent_version, policy_version";

DeviceRecord ReadDevice(Statement& row) {
  DeviceRecord d;
  d.device_id = row.Text(0);
  d.tenant = row.Text(1);
  d.group = row.Text(2);
  d.enrolled_at_ms = row.Int(3);
  d.cert_serial = row.Text(4);
  d.cert_not_after_ms = row.Int(5);
  if (sqlite3_column_type(row.get(), 6) != SQLITE_NULL) d.revoked_at_ms = row.Int(6);
  d.last_contact_ms = row.Int(7);
  d.agent_version = row.Text(8);
  d.policy_version = static_cast<uint64_t>(row.Int(9));
  return d;
}

}  // namespace

absl::Status SqliteStore::RunStep(Statement& statement, absl::string_view what) {
  if (!statement.status().ok()) return statement.status();
  const int rc = sqlite3_step(statement.get());
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? absl::OkStatus() : SqliteError(db_, rc, what);
}

absl::Status SqliteStore::CreateTenant(const std::string& tenant, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement insert(db_, "INSERT OR IGNORE INTO tenants (name, created_at_ms) VALUES (?1, ?2)");
  insert.BindText(1, tenant);
  insert.BindInt(2, now_ms);
  if (absl::Status s = RunStep(insert, "create tenant"); !s.ok()) return s;
  if (sqlite3_changes(db_) == 0) {
    return absl::AlreadyExistsError(absl::StrCat("tenant ", tenant, " already exists"));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> SqliteStore::TenantExists(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement select(db_, "SELECT 1 FROM tenants WHERE name = ?1");
  if (!select.status().ok()) return select.status();
  select.BindText(1, tenant);
  const int rc = sqlite3_step(select.get());
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return SqliteError(db_, rc, "read tenant");
  return rc == SQLITE_ROW;
}

absl::StatusOr<std::vector<std::string>> SqliteStore::Tenants() {
  std::lock_guard<std::mutex> lock(mu_);
  Statement select(db_, "SELECT name FROM tenants ORDER BY name");
  if (!select.status().ok()) return select.status();
  std::vector<std::string> tenants;
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) tenants.push_back(select.Text(0));
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "read tenants");
  return tenants;
}

absl::Status SqliteStore::AddToken(const TokenRecord& token) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement insert(db_,
                   "INSERT INTO tokens (hash, tenant, grp, uses_left, expires_at_ms, created_by, "
                   "created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  insert.BindText(1, token.hash);
  insert.BindText(2, token.tenant);
  insert.BindText(3, token.group);
  insert.BindInt(4, token.uses_left);
  insert.BindInt(5, token.expires_at_ms);
  insert.BindText(6, token.created_by);
  insert.BindInt(7, token.created_at_ms);
  return RunStep(insert, "add token");
}

absl::StatusOr<TokenRecord> SqliteStore::FindToken(const std::string& token_hash) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement select(db_,
                   "SELECT tenant, grp, uses_left, expires_at_ms, created_by, created_at_ms "
                   "FROM tokens WHERE hash = ?1");
  if (!select.status().ok()) return select.status();
  select.BindText(1, token_hash);
  const int rc = sqlite3_step(select.get());
  if (rc == SQLITE_DONE) return absl::NotFoundError("unknown enrollment token");
  if (rc != SQLITE_ROW) return SqliteError(db_, rc, "read token");
  return TokenRecord{.hash = token_hash,
                     .tenant = select.Text(0),
                     .group = select.Text(1),
                     .uses_left = select.Int(2),
                     .expires_at_ms = select.Int(3),
                     .created_by = select.Text(4),
                     .created_at_ms = select.Int(5)};
}

absl::StatusOr<DeviceRecord> SqliteStore::EnrollDevice(const std::string& token_hash,
                                                       DeviceRecord device, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction transaction(db_);
  if (!transaction.begun().ok()) return transaction.begun();
  Statement token(db_, "SELECT tenant, grp, uses_left, expires_at_ms FROM tokens WHERE hash = ?1");
  if (!token.status().ok()) return token.status();
  token.BindText(1, token_hash);
  const int rc = sqlite3_step(token.get());
  if (rc == SQLITE_DONE) return absl::NotFoundError("unknown enrollment token");
  if (rc != SQLITE_ROW) return SqliteError(db_, rc, "read token");
  device.tenant = token.Text(0);
  device.group = token.Text(1);
  if (token.Int(3) <= now_ms) {
    return absl::FailedPreconditionError("the enrollment token has expired");
  }
  if (token.Int(2) <= 0) {
    return absl::FailedPreconditionError("the enrollment token is used up");
  }
  Statement use(db_, "UPDATE tokens SET uses_left = uses_left - 1 WHERE hash = ?1");
  use.BindText(1, token_hash);
  if (absl::Status s = RunStep(use, "use token"); !s.ok()) return s;
  Statement insert(db_, absl::StrCat("INSERT INTO devices (", kDeviceColumns,
                                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, 0, '', 0)")
                            .c_str());
  insert.BindText(1, device.device_id);
  insert.BindText(2, device.tenant);
  insert.BindText(3, device.group);
  insert.BindInt(4, now_ms);
  insert.BindText(5, device.cert_serial);
  insert.BindInt(6, device.cert_not_after_ms);
  if (absl::Status s = RunStep(insert, "add device"); !s.ok()) return s;
  if (absl::Status s = transaction.Commit(); !s.ok()) return s;
  device.enrolled_at_ms = now_ms;
  return device;
}

absl::StatusOr<std::optional<DeviceRecord>> SqliteStore::Device(const std::string& device_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement select(
      db_, absl::StrCat("SELECT ", kDeviceColumns, " FROM devices WHERE device_id = ?1").c_str());
  if (!select.status().ok()) return select.status();
  select.BindText(1, device_id);
  const int rc = sqlite3_step(select.get());
  if (rc == SQLITE_DONE) return std::optional<DeviceRecord>();
  if (rc != SQLITE_ROW) return SqliteError(db_, rc, "read device");
  return std::optional<DeviceRecord>(ReadDevice(select));
}

absl::StatusOr<std::vector<DeviceRecord>> SqliteStore::Devices(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement select(db_, absl::StrCat("SELECT ", kDeviceColumns,
                                     " FROM devices WHERE ?1 = '' OR tenant = ?1 "
                                     "ORDER BY tenant, device_id")
                            .c_str());
  if (!select.status().ok()) return select.status();
  select.BindText(1, tenant);
  std::vector<DeviceRecord> devices;
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) devices.push_back(ReadDevice(select));
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "read devices");
  return devices;
}

absl::Status SqliteStore::RevokeDevice(const std::string& device_id, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement update(db_,
                   "UPDATE devices SET revoked_at_ms = COALESCE(revoked_at_ms, ?2) "
                   "WHERE device_id = ?1");
  update.BindText(1, device_id);
  update.BindInt(2, now_ms);
  if (absl::Status s = RunStep(update, "revoke device"); !s.ok()) return s;
  if (sqlite3_changes(db_) == 0) {
    return absl::NotFoundError(absl::StrCat("no device ", device_id));
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::UpdateCertificate(const std::string& device_id, const std::string& serial,
                                            int64_t not_after_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement update(db_,
                   "UPDATE devices SET cert_serial = ?2, cert_not_after_ms = ?3 "
                   "WHERE device_id = ?1");
  update.BindText(1, device_id);
  update.BindText(2, serial);
  update.BindInt(3, not_after_ms);
  return RunStep(update, "update certificate");
}

absl::Status SqliteStore::RecordContact(const std::string& device_id, const std::string& tenant,
                                        int64_t now_ms, const std::string& agent_version,
                                        uint64_t policy_version) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement upsert(db_, absl::StrCat("INSERT INTO devices (", kDeviceColumns,
                                     ") VALUES (?1, ?2, '', ?3, '', 0, NULL, ?3, ?4, ?5) "
                                     "ON CONFLICT (device_id) DO UPDATE SET "
                                     "last_contact_ms = ?3, agent_version = ?4, "
                                     "policy_version = ?5")
                            .c_str());
  upsert.BindText(1, device_id);
  upsert.BindText(2, tenant);
  upsert.BindInt(3, now_ms);
  upsert.BindText(4, agent_version);
  upsert.BindInt(5, static_cast<int64_t>(policy_version));
  return RunStep(upsert, "record contact");
}

absl::Status SqliteStore::AppendAudit(const AuditRecord& record) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement insert(db_,
                   "INSERT INTO audit (at_ms, actor, tenant, action, detail, outcome) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  insert.BindInt(1, record.at_ms);
  insert.BindText(2, record.actor);
  insert.BindText(3, record.tenant);
  insert.BindText(4, record.action);
  insert.BindText(5, record.detail);
  insert.BindText(6, record.outcome);
  return RunStep(insert, "append audit");
}

absl::StatusOr<std::vector<AuditRecord>> SqliteStore::Audit(const std::string& tenant,
                                                            size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement select(db_,
                   "SELECT at_ms, actor, tenant, action, detail, outcome FROM ("
                   "SELECT * FROM audit WHERE ?1 = '' OR tenant = ?1 ORDER BY id DESC LIMIT ?2"
                   ") ORDER BY id");
  if (!select.status().ok()) return select.status();
  select.BindText(1, tenant);
  select.BindInt(2, static_cast<int64_t>(limit));
  std::vector<AuditRecord> records;
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
    records.push_back({.at_ms = select.Int(0),
                       .actor = select.Text(1),
                       .tenant = select.Text(2),
                       .action = select.Text(3),
                       .detail = select.Text(4),
                       .outcome = select.Text(5)});
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "read audit");
  return records;
}

namespace {

constexpr const char* kPolicyColumns =
    "tenant, version, grp, name, yaml, key_id, signature, pushed_by, pushed_at_ms";

PolicyRecord ReadPolicy(Statement& row) {
  return PolicyRecord{.tenant = row.Text(0),
                      .version = static_cast<uint64_t>(row.Int(1)),
                      .group = row.Text(2),
                      .name = row.Text(3),
                      .yaml = row.Blob(4),
                      .key_id = row.Text(5),
                      .signature = row.Blob(6),
                      .pushed_by = row.Text(7),
                      .pushed_at_ms = row.Int(8)};
}

}  // namespace

absl::Status SqliteStore::AddPolicy(const PolicyRecord& policy) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction transaction(db_);
  if (!transaction.begun().ok()) return transaction.begun();
  {
    Statement latest(db_, "SELECT MAX(version) FROM policies WHERE tenant = ?1");
    if (!latest.status().ok()) return latest.status();
    latest.BindText(1, policy.tenant);
    const int rc = sqlite3_step(latest.get());
    if (rc != SQLITE_ROW) return SqliteError(db_, rc, "read policy versions");
    const int64_t newest = latest.Int(0);
    if (static_cast<int64_t>(policy.version) <= newest) {
      return absl::FailedPreconditionError(
          absl::StrCat("version ", policy.version, " is not newer than version ", newest,
                       ", the newest policy of tenant ", policy.tenant,
                       " (agents never go back to an older version; raise metadata.version)"));
    }
  }
  Statement insert(db_, absl::StrCat("INSERT INTO policies (", kPolicyColumns,
                                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
                            .c_str());
  insert.BindText(1, policy.tenant);
  insert.BindInt(2, static_cast<int64_t>(policy.version));
  insert.BindText(3, policy.group);
  insert.BindText(4, policy.name);
  insert.BindBlob(5, policy.yaml);
  insert.BindText(6, policy.key_id);
  insert.BindBlob(7, policy.signature);
  insert.BindText(8, policy.pushed_by);
  insert.BindInt(9, policy.pushed_at_ms);
  if (absl::Status s = RunStep(insert, "store policy"); !s.ok()) return s;
  return transaction.Commit();
}

absl::StatusOr<std::vector<PolicyRecord>> SqliteStore::Policies(const std::string& tenant,
                                                                bool latest_per_group) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement select(
      db_, absl::StrCat("SELECT ", kPolicyColumns, " FROM policies p WHERE tenant = ?1",
                        latest_per_group ? " AND version = (SELECT MAX(version) FROM policies "
                                           "WHERE tenant = p.tenant AND grp = p.grp)"
                                         : "",
                        " ORDER BY version DESC")
               .c_str());
  if (!select.status().ok()) return select.status();
  select.BindText(1, tenant);
  std::vector<PolicyRecord> policies;
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) policies.push_back(ReadPolicy(select));
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "read policies");
  return policies;
}

absl::Status SqliteStore::RecordPolicyVersion(const std::string& device_id, uint64_t version) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement update(db_, "UPDATE devices SET policy_version = ?2 WHERE device_id = ?1");
  update.BindText(1, device_id);
  update.BindInt(2, static_cast<int64_t>(version));
  return RunStep(update, "record policy version");
}

}  // namespace candor::service
