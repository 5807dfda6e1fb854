#pragma once

// The installed packages of the host's package manager, by name: dpkg's status file on
// Debian and Ubuntu, rpm's database on Fedora and RHEL (through the allowlisted rpm
// program, which knows the database's format).

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "collectors/host_view.h"
#include "collectors/program_runner.h"

namespace candor::collectors {

// `rpm -qa`, one package a line: NAME EPOCHNUM VERSION RELEASE ARCH.
absl::StatusOr<ProgramOutput> QueryRpmPackages(const HostView& host);

// Whether the host has an rpm database.
bool HasRpmDatabase(const HostView& host);

// The installed package names (dpkg first, else rpm). kNotFound when the host has neither
// database; the reading error otherwise.
absl::StatusOr<std::set<std::string>> InstalledPackageNames(const HostView& host);

}  // namespace candor::collectors
