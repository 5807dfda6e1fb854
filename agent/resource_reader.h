#pragma once

// ResourceReader: what the watchdog measures of the agent's own process, behind an interface
// so tests hand it fake readings. ProcResourceReader reads the real process: resident memory
// (and of it the file pages) from /proc/self/statm and a thread's CPU time from its CPU-time clock
// (pthread_getcpuclockid), which any thread of the process may read while that thread lives.

#include <chrono>
#include <cstdint>
#include <optional>

namespace candor::agent {

// Thread-safe: a check's thread takes its handle and first reading, the io thread the rest.
class ResourceReader {
 public:
  // Names a thread's CPU clock; only the reader that made it can read it.
  using ThreadHandle = int64_t;

  virtual ~ResourceReader() = default;
  // The process's resident memory (RSS) in bytes; nullopt when it cannot be read.
  virtual std::optional<uint64_t> ResidentBytes() const = 0;
  // The part of it that is the process's own data (anonymous memory: heap, stacks), not
  // pages of mapped files: what a check's allocations grow. Code the kernel maps back in
  // (the agent pages its code out between rounds, agent/idle_code.h) is not in it.
  virtual std::optional<uint64_t> AnonymousBytes() const = 0;
  // The calling thread (called on a pool thread when a check begins).
  virtual ThreadHandle CurrentThread() const = 0;
  // The CPU time that thread has used so far; nullopt when it cannot be read.
  virtual std::optional<std::chrono::nanoseconds> ThreadCpu(ThreadHandle thread) const = 0;
};

// The agent's own process, on Linux. Stateless.
class ProcResourceReader final : public ResourceReader {
 public:
  std::optional<uint64_t> ResidentBytes() const override;
  std::optional<uint64_t> AnonymousBytes() const override;
  ThreadHandle CurrentThread() const override;
  std::optional<std::chrono::nanoseconds> ThreadCpu(ThreadHandle thread) const override;
};

}  // namespace candor::agent
