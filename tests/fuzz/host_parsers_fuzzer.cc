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
#include "collectors/patch/deb822.h"
#include "collectors/patch/deb_version.h"
#include "collectors/patch/rpm_version.h"
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
  // apt's and dpkg's files (status, Packages, Release, preferences), and versions.
  for (bool comments : {false, true}) {
    ForEachParagraph(
        text,
        [](const Deb822Paragraph& p) {
          (void)p.Field("Package");
          (void)p.Field("Description");
          return true;
        },
        comments);
  }
  (void)ClearsignedBody(text);
  const size_t half = text.size() / 2;
  const absl::string_view a = text.substr(0, half);
  const absl::string_view b = text.substr(half);
  (void)ParseDebianVersion(a);
  (void)CompareDebianVersions(a, b);
  (void)RpmVerCmp(a, b);
  return 0;
}
