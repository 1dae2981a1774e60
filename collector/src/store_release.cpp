// The store's side of releases (release.hpp): site calendars, the release run
// and reading what was released. The pure parts (pooling, the audit) live in
// release.cpp and disclosure.cpp; this file only moves their input and output
// between them and the database, in one transaction per run.
#include <algorithm>
#include <set>

#include "carekiosk/collector/anonymity.hpp"
#include "carekiosk/collector/release.hpp"
#include "carekiosk/collector/store.hpp"

namespace carekiosk::collector {

using core::ErrorCode;
using core::makeError;
using sql::Transaction;

namespace {

std::int64_t unixNow(const core::Clock& clock) {
    return std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
}

using SiteCalendar = Store::SiteCalendar;

Result<SiteCalendar> readCalendar(sql::Connection& db, const std::string& siteId) {
    CAREKIOSK_TRY_LET(
        stmt,
        db.prepare(
            "SELECT time_zone, release_minute, released_through FROM sites WHERE site_id = ?"));
    CAREKIOSK_TRY_LET(row, stmt->bind(1, siteId).step());
    if (!row.value()) {
        return makeError(
            ErrorCode::NotFound,
            "site " + siteId + " does not exist; see `carekiosk-collector admin create-site`",
            "site");
    }
    SiteCalendar calendar;
    auto zone = core::TimeZone::named(stmt->columnText(0));
    if (!zone) {
        // Set through setSiteCalendar, which checks it: only a machine without
        // the zone in its tzdata gets here. Say so rather than use UTC.
        auto error = zone.error();
        error.message = "site " + siteId + ": " + error.message;
        return error;
    }
    calendar.zone = zone.value();
    calendar.releaseMinute = static_cast<int>(stmt->columnInt(1));
    calendar.releasedThrough = stmt->columnInt(2);
    return calendar;
}

// Released pieces and decisions of one site over [first, last], read on `db`.
Status readReleased(sql::Connection& db, const std::string& siteId, std::int64_t first,
                    std::int64_t last, std::vector<DayCounts>& atoms,
                    std::map<CellId, CellDecision>& decisions) {
    std::map<std::pair<std::string, std::int64_t>, DayCounts> byKey;
    auto scores = db.prepare(
        "SELECT team, day, score, count FROM released_scores WHERE site_id = ? AND day >= ? AND "
        "day <= ?");
    auto reasons = db.prepare(
        "SELECT team, day, reason, count FROM released_reasons WHERE site_id = ? AND day >= ? "
        "AND day <= ?");
    auto buddies = db.prepare(
        "SELECT day, count FROM released_buddies WHERE site_id = ? AND day >= ? AND day <= ?");
    auto cells = db.prepare(
        "SELECT team, level, first_day, scores_shown FROM release_decisions WHERE site_id = ? "
        "AND first_day >= ? AND first_day <= ?");
    auto shown = db.prepare(
        "SELECT team, level, first_day, reason FROM release_reasons_shown WHERE site_id = ? "
        "AND first_day >= ? AND first_day <= ?");
    for (auto* stmt : {&scores, &reasons, &buddies, &cells, &shown}) {
        if (!*stmt) {
            return stmt->error();
        }
        (*stmt)->bind(1, siteId).bind(2, first).bind(3, last);
    }
    auto status = sql::forEachRow(scores.value(), [&] {
        auto& atom = byKey[{scores->columnText(0), scores->columnInt(1)}];
        atom.perScore[static_cast<std::size_t>(scores->columnInt(2) - 1)] =
            static_cast<int>(scores->columnInt(3));
    });
    if (status) {
        status = sql::forEachRow(reasons.value(), [&] {
            byKey[{reasons->columnText(0), reasons->columnInt(1)}].reasons[reasons->columnText(2)] =
                static_cast<int>(reasons->columnInt(3));
        });
    }
    if (status) {
        status = sql::forEachRow(buddies.value(), [&] {
            byKey[{std::string(), buddies->columnInt(0)}].buddyRequests =
                static_cast<int>(buddies->columnInt(1));
        });
    }
    const auto cellOf = [](sql::Statement& stmt) {
        return CellId{stmt.columnText(0), static_cast<CellLevel>(stmt.columnInt(1)),
                      stmt.columnInt(2)};
    };
    if (status) {
        status = sql::forEachRow(cells.value(), [&] {
            decisions[cellOf(cells.value())].scoresShown = cells->columnInt(3) != 0;
        });
    }
    if (status) {
        status = sql::forEachRow(shown.value(), [&] {
            decisions[cellOf(shown.value())].reasonsShown.insert(shown->columnText(3));
        });
    }
    if (!status) {
        return status;
    }
    for (auto& [key, atom] : byKey) {
        atom.team = key.first;
        atom.day = key.second;
        atoms.push_back(std::move(atom));
    }
    return {};
}

// What waits to be released for the site up to `lastDue`: one statement, so
// that on PostgreSQL it is one snapshot (a batch's check-ins and their
// reasons arrive together or not at all).
Result<Waiting> readWaiting(sql::Connection& db, const std::string& siteId, std::int64_t lastDue) {
    auto stmt = db.prepare(
        "SELECT 0, day, team, score, '', waiting FROM day_scores "
        "WHERE site_id = ? AND waiting > 0 AND day <= ? "
        "UNION ALL SELECT 1, day, team, 0, reason, waiting FROM day_reasons "
        "WHERE site_id = ? AND waiting > 0 AND day <= ? "
        "UNION ALL SELECT 2, day, '', 0, '', waiting FROM buddy_counts "
        "WHERE site_id = ? AND waiting > 0 AND day <= ?");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, siteId)
        .bind(2, lastDue)
        .bind(3, siteId)
        .bind(4, lastDue)
        .bind(5, siteId)
        .bind(6, lastDue);
    std::map<std::pair<std::string, std::int64_t>, DayCounts> byKey;
    Waiting waiting;
    auto status = sql::forEachRow(stmt.value(), [&] {
        const auto kind = stmt->columnInt(0);
        const auto day = stmt->columnInt(1);
        const int n = static_cast<int>(stmt->columnInt(5));
        if (kind == 2) {
            waiting.buddyRequests[day] += n;
            return;
        }
        auto& entry = byKey[{stmt->columnText(2), day}];
        if (kind == 0) {
            entry.perScore[static_cast<std::size_t>(stmt->columnInt(3) - 1)] += n;
        } else {
            entry.reasons[stmt->columnText(4)] += n;
        }
    });
    if (!status) {
        return status.error();
    }
    for (auto& [key, entry] : byKey) {
        entry.team = key.first;
        entry.day = key.second;
        waiting.checkIns.push_back(std::move(entry));
    }
    return waiting;
}

// Takes what `plan` released off the waiting counts. Subtracting what was read
// (rather than setting 0) keeps check-ins stored since then waiting.
Status takeWaiting(sql::Connection& db, const std::string& siteId, const ReleasePlan& plan) {
    auto score = db.prepare(
        "UPDATE day_scores SET waiting = waiting - ? WHERE site_id = ? AND day = ? AND team = ? "
        "AND score = ?");
    auto reason = db.prepare(
        "UPDATE day_reasons SET waiting = waiting - ? WHERE site_id = ? AND day = ? AND team = ? "
        "AND reason = ?");
    auto buddy =
        db.prepare("UPDATE buddy_counts SET waiting = waiting - ? WHERE site_id = ? AND day = ?");
    if (!score || !reason || !buddy) {
        return !score ? score.error() : !reason ? reason.error() : buddy.error();
    }
    for (const auto& entry : plan.takenCheckIns) {
        for (std::size_t s = 0; s < entry.perScore.size(); ++s) {
            if (entry.perScore[s] == 0) {
                continue;
            }
            score->reset();
            if (auto st = score->bind(1, entry.perScore[s])
                              .bind(2, siteId)
                              .bind(3, entry.day)
                              .bind(4, entry.team)
                              .bind(5, static_cast<int>(s + 1))
                              .run();
                !st) {
                return st;
            }
        }
        for (const auto& [name, n] : entry.reasons) {
            reason->reset();
            if (auto st = reason->bind(1, n)
                              .bind(2, siteId)
                              .bind(3, entry.day)
                              .bind(4, entry.team)
                              .bind(5, name)
                              .run();
                !st) {
                return st;
            }
        }
    }
    for (const auto& [day, n] : plan.takenBuddyRequests) {
        buddy->reset();
        CAREKIOSK_TRY(buddy->bind(1, n).bind(2, siteId).bind(3, day).run());
    }
    return {};
}

Status writeAtoms(sql::Connection& db, const std::string& siteId,
                  const std::vector<DayCounts>& atoms) {
    auto score = db.prepare(
        "INSERT INTO released_scores (site_id, day, team, score, count) VALUES (?, ?, ?, ?, ?)");
    auto reason = db.prepare(
        "INSERT INTO released_reasons (site_id, day, team, reason, count) VALUES (?, ?, ?, ?, ?)");
    auto buddy = db.prepare("INSERT INTO released_buddies (site_id, day, count) VALUES (?, ?, ?)");
    if (!score || !reason || !buddy) {
        return !score ? score.error() : !reason ? reason.error() : buddy.error();
    }
    for (const auto& atom : atoms) {
        for (std::size_t s = 0; s < atom.perScore.size(); ++s) {
            if (atom.perScore[s] == 0) {
                continue;
            }
            score->reset();
            if (auto st = score->bind(1, siteId)
                              .bind(2, atom.day)
                              .bind(3, atom.team)
                              .bind(4, static_cast<int>(s + 1))
                              .bind(5, atom.perScore[s])
                              .run();
                !st) {
                return st;
            }
        }
        for (const auto& [name, n] : atom.reasons) {
            if (n == 0) {
                continue;
            }
            reason->reset();
            if (auto st = reason->bind(1, siteId)
                              .bind(2, atom.day)
                              .bind(3, atom.team)
                              .bind(4, name)
                              .bind(5, n)
                              .run();
                !st) {
                return st;
            }
        }
        if (atom.buddyRequests > 0) {
            buddy->reset();
            if (auto st =
                    buddy->bind(1, siteId).bind(2, atom.day).bind(3, atom.buddyRequests).run();
                !st) {
                return st;
            }
        }
    }
    return {};
}

Status writeDecisions(sql::Connection& db, const std::string& siteId,
                      const std::map<CellId, CellDecision>& decisions) {
    auto cell = db.prepare(
        "INSERT INTO release_decisions (site_id, team, level, first_day, scores_shown) "
        "VALUES (?, ?, ?, ?, ?)");
    auto reason = db.prepare(
        "INSERT INTO release_reasons_shown (site_id, team, level, first_day, reason) "
        "VALUES (?, ?, ?, ?, ?)");
    if (!cell || !reason) {
        return !cell ? cell.error() : reason.error();
    }
    for (const auto& [id, decision] : decisions) {
        cell->reset();
        if (auto st = cell->bind(1, siteId)
                          .bind(2, id.team)
                          .bind(3, static_cast<int>(id.level))
                          .bind(4, id.first)
                          .bind(5, decision.scoresShown ? 1 : 0)
                          .run();
            !st) {
            return st;
        }
        for (const auto& name : decision.reasonsShown) {
            reason->reset();
            if (auto st = reason->bind(1, siteId)
                              .bind(2, id.team)
                              .bind(3, static_cast<int>(id.level))
                              .bind(4, id.first)
                              .bind(5, name)
                              .run();
                !st) {
                return st;
            }
        }
    }
    return {};
}

Result<std::vector<std::string>> siteTeams(sql::Connection& db, const std::string& siteId) {
    CAREKIOSK_TRY_LET(
        stmt,
        db.prepare(
            "SELECT team FROM devices WHERE site_id = ? AND team IS NOT NULL AND team != '' "
            "UNION SELECT DISTINCT team FROM released_scores WHERE site_id = ? AND team != '' "
            "ORDER BY 1"));
    stmt->bind(1, siteId).bind(2, siteId);
    std::vector<std::string> teams;
    auto status = sql::forEachRow(stmt.value(), [&] { teams.push_back(stmt->columnText(0)); });
    if (!status) {
        return status.error();
    }
    return teams;
}

}  // namespace

