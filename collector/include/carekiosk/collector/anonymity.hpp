#pragma once
// The smallest-group rule: which figures of a table of counts must be withheld
// so that no output describes a group small enough to point at a person, even
// when outputs are subtracted from one another. Pure and thread-safe.
//
// The table is a set of cells (a day, a week or a month of one site) whose
// counts nest: each Relation says "parent = the sum of these children" (a week
// is its seven days, a month its weeks). With k = effectiveMinGroup(minGroup):
//   1. Primary: a cell with any count between 1 and k-1 is withheld. Zero is not
//      a small group: "nobody chose Struggling" is shown.
//   2. Secondary, for a parent that is shown: the children withheld must add up
//      to 0 or to at least k in every count, or "parent minus the children
//      shown" would reveal a small group. Otherwise the smallest shown child
//      with people in it is withheld too, until that holds (it always can: all
//      children withheld add up to the parent, which was shown).
//   3. For a parent with people in it that is withheld, at least one child
//      with people in it is withheld too (the smallest), or the parent would
//      be the sum of the parts shown.
//   Rules 2 and 3 repeat until nothing changes. Because days, weeks and months
//   nest exactly (calendar.hpp), these are the only sums that relate the cells,
//   and no choice of period or date range changes a cell's figures.

#include <cstddef>
#include <vector>

namespace carekiosk::collector {

inline constexpr int kDefaultMinGroup = 5;
inline constexpr int kLowestMinGroup = 3;

// The k actually applied: max(minGroup, kLowestMinGroup).
int effectiveMinGroup(int minGroup);

struct Relation {
    std::size_t parent = 0;
    std::vector<std::size_t> children;
};

// `values[cell]`: the cell's counts, all of the same length (1 for a number of
// check-ins, 5 for a score distribution). `hidden`: on entry, the cells already
// withheld for another reason (e.g. their number of check-ins is); on return,
// every cell to withhold under rules 1-3. `hidden.size()` must equal
// `values.size()`, and every index in `relations` must be below it.
void protectCells(const std::vector<Relation>& relations,
                  const std::vector<std::vector<int>>& values, int k, std::vector<bool>& hidden);

}  // namespace carekiosk::collector
