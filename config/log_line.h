#pragma once

// How the agent and the server write a log line: "program: text" on standard error, and,
// when standard error is the systemd journal's stream, a sd-daemon level prefix ("<3>",
// "<4>", "<6>") in front so that journald records the level (SyslogLevelPrefix=yes, the
// default). On a terminal and in tests the lines stay plain. Stateless and thread-safe.

#include <string>

#include "absl/strings/string_view.h"

namespace candor::config {

enum class LogLevel { kError, kWarning, kInfo };

// Whether file descriptor `fd` is the stream systemd connected to the journal: systemd sets
// JOURNAL_STREAM to "DEVICE:INODE" of that stream, and a child that inherited the variable
// but writes elsewhere (a pipe, a terminal) does not match.
bool IsJournalStream(int fd);

// The bytes of one line, newline included.
std::string FormatLogLine(absl::string_view program, LogLevel level, absl::string_view text,
                          bool journal);

// Writes one line to standard error with a single write, so that concurrent threads do not
// interleave within a line.
void WriteLogLine(absl::string_view program, LogLevel level, absl::string_view text);

}  // namespace candor::config
