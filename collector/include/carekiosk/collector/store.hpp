#pragma once
// The collector's store: sites, enrolment codes, devices, API tokens, and the
// check-ins themselves, in SQLite (the embedded default: one file, one
// collector process) or PostgreSQL (several collector processes on one
// database). The same code runs on both through sql::Connection, so they
// behave the same; the collector's tests run against each.
//
// Privacy by construction: a stored check-in is score, site, question-set
// version and hour bucket under a random key. No receive time, no device, no
// client address is stored with it; a batch leaves only its id (for dedup).
// Secrets (device tokens, API tokens, enrolment codes) are stored as BLAKE2b
// hashes; the plain value is returned once, when it is created.
//
// Thread-safety: every method may be called from any thread. Writes go through
// one connection under a mutex; token lookups and summaries read the last
// commit through a second connection, so they never wait for a write.
// Several processes: on PostgreSQL, what must happen once (a batch id, an
// enrolment code) is decided by unique keys and conditional updates inside
// transactions, never by this process's locks.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "carekiosk/collector/fleet.hpp"
#include "carekiosk/collector/released.hpp"
#include "carekiosk/collector/sql.hpp"
#include "carekiosk/collector/summary.hpp"
#include "carekiosk/core/clock.hpp"
#include "carekiosk/core/result.hpp"
#include "carekiosk/core/time_zone.hpp"
#include "carekiosk/core/wire.hpp"
#include "carekiosk/storage/sqlite.hpp"
#include "carekiosk/storage/wal_checkpointer.hpp"

namespace carekiosk::collector {

using core::Result;
using core::Status;

struct Device {
    std::string deviceId;
    std::string siteId;
    // The team tag it was enrolled with: every check-in it sends carries
    // exactly this ("" for none). nullopt: enrolled before the collector kept
    // it; its first batch sets it.
    std::optional<std::string> team = std::nullopt;
    // When it was enrolled (Unix seconds); 0 when unknown (enrolled before the
    // collector kept it).
    std::int64_t enrolledAt = 0;
};

// How far back a kiosk's check-ins may reach: a kiosk that has been offline
// (or was enrolled with check-ins already waiting) for longer is refused
// rather than trusted with an hour far in the past.
inline constexpr std::chrono::hours kMaxOfflineAge{24 * 90};
// How far ahead of the collector's clock a check-in's hour may be.
inline constexpr std::chrono::hours kMaxClockAhead{1};

// What an API token may do (see server.hpp for each endpoint's role).
enum class ApiRole { Manager, Coordinator, Facilities, Admin };
const char* roleName(ApiRole role);

// A site's config as kiosks fetch it: validated JSON (site content fields) and
// a version that grows with every change. Version 0 with empty json: none set.
struct SiteConfig {
    int version = 0;
    std::string json;
};

// Setting keys.
inline constexpr const char* kBuddyPublicKeySetting = "buddy_public_key";

// A check-in of a batch that can never be stored, and why.
struct RowRefusal {
    std::size_t index = 0;  // in the batch as sent
    std::string field;      // e.g. "checkins[3].hour"
    std::string message;    // names the field and the fix
};

struct StoreResult {
    int stored = 0;
    bool duplicate = false;
    // Non-empty: nothing of the batch was stored, because of these rows (the
    // kiosk sets them aside and sends the others again in a new batch).
    std::vector<RowRefusal> refused;
};

inline constexpr std::chrono::hours kDefaultCodeLifetime{24};

class Store {
  public:
    // Opens or creates the SQLite database at `path` and migrates it. `clock`
    // and `random` must outlive the Store.
    static Result<std::unique_ptr<Store>> open(const std::filesystem::path& path,
                                               const core::Clock& clock,
                                               core::RandomSource& random);
    // Connects to the PostgreSQL database at `uri` (postgresql://...) and
    // migrates it; other collectors may use it at the same time. The database
    // must exist; its tables are created.
    static Result<std::unique_ptr<Store>> openPostgres(const std::string& uri,
                                                       const core::Clock& clock,
                                                       core::RandomSource& random);
    // The `--db` option: `sqlite:PATH` or a plain path opens SQLite,
    // `postgresql://...` PostgreSQL. Anything else with "://" is refused,
    // naming the field `db`.
    static Result<std::unique_ptr<Store>> connect(const std::string& location,
                                                  const core::Clock& clock,
                                                  core::RandomSource& random);

