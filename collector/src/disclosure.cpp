#include "carekiosk/collector/disclosure.hpp"

#include <algorithm>
#include <deque>
#include <numeric>
#include <optional>

namespace carekiosk::collector {

namespace {

// The untagged series is never published: its cells are always free.
const std::string kUntagged;

// The month's cells and atoms as a flow network (see disclosure.hpp).
struct Network {
    struct Edge {
        int from = 0;
        int to = 0;
        CellId cell;              // what the edge stands for
        bool alwaysFree = false;  // untagged: never published
        std::vector<int> values;  // the true figures, per measure value
    };
    int nodes = 0;
    std::vector<Edge> edges;
    std::map<CellId, std::size_t> edgeOf;
};

Network buildNetwork(const MonthAtoms& table, const Measure& measure) {
    Network net;
    const auto node = [&net] { return net.nodes++; };
    const int root = node();
    const int month = node();
    const auto& range = table.month;
    const std::size_t width = measure.values(DayCounts{}).size();
    const auto addEdge = [&](int from, int to, CellId cell, bool alwaysFree) {
        net.edgeOf[cell] = net.edges.size();
        net.edges.push_back({from, to, std::move(cell), alwaysFree, std::vector<int>(width, 0)});
        return net.edges.size() - 1;
    };
    addEdge(root, month, {kSiteSeries, CellLevel::Month, range.first}, false);
    const int untagged = node();
    addEdge(untagged, root, {kUntagged, CellLevel::Month, range.first}, true);
    std::map<std::string, int> teamMonth;
    for (const auto& team : table.teams) {
        teamMonth[team] = node();
        addEdge(teamMonth[team], root, {team, CellLevel::Month, range.first}, false);
    }
    for (std::int64_t week = range.first; week <= range.last; week += 7) {
        const int weekNode = node();
        addEdge(month, weekNode, {kSiteSeries, CellLevel::Week, week}, false);
        std::map<std::string, int> teamWeek;
        for (const auto& team : table.teams) {
            teamWeek[team] = node();
            addEdge(teamWeek[team], teamMonth[team], {team, CellLevel::Week, week}, false);
        }
        for (std::int64_t day = week; day < week + 7; ++day) {
            const int dayNode = node();
            addEdge(weekNode, dayNode, {kSiteSeries, CellLevel::Day, day}, false);
            addEdge(dayNode, untagged, {kUntagged, CellLevel::Day, day}, true);
            for (const auto& team : table.teams) {
                addEdge(dayNode, teamWeek[team], {team, CellLevel::Day, day}, false);
            }
        }
    }
    // The true flows: each atom's values, added along the path it takes.
    for (const auto& [key, counts] : table.atoms) {
        const auto& [team, day] = key;
        if (day < range.first || day > range.last) {
            continue;
        }
        const bool tagged = std::binary_search(table.teams.begin(), table.teams.end(), team);
        const std::string series = tagged ? team : kUntagged;
        const auto values = measure.values(counts);
        const std::int64_t week = core::weekStart(day);
        const CellId path[] = {
            {kSiteSeries, CellLevel::Month, range.first},
            {kSiteSeries, CellLevel::Week, week},
            {kSiteSeries, CellLevel::Day, day},
            {series, CellLevel::Day, day},
            {series, CellLevel::Week, week},
            {series, CellLevel::Month, range.first},
        };
        for (const auto& cell : path) {
            const auto it = net.edgeOf.find(cell);
            if (it == net.edgeOf.end()) {
                continue;  // the untagged series has no week edges
            }
            auto& edge = net.edges[it->second];
            for (std::size_t i = 0; i < width; ++i) {
                edge.values[i] += values[i];
            }
        }
    }
    return net;
}

// How far the figure `audited` of edge `target` can grow, up to `need`, with
// the edges in `free` free and the others fixed. Each unit of growth is a
// cycle: the target edge, then a path of free edges from its head back to its
// tail. Along the cycle the figure rises on edges taken forward and falls on
// edges taken backward, and to keep every count as published one other value
// `other` of the same vector falls and rises the other way round, on the
// target too. So an edge taken forward needs `other` left on it, one taken
// backward needs the figure left on it. The other values are tried one after
// another (a cycle for each), which finds no more growth than is really
// possible. On failure `reachable` holds, for the last value tried, the nodes
// the search reached: one side of the cut that blocks it.
long long growth(const Network& net, std::size_t audited, const std::vector<bool>& free,
                 std::size_t target, long long need, std::vector<bool>& reachable) {
    const std::size_t width = net.edges[target].values.size();
    std::vector<std::vector<long long>> delta(width, std::vector<long long>(net.edges.size(), 0));
    const auto left = [&](std::size_t value, std::size_t e) {
        return net.edges[e].values[value] + delta[value][e];
    };
    // For each node, (edge index, forward?), over the free edges but the target.
    std::vector<std::vector<std::pair<std::size_t, bool>>> adjacent(
        static_cast<std::size_t>(net.nodes));
    for (std::size_t e = 0; e < net.edges.size(); ++e) {
        if (e == target || !free[e]) {
            continue;
        }
        adjacent[static_cast<std::size_t>(net.edges[e].from)].emplace_back(e, true);
        adjacent[static_cast<std::size_t>(net.edges[e].to)].emplace_back(e, false);
    }
    const int source = net.edges[target].to;
    const int sink = net.edges[target].from;
    reachable.assign(static_cast<std::size_t>(net.nodes), false);
    long long grown = 0;
    for (std::size_t other = 0; other < width && grown < need; ++other) {
        if (other == audited) {
            continue;
        }
        while (grown < need && left(other, target) > 0) {
            std::vector<std::optional<std::pair<std::size_t, bool>>> via(
                static_cast<std::size_t>(net.nodes));
            reachable.assign(static_cast<std::size_t>(net.nodes), false);
            reachable[static_cast<std::size_t>(source)] = true;
            std::deque<int> queue{source};
            while (!queue.empty() && !reachable[static_cast<std::size_t>(sink)]) {
                const int at = queue.front();
                queue.pop_front();
                for (const auto& [e, forward] : adjacent[static_cast<std::size_t>(at)]) {
                    const int next = forward ? net.edges[e].to : net.edges[e].from;
                    if (reachable[static_cast<std::size_t>(next)] ||
                        left(forward ? other : audited, e) <= 0) {
                        continue;
                    }
                    reachable[static_cast<std::size_t>(next)] = true;
                    via[static_cast<std::size_t>(next)] = std::make_pair(e, forward);
                    queue.push_back(next);
                }
            }
            if (!reachable[static_cast<std::size_t>(sink)]) {
                break;  // no more with this value; try the next
            }
            long long step = std::min(need - grown, left(other, target));
            for (int at = sink; at != source;) {
                const auto [e, forward] = *via[static_cast<std::size_t>(at)];
                step = std::min(step, left(forward ? other : audited, e));
                at = forward ? net.edges[e].from : net.edges[e].to;
            }
            for (int at = sink; at != source;) {
                const auto [e, forward] = *via[static_cast<std::size_t>(at)];
                delta[audited][e] += forward ? step : -step;
                delta[other][e] += forward ? -step : step;
                at = forward ? net.edges[e].from : net.edges[e].to;
            }
            delta[audited][target] += step;
            delta[other][target] -= step;
            grown += step;
        }
    }
    return grown;
}

std::vector<bool> freeEdges(const Network& net, const std::map<CellId, CellState>& states) {
    std::vector<bool> free(net.edges.size(), true);
    for (std::size_t e = 0; e < net.edges.size(); ++e) {
        const auto& edge = net.edges[e];
        if (edge.alwaysFree) {
            continue;
        }
        const auto it = states.find(edge.cell);
        free[e] = it == states.end() || it->second != CellState::Shown;
    }
    return free;
}

struct Violation {
    std::size_t edge = 0;
    // Fixed edges across the cut that blocked it: freeing one of them could help.
    std::vector<std::size_t> blocking;
};

// The first free edge with a value of at least 1 that cannot reach k, if any.
std::optional<Violation> findViolation(const Network& net, std::size_t audited,
                                       const std::vector<bool>& free, int k) {
    std::vector<bool> reachable;
    for (std::size_t e = 0; e < net.edges.size(); ++e) {
        if (!free[e]) {
            continue;
        }
        for (std::size_t i = 0; i < audited; ++i) {
            const int value = net.edges[e].values[i];
            if (value < 1 || value >= k) {
                continue;
            }
            if (growth(net, i, free, e, k - value, reachable) >= k - value) {
                continue;
            }
            Violation v{e, {}};
            for (std::size_t other = 0; other < net.edges.size(); ++other) {
                const auto& edge = net.edges[other];
                if (free[other] || other == e) {
                    continue;
                }
                const bool outward = reachable[static_cast<std::size_t>(edge.from)] &&
                                     !reachable[static_cast<std::size_t>(edge.to)];
                const bool inward = !reachable[static_cast<std::size_t>(edge.from)] &&
                                    reachable[static_cast<std::size_t>(edge.to)];
                if (outward || inward) {
                    v.blocking.push_back(other);
                }
            }
            return v;
        }
    }
    return std::nullopt;
}

bool anySmall(const std::vector<int>& values, std::size_t audited, int k) {
    return std::any_of(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(audited),
                       [k](int n) { return n > 0 && n < k; });
}

// The edge's number of check-ins: its values add up to it.
int totalOf(const Network& net, std::size_t edge) {
    const auto& values = net.edges[edge].values;
    return std::accumulate(values.begin(), values.end(), 0);
}

// Tries to show the candidates not already withheld in `trial`, withholding
// the smallest blocking candidate while a violation remains. `fixedAhead`:
// cells treated as shown for this try. Returns whether it ended safe.
bool settle(const Network& net, std::size_t audited, std::map<CellId, CellState>& trial,
            const std::set<CellId>& candidates, const std::vector<CellId>& fixedAhead, int k) {
    while (true) {
        auto assumed = trial;
        for (const auto& cell : fixedAhead) {
            assumed[cell] = CellState::Shown;
        }
        const auto violation = findViolation(net, audited, freeEdges(net, assumed), k);
        if (!violation) {
            return true;
        }
        std::optional<std::size_t> pick;
        for (auto e : violation->blocking) {
            const auto& cell = net.edges[e].cell;
            if (!candidates.count(cell) || trial[cell] != CellState::Shown) {
                continue;
            }
            if (!pick || totalOf(net, e) < totalOf(net, *pick) ||
                (totalOf(net, e) == totalOf(net, *pick) && cell < net.edges[*pick].cell)) {
                pick = e;
            }
        }
        if (!pick) {
            return false;
        }
        trial[net.edges[*pick].cell] = CellState::Withheld;
    }
}

}  // namespace

int minBreakdown(int k) {
    return 2 * k - 1;
}

Measure scoresMeasure() {
    return {[](const DayCounts& counts) {
                return std::vector<int>(counts.perScore.begin(), counts.perScore.end());
            },
            core::kScoreCount};
}

Measure reasonMeasure(const std::string& reason) {
    return {[reason](const DayCounts& counts) {
                const auto it = counts.reasons.find(reason);
                const int named = it == counts.reasons.end() ? 0 : it->second;
                const int all = std::accumulate(counts.perScore.begin(), counts.perScore.end(), 0);
                return std::vector<int>{named, all - named};
            },
            // Both are published once the count is: "7 check-ins, 5 named
            // workload" describes the 2 who did not, so both are audited.
            2};
}

std::vector<CellId> cellsOf(const MonthAtoms& table) {
    std::vector<CellId> cells;
    std::vector<std::string> series{kSiteSeries};
    series.insert(series.end(), table.teams.begin(), table.teams.end());
    for (const auto& team : series) {
        cells.push_back({team, CellLevel::Month, table.month.first});
        for (std::int64_t week = table.month.first; week <= table.month.last; week += 7) {
            cells.push_back({team, CellLevel::Week, week});
            for (std::int64_t day = week; day < week + 7; ++day) {
                cells.push_back({team, CellLevel::Day, day});
            }
        }
    }
    return cells;
}

std::vector<int> cellValues(const MonthAtoms& table, const Measure& measure, const CellId& cell) {
    const Network net = buildNetwork(table, measure);
    const auto it = net.edgeOf.find(cell);
    return it == net.edgeOf.end() ? measure.values(DayCounts{}) : net.edges[it->second].values;
}

std::vector<CellId> pinnedCells(const MonthAtoms& table, const Measure& measure,
                                const std::map<CellId, CellState>& states, int k) {
    const Network net = buildNetwork(table, measure);
    const auto free = freeEdges(net, states);
    std::vector<CellId> pinned;
    std::vector<bool> reachable;
    for (std::size_t e = 0; e < net.edges.size(); ++e) {
        if (!free[e]) {
            continue;
        }
        for (std::size_t i = 0; i < measure.audited; ++i) {
            const int value = net.edges[e].values[i];
            if (value >= 1 && value < k &&
                growth(net, i, free, e, k - value, reachable) < k - value) {
                pinned.push_back(net.edges[e].cell);
                break;
            }
        }
    }
    return pinned;
}

std::map<CellId, CellState> decideCells(const MonthAtoms& table, const Measure& measure,
                                        std::map<CellId, CellState> states,
                                        const std::vector<CellId>& candidates,
                                        const std::vector<CellId>& ahead, int k) {
    const Network net = buildNetwork(table, measure);
    std::set<CellId> mine;
    for (const auto& cell : candidates) {
        const auto it = net.edgeOf.find(cell);
        if (it == net.edgeOf.end()) {
            continue;  // not in this month
        }
        mine.insert(cell);
        // A cell too small for a breakdown is withheld whatever its values,
        // so that, for cells of that size, being withheld says nothing.
        const int checkIns = totalOf(net, it->second);
        states[cell] =
            checkIns < minBreakdown(k) || anySmall(net.edges[it->second].values, measure.audited, k)
                ? CellState::Withheld
                : CellState::Shown;
    }
    std::vector<CellId> aheadHere;
    for (const auto& cell : ahead) {
        const auto it = states.find(cell);
        if (net.edgeOf.count(cell) && !mine.count(cell) &&
            (it == states.end() || it->second == CellState::Unreleased)) {
            aheadHere.push_back(cell);
        }
    }
    // First as if the cells ahead were already shown, then as things stand.
    const std::vector<CellId> none;
    const std::vector<CellId>* tries[] = {&aheadHere, &none};
    for (const std::vector<CellId>* fixed : tries) {
        if (fixed == &aheadHere && aheadHere.empty()) {
            continue;
        }
        auto trial = states;
        if (settle(net, measure.audited, trial, mine, *fixed, k)) {
            return trial;
        }
    }
    for (const auto& cell : mine) {
        states[cell] = CellState::Withheld;
    }
    return states;
}

}  // namespace carekiosk::collector
