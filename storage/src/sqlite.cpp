#include "carekiosk/storage/sqlite.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>
#include <utility>

namespace carekiosk::storage {

using core::ErrorCode;
using core::makeError;

namespace {

constexpr int kBusyTimeoutMs = 5000;

// Adds advice for the failures a person can do something about.
std::string adviceFor(int code) {
    switch (code & 0xff) {
        case SQLITE_FULL:
            return " (the disk is full: free space on the device)";
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return " (the database file is damaged or is not a carekiosk database)";
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_CANTOPEN:
            return " (check that the file and its directory exist and are writable by this user)";
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return " (another process holds the database; is a second copy running?)";
        default:
            return "";
    }
}

}  // namespace

// A prepared SQLite statement (Database::prepare). A failed bind is kept and
// reported by the next step(), so binds can be chained.
class SqliteStatement final : public StatementImpl {
  public:
    SqliteStatement(sqlite3_stmt* stmt, const Database* db) : stmt_(stmt), db_(db) {}
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;
    ~SqliteStatement() override { sqlite3_finalize(stmt_); }

    void bind(int index, std::int64_t value) override {
        note(sqlite3_bind_int64(stmt_, index, value));
    }
    void bind(int index, std::string_view text) override {
        note(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                               SQLITE_TRANSIENT));
    }
    void bindBlob(int index, std::span<const std::uint8_t> bytes) override {
        note(sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()),
                               SQLITE_TRANSIENT));
    }
    Result<bool> step() override {
        if (bindError_ != SQLITE_OK) {
            return db_->lastError("cannot bind statement parameter");
        }
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) {
            return true;
        }
        if (rc == SQLITE_DONE) {
            return false;
        }
        return db_->lastError("database write or read failed");
    }
    void reset() override {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
        bindError_ = SQLITE_OK;
    }
    std::int64_t columnInt(int index) const override { return sqlite3_column_int64(stmt_, index); }
    bool columnIsNull(int index) const override {
        return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
    }
    std::string columnText(int index) const override {
        const auto* text = sqlite3_column_text(stmt_, index);
        const int size = sqlite3_column_bytes(stmt_, index);
        return text ? std::string(reinterpret_cast<const char*>(text),
                                  static_cast<std::size_t>(size))
                    : std::string();
    }
    std::vector<std::uint8_t> columnBlob(int index) const override {
        const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, index));
        const int size = sqlite3_column_bytes(stmt_, index);
        return data ? std::vector<std::uint8_t>(data, data + size) : std::vector<std::uint8_t>();
    }

  private:
    void note(int rc) { bindError_ = bindError_ == SQLITE_OK ? rc : bindError_; }

    sqlite3_stmt* stmt_ = nullptr;
    const Database* db_ = nullptr;
    int bindError_ = SQLITE_OK;
};