    // Admin operations.
    Status createSite(const std::string& siteId, const std::string& name);
    // A one-time enrolment code for `siteId`, valid for `lifetime`.
    Result<std::string> createEnrollCode(const std::string& siteId,
                                         std::chrono::seconds lifetime = kDefaultCodeLifetime);
    // A new API token for `role` (returned once; stored hashed).
    // `sites`: for a manager token, the only sites it may read and post
    // messages for (each must exist); empty: every site. Other roles take none.
    Result<std::string> createApiToken(ApiRole role, const std::string& name,
                                       const std::vector<std::string>& sites = {});
    Result<std::string> createManagerToken(const std::string& name);

    // Revokes a kiosk's token: its uploads get 401 from now on. NotFound if unknown.
    Status revokeDevice(const std::string& deviceId);
    // Revokes an API token given its value. NotFound if it is not a known token.
    Status revokeApiToken(const std::string& token);

    // Exchanges a code for a new device and its token. The code is consumed in
    // the same transaction, so it works exactly once. Unknown, used and expired
    // codes are ErrorCode::Unauthorized with a message that says which.
    // `team`: the kiosk's team tag ("" for none), which binds every check-in it
    // sends (an option id; InvalidInput naming `team` otherwise).
    Result<core::EnrollResponse> enroll(const std::string& code, const std::string& team = {});

    // nullopt when the token is unknown or revoked.
    Result<std::optional<Device>> authenticateDevice(const std::string& token);

    // Who holds `token`: a kiosk (device set), an API role (role set), or
    // nobody (neither: unknown or revoked).
    struct Caller {
        std::optional<Device> device;
        std::optional<ApiRole> role;
        std::vector<std::string> sites;  // a manager token's sites; empty: all

        bool coversSite(const std::string& siteId) const {
            return sites.empty() || std::find(sites.begin(), sites.end(), siteId) != sites.end();
        }
    };
    Result<Caller> identify(const std::string& token);

    // The dashboard's sign-in sessions, in the database so that any collector
    // behind a balancer serves any browser. The cookie carries `id` (32 random
    // bytes, hex), never the token; only hashes are stored. A session ends
    // when it expires, is closed (sign-out) or its token is revoked.
    struct WebSession {
        std::string id;
        std::string csrf;  // the forms' CSRF token, 32 random bytes hex
    };
    struct SignedIn {
        Caller caller;
        std::string csrf;
    };
    Result<WebSession> openWebSession(const std::string& token, std::chrono::seconds lifetime);
    // nullopt for an unknown, expired, closed or revoked session.
    Result<std::optional<SignedIn>> findWebSession(const std::string& id);
    Status closeWebSession(const std::string& id);

    // Keeps the kiosk's newest heartbeat and the time it arrived.
    Status recordHeartbeat(const Device& device, const core::Heartbeat& heartbeat);
    // Every enrolled kiosk with its newest heartbeat, by site then device id.
    Result<std::vector<FleetRow>> fleetRows();
    // The kiosk asked to leave (`carekiosk-provision unenroll`): its token is
    // revoked and the fleet view shows it as unenrolled rather than silent.
    Status unenrollDevice(const Device& device);

    // Replaces a site's config (the caller has validated it) and bumps its
    // version; returns the new version. NotFound for an unknown site.
    Result<SiteConfig> setSiteConfig(const std::string& siteId, const std::string& json);
    // The site's time zone (an IANA name) and the time its days' figures are
    // released the next morning (minutes past local midnight). Days already
    // released keep their figures. NotFound for an unknown site.
    Status setSiteCalendar(const std::string& siteId, const core::TimeZone& zone,
                           int releaseMinute);
    struct SiteCalendar {
        core::TimeZone zone = core::TimeZone::utc();
        int releaseMinute = 0;
        std::int64_t releasedThrough = -1;  // the newest released day; -1: none
    };
    // The site's calendar as stored (nothing is released by reading it).
    Result<SiteCalendar> siteCalendar(const std::string& siteId);
    // The site's config as kiosks fetch it: the stored content plus the
    // managers' messages that have not ended.
    Result<SiteConfig> siteConfig(const std::string& siteId);

