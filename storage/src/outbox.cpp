#include "carekiosk/storage/outbox.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <map>
#include <mutex>
#include <set>

namespace carekiosk::storage {

using core::Batch;
using core::CheckIn;

namespace {

// Schema history. Append new steps; never edit a released one.
constexpr Migration kMigrations[] = {
    {1, R"sql(
        CREATE TABLE batches (
            batch_id TEXT PRIMARY KEY NOT NULL
        ) WITHOUT ROWID;
        -- id is random, and the table has no rowid, so neither the key nor the
        -- storage order reveals the order in which people checked in.
        CREATE TABLE checkins (
            id BLOB PRIMARY KEY NOT NULL,
            score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
            site_id TEXT NOT NULL,
            question_set_version INTEGER NOT NULL,
            hour_bucket INTEGER NOT NULL,
            batch_id TEXT REFERENCES batches(batch_id)
        ) WITHOUT ROWID;
        CREATE INDEX checkins_by_batch ON checkins(batch_id);
    )sql"},
    {2, R"sql(
        -- Batches the collector refused as invalid (HTTP 400/413/422). Their rows
        -- stay on the kiosk, out of the upload queue, with the collector's reason.
        CREATE TABLE dead_letters (
            batch_id TEXT PRIMARY KEY NOT NULL REFERENCES batches(batch_id),
            reason TEXT NOT NULL
        ) WITHOUT ROWID;
    )sql"},
    {3, R"sql(
        -- Optional reasons picked with a score: sorted option ids, space-separated.
        ALTER TABLE checkins ADD COLUMN reasons TEXT NOT NULL DEFAULT '';
        -- Opt-in buddy requests. Deliberately unconnected to check-ins: a random
        -- key of their own, no time of any kind, no batch shared with check-ins.
        -- `contact` holds the name and way to reach the person; contact_format 0
        -- is JSON, 1 is reserved for a box sealed to the buddy coordinator.
        CREATE TABLE buddy_requests (
            id BLOB PRIMARY KEY NOT NULL,
            site_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            times TEXT NOT NULL,
            contact_format INTEGER NOT NULL CHECK (contact_format IN (0, 1)),
            contact BLOB NOT NULL
        ) WITHOUT ROWID;
    )sql"},
    {4, R"sql(
        -- Site configs from the collector: slot 1 the newest fetched, slot 2 the
        -- one running (validated), so a restart runs the same config even before
        -- the collector answers, and a refused newer one does not replace it.
        CREATE TABLE site_config (
            slot INTEGER PRIMARY KEY CHECK (slot IN (1, 2)),
            version INTEGER NOT NULL,
            content TEXT NOT NULL
        );
    )sql"},
    {5, R"sql(
        -- The kiosk's optional team tag, copied from its config into each check-in.
        ALTER TABLE checkins ADD COLUMN team TEXT NOT NULL DEFAULT '';
    )sql"},
    {6, R"sql(
        -- Check-ins without the foreign key and the index on batch_id: every
        -- commit rewrites the table in key order (Outbox::rewriteInKeyOrder),
        -- and a table that is no foreign key's child is emptied by SQLite's
        -- truncate path, which zeroes every page it frees. The code keeps the
        -- batch ids consistent (a batch row first, its rows deleted with it).
        CREATE TABLE checkins_v6 (
            id BLOB PRIMARY KEY NOT NULL,
            score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
            site_id TEXT NOT NULL,
            question_set_version INTEGER NOT NULL,
            hour_bucket INTEGER NOT NULL,
            batch_id TEXT,
            reasons TEXT NOT NULL DEFAULT '',
            team TEXT NOT NULL DEFAULT ''
        ) WITHOUT ROWID;
        INSERT INTO checkins_v6 (id, score, site_id, question_set_version, hour_bucket, batch_id,
                                 reasons, team)
            SELECT id, score, site_id, question_set_version, hour_bucket, batch_id, reasons, team
            FROM checkins ORDER BY id;
        DROP TABLE checkins;
        ALTER TABLE checkins_v6 RENAME TO checkins;
    )sql"},
};

// Check-ins held open in this process, by database file, so that the
// uploader's own connection (another Outbox on the same file) leaves them out
// of batches. In memory only, on purpose: nothing on disk marks the newest
// row for whoever takes the disk, and a crash or restart closes them (the
// face was the answer).
std::mutex gHeldMutex;
std::map<std::string, std::set<std::string>> gHeld;  // file -> row keys (hex)

// The held keys of `file` as an SQL condition on checkins.id ("" for none).
// The keys are our own hex, so they can be written as blob literals.
std::string notHeldCondition(const std::string& file) {
    std::lock_guard lock(gHeldMutex);
    auto it = gHeld.find(file);
    if (it == gHeld.end() || it->second.empty()) {
        return "";
    }
    std::string condition = " AND id NOT IN (";
    bool first = true;
    for (const auto& key : it->second) {
        condition += (first ? "X'" : ", X'") + key + "'";
        first = false;
    }
    return condition + ")";
}

std::string joinIds(const std::vector<std::string>& ids) {
    std::string joined;
    for (const auto& id : ids) {
        joined += (joined.empty() ? "" : " ") + id;
    }
    return joined;
}

std::vector<std::string> splitIds(const std::string& joined) {
    std::vector<std::string> ids;
    std::size_t start = 0;
    while (start < joined.size()) {
        auto end = joined.find(' ', start);
        if (end == std::string::npos) {
            end = joined.size();
        }
        if (end > start) {
            ids.push_back(joined.substr(start, end - start));
        }
        start = end + 1;
    }
    return ids;
}

constexpr std::size_t kRowKeyBytes = 16;

}  // namespace

Result<Outbox> Outbox::open(const std::filesystem::path& path, core::RandomSource& random) {
    auto db = Database::open(path, kMigrations, Journal::NoHistory);
    if (!db) {
        return db.error();
    }
    return Outbox(std::move(db).value(), random);
}

namespace {

std::string utcStamp(std::chrono::system_clock::time_point t) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &tm);
    return buffer;
}

