// candorctl: the administrator's command line. Talks to candor-server's admin API with an
// admin certificate (role and tenant in its URI SAN); also checks policy files offline with
// the agent's own loader.

#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/program_options.hpp"
#include "collectors/builtin.h"
#include "config/atomic_file.h"
#include "config/map_reader.h"
#include "config/policy.h"
#include "config/policy_lint.h"
#include "config/policy_signature.h"
#include "config/read_file.h"
#include "config/yaml_tree.h"
#include "nlohmann/json.hpp"
#include "service/ctl/admin_client.h"
#include "service/ctl/report_format.h"

namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "Usage: candorctl [CONNECTION] COMMAND\n"
    "  tenant create TENANT                       (msp-admin)\n"
    "  token create --tenant T [--group G] --uses N --ttl 24h\n"
    "                                             print a bootstrap token for enrollment\n"
    "  device list [--tenant T] [--format table|json]\n"
    "                                             last contact, agent and policy version\n"
    "  device revoke DEVICE_ID                    close its stream, refuse it from now on\n"
    "  audit [--tenant T] [--limit N] [--format table|json]\n"
    "                                             the admin calls made, newest last\n"
    "  policy lint FILE                           check a policy file offline\n"
    "  keys create --out FILE                     make an admin signing key (Ed25519):\n"
    "                                             FILE (private, mode 0600) and FILE.pub;\n"
    "                                             prints the public key to pin in agents'\n"
    "                                             policy_keys\n"
    "  policy push FILE --tenant T [--group G] --key FILE\n"
    "                                             check, sign and upload a policy; connected\n"
    "                                             agents get it at once, others when they\n"
    "                                             connect\n"
    "  policy list --tenant T [--format table|json]\n"
    "                                             the versions pushed, newest first\n"
    "  report compliance [--tenant T] [--group G] [--devices] [--format table|json|csv]\n"
    "                                             per check: devices passing, failing, not\n"
    "                                             applicable, in error, stale; the share of\n"
    "                                             compliant devices. Without --tenant: every\n"
    "                                             tenant (msp-admin). --devices adds each\n"
    "                                             device's verdict (admins only, audited)\n"
    "  report device DEVICE_ID [--format table|json|csv]\n"
    "                                             every check's latest result (audited)\n"
    "\n"
    "CONNECTION (or the environment variables in brackets):\n"
    "  --server HOST:PORT [CANDOR_SERVER]  --ca FILE [CANDOR_CA]\n"
    "  --cert FILE [CANDOR_CERT]  --cert-key FILE [CANDOR_CERT_KEY]\n"
    "                                     the admin certificate and its key\n"
    "\n"
    "Exit status: 0 done, 1 refused or failed (the server's reason is printed), 2 usage.\n"
    "See docs/operations.md.\n";

int Usage(const std::string& why) {
  std::cerr << "candorctl: " << why << "\n\n" << kUsage;
  return 2;
}

int Refused(const grpc::Status& status) {
  std::cerr << "candorctl: " << status.error_message() << " (" << status.error_code() << ")\n";
  return 1;
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

grpc::ClientContext* WithDeadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return &context;
}

