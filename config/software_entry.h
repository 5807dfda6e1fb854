#pragma once

// One entry of the personal-software catalog (config/personal_software.yaml): a program
// that does not belong in a work account, and the names that identify it on each system.
// Plain C++ (no abseil) so the Windows logic, built with mingw-w64, shares it.

#include <string>
#include <vector>

namespace candor::config {

struct SoftwareEntry {
  std::string id;                              // "p2p:qbittorrent": category, colon, name
  std::vector<std::string> packages;           // dpkg or rpm package names
  std::vector<std::string> flatpaks;           // flatpak application ids
  std::vector<std::string> snaps;              // snap names
  std::vector<std::string> desktop_files;      // .desktop file names
  std::vector<std::string> processes;          // process names (the kernel keeps 15 characters)
  std::vector<std::string> appimages;          // the start of an AppImage's file name, any case
  std::vector<std::string> windows_programs;   // the start of an uninstall entry's DisplayName
  std::vector<std::string> windows_processes;  // executable names, "qbittorrent.exe"

  std::string category() const { return id.substr(0, id.find(':')); }
};

}  // namespace candor::config