std::string describeBytes(std::int64_t bytes) {
    return bytes >= 1024 * 1024 ? std::to_string(bytes / (1024 * 1024)) + " MB"
                                : std::to_string(bytes / 1024) + " KB";
}

}  // namespace

Result<Outbox::Recovered> Outbox::openOrRecover(const std::filesystem::path& path,
                                                core::RandomSource& random,
                                                const core::Clock& clock) {
    std::string reason;
    {
        auto db = Database::open(path, kMigrations, Journal::NoHistory);
        if (db) {
            auto intact = db->quickCheck();
            if (intact && intact.value()) {
                return Recovered{Outbox(std::move(db).value(), random), std::nullopt, {}};
            }
            reason = intact ? "PRAGMA quick_check found damage" : intact.error().message;
        } else if (db.error().code == core::ErrorCode::Corrupt) {
            reason = db.error().message;
        } else {
            return db.error();  // not damage: moving the file would not help
        }
    }
    // Keep the damaged file (and its journal) for a person to inspect or rescue.
    const std::string suffix = ".corrupt-" + utcStamp(clock.now());
    const auto aside = path.string() + suffix;
    std::error_code ec;
    std::filesystem::rename(path, aside, ec);
    if (ec) {
        return core::makeError(core::ErrorCode::Io,
                               "the database " + path.string() +
                                   " is damaged and cannot be moved aside: " + ec.message());
    }
    for (const char* extra : {"-wal", "-shm", "-journal"}) {
        const auto from = path.string() + extra;
        if (std::filesystem::exists(from, ec)) {
            std::filesystem::rename(from, aside + extra, ec);
        }
    }
    auto fresh = open(path, random);
    if (!fresh) {
        return fresh.error();
    }
    return Recovered{std::move(fresh).value(), aside, reason};
}

Status Outbox::setStorageCap(std::int64_t bytes) {
    auto pageSize = db_.queryInt("PRAGMA page_size");
    if (!pageSize) {
        return pageSize.error();
    }
    const std::string sql = "PRAGMA max_page_count=" +
                            std::to_string(std::max<std::int64_t>(1, bytes / pageSize.value()));
    if (auto s = db_.exec(sql.c_str()); !s) {
        return s;
    }
    capBytes_ = bytes;
    return {};
}

Result<StorageUsage> Outbox::usage() {
    auto pageSize = db_.queryInt("PRAGMA page_size");
    auto pages = db_.queryInt("PRAGMA page_count");
    if (!pageSize || !pages) {
        return !pageSize ? pageSize.error() : pages.error();
    }
    return StorageUsage{pages.value() * pageSize.value(), capBytes_};
}

