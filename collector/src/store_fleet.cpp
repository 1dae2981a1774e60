// The fleet: heartbeats and the fleet view's rows, site configs and the
// "you said, we did" messages they carry to kiosks.
#include "carekiosk/collector/store.hpp"

#include <nlohmann/json.hpp>

#include "store_internal.hpp"

namespace carekiosk::collector {

using core::ErrorCode;
using core::makeError;
using detail::dayNumber;
using detail::unixSeconds;
using sql::Transaction;

Status Store::recordHeartbeat(const Device& device, const core::Heartbeat& heartbeat) {
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(
        stmt, db_->prepare("UPDATE devices SET last_seen = ?, heartbeat = ? WHERE device_id = ?"));
    return stmt->bind(1, unixSeconds(clock_.now()))
        .bind(2, core::encodeHeartbeat(heartbeat))
        .bind(3, device.deviceId)
        .run();
}

Result<std::vector<FleetRow>> Store::fleetRows() {
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(
        stmt,
        db_->prepare(
            "SELECT d.device_id, d.site_id, d.revoked, d.unenrolled, d.last_seen, d.heartbeat, "
            "s.config_version FROM devices d JOIN sites s ON s.site_id = d.site_id "
            "ORDER BY d.site_id, d.device_id"));
    std::vector<FleetRow> rows;
    while (true) {
        CAREKIOSK_TRY_LET(step, stmt->step());
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

Result<SiteConfig> Store::setSiteConfig(const std::string& siteId, const std::string& json) {
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(exists, siteExistsLocked(siteId));
    if (!exists.value()) {
        return makeError(ErrorCode::NotFound,
                         "site " + siteId + " does not exist; create it with admin create-site",
                         "site");
    }
    CAREKIOSK_TRY_LET(stmt, db_->prepare("UPDATE sites SET config_json = ?, config_version = "
                                         "config_version + 1 WHERE site_id = ?"));
    CAREKIOSK_TRY(stmt->bind(1, json).bind(2, siteId).run());
    return siteConfigLocked(siteId);
}

Result<SiteConfig> Store::siteConfig(const std::string& siteId) {
    std::lock_guard lock(mutex_);
    return siteConfigLocked(siteId);
}

Result<std::int64_t> Store::postMessage(const core::PostedMessage& message) {
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(exists, siteExistsLocked(message.siteId));
    if (!exists.value()) {
        return makeError(ErrorCode::NotFound, "site " + message.siteId + " does not exist", "site");
    }
    CAREKIOSK_TRY_LET(tx, Transaction::begin(*db_));
    auto insert = db_->prepare(
        "INSERT INTO messages (site_id, text, from_day, to_day) VALUES (?, ?, ?, ?) "
        "RETURNING id");
    auto bump =
        db_->prepare("UPDATE sites SET config_version = config_version + 1 WHERE site_id = ?");
    if (!insert || !bump) {
        return !insert ? insert.error() : bump.error();
    }
    CAREKIOSK_TRY_LET(inserted, insert->bind(1, message.siteId)
                                    .bind(2, message.text)
                                    .bind(3, message.fromDay)
                                    .bind(4, message.toDay)
                                    .step());
    const auto id = insert->columnInt(0);
    if (auto s = insert->run(); !s) {  // to the statement's end
        return s.error();
    }
    CAREKIOSK_TRY(bump->bind(1, message.siteId).run());
    CAREKIOSK_TRY(tx->commit());
    return static_cast<std::int64_t>(id);
}

Result<std::vector<core::DatedMessage>> Store::currentMessagesLocked(const std::string& siteId) {
    // Ended messages are no longer sent; a kiosk only needs today's and later ones.
    CAREKIOSK_TRY_LET(
        stmt, db_->prepare(
                  "SELECT text, from_day, to_day FROM messages WHERE site_id = ? AND to_day >= ? "
                  "ORDER BY from_day, id"));
    stmt->bind(1, siteId).bind(2, dayNumber(clock_.now()) - 1);
    std::vector<core::DatedMessage> messages;
    while (true) {
        CAREKIOSK_TRY_LET(row, stmt->step());
        if (!row.value()) {
            return messages;
        }
        messages.push_back({stmt->columnText(0), stmt->columnInt(1), stmt->columnInt(2)});
    }
}

Result<SiteConfig> Store::siteConfigLocked(const std::string& siteId) {
    CAREKIOSK_TRY_LET(
        stmt, db_->prepare("SELECT config_version, config_json FROM sites WHERE site_id = ?"));
    stmt->bind(1, siteId);
    CAREKIOSK_TRY_LET(row, stmt->step());
    if (!row.value()) {
        return makeError(ErrorCode::NotFound, "site " + siteId + " does not exist", "site");
    }
    SiteConfig config;
    config.version = static_cast<int>(stmt->columnInt(0));
    config.json = stmt->columnIsNull(1) ? std::string() : stmt->columnText(1);
    CAREKIOSK_TRY_LET(messages, currentMessagesLocked(siteId));
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
}  // namespace carekiosk::collector
