#include "service/log.h"

#include "config/log_line.h"

namespace candor::service {
namespace {

constexpr absl::string_view kProgram = "candor-server";

}  // namespace

void Log(absl::string_view line) { config::WriteLogLine(kProgram, config::LogLevel::kInfo, line); }

void LogWarning(absl::string_view line) {
  config::WriteLogLine(kProgram, config::LogLevel::kWarning, line);
}

void LogError(absl::string_view line) {
  config::WriteLogLine(kProgram, config::LogLevel::kError, line);
}

}  // namespace candor::service
