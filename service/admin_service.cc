#include "service/admin_service.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "config/policy.h"
#include "config/yaml_tree.h"
#include "service/compliance.h"
#include "service/enrollment_service.h"
#include "service/log.h"

namespace candor::service {
namespace {

constexpr uint32_t kMaxTokenUses = 100000;
constexpr uint64_t kMinTokenTtl = 60;
constexpr uint64_t kMaxTokenTtl = 30 * 86400;
constexpr uint32_t kDefaultAuditLimit = 100;
constexpr uint32_t kMaxAuditLimit = 10000;

grpc::Status Status(grpc::StatusCode code, std::string message) {
  return grpc::Status(code, std::move(message));
}

grpc::Status FromAbsl(const absl::Status& s) {
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

void FillDeviceInfo(const DeviceRecord& d, v1::DeviceInfo* info) {
  info->set_device_id(d.device_id);
  info->set_tenant(d.tenant);
  info->set_group(d.group);
  info->set_enrolled_at_ms(d.enrolled_at_ms);
  info->set_last_contact_ms(d.last_contact_ms);
  info->set_agent_version(d.agent_version);
  info->set_policy_version(d.policy_version);
  info->set_certificate_expires_ms(d.cert_not_after_ms);
  info->set_revoked_at_ms(d.revoked_at_ms.value_or(0));
}

}  // namespace

struct AdminServiceImpl::Call {
  std::optional<AdminIdentity> admin;
  AuditRecord audit;
  grpc::Status refused = grpc::Status::OK;
};

struct AdminServiceImpl::DeviceCall {
  Call call;
  std::optional<DeviceRecord> device;  // set when the call may go on
  grpc::Status refused = grpc::Status::OK;
};

AdminServiceImpl::Call AdminServiceImpl::Begin(grpc::ServerContext* context,
                                               const std::string& action, const std::string& tenant,
                                               const std::string& detail, Allowed allowed) {
  Call call;
  call.audit = AuditRecord{.at_ms = UnixMillis(now_()),
                           .actor = context->peer(),
                           .tenant = tenant,
                           .action = action,
                           .detail = detail};
  absl::StatusOr<AdminIdentity> admin = AdminFromAuthContext(*context->auth_context());
  if (!admin.ok()) {
    call.refused = FromAbsl(admin.status());
    return call;
  }
  call.admin = *admin;
  call.audit.actor = admin->ToString();
  const bool msp = admin->role == AdminRole::kMspAdmin;
  const bool role_allowed =
      (admin->role == AdminRole::kTenantAdmin && allowed != Allowed::kMspAdminOnly) ||
      (admin->role == AdminRole::kAnalyst && allowed == Allowed::kTenantAdminAndAnalyst);
  const bool own_tenant = role_allowed && !tenant.empty() && tenant == admin->tenant;
  if (!msp && !own_tenant) {
    call.refused = Status(
        grpc::StatusCode::PERMISSION_DENIED,
        absl::StrCat(admin->ToString(), " may not ", action,
                     tenant.empty() ? " for every tenant" : absl::StrCat(" for tenant ", tenant)));
  }
  return call;
}

AdminServiceImpl::DeviceCall AdminServiceImpl::BeginForDevice(grpc::ServerContext* context,
                                                              const std::string& action,
                                                              const std::string& device_id) {
  absl::StatusOr<std::optional<DeviceRecord>> device = registry_.Device(device_id);
  const std::string tenant = device.ok() && *device ? (*device)->tenant : "";
  DeviceCall result{.call = Begin(context, action, tenant, device_id, Allowed::kTenantAdmin)};
  const Call& call = result.call;
  if (!device.ok()) {
    result.refused = FromAbsl(device.status());
  } else if (!call.admin) {
    result.refused = call.refused;
  } else if (!*device || !call.admin->CoversTenant(tenant)) {
    result.refused = Status(grpc::StatusCode::NOT_FOUND, absl::StrCat("no device ", device_id));
  } else if (!call.refused.ok()) {
    result.refused = call.refused;  // their tenant's device, but not their role's call
  } else {
    result.device = std::move(**device);
  }
  return result;
}

grpc::Status AdminServiceImpl::End(Call& call, grpc::Status status) {
  call.audit.outcome = status.ok() ? "ok" : absl::StrCat("refused: ", status.error_message());
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    metrics_.Rejected(Rejection::kAdminUnauthenticated);
  } else if (status.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
    metrics_.Rejected(Rejection::kAdminPermissionDenied);
  }
  if (absl::Status s = registry_.AppendAudit(call.audit); !s.ok()) {
    metrics_.StorageError(StorageOp::kRegistry);
    // An admin call that cannot be audited does not happen... but it already did; say so.
    LogError(absl::StrCat("audit log write failed (", s.message(), ") for ", call.audit.actor, " ",
                          call.audit.action));
  }
  return status;
}

grpc::Status AdminServiceImpl::CreateTenant(grpc::ServerContext* context,
                                            const v1::CreateTenantRequest* request,
                                            v1::CreateTenantResponse*) {
  Call call =
      Begin(context, "tenant.create", request->tenant(), request->tenant(), Allowed::kMspAdminOnly);
  if (!call.refused.ok()) return End(call, call.refused);
  if (!IsIdentityPart(request->tenant())) {
    return End(call, Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "a tenant name is 1-64 letters, digits, '-', '_' or '.'"));
  }
  return End(call, FromAbsl(registry_.CreateTenant(request->tenant(), UnixMillis(now_()))));
}

