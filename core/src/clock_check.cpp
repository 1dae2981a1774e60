#include "carekiosk/core/clock_check.hpp"

#include <cstdlib>
#include <ctime>
#include <iomanip>
#include <locale>
#include <sstream>

#ifndef CAREKIOSK_BUILD_EPOCH
#error "CAREKIOSK_BUILD_EPOCH must be set by the build (core/CMakeLists.txt)"
#endif

namespace carekiosk::core {

namespace {

std::string utcText(std::chrono::system_clock::time_point t) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
    return text;
}

}  // namespace

std::chrono::system_clock::time_point earliestPlausibleTime() {
    return std::chrono::system_clock::time_point(std::chrono::seconds(CAREKIOSK_BUILD_EPOCH)) -
           kBuildAgeMargin;
}

std::optional<std::string> clockProblem(std::chrono::system_clock::time_point now,
                                        std::optional<std::chrono::seconds> collectorSkew) {
    if (now < earliestPlausibleTime()) {
        return "the kiosk's clock reads " + utcText(now) +
               ", before this software was made; check-ins are paused until it is set (enable "
               "network time: timedatectl set-ntp true, or set it with timedatectl set-time)";
    }
    if (collectorSkew && std::abs(collectorSkew->count()) > kMaxCollectorSkew.count()) {
        const long long minutes = collectorSkew->count() / 60;
        return "the kiosk's clock reads " + utcText(now) + ", " +
               std::to_string(std::llabs(minutes)) + " minutes " +
               (minutes > 0 ? "behind" : "ahead of") +
               " the collector's; check-ins are paused until it is set (enable network time: "
               "timedatectl set-ntp true)";
    }
    return std::nullopt;
}

std::string formatHttpDate(std::chrono::system_clock::time_point t) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    std::ostringstream out;
    out.imbue(std::locale::classic());
    out << std::put_time(&tm, "%a, %d %b %Y %H:%M:%S GMT");
    return out.str();
}

}  // namespace carekiosk::core
