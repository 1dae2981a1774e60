#pragma once
// The anonymous wellbeing pulse. By construction it holds nothing that could
// identify or order people: a score, where (site and optional team tag), which
// question set, and the hour it fell in. There is deliberately no exact time and
// no sequence number.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "carekiosk/core/result.hpp"

namespace carekiosk::core {

inline constexpr int kMinScore = 1;
inline constexpr int kMaxScore = 5;
inline constexpr int kScoreCount = kMaxScore - kMinScore + 1;
inline constexpr std::int64_t kSecondsPerHour = 3600;
inline constexpr std::size_t kMaxReasons = 12;
inline constexpr std::size_t kMaxSiteIdLength = 64;    // validateSiteId
inline constexpr std::size_t kMaxOptionIdLength = 32;  // validateOptionId

struct CheckIn {
    int score = 0;                // 1 (struggling) .. 5 (great)
    std::string siteId;           // the site the kiosk is enrolled at
    int questionSetVersion = 0;   // which question set the person answered
    std::int64_t hourBucket = 0;  // Unix seconds, rounded down to the hour (UTC)
    // Optional reasons the person picked (option ids such as "workload"), sorted,
    // so the order of taps is not kept either.
    std::vector<std::string> reasons;
    // Optional team tag of the kiosk's place (an option id such as "finance"),
    // set by facilities in the kiosk's config, never by the person; "" for none.
    std::string team = {};

    bool operator==(const CheckIn&) const = default;
};

// Unix seconds of `t`, rounded down to the start of its UTC hour.
std::int64_t hourBucketOf(std::chrono::system_clock::time_point t);

// Checks every field; the error names the first bad field and the valid range.
Status validateCheckIn(const CheckIn& checkIn);

// Option ids name the choices of a question set (reasons, buddy kinds, times)
// and key their translations: 1-32 characters of [a-z0-9_-].
Status validateOptionId(const std::string& id, const std::string& field);

// Site ids appear in URLs, config files and SQL parameters: 1-64 characters of
// [a-z0-9-_]. The error says so.
Status validateSiteId(const std::string& siteId, const std::string& field = "site_id");

}  // namespace carekiosk::core
