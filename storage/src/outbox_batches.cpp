// The outbox's batches: assigning, loading and acknowledging them (by key),
// setting refused rows aside as dead letters and putting them back.
#include <string_view>

#include "carekiosk/storage/outbox.hpp"
#include "outbox_internal.hpp"

namespace carekiosk::storage {

using core::Batch;
using core::CheckIn;
using detail::notHeldCondition;
using detail::splitIds;

Result<std::optional<Batch>> Outbox::nextBatch(std::size_t maxRows) {
    return commitNextBatch(std::nullopt, maxRows);
}

Result<std::optional<Batch>> Outbox::acknowledgeAndNext(const std::string& batchId,
                                                        std::size_t maxRows) {
    return commitNextBatch(batchId, maxRows);
}

// One durable commit where acknowledgeAndNext() had two: deleting what the
// collector acknowledged and persisting the next batch's id (and its rows'
// assignment) are one transaction. A crash before it leaves the old batch to
// re-send (the collector answers "duplicate"); after it, the next id is on
// disk before its first try.
Result<std::optional<Batch>> Outbox::commitNextBatch(const std::optional<std::string>& acknowledged,
                                                     std::size_t maxRows) {
    CAREKIOSK_TRY_LET(tx, Transaction::begin(db_));
    if (acknowledged) {
        CAREKIOSK_TRY(deleteBatch(*acknowledged));
    }
    CAREKIOSK_TRY_LET(batchId, assignNextBatch(maxRows));
    // Persist the assignment before anyone sends it.
    CAREKIOSK_TRY(tx->commit());
    if (batchId->empty()) {
        return std::optional<Batch>{};
    }
    CAREKIOSK_TRY_LET(batch, loadBatch(batchId.value()));
    return std::optional<Batch>(std::move(batch).value());
}

Result<std::string> Outbox::assignNextBatch(std::size_t maxRows) {
    {
        CAREKIOSK_TRY_LET(open, db_.prepare("SELECT batch_id FROM batches WHERE batch_id NOT IN "
                                            "(SELECT batch_id FROM dead_letters) LIMIT 1"));
        CAREKIOSK_TRY_LET(row, open->step());
        if (row.value()) {
            return open->columnText(0);
        }
    }
    // The waiting rows in key order, up to maxRows: the scan stops at the
    // last one taken (the table's order is its key), so it costs the batch,
    // not the table. Check-ins held open (reasons may still follow) wait.
    BatchKeys next;
    {
        CAREKIOSK_TRY_LET(waiting, db_.prepare(("SELECT id FROM checkins WHERE batch_id IS NULL" +
                                                notHeldCondition(fileKey_) + " ORDER BY id LIMIT ?")
                                                   .c_str()));
        waiting->bind(1, static_cast<std::int64_t>(maxRows));
        while (true) {
            CAREKIOSK_TRY_LET(row, waiting->step());
            if (!row.value()) {
                break;
            }
            next.keys.push_back(waiting->columnBlob(0));
        }
    }
    if (next.keys.empty()) {
        return std::string();
    }
    next.batchId = core::randomHex(*random_, core::kBatchIdLength / 2);
    CAREKIOSK_TRY_LET(insert, db_.prepare("INSERT INTO batches (batch_id) VALUES (?)"));
    CAREKIOSK_TRY(insert->bind(1, next.batchId).run());
    CAREKIOSK_TRY_LET(assign, db_.prepare("UPDATE checkins SET batch_id = ? WHERE id = ?"));
    for (const auto& key : next.keys) {
        assign->reset();
        CAREKIOSK_TRY(assign->bind(1, next.batchId).bindBlob(2, key).run());
    }
    // No rewrite here: the rows updated move within their pages in key
    // order, which tells only which rows are in the batch, as batch_id does.
    lastBatch_ = std::move(next);
    return lastBatch_->batchId;
}

Result<const Outbox::BatchKeys*> Outbox::keysOf(const std::string& batchId) {
    if (lastBatch_ && lastBatch_->batchId == batchId) {
        return &*lastBatch_;
    }
    // Not assigned by this Outbox (a batch left unsent by an earlier run):
    // one scan of the table, which has no index on batch_id (migration 6).
    BatchKeys found{batchId, {}};
    CAREKIOSK_TRY_LET(select,
                      db_.prepare("SELECT id FROM checkins WHERE batch_id = ? ORDER BY id"));
    select->bind(1, batchId);
    while (true) {
        CAREKIOSK_TRY_LET(row, select->step());
        if (!row.value()) {
            break;
        }
        found.keys.push_back(select->columnBlob(0));
    }
    lastBatch_ = std::move(found);
    return &*lastBatch_;
}

Result<Batch> Outbox::loadBatch(const std::string& batchId) {
    CAREKIOSK_TRY_LET(keys, keysOf(batchId));
    CAREKIOSK_TRY_LET(
        select,
        db_.prepare(
            "SELECT score, site_id, question_set_version, hour_bucket, reasons, team FROM checkins "
            "WHERE id = ? AND batch_id = ?"));
    Batch batch;
    batch.batchId = batchId;
    for (const auto& key : keys.value()->keys) {
        select->reset();
        select->bindBlob(1, key).bind(2, batchId);
        CAREKIOSK_TRY_LET(row, select->step());
        if (!row.value()) {
            continue;
        }
        batch.checkIns.push_back(
            CheckIn{static_cast<int>(select->columnInt(0)), select->columnText(1),
                    static_cast<int>(select->columnInt(2)), select->columnInt(3),
                    splitIds(select->columnText(4)), select->columnText(5)});
    }
    return batch;
}

Status Outbox::acknowledge(const std::string& batchId) {
    CAREKIOSK_TRY_LET(tx, Transaction::begin(db_));
    CAREKIOSK_TRY(deleteBatch(batchId));
    return tx->commit();
}

Status Outbox::deleteBatch(const std::string& batchId) {
    // By key: a batch's rows are fixed when its id is assigned (setAside
    // moves rows only out of a batch it then deletes), so its keys are
    // exactly its rows, and the batch_id condition keeps a stale list harmless.
    CAREKIOSK_TRY_LET(keys, keysOf(batchId));
    CAREKIOSK_TRY_LET(rows, db_.prepare("DELETE FROM checkins WHERE id = ? AND batch_id = ?"));
    for (const auto& key : keys.value()->keys) {
        rows->reset();
        CAREKIOSK_TRY(rows->bindBlob(1, key).bind(2, batchId).run());
    }
    CAREKIOSK_TRY_LET(batch, db_.prepare("DELETE FROM batches WHERE batch_id = ?"));
    return batch->bind(1, batchId).run();
}

Result<std::int64_t> Outbox::pendingCount() {
    return db_.queryInt(
        "SELECT count(*) FROM checkins WHERE batch_id IS NULL OR batch_id NOT IN "
        "(SELECT batch_id FROM dead_letters)");
}

Result<std::optional<std::int64_t>> Outbox::oldestPendingHour() {
    CAREKIOSK_TRY_LET(
        stmt, db_.prepare(
                  "SELECT min(hour_bucket) FROM checkins WHERE batch_id IS NULL OR batch_id NOT IN "
                  "(SELECT batch_id FROM dead_letters)"));
    CAREKIOSK_TRY_LET(row, stmt->step());
    if (!row.value() || stmt->columnIsNull(0)) {
        return std::optional<std::int64_t>{};
    }
    return std::optional<std::int64_t>(stmt->columnInt(0));
}

Status Outbox::deadLetter(const std::string& batchId, const std::string& reason) {
    CAREKIOSK_TRY_LET(
        stmt, db_.prepare("INSERT OR REPLACE INTO dead_letters (batch_id, reason) VALUES (?, ?)"));
    return stmt->bind(1, batchId).bind(2, reason.substr(0, 500)).run();
}

Status Outbox::setAside(const std::string& batchId, const std::vector<std::size_t>& rows,
                        const std::string& reason) {
    CAREKIOSK_TRY_LET(tx, Transaction::begin(db_));
    // The rows of the batch in the order it was sent (loadBatch's).
    CAREKIOSK_TRY_LET(found, keysOf(batchId));
    const auto keys = found.value()->keys;
    lastBatch_.reset();  // the batch is taken apart below
    for (std::size_t index : rows) {
        if (index >= keys.size()) {
            return core::makeError(core::ErrorCode::InvalidInput,
                                   "the collector refused row " + std::to_string(index) +
                                       " of batch " + batchId + ", which has only " +
                                       std::to_string(keys.size()) + " rows");
        }
    }
    // The refused rows go into a batch of their own, set aside with the
    // reason; the others lose their batch id and go out in a new batch (the
    // collector stored nothing of the refused one).
    const std::string asideId = core::randomHex(*random_, core::kBatchIdLength / 2);
    for (const char* sql : {"INSERT INTO batches (batch_id) VALUES (?1)",
                            "INSERT INTO dead_letters (batch_id, reason) VALUES (?1, ?2)"}) {
        CAREKIOSK_TRY_LET(stmt, db_.prepare(sql));
        stmt->bind(1, asideId);
        if (std::string_view(sql).find("?2") != std::string_view::npos) {
            stmt->bind(2, reason.substr(0, 500));
        }
        CAREKIOSK_TRY(stmt->run());
    }
    for (std::size_t index : rows) {
        CAREKIOSK_TRY_LET(move, db_.prepare("UPDATE checkins SET batch_id = ? WHERE id = ?"));
        CAREKIOSK_TRY(move->bind(1, asideId).bindBlob(2, keys[index]).run());
    }
    for (const char* sql : {"UPDATE checkins SET batch_id = NULL WHERE batch_id = ?",
                            "DELETE FROM batches WHERE batch_id = ?"}) {
        CAREKIOSK_TRY_LET(stmt, db_.prepare(sql));
        CAREKIOSK_TRY(stmt->bind(1, batchId).run());
    }
    return tx->commit();
}

Result<std::int64_t> Outbox::resendDeadLetters() {
    CAREKIOSK_TRY_LET(count, db_.queryInt("SELECT count(*) FROM dead_letters"));
    // Their batches keep their ids (the collector stored none of them) and
    // go back into the queue, one after another.
    CAREKIOSK_TRY(db_.exec("DELETE FROM dead_letters"));
    return count.value();
}

Result<std::vector<DeadLetter>> Outbox::deadLetters() {
    CAREKIOSK_TRY_LET(stmt,
                      db_.prepare("SELECT d.batch_id, d.reason, count(c.id) FROM dead_letters d "
                                  "LEFT JOIN checkins c ON c.batch_id = d.batch_id GROUP BY "
                                  "d.batch_id ORDER BY d.batch_id"));
    std::vector<DeadLetter> letters;
    while (true) {
        CAREKIOSK_TRY_LET(row, stmt->step());
        if (!row.value()) {
            return letters;
        }
        letters.push_back({stmt->columnText(0), stmt->columnText(1), stmt->columnInt(2)});
    }
}

}  // namespace carekiosk::storage
