#pragma once
// The collector's releases run in memory, as Store::release runs them on a
// database: check-ins wait per (team, day), each run pools and releases the
// days due (planRelease), decides what the new cells show (decideRelease),
// and summaries are drawn from what was released (summarize). For the pure
// tests and the fuzz harness, which need no database. Header-only.

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "carekiosk/collector/release.hpp"
#include "carekiosk/collector/summary.hpp"

namespace carekiosk::testing {

class ReleaseModel {
  public:
    explicit ReleaseModel(int k, std::vector<std::string> teams = {})
        : k_(k), teams_(std::move(teams)) {}

    // Check-ins of `team` on `day` ("" untagged), as a kiosk would upload them.
    void add(const std::string& team, std::int64_t day, const std::array<int, 5>& perScore,
             const std::map<std::string, int>& reasons = {}) {
        auto& entry = waiting_[{team, day}];
        entry.team = team;
        entry.day = day;
        for (std::size_t s = 0; s < perScore.size(); ++s) {
            entry.perScore[s] += perScore[s];
        }
        for (const auto& [reason, n] : reasons) {
            entry.reasons[reason] += n;
        }
    }
    void addBuddyRequests(std::int64_t day, int n) { buddy_[day] += n; }

    // A release run that releases every day up to `lastDue`.
    void releaseThrough(std::int64_t lastDue) {
        if (lastDue <= releasedThrough_) {
            return;
        }
        collector::Waiting waiting;
        for (const auto& [key, entry] : waiting_) {
            if (entry.day <= lastDue) {
                waiting.checkIns.push_back(entry);
            }
        }
        waiting.buddyRequests = buddy_;
        std::int64_t from = releasedThrough_;
        if (from < 0) {
            from = lastDue;
            for (const auto& entry : waiting.checkIns) {
                from = std::min(from, entry.day - 1);
            }
            for (const auto& [day, n] : waiting.buddyRequests) {
                from = std::min(from, day - 1);
            }
        }
        const auto plan = collector::planRelease(waiting, from, lastDue, k_);
        const auto fresh =
            collector::decideRelease(atoms_, decisions_, plan.atoms, teams_, from, lastDue, k_);
        for (const auto& taken : plan.takenCheckIns) {
            waiting_.erase({taken.team, taken.day});
        }
        for (const auto& [day, n] : plan.takenBuddyRequests) {
            if ((buddy_[day] -= n) <= 0) {
                buddy_.erase(day);
            }
        }
        atoms_.insert(atoms_.end(), plan.atoms.begin(), plan.atoms.end());
        for (const auto& [cell, decision] : fresh) {
            decisions_[cell] = decision;
        }
        releasedThrough_ = lastDue;
    }

    collector::Released released() const {
        collector::Released r;
        r.releasedThrough = releasedThrough_;
        r.atoms = atoms_;
        r.decisions = decisions_;
        return r;
    }
    core::SiteSummary summary(core::SummaryPeriod period, std::int64_t from, std::int64_t to,
                              const std::string& team = {}) const {
        return collector::summarize({"leeds", period, from, to, k_, team}, released());
    }

    const std::vector<collector::DayCounts>& atoms() const { return atoms_; }
    const std::map<collector::CellId, collector::CellDecision>& decisions() const {
        return decisions_;
    }
    std::vector<std::string> teams() const {
        std::vector<std::string> all = teams_;
        for (const auto& atom : atoms_) {
            if (!atom.team.empty() && std::find(all.begin(), all.end(), atom.team) == all.end()) {
                all.push_back(atom.team);
            }
        }
        std::sort(all.begin(), all.end());
        return all;
    }
    // Check-ins stored but not released yet.
    int waitingCheckIns() const {
        int n = 0;
        for (const auto& [key, entry] : waiting_) {
            for (int c : entry.perScore) {
                n += c;
            }
        }
        return n;
    }

  private:
    int k_;
    std::vector<std::string> teams_;
    std::map<std::pair<std::string, std::int64_t>, collector::DayCounts> waiting_;
    std::map<std::int64_t, int> buddy_;
    std::vector<collector::DayCounts> atoms_;
    std::map<collector::CellId, collector::CellDecision> decisions_;
    std::int64_t releasedThrough_ = -1;
};

// Whether everything `model` released is safe under the audit, for every
// measure of every month: the withheld or unreleased cells whose figure no
// flow lets reach k. Empty when safe.
inline std::vector<std::pair<std::string, collector::CellId>> pinnedFigures(
    const ReleaseModel& model, int k) {
    std::map<std::int64_t, collector::MonthAtoms> months;
    std::set<std::string> reasons;
    for (const auto& atom : model.atoms()) {
        const auto range = core::periodContaining(core::SummaryPeriod::Month, atom.day);
        auto& table = months[range.first];
        table.month = range;
        table.teams = model.teams();
        table.atoms[{atom.team, atom.day}] = atom;
        for (const auto& [reason, n] : atom.reasons) {
            reasons.insert(reason);
        }
    }
    std::vector<std::pair<std::string, collector::CellId>> pinned;
    for (const auto& [first, table] : months) {
        std::map<collector::CellId, collector::CellState> scores;
        std::map<std::string, std::map<collector::CellId, collector::CellState>> byReason;
        for (const auto& [cell, decision] : model.decisions()) {
            scores[cell] =
                decision.scoresShown ? collector::CellState::Shown : collector::CellState::Withheld;
            for (const auto& reason : reasons) {
                byReason[reason][cell] = decision.reasonsShown.count(reason)
                                             ? collector::CellState::Shown
                                             : collector::CellState::Withheld;
            }
        }
        for (const auto& cell :
             collector::pinnedCells(table, collector::scoresMeasure(), scores, k)) {
            pinned.emplace_back("scores", cell);
        }
        for (const auto& reason : reasons) {
            for (const auto& cell : collector::pinnedCells(table, collector::reasonMeasure(reason),
                                                           byReason[reason], k)) {
                pinned.emplace_back(reason, cell);
            }
        }
    }
    return pinned;
}

}  // namespace carekiosk::testing