    // Stores a manager's "you said, we did" message and bumps the site's config
    // version so kiosks fetch it. Returns its id. NotFound for an unknown site.
    Result<std::int64_t> postMessage(const core::PostedMessage& message);

    // Stores a kiosk's sealed buddy requests once per id (all must be for the
    // kiosk's site) and returns the ids now held, repeats included, for the
    // kiosk to delete its copies.
    Result<std::vector<std::string>> storeBuddyRequests(const Device& device,
                                                        const core::BuddyRequestList& list);
    // The requests not yet handled, for one site or (empty) all.
    Result<core::BuddyRequestList> buddyInbox(const std::string& siteId);
    // Marks requests handled today; returns how many were waiting.
    Result<int> markBuddyRequestsHandled(const std::vector<std::string>& ids);
    // Deletes requests handled more than `retentionDays` ago; returns how many.
    Result<int> purgeHandledBuddyRequests(int retentionDays);

    // Organisation settings; a missing key reads as "".
    Status setSetting(const std::string& key, const std::string& value);
    Result<std::string> setting(const std::string& key);

    // Stores a batch exactly once per batch id, durably: it returns after the
    // transaction holding the batch has committed. Concurrent calls share one
    // transaction (group commit), each batch under its own savepoint, so one
    // bad batch fails alone. A batch id stored before is acknowledged again
    // (duplicate) before anything else is looked at; otherwise rows the
    // device may not claim (checkBatch) make it store nothing and list them
    // in StoreResult::refused.
    Result<StoreResult> storeBatch(const Device& device, const core::Batch& batch);
    // Every row of `batch` that `device` may not claim (another site, another
    // team, an hour more than an hour ahead of this collector's clock or long
    // before the kiosk's enrolment). `boundTeam` gets the team the batch
    // binds (the device's, or for a device enrolled before teams were kept,
    // its first row's). Thread-safe.
    std::vector<RowRefusal> checkBatch(const Device& device, const core::Batch& batch,
                                       std::optional<std::string>* boundTeam = nullptr) const;
    // Whether a batch with this id was stored before. Thread-safe.
    Result<bool> batchStored(const std::string& batchId);

    // The raw per-day counts of one site over [fromDay, toDay] (days since
    // 1970, local days of the site), days without check-ins or buddy requests
    // left out. Never served: summaries come from what is released.
    Result<std::vector<DayCounts>> dayCounts(const std::string& siteId, std::int64_t fromDay,
                                             std::int64_t toDay);
    // How many check-ins the site has stored: a count of the rows themselves,
    // not of the rollups, for operators and load tests checking that nothing
    // was lost or stored twice. Not served to managers.
    Result<std::int64_t> storedCheckIns(const std::string& siteId);
    // The site's team tags, sorted ("" left out): those its kiosks were
    // enrolled with, and any its released figures hold.
    Result<std::vector<std::string>> teams(const std::string& siteId);

    // Releases the site's days whose release time has passed by the store's
    // clock (release.hpp), with smallest group `minGroup`: pools their check-
    // ins, decides what each new cell shows, and keeps it all, in one
    // transaction. Collectors sharing a database may call it at once: one
    // does the work, the others find it done. Cheap when nothing is due.
    Status release(const std::string& siteId, int minGroup);
    // What the site has released over [fromDay, toDay]: the one source of
    // summaries (summarize()). Releases what is due first.
    Result<Released> released(const std::string& siteId, std::int64_t fromDay, std::int64_t toDay,
                              int minGroup);

