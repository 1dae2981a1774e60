#pragma once
// A summary request read from its query fields (site, from, to, period, team,
// format), one reader for both of its callers: GET /v1/summary (Strict: a
// missing or bad field is an error naming it and what to send) and the
// managers' dashboard (Lenient: a page always renders, so a missing or bad
// field falls back to its default: the last 30 days, by day, the whole site).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "carekiosk/collector/summary.hpp"
#include "carekiosk/core/result.hpp"

namespace carekiosk::collector {

inline constexpr int kMaxSummaryDays = 3660;  // about ten years

enum class FieldRules { Strict, Lenient };

struct SummaryRequest {
    std::string siteId;  // Lenient: as given, unchecked (the page picks from its sites)
    core::SummaryPeriod period = core::SummaryPeriod::Day;
    std::int64_t fromDay = 0;
    std::int64_t toDay = 0;
    std::string team;             // "" for the whole site
    std::string format = "json";  // "json" or "csv" (Strict only)

    SummaryQuery query(int minGroup) const {
        return SummaryQuery{siteId, period, fromDay, toDay, minGroup, team};
    }
};

// A query field's value, nullopt when the request has none.
using FieldLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Reads the fields; `today` (days since 1970-01-01) is the default end.
// Strict errors (InvalidInput, naming the field): a bad site id, a missing or
// bad from or to, to before from or more than kMaxSummaryDays after it, a bad
// period, format or team id. Lenient never fails.
core::Result<SummaryRequest> readSummaryRequest(const FieldLookup& field, std::int64_t today,
                                                FieldRules rules);

// Checks the request's team against the site's teams. Strict: an unknown
// team is NotFound, naming the teams there are. Lenient: it is cleared (the
// whole site).
core::Status checkTeam(SummaryRequest& request, const std::vector<std::string>& teams,
                       FieldRules rules);

}  // namespace carekiosk::collector
