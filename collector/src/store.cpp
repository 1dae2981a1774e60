#include "carekiosk/collector/store.hpp"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <tuple>

namespace carekiosk::collector {

using core::ErrorCode;
using core::makeError;
using sql::Transaction;
using storage::Migration;

namespace {

// Schema history. Append new steps; never edit a released one.
constexpr Migration kMigrations[] = {
    {1, R"sql(
        CREATE TABLE sites (
            site_id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            question_set_version INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE enroll_codes (
            code_hash TEXT PRIMARY KEY NOT NULL,
            site_id TEXT NOT NULL REFERENCES sites(site_id),
            expires_at INTEGER NOT NULL,
            used INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE devices (
            device_id TEXT PRIMARY KEY NOT NULL,
            site_id TEXT NOT NULL REFERENCES sites(site_id),
            token_hash TEXT NOT NULL UNIQUE,
            revoked INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE api_tokens (
            token_hash TEXT PRIMARY KEY NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('manager', 'coordinator', 'admin')),
            name TEXT NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0
        );
        -- Only the id, to acknowledge a re-sent batch without storing it twice.
        CREATE TABLE batches (batch_id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;
        -- Random key, no rowid, no receive time, no device: rows cannot be
        -- ordered or traced back to a kiosk or a moment.
        CREATE TABLE checkins (
            id BLOB PRIMARY KEY NOT NULL,
            site_id TEXT NOT NULL REFERENCES sites(site_id),
            score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
            question_set_version INTEGER NOT NULL,
            hour_bucket INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX checkins_by_site_hour ON checkins(site_id, hour_bucket);
    )sql"},
    {2, R"sql(
        -- The optional reasons picked with a check-in, one row per reason.
        CREATE TABLE checkin_reasons (
            checkin_id BLOB NOT NULL REFERENCES checkins(id),
            reason TEXT NOT NULL,
            PRIMARY KEY (checkin_id, reason)
        ) WITHOUT ROWID;
        CREATE INDEX checkin_reasons_by_reason ON checkin_reasons(reason);
    )sql"},
    {3, R"sql(
        -- Roles gain 'facilities' (the fleet view). SQLite cannot change a
        -- CHECK constraint, so the table is rebuilt with its rows.
        CREATE TABLE api_tokens_v3 (
            token_hash TEXT PRIMARY KEY NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('manager', 'coordinator', 'facilities', 'admin')),
            name TEXT NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO api_tokens_v3 (token_hash, role, name, revoked)
            SELECT token_hash, role, name, revoked FROM api_tokens;
        DROP TABLE api_tokens;
        ALTER TABLE api_tokens_v3 RENAME TO api_tokens;
        -- Each kiosk's newest heartbeat, for the fleet view. Kiosks upload on a
        -- schedule, never per tap, so this time says nothing about check-ins.
        ALTER TABLE devices ADD COLUMN last_seen INTEGER;
        ALTER TABLE devices ADD COLUMN heartbeat TEXT;
        ALTER TABLE devices ADD COLUMN unenrolled INTEGER NOT NULL DEFAULT 0;
        -- The site config kiosks fetch (validated JSON) and its version.
        ALTER TABLE sites ADD COLUMN config_json TEXT;
        ALTER TABLE sites ADD COLUMN config_version INTEGER NOT NULL DEFAULT 0;
        -- Organisation-wide settings, e.g. the public key buddy requests are sealed with.
        CREATE TABLE settings (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
    )sql"},
    {4, R"sql(
        -- Buddy requests waiting for the coordinator. The contact is a box sealed
        -- to the organisation's public key: this database cannot open it. No time
        -- is kept until a request is handled (then the day, for the retention).
        CREATE TABLE buddy_requests (
            id TEXT PRIMARY KEY NOT NULL,
            site_id TEXT NOT NULL REFERENCES sites(site_id),
            kind TEXT NOT NULL,
            times TEXT NOT NULL,
            sealed BLOB NOT NULL,
            handled_day INTEGER
        ) WITHOUT ROWID;
    )sql"},
    {5, R"sql(
        -- Managers' "you said, we did" messages; kiosks receive them with the
        -- site config (posting one bumps the site's config version).
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            site_id TEXT NOT NULL REFERENCES sites(site_id),
            text TEXT NOT NULL,
            from_day INTEGER NOT NULL,
            to_day INTEGER NOT NULL
        );
        CREATE INDEX messages_by_site ON messages(site_id, to_day);
    )sql"},
    {6, R"sql(
        -- How many buddy requests arrived per site per day, for the summaries
        -- (the requests themselves are deleted once handled, and keep no time).
        CREATE TABLE buddy_counts (
            site_id TEXT NOT NULL REFERENCES sites(site_id),
            day INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (site_id, day)
        ) WITHOUT ROWID;
    )sql"},
    {7, R"sql(
        -- The sites a manager token may read; a token with no rows here covers
        -- every site (an organisation-wide reader).
        CREATE TABLE api_token_sites (
            token_hash TEXT NOT NULL REFERENCES api_tokens(token_hash),
            site_id TEXT NOT NULL REFERENCES sites(site_id),
            PRIMARY KEY (token_hash, site_id)
        ) WITHOUT ROWID;
    )sql"},
    {8, R"sql(
        -- The optional team tag of the kiosk a check-in came from ('' for none).
        ALTER TABLE checkins ADD COLUMN team TEXT NOT NULL DEFAULT '';
    )sql"},
    {9, R"sql(
        -- Per-day counts kept up to date as batches arrive, so a summary reads a
        -- few hundred rows per site and year however many check-ins are stored.
        -- Filled here from what is already stored.
        CREATE TABLE day_scores (
            site_id TEXT NOT NULL,
            day INTEGER NOT NULL,
            team TEXT NOT NULL,
            score INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (site_id, day, team, score)
        ) WITHOUT ROWID;
        CREATE TABLE day_reasons (
            site_id TEXT NOT NULL,
            day INTEGER NOT NULL,
            team TEXT NOT NULL,
            reason TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (site_id, day, team, reason)
        ) WITHOUT ROWID;
        INSERT INTO day_scores (site_id, day, team, score, count)
            SELECT site_id, hour_bucket / 86400, team, score, count(*) FROM checkins
            GROUP BY site_id, hour_bucket / 86400, team, score;
        INSERT INTO day_reasons (site_id, day, team, reason, count)
            SELECT c.site_id, c.hour_bucket / 86400, c.team, r.reason, count(*)
            FROM checkin_reasons r JOIN checkins c ON c.id = r.checkin_id
            GROUP BY c.site_id, c.hour_bucket / 86400, c.team, r.reason;
    )sql"},
    {10, R"sql(
        -- Check-ins kept in (site, hour, random key) order instead of random-key
        -- order. A batch's rows now land together at the end of their site's
        -- newest hours, so storing it writes a few pages, not one page per row
        -- scattered over the whole table (which made ingest write-bound). The
        -- key inside an hour is still random: rows cannot be put in arrival order.
        -- The (site, hour) index is the table itself now.
        -- No foreign keys on these two tables: checking them costs a lookup per
        -- row stored (about a tenth of ingest in bench/run), and storeBatch
        -- guarantees both (every row is for the authenticated kiosk's own site,
        -- which its device row references and which is never deleted; a reason
        -- goes in with its row, in the same savepoint).
        CREATE TABLE checkins_v10 (
            site_id TEXT NOT NULL,
            hour_bucket INTEGER NOT NULL,
            id BLOB NOT NULL,
            score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
            question_set_version INTEGER NOT NULL,
            team TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (site_id, hour_bucket, id)
        ) WITHOUT ROWID;
        INSERT INTO checkins_v10 (site_id, hour_bucket, id, score, question_set_version, team)
            SELECT site_id, hour_bucket, id, score, question_set_version, team FROM checkins;
        CREATE TABLE checkin_reasons_v10 (
            site_id TEXT NOT NULL,
            hour_bucket INTEGER NOT NULL,
            checkin_id BLOB NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (site_id, hour_bucket, checkin_id, reason)
        ) WITHOUT ROWID;
        INSERT INTO checkin_reasons_v10 (site_id, hour_bucket, checkin_id, reason)
            SELECT c.site_id, c.hour_bucket, r.checkin_id, r.reason
            FROM checkin_reasons r JOIN checkins c ON c.id = r.checkin_id;
        DROP TABLE checkin_reasons;
        DROP TABLE checkins;
        ALTER TABLE checkins_v10 RENAME TO checkins;
        ALTER TABLE checkin_reasons_v10 RENAME TO checkin_reasons;
    )sql"},
    {11, R"sql(
        -- Release instead of live recomputation (release.hpp). Each site has a
        -- time zone, its days are its local days, and a day's figures are
        -- released once, the morning after, at release_minute local time;
        -- released_through is the newest released day (-1: none yet).
        ALTER TABLE sites ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
        ALTER TABLE sites ADD COLUMN release_minute INTEGER NOT NULL DEFAULT 360;
        ALTER TABLE sites ADD COLUMN released_through INTEGER NOT NULL DEFAULT -1;
        -- A kiosk's check-ins carry exactly the team it was enrolled with, and
        -- no hour long before its enrolment. NULL: enrolled before this.
        ALTER TABLE devices ADD COLUMN team TEXT;
        ALTER TABLE devices ADD COLUMN enrolled_at INTEGER;
        -- How much of each per-day count waits to be released (pooled until a
        -- team's waiting check-ins reach the smallest group).
        ALTER TABLE day_scores ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0;
        UPDATE day_scores SET waiting = count;
        ALTER TABLE day_reasons ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0;
        UPDATE day_reasons SET waiting = count;
        ALTER TABLE buddy_counts ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0;
        UPDATE buddy_counts SET waiting = count;
        CREATE INDEX day_scores_waiting ON day_scores(site_id, day) WHERE waiting > 0;
        CREATE INDEX day_reasons_waiting ON day_reasons(site_id, day) WHERE waiting > 0;
        -- What was released: per team and release day (never changed after).
        CREATE TABLE released_scores (
            site_id TEXT NOT NULL,
            day INTEGER NOT NULL,
            team TEXT NOT NULL,
            score INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (site_id, day, team, score)
        ) WITHOUT ROWID;
        CREATE TABLE released_reasons (
            site_id TEXT NOT NULL,
            day INTEGER NOT NULL,
            team TEXT NOT NULL,
            reason TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (site_id, day, team, reason)
        ) WITHOUT ROWID;
        CREATE TABLE released_buddies (
            site_id TEXT NOT NULL,
            day INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (site_id, day)
        ) WITHOUT ROWID;
        -- What each released cell with check-ins shows (disclosure.hpp): level
        -- 0 day, 1 week, 2 month; team '*' for the whole site. A reason's
        -- count is shown where it has a row in release_reasons_shown.
        CREATE TABLE release_decisions (
            site_id TEXT NOT NULL,
            team TEXT NOT NULL,
            level INTEGER NOT NULL,
            first_day INTEGER NOT NULL,
            scores_shown INTEGER NOT NULL,
            PRIMARY KEY (site_id, first_day, level, team)
        ) WITHOUT ROWID;
        CREATE TABLE release_reasons_shown (
            site_id TEXT NOT NULL,
            team TEXT NOT NULL,
            level INTEGER NOT NULL,
            first_day INTEGER NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (site_id, first_day, level, team, reason)
        ) WITHOUT ROWID;
    )sql"},
    {12, R"sql(
        -- The dashboard's sign-in sessions (Store::openWebSession): by the
        -- hash of the cookie's id, with the hash of the API token signed in
        -- with, so that a revoked token ends its sessions.
        CREATE TABLE web_sessions (
            session_hash TEXT PRIMARY KEY NOT NULL,
            token_hash TEXT NOT NULL,
            csrf TEXT NOT NULL,
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
    )sql"},
};

// The same tables in PostgreSQL, as SQLite's schema stands after step 10,
// for a database of its own (a collector never moves from one to the other).
// Text that is sorted is compared bytewise (COLLATE "C"), as SQLite does.
// Append new steps; never edit a released one.
constexpr Migration kPostgresMigrations[] = {
    {1, R"sql(
        CREATE TABLE sites (
            site_id TEXT COLLATE "C" PRIMARY KEY,
            name TEXT NOT NULL,
            question_set_version INTEGER NOT NULL DEFAULT 1,
            config_json TEXT,
            config_version INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE enroll_codes (
            code_hash TEXT PRIMARY KEY,
            site_id TEXT COLLATE "C" NOT NULL REFERENCES sites(site_id),
            expires_at BIGINT NOT NULL,
            used INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE devices (
            device_id TEXT COLLATE "C" PRIMARY KEY,
            site_id TEXT COLLATE "C" NOT NULL REFERENCES sites(site_id),
            token_hash TEXT NOT NULL UNIQUE,
            revoked INTEGER NOT NULL DEFAULT 0,
            last_seen BIGINT,
            heartbeat TEXT,
            unenrolled INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE api_tokens (
            token_hash TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('manager', 'coordinator', 'facilities', 'admin')),
            name TEXT NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE api_token_sites (
            token_hash TEXT NOT NULL REFERENCES api_tokens(token_hash),
            site_id TEXT COLLATE "C" NOT NULL REFERENCES sites(site_id),
            PRIMARY KEY (token_hash, site_id)
        );
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        -- Only the id, to acknowledge a re-sent batch without storing it twice,
        -- whichever collector it reaches: the primary key decides, not a lock.
        CREATE TABLE batches (batch_id TEXT PRIMARY KEY);
        -- As in SQLite: a random key inside (site, hour), no receive time, no
        -- device, no serial number.
        CREATE TABLE checkins (
            site_id TEXT COLLATE "C" NOT NULL,
            hour_bucket BIGINT NOT NULL,
            id BYTEA NOT NULL,
            score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
            question_set_version INTEGER NOT NULL,
            team TEXT COLLATE "C" NOT NULL DEFAULT '',
            PRIMARY KEY (site_id, hour_bucket, id)
        );
        CREATE TABLE checkin_reasons (
            site_id TEXT COLLATE "C" NOT NULL,
            hour_bucket BIGINT NOT NULL,
            checkin_id BYTEA NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (site_id, hour_bucket, checkin_id, reason)
        );
        CREATE TABLE buddy_requests (
            id TEXT COLLATE "C" PRIMARY KEY,
            site_id TEXT COLLATE "C" NOT NULL REFERENCES sites(site_id),
            kind TEXT NOT NULL,
            times TEXT NOT NULL,
            sealed BYTEA NOT NULL,
            handled_day BIGINT
        );
        CREATE TABLE messages (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            site_id TEXT COLLATE "C" NOT NULL REFERENCES sites(site_id),
            text TEXT NOT NULL,
            from_day BIGINT NOT NULL,
            to_day BIGINT NOT NULL
        );
        CREATE INDEX messages_by_site ON messages(site_id, to_day);
        CREATE TABLE buddy_counts (
            site_id TEXT COLLATE "C" NOT NULL REFERENCES sites(site_id),
            day BIGINT NOT NULL,
            count BIGINT NOT NULL,
            PRIMARY KEY (site_id, day)
        );
        CREATE TABLE day_scores (
            site_id TEXT COLLATE "C" NOT NULL,
            day BIGINT NOT NULL,
            team TEXT COLLATE "C" NOT NULL,
            score INTEGER NOT NULL,
            count BIGINT NOT NULL,
            PRIMARY KEY (site_id, day, team, score)
        );
        CREATE TABLE day_reasons (
            site_id TEXT COLLATE "C" NOT NULL,
            day BIGINT NOT NULL,
            team TEXT COLLATE "C" NOT NULL,
            reason TEXT COLLATE "C" NOT NULL,
            count BIGINT NOT NULL,
            PRIMARY KEY (site_id, day, team, reason)
        );
    )sql"},
    {2, R"sql(
        -- As SQLite's step 11: site time zones and releases.
        ALTER TABLE sites ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
        ALTER TABLE sites ADD COLUMN release_minute INTEGER NOT NULL DEFAULT 360;
        ALTER TABLE sites ADD COLUMN released_through BIGINT NOT NULL DEFAULT -1;
        ALTER TABLE devices ADD COLUMN team TEXT COLLATE "C";
        ALTER TABLE devices ADD COLUMN enrolled_at BIGINT;
        ALTER TABLE day_scores ADD COLUMN waiting BIGINT NOT NULL DEFAULT 0;
        UPDATE day_scores SET waiting = count;
        ALTER TABLE day_reasons ADD COLUMN waiting BIGINT NOT NULL DEFAULT 0;
        UPDATE day_reasons SET waiting = count;
        ALTER TABLE buddy_counts ADD COLUMN waiting BIGINT NOT NULL DEFAULT 0;
        UPDATE buddy_counts SET waiting = count;
        CREATE INDEX day_scores_waiting ON day_scores(site_id, day) WHERE waiting > 0;
        CREATE INDEX day_reasons_waiting ON day_reasons(site_id, day) WHERE waiting > 0;
        CREATE TABLE released_scores (
            site_id TEXT COLLATE "C" NOT NULL,
            day BIGINT NOT NULL,
            team TEXT COLLATE "C" NOT NULL,
            score INTEGER NOT NULL,
            count BIGINT NOT NULL,
            PRIMARY KEY (site_id, day, team, score)
        );
        CREATE TABLE released_reasons (
            site_id TEXT COLLATE "C" NOT NULL,
            day BIGINT NOT NULL,
            team TEXT COLLATE "C" NOT NULL,
            reason TEXT COLLATE "C" NOT NULL,
            count BIGINT NOT NULL,
            PRIMARY KEY (site_id, day, team, reason)
        );
        CREATE TABLE released_buddies (
            site_id TEXT COLLATE "C" NOT NULL,
            day BIGINT NOT NULL,
            count BIGINT NOT NULL,
            PRIMARY KEY (site_id, day)
        );
        CREATE TABLE release_decisions (
            site_id TEXT COLLATE "C" NOT NULL,
            team TEXT COLLATE "C" NOT NULL,
            level INTEGER NOT NULL,
            first_day BIGINT NOT NULL,
            scores_shown INTEGER NOT NULL,
            PRIMARY KEY (site_id, first_day, level, team)
        );
        CREATE TABLE release_reasons_shown (
            site_id TEXT COLLATE "C" NOT NULL,
            team TEXT COLLATE "C" NOT NULL,
            level INTEGER NOT NULL,
            first_day BIGINT NOT NULL,
            reason TEXT COLLATE "C" NOT NULL,
            PRIMARY KEY (site_id, first_day, level, team, reason)
        );
    )sql"},
    {3, R"sql(
        CREATE TABLE web_sessions (
            session_hash TEXT PRIMARY KEY,
            token_hash TEXT NOT NULL,
            csrf TEXT NOT NULL,
            expires_at BIGINT NOT NULL
        );
    )sql"},
};

// No 0/O, 1/I/L: codes are read aloud and typed by facilities staff.
constexpr char kCodeAlphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
constexpr std::size_t kCodeLength = 12;  // about 59 bits
constexpr std::size_t kTokenBytes = 32;  // 256-bit tokens

std::int64_t dayNumber(std::chrono::system_clock::time_point t) {
    return std::chrono::floor<std::chrono::days>(t).time_since_epoch().count();
}

std::int64_t unixSeconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string hashSecret(const std::string& secret) {
    std::array<unsigned char, crypto_generichash_BYTES> digest{};
    crypto_generichash(digest.data(), digest.size(),
                       reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                       nullptr, 0);
    std::array<char, crypto_generichash_BYTES * 2 + 1> hex{};
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
    return std::string(hex.data());
}

std::string normalizeCode(const std::string& code) {
    std::string out;
    for (char c : code) {
        if (c == '-' || c == ' ') {
            continue;
        }
        out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    return out;
}

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& path,
                                           const core::Clock& clock, core::RandomSource& random) {
    if (sodium_init() < 0) {
        return makeError(ErrorCode::Internal, "libsodium could not be initialised");
    }
    // A damaged file is refused, never served from and never moved: it holds
    // the organisation's acknowledged check-ins, and a collector that took
    // batches into it might acknowledge what it cannot read back.
    const auto damaged = [&](const std::string& finding) {
        return makeError(ErrorCode::Corrupt,
                         "the collector's database " + path.string() + " is damaged (" + finding +
                             "); nothing was changed. Stop the collector, keep the file for "
                             "inspection, and restore the newest backup (docs/reliability.md, "
                             "\"Backing up and restoring the collector\")",
                         "db");
    };
    auto db = storage::Database::open(path, kMigrations);
    if (!db) {
        return db.error().code == ErrorCode::Corrupt ? damaged(db.error().message) : db.error();
    }
    if (auto intact = db->quickCheck(); !intact || !intact.value()) {
        return damaged(intact ? "PRAGMA quick_check found damaged pages" : intact.error().message);
    }
    // A collector is a server: 64 MiB of page cache (SQLite's default is 2)
    // keeps the pages that batches and summaries touch out of read() calls.
    if (auto s = db->exec("PRAGMA cache_size=-65536"); !s) {
        return s.error();
    }
    // Each batch in a group commit is a savepoint (Store::writeGroup), whose
    // undo journal SQLite writes to a temporary file once it passes 64 KiB:
    // a write() per page for data that is thrown away at RELEASE. In memory
    // it costs a batch's changed pages, a few hundred KiB at most.
    if (auto s = db->exec("PRAGMA temp_store=MEMORY"); !s) {
        return s.error();
    }
    // A second connection for the reads every request makes (who holds this
    // token?) and for summaries: in WAL mode they read the last commit while a
    // group of batches is being written, instead of queueing behind it.
    auto reader = storage::Database::open(path, kMigrations);
    if (!reader) {
        return reader.error();
    }
    if (auto s = reader->exec("PRAGMA cache_size=-16384"); !s) {
        return s.error();
    }
    auto writer = std::make_unique<sql::SqliteConnection>(std::move(db).value());
    storage::Database& writerDb = writer->database();
    std::unique_ptr<Store> store(new Store(
        std::move(writer), std::make_unique<sql::SqliteConnection>(std::move(reader).value()),
        clock, random));
    // Checkpoints off the commit path: no kiosk's batch waits while the log
    // is copied into the database file.
    auto checkpointer = storage::WalCheckpointer::start(writerDb, kMigrations);
    if (!checkpointer) {
        return checkpointer.error();
    }
    store->checkpointer_ = std::move(checkpointer).value();
    return store;
}

namespace {

// Brings a PostgreSQL database to the newest schema. Several collectors may
// start at once against one database: an advisory lock held for the
// transaction lets one migrate while the others wait, then find nothing to do.
Status migratePostgres(sql::Connection& db) {
    auto tx = Transaction::begin(db);
    if (!tx) {
        return tx.error();
    }
    if (auto s = db.exec("SELECT pg_advisory_xact_lock(7305879473263247360);"
                         "CREATE TABLE IF NOT EXISTS carekiosk_schema (version INTEGER NOT NULL)");
        !s) {
        return s;
    }
    auto current = db.prepare("SELECT COALESCE(MAX(version), 0) FROM carekiosk_schema");
    if (!current) {
        return current.error();
    }
    auto row = current->step();
    if (!row) {
        return row.error();
    }
    const auto version = current->columnInt(0);
    const int latest = std::size(kPostgresMigrations);
    if (version > latest) {
        return makeError(ErrorCode::Storage,
                         db.describe() + " was written by a newer carekiosk (schema " +
                             std::to_string(version) + ", this build knows " +
                             std::to_string(latest) + "); install the newer version",
                         "db");
    }
    for (const auto& m : kPostgresMigrations) {
        if (m.version <= version) {
            continue;
        }
        if (auto s = db.exec(m.sql); !s) {
            return s;
        }
        if (auto s = db.exec("INSERT INTO carekiosk_schema (version) VALUES (" +
                             std::to_string(m.version) + ")");
            !s) {
            return s;
        }
    }
    return tx->commit();
}

}  // namespace

Result<std::unique_ptr<Store>> Store::openPostgres(const std::string& uri, const core::Clock& clock,
                                                   core::RandomSource& random) {
    if (sodium_init() < 0) {
        return makeError(ErrorCode::Internal, "libsodium could not be initialised");
    }
    auto writer = sql::connectPostgres(uri);
    if (!writer) {
        return writer.error();
    }
    if (auto s = migratePostgres(*writer.value()); !s) {
        return s.error();
    }
    // As with SQLite, token lookups and summaries have a connection of their own.
    auto reader = sql::connectPostgres(uri);
    if (!reader) {
        return reader.error();
    }
    return std::unique_ptr<Store>(
        new Store(std::move(writer).value(), std::move(reader).value(), clock, random));
}

Result<std::unique_ptr<Store>> Store::connect(const std::string& location, const core::Clock& clock,
                                              core::RandomSource& random) {
    if (location.starts_with("postgresql://") || location.starts_with("postgres://")) {
        return openPostgres(location, clock, random);
    }
    if (location.starts_with("sqlite:")) {
        return open(location.substr(7), clock, random);
    }
    if (location.find("://") != std::string::npos) {
        return makeError(ErrorCode::InvalidInput,
                         "--db " + location +
                             " is neither a file nor a postgresql:// address; give "
                             "sqlite:PATH, a path, or postgresql://USER@HOST:PORT/DATABASE",
                         "db");
    }
    return open(location, clock, random);
}

Result<bool> Store::siteExistsLocked(const std::string& siteId) {
    auto stmt = db_->prepare("SELECT 1 FROM sites WHERE site_id = ?");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, siteId);
    return stmt->step();
}

Result<std::vector<std::pair<std::string, std::string>>> Store::listSites() {
    std::lock_guard lock(mutex_);
    auto stmt = db_->prepare("SELECT site_id, name FROM sites ORDER BY site_id");
    if (!stmt) {
        return stmt.error();
    }
    std::vector<std::pair<std::string, std::string>> sites;
    while (true) {
        auto row = stmt->step();
        if (!row) {
            return row.error();
        }
        if (!row.value()) {
            return sites;
        }
        sites.emplace_back(stmt->columnText(0), stmt->columnText(1));
    }
}

Result<bool> Store::siteExists(const std::string& siteId) {
    std::lock_guard lock(mutex_);
    return siteExistsLocked(siteId);
}

Status Store::backupTo(const std::filesystem::path& target) {
    if (std::filesystem::exists(target)) {
        return makeError(ErrorCode::InvalidInput,
                         target.string() + " already exists; name a new file for the backup", "to");
    }
    std::lock_guard lock(mutex_);
    if (!checkpointer_) {  // only a SQLite store has one (Store::open)
        return makeError(ErrorCode::InvalidInput,
                         "a PostgreSQL store is backed up with pg_dump (docs/reliability.md, "
                         "\"Backing up and restoring the collector\")",
                         "db");
    }
    // VACUUM INTO writes a consistent, compact copy from one read transaction
    // while kiosks go on uploading; the quoted path doubles single quotes.
    std::string quoted;
    for (char c : target.string()) {
        quoted += c == '\'' ? std::string("''") : std::string(1, c);
    }
    if (auto s = db_->exec("VACUUM INTO '" + quoted + "'"); !s) {
        return makeError(s.error().code,
                         "cannot write the backup " + target.string() + ": " + s.error().message,
                         "to");
    }
    return {};
}

Status Store::ping() {
    std::lock_guard lock(mutex_);
    auto stmt = db_->prepare("SELECT 1");
    if (!stmt) {
        return stmt.error();
    }
    if (auto row = stmt->step(); !row) {
        return row.error();
    }
    return {};
}

Status Store::createSite(const std::string& siteId, const std::string& name) {
    if (auto valid = core::validateSiteId(siteId, "site"); !valid) {
        return valid;
    }
    if (name.empty() || name.size() > 200) {
        return makeError(ErrorCode::InvalidInput, "name must be 1-200 characters", "name");
    }
    std::lock_guard lock(mutex_);
    auto exists = siteExistsLocked(siteId);
    if (!exists) {
        return exists.error();
    }
    if (exists.value()) {
        return makeError(ErrorCode::InvalidInput,
                         "site " + siteId + " already exists; choose another id", "site");
    }
    auto stmt = db_->prepare("INSERT INTO sites (site_id, name) VALUES (?, ?)");
    if (!stmt) {
        return stmt.error();
    }
    return stmt->bind(1, siteId).bind(2, name).run();
}

Result<std::string> Store::createEnrollCode(const std::string& siteId,
                                            std::chrono::seconds lifetime) {
    std::lock_guard lock(mutex_);
    auto exists = siteExistsLocked(siteId);
    if (!exists) {
        return exists.error();
    }
    if (!exists.value()) {
        return makeError(ErrorCode::NotFound,
                         "site " + siteId +
                             " does not exist; create it with "
                             "`carekiosk-collector admin create-site`",
                         "site");
    }
    std::string code;
    constexpr auto alphabetSize = sizeof(kCodeAlphabet) - 1;
    for (std::size_t i = 0; i < kCodeLength; ++i) {
        code.push_back(kCodeAlphabet[random_.uniform(alphabetSize)]);
    }
    auto stmt =
        db_->prepare("INSERT INTO enroll_codes (code_hash, site_id, expires_at) VALUES (?, ?, ?)");
    if (!stmt) {
        return stmt.error();
    }
    const auto expires = unixSeconds(clock_.now()) + lifetime.count();
    if (auto s = stmt->bind(1, hashSecret(code)).bind(2, siteId).bind(3, expires).run(); !s) {
        return s.error();
    }
    return code.substr(0, 4) + "-" + code.substr(4, 4) + "-" + code.substr(8);
}

const char* roleName(ApiRole role) {
    switch (role) {
        case ApiRole::Manager:
            return "manager";
        case ApiRole::Coordinator:
            return "coordinator";
        case ApiRole::Facilities:
            return "facilities";
        case ApiRole::Admin:
            return "admin";
    }
    return "manager";
}

Result<std::string> Store::createApiToken(ApiRole role, const std::string& name,
                                          const std::vector<std::string>& sites) {
    if (name.empty() || name.size() > 200) {
        return makeError(ErrorCode::InvalidInput, "name must be 1-200 characters", "name");
    }
    if (!sites.empty() && role != ApiRole::Manager) {
        return makeError(ErrorCode::InvalidInput,
                         "--sites limits manager tokens only; leave it out for a " +
                             std::string(roleName(role)) + " token",
                         "sites");
    }
    for (const auto& site : sites) {
        if (auto valid = core::validateSiteId(site, "sites"); !valid) {
            return valid.error();
        }
        auto exists = siteExists(site);
        if (!exists) {
            return exists.error();
        }
        if (!exists.value()) {
            return makeError(
                ErrorCode::NotFound,
                "site " + site + " does not exist; create it first with admin create-site",
                "sites");
        }
    }
    const std::string token = core::randomHex(random_, kTokenBytes);
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(*db_);
    if (!tx) {
        return tx.error();
    }
    auto stmt = db_->prepare("INSERT INTO api_tokens (token_hash, role, name) VALUES (?, ?, ?)");
    auto scope = db_->prepare(
        "INSERT INTO api_token_sites (token_hash, site_id) "
        "VALUES (?, ?) ON CONFLICT DO NOTHING");
    if (!stmt || !scope) {
        return !stmt ? stmt.error() : scope.error();
    }
    if (auto s = stmt->bind(1, hashSecret(token)).bind(2, roleName(role)).bind(3, name).run(); !s) {
        return s.error();
    }
    for (const auto& site : sites) {
        scope->reset();
        if (auto s = scope->bind(1, hashSecret(token)).bind(2, site).run(); !s) {
            return s.error();
        }
    }
    if (auto s = tx->commit(); !s) {
        return s.error();
    }
    return token;
}

Result<std::string> Store::createManagerToken(const std::string& name) {
    return createApiToken(ApiRole::Manager, name);
}

Status Store::revokeDevice(const std::string& deviceId) {
    std::lock_guard lock(mutex_);
    auto stmt = db_->prepare("UPDATE devices SET revoked = 1 WHERE device_id = ?");
    if (!stmt) {
        return stmt.error();
    }
    if (auto s = stmt->bind(1, deviceId).run(); !s) {
        return s;
    }
    if (db_->changes() == 0) {
        return makeError(ErrorCode::NotFound,
                         "no kiosk " + deviceId + "; see `carekiosk-collector admin list-devices`",
                         "device");
    }
    return {};
}

Result<Store::WebSession> Store::openWebSession(const std::string& token,
                                                std::chrono::seconds lifetime) {
    WebSession session;
    session.id = core::randomHex(random_, kTokenBytes);
    session.csrf = core::randomHex(random_, kTokenBytes);
    const auto now = unixSeconds(clock_.now());
    std::lock_guard lock(mutex_);
    // Expired sessions go as new ones come: the table holds only live ones.
    auto purge = db_->prepare("DELETE FROM web_sessions WHERE expires_at <= ?");
    if (!purge) {
        return purge.error();
    }
    if (auto s = purge->bind(1, now).run(); !s) {
        return s.error();
    }
    auto insert = db_->prepare(
        "INSERT INTO web_sessions (session_hash, token_hash, csrf, expires_at) VALUES (?, ?, ?, "
        "?)");
    if (!insert) {
        return insert.error();
    }
    if (auto s = insert->bind(1, hashSecret(session.id))
                     .bind(2, hashSecret(token))
                     .bind(3, session.csrf)
                     .bind(4, now + lifetime.count())
                     .run();
        !s) {
        return s.error();
    }
    return session;
}

Result<std::optional<Store::SignedIn>> Store::findWebSession(const std::string& id) {
    std::lock_guard lock(readerMutex_);
    auto stmt = reader_->prepare(
        "SELECT s.token_hash, s.csrf, t.role FROM web_sessions s JOIN api_tokens t ON "
        "t.token_hash = s.token_hash WHERE s.session_hash = ? AND s.expires_at > ? AND "
        "t.revoked = 0");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, hashSecret(id)).bind(2, unixSeconds(clock_.now()));
    auto row = stmt->step();
    if (!row) {
        return row.error();
    }
    if (!row.value()) {
        return std::optional<SignedIn>();
    }
    SignedIn found;
    found.csrf = stmt->columnText(1);
    if (auto s = fillApiCallerLocked(stmt->columnText(0), stmt->columnText(2), found.caller); !s) {
        return s.error();
    }
    return std::optional<SignedIn>(found);
}

Status Store::closeWebSession(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto stmt = db_->prepare("DELETE FROM web_sessions WHERE session_hash = ?");
    if (!stmt) {
        return stmt.error();
    }
    return stmt->bind(1, hashSecret(id)).run();
}

Status Store::revokeApiToken(const std::string& token) {
    std::lock_guard lock(mutex_);
    auto stmt = db_->prepare("UPDATE api_tokens SET revoked = 1 WHERE token_hash = ?");
    if (!stmt) {
        return stmt.error();
    }
    if (auto s = stmt->bind(1, hashSecret(token)).run(); !s) {
        return s;
    }
    if (db_->changes() == 0) {
        return makeError(ErrorCode::NotFound, "that token is not known to this collector", "token");
    }
    return {};
}

Result<core::EnrollResponse> Store::enroll(const std::string& code, const std::string& team) {
    if (!team.empty()) {
        if (auto valid = core::validateOptionId(team, "team"); !valid) {
            return valid.error();
        }
    }
    const std::string codeHash = hashSecret(normalizeCode(code));
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(*db_);
    if (!tx) {
        return tx.error();
    }
    auto find = db_->prepare(
        "SELECT c.site_id, c.expires_at, c.used, s.name, s.question_set_version, "
        "(SELECT value FROM settings WHERE key = 'buddy_public_key') "
        "FROM enroll_codes c JOIN sites s ON s.site_id = c.site_id WHERE c.code_hash = ?");
    if (!find) {
        return find.error();
    }
    find->bind(1, codeHash);
    auto row = find->step();
    if (!row) {
        return row.error();
    }
    if (!row.value()) {
        return makeError(ErrorCode::Unauthorized,
                         "this enrolment code is not known; check it for typos or ask for a new "
                         "one",
                         "code");
    }
    core::EnrollResponse response;
    response.siteId = find->columnText(0);
    const auto expiresAt = find->columnInt(1);
    const bool used = find->columnInt(2) != 0;
    response.siteName = find->columnText(3);
    response.questionSetVersion = static_cast<int>(find->columnInt(4));
    // With the managers' current messages, exactly as GET /v1/config serves it.
    auto siteConfig = siteConfigLocked(response.siteId);
    if (!siteConfig) {
        return siteConfig.error();
    }
    response.siteConfigJson = siteConfig->json;
    response.siteConfigVersion = siteConfig->version;
    response.buddyPublicKey = find->columnIsNull(5) ? std::string() : find->columnText(5);
    if (used) {
        return makeError(ErrorCode::Unauthorized,
                         "this enrolment code was already used; each code enrols one kiosk, ask "
                         "for a new one",
                         "code");
    }
    if (unixSeconds(clock_.now()) >= expiresAt) {
        return makeError(ErrorCode::Unauthorized,
                         "this enrolment code has expired; ask for a new one", "code");
    }
    response.deviceId = "kiosk-" + core::randomHex(random_, 8);
    response.deviceToken = core::randomHex(random_, kTokenBytes);
    // `AND used = 0`, checked below: with several collectors on one database,
    // two kiosks may present the same code at once; the second update waits
    // for the first commit and then changes nothing.
    auto consume =
        db_->prepare("UPDATE enroll_codes SET used = 1 WHERE code_hash = ? AND used = 0");
    auto insert = db_->prepare(
        "INSERT INTO devices (device_id, site_id, token_hash, team, enrolled_at) "
        "VALUES (?, ?, ?, ?, ?)");
    if (!consume || !insert) {
        return (!consume ? consume.error() : insert.error());
    }
    if (auto s = consume->bind(1, codeHash).run(); !s) {
        return s.error();
    }
    if (db_->changes() == 0) {
        return makeError(ErrorCode::Unauthorized,
                         "this enrolment code was already used; each code enrols one kiosk, ask "
                         "for a new one",
                         "code");
    }
    if (auto s = insert->bind(1, response.deviceId)
                     .bind(2, response.siteId)
                     .bind(3, hashSecret(response.deviceToken))
                     .bind(4, team)
                     .bind(5, unixSeconds(clock_.now()))
                     .run();
        !s) {
        return s.error();
    }
    if (auto s = tx->commit(); !s) {
        return s.error();
    }
    return response;
}

Result<std::optional<Device>> Store::authenticateDevice(const std::string& token) {
    // Looking up by hash of a 256-bit random token leaks nothing useful through
    // timing: an attacker would need a preimage of the stored hash.
    std::lock_guard lock(readerMutex_);
    auto stmt = reader_->prepare(
        "SELECT device_id, site_id, team, enrolled_at FROM devices WHERE token_hash = ? AND "
        "revoked = 0");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, hashSecret(token));
    auto row = stmt->step();
    if (!row) {
        return row.error();
    }
    if (!row.value()) {
        return std::optional<Device>{};
    }
    Device device{stmt->columnText(0), stmt->columnText(1)};
    if (!stmt->columnIsNull(2)) {
        device.team = stmt->columnText(2);
    }
    device.enrolledAt = stmt->columnIsNull(3) ? 0 : stmt->columnInt(3);
    return std::optional<Device>(std::move(device));
}

Result<Store::Caller> Store::identify(const std::string& token) {
    Caller caller;
    auto device = authenticateDevice(token);
    if (!device) {
        return device.error();
    }
    if (device.value()) {
        caller.device = device.value();
        return caller;
    }
    std::lock_guard lock(readerMutex_);
    auto stmt =
        reader_->prepare("SELECT role FROM api_tokens WHERE token_hash = ? AND revoked = 0");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, hashSecret(token));
    auto row = stmt->step();
    if (!row) {
        return row.error();
    }
    if (row.value()) {
        if (auto s = fillApiCallerLocked(hashSecret(token), stmt->columnText(0), caller); !s) {
            return s.error();
        }
    }
    return caller;
}

Status Store::fillApiCallerLocked(const std::string& tokenHash, const std::string& role,
                                  Caller& caller) {
    for (const auto r :
         {ApiRole::Manager, ApiRole::Coordinator, ApiRole::Facilities, ApiRole::Admin}) {
        if (role == roleName(r)) {
            caller.role = r;
        }
    }
    auto sites = reader_->prepare(
        "SELECT site_id FROM api_token_sites WHERE token_hash = ? ORDER BY site_id");
    if (!sites) {
        return sites.error();
    }
    sites->bind(1, tokenHash);
    while (true) {
        auto site = sites->step();
        if (!site) {
            return site.error();
        }
        if (!site.value()) {
            return {};
        }
        caller.sites.push_back(sites->columnText(0));
    }
}

Status Store::recordHeartbeat(const Device& device, const core::Heartbeat& heartbeat) {
    std::lock_guard lock(mutex_);
    auto stmt = db_->prepare("UPDATE devices SET last_seen = ?, heartbeat = ? WHERE device_id = ?");
    if (!stmt) {
        return stmt.error();
    }
    return stmt->bind(1, unixSeconds(clock_.now()))
        .bind(2, core::encodeHeartbeat(heartbeat))
        .bind(3, device.deviceId)
        .run();
}

Result<std::vector<FleetRow>> Store::fleetRows() {
    std::lock_guard lock(mutex_);
    auto stmt = db_->prepare(
        "SELECT d.device_id, d.site_id, d.revoked, d.unenrolled, d.last_seen, d.heartbeat, "
        "s.config_version FROM devices d JOIN sites s ON s.site_id = d.site_id "
        "ORDER BY d.site_id, d.device_id");
    if (!stmt) {
        return stmt.error();
    }
    std::vector<FleetRow> rows;
    while (true) {
        auto step = stmt->step();
        if (!step) {
            return step.error();
        }
        if (!step.value()) {
            return rows;
        }
        FleetRow row;
        row.deviceId = stmt->columnText(0);
        row.siteId = stmt->columnText(1);
        row.revoked = stmt->columnInt(2) != 0;
        row.unenrolled = stmt->columnInt(3) != 0;
        if (!stmt->columnIsNull(4)) {
            row.lastSeen =
                std::chrono::system_clock::time_point(std::chrono::seconds(stmt->columnInt(4)));
        }
        if (!stmt->columnIsNull(5)) {
            // Stored by recordHeartbeat from a decoded heartbeat, so it decodes.
            if (auto heartbeat = core::decodeHeartbeat(stmt->columnText(5)); heartbeat) {
                row.heartbeat = std::move(heartbeat).value();
            }
        }
        row.siteConfigVersion = static_cast<int>(stmt->columnInt(6));
        rows.push_back(std::move(row));
    }
}

Status Store::unenrollDevice(const Device& device) {
    std::lock_guard lock(mutex_);
    auto stmt = db_->prepare("UPDATE devices SET revoked = 1, unenrolled = 1 WHERE device_id = ?");
    if (!stmt) {
        return stmt.error();
    }
    return stmt->bind(1, device.deviceId).run();
}

Result<SiteConfig> Store::setSiteConfig(const std::string& siteId, const std::string& json) {
    std::lock_guard lock(mutex_);
    auto exists = siteExistsLocked(siteId);
    if (!exists) {
        return exists.error();
    }
    if (!exists.value()) {
        return makeError(ErrorCode::NotFound,
                         "site " + siteId + " does not exist; create it with admin create-site",
                         "site");
    }
    auto stmt = db_->prepare(
        "UPDATE sites SET config_json = ?, config_version = config_version + 1 WHERE site_id = ?");
    if (!stmt) {
        return stmt.error();
    }
    if (auto s = stmt->bind(1, json).bind(2, siteId).run(); !s) {
        return s.error();
    }
    return siteConfigLocked(siteId);
}

Result<SiteConfig> Store::siteConfig(const std::string& siteId) {
    std::lock_guard lock(mutex_);
    return siteConfigLocked(siteId);
}

Result<std::int64_t> Store::postMessage(const core::PostedMessage& message) {
    std::lock_guard lock(mutex_);
    auto exists = siteExistsLocked(message.siteId);
    if (!exists) {
        return exists.error();
    }
    if (!exists.value()) {
        return makeError(ErrorCode::NotFound, "site " + message.siteId + " does not exist", "site");
    }
    auto tx = Transaction::begin(*db_);
    if (!tx) {
        return tx.error();
    }
    auto insert = db_->prepare(
        "INSERT INTO messages (site_id, text, from_day, to_day) VALUES (?, ?, ?, ?) "
        "RETURNING id");
    auto bump =
        db_->prepare("UPDATE sites SET config_version = config_version + 1 WHERE site_id = ?");
    if (!insert || !bump) {
        return !insert ? insert.error() : bump.error();
    }
    auto inserted = insert->bind(1, message.siteId)
                        .bind(2, message.text)
                        .bind(3, message.fromDay)
                        .bind(4, message.toDay)
                        .step();
    if (!inserted) {
        return inserted.error();
    }
    const auto id = insert->columnInt(0);
    if (auto s = insert->run(); !s) {  // to the statement's end
        return s.error();
    }
    if (auto s = bump->bind(1, message.siteId).run(); !s) {
        return s.error();
    }
    if (auto s = tx->commit(); !s) {
        return s.error();
    }
    return static_cast<std::int64_t>(id);
}

Result<std::vector<core::DatedMessage>> Store::currentMessagesLocked(const std::string& siteId) {
    // Ended messages are no longer sent; a kiosk only needs today's and later ones.
    auto stmt = db_->prepare(
        "SELECT text, from_day, to_day FROM messages WHERE site_id = ? AND to_day >= ? "
        "ORDER BY from_day, id");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, siteId).bind(2, dayNumber(clock_.now()) - 1);
    std::vector<core::DatedMessage> messages;
    while (true) {
        auto row = stmt->step();
        if (!row) {
            return row.error();
        }
        if (!row.value()) {
            return messages;
        }
        messages.push_back({stmt->columnText(0), stmt->columnInt(1), stmt->columnInt(2)});
    }
}

Result<SiteConfig> Store::siteConfigLocked(const std::string& siteId) {
    auto stmt = db_->prepare("SELECT config_version, config_json FROM sites WHERE site_id = ?");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, siteId);
    auto row = stmt->step();
    if (!row) {
        return row.error();
    }
    if (!row.value()) {
        return makeError(ErrorCode::NotFound, "site " + siteId + " does not exist", "site");
    }
    SiteConfig config;
    config.version = static_cast<int>(stmt->columnInt(0));
    config.json = stmt->columnIsNull(1) ? std::string() : stmt->columnText(1);
    auto messages = currentMessagesLocked(siteId);
    if (!messages) {
        return messages.error();
    }
    if (!messages->empty()) {
        // The site's own config plus the managers' messages, as one content object.
        auto content = nlohmann::json::parse(config.json.empty() ? "{}" : config.json, nullptr,
                                             /*allow_exceptions=*/false);
        if (!content.is_object()) {
            content = nlohmann::json::object();
        }
        auto list = nlohmann::json::array();
        for (const auto& m : messages.value()) {
            list.push_back({{"text", m.text},
                            {"from", core::formatDate(m.fromDay)},
                            {"to", core::formatDate(m.toDay)}});
        }
        content["messages"] = list;
        config.json = content.dump();
    }
    return config;
}

namespace {

std::string joinTimes(const std::vector<std::string>& ids) {
    std::string joined;
    for (const auto& id : ids) {
        joined += (joined.empty() ? "" : " ") + id;
    }
    return joined;
}

std::vector<std::string> splitTimes(const std::string& joined) {
    std::vector<std::string> ids;
    std::size_t start = 0;
    while (start < joined.size()) {
        auto end = joined.find(' ', start);
        end = end == std::string::npos ? joined.size() : end;
        if (end > start) {
            ids.push_back(joined.substr(start, end - start));
        }
        start = end + 1;
    }
    return ids;
}

}  // namespace

Result<std::vector<std::string>> Store::storeBuddyRequests(const Device& device,
                                                           const core::BuddyRequestList& list) {
    for (std::size_t i = 0; i < list.requests.size(); ++i) {
        if (list.requests[i].siteId != device.siteId) {
            const std::string field = "requests[" + std::to_string(i) + "].site_id";
            return makeError(ErrorCode::InvalidInput,
                             field + " is not this kiosk's site (" + device.siteId + ")", field);
        }
    }
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(*db_);
    if (!tx) {
        return tx.error();
    }
    auto insert = db_->prepare(
        "INSERT INTO buddy_requests (id, site_id, kind, times, sealed) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
    if (!insert) {
        return insert.error();
    }
    std::vector<std::string> ids;
    int inserted = 0;
    for (const auto& r : list.requests) {
        std::string sealed;
        core::fromHex(r.sealedHex, sealed);  // decodeBuddyRequestList checked it
        insert->reset();
        if (auto s = insert->bind(1, r.id)
                         .bind(2, r.siteId)
                         .bind(3, r.kind)
                         .bind(4, joinTimes(r.times))
                         .bindBlob(5, std::span<const std::uint8_t>(
                                          reinterpret_cast<const std::uint8_t*>(sealed.data()),
                                          sealed.size()))
                         .run();
            !s) {
            return s.error();
        }
        // A retried upload is acknowledged again but counted once.
        inserted += static_cast<int>(db_->changes());
        ids.push_back(r.id);
    }
    if (inserted > 0) {
        auto count = db_->prepare(
            "INSERT INTO buddy_counts (site_id, day, count, waiting) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (site_id, day) DO UPDATE SET count = buddy_counts.count + "
            "excluded.count, waiting = buddy_counts.waiting + excluded.waiting");
        if (!count) {
            return count.error();
        }
        auto zone = siteZoneLocked(device.siteId);
        if (!zone) {
            return zone.error();
        }
        const auto today = zone->localDay(unixSeconds(clock_.now()));
        if (auto s = count->bind(1, device.siteId)
                         .bind(2, static_cast<std::int64_t>(today))
                         .bind(3, static_cast<std::int64_t>(inserted))
                         .bind(4, static_cast<std::int64_t>(inserted))
                         .run();
            !s) {
            return s.error();
        }
    }
    if (auto s = tx->commit(); !s) {
        return s.error();
    }
    return ids;
}

Result<core::BuddyRequestList> Store::buddyInbox(const std::string& siteId) {
    std::lock_guard lock(mutex_);
    auto stmt = db_->prepare(
        "SELECT id, site_id, kind, times, sealed FROM buddy_requests "
        "WHERE handled_day IS NULL AND (CAST(? AS TEXT) = '' OR site_id = ?) ORDER BY id");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, siteId).bind(2, siteId);
    core::BuddyRequestList list;
    while (true) {
        auto row = stmt->step();
        if (!row) {
            return row.error();
        }
        if (!row.value()) {
            return list;
        }
        const auto sealed = stmt->columnBlob(4);
        list.requests.push_back(core::SealedBuddyRequest{
            stmt->columnText(0), stmt->columnText(1), stmt->columnText(2),
            splitTimes(stmt->columnText(3)),
            core::toHex(
                std::string_view(reinterpret_cast<const char*>(sealed.data()), sealed.size()))});
    }
}

Result<int> Store::markBuddyRequestsHandled(const std::vector<std::string>& ids) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(*db_);
    if (!tx) {
        return tx.error();
    }
    auto stmt = db_->prepare(
        "UPDATE buddy_requests SET handled_day = ? WHERE id = ? AND handled_day IS NULL");
    if (!stmt) {
        return stmt.error();
    }
    int marked = 0;
    for (const auto& id : ids) {
        stmt->reset();
        if (auto s = stmt->bind(1, dayNumber(clock_.now())).bind(2, id).run(); !s) {
            return s.error();
        }
        marked += static_cast<int>(db_->changes());
    }
    if (auto s = tx->commit(); !s) {
        return s.error();
    }
    return marked;
}

Result<int> Store::purgeHandledBuddyRequests(int retentionDays) {
    std::lock_guard lock(mutex_);
    auto stmt = db_->prepare("DELETE FROM buddy_requests WHERE handled_day < ?");
    if (!stmt) {
        return stmt.error();
    }
    if (auto s = stmt->bind(1, dayNumber(clock_.now()) - retentionDays).run(); !s) {
        return s.error();
    }
    return static_cast<int>(db_->changes());
}

Status Store::setSetting(const std::string& key, const std::string& value) {
    std::lock_guard lock(mutex_);
    auto stmt = db_->prepare(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    if (!stmt) {
        return stmt.error();
    }
    return stmt->bind(1, key).bind(2, value).run();
}

Result<std::string> Store::setting(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto stmt = db_->prepare("SELECT value FROM settings WHERE key = ?");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, key);
    auto row = stmt->step();
    if (!row) {
        return row.error();
    }
    return row.value() ? stmt->columnText(0) : std::string();
}

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
    auto stmt = reader_->prepare("SELECT 1 FROM batches WHERE batch_id = ?");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, batchId);
    return stmt->step();
}

Result<StoreResult> Store::storeBatch(const Device& device, const core::Batch& batch) {
    // A batch stored before is acknowledged again whatever it holds: its
    // acknowledgement may have been lost, and refusing it now (a clock moved,
    // a kiosk re-enrolled) would make the kiosk send its good rows again under
    // a new id.
    auto seen = batchStored(batch.batchId);
    if (!seen) {
        return seen.error();
    }
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
        if (auto s = bindDeviceTeam(device.deviceId, *team); !s) {
            return s.error();
        }
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
            auto made = statementFor(rows);
            if (!made) {
                return made.error();
            }
            stmt.emplace(std::move(made).value());
            preparedRows = rows;
        }
        stmt->reset();
        for (std::size_t i = 0; i < rows; ++i) {
            bindRow(*stmt, static_cast<int>(i) * columns, first + i);
        }
        if (auto s = stmt->run(); !s) {
            return s;
        }
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
    Rollups rollups;
    for (PendingBatch* pending : ordered) {
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
    if (auto s = addAll(addScore.value(), rollups.scores); !s) {
        return s;
    }
    return addAll(addReason.value(), rollups.reasons);
}

Result<StoreResult> Store::insertBatchLocked(const core::Batch& batch, const core::TimeZone& zone,
                                             Rollups& rollups) {
    auto mark = db_->prepare("INSERT INTO batches (batch_id) VALUES (?) ON CONFLICT DO NOTHING");
    if (!mark) {
        return mark.error();
    }
    if (auto s = mark->bind(1, batch.batchId).run(); !s) {
        return s.error();
    }
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

Result<std::vector<DayCounts>> Store::dayCounts(const std::string& siteId, std::int64_t fromDay,
                                                std::int64_t toDay) {
    std::lock_guard lock(readerMutex_);
    // Keyed by (team, day); buddy requests carry no team and count under "".
    std::map<std::pair<std::string, std::int64_t>, DayCounts> days;
    // From the rollups kept on ingest, not from the check-ins themselves.
    auto scores = reader_->prepare(
        "SELECT team, day, score, count FROM day_scores WHERE site_id = ? AND day >= ? AND "
        "day <= ?");
    auto reasons = reader_->prepare(
        "SELECT team, day, reason, count FROM day_reasons WHERE site_id = ? AND day >= ? AND "
        "day <= ?");
    auto buddies = reader_->prepare(
        "SELECT day, count FROM buddy_counts WHERE site_id = ? AND day >= ? AND day <= ?");
    if (!scores || !reasons || !buddies) {
        return !scores ? scores.error() : !reasons ? reasons.error() : buddies.error();
    }
    scores->bind(1, siteId).bind(2, fromDay).bind(3, toDay);
    reasons->bind(1, siteId).bind(2, fromDay).bind(3, toDay);
    buddies->bind(1, siteId).bind(2, fromDay).bind(3, toDay);
    auto status = sql::forEachRow(scores.value(), [&] {
        const auto score = scores->columnInt(2);
        days[{scores->columnText(0), scores->columnInt(1)}]
            .perScore[static_cast<std::size_t>(score - 1)] = static_cast<int>(scores->columnInt(3));
    });
    if (status) {
        status = sql::forEachRow(reasons.value(), [&] {
            days[{reasons->columnText(0), reasons->columnInt(1)}].reasons[reasons->columnText(2)] =
                static_cast<int>(reasons->columnInt(3));
        });
    }
    if (status) {
        status = sql::forEachRow(buddies.value(), [&] {
            days[{std::string(), buddies->columnInt(0)}].buddyRequests =
                static_cast<int>(buddies->columnInt(1));
        });
    }
    if (!status) {
        return status.error();
    }
    std::vector<DayCounts> out;
    out.reserve(days.size());
    for (auto& [key, counts] : days) {
        counts.team = key.first;
        counts.day = key.second;
        out.push_back(std::move(counts));
    }
    return out;
}

Result<std::int64_t> Store::storedCheckIns(const std::string& siteId) {
    std::lock_guard lock(readerMutex_);
    auto stmt = reader_->prepare("SELECT count(*) FROM checkins WHERE site_id = ?");
    if (!stmt) {
        return stmt.error();
    }
    auto row = stmt->bind(1, siteId).step();
    if (!row) {
        return row.error();
    }
    return stmt->columnInt(0);
}

}  // namespace carekiosk::collector
