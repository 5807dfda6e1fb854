#pragma once

// AdminService: what candorctl asks of the server. Every call is made with an admin client
// certificate (identity.h: name, role, tenant), authorized per tenant, and written to the
// audit log whether it was allowed or not.
//   msp-admin     everything, every tenant
//   tenant-admin  tokens, devices, policies and the audit log of their own tenant
//   analyst       aggregate compliance reports of their own tenant only

#include <chrono>
#include <functional>

#include "candor/v1/admin.grpc.pb.h"
#include "config/catalog.h"
#include "service/agent_stream.h"
#include "service/identity.h"
#include "service/metrics.h"
#include "service/policy_distribution.h"
#include "service/storage/event_store.h"
#include "service/storage/registry_store.h"

namespace candor::service {

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  using Clock = std::chrono::system_clock;

  // `streams` closes a revoked device's open streams; `policies` stores and sends pushed
  // policies, which are validated against `catalog` (the agent's). Unauthenticated and
  // unauthorized calls and audit-log write failures are counted in `metrics`.
  AdminServiceImpl(RegistryStore& registry, EventStore& events, StreamTracker& streams,
                   PolicyDistribution& policies, ServerMetrics& metrics,
                   config::CollectorCatalog catalog, std::function<Clock::time_point()> now)
      : registry_(registry),
        events_(events),
        streams_(streams),
        policies_(policies),
        metrics_(metrics),
        catalog_(std::move(catalog)),
        now_(std::move(now)) {}

  grpc::Status CreateTenant(grpc::ServerContext* context, const v1::CreateTenantRequest* request,
                            v1::CreateTenantResponse* response) override;
  grpc::Status CreateToken(grpc::ServerContext* context, const v1::CreateTokenRequest* request,
                           v1::CreateTokenResponse* response) override;
  grpc::Status ListDevices(grpc::ServerContext* context, const v1::ListDevicesRequest* request,
                           v1::ListDevicesResponse* response) override;
  grpc::Status RevokeDevice(grpc::ServerContext* context, const v1::RevokeDeviceRequest* request,
                            v1::RevokeDeviceResponse* response) override;
  grpc::Status ListAudit(grpc::ServerContext* context, const v1::ListAuditRequest* request,
                         v1::ListAuditResponse* response) override;
  grpc::Status PushPolicy(grpc::ServerContext* context, const v1::PushPolicyRequest* request,
                          v1::PushPolicyResponse* response) override;
  grpc::Status ListPolicies(grpc::ServerContext* context, const v1::ListPoliciesRequest* request,
                            v1::ListPoliciesResponse* response) override;
  grpc::Status ReportCompliance(grpc::ServerContext* context,
                                const v1::ComplianceReportRequest* request,
                                v1::ComplianceReport* response) override;
  grpc::Status ReportDevice(grpc::ServerContext* context, const v1::DeviceReportRequest* request,
                            v1::DeviceReport* response) override;

 private:
  // Who besides msp-admins may make a call, for their own tenant.
  enum class Allowed { kMspAdminOnly, kTenantAdmin, kTenantAdminAndAnalyst };
  // The caller, if it may act on `tenant` ("" = every tenant) as `action` needs; the refusal
  // otherwise, audited.
  struct Call;
  Call Begin(grpc::ServerContext* context, const std::string& action, const std::string& tenant,
             const std::string& detail, Allowed allowed);
  grpc::Status End(Call& call, grpc::Status status);
  // Begin for a call about one device: the device's tenant decides who may make it, and a
  // device of a tenant the caller does not cover is "no device", so tenants cannot learn of
  // each other's devices.
  struct DeviceCall;
  DeviceCall BeginForDevice(grpc::ServerContext* context, const std::string& action,
                            const std::string& device_id);

  RegistryStore& registry_;
  EventStore& events_;
  StreamTracker& streams_;
  PolicyDistribution& policies_;
  ServerMetrics& metrics_;
  const config::CollectorCatalog catalog_;
  const std::function<Clock::time_point()> now_;
};

}  // namespace candor::service
