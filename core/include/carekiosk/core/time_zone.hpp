#pragma once
// A site's time zone, so that its days, weeks, months and release time are its
// own (a New York office's evening is not tomorrow). The zone rules come from
// the system's time zone database (Debian's tzdata) through Howard Hinnant's
// date library (libhowardhinnant-date-dev); this header uses only the
// standard library. Values are cheap to copy; every method is pure and
// thread-safe.
//
// Days are counted as in calendar.hpp (days since 1970-01-01), but in the
// zone's local calendar; instants are Unix seconds.

#include <cstdint>
#include <string>

#include "carekiosk/core/result.hpp"

namespace carekiosk::core {

inline constexpr const char* kDefaultTimeZone = "UTC";

class TimeZone {
  public:
    // The zone named `name` ("Europe/London", "America/New_York", "UTC").
    // An unknown name is ErrorCode::InvalidInput naming `field`, with the fix.
    static Result<TimeZone> named(const std::string& name, const std::string& field = "time_zone");
    // UTC: never fails.
    static TimeZone utc();

    const std::string& name() const { return name_; }

    // The local calendar day that holds the instant `unixSeconds`.
    std::int64_t localDay(std::int64_t unixSeconds) const;
    // The instant at which local day `day` reaches `minuteOfDay` (0-1439). A
    // local time that a clock change skips gives the instant the change
    // happens; one that occurs twice gives the earlier.
    std::int64_t instantOf(std::int64_t day, int minuteOfDay) const;
    // "2026-12-02 06:00 GMT": the instant in local time, with the zone's
    // abbreviation, for people.
    std::string format(std::int64_t unixSeconds) const;
    // "2026-12-02T06:00:00+00:00" (RFC 3339 with the local offset), for machines.
    std::string formatRfc3339(std::int64_t unixSeconds) const;

  private:
    TimeZone(std::string name, const void* zone) : name_(std::move(name)), zone_(zone) {}
    std::string name_;
    const void* zone_;  // a date::time_zone owned by the library's database
};

// "06:00" -> 360. The error names `field` and the format.
Result<int> parseMinuteOfDay(const std::string& text, const std::string& field);
// 360 -> "06:00".
std::string formatMinuteOfDay(int minuteOfDay);

}  // namespace carekiosk::core
