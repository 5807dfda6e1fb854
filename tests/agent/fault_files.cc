#include "tests/agent/fault_files.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace candor::testing {

uint64_t Disk::used() const {
  uint64_t total = 0;
  for (const auto& [name, file] : files) total += file.data.size();
  return total;
}

void Disk::Crash(std::mt19937_64& rng) {
  std::map<std::string, File> after;
  for (auto& [name, file] : removed) {
    if (file.durable_entry) after[name] = file;  // the removal was not durable
  }
  for (auto& [name, file] : files) {
    if (!file.durable_entry) continue;  // the creation was not durable
    after[name] = file;
  }
  for (auto& [name, file] : after) {
    const uint64_t unsynced = file.data.size() - file.synced;
    const uint64_t kept =
        unsynced == 0 ? 0 : std::uniform_int_distribution<uint64_t>(0, unsynced)(rng);
    file.data.resize(file.synced + kept);
    file.synced = file.data.size();
  }
  files = std::move(after);
  removed.clear();
  failing_syncs = 0;
}

absl::StatusOr<std::vector<std::string>> FaultFiles::List() {
  std::vector<std::string> names;
  for (const auto& [name, file] : disk_->files) names.push_back(name);
  return names;
}

absl::StatusOr<std::string> FaultFiles::Read(const std::string& name, uint64_t offset,
                                             size_t max_bytes) {
  auto it = disk_->files.find(name);
  if (it == disk_->files.end()) return absl::NotFoundError(absl::StrCat(name, ": no such file"));
  const std::string& data = it->second.data;
  if (offset >= data.size()) return std::string();
  return data.substr(offset, max_bytes);
}

absl::StatusOr<uint64_t> FaultFiles::Size(const std::string& name) {
  auto it = disk_->files.find(name);
  if (it == disk_->files.end()) return absl::NotFoundError(absl::StrCat(name, ": no such file"));
  return it->second.data.size();
}

absl::Status FaultFiles::Append(const std::string& name, absl::string_view data) {
  const uint64_t free = disk_->capacity - std::min(disk_->capacity, disk_->used());
  Disk::File& file = disk_->files[name];
  const size_t fits = static_cast<size_t>(std::min<uint64_t>(free, data.size()));
  file.data.append(data.data(), fits);
  if (fits < data.size()) {
    return absl::UnavailableError(absl::StrCat("append to ", name, ": No space left on device"));
  }
  return absl::OkStatus();
}

absl::Status FaultFiles::Truncate(const std::string& name, uint64_t size) {
  auto it = disk_->files.find(name);
  if (it == disk_->files.end()) return absl::NotFoundError(absl::StrCat(name, ": no such file"));
  it->second.data.resize(std::min<uint64_t>(size, it->second.data.size()));
  it->second.synced = std::min<uint64_t>(it->second.synced, it->second.data.size());
  return absl::OkStatus();
}

absl::Status FaultFiles::Sync(const std::string& name) {
  if (disk_->failing_syncs > 0) {
    --disk_->failing_syncs;
    return absl::UnavailableError(absl::StrCat("fsync ", name, ": Input/output error"));
  }
  auto it = disk_->files.find(name);
  if (it == disk_->files.end()) return absl::NotFoundError(absl::StrCat(name, ": no such file"));
  it->second.synced = it->second.data.size();
  return absl::OkStatus();
}

absl::Status FaultFiles::SyncDir() {
  if (disk_->failing_syncs > 0) {
    --disk_->failing_syncs;
    return absl::UnavailableError("fsync directory: Input/output error");
  }
  for (auto& [name, file] : disk_->files) file.durable_entry = true;
  disk_->removed.clear();
  return absl::OkStatus();
}

absl::Status FaultFiles::Replace(const std::string& name, absl::string_view data) {
  const uint64_t old = disk_->files.count(name) ? disk_->files[name].data.size() : 0;
  if (disk_->used() - old + data.size() > disk_->capacity) {
    return absl::UnavailableError(absl::StrCat("write ", name, ".tmp: No space left on device"));
  }
  disk_->files[name] =
      Disk::File{.data = std::string(data), .synced = data.size(), .durable_entry = true};
  return absl::OkStatus();
}

absl::Status FaultFiles::Remove(const std::string& name) {
  auto it = disk_->files.find(name);
  if (it == disk_->files.end()) return absl::OkStatus();
  if (it->second.durable_entry) disk_->removed[name] = it->second;
  disk_->files.erase(it);
  return absl::OkStatus();
}

}  // namespace candor::testing
