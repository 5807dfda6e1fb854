#include "collectors/posture/secure_boot.h"

#include "absl/strings/str_cat.h"

namespace candor::collectors::posture {
namespace {

// EFI global variables: 4 bytes of attributes, then the value.
constexpr absl::string_view kVars = "/sys/firmware/efi/efivars/";
constexpr absl::string_view kGlobalGuid = "8be4df61-93ca-11d2-aa0d-00e098032b8c";

absl::StatusOr<bool> ReadFlag(const HostView& host, absl::string_view name) {
  absl::StatusOr<std::string> raw = host.ReadFile(absl::StrCat(kVars, name, "-", kGlobalGuid), 64);
  if (!raw.ok()) return raw.status();
  if (raw->size() != 5) {
    return absl::DataLossError(
        absl::StrCat(name, " variable has ", raw->size(), " bytes; expected 5"));
  }
  return (*raw)[4] == 1;
}

}  // namespace

const config::CollectorSpec& SecureBoot::spec() const {
  static const config::CollectorSpec kSpec{
      .id = "secure_boot",
      .description = "Whether UEFI Secure Boot verifies what the computer starts.",
      .platforms = {config::Platform::kLinux},
      .data_categories = {"firmware boot settings"},
      .params = {},
  };
  return kSpec;
}

CheckResult SecureBoot::Collect(const HostView& host, const config::Params&) const {
  CheckResult result;
  if (!host.Exists("/sys/firmware/efi")) {
    result.status = CheckStatus::kNotApplicable;
    result.reason = "legacy BIOS boot: Secure Boot does not apply";
    result.facts["uefi"] = false;
    return result;
  }
  result.facts["uefi"] = true;
  absl::StatusOr<bool> enabled = ReadFlag(host, "SecureBoot");
  if (absl::IsNotFound(enabled.status())) {
    result.status = CheckStatus::kFail;
    result.reason = "UEFI firmware without Secure Boot support";
    result.facts["secure_boot"] = false;
    return result;
  }
  if (!enabled.ok()) {
    result.status = CheckStatus::kError;
    result.reason =
        absl::StrCat("cannot read the SecureBoot variable: ", enabled.status().message());
    return result;
  }
  result.facts["secure_boot"] = *enabled;
  absl::StatusOr<bool> setup = ReadFlag(host, "SetupMode");
  const bool setup_mode = setup.ok() && *setup;
  result.facts["setup_mode"] = setup_mode;
  if (setup_mode) {
    result.status = CheckStatus::kFail;
    result.reason = "firmware is in setup mode: no Secure Boot keys are enrolled";
  } else if (*enabled) {
    result.status = CheckStatus::kPass;
    result.reason = "Secure Boot is enabled";
  } else {
    result.status = CheckStatus::kFail;
    result.reason = "Secure Boot is disabled in the firmware";
  }
  return result;
}

}  // namespace candor::collectors::posture