grpc::Status AdminServiceImpl::CreateToken(grpc::ServerContext* context,
                                           const v1::CreateTokenRequest* request,
                                           v1::CreateTokenResponse* response) {
  const std::string detail = absl::StrCat("group=", request->group(), " uses=", request->uses(),
                                          " ttl=", request->ttl_seconds(), "s");
  Call call = Begin(context, "token.create", request->tenant(), detail, Allowed::kTenantAdmin);
  if (!call.refused.ok()) return End(call, call.refused);
  if (!request->group().empty() && !IsIdentityPart(request->group())) {
    return End(call, Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "a group name is 1-64 letters, digits, '-', '_' or '.'"));
  }
  if (request->uses() < 1 || request->uses() > kMaxTokenUses) {
    return End(call, Status(grpc::StatusCode::INVALID_ARGUMENT,
                            absl::StrCat("uses must be 1 to ", kMaxTokenUses)));
  }
  if (request->ttl_seconds() < kMinTokenTtl || request->ttl_seconds() > kMaxTokenTtl) {
    return End(call, Status(grpc::StatusCode::INVALID_ARGUMENT, "ttl must be 1 minute to 30 days"));
  }
  absl::StatusOr<bool> exists = registry_.TenantExists(request->tenant());
  if (!exists.ok()) return End(call, FromAbsl(exists.status()));
  if (!*exists) {
    return End(call,
               Status(grpc::StatusCode::NOT_FOUND,
                      absl::StrCat("no tenant ", request->tenant(), " (candorctl tenant create)")));
  }
  const std::string token = NewEnrollmentToken();
  const int64_t now_ms = UnixMillis(now_());
  TokenRecord record{.hash = TokenHash(token),
                     .tenant = request->tenant(),
                     .group = request->group(),
                     .uses_left = request->uses(),
                     .expires_at_ms = now_ms + static_cast<int64_t>(request->ttl_seconds()) * 1000,
                     .created_by = call.audit.actor,
                     .created_at_ms = now_ms};
  if (absl::Status s = registry_.AddToken(record); !s.ok()) return End(call, FromAbsl(s));
  response->set_token(token);
  response->set_expires_at_ms(static_cast<uint64_t>(record.expires_at_ms));
  return End(call, grpc::Status::OK);
}

grpc::Status AdminServiceImpl::ListDevices(grpc::ServerContext* context,
                                           const v1::ListDevicesRequest* request,
                                           v1::ListDevicesResponse* response) {
  Call call = Begin(context, "device.list", request->tenant(), "", Allowed::kTenantAdmin);
  if (!call.refused.ok()) return End(call, call.refused);
  absl::StatusOr<std::vector<DeviceRecord>> devices = registry_.Devices(request->tenant());
  if (!devices.ok()) return End(call, FromAbsl(devices.status()));
  for (const DeviceRecord& d : *devices) {
    FillDeviceInfo(d, response->add_devices());
  }
  return End(call, grpc::Status::OK);
}

