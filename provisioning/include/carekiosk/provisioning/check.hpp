#pragma once
// `carekiosk-provision check`: a checklist a facilities person can read. Each
// line is ok or failed, and a failed line says what to do.

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "carekiosk/core/clock.hpp"
#include "carekiosk/upload/http_sender.hpp"

namespace carekiosk::provisioning {

struct CheckLine {
    std::string name;  // e.g. "config file"
    bool ok = false;
    std::string detail;  // what was found, or what to do
};

struct CheckOptions {
    std::filesystem::path configPath;
    std::uintmax_t minFreeBytes = 500ull * 1024 * 1024;
    // Where to look for a display and a touchscreen (overridable for tests).
    std::filesystem::path inputDevicesFile = "/proc/bus/input/devices";
    // When set, also check the kiosk software installed under this root (a
    // package unpacked there, or "/"): binaries, translations, service unit, cage.
    std::filesystem::path installRoot;
};

// Runs every check; never stops early, so a person sees everything at once.
// `makeSender` is called with the config's TLS settings once the config loads.
std::vector<CheckLine> runChecks(
    const CheckOptions& options, const core::Clock& clock,
    const std::function<std::unique_ptr<upload::HttpSender>(const upload::TlsOptions&)>&
        makeSender);

}  // namespace carekiosk::provisioning
