#include "carekiosk/collector/sql.hpp"

namespace carekiosk::collector::sql {

Status Statement::run() {
    auto row = step();
    while (row && row.value()) {
        row = step();
    }
    if (!row) {
        return row.error();
    }
    return {};
}

Result<Transaction> Transaction::begin(Connection& db) {
    CAREKIOSK_TRY(db.begin());
    return Transaction(&db);
}

Transaction::~Transaction() {
    if (db_) {
        (void)db_->exec("ROLLBACK");
    }
}

Status Transaction::commit() {
    auto s = db_->exec("COMMIT");
    if (s) {
        db_ = nullptr;
    }
    return s;
}

std::string numberPlaceholders(std::string_view sql) {
    std::string out;
    out.reserve(sql.size() + 16);
    int next = 1;
    bool quoted = false;
    for (char c : sql) {
        if (c == '\'') {
            quoted = !quoted;  // '' inside a literal toggles twice: still quoted
        }
        if (c == '?' && !quoted) {
            out += '$' + std::to_string(next++);
        } else {
            out += c;
        }
    }
    return out;
}

namespace {

class SqliteStatement final : public StatementImpl {
  public:
    explicit SqliteStatement(storage::Statement stmt) : stmt_(std::move(stmt)) {}
    void bind(int index, std::int64_t value) override { stmt_.bind(index, value); }
    void bind(int index, std::string_view text) override { stmt_.bind(index, text); }
    void bindBlob(int index, std::span<const std::uint8_t> bytes) override {
        stmt_.bindBlob(index, bytes);
    }
    Result<bool> step() override { return stmt_.step(); }
    void reset() override { stmt_.reset(); }
    std::int64_t columnInt(int index) const override { return stmt_.columnInt(index); }
    std::string columnText(int index) const override { return stmt_.columnText(index); }
    std::vector<std::uint8_t> columnBlob(int index) const override {
        return stmt_.columnBlob(index);
    }
    bool columnIsNull(int index) const override { return stmt_.columnIsNull(index); }

  private:
    storage::Statement stmt_;
};

}  // namespace

Status SqliteConnection::exec(std::string_view sql) {
    return db_.exec(std::string(sql).c_str());
}

Result<Statement> SqliteConnection::prepare(std::string_view sql) {
    auto stmt = db_.prepare(sql);
    if (!stmt) {
        return stmt.error();
    }
    return Statement(std::make_unique<SqliteStatement>(std::move(stmt).value()));
}

std::int64_t SqliteConnection::changes() const {
    return sqlite3_changes(db_.handle());
}

// IMMEDIATE: the write lock is taken now, not at the first write, so a
// transaction never fails halfway for want of it.
Status SqliteConnection::begin() {
    return db_.exec("BEGIN IMMEDIATE");
}

std::string SqliteConnection::describe() const {
    return db_.path().string();
}

}  // namespace carekiosk::collector::sql