Result<Outbox> Outbox::unavailable(core::Error why, core::RandomSource& random) {
    auto db = Database::openInMemory(kMigrations);
    if (!db) {
        return db.error();
    }
    Outbox outbox(std::move(db).value(), random);
    why.message = "check-ins are paused: the kiosk's database cannot be opened (" + why.message +
                  "); nothing is saved until it opens. Free space or replace the storage; the "
                  "kiosk tries again every 30 s";
    outbox.unavailable_ = std::move(why);
    return outbox;
}

Status Outbox::add(const CheckIn& checkIn) {
    auto added = insertCheckIn(checkIn, false);
    if (!added) {
        return added.error();
    }
    return {};
}

Result<std::string> Outbox::addOpen(const CheckIn& checkIn) {
    return insertCheckIn(checkIn, true);
}

Result<std::string> Outbox::insertCheckIn(const CheckIn& checkIn, bool hold) {
    if (unavailable_) {
        return *unavailable_;
    }
    if (auto valid = core::validateCheckIn(checkIn); !valid) {
        return valid.error();
    }
    std::array<std::uint8_t, kRowKeyBytes> key{};
    random_->fill(key);
    const std::string hex =
        core::toHex(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
    auto stmt = db_.prepare(
        "INSERT INTO checkins (id, score, site_id, question_set_version, hour_bucket, reasons, "
        "team) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bindBlob(1, key)
        .bind(2, checkIn.score)
        .bind(3, checkIn.siteId)
        .bind(4, checkIn.questionSetVersion)
        .bind(5, checkIn.hourBucket)
        .bind(6, joinIds(checkIn.reasons))
        .bind(7, checkIn.team);
    // Held before the commit, so the uploader can never see it unheld.
    if (hold) {
        holdOpen(hex);
    }
    if (auto s = explainFull(commitWritten(stmt.value())); !s) {
        if (hold) {
            releaseOpen(hex);
        }
        return s.error();
    }
    return hex;
}

Status Outbox::updateOpen(const std::string& openId, std::optional<int> score,
                          const std::optional<std::vector<std::string>>& reasons) {
    std::string key;
    if (!core::fromHex(openId, key) || key.size() != kRowKeyBytes) {
        return core::makeError(core::ErrorCode::InvalidInput, "not a check-in key: " + openId);
    }
    if (!holding_.count(openId)) {
        return {};  // closed already (or held by another Outbox): nothing to add to
    }
    if (score && (*score < core::kMinScore || *score > core::kMaxScore)) {
        return core::makeError(core::ErrorCode::InvalidInput, "score must be 1 to 5", "score");
    }
    if (reasons) {
        for (const auto& reason : *reasons) {
            if (auto valid = core::validateOptionId(reason, "reasons"); !valid) {
                return valid;
            }
        }
    }
    // Never a row already in a batch (another process's uploader may have
    // taken it): a batch's content is fixed once its id is assigned.
    const auto keyBytes = std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t*>(key.data()), key.size());
    {
        auto batched = db_.prepare("SELECT batch_id IS NOT NULL FROM checkins WHERE id = ?");
        if (!batched) {
            return batched.error();
        }
        batched->bindBlob(1, keyBytes);
        auto row = batched->step();
        if (!row) {
            return row.error();
        }
        if (row.value() && batched->columnInt(0) == 1) {
            return core::makeError(core::ErrorCode::Rejected,
                                   "this check-in was already taken into a batch (by another "
                                   "process's upload); it stays as it was sent");
        }
    }
    auto stmt = db_.prepare(
        "UPDATE checkins SET score = coalesce(?, score), reasons = coalesce(?, reasons) "
        "WHERE id = ? AND batch_id IS NULL");
    if (!stmt) {
        return stmt.error();
    }
    if (score) {
        stmt->bind(1, *score);
    }
    if (reasons) {
        std::vector<std::string> sorted = *reasons;
        std::sort(sorted.begin(), sorted.end());
        stmt->bind(2, joinIds(sorted));
    }
    stmt->bindBlob(3, keyBytes);
    return explainFull(commitWritten(stmt.value()));
}

Status Outbox::reviseOpen(const std::string& openId, int score) {
    return updateOpen(openId, score, std::nullopt);
}

Status Outbox::closeOpen(const std::string& openId, const std::vector<std::string>& reasons) {
    Status updated = reasons.empty() ? Status{} : updateOpen(openId, std::nullopt, reasons);
    // Released even when the reasons could not be added: the face stands.
    releaseOpen(openId);
    return updated;
}

std::int64_t Outbox::closeAllOpen() {
    const auto held = static_cast<std::int64_t>(holding_.size());
    while (!holding_.empty()) {
        const std::string key = *holding_.begin();  // a copy: releasing erases it
        releaseOpen(key);
    }
    return held;
}

void Outbox::holdOpen(const std::string& key) {
    std::lock_guard lock(gHeldMutex);
    gHeld[fileKey_].insert(key);
    holding_.insert(key);
}

void Outbox::releaseOpen(const std::string& key) {
    std::lock_guard lock(gHeldMutex);
    if (holding_.erase(key)) {
        auto it = gHeld.find(fileKey_);
        if (it != gHeld.end()) {
            it->second.erase(key);
            if (it->second.empty()) {
                gHeld.erase(it);
            }
        }
    }
}

Outbox::Outbox(Database db, core::RandomSource& random) : db_(std::move(db)), random_(&random) {
    std::error_code ignored;
    fileKey_ = std::filesystem::weakly_canonical(db_.path(), ignored).string();
    if (fileKey_.empty()) {
        fileKey_ = db_.path().string();
    }
}

Outbox::Outbox(Outbox&& other) noexcept
    : db_(std::move(other.db_)),
      random_(other.random_),
      capBytes_(other.capBytes_),
      holding_(std::exchange(other.holding_, {})),
      fileKey_(std::move(other.fileKey_)),
      unavailable_(std::exchange(other.unavailable_, std::nullopt)),
      lastBatch_(std::exchange(other.lastBatch_, std::nullopt)) {}

Outbox& Outbox::operator=(Outbox&& other) noexcept {
    if (this != &other) {
        closeAllOpen();
        db_ = std::move(other.db_);
        random_ = other.random_;
        capBytes_ = other.capBytes_;
        holding_ = std::exchange(other.holding_, {});
        fileKey_ = std::move(other.fileKey_);
        unavailable_ = std::exchange(other.unavailable_, std::nullopt);
        lastBatch_ = std::exchange(other.lastBatch_, std::nullopt);
    }
    return *this;
}

Outbox::~Outbox() {
    closeAllOpen();  // the process (or this connection) that held them ends
}

Status Outbox::commitWritten(Statement& insert) {
    auto tx = Transaction::begin(db_);
    if (!tx) {
        return tx.error();
    }
    if (auto s = insert.run(); !s) {
        return s;
    }
    if (auto s = rewriteInKeyOrder(); !s) {
        return s;
    }
    // Durable when commit() returns: the person is thanked only after this.
    return tx->commit();
}

Status Outbox::rewriteInKeyOrder() {
    // SQLite puts a new row's cell at the free end of its page, so the cells'
    // places in a page would give the order rows were written: the order
    // people came in. Rewritten in key order (random) after every addition,
    // within the same transaction, the pages hold them in no order of time,
    // and secure_delete zeroes what they replaced. It costs a copy of the rows
    // waiting, a few hundred bytes each, per check-in.
    for (const char* table : {"checkins", "buddy_requests"}) {
        const std::string t = table;
        const std::string steps[] = {
            "CREATE TEMP TABLE IF NOT EXISTS rewrite_" + t + " AS SELECT * FROM main." + t +
                " WHERE 0",
            "INSERT INTO temp.rewrite_" + t + " SELECT * FROM main." + t,
            "DELETE FROM main." + t,
            "INSERT INTO main." + t + " SELECT * FROM temp.rewrite_" + t + " ORDER BY id",
            "DELETE FROM temp.rewrite_" + t,
        };
        for (const auto& step : steps) {
            if (auto s = db_.exec(step.c_str()); !s) {
                return s;
            }
        }
    }
    return {};
}

Status Outbox::explainFull(Status inserted) {
    if (!inserted) {
        // SQLITE_FULL at our own cap reads as "disk full"; say what it really is.
        auto used = usage();
        if (used && used->capBytes > 0 && used->usedBytes + 65536 >= used->capBytes) {
            return core::makeError(
                core::ErrorCode::Storage,
                "the kiosk's storage cap of " + describeBytes(used->capBytes) +
                    " is reached; unsent check-ins are kept, so check that uploads work "
                    "(network, collector) [" +
                    db_.path().string() + "]");
        }
    }
    return inserted;
}

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
    auto tx = Transaction::begin(db_);
    if (!tx) {
        return tx.error();
    }
    if (acknowledged) {
        if (auto s = deleteBatch(*acknowledged); !s) {
            return s.error();
        }
    }
    auto batchId = assignNextBatch(maxRows);
    if (!batchId) {
        return batchId.error();
    }
    // Persist the assignment before anyone sends it.
    if (auto s = tx->commit(); !s) {
        return s.error();
    }
    if (batchId->empty()) {
        return std::optional<Batch>{};
    }
    auto batch = loadBatch(batchId.value());
    if (!batch) {
        return batch.error();
    }
    return std::optional<Batch>(std::move(batch).value());
}

