#pragma once

// AdminService: what candorctl asks of the server. Every call is made with an admin client
// certificate (identity.h: name, role, tenant), authorized per tenant, and written to the
// audit log whether it was allowed or not.
//   msp-admin     everything, every tenant
//   tenant-admin  tokens, devices and the audit log of their own tenant
//   analyst       nothing here (aggregate reports only, with issue 9's report API)

#include <chrono>
#include <functional>

#include "candor/v1/admin.grpc.pb.h"
#include "service/agent_stream.h"
#include "service/identity.h"
#include "service/storage/registry_store.h"

namespace candor::service {

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  using Clock = std::chrono::system_clock;

  // `streams` closes a revoked device's open streams.
  AdminServiceImpl(RegistryStore& registry, StreamTracker& streams,
                   std::function<Clock::time_point()> now)
      : registry_(registry), streams_(streams), now_(std::move(now)) {}

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

 private:
  // The caller, if it may act on `tenant` ("" = every tenant) as `action` needs; the refusal
  // otherwise, audited.
  struct Call;
  Call Begin(grpc::ServerContext* context, const std::string& action, const std::string& tenant,
             const std::string& detail, bool tenant_admin_allowed);
  grpc::Status End(Call& call, grpc::Status status);

  RegistryStore& registry_;
  StreamTracker& streams_;
  const std::function<Clock::time_point()> now_;
};

}  // namespace candor::service