int DeviceList(candor::v1::AdminService::Stub& stub, const std::string& tenant,
               const std::string& format) {
  candor::v1::ListDevicesRequest request;
  request.set_tenant(tenant);
  candor::v1::ListDevicesResponse response;
  grpc::ClientContext context;
  if (grpc::Status s = stub.ListDevices(WithDeadline(context), request, &response); !s.ok()) {
    return Refused(s);
  }
  if (format == "json") {
    nlohmann::ordered_json devices = nlohmann::ordered_json::array();
    for (const auto& d : response.devices()) {
      devices.push_back({{"device_id", d.device_id()},
                         {"tenant", d.tenant()},
                         {"group", d.group()},
                         {"enrolled_at_ms", d.enrolled_at_ms()},
                         {"last_contact_ms", d.last_contact_ms()},
                         {"agent_version", d.agent_version()},
                         {"policy_version", d.policy_version()},
                         {"certificate_expires_ms", d.certificate_expires_ms()},
                         {"revoked_at_ms", d.revoked_at_ms()}});
    }
    std::cout << devices.dump(2) << "\n";
    return 0;
  }
  std::cout << std::left << std::setw(37) << "DEVICE" << std::setw(17) << "TENANT/GROUP"
            << std::setw(17) << "LAST CONTACT UTC" << std::setw(9) << "AGENT" << std::setw(7)
            << "POLICY"
            << "STATE\n";
  for (const auto& d : response.devices()) {
    std::string where = d.tenant();
    if (!d.group().empty()) where += "/" + d.group();
    std::cout << std::setw(37) << d.device_id() << std::setw(17) << where.substr(0, 16)
              << std::setw(17) << candor::ctl::UtcMinutes(d.last_contact_ms()) << std::setw(9)
              << d.agent_version().substr(0, 8) << std::setw(7) << d.policy_version()
              << (d.revoked_at_ms() ? "revoked" : "active") << "\n";
  }
  std::cout << response.devices_size() << " device(s)\n";
  return 0;
}

int Audit(candor::v1::AdminService::Stub& stub, const std::string& tenant, uint32_t limit,
          const std::string& format) {
  candor::v1::ListAuditRequest request;
  request.set_tenant(tenant);
  request.set_limit(limit);
  candor::v1::ListAuditResponse response;
  grpc::ClientContext context;
  if (grpc::Status s = stub.ListAudit(WithDeadline(context), request, &response); !s.ok()) {
    return Refused(s);
  }
  if (format == "json") {
    nlohmann::ordered_json entries = nlohmann::ordered_json::array();
    for (const auto& e : response.entries()) {
      entries.push_back({{"at_ms", e.at_ms()},
                         {"actor", e.actor()},
                         {"tenant", e.tenant()},
                         {"action", e.action()},
                         {"detail", e.detail()},
                         {"outcome", e.outcome()}});
    }
    std::cout << entries.dump(2) << "\n";
    return 0;
  }
  for (const auto& e : response.entries()) {
    std::cout << candor::ctl::UtcMinutes(e.at_ms()) << "  " << e.actor() << "  " << e.action();
    if (!e.tenant().empty()) std::cout << " tenant=" << e.tenant();
    if (!e.detail().empty()) std::cout << " " << e.detail();
    std::cout << "  " << e.outcome() << "\n";
  }
  return 0;
}

int Failed(absl::string_view why) {
  std::cerr << "candorctl: " << why << "\n";
  return 1;
}

// keys create: the private key (0600, never overwritten) and its pin in FILE.pub.
int KeysCreate(const std::string& out) {
  namespace fs = std::filesystem;
  const fs::path path = fs::absolute(out);
  if (fs::exists(path)) {
    return Failed(absl::StrCat(path.string(), " exists; a signing key is never overwritten"));
  }
  absl::StatusOr<std::string> key = candor::config::NewSigningKeyPem();
  if (!key.ok()) return Failed(key.status().message());
  absl::StatusOr<std::string> pin = candor::config::PublicKeyPin(*key);
  if (!pin.ok()) return Failed(pin.status().message());
  const fs::path dir = path.parent_path();
  // Both mode 0600, written whole or not at all.
  if (absl::Status s = candor::config::WriteFileAtomically(dir, path.filename().string(), *key);
      !s.ok()) {
    return Failed(s.message());
  }
  if (absl::Status s =
          candor::config::WriteFileAtomically(dir, path.filename().string() + ".pub", *pin + "\n");
      !s.ok()) {
    return Failed(s.message());
  }
  absl::StatusOr<candor::config::PolicyKey> parsed = candor::config::ParsePublicKeyPin(*pin);
  std::cout << *pin << "\n";
  std::cerr << "signing key " << (parsed.ok() ? parsed->id : "") << " written to " << path.string()
            << " (keep it off the server); pin the line above in each "
            << "agent's policy_keys (also in " << path.string() << ".pub)\n";
  return 0;
}

