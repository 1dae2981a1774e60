// Taking batches in: checking rows, group commit of concurrent batches,
// the rows and their rollups.
#include "carekiosk/collector/store.hpp"

#include <map>
#include <optional>
#include <tuple>

#include "store_internal.hpp"

namespace carekiosk::collector {

using core::ErrorCode;
using core::makeError;
using detail::unixSeconds;
using sql::Transaction;

std::vector<RowRefusal> Store::checkBatch(const Device& device, const core::Batch& batch,
                                          std::optional<std::string>* boundTeam) const {
    // What a kiosk may claim is bound by what it was enrolled as: its site,
    // its team, and hours between its enrolment (less the longest time a
    // kiosk may hold check-ins offline) and an hour past the collector's clock.
    const std::int64_t now = unixSeconds(clock_.now());
    const std::int64_t latest = now + std::chrono::seconds(kMaxClockAhead).count();
    const std::int64_t earliest =
        device.enrolledAt > 0 ? device.enrolledAt - std::chrono::seconds(kMaxOfflineAge).count()
                              : 0;
    std::optional<std::string> team = device.team;
    std::vector<RowRefusal> refused;
    for (std::size_t i = 0; i < batch.checkIns.size(); ++i) {
        const core::CheckIn& c = batch.checkIns[i];
        const std::string row = "checkins[" + std::to_string(i) + "]";
        if (c.siteId != device.siteId) {
            refused.push_back({i, row + ".site_id",
                               row + ".site_id is " + c.siteId + " but this kiosk is enrolled at " +
                                   device.siteId + "; re-enrol it at the new site"});
            continue;
        }
        if (!team) {
            team = c.team;  // enrolled before teams were kept: the first batch binds it
        }
        if (c.team != *team) {
            refused.push_back(
                {i, row + ".team",
                 row + ".team is \"" + c.team + "\" but this kiosk was enrolled " +
                     (team->empty() ? std::string("without a team")
                                    : "with team \"" + *team + "\"") +
                     "; re-enrol it with carekiosk-provision enroll --team to change it"});
        } else if (c.hourBucket > latest) {
            refused.push_back({i, row + ".hour",
                               row + ".hour is more than an hour ahead of the collector's clock; "
                                     "set the kiosk's clock (it should keep network time)"});
        } else if (c.hourBucket < earliest) {
            refused.push_back({i, row + ".hour",
                               row + ".hour is more than " +
                                   std::to_string(kMaxOfflineAge.count() / 24) +
                                   " days before this kiosk was enrolled; its clock was wrong "
                                   "when the check-in was made"});
        }
    }
    if (boundTeam) {
        *boundTeam = team;
    }
    return refused;
}

Result<bool> Store::batchStored(const std::string& batchId) {
    std::lock_guard lock(readerMutex_);
    CAREKIOSK_TRY_LET(stmt, reader_->prepare("SELECT 1 FROM batches WHERE batch_id = ?"));
    stmt->bind(1, batchId);
    return stmt->step();
}

Result<StoreResult> Store::storeBatch(const Device& device, const core::Batch& batch) {
    // A batch stored before is acknowledged again whatever it holds: its
    // acknowledgement may have been lost, and refusing it now (a clock moved,
    // a kiosk re-enrolled) would make the kiosk send its good rows again under
    // a new id.
    CAREKIOSK_TRY_LET(seen, batchStored(batch.batchId));
    if (seen.value()) {
        return StoreResult{0, true, {}};
    }
    std::optional<std::string> team;
    auto refused = checkBatch(device, batch, &team);
    if (!refused.empty()) {
        StoreResult result;
        result.refused = std::move(refused);
        return result;  // nothing stored: the kiosk sets these rows aside
    }
    if (!device.team && team) {
        CAREKIOSK_TRY(bindDeviceTeam(device.deviceId, *team));
    }
    PendingBatch mine{device, batch};
    std::unique_lock queue(queueMutex_);
    queue_.push_back(&mine);
    // Group commit: whoever finds no writer at work writes every batch queued
    // so far in one transaction and wakes their callers; the others wait. Under
    // load, twenty kiosks' batches cost one commit and one fdatasync instead of
    // twenty, and the pages they share are written once.
    while (!mine.done) {
        if (writing_) {
            queueDone_.wait(queue);
            continue;
        }
        writing_ = true;
        std::vector<PendingBatch*> group;
        group.swap(queue_);
        queue.unlock();
        writeGroup(group);
        queue.lock();
        writing_ = false;
        for (PendingBatch* pending : group) {
            pending->done = true;
        }
        queueDone_.notify_all();
    }
    return std::move(mine.result);
}

namespace {

// Runs `insert` (an "INSERT INTO table (columns)" without VALUES) for `count`
// rows of `columns` values each, db.rowsPerInsert() rows to a statement;
// `bindRow(stmt, p, i)` binds row i's values as parameters p + 1 onwards.
template <typename BindRow>
Status insertRows(sql::Connection& db, const std::string& insert, int columns, std::size_t count,
                  BindRow bindRow) {
    const std::size_t perStatement = db.rowsPerInsert();
    const auto statementFor = [&](std::size_t rows) {
        std::string one = "(";
        for (int c = 0; c < columns; ++c) {
            one += c == 0 ? "?" : ", ?";
        }
        one += ")";
        std::string sql = insert + " VALUES ";
        for (std::size_t i = 0; i < rows; ++i) {
            sql += (i == 0 ? "" : ", ") + one;
        }
        return db.prepare(sql);
    };
    // Every chunk but the last is full, so at most two statements are prepared.
    std::optional<sql::Statement> stmt;
    std::size_t preparedRows = 0;
    for (std::size_t first = 0; first < count; first += perStatement) {
        const std::size_t rows = std::min(perStatement, count - first);
        if (rows != preparedRows) {
            CAREKIOSK_TRY_LET(made, statementFor(rows));
            stmt.emplace(std::move(made).value());
            preparedRows = rows;
        }
        stmt->reset();
        for (std::size_t i = 0; i < rows; ++i) {
            bindRow(*stmt, static_cast<int>(i) * columns, first + i);
        }
        CAREKIOSK_TRY(stmt->run());
    }
    return {};
}

}  // namespace

void Store::writeGroup(const std::vector<PendingBatch*>& group) {
    std::lock_guard lock(mutex_);

    const auto failAll = [&](const core::Error& error) {
        for (PendingBatch* pending : group) {
            pending->result = error;
        }
    };
    // In batch id order: with several collectors on one PostgreSQL database,
    // two groups holding the same re-sent batch then lock its id in the same
    // order, so neither waits for the other in a circle.
    std::vector<PendingBatch*> ordered(group);
    std::sort(ordered.begin(), ordered.end(), [](const PendingBatch* a, const PendingBatch* b) {
        return a->batch.batchId < b->batch.batchId;
    });
    auto tx = Transaction::begin(*db_);
    if (!tx) {
        return failAll(tx.error());
    }
    // Each site's time zone, for the local days of its rows.
    std::map<std::string, core::TimeZone> zones;
    for (PendingBatch* pending : ordered) {
        if (zones.count(pending->device.siteId)) {
            continue;
        }
        auto zone = siteZoneLocked(pending->device.siteId);
        if (!zone) {
            return failAll(zone.error());
        }
        zones.emplace(pending->device.siteId, zone.value());
    }
    // Whether each batch's kiosk is still enrolled, read in the transaction
    // that stores its rows: the server checked its token before the body
    // arrived, and a kiosk revoked since then (a stolen one, its holder
    // trickling uploads in to outlast the revocation) stores nothing.
    auto enrolled = db_->prepare("SELECT revoked FROM devices WHERE device_id = ?");
    if (!enrolled) {
        return failAll(enrolled.error());
    }
    Rollups rollups;
    for (PendingBatch* pending : ordered) {
        enrolled->reset();
        auto row = enrolled->bind(1, pending->device.deviceId).step();
        if (!row) {
            return failAll(row.error());
        }
        if (!row.value() || enrolled->columnInt(0) != 0) {
            pending->result = makeError(ErrorCode::Unauthorized,
                                        "this kiosk (" + pending->device.deviceId +
                                            ") was revoked; nothing of its batch was stored. "
                                            "Re-enrol it with carekiosk-provision enroll if it "
                                            "should upload again");
            continue;
        }
        // A savepoint per batch: one that fails leaves no rows behind and
        // does not take the others down with it.
        if (auto s = db_->exec("SAVEPOINT batch"); !s) {
            return failAll(s.error());
        }
        Rollups mine;
        pending->result = insertBatchLocked(pending->batch, zones.at(pending->device.siteId), mine);
        if (!pending->result) {
            (void)db_->exec("ROLLBACK TO batch");
        } else {
            rollups.add(mine);
        }
        if (auto s = db_->exec("RELEASE batch"); !s) {
            return failAll(s.error());
        }
    }
    // The group's per-day counts last, each rollup row once and in key order:
    // fewer statements than per batch, and collectors sharing a database
    // update the rows they both touch in the same order.
    if (auto s = addRollupsLocked(rollups); !s) {
        return failAll(s.error());
    }
    // Acknowledge only after our own commit: until then every result waits.
    if (auto s = tx->commit(); !s) {
        failAll(s.error());
    }
}

void Store::Rollups::add(const Rollups& other) {
    for (const auto& [key, count] : other.scores) {
        scores[key] += count;
    }
    for (const auto& [key, count] : other.reasons) {
        reasons[key] += count;
    }
}

Status Store::addRollupsLocked(const Rollups& rollups) {
    auto addScore = db_->prepare(
        "INSERT INTO day_scores (site_id, day, team, score, count, waiting) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (site_id, day, team, score) DO UPDATE SET "
        "count = day_scores.count + excluded.count, "
        "waiting = day_scores.waiting + excluded.waiting");
    auto addReason = db_->prepare(
        "INSERT INTO day_reasons (site_id, day, team, reason, count, waiting) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (site_id, day, team, reason) DO UPDATE SET "
        "count = day_reasons.count + excluded.count, "
        "waiting = day_reasons.waiting + excluded.waiting");
    if (!addScore || !addReason) {
        return !addScore ? addScore.error() : addReason.error();
    }
    // Binds (site, day, team, score or reason, count) and runs `stmt` for each.
    auto addAll = [](sql::Statement& stmt, const auto& counts) -> Status {
        for (const auto& [key, count] : counts) {
            const auto& [site, day, team, what] = key;
            stmt.reset();
            if (auto s = stmt.bind(1, site)
                             .bind(2, day)
                             .bind(3, team)
                             .bind(4, what)
                             .bind(5, count)
                             .bind(6, count)
                             .run();
                !s) {
                return s;
            }
        }
        return {};
    };
    CAREKIOSK_TRY(addAll(addScore.value(), rollups.scores));
    return addAll(addReason.value(), rollups.reasons);
}

Result<StoreResult> Store::insertBatchLocked(const core::Batch& batch, const core::TimeZone& zone,
                                             Rollups& rollups) {
    CAREKIOSK_TRY_LET(
        mark, db_->prepare("INSERT INTO batches (batch_id) VALUES (?) ON CONFLICT DO NOTHING"));
    CAREKIOSK_TRY(mark->bind(1, batch.batchId).run());
    if (db_->changes() == 0) {
        return StoreResult{0, true, {}};  // seen before: acknowledge again, store nothing
    }
    // Every row's random key in one call: one system call per batch, not per row.
    constexpr std::size_t kKeyBytes = 16;
    std::vector<std::uint8_t> keys(batch.checkIns.size() * kKeyBytes);
    random_.fill(keys);
    const auto keyOf = [&](std::size_t row) {
        return std::span<const std::uint8_t>(keys.data() + row * kKeyBytes, kKeyBytes);
    };
    for (std::size_t row = 0; row < batch.checkIns.size(); ++row) {
        const core::CheckIn& c = batch.checkIns[row];
        // The site's own day: a check-in at 23:30 in New York counts that evening.
        const std::int64_t day = zone.localDay(c.hourBucket);
        ++rollups.scores[{c.siteId, day, c.team, c.score}];
        for (const auto& reason : c.reasons) {
            ++rollups.reasons[{c.siteId, day, c.team, reason}];
        }
    }
    auto rows = insertRows(
        *db_, "INSERT INTO checkins (id, site_id, score, question_set_version, hour_bucket, team)",
        6, batch.checkIns.size(), [&](sql::Statement& stmt, int p, std::size_t row) {
            const core::CheckIn& c = batch.checkIns[row];
            stmt.bindBlob(p + 1, keyOf(row))
                .bind(p + 2, c.siteId)
                .bind(p + 3, c.score)
                .bind(p + 4, c.questionSetVersion)
                .bind(p + 5, c.hourBucket)
                .bind(p + 6, c.team);
        });
    if (!rows) {
        return rows.error();
    }
    // After their check-in rows: each reason refers to one.
    std::vector<std::pair<std::size_t, const std::string*>> reasons;
    for (std::size_t row = 0; row < batch.checkIns.size(); ++row) {
        for (const auto& reason : batch.checkIns[row].reasons) {
            reasons.emplace_back(row, &reason);
        }
    }
    auto reasonRows =
        insertRows(*db_, "INSERT INTO checkin_reasons (site_id, hour_bucket, checkin_id, reason)",
                   4, reasons.size(), [&](sql::Statement& stmt, int p, std::size_t i) {
                       const auto& [row, reason] = reasons[i];
                       const core::CheckIn& c = batch.checkIns[row];
                       stmt.bind(p + 1, c.siteId)
                           .bind(p + 2, c.hourBucket)
                           .bindBlob(p + 3, keyOf(row))
                           .bind(p + 4, *reason);
                   });
    if (!reasonRows) {
        return reasonRows.error();
    }
    return StoreResult{static_cast<int>(batch.checkIns.size()), false, {}};
}
}  // namespace carekiosk::collector
