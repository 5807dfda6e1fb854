#pragma once

// The personal-software catalog: the game launchers, peer-to-peer clients, unmanaged
// remote-access tools and the like that `no_personal_software` looks for in a work account
// (docs/policy.md). The agent carries config/personal_software.yaml compiled in; a policy
// chooses the categories that count and adds entries of its own (the same fields, as the
// check's `add` parameter). Only the entries' ids are ever reported.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config/catalog.h"
#include "config/software_entry.h"

namespace candor::config {

struct SoftwareCategory {
  std::string id;  // "p2p"
  std::string description;
};

struct SoftwareCatalog {
  std::string date;  // when the catalog was last reviewed, YYYY-MM-DD
  std::vector<SoftwareCategory> categories;
  std::vector<SoftwareEntry> entries;

  std::vector<std::string> CategoryIds() const;
  std::vector<std::string> EntryIds() const;
};

// The lists an entry may have: packages, flatpaks, snaps, desktop_files, processes,
// appimages, windows_programs, windows_processes.
const std::vector<std::string>& SoftwareFields();

// An entry from a policy's `add` record (its id and lists).
SoftwareEntry EntryFromRecord(const ParamRecord& record);

// Parses a catalog file: every entry's category declared, every entry with at least one
// name. kInvalidArgument listing every problem with its line.
absl::StatusOr<SoftwareCatalog> ParseSoftwareCatalog(absl::string_view text,
                                                     absl::string_view file_name);

}  // namespace candor::config
