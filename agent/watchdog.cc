#include "agent/watchdog.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "agent/log.h"

namespace candor::agent {
namespace {

std::string Mib(uint64_t bytes) {
  return absl::StrFormat("%.1f MiB", static_cast<double>(bytes) / (1 << 20));
}

double Seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

absl::string_view LimitName(Watchdog::Limit limit) {
  return limit == Watchdog::Limit::kCpu ? "CPU" : "memory";
}

Watchdog::Watchdog(const config::LimitsSettings& limits, const ResourceReader& reader)
    : limits_(limits),
      reader_(reader),
      period_(std::max<std::chrono::system_clock::duration>(limits.window / kSamplesPerWindow,
                                                            std::chrono::seconds(1))) {}

void Watchdog::Began(const std::string& check, ResourceReader::ThreadHandle thread,
                     std::optional<std::chrono::nanoseconds> cpu, std::optional<uint64_t> anonymous,
                     TimePoint now) {
  if (!AnyMeasured()) next_sample_ = now + period_;
  Run run{thread, anonymous, {}, false};
  if (cpu) run.cpu.push_back({now, *cpu});
  runs_[check] = std::move(run);
}

void Watchdog::Ended(const std::string& check) {
  runs_.erase(check);
  if (!AnyMeasured()) next_sample_.reset();
}

bool Watchdog::AnyMeasured() const {
  return std::any_of(runs_.begin(), runs_.end(),
                     [](const auto& entry) { return !entry.second.stopped; });
}

std::optional<Watchdog::TimePoint> Watchdog::NextSample() const {
  if (!AnyMeasured()) return std::nullopt;
  return next_sample_;
}

std::vector<Watchdog::Breach> Watchdog::SampleIfDue(TimePoint now) {
  std::vector<Breach> breaches;
  if (!next_sample_ || !AnyMeasured()) return breaches;
  // A sample further away than one period means the wall clock stepped back: take it now.
  if (now < *next_sample_ && *next_sample_ - now <= period_) return breaches;
  ++stats_.samples;
  next_sample_ = now + period_;
  for (auto& [check, run] : runs_) {
    if (run.stopped) continue;
    if (std::optional<Breach> breach = CheckCpu(check, run, now)) {
      run.stopped = true;
      ++stats_.cpu_breaches;
      breaches.push_back(*std::move(breach));
    }
  }
  const std::optional<uint64_t> rss = reader_.ResidentBytes();
  if (rss && *rss > limits_.memory_bytes) {
    const std::optional<uint64_t> anonymous = reader_.AnonymousBytes();
    if (std::optional<Breach> breach = CheckMemory(*rss, anonymous.value_or(0), now)) {
      breaches.push_back(*breach);
    }
  }
  if (!AnyMeasured()) next_sample_.reset();
  return breaches;
}

std::optional<Watchdog::Breach> Watchdog::CheckCpu(const std::string& check, Run& run,
                                                   TimePoint now) {
  const std::optional<std::chrono::nanoseconds> cpu = reader_.ThreadCpu(run.thread);
  if (!cpu) return std::nullopt;
  // The wall clock stepped back: measure afresh from here.
  if (!run.cpu.empty() && now < run.cpu.back().at) run.cpu.clear();
  run.cpu.push_back({now, *cpu});
  // The newest reading at or before the window's start is the baseline; a run younger than
  // a window is measured from its start, still against a whole window's budget.
  while (run.cpu.size() > 1 && run.cpu[1].at <= now - limits_.window) run.cpu.pop_front();
  const std::chrono::nanoseconds used = *cpu - run.cpu.front().cpu;
  const std::chrono::nanoseconds budget =
      std::chrono::duration_cast<std::chrono::nanoseconds>(limits_.window) * limits_.cpu_percent /
      100;
  if (used <= budget) return std::nullopt;
  const auto span = std::max<std::chrono::system_clock::duration>(now - run.cpu.front().at,
                                                                  std::chrono::seconds(1));
  const int percent = static_cast<int>(100 * Seconds(used) / Seconds(span));
  return Breach{
      check, Limit::kCpu,
      absl::StrFormat("CPU %.1f s in %d s (%d%% of one core)", Seconds(used),
                      std::chrono::duration_cast<std::chrono::seconds>(span).count(), percent),
      absl::StrCat(limits_.cpu_percent, "% of one core over ", limits_.window.count(), " s")};
}

std::optional<Watchdog::Breach> Watchdog::CheckMemory(uint64_t rss, uint64_t anonymous,
                                                      TimePoint now) {
  const std::string* offender = nullptr;
  uint64_t most = 0;
  for (const auto& [check, run] : runs_) {
    if (run.stopped || !run.anonymous_at_start || anonymous <= *run.anonymous_at_start) continue;
    if (anonymous - *run.anonymous_at_start > most) {
      most = anonymous - *run.anonymous_at_start;
      offender = &check;
    }
  }
  if (offender == nullptr || most < limits_.memory_bytes / 8) {
    ++stats_.memory_unattributed;
    if (!memory_logged_at_ || now - *memory_logged_at_ >= limits_.window) {
      memory_logged_at_ = now;
      Log(absl::StrCat("watchdog: resident memory ", Mib(rss), " is over the budget of ",
                       Mib(limits_.memory_bytes), ", and no running check grew it by ",
                       Mib(limits_.memory_bytes / 8), " or more; nothing stopped"));
    }
    return std::nullopt;
  }
  const std::string check = *offender;
  runs_[check].stopped = true;
  // The stopped check's memory is not freed while its thread runs on: the growth so far is
  // its, so the others are measured from here and are not blamed for it at the next sample.
  for (auto& [id, run] : runs_) {
    if (!run.stopped && run.anonymous_at_start) run.anonymous_at_start = anonymous;
  }
  ++stats_.memory_breaches;
  return Breach{
      check, Limit::kMemory,
      absl::StrCat("memory ", Mib(rss), " resident (", Mib(most), " more than when it began)"),
      Mib(limits_.memory_bytes)};
}

}  // namespace candor::agent
