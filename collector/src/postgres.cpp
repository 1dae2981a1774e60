// The one file that talks to libpq: sql::Connection over PostgreSQL.
#include <libpq-fe.h>

#include <cstdlib>
#include <map>
#include <new>

#include "carekiosk/collector/sql.hpp"

namespace carekiosk::collector::sql {

namespace {

using core::ErrorCode;
using core::makeError;

// Rows per INSERT: a batch of 500 check-ins in 2 round trips rather than 500
// (250 ingested 15-25 % faster than 50 in bench_collector ingest).
constexpr std::size_t kRowsPerInsert = 250;

// What a failed call says, with the server's own words and where it ran.
core::Error pgError(const std::string& what, const std::string& detail, const std::string& where) {
    std::string message = detail;
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
        message.pop_back();
    }
    return makeError(ErrorCode::Storage, what + ": " + message + " [" + where + "]");
}

// A statement's first words, quoted, to say which one failed.
std::string firstWords(std::string_view sql) {
    std::string words(sql.substr(0, 40));
    for (char& c : words) {
        c = c == '\n' ? ' ' : c;
    }
    return "\"" + words + (sql.size() > 40 ? "...\"" : "\"");
}

class PostgresConnection;

class PostgresStatement final : public StatementImpl {
  public:
    PostgresStatement(PostgresConnection& connection, std::string name, int parameters,
                      std::string what)
        : connection_(connection),
          name_(std::move(name)),
          what_(std::move(what)),
          values_(static_cast<std::size_t>(parameters)),
          binary_(static_cast<std::size_t>(parameters), 0) {}
    ~PostgresStatement() override { PQclear(result_); }

    void bind(int index, std::int64_t value) override { set(index, std::to_string(value), 0); }
    void bind(int index, std::string_view text) override { set(index, std::string(text), 0); }
    void bindBlob(int index, std::span<const std::uint8_t> bytes) override {
        set(index, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()), 1);
    }
    Result<bool> step() override;
    void reset() override {
        PQclear(result_);
        result_ = nullptr;
        row_ = -1;
    }
    std::int64_t columnInt(int index) const override {
        return std::strtoll(PQgetvalue(result_, row_, index), nullptr, 10);
    }
    std::string columnText(int index) const override {
        return std::string(PQgetvalue(result_, row_, index),
                           static_cast<std::size_t>(PQgetlength(result_, row_, index)));
    }
    // Results come as text; libpq decodes bytea's text forms (hex or escape).
    std::vector<std::uint8_t> columnBlob(int index) const override {
        std::size_t length = 0;
        unsigned char* raw = PQunescapeBytea(
            reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row_, index)), &length);
        if (!raw) {
            throw std::bad_alloc();  // libpq's only failure, as any allocation's
        }
        std::vector<std::uint8_t> bytes(raw, raw + length);
        PQfreemem(raw);
        return bytes;
    }
    bool columnIsNull(int index) const override { return PQgetisnull(result_, row_, index) != 0; }

  private:
    void set(int index, std::string value, int binary) {
        const auto i = static_cast<std::size_t>(index - 1);
        if (i < values_.size()) {
            values_[i] = std::move(value);
            binary_[i] = binary;
        }
    }

    PostgresConnection& connection_;
    std::string name_;
    std::string what_;  // the statement's first words, for errors
    std::vector<std::string> values_;
    std::vector<int> binary_;
    PGresult* result_ = nullptr;
    int row_ = -1;
};

class PostgresConnection final : public Connection {
  public:
    PostgresConnection(PGconn* conn, std::string where) : conn_(conn), where_(std::move(where)) {}
    ~PostgresConnection() override { PQfinish(conn_); }