grpc::Status AdminServiceImpl::RevokeDevice(grpc::ServerContext* context,
                                            const v1::RevokeDeviceRequest* request,
                                            v1::RevokeDeviceResponse* response) {
  DeviceCall call = BeginForDevice(context, "device.revoke", request->device_id());
  if (!call.device) return End(call.call, call.refused);
  const std::string& tenant = call.device->tenant;
  if (absl::Status s = registry_.RevokeDevice(request->device_id(), UnixMillis(now_())); !s.ok()) {
    return End(call.call, FromAbsl(s));
  }
  const size_t closed = streams_.CancelDevice(request->device_id());
  response->set_streams_closed(static_cast<uint32_t>(closed));
  Log(absl::StrCat("revoked device ", tenant, "/", request->device_id(), " (", closed,
                   " open stream(s) closed) by ", call.call.audit.actor));
  return End(call.call, grpc::Status::OK);
}

grpc::Status AdminServiceImpl::ListAudit(grpc::ServerContext* context,
                                         const v1::ListAuditRequest* request,
                                         v1::ListAuditResponse* response) {
  Call call = Begin(context, "audit.list", request->tenant(), "", Allowed::kTenantAdmin);
  if (!call.refused.ok()) return End(call, call.refused);
  const uint32_t limit =
      request->limit() == 0 ? kDefaultAuditLimit : std::min(request->limit(), kMaxAuditLimit);
  absl::StatusOr<std::vector<AuditRecord>> records = registry_.Audit(request->tenant(), limit);
  if (!records.ok()) return End(call, FromAbsl(records.status()));
  for (const AuditRecord& r : *records) {
    v1::AuditEntry* entry = response->add_entries();
    entry->set_at_ms(r.at_ms);
    entry->set_actor(r.actor);
    entry->set_tenant(r.tenant);
    entry->set_action(r.action);
    entry->set_detail(r.detail);
    entry->set_outcome(r.outcome);
  }
  return End(call, grpc::Status::OK);
}

