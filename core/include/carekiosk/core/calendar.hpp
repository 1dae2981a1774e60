#pragma once
// The periods summaries are given in. Days are UTC calendar days counted from
// 1970-01-01. Weeks are ISO weeks (Monday to Sunday). A month is made of whole
// weeks: the ISO weeks whose Thursday falls in that calendar month (so
// "2026-03" runs Monday 2026-03-02 to Sunday 2026-04-05). Whole weeks make days,
// weeks and months nest exactly, which is what lets the smallest-group rule
// keep a withheld week from being worked out as "the month minus the other
// weeks" (see carekiosk/collector/anonymity.hpp). Pure; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "carekiosk/core/result.hpp"

namespace carekiosk::core {

enum class SummaryPeriod { Day, Week, Month };

// "day", "week", "month".
std::string_view periodName(SummaryPeriod period);
// Parses a period name; the error names `field` and the three choices.
Result<SummaryPeriod> parseSummaryPeriod(std::string_view text, const std::string& field);

struct PeriodRange {
    std::string label;       // "2026-03-02", "2026-W10" or "2026-03"
    std::int64_t first = 0;  // first day, inclusive
    std::int64_t last = 0;   // last day, inclusive
};

// The Monday that starts the ISO week holding `day`.
std::int64_t weekStart(std::int64_t day);
// The period of the given kind that holds `day`.
PeriodRange periodContaining(SummaryPeriod period, std::int64_t day);

}  // namespace carekiosk::core