    Status exec(std::string_view sql) override {
        CAREKIOSK_TRY(ensureConnected());
        PGresult* result = PQexec(conn_, std::string(sql).c_str());
        const auto status = PQresultStatus(result);
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            auto error =
                pgError("cannot run " + firstWords(sql), PQresultErrorMessage(result), where_);
            PQclear(result);
            return error;
        }
        noteChanges(result);
        PQclear(result);
        return {};
    }

    // Each distinct statement is prepared once per connection and reused.
    Result<Statement> prepare(std::string_view sql) override {
        CAREKIOSK_TRY(ensureConnected());
        const std::string key(sql);
        auto known = prepared_.find(key);
        if (known == prepared_.end()) {
            const std::string name = "s" + std::to_string(prepared_.size());
            const std::string numbered = numberPlaceholders(sql);
            PGresult* made = PQprepare(conn_, name.c_str(), numbered.c_str(), 0, nullptr);
            if (PQresultStatus(made) != PGRES_COMMAND_OK) {
                auto error = pgError("cannot prepare " + firstWords(sql),
                                     PQresultErrorMessage(made), where_);
                PQclear(made);
                return error;
            }
            PQclear(made);
            PGresult* described = PQdescribePrepared(conn_, name.c_str());
            const int parameters = PQnparams(described);
            PQclear(described);
            known = prepared_.emplace(key, Prepared{name, parameters}).first;
        }
        return Statement(std::make_unique<PostgresStatement>(
            *this, known->second.name, known->second.parameters, firstWords(sql)));
    }

    std::int64_t changes() const override { return changes_; }
    Status begin() override { return exec("BEGIN"); }
    std::string describe() const override { return where_; }
    std::size_t rowsPerInsert() const override { return kRowsPerInsert; }

    // For storage::migrate: an advisory lock held for the transaction lets one
    // collector migrate while others starting at once wait, then find nothing
    // to do. The version is a table of its own.
    Status lockSchema() override {
        return exec(
            "SELECT pg_advisory_xact_lock(7305879473263247360);"
            "CREATE TABLE IF NOT EXISTS carekiosk_schema (version INTEGER NOT NULL)");
    }
    Result<std::int64_t> schemaVersion() override {
        CAREKIOSK_TRY_LET(current,
                          prepare("SELECT COALESCE(MAX(version), 0) FROM carekiosk_schema"));
        CAREKIOSK_TRY_LET(row, current->step());
        return current->columnInt(0);
    }
    Status setSchemaVersion(int version) override {
        return exec("INSERT INTO carekiosk_schema (version) VALUES (" + std::to_string(version) +
                    ")");
    }

    PGconn* handle() { return conn_; }
    const std::string& where() const { return where_; }
    void noteChanges(PGresult* result) {
        const char* tuples = PQcmdTuples(result);
        changes_ = tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : 0;
    }

  private:
    struct Prepared {
        std::string name;
        int parameters = 0;
    };

    // A server restart or a dropped connection: reconnect before the next
    // statement (the one that failed has already answered with an error, and
    // its caller retries, as a kiosk retries a batch). Prepared statements
    // died with the old session.
    Status ensureConnected() {
        if (PQstatus(conn_) == CONNECTION_OK) {
            return {};
        }
        PQreset(conn_);
        prepared_.clear();
        if (PQstatus(conn_) != CONNECTION_OK) {
            return pgError("lost the connection to PostgreSQL", PQerrorMessage(conn_), where_);
        }
        return {};
    }

    PGconn* conn_;
    std::string where_;
    std::map<std::string, Prepared> prepared_;
    std::int64_t changes_ = 0;
};

Result<bool> PostgresStatement::step() {
    if (!result_) {
        std::vector<const char*> values;
        std::vector<int> lengths;
        for (const auto& v : values_) {
            values.push_back(v.data());
            lengths.push_back(static_cast<int>(v.size()));
        }
        result_ =
            PQexecPrepared(connection_.handle(), name_.c_str(), static_cast<int>(values.size()),
                           values.data(), lengths.data(), binary_.data(), 0);
        const auto status = PQresultStatus(result_);
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            auto error =
                pgError("cannot run " + what_, PQresultErrorMessage(result_), connection_.where());
            PQclear(result_);
            result_ = nullptr;
            return error;
        }
        connection_.noteChanges(result_);
        row_ = -1;
    }
    ++row_;
    return row_ < PQntuples(result_);
}

}  // namespace

Result<std::unique_ptr<Connection>> connectPostgres(const std::string& uri) {
    PGconn* conn = PQconnectdb(uri.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        std::string detail = PQerrorMessage(conn);
        PQfinish(conn);
        while (!detail.empty() && detail.back() == '\n') {
            detail.pop_back();
        }
        return makeError(ErrorCode::Io,
                         "cannot connect to PostgreSQL: " + detail +
                             "; check the host, port, user and database in --db "
                             "(postgresql://USER@HOST:PORT/DATABASE) and that the server runs",
                         "db");
    }
    // Quiet: no NOTICE lines ("relation already exists, skipping") on stderr.
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
    const std::string where =
        std::string("postgresql://") + PQhost(conn) + ":" + PQport(conn) + "/" + PQdb(conn);
    return std::unique_ptr<Connection>(new PostgresConnection(conn, where));
}

}  // namespace carekiosk::collector::sql
