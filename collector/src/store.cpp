// The store itself: opening either database (checked, migrated), sites,
// settings, backup and health. The other areas are in store_*.cpp.
#include "carekiosk/collector/store.hpp"

#include <sodium.h>

#include "store_internal.hpp"
#include "store_schema.hpp"

namespace carekiosk::collector {

using core::ErrorCode;
using core::makeError;

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
    auto db = storage::Database::open(path, schema::sqlite());
    if (!db) {
        return db.error().code == ErrorCode::Corrupt ? damaged(db.error().message) : db.error();
    }
    if (auto intact = db->quickCheck(); !intact || !intact.value()) {
        return damaged(intact ? "PRAGMA quick_check found damaged pages" : intact.error().message);
    }
    // A collector is a server: 64 MiB of page cache (SQLite's default is 2)
    // keeps the pages that batches and summaries touch out of read() calls.
    CAREKIOSK_TRY(db->exec("PRAGMA cache_size=-65536"));
    // Each batch in a group commit is a savepoint (Store::writeGroup), whose
    // undo journal SQLite writes to a temporary file once it passes 64 KiB:
    // a write() per page for data that is thrown away at RELEASE. In memory
    // it costs a batch's changed pages, a few hundred KiB at most.
    CAREKIOSK_TRY(db->exec("PRAGMA temp_store=MEMORY"));
    // A second connection for the reads every request makes (who holds this
    // token?) and for summaries: in WAL mode they read the last commit while a
    // group of batches is being written, instead of queueing behind it.
    CAREKIOSK_TRY_LET(reader, storage::Database::open(path, schema::sqlite()));
    CAREKIOSK_TRY(reader->exec("PRAGMA cache_size=-16384"));
    auto writer = std::make_unique<storage::Database>(std::move(db).value());
    storage::Database& writerDb = *writer;
    std::unique_ptr<Store> store(
        new Store(std::move(writer), std::make_unique<storage::Database>(std::move(reader).value()),
                  clock, random));
    // Checkpoints off the commit path: no kiosk's batch waits while the log
    // is copied into the database file.
    CAREKIOSK_TRY_LET(checkpointer, storage::WalCheckpointer::start(writerDb, schema::sqlite()));
    store->checkpointer_ = std::move(checkpointer).value();
    return store;
}

Result<std::unique_ptr<Store>> Store::openPostgres(const std::string& uri, const core::Clock& clock,
                                                   core::RandomSource& random) {
    if (sodium_init() < 0) {
        return makeError(ErrorCode::Internal, "libsodium could not be initialised");
    }
    CAREKIOSK_TRY_LET(writer, sql::connectPostgres(uri));
    CAREKIOSK_TRY(storage::migrate(*writer.value(), schema::postgres(), "db"));
    // As with SQLite, token lookups and summaries have a connection of their own.
    CAREKIOSK_TRY_LET(reader, sql::connectPostgres(uri));
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
    CAREKIOSK_TRY_LET(stmt, db_->prepare("SELECT 1 FROM sites WHERE site_id = ?"));
    stmt->bind(1, siteId);
    return stmt->step();
}

Result<std::vector<std::pair<std::string, std::string>>> Store::listSites() {
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(stmt, db_->prepare("SELECT site_id, name FROM sites ORDER BY site_id"));
    std::vector<std::pair<std::string, std::string>> sites;
    while (true) {
        CAREKIOSK_TRY_LET(row, stmt->step());
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
    CAREKIOSK_TRY_LET(stmt, db_->prepare("SELECT 1"));
    CAREKIOSK_TRY(stmt->step());
    return {};
}

Status Store::createSite(const std::string& siteId, const std::string& name) {
    CAREKIOSK_TRY(core::validateSiteId(siteId, "site"));
    if (name.empty() || name.size() > 200) {
        return makeError(ErrorCode::InvalidInput, "name must be 1-200 characters", "name");
    }
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(exists, siteExistsLocked(siteId));
    if (exists.value()) {
        return makeError(ErrorCode::InvalidInput,
                         "site " + siteId + " already exists; choose another id", "site");
    }
    CAREKIOSK_TRY_LET(stmt, db_->prepare("INSERT INTO sites (site_id, name) VALUES (?, ?)"));
    return stmt->bind(1, siteId).bind(2, name).run();
}

Status Store::setSetting(const std::string& key, const std::string& value) {
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(stmt, db_->prepare("INSERT INTO settings (key, value) VALUES (?, ?) "
                                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    return stmt->bind(1, key).bind(2, value).run();
}

Result<std::string> Store::setting(const std::string& key) {
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(stmt, db_->prepare("SELECT value FROM settings WHERE key = ?"));
    stmt->bind(1, key);
    CAREKIOSK_TRY_LET(row, stmt->step());
    return row.value() ? stmt->columnText(0) : std::string();
}
}  // namespace carekiosk::collector
