#pragma once
// The smallest-group rule, applied by the collector to every summary it serves
// (the API, and so the report CLI's table and CSV), so that no output describes
// a group small enough to point at a person. Pure and thread-safe.
//
// With k = minGroup (default 5, never below 3):
//   1. A day with fewer than k check-ins is suppressed: its count, mean and
//      score counts are all withheld (shown as "fewer than k").
//   2. In a day that is shown, if any score has between 1 and k-1 check-ins,
//      all five score counts are withheld (the day's count and mean stay). Hiding
//      only the small cells would not be enough: they could be recovered from
//      the day's count and mean (two equations), so the distribution goes whole.
//   3. Zero counts are not small groups: "nobody chose Struggling" is shown.
//   4. A reason named by between 1 and k-1 check-ins on a shown day is withheld
//      (each on its own: reasons are multi-select, so they add up to no total
//      that would let a hidden one be solved for). There is no cross-table of
//      reasons by score.
// Summaries are per day only, and a day's figures do not depend on the
// requested range, so no choice of range can subtract one output from another.

#include "carekiosk/core/wire.hpp"

namespace carekiosk::collector {

inline constexpr int kDefaultMinGroup = 5;
inline constexpr int kLowestMinGroup = 3;

// Returns `summary` with the rule applied for k = max(minGroup, kLowestMinGroup).
core::SiteSummary applyMinimumGroup(core::SiteSummary summary, int minGroup);

}  // namespace carekiosk::collector
