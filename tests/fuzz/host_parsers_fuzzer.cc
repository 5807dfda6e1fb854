// libFuzzer target for every parser of host files and program output the collectors use:
// a hostile or damaged file on a laptop must never crash the agent, hang it, or make it
// read out of bounds. Each input goes through all of them.

#include <cstddef>
#include <cstdint>

#include "collectors/accounts.h"
#include "collectors/apt_conf.h"
#include "collectors/firewall_rules.h"
#include "collectors/gvdb.h"
#include "collectors/ini.h"
#include "collectors/mountinfo.h"
#include "collectors/posture/os_release.h"
#include "collectors/sudoers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace candor::collectors;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  (void)ReadGvdb(text);
  AptConfig apt;
  ParseAptConf(text, apt);
  SudoGrants grants;
  ParseSudoers(text, grants);
  const std::vector<Mount> mounts = ParseMountInfo(text);
  (void)MountHolding(mounts, "/home/user");
  (void)ParseIni(text);
  (void)posture::ParseOsRelease(text);
  (void)ParsePasswd(text);
  (void)ParseGroup(text);
  (void)InboundPolicyFromNftJson(text);
  (void)InboundPolicyFromIptablesSave(text, false);
  return 0;
}
