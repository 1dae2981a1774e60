#pragma once
// Managers' summaries: one site's released check-ins by day, ISO week or
// week-aligned month (release.hpp), with the change against the previous
// period and a flag for a marked drop. Every output (API, CSV, report table,
// SVG charts, dashboard) is drawn from what summarize() returns, so none can
// show more than was released. Pure; thread-safe.
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

#include "carekiosk/collector/released.hpp"
#include "carekiosk/core/calendar.hpp"
#include "carekiosk/core/wire.hpp"

namespace carekiosk::collector {

inline constexpr int kBaselinePeriods = 4;
inline constexpr int kMinBaselinePeriods = 2;
inline constexpr double kDropPoints = 0.5;

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

// The summary for `query` from what the site has released: periods of the
// kind asked for whose days are all released, with check-ins or buddy
// requests, oldest first. Every figure is a sum of released pieces (each 0 or
// at least k check-ins); score counts, means and reasons only where the
// release decided to show them (disclosure.hpp). `released.atoms` must cover
// summaryInputDays(query); others are ignored.
core::SiteSummary summarize(const SummaryQuery& query, const Released& released);

}  // namespace carekiosk::collector
