#pragma once
// Which released figures may be shown, so that nothing published, taken
// together and over time, pins down a group of 1 to k-1 people. Pure and
// thread-safe; no database, no clock.
//
// The published cells of one month of one site nest in two ways: by time (the
// site's month = its weeks = their days) and by team (a team's month = its
// weeks = its days), and the site's day is the sum of its teams' days and its
// untagged check-ins. The finest pieces ("atoms") are one team's check-ins
// released on one day; the untagged ones are never published on their own.
// Every published figure of one measure (the people who picked score 3, the
// people who named "workload") is a sum of atoms, and these sums form a flow
// network:
//
//   root -> site month -> site weeks -> site days -> atoms (team days)
//        <- team months <- team weeks <------------/
//   (untagged atoms go from a site day to an "untagged" node, then to root)
//
// where every node conserves flow. A shown figure fixes its edge; a withheld
// or not yet released one is free (any amount >= 0). An attacker who has every
// figure ever published knows exactly this: the feasible flows. A withheld
// figure whose true value is at least 1 is safe when some feasible flow gives
// it at least k: then no figure, sum or difference of figures can bound it, or
// any group containing it, inside [1, k-1] (on a network the largest value of
// an edge is the smallest determined sum that contains it). That is checked
// exactly, with augmenting paths capped at k, for every free edge.
//
// Counts of check-ins need no check: releases are pooled so that every atom
// holds 0 or at least k check-ins (release.hpp), so every sum of atoms does too.
// The check applies to the score counts (shown or withheld together for a
// cell) and to each reason.
//
// Every released cell's count is published, which the attacker also uses: a
// cell's five score counts add up to its count, and a reason is named by at
// most its count. So a measure is a vector of values that add up to the
// count (the five scores; for a reason: named, not named), and raising one
// value along a cycle of free edges means lowering another value of the same
// vector along the same cycle. The audit only counts such moves, which every
// attacker must accept as possible: it may withhold more than a cleverer
// solver would, never less.

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "carekiosk/collector/released.hpp"
#include "carekiosk/core/calendar.hpp"

namespace carekiosk::collector {

enum class CellState {
    Unreleased,  // not published yet: free
    Shown,       // its figures are published: fixed
    Withheld,    // released, these figures withheld: free
};

// One week-aligned month of released atoms, as the audit sees it.
struct MonthAtoms {
    core::PeriodRange month;         // whole ISO weeks (calendar.hpp)
    std::vector<std::string> teams;  // the site's team tags, sorted ("" not among them)
    // Released check-ins per (team, release day); team "" is untagged.
    std::map<std::pair<std::string, std::int64_t>, DayCounts> atoms;
};

// A measure: the values of one atom that a decision covers together, adding
// up to the atom's count (the five score counts; one reason's "named" and
// "not named"). The first `audited` values are the figures a shown decision
// publishes (all of them: a reason's count shown with the check-ins' count
// also says how many did not name it).
struct Measure {
    std::function<std::vector<int>(const DayCounts&)> values;
    std::size_t audited = 0;
};
Measure scoresMeasure();
Measure reasonMeasure(const std::string& reason);

// The fewest check-ins a cell must hold for its score counts or reasons to be
// shown: 2k - 1. The rule withholds a figure that is small, so being withheld
// would by itself tell a careful reader that a cell holds a small group; in a
// cell of at least 2k - 1 that is no longer so, because a face picked by a few
// could as well be one picked by all but a few (9 for k = 5: "1 to 4 chose
// it" and "5 to 8 chose it" read the same). Smaller cells show their count
// only, whatever their faces.
int minBreakdown(int k);

// Every cell of `table`'s month (site and teams; days, weeks, month).
std::vector<CellId> cellsOf(const MonthAtoms& table);

// The cell's values under `measure`: the sum of its atoms.
std::vector<int> cellValues(const MonthAtoms& table, const Measure& measure, const CellId& cell);

// Decides which of `candidates` (cells being released now; each Unreleased in
// `states`) are shown for `measure`, given the decisions already published in
// `states` (cells missing from it are Unreleased), and returns `states` with
// them decided. A candidate with any value between 1 and k-1 is withheld;
// others are shown unless showing them would let a withheld figure be pinned
// below k, in which case the smallest ones in the way are withheld too.
// `ahead`: cells not yet released that will soon be (the week and month the
// candidates belong to); the decision first tries to stay safe even if they
// were shown with today's values, so that a small group withheld today is
// covered within its week instead of withholding the week later. Cells of
// other months are ignored. Withholding every candidate is always safe when
// `states` was, and is the last resort.
std::map<CellId, CellState> decideCells(const MonthAtoms& table, const Measure& measure,
                                        std::map<CellId, CellState> states,
                                        const std::vector<CellId>& candidates,
                                        const std::vector<CellId>& ahead, int k);

// The audit itself: the withheld or unreleased cells of `table` whose figure
// under `measure` is at least 1 but that no flow consistent with the shown
// cells lets reach k. Empty when `states` is safe.
std::vector<CellId> pinnedCells(const MonthAtoms& table, const Measure& measure,
                                const std::map<CellId, CellState>& states, int k);

}  // namespace carekiosk::collector
