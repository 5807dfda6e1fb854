#include "config/software_catalog.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "config/map_reader.h"
#include "config/params.h"
#include "config/yaml_tree.h"

namespace candor::config {

const std::vector<std::string>& SoftwareFields() {
  static const std::vector<std::string> kFields = {
      "packages",         "flatpaks",         "snaps", "desktop_files", "processes", "appimages",
      "windows_programs", "windows_processes"};
  return kFields;
}

SoftwareEntry EntryFromRecord(const ParamRecord& record) {
  SoftwareEntry entry;
  entry.id = record.id;
  auto list = [&](const char* field) {
    const auto found = record.lists.find(field);
    return found == record.lists.end() ? std::vector<std::string>{} : found->second;
  };
  entry.packages = list("packages");
  entry.flatpaks = list("flatpaks");
  entry.snaps = list("snaps");
  entry.desktop_files = list("desktop_files");
  entry.processes = list("processes");
  entry.appimages = list("appimages");
  entry.windows_programs = list("windows_programs");
  entry.windows_processes = list("windows_processes");
  return entry;
}

std::vector<std::string> SoftwareCatalog::CategoryIds() const {
  std::vector<std::string> ids;
  for (const SoftwareCategory& c : categories) ids.push_back(c.id);
  return ids;
}

std::vector<std::string> SoftwareCatalog::EntryIds() const {
  std::vector<std::string> ids;
  for (const SoftwareEntry& e : entries) ids.push_back(e.id);
  return ids;
}

absl::StatusOr<SoftwareCatalog> ParseSoftwareCatalog(absl::string_view text,
                                                     absl::string_view file_name) {
  absl::StatusOr<YamlNode> root = ParseYaml(text, file_name);
  if (!root.ok()) return root.status();
  Diagnostics diag{std::string(file_name)};
  MapReader top(*root, "", diag);
  SoftwareCatalog catalog;
  catalog.date = top.String("date", Presence::kRequired).value_or("");
  std::set<std::string> categories;
  if (const YamlNode* list = top.Get("categories", Presence::kRequired)) {
    for (size_t i = 0; i < list->items.size(); ++i) {
      MapReader item(list->items[i], IndexPath("categories", i), diag);
      SoftwareCategory category{
          .id = item.String("id", Presence::kRequired).value_or(""),
          .description = item.String("description", Presence::kRequired).value_or("")};
      item.Finish();
      if (!categories.insert(category.id).second) {
        diag.Error(list->items[i].pos, IndexPath("categories", i),
                   absl::StrCat("category \"", category.id, "\" is listed twice"));
      }
      catalog.categories.push_back(std::move(category));
    }
  }
  if (const YamlNode* list = top.Get("software", Presence::kRequired)) {
    if (list->kind != YamlNode::Kind::kSequence) {
      diag.Error(list->pos, "software", absl::StrCat("expected a list, got ", list->Describe()));
    }
    std::set<std::string> ids;
    for (size_t i = 0; i < list->items.size(); ++i) {
      const std::string path = IndexPath("software", i);
      std::optional<ParamRecord> record = ReadRecord(list->items[i], path, SoftwareFields(), diag);
      if (!record) continue;
      SoftwareEntry entry = EntryFromRecord(*record);
      if (categories.count(entry.category()) == 0) {
        diag.Error(list->items[i].pos, path,
                   absl::StrCat("category \"", entry.category(), "\" is not declared"));
      }
      if (!ids.insert(entry.id).second) {
        diag.Error(list->items[i].pos, path, absl::StrCat("\"", entry.id, "\" is listed twice"));
      }
      if (record->lists.empty()) {
        diag.Error(list->items[i].pos, path, "an entry needs at least one name to look for");
      }
      catalog.entries.push_back(std::move(entry));
    }
  }
  top.Finish();
  if (!diag.ok()) return diag.ToStatus();
  return catalog;
}

}  // namespace candor::config
