#pragma once

// Reading the typed parameters of one check against its collector's declarations.

#include <optional>
#include <string>
#include <vector>

#include "config/catalog.h"
#include "config/diagnostics.h"
#include "config/yaml_tree.h"

namespace candor::config {

// `node` is the check's `params` mapping, or nullptr when absent. Returns every declared
// parameter (defaults for those not given), or nullopt after reporting the problems.
std::optional<Params> ReadParams(const YamlNode* node, const std::string& path,
                                 const CollectorSpec& collector, Diagnostics& diag);

// A list of plain strings (at most `max_items`, each at most 256 bytes, no control
// characters, no duplicates); nullopt after reporting the problem.
std::optional<std::vector<std::string>> ReadStringList(const YamlNode& node,
                                                       const std::string& path, size_t max_items,
                                                       Diagnostics& diag);

// One record of a kRecordList parameter (also the entries of the personal-software
// catalog): a mapping with a required `id` "<category>:<name>" and optional lists named in
// `fields`, each of at most 32 plain names (no path separators). nullopt after reporting.
std::optional<ParamRecord> ReadRecord(const YamlNode& node, const std::string& path,
                                      const std::vector<std::string>& fields, Diagnostics& diag);

// `value` when it is one of `choices`; otherwise reports it, with the nearest choice.
bool CheckChoice(const std::string& value, const std::vector<std::string>& choices, SourcePos pos,
                 const std::string& path, Diagnostics& diag);

}  // namespace candor::config
