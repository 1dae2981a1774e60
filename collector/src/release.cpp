#include "carekiosk/collector/release.hpp"

#include <algorithm>
#include <numeric>
#include <set>

namespace carekiosk::collector {

namespace {

int checkInsOf(const DayCounts& counts) {
    return std::accumulate(counts.perScore.begin(), counts.perScore.end(), 0);
}

void addInto(DayCounts& into, const DayCounts& part) {
    for (std::size_t s = 0; s < into.perScore.size(); ++s) {
        into.perScore[s] += part.perScore[s];
    }
    for (const auto& [reason, n] : part.reasons) {
        into.reasons[reason] += n;
    }
    into.buddyRequests += part.buddyRequests;
}

}  // namespace

ReleasePlan planRelease(const Waiting& waiting, std::int64_t releasedThrough, std::int64_t lastDue,
                        int k) {
    const std::int64_t firstDay = releasedThrough + 1;
    ReleasePlan plan;
    if (lastDue < firstDay) {
        return plan;
    }
    // The day each entry joins its pool: its own, or the first release day
    // of this run when its own was released already (late).
    const auto joins = [firstDay](std::int64_t day) { return std::max(day, firstDay); };
    std::map<std::pair<std::string, std::int64_t>, DayCounts> atoms;

    // Check-ins, team by team, day by day.
    std::map<std::string, std::vector<const DayCounts*>> byTeam;
    for (const auto& entry : waiting.checkIns) {
        if (entry.day <= lastDue) {
            byTeam[entry.team].push_back(&entry);
        }
    }
    for (auto& [team, entries] : byTeam) {
        std::stable_sort(entries.begin(), entries.end(), [&](const auto* a, const auto* b) {
            return joins(a->day) < joins(b->day);
        });
        DayCounts pool;
        std::vector<const DayCounts*> pooled;
        for (std::size_t i = 0; i < entries.size(); ++i) {
            addInto(pool, *entries[i]);
            pooled.push_back(entries[i]);
            const std::int64_t day = joins(entries[i]->day);
            const bool lastOfDay = i + 1 == entries.size() || joins(entries[i + 1]->day) != day;
            if (!lastOfDay || checkInsOf(pool) < k) {
                continue;
            }
            pool.team = team;
            pool.day = day;
            pool.buddyRequests = 0;
            atoms[{team, day}] = pool;
            for (const auto* taken : pooled) {
                plan.takenCheckIns.push_back(*taken);
            }
            pool = DayCounts{};
            pooled.clear();
        }
    }

    // Buddy requests, for the whole site, the same way. The map is in day
    // order, so late days (all joining on firstDay) come first.
    int buddyPool = 0;
    std::map<std::int64_t, int> buddyPooled;
    for (auto it = waiting.buddyRequests.begin(); it != waiting.buddyRequests.end(); ++it) {
        const auto& [day, n] = *it;
        if (day > lastDue || n <= 0) {
            continue;
        }
        buddyPool += n;
        buddyPooled[day] += n;
        const auto following = std::next(it);
        const bool lastOfDay = following == waiting.buddyRequests.end() ||
                               following->first > lastDue || joins(following->first) != joins(day);
        if (!lastOfDay || buddyPool < k) {
            continue;
        }
        auto& atom = atoms[{std::string(), joins(day)}];
        atom.team = std::string();
        atom.day = joins(day);
        atom.buddyRequests = buddyPool;
        for (const auto& [taken, count] : buddyPooled) {
            plan.takenBuddyRequests[taken] += count;
        }
        buddyPool = 0;
        buddyPooled.clear();
    }
    for (auto& [key, atom] : atoms) {
        plan.atoms.push_back(std::move(atom));
    }
    return plan;
}

std::vector<ReleaseStep> releaseSteps(
    std::int64_t releasedThrough, std::int64_t lastDue, const std::vector<std::string>& teams,
    const std::function<int(const std::string&, std::int64_t, std::int64_t)>& checkInsIn) {
    std::vector<std::string> series{kSiteSeries};
    series.insert(series.end(), teams.begin(), teams.end());
    std::vector<ReleaseStep> steps;
    // Days without anything released cannot add cells; only they, and the
    // weeks and months that end on them, are visited.
    for (std::int64_t day = releasedThrough + 1; day <= lastDue; ++day) {
        const auto week = core::periodContaining(core::SummaryPeriod::Week, day);
        const auto month = core::periodContaining(core::SummaryPeriod::Month, day);
        const bool weekEnds = day == week.last;
        const bool monthEnds = day == month.last;
        if (!weekEnds && !monthEnds && checkInsIn(kSiteSeries, day, day) == 0) {
            continue;
        }
        const auto stepFor = [&](CellLevel level, const core::PeriodRange& range) {
            ReleaseStep step;
            for (const auto& team : series) {
                if (checkInsIn(team, range.first, range.last) > 0) {
                    step.cells.push_back({team, level, range.first});
                }
            }
            for (const auto& team : series) {
                if (level < CellLevel::Week && !weekEnds) {
                    step.ahead.push_back({team, CellLevel::Week, week.first});
                }
                if (level < CellLevel::Month && !monthEnds) {
                    step.ahead.push_back({team, CellLevel::Month, month.first});
                }
            }
            if (!step.cells.empty()) {
                steps.push_back(std::move(step));
            }
        };
        stepFor(CellLevel::Day, {core::formatDate(day), day, day});
        if (weekEnds) {
            stepFor(CellLevel::Week, week);
        }
        if (monthEnds) {
            stepFor(CellLevel::Month, month);
        }
    }
    return steps;
}

std::map<CellId, CellDecision> decideRelease(const std::vector<DayCounts>& before,
                                             const std::map<CellId, CellDecision>& earlier,
                                             const std::vector<DayCounts>& fresh,
                                             const std::vector<std::string>& teams,
                                             std::int64_t from, std::int64_t lastDue, int k) {
    std::set<std::string> teamSet(teams.begin(), teams.end());
    for (const auto* pieces : {&before, &fresh}) {
        for (const auto& atom : *pieces) {
            if (!atom.team.empty()) {
                teamSet.insert(atom.team);
            }
        }
    }
    const std::vector<std::string> teamList(teamSet.begin(), teamSet.end());

    // One table per month for the audit, holding its pieces old and new.
    std::map<std::int64_t, MonthAtoms> months;
    const auto monthOf = [&](std::int64_t day) -> MonthAtoms& {
        const auto range = core::periodContaining(core::SummaryPeriod::Month, day);
        auto [it, added] = months.try_emplace(range.first);
        if (added) {
            it->second.month = range;
            it->second.teams = teamList;
        }
        return it->second;
    };
    for (const auto* pieces : {&before, &fresh}) {
        for (const auto& atom : *pieces) {
            auto& into = monthOf(atom.day).atoms[{atom.team, atom.day}];
            into.team = atom.team;
            into.day = atom.day;
            addInto(into, atom);
        }
    }
    // How many check-ins (or, given a reason, namings of it) a cell holds.
    const auto countIn = [&](const std::string& team, std::int64_t first, std::int64_t last,
                             const std::string* reason) {
        int n = 0;
        for (const auto& [key, atom] : monthOf(first).atoms) {
            if (key.second < first || key.second > last ||
                (team != kSiteSeries && team != key.first)) {
                continue;
            }
            if (!reason) {
                n += checkInsOf(atom);
            } else if (const auto it = atom.reasons.find(*reason); it != atom.reasons.end()) {
                n += it->second;
            }
        }
        return n;
    };
    const auto lastDayOf = [](const CellId& cell) {
        const auto kind = cell.level == CellLevel::Day    ? core::SummaryPeriod::Day
                          : cell.level == CellLevel::Week ? core::SummaryPeriod::Week
                                                          : core::SummaryPeriod::Month;
        return core::periodContaining(kind, cell.first).last;
    };

    std::map<CellId, CellDecision> decisions = earlier;
    std::map<CellId, CellDecision> decided;
    const auto steps =
        releaseSteps(from, lastDue, teamList,
                     [&](const std::string& team, std::int64_t first, std::int64_t last) {
                         return countIn(team, first, last, nullptr);
                     });
    for (const auto& step : steps) {
        const MonthAtoms& table = monthOf(step.cells.front().first);
        // The score counts: five values decided together.
        std::map<CellId, CellState> scoreStates;
        for (const auto& [cell, decision] : decisions) {
            scoreStates[cell] = decision.scoresShown ? CellState::Shown : CellState::Withheld;
        }
        scoreStates =
            decideCells(table, scoresMeasure(), std::move(scoreStates), step.cells, step.ahead, k);
        for (const auto& cell : step.cells) {
            decisions[cell].scoresShown = scoreStates[cell] == CellState::Shown;
        }
        // Each reason named in the month, on its own.
        std::set<std::string> names;
        for (const auto& [key, atom] : table.atoms) {
            for (const auto& [name, n] : atom.reasons) {
                if (n > 0) {
                    names.insert(name);
                }
            }
        }
        for (const auto& name : names) {
            std::map<CellId, CellState> states;
            for (const auto& [cell, decision] : decisions) {
                states[cell] =
                    decision.reasonsShown.count(name) ? CellState::Shown : CellState::Withheld;
            }
            for (const auto& cell : step.cells) {
                states.erase(cell);  // not decided for this reason yet
            }
            states = decideCells(table, reasonMeasure(name), std::move(states), step.cells,
                                 step.ahead, k);
            for (const auto& cell : step.cells) {
                if (states[cell] == CellState::Shown &&
                    countIn(cell.team, cell.first, lastDayOf(cell), &name) > 0) {
                    decisions[cell].reasonsShown.insert(name);
                }
            }
        }
        for (const auto& cell : step.cells) {
            decided[cell] = decisions[cell];
        }
    }
    return decided;
}

std::int64_t lastDueDay(const core::TimeZone& zone, int releaseMinute, std::int64_t nowSeconds) {
    // Today's day is due once tomorrow reaches the release time: so the
    // newest due day is yesterday if today has reached it, else the day before.
    const std::int64_t today = zone.localDay(nowSeconds);
    return nowSeconds >= zone.instantOf(today, releaseMinute) ? today - 1 : today - 2;
}

std::int64_t releaseInstant(const core::TimeZone& zone, int releaseMinute, std::int64_t day) {
    return zone.instantOf(day + 1, releaseMinute);
}

}  // namespace carekiosk::collector
