// Managers' summaries as pure functions: the calendar, the arithmetic on
// generated data, the smallest-group rule with its secondary suppression, the
// change and the drop flag. The same rules through the API, CSV, table,
// dashboard and SVG are in collector_tests.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "carekiosk/collector/anonymity.hpp"
#include "carekiosk/collector/charts.hpp"
#include "carekiosk/collector/dashboard.hpp"
#include "carekiosk/collector/summary.hpp"
#include "carekiosk/core/calendar.hpp"

using namespace carekiosk;
using core::SummaryPeriod;

namespace {

std::int64_t day(const char* text) {
    return core::parseDate(text, "day").value();
}

// A day with `n` check-ins of `score` each, plus `reasons` named by `named` of them.
collector::DayCounts dayOf(const char* date, std::array<int, 5> perScore,
                           std::map<std::string, int> reasons = {}) {
    return {day(date), perScore, std::move(reasons), 0};
}

core::SiteSummary summaryOf(SummaryPeriod period, const char* from, const char* to,
                            const std::vector<collector::DayCounts>& days, int k = 5) {
    return collector::summarize({"leeds", period, day(from), day(to), k}, days);
}

const core::PeriodSummary& periodAt(const core::SiteSummary& s, const std::string& label) {
    for (const auto& p : s.periods) {
        if (p.period == label) {
            return p;
        }
    }
    FAIL("no period " << label << " in the summary");
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("weeks are ISO weeks and a month is the weeks whose Thursday falls in it") {
    auto march = core::periodContaining(SummaryPeriod::Month, day("2026-03-15"));
    CHECK(march.label == "2026-03");
    CHECK(core::formatDate(march.first) == "2026-03-02");  // Monday
    CHECK(core::formatDate(march.last) == "2026-03-29");   // Sunday; Thu 2 April is April's
    // 2026-03-01 is a Sunday of a week whose Thursday is in February.
    CHECK(core::periodContaining(SummaryPeriod::Month, day("2026-03-01")).label == "2026-02");
    auto week = core::periodContaining(SummaryPeriod::Week, day("2026-01-01"));
    CHECK(week.label == "2026-W01");
    CHECK(core::formatDate(week.first) == "2025-12-29");
    CHECK(core::periodContaining(SummaryPeriod::Week, day("2021-01-03")).label == "2020-W53");
    CHECK(core::periodContaining(SummaryPeriod::Week, day("1969-12-31")).label == "1970-W01");
    CHECK(core::periodContaining(SummaryPeriod::Day, day("2026-11-23")).label == "2026-11-23");
    CHECK_FALSE(core::parseSummaryPeriod("fortnight", "period"));
    CHECK(core::parseSummaryPeriod("fortnight", "period").error().message ==
          "period must be day, week or month");
}

TEST_CASE("the smallest group never goes below 3, and zero counts are shown") {
    const std::vector<collector::DayCounts> days = {dayOf("2026-11-24", {0, 0, 0, 4, 0})};
    const auto lowered = summaryOf(SummaryPeriod::Day, "2026-11-24", "2026-11-24", days, 1);
    CHECK(lowered.minGroup == 3);
    REQUIRE(lowered.periods.size() == 1);
    CHECK_FALSE(lowered.periods[0].suppressed);
    CHECK_FALSE(lowered.periods[0].perScoreHidden);  // 4 >= 3; zeros are no small group
    CHECK(lowered.periods[0].perScore == std::array<int, 5>{0, 0, 0, 4, 0});
    const auto strict = summaryOf(SummaryPeriod::Day, "2026-11-24", "2026-11-24", days, 5);
    CHECK(strict.periods.at(0).suppressed);
    const auto roundTrip = core::decodeSiteSummary(core::encodeSiteSummary(strict));
    REQUIRE(roundTrip);
    CHECK(roundTrip->periods.at(0).suppressed);
}

TEST_CASE(
    "a small day is withheld with the smallest other day of its week, so the week total "
    "minus the days shown reveals no small group") {
    // Week 2026-W48 (Mon 23 .. Sun 29 Nov): 6, 5 and 2 people.
    const std::vector<collector::DayCounts> days = {
        dayOf("2026-11-23", {0, 0, 0, 6, 0}), dayOf("2026-11-24", {0, 0, 0, 0, 5}),
        dayOf("2026-11-25", {0, 0, 2, 0, 0}),
        // Another week of the same month, so the month does not give W48 away.
        dayOf("2026-11-16", {0, 0, 0, 10, 0})};
    const auto byDay = summaryOf(SummaryPeriod::Day, "2026-11-23", "2026-11-29", days);
    REQUIRE(byDay.periods.size() == 3);
    CHECK_FALSE(periodAt(byDay, "2026-11-23").suppressed);
    CHECK(periodAt(byDay, "2026-11-23").count == 6);
    CHECK(periodAt(byDay, "2026-11-25").suppressed);  // 2 people
    CHECK(periodAt(byDay, "2026-11-24").suppressed);  // 5 people, withheld to cover the 2
    const auto byWeek = summaryOf(SummaryPeriod::Week, "2026-11-23", "2026-11-29", days);
    CHECK(periodAt(byWeek, "2026-W48").count == 13);  // 13 - 6 = 7: two days, 7 people
}

TEST_CASE(
    "a small week is withheld with another week of its month, whose days then cannot "
    "rebuild it") {
    // November 2026 as a month: Mon 2 .. Sun 29 Nov. W45: 4 people; W46: 20; W47: 10.
    const std::vector<collector::DayCounts> days = {
        dayOf("2026-11-03", {0, 0, 0, 4, 0}), dayOf("2026-11-09", {0, 0, 10, 0, 0}),
        dayOf("2026-11-10", {0, 0, 0, 10, 0}), dayOf("2026-11-16", {0, 0, 0, 0, 5}),
        dayOf("2026-11-17", {0, 0, 0, 0, 5})};
    const auto byMonth = summaryOf(SummaryPeriod::Month, "2026-11-01", "2026-11-30", days);
    CHECK(periodAt(byMonth, "2026-11").count == 34);
    const auto byWeek = summaryOf(SummaryPeriod::Week, "2026-11-02", "2026-11-29", days);
    CHECK(periodAt(byWeek, "2026-W45").suppressed);  // 4 people
    CHECK(periodAt(byWeek, "2026-W47").suppressed);  // 10, the smaller of the other two
    CHECK(periodAt(byWeek, "2026-W46").count == 20);
    // W47's days have 5 people each: one of them is withheld, so W47 cannot be
    // added up from its days and then taken from the month.
    const auto byDay = summaryOf(SummaryPeriod::Day, "2026-11-16", "2026-11-17", days);
    CHECK(periodAt(byDay, "2026-11-16").suppressed);
    CHECK(periodAt(byDay, "2026-11-17").count == 5);
}

TEST_CASE("a reason named by one person is withheld in its day, week and month") {
    const std::vector<collector::DayCounts> days = {
        dayOf("2026-11-23", {0, 0, 0, 6, 0}, {{"workload", 6}, {"team", 1}}),
        dayOf("2026-11-16", {0, 0, 0, 8, 0}, {{"workload", 5}})};
    for (auto period : {SummaryPeriod::Day, SummaryPeriod::Week, SummaryPeriod::Month}) {
        const auto s = summaryOf(period, "2026-11-23", "2026-11-23", days);
        REQUIRE(s.periods.size() == 1);
        CHECK(s.periods[0].reasons.at("team") == std::nullopt);
        CHECK(s.periods[0].reasons.at("workload").has_value());
    }
}

TEST_CASE("a score picked by one person is withheld in its week and its month") {
    // W47 has one Struggling, W48 none: W47's and the month's distributions are
    // withheld; W48's is shown, and the month's cannot be rebuilt without W47's.
    const std::vector<collector::DayCounts> days = {dayOf("2026-11-16", {1, 0, 0, 6, 0}),
                                                    dayOf("2026-11-23", {0, 0, 0, 7, 0})};
    const auto byWeek = summaryOf(SummaryPeriod::Week, "2026-11-16", "2026-11-29", days);
    CHECK(periodAt(byWeek, "2026-W47").perScoreHidden);
    CHECK(periodAt(byWeek, "2026-W47").count == 7);
    CHECK(periodAt(byWeek, "2026-W48").perScore == std::array<int, 5>{0, 0, 0, 7, 0});
    const auto byMonth = summaryOf(SummaryPeriod::Month, "2026-11-16", "2026-11-16", days);
    CHECK(periodAt(byMonth, "2026-11").perScoreHidden);
}

TEST_CASE(
    "the change is against the previous period, and a drop of half a point against the "
    "baseline raises the flag") {
    std::vector<collector::DayCounts> days;
    // Four Mondays with a mean of 4 (8 people each), then 3.25, then 3.75.
    for (const char* monday : {"2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26"}) {
        days.push_back(dayOf(monday, {0, 0, 0, 8, 0}));
    }
    days.push_back(dayOf("2026-11-02", {0, 0, 6, 2, 0}));  // 3.25
    days.push_back(dayOf("2026-11-09", {0, 0, 0, 8, 0}));
    days.push_back(dayOf("2026-11-16", {0, 0, 2, 6, 0}));  // 3.75
    const auto s = summaryOf(SummaryPeriod::Week, "2026-10-05", "2026-11-22", days);
    CHECK_FALSE(periodAt(s, "2026-W41").change.has_value());  // nothing before it
    CHECK_FALSE(periodAt(s, "2026-W41").drop);                // no baseline yet
    CHECK(periodAt(s, "2026-W42").change == Approx(0.0));
    const auto& fell = periodAt(s, "2026-W45");
    CHECK(fell.change == Approx(-0.75));
    CHECK(fell.drop);
    CHECK(periodAt(s, "2026-W46").change == Approx(0.75));
    CHECK_FALSE(periodAt(s, "2026-W47").drop);  // 3.75 against (4+4+3.25+4)/4 = 3.81
    CHECK(core::encodeSiteSummary(s).find("\"drop\":true") != std::string::npos);
    // The dashboard raises a banner and the trend chart a marker for it.
    const auto html =
        collector::renderDashboardHtml(s, {{"leeds", "Leeds office"}}, {}, {}, day("2026-11-23"));
    CHECK_THAT(html, Catch::Contains("2026-W45: the mean score fell markedly"));
    CHECK_THAT(collector::trendSvg(s), Catch::Contains("class=\"drop\"><title>2026-W45"));
    std::filesystem::create_directories(CAREKIOSK_SCREENSHOT_DIR);
    std::ofstream(std::filesystem::path(CAREKIOSK_SCREENSHOT_DIR) / "dashboard-weeks.html") << html;
}

TEST_CASE("a period's figures do not depend on the range asked for") {
    std::mt19937 random(7);
    std::vector<collector::DayCounts> days;
    for (std::int64_t d = day("2026-01-01"); d <= day("2026-06-30"); ++d) {
        collector::DayCounts counts{d, {}, {}, 0};
        for (auto& n : counts.perScore) {
            n = static_cast<int>(random() % 4);
        }
        days.push_back(counts);
    }
    for (auto period : {SummaryPeriod::Day, SummaryPeriod::Week, SummaryPeriod::Month}) {
        const auto wide = summaryOf(period, "2026-01-01", "2026-06-30", days);
        const auto narrow = summaryOf(period, "2026-03-10", "2026-03-20", days);
        REQUIRE_FALSE(narrow.periods.empty());
        for (const auto& p : narrow.periods) {
            const auto& q = periodAt(wide, p.period);
            CHECK(core::encodeSiteSummary({"leeds", "day", "", "", 5, {p}}) ==
                  core::encodeSiteSummary({"leeds", "day", "", "", 5, {q}}));
        }
    }
}

TEST_CASE(
    "on generated data every figure shown is the true sum, and no withheld figure can be "
    "worked out from the ones shown") {
    const int k = 5;
    std::mt19937 random(2026);
    std::vector<collector::DayCounts> days;
    std::map<std::int64_t, collector::DayCounts> byDay;
    const std::int64_t first = day("2026-01-05");
    const std::int64_t last = day("2026-12-27");
    for (std::int64_t d = first; d <= last; ++d) {
        if (random() % 3 == 0) {
            continue;  // a day nobody came
        }
        collector::DayCounts counts{d, {}, {}, 0};
        const int spread = static_cast<int>(random() % 9);  // many small days
        for (auto& n : counts.perScore) {
            n = static_cast<int>(random() % (spread + 1));
        }
        if (const int named = static_cast<int>(random() % 7); named > 0) {
            counts.reasons["workload"] = named;
        }
        counts.buddyRequests = static_cast<int>(random() % 3);
        days.push_back(counts);
        byDay[d] = counts;
    }
    // The truth for any range of days, computed here on its own.
    struct Truth {
        int count = 0;
        long long sum = 0;
        std::array<int, 5> perScore{};
        int workload = 0;
        int buddies = 0;
    };
    auto truth = [&](std::int64_t from, std::int64_t to) {
        Truth t;
        for (auto it = byDay.lower_bound(from); it != byDay.end() && it->first <= to; ++it) {
            for (std::size_t s = 0; s < 5; ++s) {
                t.count += it->second.perScore[s];
                t.sum += static_cast<long long>(s + 1) * it->second.perScore[s];
                t.perScore[s] += it->second.perScore[s];
            }
            const auto named = it->second.reasons.find("workload");
            t.workload += named == it->second.reasons.end() ? 0 : named->second;
            t.buddies += it->second.buddyRequests;
        }
        return t;
    };
    std::map<SummaryPeriod, core::SiteSummary> all;
    for (auto period : {SummaryPeriod::Day, SummaryPeriod::Week, SummaryPeriod::Month}) {
        all[period] = summaryOf(period, "2026-01-05", "2026-12-27", days, k);
        REQUIRE_FALSE(all[period].periods.empty());
        int shown = 0;
        for (const auto& p : all[period].periods) {
            const auto t = truth(day(p.start.c_str()), day(p.end.c_str()));
            if (p.suppressed) {
                continue;
            }
            ++shown;
            CHECK(p.count == t.count);
            CHECK((p.count == 0 || p.count >= k));  // 0: only buddy requests that period
            if (p.count > 0) {
                CHECK(p.mean == Approx(static_cast<double>(t.sum) / t.count));
            }
            if (!p.perScoreHidden) {
                CHECK(p.perScore == t.perScore);
                for (int n : p.perScore) {
                    CHECK((n == 0 || n >= k));
                }
            }
            if (auto it = p.reasons.find("workload"); it != p.reasons.end() && it->second) {
                CHECK(*it->second == t.workload);
                CHECK(*it->second >= k);
            }
            if (p.buddyRequests) {
                CHECK(*p.buddyRequests == t.buddies);
                CHECK((*p.buddyRequests == 0 || *p.buddyRequests >= k));
            }
        }
        CHECK(shown > 0);
    }
    // Each shown parent: what its withheld children hold together is no small
    // group. Each withheld parent: not the sum of shown children.
    auto checkNesting = [&](SummaryPeriod parentKind, SummaryPeriod childKind) {
        std::map<std::string, const core::PeriodSummary*> children;
        for (const auto& p : all[childKind].periods) {
            children[p.start] = &p;
        }
        for (const auto& parent : all[parentKind].periods) {
            int withheldCount = 0;
            bool anyWithheld = false;
            for (auto c = core::periodContaining(childKind, day(parent.start.c_str()));
                 c.first <= day(parent.end.c_str());
                 c = core::periodContaining(childKind, c.last + 1)) {
                const auto it = children.find(core::formatDate(c.first));
                if (it != children.end() && it->second->suppressed) {
                    withheldCount += truth(c.first, c.last).count;
                    anyWithheld = anyWithheld || truth(c.first, c.last).count > 0;
                }
            }
            INFO(parent.period);
            if (!parent.suppressed) {
                CHECK((withheldCount == 0 || withheldCount >= k));
            } else if (truth(day(parent.start.c_str()), day(parent.end.c_str())).count > 0) {
                CHECK(anyWithheld);
            }
        }
    };
    checkNesting(SummaryPeriod::Week, SummaryPeriod::Day);
    checkNesting(SummaryPeriod::Month, SummaryPeriod::Week);
}

TEST_CASE(
    "across teams, every team shown adds up and the withheld teams of a shown site hold "
    "no small group together") {
    const int k = 5;
    std::mt19937 random(11);
    std::vector<collector::DayCounts> days;
    std::map<std::pair<std::string, std::int64_t>, int> truth;
    const std::vector<std::string> teams = {"", "finance", "ops", "sales"};
    for (std::int64_t d = day("2026-03-02"); d <= day("2026-06-28"); ++d) {
        for (const auto& team : teams) {
            if (random() % 2 == 0) {
                continue;
            }
            collector::DayCounts counts{d, {}, {}, 0, team};
            counts.perScore[random() % 5] = static_cast<int>(random() % 9);
            truth[{team, d}] += counts.perScore[0] + counts.perScore[1] + counts.perScore[2] +
                                counts.perScore[3] + counts.perScore[4];
            days.push_back(counts);
        }
    }
    auto trueCount = [&](const std::string& team, const core::PeriodSummary& p) {
        int n = 0;
        for (auto d = day(p.start.c_str()); d <= day(p.end.c_str()); ++d) {
            for (const auto& t : teams) {
                if (team == "*" || t == team) {
                    const auto it = truth.find({t, d});
                    n += it == truth.end() ? 0 : it->second;
                }
            }
        }
        return n;
    };
    for (auto period : {SummaryPeriod::Day, SummaryPeriod::Week, SummaryPeriod::Month}) {
        std::map<std::string, core::SiteSummary> byTeam;
        for (const std::string team : {"finance", "ops", "sales"}) {
            byTeam[team] = collector::summarize(
                {"leeds", period, day("2026-03-02"), day("2026-06-28"), k, team}, days);
        }
        const auto site = collector::summarize(
            {"leeds", period, day("2026-03-02"), day("2026-06-28"), k, ""}, days);
        for (const auto& p : site.periods) {
            INFO(p.period);
            if (!p.suppressed) {
                CHECK(p.count == trueCount("*", p));
            }
            // The teams withheld in this period, with the untagged check-ins
            // (never shown on their own), must not be a small group together.
            int withheld = 0;
            const auto untagged = trueCount("", p);
            withheld += untagged;
            for (auto& [team, summary] : byTeam) {
                for (const auto& q : summary.periods) {
                    if (q.start != p.start) {
                        continue;
                    }
                    if (q.suppressed) {
                        withheld += trueCount(team, q);
                    } else {
                        CHECK(q.count == trueCount(team, q));
                        CHECK(q.count >= k);
                    }
                }
            }
            if (!p.suppressed) {
                CHECK((withheld == 0 || withheld >= k));
            }
        }
    }
}
