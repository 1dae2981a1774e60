#include "carekiosk/collector/summary.hpp"

#include <algorithm>
#include <numeric>
#include <set>

#include "carekiosk/collector/anonymity.hpp"

namespace carekiosk::collector {

namespace {

using core::SummaryPeriod;

// One day, week or month of the table, with the counts before any rule.
struct Cell {
    core::PeriodRange range;
    SummaryPeriod level = SummaryPeriod::Day;
    std::array<int, core::kScoreCount> perScore{};
    std::map<std::string, int> reasons;
    int buddyRequests = 0;

    int count() const { return std::accumulate(perScore.begin(), perScore.end(), 0); }
    void add(const Cell& other) {
        for (std::size_t s = 0; s < perScore.size(); ++s) {
            perScore[s] += other.perScore[s];
        }
        for (const auto& [reason, n] : other.reasons) {
            reasons[reason] += n;
        }
        buddyRequests += other.buddyRequests;
    }
};

Cell emptyCell(SummaryPeriod level, std::int64_t day) {
    Cell cell;
    cell.range = core::periodContaining(level, day);
    cell.level = level;
    return cell;
}

// The days, weeks and months of [first, last] (whole months) and how they nest.
struct Table {
    std::vector<Cell> cells;
    std::vector<Relation> relations;
    std::size_t seriesSize = 0;  // cells per series (whole site, each team)
};

Table buildTable(std::int64_t first, std::int64_t last, const std::vector<DayCounts>& days) {
    Table table;
    for (std::int64_t day = first; day <= last; ++day) {
        table.cells.push_back(emptyCell(SummaryPeriod::Day, day));
    }
    for (const auto& counts : days) {
        if (counts.day < first || counts.day > last) {
            continue;
        }
        // Several entries for one day (one per team) add up.
        Cell part;
        part.perScore = counts.perScore;
        part.reasons = counts.reasons;
        part.buddyRequests = counts.buddyRequests;
        table.cells[static_cast<std::size_t>(counts.day - first)].add(part);
    }
    std::int64_t day = first;
    while (day <= last) {
        Relation month{table.cells.size(), {}};
        Cell monthCell = emptyCell(SummaryPeriod::Month, day);
        table.cells.push_back(monthCell);
        for (; day <= monthCell.range.last; day += 7) {
            Relation week{table.cells.size(), {}};
            Cell weekCell = emptyCell(SummaryPeriod::Week, day);
            for (std::int64_t d = day; d < day + 7; ++d) {
                const auto index = static_cast<std::size_t>(d - first);
                week.children.push_back(index);
                weekCell.add(table.cells[index]);
            }
            table.cells[month.parent].add(weekCell);
            month.children.push_back(week.parent);
            table.cells.push_back(std::move(weekCell));
            table.relations.push_back(std::move(week));
        }
        table.relations.push_back(std::move(month));
    }
    return table;
}

template <typename CountsOf>
std::vector<bool> withheld(const Table& table, int k, std::vector<bool> hidden, CountsOf countsOf) {
    std::vector<std::vector<int>> values;
    values.reserve(table.cells.size());
    for (const auto& cell : table.cells) {
        values.push_back(countsOf(cell));
    }
    protectCells(table.relations, values, k, hidden);
    return hidden;
}

double meanOf(const Cell& cell) {
    long long sum = 0;
    for (std::size_t s = 0; s < cell.perScore.size(); ++s) {
        sum += static_cast<long long>(s + 1) * cell.perScore[s];
    }
    return cell.count() > 0 ? static_cast<double>(sum) / cell.count() : 0.0;
}

}  // namespace

std::pair<std::int64_t, std::int64_t> summaryInputDays(const SummaryQuery& query) {
    auto earliest = core::periodContaining(query.period, query.fromDay);
    for (int i = 0; i < kBaselinePeriods; ++i) {
        earliest = core::periodContaining(query.period, earliest.first - 1);
    }
    return {core::periodContaining(SummaryPeriod::Month, earliest.first).first,
            core::periodContaining(SummaryPeriod::Month, query.toDay).last};
}

// The whole site's table, then one per team (when any check-in has a team),
// laid out alike, with "site = the sum of its teams" for every cell. Returns
// the combined table and the offset of each series' cells ("" + "*" for the
// whole site, the tag for a team, "" for untagged check-ins).
Table buildSeries(std::int64_t first, std::int64_t last, const std::vector<DayCounts>& days,
                  std::map<std::string, std::size_t>& offsets) {
    Table combined = buildTable(first, last, days);
    combined.seriesSize = combined.cells.size();
    offsets["*"] = 0;
    std::set<std::string> teams;
    for (const auto& counts : days) {
        teams.insert(counts.team);
    }
    if (teams.empty() || (teams.size() == 1 && teams.count("") == 1)) {
        return combined;
    }
    const std::size_t perSeries = combined.seriesSize;
    std::vector<std::size_t> starts;
    for (const auto& team : teams) {
        std::vector<DayCounts> own;
        for (const auto& counts : days) {
            if (counts.team == team) {
                own.push_back(counts);
            }
        }
        Table table = buildTable(first, last, own);
        const std::size_t start = combined.cells.size();
        offsets[team] = start;
        starts.push_back(start);
        for (auto& relation : table.relations) {
            relation.parent += start;
            for (auto& child : relation.children) {
                child += start;
            }
            combined.relations.push_back(std::move(relation));
        }
        std::move(table.cells.begin(), table.cells.end(), std::back_inserter(combined.cells));
    }
    for (std::size_t i = 0; i < perSeries; ++i) {
        Relation site{i, {}};
        for (auto start : starts) {
            site.children.push_back(start + i);
        }
        combined.relations.push_back(std::move(site));
    }
    return combined;
}

core::SiteSummary summarize(const SummaryQuery& query, const std::vector<DayCounts>& days) {
    const int k = effectiveMinGroup(query.minGroup);
    const auto [first, last] = summaryInputDays(query);
    std::map<std::string, std::size_t> offsets;
    const Table table = buildSeries(first, last, days, offsets);
    const std::size_t n = table.cells.size();

    // How many check-ins first; every other figure of a withheld cell goes too.
    const auto countHidden = withheld(table, k, std::vector<bool>(n, false),
                                      [](const Cell& c) { return std::vector<int>{c.count()}; });
    const auto scoresHidden = withheld(table, k, countHidden, [](const Cell& c) {
        return std::vector<int>(c.perScore.begin(), c.perScore.end());
    });
    std::set<std::string> reasonIds;
    for (const auto& cell : table.cells) {
        for (const auto& [reason, count] : cell.reasons) {
            reasonIds.insert(reason);
        }
    }
    // Reasons are multi-select and add up to no total, so each is a table of
    // its own.
    std::map<std::string, std::vector<bool>> reasonHidden;
    for (const auto& reason : reasonIds) {
        reasonHidden[reason] = withheld(table, k, countHidden, [&reason](const Cell& c) {
            const auto it = c.reasons.find(reason);
            return std::vector<int>{it == c.reasons.end() ? 0 : it->second};
        });
    }
    const auto buddyHidden = withheld(
        table, k, countHidden, [](const Cell& c) { return std::vector<int>{c.buddyRequests}; });

    const auto wantedFirst = core::periodContaining(query.period, query.fromDay).first;
    const auto wantedLast = core::periodContaining(query.period, query.toDay).last;
    core::SiteSummary summary;
    summary.siteId = query.siteId;
    summary.team = query.team;
    summary.period = std::string(core::periodName(query.period));
    summary.from = core::formatDate(wantedFirst);
    summary.to = core::formatDate(wantedLast);
    summary.minGroup = k;
    // The cells of the series asked for; none when no check-in has that team.
    const auto series = offsets.find(query.team.empty() ? "*" : query.team);
    if (series == offsets.end() || query.team == "*") {
        return summary;
    }
    const std::size_t seriesFirst = series->second;
    const std::size_t seriesEnd = seriesFirst + table.seriesSize;

    // Every period of the wanted kind in the table, oldest first, for the
    // change and the drop flag; only the shown ones (count not withheld, not
    // empty) are ever used.
    struct Shown {
        std::int64_t first;
        bool shown;
        double mean;
        int count;
    };
    std::vector<Shown> history;
    for (std::size_t i = seriesFirst; i < seriesEnd; ++i) {
        const Cell& cell = table.cells[i];
        if (cell.level != query.period) {
            continue;
        }
        history.push_back(
            {cell.range.first, !countHidden[i] && cell.count() > 0, meanOf(cell), cell.count()});
    }
    // Cells of one level are not stored in date order (weeks sit after their
    // month).
    std::sort(history.begin(), history.end(),
              [](const Shown& a, const Shown& b) { return a.first < b.first; });

    for (std::size_t i = seriesFirst; i < seriesEnd; ++i) {
        const Cell& cell = table.cells[i];
        if (cell.level != query.period || cell.range.first < wantedFirst ||
            cell.range.last > wantedLast || (cell.count() == 0 && cell.buddyRequests == 0)) {
            continue;
        }
        core::PeriodSummary p;
        p.period = cell.range.label;
        p.start = core::formatDate(cell.range.first);
        p.end = core::formatDate(cell.range.last);
        if (countHidden[i]) {
            p.suppressed = true;
            summary.periods.push_back(std::move(p));
            continue;
        }
        p.count = cell.count();
        p.mean = meanOf(cell);
        p.perScoreHidden = scoresHidden[i];
        if (!p.perScoreHidden) {
            p.perScore = cell.perScore;
        }
        for (const auto& [reason, count] : cell.reasons) {
            if (count > 0) {
                p.reasons[reason] =
                    reasonHidden[reason][i] ? std::nullopt : std::optional<int>(count);
            }
        }
        if (!buddyHidden[i]) {
            p.buddyRequests = cell.buddyRequests;
        }
        // history is sorted by first day and holds every period of this kind.
        const auto at =
            std::lower_bound(history.begin(), history.end(), cell.range.first,
                             [](const Shown& s, std::int64_t day) { return s.first < day; });
        const auto position = static_cast<std::size_t>(at - history.begin());
        if (p.count > 0 && position > 0 && history[position - 1].shown) {
            p.change = p.mean - history[position - 1].mean;
        }
        // The baseline: the shown periods among the kBaselinePeriods before.
        long long baselineCount = 0;
        double baselineSum = 0.0;
        int baselinePeriods = 0;
        for (std::size_t back = 1; back <= kBaselinePeriods && back <= position; ++back) {
            const auto& before = history[position - back];
            if (before.shown) {
                baselineCount += before.count;
                baselineSum += before.mean * before.count;
                ++baselinePeriods;
            }
        }
        p.drop = p.count > 0 && baselinePeriods >= kMinBaselinePeriods &&
                 p.mean <= baselineSum / static_cast<double>(baselineCount) - kDropPoints;
        summary.periods.push_back(std::move(p));
    }
    std::sort(summary.periods.begin(), summary.periods.end(),
              [](const auto& a, const auto& b) { return a.start < b.start; });
    return summary;
}

}  // namespace carekiosk::collector