Result<std::string> Outbox::assignNextBatch(std::size_t maxRows) {
    {
        auto open = db_.prepare(
            "SELECT batch_id FROM batches WHERE batch_id NOT IN "
            "(SELECT batch_id FROM dead_letters) LIMIT 1");
        if (!open) {
            return open.error();
        }
        auto row = open->step();
        if (!row) {
            return row.error();
        }
        if (row.value()) {
            return open->columnText(0);
        }
    }
    // The waiting rows in key order, up to maxRows: the scan stops at the
    // last one taken (the table's order is its key), so it costs the batch,
    // not the table. Check-ins held open (reasons may still follow) wait.
    BatchKeys next;
    {
        auto waiting = db_.prepare(("SELECT id FROM checkins WHERE batch_id IS NULL" +
                                    notHeldCondition(fileKey_) + " ORDER BY id LIMIT ?")
                                       .c_str());
        if (!waiting) {
            return waiting.error();
        }
        waiting->bind(1, static_cast<std::int64_t>(maxRows));
        while (true) {
            auto row = waiting->step();
            if (!row) {
                return row.error();
            }
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
    auto insert = db_.prepare("INSERT INTO batches (batch_id) VALUES (?)");
    if (!insert) {
        return insert.error();
    }
    if (auto s = insert->bind(1, next.batchId).run(); !s) {
        return s.error();
    }
    auto assign = db_.prepare("UPDATE checkins SET batch_id = ? WHERE id = ?");
    if (!assign) {
        return assign.error();
    }
    for (const auto& key : next.keys) {
        assign->reset();
        if (auto s = assign->bind(1, next.batchId).bindBlob(2, key).run(); !s) {
            return s.error();
        }
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
    auto select = db_.prepare("SELECT id FROM checkins WHERE batch_id = ? ORDER BY id");
    if (!select) {
        return select.error();
    }
    select->bind(1, batchId);
    while (true) {
        auto row = select->step();
        if (!row) {
            return row.error();
        }
        if (!row.value()) {
            break;
        }
        found.keys.push_back(select->columnBlob(0));
    }
    lastBatch_ = std::move(found);
    return &*lastBatch_;
}

Result<Batch> Outbox::loadBatch(const std::string& batchId) {
    auto keys = keysOf(batchId);
    if (!keys) {
        return keys.error();
    }
    auto select = db_.prepare(
        "SELECT score, site_id, question_set_version, hour_bucket, reasons, team FROM checkins "
        "WHERE id = ? AND batch_id = ?");
    if (!select) {
        return select.error();
    }
    Batch batch;
    batch.batchId = batchId;
    for (const auto& key : keys.value()->keys) {
        select->reset();
        select->bindBlob(1, key).bind(2, batchId);
        auto row = select->step();
        if (!row) {
            return row.error();
        }
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
    auto tx = Transaction::begin(db_);
    if (!tx) {
        return tx.error();
    }
    if (auto s = deleteBatch(batchId); !s) {
        return s;
    }
    return tx->commit();
}

Status Outbox::deleteBatch(const std::string& batchId) {
    // By key: a batch's rows are fixed when its id is assigned (setAside
    // moves rows only out of a batch it then deletes), so its keys are
    // exactly its rows, and the batch_id condition keeps a stale list harmless.
    auto keys = keysOf(batchId);
    if (!keys) {
        return keys.error();
    }
    auto rows = db_.prepare("DELETE FROM checkins WHERE id = ? AND batch_id = ?");
    if (!rows) {
        return rows.error();
    }
    for (const auto& key : keys.value()->keys) {
        rows->reset();
        if (auto s = rows->bindBlob(1, key).bind(2, batchId).run(); !s) {
            return s;
        }
    }
    auto batch = db_.prepare("DELETE FROM batches WHERE batch_id = ?");
    if (!batch) {
        return batch.error();
    }
    return batch->bind(1, batchId).run();
}

Result<std::int64_t> Outbox::pendingCount() {
    return db_.queryInt(
        "SELECT count(*) FROM checkins WHERE batch_id IS NULL OR batch_id NOT IN "
        "(SELECT batch_id FROM dead_letters)");
}

Result<std::optional<std::int64_t>> Outbox::oldestPendingHour() {
    auto stmt = db_.prepare(
        "SELECT min(hour_bucket) FROM checkins WHERE batch_id IS NULL OR batch_id NOT IN "
        "(SELECT batch_id FROM dead_letters)");
    if (!stmt) {
        return stmt.error();
    }
    auto row = stmt->step();
    if (!row) {
        return row.error();
    }
    if (!row.value() || stmt->columnIsNull(0)) {
        return std::optional<std::int64_t>{};
    }
    return std::optional<std::int64_t>(stmt->columnInt(0));
}

Status Outbox::saveSiteConfig(SiteConfigSlot slot, const StoredSiteConfig& config) {
    auto stmt =
        db_.prepare("INSERT OR REPLACE INTO site_config (slot, version, content) VALUES (?, ?, ?)");
    if (!stmt) {
        return stmt.error();
    }
    return stmt->bind(1, static_cast<std::int64_t>(slot))
        .bind(2, std::int64_t{config.version})
        .bind(3, config.contentJson)
        .run();
}

Result<std::optional<StoredSiteConfig>> Outbox::siteConfig(SiteConfigSlot slot) {
    auto stmt = db_.prepare("SELECT version, content FROM site_config WHERE slot = ?");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, static_cast<std::int64_t>(slot));
    auto row = stmt->step();
    if (!row) {
        return row.error();
    }
    if (!row.value()) {
        return std::optional<StoredSiteConfig>{};
    }
    return std::optional<StoredSiteConfig>(
        StoredSiteConfig{static_cast<int>(stmt->columnInt(0)), stmt->columnText(1)});
}

Status Outbox::deadLetter(const std::string& batchId, const std::string& reason) {
    auto stmt = db_.prepare("INSERT OR REPLACE INTO dead_letters (batch_id, reason) VALUES (?, ?)");
    if (!stmt) {
        return stmt.error();
    }
    return stmt->bind(1, batchId).bind(2, reason.substr(0, 500)).run();
}

Status Outbox::setAside(const std::string& batchId, const std::vector<std::size_t>& rows,
                        const std::string& reason) {
    auto tx = Transaction::begin(db_);
    if (!tx) {
        return tx.error();
    }
    // The rows of the batch in the order it was sent (loadBatch's).
    auto found = keysOf(batchId);
    if (!found) {
        return found.error();
    }
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
        auto stmt = db_.prepare(sql);
        if (!stmt) {
            return stmt.error();
        }
        stmt->bind(1, asideId);
        if (std::string_view(sql).find("?2") != std::string_view::npos) {
            stmt->bind(2, reason.substr(0, 500));
        }
        if (auto s = stmt->run(); !s) {
            return s;
        }
    }
    for (std::size_t index : rows) {
        auto move = db_.prepare("UPDATE checkins SET batch_id = ? WHERE id = ?");
        if (!move) {
            return move.error();
        }
        if (auto s = move->bind(1, asideId).bindBlob(2, keys[index]).run(); !s) {
            return s;
        }
    }
    for (const char* sql : {"UPDATE checkins SET batch_id = NULL WHERE batch_id = ?",
                            "DELETE FROM batches WHERE batch_id = ?"}) {
        auto stmt = db_.prepare(sql);
        if (!stmt) {
            return stmt.error();
        }
        if (auto s = stmt->bind(1, batchId).run(); !s) {
            return s;
        }
    }
    return tx->commit();
}

Result<std::int64_t> Outbox::resendDeadLetters() {
    auto count = db_.queryInt("SELECT count(*) FROM dead_letters");
    if (!count) {
        return count.error();
    }
    // Their batches keep their ids (the collector stored none of them) and
    // go back into the queue, one after another.
    if (auto s = db_.exec("DELETE FROM dead_letters"); !s) {
        return s.error();
    }
    return count.value();
}

Result<std::vector<DeadLetter>> Outbox::deadLetters() {
    auto stmt = db_.prepare(
        "SELECT d.batch_id, d.reason, count(c.id) FROM dead_letters d "
        "LEFT JOIN checkins c ON c.batch_id = d.batch_id GROUP BY d.batch_id ORDER BY d.batch_id");
    if (!stmt) {
        return stmt.error();
    }
    std::vector<DeadLetter> letters;
    while (true) {
        auto row = stmt->step();
        if (!row) {
            return row.error();
        }
        if (!row.value()) {
            return letters;
        }
        letters.push_back({stmt->columnText(0), stmt->columnText(1), stmt->columnInt(2)});
    }
}

}  // namespace carekiosk::storage

namespace carekiosk::storage {

Status Outbox::addBuddyRequest(const core::BuddyRequest& request, const ContactSealer& seal) {
    if (unavailable_) {
        return *unavailable_;
    }
    if (auto valid = core::validateBuddyRequest(request); !valid) {
        return valid;
    }
    auto sealed = seal(core::encodeBuddyContact(request));
    if (!sealed) {
        return sealed.error();
    }
    std::array<std::uint8_t, kRowKeyBytes> key{};
    random_->fill(key);
    const std::string& contact = sealed.value();
    auto stmt = db_.prepare(
        "INSERT INTO buddy_requests (id, site_id, kind, times, contact_format, contact) "
        "VALUES (?, ?, ?, ?, 1, ?)");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bindBlob(1, key)
        .bind(2, request.siteId)
        .bind(3, request.kind)
        .bind(4, joinIds(request.times))
        .bindBlob(5, std::span<const std::uint8_t>(
                         reinterpret_cast<const std::uint8_t*>(contact.data()), contact.size()));
    return explainFull(commitWritten(stmt.value()));
}

Result<std::int64_t> Outbox::pendingBuddyRequests() {
    return db_.queryInt("SELECT count(*) FROM buddy_requests");
}

Result<std::vector<core::SealedBuddyRequest>> Outbox::sealedBuddyRequests(std::size_t limit) {
    auto stmt = db_.prepare(
        "SELECT id, site_id, kind, times, contact FROM buddy_requests WHERE contact_format = 1 "
        "ORDER BY id LIMIT ?");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, static_cast<std::int64_t>(limit));
    std::vector<core::SealedBuddyRequest> requests;
    while (true) {
        auto row = stmt->step();
        if (!row) {
            return row.error();
        }
        if (!row.value()) {
            return requests;
        }
        const auto id = stmt->columnBlob(0);
        const auto contact = stmt->columnBlob(4);
        requests.push_back(core::SealedBuddyRequest{
            core::toHex(std::string_view(reinterpret_cast<const char*>(id.data()), id.size())),
            stmt->columnText(1), stmt->columnText(2), splitIds(stmt->columnText(3)),
            core::toHex(
                std::string_view(reinterpret_cast<const char*>(contact.data()), contact.size()))});
    }
}

Status Outbox::deleteBuddyRequests(const std::vector<std::string>& ids) {
    auto tx = Transaction::begin(db_);
    if (!tx) {
        return tx.error();
    }
    auto stmt = db_.prepare("DELETE FROM buddy_requests WHERE id = ?");
    if (!stmt) {
        return stmt.error();
    }
    for (const auto& id : ids) {
        std::string key;
        if (!core::fromHex(id, key)) {
            continue;
        }
        stmt->reset();
        stmt->bindBlob(1, std::span<const std::uint8_t>(
                              reinterpret_cast<const std::uint8_t*>(key.data()), key.size()));
        if (auto s = stmt->run(); !s) {
            return s;
        }
    }
    return tx->commit();
}

}  // namespace carekiosk::storage
