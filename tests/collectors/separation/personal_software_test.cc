// no_personal_software on fixture trees: the shipped catalog, where each kind of install is
// found, what the policy chooses, and that nothing outside the work account is looked at.

#include "collectors/separation/personal_software.h"

#include <fstream>

#include "collectors/separation/personal_software_catalog.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collectors/separation/tree.h"

namespace candor::collectors::separation {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const NoPersonalSoftware& Check() {
  static const NoPersonalSoftware kCheck(kPersonalSoftwareCatalog);
  return kCheck;
}

// The check's parameters as the policy loader gives them: defaults, then `overrides`.
config::Params Params(config::Params overrides = {}) {
  config::Params params;
  for (const config::ParamSpec& p : Check().spec().params) params[p.name] = p.default_value;
  params["work_accounts"] = std::vector<std::string>{"work"};
  for (auto& [name, value] : overrides) params[name] = std::move(value);
  return params;
}

std::vector<std::string> List(const CheckResult& r, const std::string& fact) {
  return std::get<std::vector<std::string>>(r.facts.at(fact));
}

void Write(const std::filesystem::path& path, const std::string& text = "") {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

TEST(PersonalSoftwareCatalogTest, TheShippedCatalogIsValid) {
  ASSERT_TRUE(Check().catalog().ok()) << Check().catalog().status();
  const config::SoftwareCatalog& catalog = *Check().catalog();
  EXPECT_THAT(catalog.CategoryIds(), ElementsAre("games", "p2p", "remote-access", "mining"));
  EXPECT_GE(catalog.entries.size(), 20u);
  for (const config::SoftwareEntry& e : catalog.entries) {
    EXPECT_FALSE(e.packages.empty() && e.flatpaks.empty() && e.snaps.empty() &&
                 e.processes.empty() && e.windows_programs.empty() && e.windows_processes.empty())
        << e.id;
  }
  // The policy's choices are the catalog's.
  const auto& params = Check().spec().params;
  const auto categories = std::find_if(params.begin(), params.end(),
                                       [](const auto& p) { return p.name == "categories"; });
  ASSERT_NE(categories, params.end());
  EXPECT_EQ(categories->choices, catalog.CategoryIds());
}

TEST(PersonalSoftwareCatalogTest, ABrokenCatalogIsAnErrorNotAPass) {
  const NoPersonalSoftware broken(
      "date: 2026-11-22\ncategories: [{id: games, description: games}]\n"
      "software:\n  - id: p2p:x\n    packages: [x]\n");
  ASSERT_FALSE(broken.catalog().ok());
  EXPECT_THAT(broken.catalog().status().message(), HasSubstr("category \"p2p\" is not declared"));
  const CheckResult r = broken.Collect(HostView(Fixture("work-clean")), Work());
  EXPECT_EQ(r.status, CheckStatus::kError);
  EXPECT_THAT(r.reason, HasSubstr("catalog is invalid"));

  for (const char* bad : {
           "date: x\ncategories: []\nsoftware:\n  - id: Games:Steam\n    packages: [s]\n",
           "date: x\ncategories: [{id: g, description: d}]\nsoftware:\n  - id: g:s\n",
           "date: x\ncategories: [{id: g, description: d}]\nsoftware:\n"
           "  - id: g:s\n    flatpaks: [../../etc]\n",
           "date: x\ncategories: [{id: g, description: d}]\nsoftware:\n"
           "  - id: g:s\n    packages: [s]\n    scripts: [rm]\n",
       }) {
    EXPECT_FALSE(config::ParseSoftwareCatalog(bad, "bad.yaml").ok()) << bad;
  }
}

TEST(PersonalSoftwareTest, AFamilyPcWithSteamInstalledForTheChildren) {
  Tree tree("family-pc");
  const CheckResult r = Check().Collect(tree.View(), Params());
  EXPECT_EQ(r.status, CheckStatus::kFail) << r.reason;
  // The system-wide package; not the children's own flatpaks, not their running Steam.
  EXPECT_THAT(List(r, "found"), ElementsAre("games:steam"));
  EXPECT_THAT(List(r, "system_wide"), ElementsAre("games:steam"));
  EXPECT_THAT(List(r, "in_work_account"), IsEmpty());
  EXPECT_THAT(List(r, "running"), IsEmpty());
  EXPECT_EQ(r.reason, "personal software found: games:steam (package)");

  // The policy chooses what counts.
  EXPECT_EQ(Check()
                .Collect(tree.View(), Params({{"categories", std::vector<std::string>{"p2p"}}}))
                .status,
            CheckStatus::kPass);
  EXPECT_EQ(Check()
                .Collect(tree.View(), Params({{"allow", std::vector<std::string>{"games:steam"}}}))
                .status,
            CheckStatus::kPass);
}

TEST(PersonalSoftwareTest, APerUserFlatpakTorrentClientInTheWorkAccount) {
  const CheckResult r = Check().Collect(HostView(Fixture("work-flatpak-torrent")), Params());
  EXPECT_EQ(r.status, CheckStatus::kFail) << r.reason;
  EXPECT_THAT(List(r, "found"), ElementsAre("p2p:qbittorrent"));
  EXPECT_THAT(List(r, "in_work_account"), ElementsAre("p2p:qbittorrent"));
  EXPECT_THAT(List(r, "running"), ElementsAre("p2p:qbittorrent"));
  EXPECT_THAT(List(r, "system_wide"), IsEmpty());
  EXPECT_EQ(r.reason, "personal software found: p2p:qbittorrent (running, work account flatpak)");
  EXPECT_EQ(std::get<std::string>(r.facts.at("catalog_date")), Check().catalog()->date);
}

TEST(PersonalSoftwareTest, ACleanWorkAccountPasses) {
  const CheckResult r = Check().Collect(HostView(Fixture("work-clean")), Params());
  EXPECT_EQ(r.status, CheckStatus::kPass) << r.reason;
  EXPECT_THAT(List(r, "found"), IsEmpty());
  EXPECT_EQ(std::get<int64_t>(r.facts.at("entries_checked")),
            static_cast<int64_t>(Check().catalog()->entries.size()));
}

TEST(PersonalSoftwareTest, EveryPlaceItLooks) {
  struct Case {
    std::string file;
    std::string id;
    std::string where;
  };
  const std::vector<Case> cases = {
      {"var/lib/flatpak/app/com.valvesoftware.Steam/x86_64/stable/active/metadata", "games:steam",
       "flatpak"},
      {"snap/steam/current/meta/snap.yaml", "games:steam", "snap"},
      {"var/lib/snapd/snaps/ngrok_125.snap", "remote-access:ngrok", "snap"},
      {"usr/share/applications/anydesk.desktop", "remote-access:anydesk", "desktop file"},
      {"etc/xdg/autostart/teamviewer.desktop", "remote-access:teamviewer", "desktop file"},
      {"home/work/.local/share/applications/net.lutris.Lutris.desktop", "games:lutris",
       "work account desktop file"},
      {"home/work/.config/autostart/rustdesk.desktop", "remote-access:rustdesk",
       "work account desktop file"},
      {"home/work/Downloads/RustDesk-1.3.2-x86_64.AppImage", "remote-access:rustdesk",
       "work account AppImage"},
      {"home/work/Applications/qBittorrent_4.6.7_x86_64.appimage", "p2p:qbittorrent",
       "work account AppImage"},
      {"home/work/heroic-2.15.2.AppImage", "games:heroic", "work account AppImage"},
  };
  for (const Case& c : cases) {
    Tree tree("work-clean");
    Write(tree.path() / c.file, "x");
    const CheckResult r = Check().Collect(tree.View(), Params());
    EXPECT_EQ(r.status, CheckStatus::kFail) << c.file;
    EXPECT_EQ(r.reason, "personal software found: " + c.id + " (" + c.where + ")") << c.file;
  }
  // A process of the work account, by its 15-character kernel name.
  Tree tree("work-clean");
  Write(tree.path() / "proc/77/comm", "transmission-gt\n");
  Write(tree.path() / "proc/77/status", "Name:\ttransmission-gt\nUid:\t1000\t1000\t1000\t1000\n");
  EXPECT_EQ(Check().Collect(tree.View(), Params()).reason,
            "personal software found: p2p:transmission (running)");
}

TEST(PersonalSoftwareTest, NamesThatOnlyLookAlikeDoNotCount) {
  Tree tree("work-clean");
  Write(tree.path() / "home/work/Downloads/rustdesktop-notes.AppImage", "x");  // not rustdesk-
  Write(tree.path() / "home/work/Downloads/qbittorrent-manual.pdf", "x");      // not an AppImage
  Write(tree.path() / "home/work/Documents/Steam/readme.txt", "x");            // not a place looked
  Write(tree.path() / "usr/share/applications/steam-screenshots.desktop", "x");
  Write(tree.path() / "proc/78/comm", "steam\n");  // root's, not the work account's
  Write(tree.path() / "proc/78/status", "Name:\tsteam\nUid:\t0\t0\t0\t0\n");
  const CheckResult r = Check().Collect(tree.View(), Params());
  EXPECT_EQ(r.status, CheckStatus::kPass) << r.reason;
}

TEST(PersonalSoftwareTest, ThePolicyAddsEntriesOfItsOwn) {
  // On an rpm system (the package list comes from the recorded rpm output).
  Tree tree("fedora-download-only");
  Write(tree.path() / "etc/passwd", "work:x:1000:1000::/home/work:/bin/bash\n");
  Write(tree.path() / "home/work/.profile");
  const config::ParamRecord add{.id = "shadow-it:bash-clone",
                                .lists = {{"packages", {"bash"}}, {"processes", {"nothing"}}}};
  const CheckResult r =
      Check().Collect(tree.View(), Params({{"add", std::vector<config::ParamRecord>{add}}}));
  EXPECT_EQ(r.status, CheckStatus::kFail) << r.reason;
  EXPECT_THAT(List(r, "found"), ElementsAre("shadow-it:bash-clone"));
  EXPECT_EQ(std::get<int64_t>(r.facts.at("entries_checked")),
            static_cast<int64_t>(Check().catalog()->entries.size()) + 1);
}

TEST(PersonalSoftwareTest, WhatCannotBeReadIsAnErrorUnlessSomethingWasFound) {
  Tree tree("work-clean");
  // More entries than it lists in one directory.
  const std::filesystem::path crowded = tree.path() / "var/lib/flatpak/app";
  std::filesystem::create_directories(crowded);
  for (int i = 0; i <= 16384; ++i) std::ofstream(crowded / ("org.example.App" + std::to_string(i)));
  const CheckResult r = Check().Collect(tree.View(), Params());
  EXPECT_EQ(r.status, CheckStatus::kError) << r.reason;
  EXPECT_THAT(r.reason,
              HasSubstr("could not look everywhere (/var/lib/flatpak/app: /var/lib/flatpak/app: "
                        "more than 16384 entries)"));

  Write(tree.path() / "usr/share/applications/steam.desktop", "x");
  EXPECT_EQ(Check().Collect(tree.View(), Params()).status, CheckStatus::kFail);

  EXPECT_EQ(
      Check().Collect(tree.View(), Params({{"work_accounts", std::vector<std::string>{}}})).status,
      CheckStatus::kError);
  EXPECT_EQ(Check()
                .Collect(tree.View(),
                         Params({{"work_accounts", std::vector<std::string>{"nobody-here"}}}))
                .status,
            CheckStatus::kFail);
}

}  // namespace
}  // namespace candor::collectors::separation
