// The outbox: opening (and recovering) the file, saving check-ins and the
// ones held open, the storage cap and the no-history rewrite. Batches are in
// outbox_batches.cpp, buddy requests in outbox_buddies.cpp, the schema in
// outbox_schema.cpp.
#include "carekiosk/storage/outbox.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <map>
#include <mutex>
#include <set>

#include "outbox_internal.hpp"

namespace carekiosk::storage {

using core::Batch;
using core::CheckIn;

namespace {

// Check-ins held open in this process, by database file, so that the
// uploader's own connection (another Outbox on the same file) leaves them out
// of batches. In memory only, on purpose: nothing on disk marks the newest
// row for whoever takes the disk, and a crash or restart closes them (the
// face was the answer).
std::mutex gHeldMutex;
std::map<std::string, std::set<std::string>> gHeld;  // file -> row keys (hex)

}  // namespace

namespace detail {

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

}  // namespace detail

using detail::joinIds;
using detail::kRowKeyBytes;
using detail::notHeldCondition;

Result<Outbox> Outbox::open(const std::filesystem::path& path, core::RandomSource& random) {
    CAREKIOSK_TRY_LET(db, Database::open(path, detail::outboxSchema(), Journal::NoHistory));
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
        auto db = Database::open(path, detail::outboxSchema(), Journal::NoHistory);
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
    CAREKIOSK_TRY_LET(fresh, open(path, random));
    return Recovered{std::move(fresh).value(), aside, reason};
}

Status Outbox::setStorageCap(std::int64_t bytes) {
    CAREKIOSK_TRY_LET(pageSize, db_.queryInt("PRAGMA page_size"));
    const std::string sql = "PRAGMA max_page_count=" +
                            std::to_string(std::max<std::int64_t>(1, bytes / pageSize.value()));
    CAREKIOSK_TRY(db_.exec(sql.c_str()));
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
    CAREKIOSK_TRY_LET(db, Database::openInMemory(detail::outboxSchema()));
    Outbox outbox(std::move(db).value(), random);
    why.message = "check-ins are paused: the kiosk's database cannot be opened (" + why.message +
                  "); nothing is saved until it opens. Free space or replace the storage; the "
                  "kiosk tries again every 30 s";
    outbox.unavailable_ = std::move(why);
    return outbox;
}

Status Outbox::add(const CheckIn& checkIn) {
    CAREKIOSK_TRY_LET(added, insertCheckIn(checkIn, false));
    return {};
}

Result<std::string> Outbox::addOpen(const CheckIn& checkIn) {
    return insertCheckIn(checkIn, true);
}

Result<std::string> Outbox::insertCheckIn(const CheckIn& checkIn, bool hold) {
    if (unavailable_) {
        return *unavailable_;
    }
    CAREKIOSK_TRY(core::validateCheckIn(checkIn));
    std::array<std::uint8_t, kRowKeyBytes> key{};
    random_->fill(key);
    const std::string hex =
        core::toHex(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
    CAREKIOSK_TRY_LET(
        stmt,
        db_.prepare(
            "INSERT INTO checkins (id, score, site_id, question_set_version, hour_bucket, reasons, "
            "team) VALUES (?, ?, ?, ?, ?, ?, ?)"));
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
            CAREKIOSK_TRY(core::validateOptionId(reason, "reasons"));
        }
    }
    // Never a row already in a batch (another process's uploader may have
    // taken it): a batch's content is fixed once its id is assigned.
    const auto keyBytes = std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t*>(key.data()), key.size());
    {
        CAREKIOSK_TRY_LET(batched,
                          db_.prepare("SELECT batch_id IS NOT NULL FROM checkins WHERE id = ?"));
        batched->bindBlob(1, keyBytes);
        CAREKIOSK_TRY_LET(row, batched->step());
        if (row.value() && batched->columnInt(0) == 1) {
            return core::makeError(core::ErrorCode::Rejected,
                                   "this check-in was already taken into a batch (by another "
                                   "process's upload); it stays as it was sent");
        }
    }
    CAREKIOSK_TRY_LET(
        stmt, db_.prepare(
                  "UPDATE checkins SET score = coalesce(?, score), reasons = coalesce(?, reasons) "
                  "WHERE id = ? AND batch_id IS NULL"));
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
    CAREKIOSK_TRY_LET(tx, Transaction::begin(db_));
    CAREKIOSK_TRY(insert.run());
    CAREKIOSK_TRY(rewriteInKeyOrder());
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
            CAREKIOSK_TRY(db_.exec(step.c_str()));
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
    CAREKIOSK_TRY_LET(stmt, db_.prepare("SELECT version, content FROM site_config WHERE slot = ?"));
    stmt->bind(1, static_cast<std::int64_t>(slot));
    CAREKIOSK_TRY_LET(row, stmt->step());
    if (!row.value()) {
        return std::optional<StoredSiteConfig>{};
    }
    return std::optional<StoredSiteConfig>(
        StoredSiteConfig{static_cast<int>(stmt->columnInt(0)), stmt->columnText(1)});
}

}  // namespace carekiosk::storage
