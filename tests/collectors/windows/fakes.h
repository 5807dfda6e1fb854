#pragma once

// Test doubles for the Windows views (registry, security facts, accounts and files): the
// Windows APIs the mingw-built adapters stand behind, in memory.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "collectors/windows/separation_views.h"
#include "collectors/windows/views.h"

namespace candor::collectors::windows {

class FakeRegistry final : public RegistryView {
 public:
  void SetDword(Hive hive, const std::string& key, const std::string& value, uint32_t data) {
    dwords_[{hive, key, value}] = data;
    AddKey(hive, key);
  }
  void SetString(Hive hive, const std::string& key, const std::string& value,
                 const std::string& data) {
    strings_[{hive, key, value}] = data;
    AddKey(hive, key);
  }
  void AddKey(Hive hive, const std::string& key) { keys_.insert({hive, key}); }

  std::optional<uint32_t> Dword(Hive hive, const std::string& key,
                                const std::string& value) const override {
    auto it = dwords_.find({hive, key, value});
    return it == dwords_.end() ? std::nullopt : std::optional<uint32_t>(it->second);
  }
  std::optional<std::string> String(Hive hive, const std::string& key,
                                    const std::string& value) const override {
    auto it = strings_.find({hive, key, value});
    return it == strings_.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  bool KeyExists(Hive hive, const std::string& key) const override {
    return keys_.count({hive, key}) != 0;
  }
  std::vector<std::string> SubKeys(Hive hive, const std::string& key) const override {
    std::set<std::string> children;
    const std::string prefix = key.empty() ? "" : key + "\\";
    for (const auto& [h, k] : keys_) {
      if (h != hive || k.rfind(prefix, 0) != 0 || k.size() == prefix.size()) continue;
      children.insert(k.substr(prefix.size(), k.find('\\', prefix.size()) - prefix.size()));
    }
    return {children.begin(), children.end()};
  }

 private:
  std::map<std::tuple<Hive, std::string, std::string>, uint32_t> dwords_;
  std::map<std::tuple<Hive, std::string, std::string>, std::string> strings_;
  std::set<std::pair<Hive, std::string>> keys_;
};

class FakeSecurity final : public SecurityView {
 public:
  std::optional<FirewallProfileState> Firewall(FirewallProfile profile) const override {
    auto it = firewall.find(profile);
    return it == firewall.end() ? std::nullopt : std::optional(it->second);
  }
  std::optional<std::vector<BitLockerVolume>> BitLockerVolumes() const override { return volumes; }
  std::optional<std::vector<AntivirusProduct>> AntivirusProducts() const override {
    return products;
  }
  std::optional<std::vector<std::string>> LocalAdministrators() const override {
    return administrators;
  }
  std::map<FirewallProfile, FirewallProfileState> firewall;
  std::optional<std::vector<BitLockerVolume>> volumes;
  std::optional<std::vector<AntivirusProduct>> products;
  std::optional<std::vector<std::string>> administrators;
};

class FakeAccounts final : public AccountsView {
 public:
  std::optional<std::vector<LocalUser>> LocalUsers() const override { return users; }
  std::optional<std::vector<AccessEntry>> DirectoryAccess(const std::string& path) const override {
    auto it = access.find(path);
    return it == access.end() ? std::nullopt : std::optional(it->second);
  }
  std::optional<std::vector<std::string>> ProcessesOf(const std::string& sid) const override {
    if (!processes_listable) return std::nullopt;
    auto it = processes.find(sid);
    return it == processes.end() ? std::vector<std::string>{} : it->second;
  }
  std::optional<std::vector<std::string>> ListDirectory(const std::string& path) const override {
    std::set<std::string> names;
    const std::string prefix = path + "\\";
    for (const auto& [file, text] : files) {
      if (file.rfind(prefix, 0) != 0) continue;
      // A file, or the subdirectory it is in.
      const size_t end = file.find('\\', prefix.size());
      names.insert(
          file.substr(prefix.size(), end == std::string::npos ? end : end - prefix.size()));
    }
    if (names.empty()) return std::nullopt;
    return std::vector<std::string>(names.begin(), names.end());
  }
  std::optional<std::string> ReadTextFile(const std::string& path,
                                          size_t max_bytes) const override {
    auto it = files.find(path);
    if (it == files.end() || it->second.size() > max_bytes) return std::nullopt;
    return it->second;
  }

  std::optional<std::vector<LocalUser>> users;
  std::map<std::string, std::vector<AccessEntry>> access;     // by directory
  std::map<std::string, std::vector<std::string>> processes;  // by SID
  bool processes_listable = true;
  std::map<std::string, std::string> files;  // full path -> contents
};

}  // namespace candor::collectors::windows
