#pragma once

// PolicyWatch: calls back when the policy file changes on disk (written in place, or
// replaced by rename as editors and configuration tools do). Linux: inotify on the file's
// directory, through the io_context; changes are debounced so one save is one reload.
// Elsewhere it does nothing (SIGHUP still reloads). Not thread-safe: io_context thread.

#include <filesystem>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boost/asio/io_context.hpp"

namespace candor::agent {

class PolicyWatch {
 public:
  virtual ~PolicyWatch() = default;
  // Starts watching `file`; `on_change` runs on the io_context.
  static absl::StatusOr<std::unique_ptr<PolicyWatch>> Start(boost::asio::io_context& io,
                                                            const std::filesystem::path& file,
                                                            std::function<void()> on_change);
};

}  // namespace candor::agent