    // The summary for `query`: summarize() over released(). The one way the
    // collector's outputs get figures.
    Result<core::SiteSummary> summary(const SummaryQuery& query);

    Result<bool> siteExists(const std::string& siteId);
    // Whether the database answers a trivial query (for GET /healthz).
    Status ping();
    // A consistent copy of a SQLite store at `target` (a new file), taken
    // while the collector serves. InvalidInput naming `to` if it exists; a
    // PostgreSQL store is refused with a pointer to pg_dump.
    Status backupTo(const std::filesystem::path& target);
    // Every site as (id, name), by id.
    Result<std::vector<std::pair<std::string, std::string>>> listSites();

    // The clock the store was opened with (the server's notion of now).
    const core::Clock& clock() const { return clock_; }

  private:
    Store(std::unique_ptr<sql::Connection> db, std::unique_ptr<sql::Connection> reader,
          const core::Clock& clock, core::RandomSource& random)
        : db_(std::move(db)), reader_(std::move(reader)), clock_(clock), random_(random) {}
    // A storeBatch call waiting for its group's commit.
    struct PendingBatch {
        const Device& device;
        const core::Batch& batch;
        Result<StoreResult> result = StoreResult{};
        bool done = false;
    };
    // Per-day counts to add to the rollups, keyed by (site, day, team, score
    // or reason).
    struct Rollups {
        std::map<std::tuple<std::string, std::int64_t, std::string, int>, std::int64_t> scores;
        std::map<std::tuple<std::string, std::int64_t, std::string, std::string>, std::int64_t>
            reasons;
        void add(const Rollups& other);
    };
    // Writes `group` in one transaction and sets each one's result. Takes mutex_.
    void writeGroup(const std::vector<PendingBatch*>& group);
    // Inserts one batch inside the open transaction (its rows are for one
    // site, checked by storeBatch) and adds its counts to `rollups` (applied
    // by the caller), on the local days of `zone`. Needs mutex_.
    Result<StoreResult> insertBatchLocked(const core::Batch& batch, const core::TimeZone& zone,
                                          Rollups& rollups);
    // Adds `rollups` to day_scores and day_reasons. Needs mutex_.
    Status addRollupsLocked(const Rollups& rollups);
    Result<bool> siteExistsLocked(const std::string& siteId);
    // An API token's role (by its stored name) and sites; readerMutex_ held.
    Status fillApiCallerLocked(const std::string& tokenHash, const std::string& role,
                               Caller& caller);
    // Store::release inside the writer lock.
    Status releaseLocked(const std::string& siteId, int k);
    // The site's time zone as the writer sees it. Needs mutex_.
    Result<core::TimeZone> siteZoneLocked(const std::string& siteId);
    // Sets the team of a kiosk enrolled before teams were kept, once.
    Status bindDeviceTeam(const std::string& deviceId, const std::string& team);
    Result<SiteConfig> siteConfigLocked(const std::string& siteId);
    Result<std::vector<core::DatedMessage>> currentMessagesLocked(const std::string& siteId);

    std::mutex mutex_;
    std::unique_ptr<sql::Connection> db_;  // writes, and reads that must see them at once
    // Reads of committed state on the request path (tokens) and summaries.
    std::mutex readerMutex_;
    std::unique_ptr<sql::Connection> reader_;
    // Group commit (storeBatch): batches waiting, and whether one thread is
    // writing a group. Guarded by queueMutex_, never held with mutex_ waiting.
    std::mutex queueMutex_;
    std::condition_variable queueDone_;
    std::vector<PendingBatch*> queue_;
    bool writing_ = false;
    // SQLite only. Declared after the connections: stopped before they close.
    std::unique_ptr<storage::WalCheckpointer> checkpointer_;
    const core::Clock& clock_;
    core::RandomSource& random_;
};

// The stored form of a secret: lowercase hex BLAKE2b-256 of its bytes.
std::string hashSecret(const std::string& secret);
// Upper-cases and strips spaces and dashes, so "abcd-efgh" == "ABCDEFGH".
std::string normalizeCode(const std::string& code);

}  // namespace carekiosk::collector
