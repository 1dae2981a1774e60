#pragma once
// SQLite as a storage::Connection (sql.hpp). One Database is one connection:
// use it from one thread at a time (open a second connection for another
// thread; WAL lets readers and one writer work side by side). Nothing here
// throws.

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "carekiosk/core/result.hpp"
#include "carekiosk/storage/sql.hpp"

namespace carekiosk::storage {

using core::Result;
using core::Status;

// How a database keeps its commits durable.
enum class Journal {
    // A write-ahead log (journal_mode=WAL): readers never wait for the writer.
    // The log keeps every commit since the last checkpoint, in order.
    WriteAhead,
    // A write-ahead log emptied into the database after every commit (a
    // TRUNCATE checkpoint from the connection's WAL hook, which also makes the
    // commit durable: it syncs the log, then the database), with secure_delete
    // and temporary tables in memory. The files hold the database as it is
    // now and, during a commit, that one commit's pages: never a history of
    // earlier commits. A commit waits (up to the busy timeout) for readers to
    // let the checkpoint through, and reports an error if it cannot. For the
    // kiosk's outbox, whose order of commits is the order people came in.
    NoHistory,
};

class Database final : public Connection {
  public:
    // Opens (creating if needed) with `journal`, synchronous=FULL,
    // foreign_keys=ON and a busy timeout, then runs `migrations` forward from the
    // file's user_version. A file newer than the migrations is refused. A file
    // that is not a database or is damaged gives ErrorCode::Corrupt. Every
    // connection to one file must ask for the same journal.
    static Result<Database> open(const std::filesystem::path& path,
                                 std::span<const Migration> migrations,
                                 Journal journal = Journal::WriteAhead);
    // A database in memory with `migrations` run (path ":memory:"): for an
    // Outbox that stands in while the real file cannot be opened.
    static Result<Database> openInMemory(std::span<const Migration> migrations);

    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database() override;

    Status exec(std::string_view sql) override;
    Result<Statement> prepare(std::string_view sql) override;
    std::int64_t changes() const override;
    // IMMEDIATE: the write lock is taken now, not at the first write, so a
    // transaction never fails halfway for want of it.
    Status begin() override;
    std::string describe() const override { return path_.string(); }
    std::size_t rowsPerInsert() const override { return 1; }
    Result<std::int64_t> schemaVersion() override;  // PRAGMA user_version
    Status setSchemaVersion(int version) override;
    // PRAGMA quick_check: true when SQLite finds the file intact.
    Result<bool> quickCheck();
    // A scalar query returning one integer (0 if no row).
    Result<std::int64_t> queryInt(std::string_view sql);

    // An Error for the connection's last failure, prefixed with `what`.
    core::Error lastError(const std::string& what) const;
    sqlite3* handle() const { return db_; }
    const std::filesystem::path& path() const { return path_; }

  private:
    Database(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
    // The WAL hook of Journal::NoHistory connections.
    static int emptyLogAfterCommit(void*, sqlite3* db, const char* name, int pages);

    sqlite3* db_ = nullptr;
    std::filesystem::path path_;
};

}  // namespace carekiosk::storage
