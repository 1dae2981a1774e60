#pragma once
// The kiosk's durable outbox of check-ins.
//
// Contract:
//   - add() returns only after the row is committed to disk (synchronous=FULL);
//     the UI thanks a person only after that.
//   - The files keep no order of commits: a truncating rollback journal
//     (Journal::NoHistory), secure_delete, and after every addition the rows
//     waiting are rewritten in key order in the same transaction, so neither
//     the journal, nor free pages, nor where a row sits in its page tells who
//     came before whom (tested by "after a power cut the kiosk's files do not
//     tell the order people came in").
//   - nextBatch() assigns a batch id to pending rows and persists it *before* the
//     first upload try, so a retry after a crash or timeout re-sends the same id
//     and the collector can store it exactly once.
//   - acknowledge() deletes a batch's rows; call it only after the collector
//     confirmed that batch id.
// Rows have a random primary key and no insert time or sequence number, so the
// file cannot be used to order the people who checked in.
//
// Thread: one Outbox per thread (each holds its own SQLite connection); several
// Outbox objects may share one file.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <functional>

#include "carekiosk/core/buddy.hpp"
#include "carekiosk/core/checkin.hpp"
#include "carekiosk/core/clock.hpp"
#include "carekiosk/core/result.hpp"
#include "carekiosk/core/wire.hpp"
#include "carekiosk/storage/sqlite.hpp"

namespace carekiosk::storage {

struct DeadLetter {
    std::string batchId;
    std::string reason;  // the collector's words
    std::int64_t checkIns = 0;
};

struct StorageUsage {
    std::int64_t usedBytes = 0;
    std::int64_t capBytes = 0;  // 0 when setStorageCap() was not called on this Outbox
};

inline constexpr std::int64_t kDefaultStorageCapBytes = 200LL * 1024 * 1024;

// A site config as fetched: its version and JSON object of site content fields.
struct StoredSiteConfig {
    int version = 0;
    std::string contentJson;
};
enum class SiteConfigSlot { Fetched = 1, Running = 2 };

class Outbox {
  public:
    // `random` must outlive the Outbox; it makes row keys and batch ids.
    static Result<Outbox> open(const std::filesystem::path& path, core::RandomSource& random);

    struct Recovered;
    // Like open(), but a damaged file (not a database, or PRAGMA quick_check
    // fails) is moved aside as "<path>.corrupt-<UTC time>" with its -wal and
    // -shm files, and a fresh outbox is created in its place. Nothing is
    // deleted. Other failures (permissions, full disk) are returned as errors.
    // An outbox that saves nothing: it stands in, in memory, while the file
    // cannot be opened (a full disk at start-up, a failing card), so that the
    // kiosk runs and says check-ins are paused instead of exiting and being
    // restarted for ever. add(), addOpen() and addBuddyRequest() return
    // `why` with what to do; reads see an empty outbox. The kiosk replaces it
    // with open() once the file opens (KioskApp).
    static Result<Outbox> unavailable(core::Error why, core::RandomSource& random);
    // Why this outbox saves nothing (see unavailable()); nullopt for a real one.
    const std::optional<core::Error>& unavailableReason() const { return unavailable_; }

    static Result<Recovered> openOrRecover(const std::filesystem::path& path,
                                           core::RandomSource& random, const core::Clock& clock);

    // Caps the file's size for this connection. At the cap add() fails with
    // ErrorCode::Storage (nothing unsent is ever deleted to make room).
    Status setStorageCap(std::int64_t bytes);
    Result<StorageUsage> usage();

    // Validates and durably stores one check-in.
    Status add(const core::CheckIn& checkIn);

    // A check-in stored as soon as the face is chosen, while the person may
    // still add reasons: durable like add(), and "held open" so that no batch
    // takes it until it is closed. Returns its key (hex) for the calls below.
    // The hold lives in this process's memory only (never on disk, where it
    // would mark the newest row for whoever takes the disk): every Outbox on
    // the same file in this process (the uploader's) leaves it out of
    // batches, and a crash, a restart or destroying this Outbox closes it.
    // Another process (carekiosk --upload-and-exit) does not see the hold:
    // a change of face or reasons for a row it already batched are refused
    // (ErrorCode::Rejected) and the row stays as it was sent.
    Result<std::string> addOpen(const core::CheckIn& checkIn);
    // The person changed their face: the open check-in's score becomes
    // `score`. An id this Outbox does not hold open changes nothing.
    Status reviseOpen(const std::string& openId, int score);
    // Submit, Skip, leaving or a timeout: the check-in gets `reasons` (option
    // ids; empty for none) and is released to the uploader. An id not held
    // open changes nothing. On an error the reasons are not added but the
    // check-in is still released, with its face.
    Status closeOpen(const std::string& openId, const std::vector<std::string>& reasons);
    // Releases every check-in this Outbox holds open, as they are; returns how many.
    std::int64_t closeAllOpen();

    // Validates and durably stores one buddy request, in its own table with its
    // own random key and no time, so it cannot be joined to any check-in. The
    // contact (name and how to reach them) goes through `seal` first and only
    // the sealed bytes are written (contact_format 1): the plain contact never
    // touches the database, its WAL or its journal. An error from `seal` is
    // returned and nothing is stored.
    using ContactSealer = std::function<Result<std::string>(const std::string& plain)>;
    Status addBuddyRequest(const core::BuddyRequest& request, const ContactSealer& seal);
    // Every buddy request still on the kiosk (sealed or, from before sealing, not).
    Result<std::int64_t> pendingBuddyRequests();
    // Up to `limit` sealed requests to upload, in random key order.
    Result<std::vector<core::SealedBuddyRequest>> sealedBuddyRequests(std::size_t limit);
    // Deletes the requests the collector acknowledged (unknown ids are ignored).
    Status deleteBuddyRequests(const std::vector<std::string>& ids);