// policy push: checked with the agent's own rules, signed here, uploaded.
int PolicyPush(candor::v1::AdminService::Stub& stub, const std::string& file,
               const std::string& tenant, const std::string& group, const std::string& key_file) {
  absl::StatusOr<std::string> text =
      candor::config::ReadBoundedFile(file, candor::config::YamlLimits{}.max_bytes, "policy");
  if (!text.ok()) return Failed(text.status().message());
  absl::StatusOr<candor::config::Policy> policy =
      candor::config::ParsePolicyText(*text, file, candor::collectors::BuiltinCatalog());
  if (!policy.ok()) return Failed(absl::StrCat("not pushed:\n", policy.status().message()));
  if (policy->tenant != tenant) {
    return Failed(absl::StrCat("not pushed: ", file, " says metadata.tenant: ", policy->tenant,
                               ", not ", tenant));
  }
  absl::StatusOr<std::string> key = candor::config::ReadBoundedFile(key_file, 64 * 1024, "--key");
  if (!key.ok()) return Failed(key.status().message());
  absl::StatusOr<candor::config::PolicySignature> signature =
      candor::config::SignPolicy(*key, tenant, group, *text);
  if (!signature.ok()) return Failed(signature.status().message());

  candor::v1::PushPolicyRequest request;
  request.set_tenant(tenant);
  request.mutable_policy()->set_policy_yaml(*text);
  request.mutable_policy()->set_group(group);
  request.mutable_policy()->set_key_id(signature->key_id);
  request.mutable_policy()->set_signature(signature->signature);
  candor::v1::PushPolicyResponse response;
  grpc::ClientContext context;
  if (grpc::Status s = stub.PushPolicy(WithDeadline(context), request, &response); !s.ok()) {
    return Refused(s);
  }
  std::cout << "pushed policy \"" << policy->name << "\" version " << response.version()
            << " to tenant " << tenant << (group.empty() ? "" : " group " + group)
            << ", signed by key " << signature->key_id << "; sent at once on "
            << response.streams_notified() << " open agent stream(s)\n";
  return 0;
}

int PolicyList(candor::v1::AdminService::Stub& stub, const std::string& tenant,
               const std::string& format) {
  candor::v1::ListPoliciesRequest request;
  request.set_tenant(tenant);
  candor::v1::ListPoliciesResponse response;
  grpc::ClientContext context;
  if (grpc::Status s = stub.ListPolicies(WithDeadline(context), request, &response); !s.ok()) {
    return Refused(s);
  }
  if (format == "json") {
    nlohmann::ordered_json policies = nlohmann::ordered_json::array();
    for (const auto& p : response.policies()) {
      policies.push_back({{"tenant", p.tenant()},
                          {"group", p.group()},
                          {"version", p.version()},
                          {"name", p.name()},
                          {"key_id", p.key_id()},
                          {"pushed_by", p.pushed_by()},
                          {"pushed_at_ms", p.pushed_at_ms()}});
    }
    std::cout << policies.dump(2) << "\n";
    return 0;
  }
  for (const auto& p : response.policies()) {
    std::cout << std::left << std::setw(9) << p.version() << std::setw(17)
              << (p.group().empty() ? "(all)" : p.group()) << std::setw(21) << p.name()
              << candor::ctl::UtcMinutes(p.pushed_at_ms()) << "  " << p.pushed_by() << "  key "
              << p.key_id() << "\n";
  }
  return 0;
}

int ReportCompliance(candor::v1::AdminService::Stub& stub, const std::string& tenant,
                     const std::string& group, bool devices, candor::ctl::ReportFormat format) {
  candor::v1::ComplianceReportRequest request;
  request.set_tenant(tenant);
  request.set_group(group);
  request.set_devices(devices);
  candor::v1::ComplianceReport report;
  grpc::ClientContext context;
  if (grpc::Status s = stub.ReportCompliance(WithDeadline(context), request, &report); !s.ok()) {
    return Refused(s);
  }
  candor::ctl::PrintComplianceReport(report, format, std::cout);
  return 0;
}

