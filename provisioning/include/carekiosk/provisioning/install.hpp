#pragma once
// `carekiosk-provision install`: the files that make a machine a kiosk. A
// systemd service runs the kiosk fullscreen under the cage Wayland kiosk
// compositor as a dedicated user, restarts it whenever it stops, and restarts
// it when its main loop stops pinging the watchdog.
//
// Thread: any. Errors name the path and what to do.

#include <filesystem>
#include <string>
#include <vector>

#include "carekiosk/core/result.hpp"

namespace carekiosk::provisioning {

struct InstallOptions {
    // Everything is written under this directory ("/" on a real kiosk; a
    // temporary root for tests and image builders). Paths inside the files
    // are always the real ones (/etc/carekiosk, /var/lib/carekiosk).
    std::filesystem::path root = "/";
    std::string user = "carekiosk";
    std::string binDir = "/usr/bin";  // where carekiosk and cage are installed
    std::string tty = "tty7";         // the virtual terminal the kiosk takes over
    int watchdogSeconds = 30;         // a UI silent this long is restarted
};

// Standard locations (inside the root).
inline constexpr const char* kUnitPath = "etc/systemd/system/carekiosk.service";
inline constexpr const char* kPamPath = "etc/pam.d/carekiosk";
inline constexpr const char* kSysusersPath = "etc/sysusers.d/carekiosk.conf";
inline constexpr const char* kConfigDir = "etc/carekiosk";
inline constexpr const char* kConfigPath = "etc/carekiosk/kiosk.json";
inline constexpr const char* kStateDir = "var/lib/carekiosk";

// The unit, PAM session and sysusers texts (pure; for tests and packaging).
std::string serviceUnitText(const InstallOptions& options);
std::string pamSessionText();
std::string sysusersText(const InstallOptions& options);

// Writes the unit, the PAM session, the sysusers entry, and creates the config
// (0755) and data (0700) directories. Existing config and data are never
// touched; the three system files are replaced (so a re-run updates them).
// Returns the paths written.
core::Result<std::vector<std::filesystem::path>> install(const InstallOptions& options);

}  // namespace carekiosk::provisioning