    // The batch to send next: the batch that was assigned but never acknowledged
    // (there is at most one, since a new one is made only when none is open),
    // else a new batch of up to `maxRows` pending rows, in random key order,
    // which shuffles them. nullopt when nothing is pending.
    Result<std::optional<core::Batch>> nextBatch(std::size_t maxRows = core::kMaxRowsPerBatch);

    // Deletes the rows of `batchId` and the batch itself. Unknown ids are a no-op
    // (the batch may already have been acknowledged before a crash).
    Status acknowledge(const std::string& batchId);
    // acknowledge() and nextBatch() in one durable commit (the upload drain's
    // path: one fdatasync per batch where there were two).
    Result<std::optional<core::Batch>> acknowledgeAndNext(
        const std::string& batchId, std::size_t maxRows = core::kMaxRowsPerBatch);

    // Check-ins waiting for upload: not acknowledged and not dead-lettered.
    Result<std::int64_t> pendingCount();
    // The hour (Unix seconds) of the oldest check-in waiting for upload, or
    // nullopt when none waits. Only the hour is known: no exact time is kept.
    Result<std::optional<std::int64_t>> oldestPendingHour();

    // Site configs from the collector: the newest fetched (written by the
    // upload worker) and the one running (written by the UI thread once it
    // validated and applied it).
    Status saveSiteConfig(SiteConfigSlot slot, const StoredSiteConfig& config);
    Result<std::optional<StoredSiteConfig>> siteConfig(SiteConfigSlot slot);

    // Takes a batch the collector refused as invalid out of the upload queue.
    // Its rows are kept on the kiosk with `reason`; they are never deleted here.
    Status deadLetter(const std::string& batchId, const std::string& reason);
    Result<std::vector<DeadLetter>> deadLetters();
    // The collector refused some rows of `batchId` (indices in the batch as
    // sent) and stored nothing of it: those rows are set aside together as a
    // dead letter with `reason`, and the others are released to go out in a
    // new batch. One transaction; an index out of range changes nothing.
    Status setAside(const std::string& batchId, const std::vector<std::size_t>& rows,
                    const std::string& reason);
    // Puts every dead letter back in the queue (after the cause was fixed:
    // the collector's clock, an enrolment), keeping its batch id; returns how
    // many batches.
    Result<std::int64_t> resendDeadLetters();

    Database& database() { return db_; }

    Outbox(Outbox&& other) noexcept;
    // Releases what this Outbox held open before taking `other`'s.
    Outbox& operator=(Outbox&& other) noexcept;
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;
    // Releases every check-in it holds open (they are complete as stored).
    ~Outbox();

  private:
    Outbox(Database db, core::RandomSource& random);
    void holdOpen(const std::string& key);
    void releaseOpen(const std::string& key);
    // The rows' keys of a batch, in key order (the order it is sent in).
    struct BatchKeys {
        std::string batchId;
        std::vector<std::vector<std::uint8_t>> keys;
    };
    // The keys of `batchId`: remembered if this Outbox assigned or looked it
    // up last, else found with one scan and remembered.
    Result<const BatchKeys*> keysOf(const std::string& batchId);
    Result<core::Batch> loadBatch(const std::string& batchId);
    // Deletes `acknowledged` (if any) and assigns the next batch, in one commit.
    Result<std::optional<core::Batch>> commitNextBatch(
        const std::optional<std::string>& acknowledged, std::size_t maxRows);
    // Inside the caller's transaction: the id of the batch to send next (an
    // unsent one, or a new one given the waiting rows), or "" if none.
    Result<std::string> assignNextBatch(std::size_t maxRows);
    // Inside the caller's transaction: deletes the batch and its rows.
    Status deleteBatch(const std::string& batchId);
    // Turns SQLITE_FULL at our own cap into a message that says what it is.
    Status explainFull(Status inserted);
    Result<std::string> insertCheckIn(const core::CheckIn& checkIn, bool hold);
    Status updateOpen(const std::string& openId, std::optional<int> score,
                      const std::optional<std::vector<std::string>>& reasons);
    // Runs `insert` and rewriteInKeyOrder() in one transaction and commits it.
    Status commitWritten(Statement& insert);
    // Rewrites the tables of check-ins and buddy requests in key order, inside
    // the caller's transaction (see the file comment).
    Status rewriteInKeyOrder();

    Database db_;
    core::RandomSource* random_;
    std::int64_t capBytes_ = 0;               // set by setStorageCap(); 0 = no cap
    std::set<std::string> holding_;           // keys this Outbox holds open (see addOpen)
    std::string fileKey_;                     // the file, canonical: whose holds are shared
    std::optional<core::Error> unavailable_;  // set: saves nothing (see unavailable())
    // The last batch assigned or looked up: its acknowledgement and reload go
    // by primary key, so draining N rows is not N/500 scans of the table.
    std::optional<BatchKeys> lastBatch_;
};

struct Outbox::Recovered {
    Outbox outbox;
    std::optional<std::string> movedAside;  // where a damaged file was moved, if one was
    std::string reason;                     // why it was moved
};

}  // namespace carekiosk::storage
