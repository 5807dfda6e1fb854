#pragma once

// Reading whether the kernel's packet filter denies inbound traffic by default, from
// `nft -j list ruleset` or from iptables-save output.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace candor::collectors {

struct InboundPolicy {
  bool ipv4_default_deny = false;
  bool ipv6_default_deny = false;
  std::string where;  // the chain that decides, e.g. "inet filter input", for the reason
};

// kInvalidArgument when the text is not nft's JSON.
absl::StatusOr<InboundPolicy> InboundPolicyFromNftJson(absl::string_view json);

// `ipv6` says which family the iptables-save output is for.
InboundPolicy InboundPolicyFromIptablesSave(absl::string_view text, bool ipv6);

}  // namespace candor::collectors
