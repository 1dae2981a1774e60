#pragma once
// Release instead of live recomputation: how check-ins become published
// figures, once, never to change. Pure and thread-safe; Store::release
// (store_release.cpp) runs it inside one transaction and keeps its state.
//
// 1. A day's figures are released once that day has closed at the site and
//    uploads have settled: at the site's release time the next morning (06:00
//    site time by default). Until then nothing of that day is shown.
// 2. Pooling. On each release day, each team's check-ins waiting to be
//    released (untagged ones count as a team of their own) are released
//    together, as that day's, if they are at least k; otherwise they wait and
//    join the team's next release. So every released piece, one team's
//    release on one day, holds 0 or at least k check-ins, and so does every
//    sum of them: no count, and no difference of counts, can describe 1 to k-1
//    people. Buddy requests are pooled the same way, for the whole site.
// 3. Late check-ins (their day was released before their kiosk uploaded
//    them) wait in the same pool and are released with a later day: a
//    released figure never changes.
// 4. Score counts and reasons are decided per cell with the audit in
//    disclosure.hpp as cells are released: a day's cells on its release, a
//    week's when its Sunday is released, a month's with its last week.
//    Decisions are final.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "carekiosk/collector/disclosure.hpp"
#include "carekiosk/collector/summary.hpp"
#include "carekiosk/core/time_zone.hpp"

namespace carekiosk::collector {

inline constexpr int kDefaultReleaseMinute = 6 * 60;  // 06:00 site time

// Check-ins (and buddy requests) stored but not yet released, per team and
// day of their own, as the store keeps them.
struct Waiting {
    std::vector<DayCounts> checkIns;            // one entry per (team, day), team "" untagged
    std::map<std::int64_t, int> buddyRequests;  // per day
};

// What one release run does.
struct ReleasePlan {
    // Released pieces, per (team, release day); buddy requests as team "" with
    // only buddyRequests set, merged into the untagged piece of that day.
    std::vector<DayCounts> atoms;
    // The waiting entries released (to take off the waiting counts), as they
    // were given.
    std::vector<DayCounts> takenCheckIns;
    std::map<std::int64_t, int> takenBuddyRequests;
};

// Pools `waiting` over the release days (releasedThrough, lastDue]: entries
// of days up to releasedThrough are late and join on the first of those days.
// `k` is the smallest group. Entries of days after lastDue are left waiting.
ReleasePlan planRelease(const Waiting& waiting, std::int64_t releasedThrough, std::int64_t lastDue,
                        int k);

// The cells released when the site's days (releasedThrough, lastDue] are
// released, oldest first: each day's cells, then, after a Sunday, its week's,
// then, after a month's last day, the month's; for the site and each of
// `teams`. Only cells with released check-ins (`checkInsIn(team, first,
// last)` > 0, team kSiteSeries for the whole site) are listed: an empty cell
// has nothing to decide (all its figures are 0, and the audit cannot move
// anything through it).
struct ReleaseStep {
    std::vector<CellId> cells;  // the cells released now
    std::vector<CellId> ahead;  // their weeks and months, not released yet
};
std::vector<ReleaseStep> releaseSteps(
    std::int64_t releasedThrough, std::int64_t lastDue, const std::vector<std::string>& teams,
    const std::function<int(const std::string&, std::int64_t, std::int64_t)>& checkInsIn);

// Decides every cell the run (from, lastDue] releases (releaseSteps), for
// the score counts and for each reason, on top of `decisions` (what was
// decided before, for the months the run touches) and given `before` (the
// pieces released before in those months) and `fresh` (this run's pieces,
// ReleasePlan::atoms). `teams`: the site's team tags; tags found in the pieces
// join them. Returns the new decisions only. Each step is decided in turn
// with decideCells, so a day's cells are final before its week's.
std::map<CellId, CellDecision> decideRelease(const std::vector<DayCounts>& before,
                                             const std::map<CellId, CellDecision>& decisions,
                                             const std::vector<DayCounts>& fresh,
                                             const std::vector<std::string>& teams,
                                             std::int64_t from, std::int64_t lastDue, int k);

// The last day whose figures are due at `nowSeconds` (Unix seconds) for a
// site in `zone` releasing at `releaseMinute` past local midnight: day D is
// due once day D+1 has reached that time.
std::int64_t lastDueDay(const core::TimeZone& zone, int releaseMinute, std::int64_t nowSeconds);
// When day `day` is released (Unix seconds).
std::int64_t releaseInstant(const core::TimeZone& zone, int releaseMinute, std::int64_t day);

}  // namespace carekiosk::collector