Result<core::TimeZone> Store::siteZoneLocked(const std::string& siteId) {
    CAREKIOSK_TRY_LET(calendar, readCalendar(*db_, siteId));
    return calendar->zone;
}

Status Store::bindDeviceTeam(const std::string& deviceId, const std::string& team) {
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(
        stmt, db_->prepare("UPDATE devices SET team = ? WHERE device_id = ? AND team IS NULL"));
    return stmt->bind(1, team).bind(2, deviceId).run();
}

Status Store::setSiteCalendar(const std::string& siteId, const core::TimeZone& zone,
                              int releaseMinute) {
    if (releaseMinute < 0 || releaseMinute >= 24 * 60) {
        return makeError(ErrorCode::InvalidInput, "release_time must be 00:00 to 23:59",
                         "release_time");
    }
    std::lock_guard lock(mutex_);
    auto stmt =
        db_->prepare("UPDATE sites SET time_zone = ?, release_minute = ? WHERE site_id = ?");
    if (!stmt) {
        return stmt.error();
    }
    CAREKIOSK_TRY(stmt->bind(1, zone.name()).bind(2, releaseMinute).bind(3, siteId).run());
    if (db_->changes() == 0) {
        return makeError(ErrorCode::NotFound,
                         "site " + siteId +
                             " does not exist; create it with "
                             "`carekiosk-collector admin create-site`",
                         "site");
    }
    return {};
}

