#include "carekiosk/collector/anonymity.hpp"

#include <algorithm>
#include <numeric>

namespace carekiosk::collector {

namespace {

bool isSmall(int n, int k) {
    return n > 0 && n < k;
}

bool anySmall(const std::vector<int>& counts, int k) {
    return std::any_of(counts.begin(), counts.end(), [k](int n) { return isSmall(n, k); });
}

long long total(const std::vector<int>& counts) {
    return std::accumulate(counts.begin(), counts.end(), 0LL);
}

// Applies rule 2 or 3 to one relation; returns whether it withheld a cell.
bool protectRelation(const Relation& relation, const std::vector<std::vector<int>>& values, int k,
                     std::vector<bool>& hidden) {
    std::vector<int> withheld(values[relation.parent].size(), 0);
    bool anyChildWithheld = false;
    for (auto child : relation.children) {
        if (hidden[child] && total(values[child]) > 0) {
            anyChildWithheld = true;
            for (std::size_t i = 0; i < withheld.size(); ++i) {
                withheld[i] += values[child][i];
            }
        }
    }
    if (hidden[relation.parent]) {
        // Rule 3: with every part shown, the parent would be their sum.
        if (anyChildWithheld || total(values[relation.parent]) == 0) {
            return false;
        }
    } else if (!anySmall(withheld, k)) {
        return false;
    }
    // Withhold the smallest shown child with people in it: it costs the least
    // information. Ties go to the earliest, so the result is deterministic.
    std::size_t pick = 0;
    long long smallest = -1;
    for (auto child : relation.children) {
        const long long n = total(values[child]);
        if (!hidden[child] && n > 0 && (smallest < 0 || n < smallest)) {
            pick = child;
            smallest = n;
        }
    }
    if (smallest < 0) {
        // Cannot happen for consistent input (all children withheld add up to
        // the parent); withholding the parent is the safe answer.
        const bool changed = !hidden[relation.parent];
        hidden[relation.parent] = true;
        return changed;
    }
    hidden[pick] = true;
    return true;
}

}  // namespace

int effectiveMinGroup(int minGroup) {
    return std::max(minGroup, kLowestMinGroup);
}

void protectCells(const std::vector<Relation>& relations,
                  const std::vector<std::vector<int>>& values, int k, std::vector<bool>& hidden) {
    for (std::size_t cell = 0; cell < values.size(); ++cell) {
        if (anySmall(values[cell], k)) {
            hidden[cell] = true;
        }
    }
    // Each pass withholds at least one more cell or ends, so this terminates
    // after at most values.size() passes.
    bool changed = true;
    while (changed) {
        changed = false;
        for (const auto& relation : relations) {
            while (protectRelation(relation, values, k, hidden)) {
                changed = true;
            }
        }
    }
}

}  // namespace carekiosk::collector
