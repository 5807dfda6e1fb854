#pragma once

// One spelling of a check's status for everything that writes it as text: the server's
// stores and reports, the agent's status.json and its ledger.

#include "absl/strings/string_view.h"
#include "candor/v1/events.pb.h"

namespace candor::v1 {

// "PASS", "FAIL", "NOT_APPLICABLE", "ERROR"; "UNSPECIFIED" for anything else (an unset
// status, or a value from a newer agent this build does not know).
inline absl::string_view CheckStatusText(CheckStatus status) {
  switch (status) {
    case CHECK_STATUS_PASS:
      return "PASS";
    case CHECK_STATUS_FAIL:
      return "FAIL";
    case CHECK_STATUS_NOT_APPLICABLE:
      return "NOT_APPLICABLE";
    case CHECK_STATUS_ERROR:
      return "ERROR";
    default:
      return "UNSPECIFIED";
  }
}

}  // namespace candor::v1
