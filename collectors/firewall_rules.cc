#include "collectors/firewall_rules.h"

#include <map>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace candor::collectors {
namespace {

using Json = nlohmann::json;

// The string under `key`, or "" when it is missing or not a string (nlohmann's value()
// would throw on a number where a string belongs: nft's output is read as hostile input).
std::string Text(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A rule whose only statement is drop or reject (no match before it) ends the chain.
bool DropsEverything(const Json& rule) {
  const Json& expr = rule.value("expr", Json::array());
  if (!expr.is_array() || expr.size() != 1 || !expr[0].is_object()) return false;
  return expr[0].contains("drop") || expr[0].contains("reject");
}

void Cover(const std::string& family, const std::string& where, InboundPolicy& policy) {
  if (family == "ip" || family == "inet") policy.ipv4_default_deny = true;
  if (family == "ip6" || family == "inet") policy.ipv6_default_deny = true;
  if (policy.where.empty()) policy.where = where;
}

}  // namespace

absl::StatusOr<InboundPolicy> InboundPolicyFromNftJson(absl::string_view text) {
  const Json doc = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("nftables") ||
      !doc["nftables"].is_array()) {
    return absl::InvalidArgumentError("nft printed something other than its JSON ruleset");
  }
  struct Chain {
    std::string family, table, name;
    bool drops = false;
    const Json* last_rule = nullptr;
  };
  std::map<std::tuple<std::string, std::string, std::string>, Chain> input_chains;
  for (const Json& item : doc["nftables"]) {
    if (!item.is_object()) continue;
    if (item.contains("chain") && item["chain"].is_object()) {
      const Json& c = item["chain"];
      if (Text(c, "hook") != "input" || Text(c, "type") != "filter") continue;
      Chain chain{Text(c, "family"), Text(c, "table"), Text(c, "name")};
      chain.drops = Text(c, "policy") == "drop";
      input_chains[{chain.family, chain.table, chain.name}] = chain;
    } else if (item.contains("rule") && item["rule"].is_object()) {
      const Json& r = item["rule"];
      auto it = input_chains.find({Text(r, "family"), Text(r, "table"), Text(r, "chain")});
      if (it != input_chains.end()) it->second.last_rule = &r;
    }
  }
  InboundPolicy policy;
  for (const auto& [key, chain] : input_chains) {
    if (chain.drops || (chain.last_rule != nullptr && DropsEverything(*chain.last_rule))) {
      Cover(chain.family, absl::StrCat(chain.family, " ", chain.table, " ", chain.name), policy);
    }
  }
  return policy;
}

InboundPolicy InboundPolicyFromIptablesSave(absl::string_view text, bool ipv6) {
  InboundPolicy policy;
  bool in_filter = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, "*")) in_filter = line == "*filter";
    if (!in_filter) continue;
    if (absl::StartsWith(line, ":INPUT DROP") || line == "-A INPUT -j DROP" ||
        line == "-A INPUT -j REJECT" ||
        absl::StartsWith(line, "-A INPUT -j REJECT --reject-with")) {
      Cover(ipv6 ? "ip6" : "ip", ipv6 ? "ip6tables INPUT" : "iptables INPUT", policy);
    }
  }
  return policy;
}

}  // namespace candor::collectors
