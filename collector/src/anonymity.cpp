#include "carekiosk/collector/anonymity.hpp"

#include <algorithm>

namespace carekiosk::collector {

core::SiteSummary applyMinimumGroup(core::SiteSummary summary, int minGroup) {
    const int k = std::max(minGroup, kLowestMinGroup);
    summary.minGroup = k;
    for (auto& day : summary.days) {
        if (day.count < k) {
            day = core::DaySummary{day.day, 0, 0.0, {}, true, false, {}};
            continue;
        }
        // Reasons are multi-select, so their counts do not add up to anything
        // shown; each small one can be withheld on its own.
        for (auto& [reason, count] : day.reasons) {
            if (count && *count > 0 && *count < k) {
                count.reset();
            }
        }
        const bool smallCell = std::any_of(day.perScore.begin(), day.perScore.end(),
                                           [k](int n) { return n > 0 && n < k; });
        if (smallCell) {
            day.perScore = {};
            day.perScoreHidden = true;
        }
    }
    return summary;
}

}  // namespace carekiosk::collector