core::Error Database::lastError(const std::string& what) const {
    const int code = db_ ? sqlite3_extended_errcode(db_) : SQLITE_ERROR;
    const char* message = db_ ? sqlite3_errmsg(db_) : "no connection";
    const bool corrupt = (code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB;
    return makeError(corrupt ? ErrorCode::Corrupt : ErrorCode::Storage,
                     what + ": " + message + adviceFor(code) + " [" + path_.string() + "]");
}

Result<Database> Database::open(const std::filesystem::path& path,
                                std::span<const Migration> migrations, Journal journal) {
    // SQLite keeps memory statistics by default, which takes a process-wide
    // mutex on every allocation: each bound string and each finished statement.
    // Nothing here reads those statistics. This only takes effect before
    // SQLite's first use in the process; later it is refused, harmlessly.
    static std::once_flag noMemoryStatistics;
    std::call_once(noMemoryStatistics, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
    // Created 0600 before SQLite opens it, so no other user can read
    // check-ins or tokens at any moment; SQLite gives its -wal and -shm files
    // the database file's mode. A file that came looser is tightened.
    // O_EXCL: only a file that does not exist yet is opened here. Closing a
    // descriptor drops every POSIX lock this process holds on the file, so
    // opening and closing a database another connection of ours has open
    // (the kiosk's worker, the collector's reader) would silently unlock it
    // under that connection, and another process could then corrupt it.
    if (const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600); fd >= 0) {
        ::close(fd);
    }
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        const std::string file = path.string() + suffix;
        struct stat info {};
        if (::stat(file.c_str(), &info) == 0 && (info.st_mode & 077) != 0) {
            ::chmod(file.c_str(), info.st_mode & 0700);
        }
    }
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    Database db(raw, path);
    if (rc != SQLITE_OK) {
        return db.lastError("cannot open database");
    }
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, kBusyTimeoutMs);
    // synchronous=FULL with either journal: a commit has reached the disk when
    // it returns. WAL lets the upload thread read while the UI thread writes;
    // TRUNCATE keeps no history (see Journal). Switching a WAL file to
    // TRUNCATE checkpoints the log into the file and removes it.
    {
        CAREKIOSK_TRY_LET(mode, db.prepare("PRAGMA journal_mode=WAL"));
        CAREKIOSK_TRY_LET(row, mode->step());
        if (!row.value() || mode->columnText(0) != "wal") {
            return makeError(ErrorCode::Storage,
                             "cannot switch " + path.string() +
                                 " to write-ahead logging; put the database on a local "
                                 "filesystem");
        }
    }
    if (journal == Journal::NoHistory) {
        // Deleted rows and freed pages are overwritten with zeros; tables
        // rewritten inside a transaction stay in memory; and every commit is
        // checkpointed into the file and the log emptied (see emptyLogAfterCommit).
        // Commits need no sync of their own (NORMAL): the checkpoint syncs the
        // log and then the file before the commit returns.
        for (const char* pragma : {"PRAGMA secure_delete=ON", "PRAGMA temp_store=MEMORY",
                                   "PRAGMA synchronous=NORMAL", "PRAGMA wal_autocheckpoint=0"}) {
            CAREKIOSK_TRY(db.exec(pragma));
        }
        sqlite3_wal_hook(raw, &Database::emptyLogAfterCommit, nullptr);
    } else if (auto s = db.exec("PRAGMA synchronous=FULL"); !s) {
        return s.error();
    }
    CAREKIOSK_TRY(db.exec("PRAGMA foreign_keys=ON"));
    CAREKIOSK_TRY(storage::migrate(db, migrations));
    return db;
}

Result<Database> Database::openInMemory(std::span<const Migration> migrations) {
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(":memory:", &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    Database db(raw, ":memory:");
    if (rc != SQLITE_OK) {
        return db.lastError("cannot open a database in memory");
    }
    sqlite3_extended_result_codes(raw, 1);
    CAREKIOSK_TRY(db.exec("PRAGMA foreign_keys=ON"));
    CAREKIOSK_TRY(storage::migrate(db, migrations));
    return db;
}

int Database::emptyLogAfterCommit(void*, sqlite3* db, const char* name, int) {
    // Called by SQLite after each commit, outside its locks (as its own
    // autocheckpoint is). TRUNCATE waits, through the busy handler, for
    // readers on older snapshots to finish, copies the log into the file,
    // syncs both and empties the log. An error here fails the commit's
    // statement, so no one is told "saved" for what is not yet on disk.
    return sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        if (db_) {
            sqlite3_close_v2(db_);
        }
        db_ = std::exchange(other.db_, nullptr);
        path_ = std::move(other.path_);
    }
    return *this;
}

Database::~Database() {
    if (db_) {
        sqlite3_close_v2(db_);
    }
}

Status Database::exec(std::string_view sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        sqlite3_free(message);
        return lastError("database statement failed");
    }
    return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
        SQLITE_OK) {
        return lastError("cannot prepare statement");
    }
    return Statement(std::make_unique<SqliteStatement>(stmt, this));
}

std::int64_t Database::changes() const {
    return sqlite3_changes64(db_);
}

Status Database::begin() {
    return exec("BEGIN IMMEDIATE");
}

Result<std::int64_t> Database::schemaVersion() {
    return queryInt("PRAGMA user_version");
}

Status Database::setSchemaVersion(int version) {
    return exec("PRAGMA user_version=" + std::to_string(version));
}

Result<bool> Database::quickCheck() {
    CAREKIOSK_TRY_LET(stmt, prepare("PRAGMA quick_check"));
    CAREKIOSK_TRY_LET(row, stmt->step());
    return row.value() && stmt->columnText(0) == "ok";
}

Result<std::int64_t> Database::queryInt(std::string_view sql) {
    CAREKIOSK_TRY_LET(stmt, prepare(sql));
    CAREKIOSK_TRY_LET(row, stmt->step());
    return row.value() ? stmt->columnInt(0) : 0;
}

}  // namespace carekiosk::storage