int ReportDevice(candor::v1::AdminService::Stub& stub, const std::string& device_id,
                 candor::ctl::ReportFormat format) {
  candor::v1::DeviceReportRequest request;
  request.set_device_id(device_id);
  candor::v1::DeviceReport report;
  grpc::ClientContext context;
  if (grpc::Status s = stub.ReportDevice(WithDeadline(context), request, &report); !s.ok()) {
    return Refused(s);
  }
  candor::ctl::PrintDeviceReport(report, format, std::cout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // Anywhere, as candor-agent and candor-server take it: `candorctl policy push --help`.
  if (std::any_of(args.begin(), args.end(),
                  [](const std::string& a) { return a == "--help" || a == "-h"; })) {
    std::cout << kUsage;
    return 0;
  }
  if (args.size() == 1 && args[0] == "--version") {
    std::cout << "candorctl " << CANDOR_VERSION << "\n";
    return 0;
  }
  if (args.size() == 3 && args[0] == "policy" && args[1] == "lint")
    return candor::config::LintPolicyFile(args[2], candor::collectors::BuiltinCatalog(), std::cout,
                                          std::cerr);

  po::options_description options("Options");
  options.add_options()("server", po::value<std::string>())("ca", po::value<std::string>())(
      "cert", po::value<std::string>())("cert-key", po::value<std::string>())(
      "tenant", po::value<std::string>()->default_value(""))(
      "group", po::value<std::string>()->default_value(""))("uses", po::value<int64_t>())(
      "ttl", po::value<std::string>())("limit", po::value<int64_t>()->default_value(100))(
      "format", po::value<std::string>()->default_value("table"))("out", po::value<std::string>())(
      "key", po::value<std::string>())("devices", po::bool_switch())(
      "command", po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("command", -1);
  po::variables_map vars;
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vars);
    po::notify(vars);
  } catch (const po::error& e) {
    return Usage(e.what());
  }
  const std::vector<std::string> command = vars.count("command")
                                               ? vars["command"].as<std::vector<std::string>>()
                                               : std::vector<std::string>{};
  if (command.empty()) return Usage("no command");
  const std::string format = vars["format"].as<std::string>();
  const bool is_report = command[0] == "report";
  if (!is_report && format != "table" && format != "json") {
    return Usage("--format: expected table or json");
  }
  const absl::StatusOr<candor::ctl::ReportFormat> report_format =
      candor::ctl::ParseReportFormat(format);
  if (!report_format.ok()) return Usage(std::string(report_format.status().message()));
  auto option = [&](const char* name, const char* env) {
    return vars.count(name) ? vars[name].as<std::string>() : Env(env);
  };
  candor::ctl::Connection connection{.server = option("server", "CANDOR_SERVER"),
                                     .ca = option("ca", "CANDOR_CA"),
                                     .cert = option("cert", "CANDOR_CERT"),
                                     .key = option("cert-key", "CANDOR_CERT_KEY")};
  const std::string tenant = vars["tenant"].as<std::string>();
  const std::string verb0 = command.size() >= 2 ? command[0] + " " + command[1] : command[0];
  if (verb0 == "keys create") {
    if (command.size() != 2 || !vars.count("out")) return Usage("keys create --out FILE");
    return KeysCreate(vars["out"].as<std::string>());
  }

  // Check the command's shape before connecting.
  const std::string verb = command.size() >= 2 ? command[0] + " " + command[1] : command[0];
  if (verb == "tenant create" && command.size() != 3) return Usage("tenant create TENANT");
  if (verb == "device revoke" && command.size() != 3) return Usage("device revoke DEVICE_ID");
  if (verb == "token create" && (tenant.empty() || !vars.count("uses") || !vars.count("ttl"))) {
    return Usage("token create needs --tenant, --uses and --ttl");
  }
  if (verb == "policy push" && (command.size() != 3 || tenant.empty() || !vars.count("key"))) {
    return Usage("policy push FILE --tenant T [--group G] --key SIGNING_KEY");
  }
  if (verb == "policy list" && tenant.empty()) return Usage("policy list --tenant T");
  if (verb == "report device" && command.size() != 3) return Usage("report device DEVICE_ID");
  if (verb == "report compliance" && command.size() != 2) {
    return Usage("report compliance [--tenant T] [--group G] [--devices]");
  }
  if (vars["devices"].as<bool>() && verb != "report compliance") {
    return Usage("--devices belongs to report compliance");
  }
  if (verb != "tenant create" && verb != "token create" && verb != "device list" &&
      verb != "device revoke" && verb != "policy push" && verb != "policy list" &&
      verb != "report compliance" && verb != "report device" && command[0] != "audit") {
    return Usage("unknown command \"" + verb + "\"");
  }

  absl::StatusOr<std::unique_ptr<candor::v1::AdminService::Stub>> stub =
      candor::ctl::Connect(connection);
  if (!stub.ok()) return Usage(std::string(stub.status().message()));
  grpc::ClientContext context;
  WithDeadline(context);

  if (verb == "tenant create") {
    candor::v1::CreateTenantRequest request;
    request.set_tenant(command[2]);
    candor::v1::CreateTenantResponse response;
    if (grpc::Status s = (*stub)->CreateTenant(&context, request, &response); !s.ok()) {
      return Refused(s);
    }
    std::cout << "created tenant " << command[2] << "\n";
    return 0;
  }
  if (verb == "token create") {
    const std::optional<std::chrono::seconds> ttl =
        candor::config::ParseDuration(vars["ttl"].as<std::string>());
    const int64_t uses = vars["uses"].as<int64_t>();
    if (!ttl) return Usage("--ttl: expected a duration like 24h or 7d");
    if (uses < 1 || uses > 100000) return Usage("--uses: expected 1 to 100000");
    candor::v1::CreateTokenRequest request;
    request.set_tenant(tenant);
    request.set_group(vars["group"].as<std::string>());
    request.set_uses(static_cast<uint32_t>(uses));
    request.set_ttl_seconds(static_cast<uint64_t>(ttl->count()));
    candor::v1::CreateTokenResponse response;
    if (grpc::Status s = (*stub)->CreateToken(&context, request, &response); !s.ok()) {
      return Refused(s);
    }
    // The token alone on stdout, for scripts; what it is for on stderr.
    std::cout << response.token() << "\n";
    std::cerr << "enrollment token for tenant " << tenant
              << (request.group().empty() ? "" : " group " + request.group()) << ", " << uses
              << " use(s), expires "
              << candor::ctl::UtcMinutes(static_cast<int64_t>(response.expires_at_ms()))
              << " UTC; the server keeps only its hash\n";
    return 0;
  }
  if (verb == "device list") return DeviceList(**stub, tenant, format);
  if (verb == "policy push") {
    return PolicyPush(**stub, command[2], tenant, vars["group"].as<std::string>(),
                      vars["key"].as<std::string>());
  }
  if (verb == "policy list") return PolicyList(**stub, tenant, format);
  if (verb == "report compliance") {
    return ReportCompliance(**stub, tenant, vars["group"].as<std::string>(),
                            vars["devices"].as<bool>(), *report_format);
  }
  if (verb == "report device") return ReportDevice(**stub, command[2], *report_format);
  if (verb == "device revoke") {
    candor::v1::RevokeDeviceRequest request;
    request.set_device_id(command[2]);
    candor::v1::RevokeDeviceResponse response;
    if (grpc::Status s = (*stub)->RevokeDevice(&context, request, &response); !s.ok()) {
      return Refused(s);
    }
    std::cout << "revoked " << command[2] << " (" << response.streams_closed()
              << " open stream(s) closed)\n";
    return 0;
  }
  const int64_t limit = vars["limit"].as<int64_t>();
  if (limit < 1 || limit > 10000) return Usage("--limit: expected 1 to 10000");
  return Audit(**stub, tenant, static_cast<uint32_t>(limit), format);
}
