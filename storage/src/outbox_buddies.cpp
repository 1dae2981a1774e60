// Buddy requests in the outbox: sealed before they are stored, apart from
// check-ins (no time, no shared key), deleted once the collector has them.
#include <array>

#include "carekiosk/storage/outbox.hpp"
#include "outbox_internal.hpp"

namespace carekiosk::storage {

using detail::joinIds;
using detail::kRowKeyBytes;
using detail::splitIds;

Status Outbox::addBuddyRequest(const core::BuddyRequest& request, const ContactSealer& seal) {
    if (unavailable_) {
        return *unavailable_;
    }
    CAREKIOSK_TRY(core::validateBuddyRequest(request));
    CAREKIOSK_TRY_LET(sealed, seal(core::encodeBuddyContact(request)));
    std::array<std::uint8_t, kRowKeyBytes> key{};
    random_->fill(key);
    const std::string& contact = sealed.value();
    CAREKIOSK_TRY_LET(
        stmt, db_.prepare(
                  "INSERT INTO buddy_requests (id, site_id, kind, times, contact_format, contact) "
                  "VALUES (?, ?, ?, ?, 1, ?)"));
    stmt->bindBlob(1, key)
        .bind(2, request.siteId)
        .bind(3, request.kind)
        .bind(4, joinIds(request.times))
        .bindBlob(5, std::span<const std::uint8_t>(
                         reinterpret_cast<const std::uint8_t*>(contact.data()), contact.size()));
    return explainFull(commitWritten(stmt.value()));
}

Result<std::int64_t> Outbox::pendingBuddyRequests() {
    return db_.queryInt("SELECT count(*) FROM buddy_requests");
}

Result<std::vector<core::SealedBuddyRequest>> Outbox::sealedBuddyRequests(std::size_t limit) {
    CAREKIOSK_TRY_LET(
        stmt,
        db_.prepare(
            "SELECT id, site_id, kind, times, contact FROM buddy_requests WHERE contact_format = 1 "
            "ORDER BY id LIMIT ?"));
    stmt->bind(1, static_cast<std::int64_t>(limit));
    std::vector<core::SealedBuddyRequest> requests;
    while (true) {
        CAREKIOSK_TRY_LET(row, stmt->step());
        if (!row.value()) {
            return requests;
        }
        const auto id = stmt->columnBlob(0);
        const auto contact = stmt->columnBlob(4);
        requests.push_back(core::SealedBuddyRequest{
            core::toHex(std::string_view(reinterpret_cast<const char*>(id.data()), id.size())),
            stmt->columnText(1), stmt->columnText(2), splitIds(stmt->columnText(3)),
            core::toHex(
                std::string_view(reinterpret_cast<const char*>(contact.data()), contact.size()))});
    }
}

Status Outbox::deleteBuddyRequests(const std::vector<std::string>& ids) {
    CAREKIOSK_TRY_LET(tx, Transaction::begin(db_));
    CAREKIOSK_TRY_LET(stmt, db_.prepare("DELETE FROM buddy_requests WHERE id = ?"));
    for (const auto& id : ids) {
        std::string key;
        if (!core::fromHex(id, key)) {
            continue;
        }
        stmt->reset();
        stmt->bindBlob(1, std::span<const std::uint8_t>(
                              reinterpret_cast<const std::uint8_t*>(key.data()), key.size()));
        CAREKIOSK_TRY(stmt->run());
    }
    return tx->commit();
}

}  // namespace carekiosk::storage
