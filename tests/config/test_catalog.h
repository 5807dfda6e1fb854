#pragma once

// A collector catalog for policy-loader tests: declarations only (ids, platforms, typed
// parameters), covering every parameter type, so the loader is tested independently of
// which collectors the agent ships.

#include "config/catalog.h"

namespace candor::config::testing {

inline CollectorCatalog TestCatalog() {
  using std::chrono::seconds;
  CollectorCatalog catalog;
  catalog.Add({.id = "os_info",
               .description = "OS and kernel version.",
               .platforms = {Platform::kLinux},
               .data_categories = {"operating system version"},
               .params = {}});
  catalog.Add({.id = "firewall",
               .description = "Host firewall state.",
               .platforms = {Platform::kLinux, Platform::kWindows},
               .data_categories = {"firewall state"},
               .params = {{.name = "require_default_deny",
                           .type = ParamType::kBool,
                           .description = "Inbound policy must be deny.",
                           .default_value = true}}});
  catalog.Add({.id = "screen_lock",
               .description = "Screen lock settings.",
               .platforms = {Platform::kLinux, Platform::kWindows},
               .data_categories = {"screen lock settings"},
               .params = {{.name = "max_idle_minutes",
                           .type = ParamType::kInteger,
                           .description = "Longest allowed idle delay.",
                           .default_value = int64_t{15},
                           .min = 1,
                           .max = 240},
                          {.name = "users",
                           .type = ParamType::kStringList,
                           .description = "Accounts to check; empty means all.",
                           .default_value = std::vector<std::string>{},
                           .min = 0,
                           .max = 32}}});
  catalog.Add({.id = "patch_level",
               .description = "Pending updates.",
               .platforms = {Platform::kLinux},
               .data_categories = {"installed package versions"},
               .params = {{.name = "max_security_age",
                           .type = ParamType::kDuration,
                           .description = "Longest a security update may stay pending.",
                           .default_value = seconds(14 * 86400),
                           .min = 86400,
                           .max = 90 * 86400},
                          {.name = "channel",
                           .type = ParamType::kString,
                           .description = "Release channel.",
                           .default_value = std::string("stable"),
                           .min = 1,
                           .max = 16,
                           .choices = {"stable", "testing"}}}});
  catalog.Add({.id = "software",
               .description = "Programs that do not belong.",
               .platforms = {Platform::kLinux},
               .data_categories = {"catalog ids"},
               .params = {{.name = "add",
                           .type = ParamType::kRecordList,
                           .description = "Entries of the policy's own.",
                           .default_value = std::vector<ParamRecord>{},
                           .min = 0,
                           .max = 2,
                           .fields = {"packages", "processes"}}}});
  return catalog;
}

}  // namespace candor::config::testing
