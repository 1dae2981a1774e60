// Buddy requests: stored apart from check-ins, read and marked handled by
// the coordinator, purged after the retention period.
#include "carekiosk/collector/store.hpp"

#include "store_internal.hpp"

namespace carekiosk::collector {

using core::ErrorCode;
using core::makeError;
using detail::dayNumber;
using detail::unixSeconds;
using sql::Transaction;

namespace {

std::string joinTimes(const std::vector<std::string>& ids) {
    std::string joined;
    for (const auto& id : ids) {
        joined += (joined.empty() ? "" : " ") + id;
    }
    return joined;
}

std::vector<std::string> splitTimes(const std::string& joined) {
    std::vector<std::string> ids;
    std::size_t start = 0;
    while (start < joined.size()) {
        auto end = joined.find(' ', start);
        end = end == std::string::npos ? joined.size() : end;
        if (end > start) {
            ids.push_back(joined.substr(start, end - start));
        }
        start = end + 1;
    }
    return ids;
}

}  // namespace

Result<std::vector<std::string>> Store::storeBuddyRequests(const Device& device,
                                                           const core::BuddyRequestList& list) {
    for (std::size_t i = 0; i < list.requests.size(); ++i) {
        if (list.requests[i].siteId != device.siteId) {
            const std::string field = "requests[" + std::to_string(i) + "].site_id";
            return makeError(ErrorCode::InvalidInput,
                             field + " is not this kiosk's site (" + device.siteId + ")", field);
        }
    }
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(tx, Transaction::begin(*db_));
    CAREKIOSK_TRY_LET(insert,
                      db_->prepare("INSERT INTO buddy_requests (id, site_id, kind, times, sealed) "
                                   "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"));
    std::vector<std::string> ids;
    int inserted = 0;
    for (const auto& r : list.requests) {
        std::string sealed;
        core::fromHex(r.sealedHex, sealed);  // decodeBuddyRequestList checked it
        insert->reset();
        if (auto s = insert->bind(1, r.id)
                         .bind(2, r.siteId)
                         .bind(3, r.kind)
                         .bind(4, joinTimes(r.times))
                         .bindBlob(5, std::span<const std::uint8_t>(
                                          reinterpret_cast<const std::uint8_t*>(sealed.data()),
                                          sealed.size()))
                         .run();
            !s) {
            return s.error();
        }
        // A retried upload is acknowledged again but counted once.
        inserted += static_cast<int>(db_->changes());
        ids.push_back(r.id);
    }
    if (inserted > 0) {
        CAREKIOSK_TRY_LET(
            count,
            db_->prepare(
                "INSERT INTO buddy_counts (site_id, day, count, waiting) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (site_id, day) DO UPDATE SET count = buddy_counts.count + "
                "excluded.count, waiting = buddy_counts.waiting + excluded.waiting"));
        CAREKIOSK_TRY_LET(zone, siteZoneLocked(device.siteId));
        const auto today = zone->localDay(unixSeconds(clock_.now()));
        if (auto s = count->bind(1, device.siteId)
                         .bind(2, static_cast<std::int64_t>(today))
                         .bind(3, static_cast<std::int64_t>(inserted))
                         .bind(4, static_cast<std::int64_t>(inserted))
                         .run();
            !s) {
            return s.error();
        }
    }
    CAREKIOSK_TRY(tx->commit());
    return ids;
}

Result<core::BuddyRequestList> Store::buddyInbox(const std::string& siteId) {
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(
        stmt,
        db_->prepare(
            "SELECT id, site_id, kind, times, sealed FROM buddy_requests "
            "WHERE handled_day IS NULL AND (CAST(? AS TEXT) = '' OR site_id = ?) ORDER BY id"));
    stmt->bind(1, siteId).bind(2, siteId);
    core::BuddyRequestList list;
    while (true) {
        CAREKIOSK_TRY_LET(row, stmt->step());
        if (!row.value()) {
            return list;
        }
        const auto sealed = stmt->columnBlob(4);
        list.requests.push_back(core::SealedBuddyRequest{
            stmt->columnText(0), stmt->columnText(1), stmt->columnText(2),
            splitTimes(stmt->columnText(3)),
            core::toHex(
                std::string_view(reinterpret_cast<const char*>(sealed.data()), sealed.size()))});
    }
}

Result<int> Store::markBuddyRequestsHandled(const std::vector<std::string>& ids) {
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(tx, Transaction::begin(*db_));
    CAREKIOSK_TRY_LET(
        stmt,
        db_->prepare(
            "UPDATE buddy_requests SET handled_day = ? WHERE id = ? AND handled_day IS NULL"));
    int marked = 0;
    for (const auto& id : ids) {
        stmt->reset();
        CAREKIOSK_TRY(stmt->bind(1, dayNumber(clock_.now())).bind(2, id).run());
        marked += static_cast<int>(db_->changes());
    }
    CAREKIOSK_TRY(tx->commit());
    return marked;
}

Result<int> Store::purgeHandledBuddyRequests(int retentionDays) {
    std::lock_guard lock(mutex_);
    CAREKIOSK_TRY_LET(stmt, db_->prepare("DELETE FROM buddy_requests WHERE handled_day < ?"));
    CAREKIOSK_TRY(stmt->bind(1, dayNumber(clock_.now()) - retentionDays).run());
    return static_cast<int>(db_->changes());
}
}  // namespace carekiosk::collector