namespace {

bool IsKeyId(const std::string& id) {
  return id.size() == 16 && std::all_of(id.begin(), id.end(), [](char c) {
           return absl::ascii_isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

grpc::Status AdminServiceImpl::PushPolicy(grpc::ServerContext* context,
                                          const v1::PushPolicyRequest* request,
                                          v1::PushPolicyResponse* response) {
  const v1::SignedPolicy& signed_policy = request->policy();
  const std::string detail =
      absl::StrCat("group=", signed_policy.group(), " key=", signed_policy.key_id().substr(0, 16));
  Call call = Begin(context, "policy.push", request->tenant(), detail, Allowed::kTenantAdmin);
  if (!call.refused.ok()) return End(call, call.refused);
  auto invalid = [&](absl::string_view why) {
    return End(call, Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(why)));
  };
  if (!signed_policy.group().empty() && !IsIdentityPart(signed_policy.group())) {
    return invalid("a group name is 1-64 letters, digits, '-', '_' or '.'");
  }
  if (!IsKeyId(signed_policy.key_id()) || signed_policy.signature().size() != 64) {
    return invalid("the policy is not signed (candorctl policy push --key signs it)");
  }
  if (signed_policy.policy_yaml().size() > config::YamlLimits{}.max_bytes) {
    return invalid("the policy is larger than a policy file may be");
  }
  // Agents check everything again; refusing here tells the admin now, not after the push.
  absl::StatusOr<config::Policy> policy =
      config::ParsePolicyText(signed_policy.policy_yaml(), "pushed policy", catalog_);
  if (!policy.ok()) return invalid(policy.status().message());
  if (policy->tenant != request->tenant()) {
    return invalid(absl::StrCat("the policy's metadata.tenant is \"", policy->tenant, "\", not \"",
                                request->tenant(), "\""));
  }
  absl::StatusOr<bool> exists = registry_.TenantExists(request->tenant());
  if (!exists.ok()) return End(call, FromAbsl(exists.status()));
  if (!*exists) {
    return End(call,
               Status(grpc::StatusCode::NOT_FOUND, absl::StrCat("no tenant ", request->tenant())));
  }
  call.audit.detail = absl::StrCat("version=", policy->version, " ", detail);
  const PolicyRecord record{.tenant = policy->tenant,
                            .version = policy->version,
                            .group = signed_policy.group(),
                            .name = policy->name,
                            .yaml = signed_policy.policy_yaml(),
                            .key_id = signed_policy.key_id(),
                            .signature = signed_policy.signature(),
                            .pushed_by = call.audit.actor,
                            .pushed_at_ms = UnixMillis(now_())};
  absl::StatusOr<size_t> notified = policies_.Push(record);
  if (!notified.ok()) return End(call, FromAbsl(notified.status()));
  response->set_version(policy->version);
  response->set_streams_notified(static_cast<uint32_t>(*notified));
  Log(absl::StrCat("policy ", policy->tenant, " version ", policy->version,
                   signed_policy.group().empty() ? "" : " group " + signed_policy.group(),
                   " pushed by ", call.audit.actor, "; sent on ", *notified, " open stream(s)"));
  return End(call, grpc::Status::OK);
}

grpc::Status AdminServiceImpl::ListPolicies(grpc::ServerContext* context,
                                            const v1::ListPoliciesRequest* request,
                                            v1::ListPoliciesResponse* response) {
  Call call = Begin(context, "policy.list", request->tenant(), "", Allowed::kTenantAdmin);
  if (!call.refused.ok()) return End(call, call.refused);
  absl::StatusOr<std::vector<PolicyRecord>> records = registry_.Policies(request->tenant(), false);
  if (!records.ok()) return End(call, FromAbsl(records.status()));
  for (const PolicyRecord& r : *records) {
    v1::PolicyInfo* info = response->add_policies();
    info->set_tenant(r.tenant);
    info->set_group(r.group);
    info->set_version(r.version);
    info->set_name(r.name);
    info->set_key_id(r.key_id);
    info->set_pushed_by(r.pushed_by);
    info->set_pushed_at_ms(r.pushed_at_ms);
  }
  return End(call, grpc::Status::OK);
}

grpc::Status AdminServiceImpl::ReportCompliance(grpc::ServerContext* context,
                                                const v1::ComplianceReportRequest* request,
                                                v1::ComplianceReport* response) {
  const std::string detail =
      absl::StrCat("group=", request->group(), " devices=", request->devices() ? "yes" : "no");
  Call call = Begin(context, "report.compliance", request->tenant(), detail,
                    request->devices() ? Allowed::kTenantAdmin : Allowed::kTenantAdminAndAnalyst);
  if (!call.refused.ok()) return End(call, call.refused);
  if (!request->group().empty() && !IsIdentityPart(request->group())) {
    return End(call, Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "a group name is 1-64 letters, digits, '-', '_' or '.'"));
  }
  absl::StatusOr<v1::ComplianceReport> report =
      BuildComplianceReport(registry_, events_, *request, UnixMillis(now_()));
  if (!report.ok()) return End(call, FromAbsl(report.status()));
  *response = std::move(*report);
  return End(call, grpc::Status::OK);
}

grpc::Status AdminServiceImpl::ReportDevice(grpc::ServerContext* context,
                                            const v1::DeviceReportRequest* request,
                                            v1::DeviceReport* response) {
  DeviceCall call = BeginForDevice(context, "report.device", request->device_id());
  if (!call.device) return End(call.call, call.refused);
  absl::StatusOr<v1::DeviceReport> report =
      BuildDeviceReport(events_, *call.device, UnixMillis(now_()));
  if (!report.ok()) return End(call.call, FromAbsl(report.status()));
  *response = std::move(*report);
  FillDeviceInfo(*call.device, response->mutable_device());
  return End(call.call, grpc::Status::OK);
}

}  // namespace candor::service
