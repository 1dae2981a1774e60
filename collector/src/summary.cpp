#include "carekiosk/collector/summary.hpp"

#include <algorithm>
#include <numeric>

#include "carekiosk/collector/anonymity.hpp"
#include "carekiosk/core/time_zone.hpp"

namespace carekiosk::collector {

namespace {

using core::SummaryPeriod;

CellLevel levelOf(SummaryPeriod period) {
    switch (period) {
        case SummaryPeriod::Day:
            return CellLevel::Day;
        case SummaryPeriod::Week:
            return CellLevel::Week;
        case SummaryPeriod::Month:
            return CellLevel::Month;
    }
    return CellLevel::Day;
}

// One period of the series asked for, summed from the released pieces.
struct Period {
    core::PeriodRange range;
    DayCounts counts;
    bool released = false;
    const CellDecision* decision = nullptr;

    int count() const { return std::accumulate(counts.perScore.begin(), counts.perScore.end(), 0); }
    bool scoresShown() const { return count() > 0 && decision && decision->scoresShown; }
    double mean() const {
        long long sum = 0;
        for (std::size_t s = 0; s < counts.perScore.size(); ++s) {
            sum += static_cast<long long>(s + 1) * counts.perScore[s];
        }
        return static_cast<double>(sum) / count();
    }
};

}  // namespace

std::pair<std::int64_t, std::int64_t> summaryInputDays(const SummaryQuery& query) {
    auto earliest = core::periodContaining(query.period, query.fromDay);
    for (int i = 0; i < kBaselinePeriods; ++i) {
        earliest = core::periodContaining(query.period, earliest.first - 1);
    }
    return {core::periodContaining(SummaryPeriod::Month, earliest.first).first,
            core::periodContaining(SummaryPeriod::Month, query.toDay).last};
}

core::SiteSummary summarize(const SummaryQuery& query, const Released& released) {
    const int k = effectiveMinGroup(query.minGroup);
    const auto [first, last] = summaryInputDays(query);
    const auto wantedFirst = core::periodContaining(query.period, query.fromDay).first;
    const auto wantedLast = core::periodContaining(query.period, query.toDay).last;
    core::SiteSummary summary;
    summary.siteId = query.siteId;
    summary.team = query.team;
    summary.period = std::string(core::periodName(query.period));
    summary.from = core::formatDate(wantedFirst);
    summary.to = core::formatDate(wantedLast);
    summary.minGroup = k;
    summary.timeZone = released.timeZone;
    if (released.releasedThrough >= 0) {
        summary.releasedThrough = core::formatDate(released.releasedThrough);
    }
    if (auto zone = core::TimeZone::named(released.timeZone)) {
        summary.nextRelease = zone->formatRfc3339(released.nextRelease);
    }
    const std::string series = query.team.empty() ? kSiteSeries : query.team;

    // Every period of the kind from the first baseline one to the last wanted,
    // oldest first: the baseline ones are needed for the change and the drop.
    std::vector<Period> periods;
    for (std::int64_t day = first; day <= last;) {
        Period p;
        p.range = core::periodContaining(query.period, day);
        p.released = p.range.last <= released.releasedThrough;
        day = p.range.last + 1;
        periods.push_back(std::move(p));
    }
    const auto periodOf = [&](std::int64_t day) -> Period* {
        const auto at =
            std::upper_bound(periods.begin(), periods.end(), day,
                             [](std::int64_t d, const Period& p) { return d < p.range.first; });
        if (at == periods.begin()) {
            return nullptr;
        }
        Period* p = &*(at - 1);
        return day <= p->range.last ? p : nullptr;
    };
    for (const auto& atom : released.atoms) {
        const bool ours = series == kSiteSeries ? true : atom.team == query.team;
        Period* p = periodOf(atom.day);
        if (!ours || !p || !p->released) {
            continue;
        }
        for (std::size_t s = 0; s < atom.perScore.size(); ++s) {
            p->counts.perScore[s] += atom.perScore[s];
        }
        for (const auto& [reason, n] : atom.reasons) {
            p->counts.reasons[reason] += n;
        }
        // Buddy requests carry no team: only the whole site has them.
        if (series == kSiteSeries) {
            p->counts.buddyRequests += atom.buddyRequests;
        }
    }
    for (auto& p : periods) {
        const auto it = released.decisions.find({series, levelOf(query.period), p.range.first});
        p.decision = it == released.decisions.end() ? nullptr : &it->second;
    }

    for (std::size_t i = 0; i < periods.size(); ++i) {
        const Period& cell = periods[i];
        if (!cell.released || cell.range.first < wantedFirst || cell.range.last > wantedLast ||
            (cell.count() == 0 && cell.counts.buddyRequests == 0)) {
            continue;
        }
        core::PeriodSummary p;
        p.period = cell.range.label;
        p.start = core::formatDate(cell.range.first);
        p.end = core::formatDate(cell.range.last);
        p.count = cell.count();
        p.perScoreHidden = !cell.scoresShown();
        if (!p.perScoreHidden) {
            p.perScore = cell.counts.perScore;
            p.mean = cell.mean();
        }
        // Only the reasons whose count is shown are listed. A withheld one is
        // left out like one nobody named: listed as withheld, it would say that
        // somebody named it, a bound the rest of the table could turn into a
        // small group.
        for (const auto& [reason, count] : cell.counts.reasons) {
            if (count > 0 && cell.decision && cell.decision->reasonsShown.count(reason)) {
                p.reasons[reason] = count;
            }
        }
        if (series == kSiteSeries) {
            p.buddyRequests = cell.counts.buddyRequests;
        }
        if (p.mean && i > 0 && periods[i - 1].scoresShown()) {
            p.change = *p.mean - periods[i - 1].mean();
        }
        // The baseline: the periods with means shown among the kBaselinePeriods before.
        long long baselineCount = 0;
        double baselineSum = 0.0;
        int baselinePeriods = 0;
        for (std::size_t back = 1; back <= kBaselinePeriods && back <= i; ++back) {
            const Period& before = periods[i - back];
            if (before.scoresShown()) {
                baselineCount += before.count();
                baselineSum += before.mean() * before.count();
                ++baselinePeriods;
            }
        }
        p.drop = p.mean && baselinePeriods >= kMinBaselinePeriods &&
                 *p.mean <= baselineSum / static_cast<double>(baselineCount) - kDropPoints;
        summary.periods.push_back(std::move(p));
    }
    return summary;
}

}  // namespace carekiosk::collector
