#pragma once

// `candor-agent explain`: the policy in force, in plain words, for the person using the
// device: the notice its IT provider wrote, each check with what it looks at, how often and
// which kinds of data it reports, and the fixed list of what Candor never collects.

#include <ostream>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "config/catalog.h"
#include "config/policy.h"

namespace candor::agent {

// What no collector reports and no policy can ask for (design principle 1).
absl::Span<const absl::string_view> NeverCollected();

// "every 15 minutes", "every hour", "every 2 days".
std::string DescribeInterval(std::chrono::seconds interval);

// The explanation of `policy` (whose checks are in `catalog`); `source` says where it came
// from ("from the server", "from /etc/candor/policy.yaml").
std::string ExplainPolicy(const config::Policy& policy, const config::CollectorCatalog& catalog,
                          absl::string_view source);

}  // namespace candor::agent
