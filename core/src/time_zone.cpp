#include "carekiosk/core/time_zone.hpp"

#include <date/tz.h>

#include <chrono>
#include <cstdio>
#include <exception>

namespace carekiosk::core {

namespace {

const date::time_zone* zoneOf(const void* zone) {
    return static_cast<const date::time_zone*>(zone);
}

date::sys_seconds sysSeconds(std::int64_t unixSeconds) {
    return date::sys_seconds{std::chrono::seconds{unixSeconds}};
}

}  // namespace

Result<TimeZone> TimeZone::named(const std::string& name, const std::string& field) {
    if (name.empty() || name.size() > 64) {
        return makeError(ErrorCode::InvalidInput,
                         field + " must be an IANA time zone name such as Europe/London or UTC",
                         field);
    }
    try {
        // The library reports an unknown name, or a missing database, by
        // exception; they stop here.
        return TimeZone(name, date::locate_zone(name));
    } catch (const std::exception&) {
        return makeError(ErrorCode::InvalidInput,
                         field + " " + name +
                             " is not a time zone this machine knows; use an IANA name such as "
                             "Europe/London, Europe/Warsaw or America/New_York (the tzdata "
                             "package holds them)",
                         field);
    }
}

TimeZone TimeZone::utc() {
    auto zone = named(kDefaultTimeZone);
    if (zone) {
        return zone.value();
    }
    // Without a time zone database even UTC cannot be looked up by name;
    // a null zone means UTC to every method below.
    return TimeZone(kDefaultTimeZone, nullptr);
}

std::int64_t TimeZone::localDay(std::int64_t unixSeconds) const {
    if (!zone_) {
        return date::floor<date::days>(sysSeconds(unixSeconds)).time_since_epoch().count();
    }
    const auto local = zoneOf(zone_)->to_local(sysSeconds(unixSeconds));
    return date::floor<date::days>(local).time_since_epoch().count();
}

std::int64_t TimeZone::instantOf(std::int64_t day, int minuteOfDay) const {
    const auto local = date::local_days{date::days{day}} + std::chrono::minutes{minuteOfDay};
    if (!zone_) {
        return local.time_since_epoch().count() * 60;
    }
    const auto info = zoneOf(zone_)->get_info(local);
    date::sys_seconds instant;
    switch (info.result) {
        case date::local_info::unique:
        case date::local_info::ambiguous:
            // The earlier of two: the first offset applies.
            instant = date::sys_seconds{
                std::chrono::duration_cast<std::chrono::seconds>(local.time_since_epoch()) -
                info.first.offset};
            break;
        case date::local_info::nonexistent:
        default:
            // Skipped by a clock change: the moment of the change.
            instant = info.second.begin;
            break;
    }
    return instant.time_since_epoch().count();
}

std::string TimeZone::format(std::int64_t unixSeconds) const {
    if (!zone_) {
        return date::format("%Y-%m-%d %H:%M UTC", sysSeconds(unixSeconds));
    }
    const date::zoned_seconds zoned{zoneOf(zone_), sysSeconds(unixSeconds)};
    return date::format("%Y-%m-%d %H:%M %Z", zoned);
}

std::string TimeZone::formatRfc3339(std::int64_t unixSeconds) const {
    if (!zone_) {
        return date::format("%Y-%m-%dT%H:%M:%S+00:00", sysSeconds(unixSeconds));
    }
    const date::zoned_seconds zoned{zoneOf(zone_), sysSeconds(unixSeconds)};
    return date::format("%Y-%m-%dT%H:%M:%S%Ez", zoned);
}

Result<int> parseMinuteOfDay(const std::string& text, const std::string& field) {
    int hours = 0;
    int minutes = 0;
    char extra = 0;
    if (text.size() != 5 || std::sscanf(text.c_str(), "%2d:%2d%c", &hours, &minutes, &extra) != 2 ||
        text[2] != ':' || hours < 0 || hours > 23 || minutes < 0 || minutes > 59) {
        return makeError(
            ErrorCode::InvalidInput,
            field + " must be a time of day as HH:MM, 00:00 to 23:59 (got \"" + text + "\")",
            field);
    }
    return hours * 60 + minutes;
}

std::string formatMinuteOfDay(int minuteOfDay) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "%02d:%02d", minuteOfDay / 60 % 24, minuteOfDay % 60);
    return buffer;
}

}  // namespace carekiosk::core
