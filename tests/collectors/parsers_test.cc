#include "collectors/apt_conf.h"
#include "collectors/ini.h"
#include "gtest/gtest.h"

namespace candor::collectors {
namespace {

TEST(AptConfTest, FlatNestedCommentsAndLaterWins) {
  AptConfig config;
  ParseAptConf(R"(// comment
#include "other"
APT::Periodic::Unattended-Upgrade "1";
APT { Periodic { Update-Package-Lists "2"; }; };
/* APT::Periodic::Unattended-Upgrade "9"; */
Unattended-Upgrade::Origins-Pattern { "origin=Debian"; "origin=Other"; };
apt::periodic::unattended-upgrade "3";
)",
               config);
  EXPECT_EQ(config["apt::periodic::unattended-upgrade"], "3");
  EXPECT_EQ(config["apt::periodic::update-package-lists"], "2");
  EXPECT_EQ(config.count("unattended-upgrade::origins-pattern"), 0u);
}

TEST(AptConfTest, SurvivesGarbage) {
  AptConfig config;
  ParseAptConf("}}}{{\"unterminated\n;;; APT::X \"1\"", config);
  ParseAptConf("/* unterminated", config);
  SUCCEED();
}

TEST(IniTest, SectionsCommentsAndMerging) {
  IniFile ini = ParseIni("top=1\n[a]\n# x=1\n; y=2\n k = v \n[b]\nbroken line\n");
  EXPECT_EQ(ini[""]["top"], "1");
  EXPECT_EQ(ini["a"]["k"], "v");
  EXPECT_EQ(ini["a"].count("x"), 0u);
  MergeIni(ini, ParseIni("[a]\nk=w\n"));
  EXPECT_EQ(ini["a"]["k"], "w");
  EXPECT_TRUE(IniTrue("True"));
  EXPECT_TRUE(IniTrue("1"));
  EXPECT_FALSE(IniTrue("false"));
  EXPECT_FALSE(IniTrue(""));
}

}  // namespace
}  // namespace candor::collectors
