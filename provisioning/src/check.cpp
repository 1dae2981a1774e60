#include "carekiosk/provisioning/check.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>

#include "carekiosk/core/config.hpp"
#include "carekiosk/core/wire.hpp"
#include "carekiosk/provisioning/install.hpp"

namespace carekiosk::provisioning {

namespace {

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

CheckLine checkPermissions(const std::filesystem::path& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        return {"config permissions", false,
                "skipped: no config file yet (enrol writes it with mode 0600)"};
    }
    if ((info.st_mode & 077) != 0) {
        return {"config permissions", false,
                "the config holds the kiosk's token but others can read it; run: chmod 600 " +
                    path.string()};
    }
    return {"config permissions", true, "only its owner can read it"};
}

CheckLine checkClock(const core::Clock& clock) {
    const auto year = static_cast<int>(
        std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(clock.now())}.year());
    if (year < 2024 || year >= 2100) {
        return {"clock", false,
                "the clock says " + std::to_string(year) +
                    "; TLS and hour buckets need the real time: run timedatectl set-ntp true"};
    }
    return {"clock", true,
            core::formatDate(
                std::chrono::floor<std::chrono::days>(clock.now()).time_since_epoch().count())};
}

CheckLine checkCollector(const core::KioskConfig& config, upload::HttpSender& sender) {
    upload::HttpRequest request;
    request.url = config.serverUrl + "/v1/ping";
    request.bearerToken = config.deviceToken;
    auto response = sender.send(request);
    if (!response) {
        return {"collector and TLS", false, response.error().message};
    }
    if (response->status == 401 || response->status == 403) {
        return {"collector and TLS", false,
                "reachable, but it refused this kiosk's token (" +
                    core::errorMessageFromBody(response->body) +
                    "); re-enrol with carekiosk-provision enroll"};
    }
    if (response->status != 200) {
        return {"collector and TLS", false,
                "reachable, but it answered HTTP " + std::to_string(response->status) + ": " +
                    core::errorMessageFromBody(response->body)};
    }
    return {"collector and TLS", true,
            config.serverUrl + " verified with " + config.caFile + "; token accepted"};
}

CheckLine checkDisplay() {
    const bool session = std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY");
    std::error_code ec;
    const bool gpu = std::filesystem::exists("/dev/dri/card0", ec);
    if (!session && !gpu) {
        return {"display", false,
                "no graphical session and no /dev/dri/card0; connect the screen and check the "
                "graphics driver"};
    }
    return {"display", true, session ? "graphical session found" : "/dev/dri/card0 found"};
}

CheckLine checkTouch(const std::filesystem::path& devices) {
    std::ifstream in(devices);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("N: Name=", 0) == 0 && lower(line).find("touch") != std::string::npos) {
            return {"touchscreen", true, line.substr(8)};
        }
    }
    return {"touchscreen", false,
            "no touch input device found in " + devices.string() +
                "; check the touchscreen's USB cable"};
}

CheckLine checkDisk(const std::filesystem::path& database, std::uintmax_t minFree) {
    std::error_code ec;
    const auto dir =
        database.parent_path().empty() ? std::filesystem::path(".") : database.parent_path();
    const auto space = std::filesystem::space(dir, ec);
    if (ec) {
        return {"disk space", false, "cannot check " + dir.string() + ": " + ec.message()};
    }
    const auto mb = space.available / (1024 * 1024);
    if (space.available < minFree) {
        return {"disk space", false,
                std::to_string(mb) + " MB free at " + dir.string() + "; free at least " +
                    std::to_string(minFree / (1024 * 1024)) + " MB"};
    }
    return {"disk space", true, std::to_string(mb) + " MB free at " + dir.string()};
}

bool executable(const std::filesystem::path& path) {
    return ::access(path.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(path);
}

CheckLine checkSoftware(const std::filesystem::path& root) {
    std::vector<std::string> missing;
    for (const char* binary : {"usr/bin/carekiosk", "usr/bin/carekiosk-provision"}) {
        if (!executable(root / binary)) {
            missing.push_back("/" + std::string(binary));
        }
    }
    std::error_code ec;
    if (!std::filesystem::is_regular_file(root / "usr/share/carekiosk/translations/en.json", ec)) {
        missing.push_back("/usr/share/carekiosk/translations/en.json");
    }
    if (!std::filesystem::is_regular_file(root / "usr/lib/systemd/system/carekiosk.service", ec) &&
        !std::filesystem::is_regular_file(root / kUnitPath, ec)) {
        missing.push_back("the carekiosk.service unit");
    }
    if (!missing.empty()) {
        std::string list;
        for (const auto& m : missing) {
            list += (list.empty() ? "" : ", ") + m;
        }
        return {"kiosk software", false,
                "missing under " + root.string() + ": " + list +
                    "; install the carekiosk package (apt install ./carekiosk_*.deb)"};
    }
    return {"kiosk software", true,
            "binaries, translations and service unit under " + root.string()};
}

CheckLine checkCage(const std::filesystem::path& root) {
    if (!executable(root / "usr/bin/cage")) {
        return {"cage compositor", false,
                "no /usr/bin/cage under " + root.string() + "; run: apt install cage"};
    }
    return {"cage compositor", true, "/usr/bin/cage"};
}

}  // namespace

std::vector<CheckLine> runChecks(
    const CheckOptions& options, const core::Clock& clock,
    const std::function<std::unique_ptr<upload::HttpSender>(const upload::TlsOptions&)>&
        makeSender) {
    std::vector<CheckLine> lines;
    if (!options.installRoot.empty()) {
        lines.push_back(checkSoftware(options.installRoot));
        lines.push_back(checkCage(options.installRoot));
    }
    auto config = core::loadKioskConfigFile(options.configPath);
    lines.push_back(config ? CheckLine{"config file", true, options.configPath.string()}
                           : CheckLine{"config file", false, config.error().message});
    lines.push_back(checkPermissions(options.configPath));
    lines.push_back(checkClock(clock));
    if (config) {
        auto tls = upload::tlsOptionsFor(config.value());
        tls.requestTimeout = std::chrono::seconds(20);
        auto sender = makeSender(tls);
        lines.push_back(checkCollector(config.value(), *sender));
    } else {
        lines.push_back({"collector and TLS", false, "skipped: fix the config file first"});
    }
    lines.push_back(checkDisplay());
    lines.push_back(checkTouch(options.inputDevicesFile));
    lines.push_back(config ? checkDisk(config->databasePath, options.minFreeBytes)
                           : CheckLine{"disk space", false, "skipped: fix the config file first"});
    return lines;
}

}  // namespace carekiosk::provisioning
