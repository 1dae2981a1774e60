#pragma once
// The one family of database wrappers: a Connection (SQLite's is
// storage::Database, PostgreSQL's is in the collector), the Statements it
// prepares, Transactions over it, and one migration runner for both. One
// Connection is one database connection: use it from one thread at a time.
// Nothing here throws (but for std::bad_alloc).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "carekiosk/core/result.hpp"

namespace carekiosk::storage {

using core::Result;
using core::Status;

// What a database does with one prepared statement; see Statement.
class StatementImpl {
  public:
    virtual ~StatementImpl() = default;
    virtual void bind(int index, std::int64_t value) = 0;
    virtual void bind(int index, std::string_view text) = 0;
    virtual void bindBlob(int index, std::span<const std::uint8_t> bytes) = 0;
    virtual Result<bool> step() = 0;
    virtual void reset() = 0;
    virtual std::int64_t columnInt(int index) const = 0;
    virtual std::string columnText(int index) const = 0;
    virtual std::vector<std::uint8_t> columnBlob(int index) const = 0;
    virtual bool columnIsNull(int index) const = 0;
};

// A prepared statement. Parameters are 1-based and copied when bound (a
// failed bind is reported by the next step()); columns are 0-based and read
// after step() returned true. Valid while its Connection is, and not moved.
class Statement {
  public:
    explicit Statement(std::unique_ptr<StatementImpl> impl) : impl_(std::move(impl)) {}

    Statement& bind(int index, std::int64_t value) {
        impl_->bind(index, value);
        return *this;
    }
    Statement& bind(int index, int value) { return bind(index, std::int64_t{value}); }
    Statement& bind(int index, std::string_view text) {
        impl_->bind(index, text);
        return *this;
    }
    Statement& bind(int index, const std::string& text) {
        return bind(index, std::string_view(text));
    }
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bindBlob(int index, std::span<const std::uint8_t> bytes) {
        impl_->bindBlob(index, bytes);
        return *this;
    }
    // Runs the statement the first time, then moves to the next row: true when
    // a row is ready, false when there are no more.
    Result<bool> step() { return impl_->step(); }
    // Runs a statement that returns no rows (or ignores them).
    Status run();
    // Ready to bind and run again, with no parameters bound.
    void reset() { impl_->reset(); }
    std::int64_t columnInt(int index) const { return impl_->columnInt(index); }
    std::string columnText(int index) const { return impl_->columnText(index); }
    std::vector<std::uint8_t> columnBlob(int index) const { return impl_->columnBlob(index); }
    bool columnIsNull(int index) const { return impl_->columnIsNull(index); }

  private:
    std::unique_ptr<StatementImpl> impl_;
};

class Connection {
  public:
    virtual ~Connection() = default;
    // Runs one or more statements without parameters.
    virtual Status exec(std::string_view sql) = 0;
    virtual Result<Statement> prepare(std::string_view sql) = 0;
    // Rows changed by the last INSERT, UPDATE or DELETE run on this connection.
    virtual std::int64_t changes() const = 0;
    // Starts a write transaction (SQLite: BEGIN IMMEDIATE, taking the write
    // lock at once; PostgreSQL: BEGIN, row locks as rows are touched).
    virtual Status begin() = 0;
    // Where the data lives, for messages: a file path or host/database.
    virtual std::string describe() const = 0;
    // How many rows one INSERT should carry when many go in at once: 1 for
    // SQLite, in process, where one statement prepared once and run per row
    // is cheapest; more for PostgreSQL, where each statement is a round trip.
    virtual std::size_t rowsPerInsert() const = 0;

    // For migrate(), inside its transaction: keeps other connections from
    // migrating at the same time (SQLite's BEGIN IMMEDIATE already does),
    // then reads and records the schema version (SQLite: user_version;
    // PostgreSQL: a table of its own).
    virtual Status lockSchema() { return {}; }
    virtual Result<std::int64_t> schemaVersion() = 0;
    virtual Status setSchemaVersion(int version) = 0;
};

// BEGIN on begin(); ROLLBACK on destruction unless commit() succeeded.
class Transaction {
  public:
    static Result<Transaction> begin(Connection& db);
    Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction();
    Status commit();

  private:
    explicit Transaction(Connection* db) : db_(db) {}
    Connection* db_ = nullptr;
};

// One step of a schema's history.
struct Migration {
    int version;      // the schema version after this step; steps run in increasing order
    const char* sql;  // run inside the migration's transaction
};

// Brings `db` to the newest of `steps`, in one transaction (so several
// processes starting at once take turns, and a failed step changes nothing).
// A database newer than the steps is refused (ErrorCode::Storage, naming
// `field` if given): install the newer version.
Status migrate(Connection& db, std::span<const Migration> steps, const std::string& field = {});

// Steps `stmt` to its end, calling `onRow()` for each row.
template <typename OnRow>
Status forEachRow(Statement& stmt, OnRow onRow) {
    while (true) {
        auto row = stmt.step();
        if (!row) {
            return row.error();
        }
        if (!row.value()) {
            return {};
        }
        onRow();
    }
}

}  // namespace carekiosk::storage
