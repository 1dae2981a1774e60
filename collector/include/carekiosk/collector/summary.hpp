#pragma once
// Managers' summaries: one site's check-ins by day, ISO week or week-aligned
// month, with the smallest-group rule (anonymity.hpp) applied to every figure,
// the change against the previous period and a flag for a marked drop. Every
// output (API, CSV, report table, SVG charts, dashboard) is drawn from what
// summarize() returns, so none can show more than it. Pure; thread-safe.
//
// The drop flag: a shown period's mean is at least kDropPoints below the
// baseline, the mean of the check-ins of the kBaselinePeriods shown periods
// before it (at least kMinBaselinePeriods of them, each with check-ins, among
// the kBaselinePeriods periods just before it). On a 1-5 scale half a point is
// a change people notice; the pooled baseline keeps one odd period from
// raising the flag on its own.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "carekiosk/core/calendar.hpp"
#include "carekiosk/core/wire.hpp"

namespace carekiosk::collector {

inline constexpr int kBaselinePeriods = 4;
inline constexpr int kMinBaselinePeriods = 2;
inline constexpr double kDropPoints = 0.5;

// What the store knows of one day of one site, before any rule.
struct DayCounts {
    std::int64_t day = 0;  // days since 1970-01-01
    std::array<int, core::kScoreCount> perScore{};
    std::map<std::string, int> reasons;  // check-ins that named each reason
    int buddyRequests = 0;               // buddy requests that arrived that day
    std::string team = {};               // the check-ins' team tag; "" for none
};

struct SummaryQuery {
    std::string siteId;
    core::SummaryPeriod period = core::SummaryPeriod::Day;
    std::int64_t fromDay = 0;  // any day in the first period wanted
    std::int64_t toDay = 0;    // any day in the last period wanted (>= fromDay)
    int minGroup = 0;          // raised to kLowestMinGroup if lower
    std::string team = {};     // one team's check-ins; "" for the whole site
};

// The days (inclusive) whose counts summarize() needs for `query`: whole
// week-aligned months around the range, plus the baseline periods before it.
std::pair<std::int64_t, std::int64_t> summaryInputDays(const SummaryQuery& query);

// `days`: the counts of any days in summaryInputDays(query), for every team of
// the site (missing days had no check-ins; days outside are ignored). Returns
// the periods of the range that had check-ins or buddy requests, oldest first,
// with the rule applied across periods and across teams: the site is the sum
// of its teams (and its untagged check-ins), so a team's figures are withheld
// where "the site minus the other teams" would reveal a small group, and the
// same figures come out whichever team or the whole site is asked for.
core::SiteSummary summarize(const SummaryQuery& query, const std::vector<DayCounts>& days);

}  // namespace carekiosk::collector
