#include "carekiosk/storage/sql.hpp"

namespace carekiosk::storage {

using core::ErrorCode;
using core::makeError;

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
        db_ = nullptr;  // else the destructor rolls back
    }
    return s;
}

Status migrate(Connection& db, std::span<const Migration> steps, const std::string& field) {
    CAREKIOSK_TRY_LET(tx, Transaction::begin(db));
    CAREKIOSK_TRY(db.lockSchema());
    CAREKIOSK_TRY_LET(current, db.schemaVersion());
    const int latest = steps.empty() ? 0 : steps.back().version;
    if (current.value() > latest) {
        return makeError(ErrorCode::Storage,
                         db.describe() + " was written by a newer carekiosk (schema " +
                             std::to_string(current.value()) + ", this build knows " +
                             std::to_string(latest) + "); install the newer version",
                         field);
    }
    for (const auto& step : steps) {
        if (step.version <= current.value()) {
            continue;
        }
        CAREKIOSK_TRY(db.exec(step.sql));
        CAREKIOSK_TRY(db.setSchemaVersion(step.version));
    }
    return tx->commit();
}

}  // namespace carekiosk::storage
