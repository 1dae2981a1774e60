#pragma once
// The summary charts as SVG, shared by the managers' dashboard (inline) and
// `carekiosk-report summary --svg DIR` (one file each). Every function draws
// only what a summary from summarize() lets through, and each SVG carries its
// own styles, so a file opens on its own in a browser or an office suite.
// Pure; thread-safe.

#include <array>
#include <map>
#include <string>

#include "carekiosk/core/wire.hpp"

namespace carekiosk::collector {

// The shown figures of a summary added up over its periods.
struct SummaryTotals {
    int responses = 0;     // check-ins in the periods listed (all released)
    int periodsShown = 0;  // periods listed
    // Score counts from the periods whose distribution (and mean) is shown,
    // how many check-ins those periods hold, and their mean (0 when none).
    std::array<int, core::kScoreCount> perScore{};
    int distributionResponses = 0;
    double mean = 0.0;
    int periodsWithMean = 0;
    std::map<std::string, int> reasons;  // shown reason counts added up
    int buddyRequests = 0;               // shown buddy request counts added up
};
SummaryTotals totalsOf(const core::SiteSummary& summary);

// The mean per period as a line (broken where a period's mean is withheld),
// over the number of responses as bars (grey where the mean is withheld); a
// period flagged as a drop gets a red marker.
std::string trendSvg(const core::SiteSummary& summary);
// Responses per score (from SummaryTotals::perScore).
std::string distributionSvg(const core::SiteSummary& summary);
// The six reasons named most (from SummaryTotals::reasons).
std::string reasonsSvg(const core::SiteSummary& summary);

}  // namespace carekiosk::collector
