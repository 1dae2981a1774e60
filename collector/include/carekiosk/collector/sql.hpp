#pragma once
// The SQL the collector's Store speaks, over either database it runs on:
// SQLite (embedded, one office: storage::Database) or PostgreSQL (an
// organisation's own server, several collector processes: connectPostgres).
// One Connection is one database connection: use it from one thread at a
// time. Nothing here throws.
//
// The Store writes one dialect both accept: `?` placeholders (numbered for
// PostgreSQL by its connection), `INSERT ... ON CONFLICT`, `RETURNING`,
// savepoints, and CAST(? AS TEXT) where a bare parameter would have no type.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "carekiosk/core/result.hpp"
#include "carekiosk/storage/sql.hpp"

namespace carekiosk::collector::sql {

using core::Result;
using core::Status;
// The one family of database wrappers (carekiosk/storage/sql.hpp); SQLite's
// Connection is storage::Database.
using storage::Connection;
using storage::forEachRow;
using storage::Statement;
using storage::StatementImpl;
using storage::Transaction;

// Connects to PostgreSQL with a libpq connection URI (postgresql://...).
// Errors say what failed (server unreachable, authentication, no database)
// and name the `db` option.
Result<std::unique_ptr<Connection>> connectPostgres(const std::string& uri);

// `?` placeholders numbered as PostgreSQL's $1, $2, ... (text in single
// quotes left alone). Exposed for its test.
std::string numberPlaceholders(std::string_view sql);

}  // namespace carekiosk::collector::sql
