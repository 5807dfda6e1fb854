#pragma once

// How candorctl prints compliance reports: a table for a 100-column terminal, and JSON and
// CSV whose fields are stable (docs/reports.md documents them) for scripts and SIEM import.

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "candor/v1/admin.pb.h"

namespace candor::ctl {

enum class ReportFormat { kTable, kJson, kCsv };
absl::StatusOr<ReportFormat> ParseReportFormat(const std::string& name);

void PrintComplianceReport(const v1::ComplianceReport& report, ReportFormat format,
                           std::ostream& out);
void PrintDeviceReport(const v1::DeviceReport& report, ReportFormat format, std::ostream& out);

// A time for a table column: "2026-11-22 14:28" (UTC), "never" for 0.
std::string UtcMinutes(int64_t ms);

// One CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
std::string CsvField(const std::string& value);

}  // namespace candor::ctl