Result<Store::SiteCalendar> Store::siteCalendar(const std::string& siteId) {
    std::lock_guard lock(readerMutex_);
    return readCalendar(*reader_, siteId);
}

Result<std::vector<std::string>> Store::teams(const std::string& siteId) {
    std::lock_guard lock(readerMutex_);
    return siteTeams(*reader_, siteId);
}

Status Store::release(const std::string& siteId, int minGroup) {
    // A look on the reader first: most calls find nothing due and should not
    // queue behind the writer.
    {
        std::lock_guard lock(readerMutex_);
        CAREKIOSK_TRY_LET(calendar, readCalendar(*reader_, siteId));
        if (lastDueDay(calendar->zone, calendar->releaseMinute, unixNow(clock_)) <=
            calendar->releasedThrough) {
            return {};
        }
    }
    std::lock_guard lock(mutex_);
    return releaseLocked(siteId, effectiveMinGroup(minGroup));
}

Status Store::releaseLocked(const std::string& siteId, int k) {
    CAREKIOSK_TRY_LET(tx, Transaction::begin(*db_));
    CAREKIOSK_TRY_LET(calendar, readCalendar(*db_, siteId));
    const std::int64_t old = calendar->releasedThrough;
    const std::int64_t lastDue =
        lastDueDay(calendar->zone, calendar->releaseMinute, unixNow(clock_));
    if (lastDue <= old) {
        return {};
    }
    // The claim comes first: with several collectors on one database, the
    // second one's update waits for the first's commit, then changes nothing,
    // and it leaves the work done.
    CAREKIOSK_TRY_LET(
        claim,
        db_->prepare(
            "UPDATE sites SET released_through = ? WHERE site_id = ? AND released_through = ?"));
    CAREKIOSK_TRY(claim->bind(1, lastDue).bind(2, siteId).bind(3, old).run());
    if (db_->changes() == 0) {
        return {};
    }
    CAREKIOSK_TRY_LET(waiting, readWaiting(*db_, siteId, lastDue));
    // A site's first release starts at its first check-in, not in 1970.
    std::int64_t from = old;
    if (from < 0) {
        from = lastDue;
        for (const auto& entry : waiting->checkIns) {
            from = std::min(from, entry.day - 1);
        }
        for (const auto& [day, n] : waiting->buddyRequests) {
            from = std::min(from, day - 1);
        }
    }
    const ReleasePlan plan = planRelease(waiting.value(), from, lastDue, k);
    // The months this run touches, with what they had released before (read
    // before this run's pieces are written).
    const auto firstMonth = core::periodContaining(core::SummaryPeriod::Month, from + 1).first;
    const auto lastMonth = core::periodContaining(core::SummaryPeriod::Month, lastDue).last;
    std::vector<DayCounts> atoms;
    std::map<CellId, CellDecision> decisions;
    CAREKIOSK_TRY(readReleased(*db_, siteId, firstMonth, lastMonth, atoms, decisions));
    CAREKIOSK_TRY_LET(teams, siteTeams(*db_, siteId));
    const auto fresh = decideRelease(atoms, decisions, plan.atoms, teams.value(), from, lastDue, k);
    CAREKIOSK_TRY(takeWaiting(*db_, siteId, plan));
    CAREKIOSK_TRY(writeAtoms(*db_, siteId, plan.atoms));
    CAREKIOSK_TRY(writeDecisions(*db_, siteId, fresh));
    return tx->commit();
}

Result<Released> Store::released(const std::string& siteId, std::int64_t fromDay,
                                 std::int64_t toDay, int minGroup) {
    CAREKIOSK_TRY(release(siteId, minGroup));
    std::lock_guard lock(readerMutex_);
    CAREKIOSK_TRY_LET(calendar, readCalendar(*reader_, siteId));
    Released out;
    out.releasedThrough = calendar->releasedThrough;
    out.timeZone = calendar->zone.name();
    out.releaseMinute = calendar->releaseMinute;
    // The day after the newest one due now (release() just released it).
    const std::int64_t due = lastDueDay(calendar->zone, calendar->releaseMinute, unixNow(clock_));
    out.nextRelease = releaseInstant(calendar->zone, calendar->releaseMinute, due + 1);
    CAREKIOSK_TRY(readReleased(*reader_, siteId, fromDay, toDay, out.atoms, out.decisions));
    return out;
}

Result<core::SiteSummary> Store::summary(const SummaryQuery& query) {
    const auto [first, last] = summaryInputDays(query);
    CAREKIOSK_TRY_LET(data, released(query.siteId, first, last, query.minGroup));
    return summarize(query, data.value());
}

}  // namespace carekiosk::collector
