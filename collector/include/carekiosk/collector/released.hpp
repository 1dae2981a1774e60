#pragma once
// What the collector has released for a site, the only thing summaries are
// drawn from (summary.hpp), and the vocabulary the release (release.hpp) and
// its audit (disclosure.hpp) share. Plain data; pure.

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "carekiosk/core/checkin.hpp"

namespace carekiosk::collector {

// Check-ins of one team (or "" for untagged) on one day: the store's per-day
// counts as they arrive, or a piece released on a day (release.hpp).
struct DayCounts {
    std::int64_t day = 0;  // days since 1970-01-01, in the site's time zone
    std::array<int, core::kScoreCount> perScore{};
    std::map<std::string, int> reasons;  // check-ins that named each reason
    int buddyRequests = 0;               // buddy requests (team "" only)
    std::string team = {};               // the check-ins' team tag; "" for none
};

inline constexpr const char* kSiteSeries = "*";  // the "team" of a whole-site cell

enum class CellLevel { Day = 0, Week = 1, Month = 2 };

// One published cell: a day, week or month of the whole site (team
// kSiteSeries) or of one team.
struct CellId {
    std::string team;
    CellLevel level = CellLevel::Day;
    std::int64_t first = 0;  // its first day
    auto operator<=>(const CellId&) const = default;
};

// What the audit decided for a released cell with check-ins. Its number of
// check-ins is always shown (pooling makes it 0 or at least k).
struct CellDecision {
    bool scoresShown = false;            // the five score counts, and so the mean
    std::set<std::string> reasonsShown;  // reasons whose count is shown
};

// Everything a summary of one site may use.
struct Released {
    std::int64_t releasedThrough = -1;         // the newest released day; -1: none yet
    std::int64_t nextRelease = 0;              // when the day after it is released (Unix seconds)
    std::string timeZone = "UTC";              // the site's
    int releaseMinute = 0;                     // the site's release time, minutes past midnight
    std::vector<DayCounts> atoms;              // released pieces, per (team, release day)
    std::map<CellId, CellDecision> decisions;  // for released cells with check-ins
};

}  // namespace carekiosk::collector
