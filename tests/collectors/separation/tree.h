#pragma once

// Fixture trees of shared home PCs for the separation tests (tests/data/hosts/).

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "collectors/host_view.h"
#include "config/catalog.h"
#include "tests/collectors/memory_state_store.h"
#include "tests/support/temp_dir.h"

namespace candor::collectors::separation {

inline std::filesystem::path Fixture(const std::string& name) {
  return std::filesystem::path(CANDOR_TEST_DATA) / "hosts" / name;
}

// A copy of a fixture tree whose homes have the given modes and belong to their accounts
// (ownership needs root; the tests that need it skip without).
class Tree {
 public:
  explicit Tree(const std::string& name) {
    std::filesystem::copy(
        Fixture(name), dir_.path(),
        std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
    state_ = std::make_shared<testing::MemoryStateStore>();
  }
  // Sets the mode and owner of /home/<account> (uid from the tree's passwd).
  void Home(const std::string& account, int64_t uid, mode_t mode) {
    const std::filesystem::path home = dir_ / ("home/" + account);
    ::chmod(home.c_str(), mode);
    if (::geteuid() == 0)
      (void)::chown(home.c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(uid));
  }
  HostView View() const {
    HostView::Options options;
    options.state = state_;
    return HostView(dir_.path(), options);
  }
  const std::filesystem::path& path() const { return dir_.path(); }

 private:
  candor::testing::TempDir dir_;
  std::shared_ptr<testing::MemoryStateStore> state_;
};

inline config::Params Work(std::vector<std::string> accounts = {"work"}) {
  return {{"work_accounts", std::move(accounts)}};
}

}  // namespace candor::collectors::separation
