#include "carekiosk/core/calendar.hpp"

#include <chrono>
#include <cstdio>

#include "carekiosk/core/wire.hpp"

namespace carekiosk::core {

namespace {

constexpr std::int64_t kDaysPerWeek = 7;

std::chrono::year_month_day civil(std::int64_t day) {
    return std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{day}}};
}

// "2026-03": the calendar month of `day`.
std::string monthLabel(std::int64_t day) {
    const auto ymd = civil(day);
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()));
    return buffer;
}

}  // namespace

std::string_view periodName(SummaryPeriod period) {
    switch (period) {
        case SummaryPeriod::Day:
            return "day";
        case SummaryPeriod::Week:
            return "week";
        case SummaryPeriod::Month:
            return "month";
    }
    return "day";
}

Result<SummaryPeriod> parseSummaryPeriod(std::string_view text, const std::string& field) {
    for (auto period : {SummaryPeriod::Day, SummaryPeriod::Week, SummaryPeriod::Month}) {
        if (text == periodName(period)) {
            return period;
        }
    }
    return makeError(ErrorCode::InvalidInput, field + " must be day, week or month", field);
}

std::int64_t weekStart(std::int64_t day) {
    // 1970-01-01 was a Thursday, three days after a Monday. The double modulo
    // keeps days before 1970 right too.
    const std::int64_t sinceMonday = ((day + 3) % kDaysPerWeek + kDaysPerWeek) % kDaysPerWeek;
    return day - sinceMonday;
}

PeriodRange periodContaining(SummaryPeriod period, std::int64_t day) {
    switch (period) {
        case SummaryPeriod::Day:
            return {formatDate(day), day, day};
        case SummaryPeriod::Week: {
            const std::int64_t monday = weekStart(day);
            // The ISO week-numbering year is the year of the week's Thursday.
            const std::int64_t thursday = monday + 3;
            const auto year = static_cast<int>(civil(thursday).year());
            const std::int64_t yearStart =
                std::chrono::sys_days{std::chrono::year{year} / 1 / 1}.time_since_epoch().count();
            const std::int64_t week = (thursday - yearStart) / kDaysPerWeek + 1;
            char buffer[16];
            std::snprintf(buffer, sizeof buffer, "%04d-W%02d", year, static_cast<int>(week));
            return {buffer, monday, monday + kDaysPerWeek - 1};
        }
        case SummaryPeriod::Month: {
            const std::string label = monthLabel(weekStart(day) + 3);
            std::int64_t first = weekStart(day);
            while (monthLabel(first - kDaysPerWeek + 3) == label) {
                first -= kDaysPerWeek;
            }
            std::int64_t last = weekStart(day) + kDaysPerWeek - 1;
            while (monthLabel(last + 1 + 3) == label) {
                last += kDaysPerWeek;
            }
            return {label, first, last};
        }
    }
    return {formatDate(day), day, day};
}

}  // namespace carekiosk::core
