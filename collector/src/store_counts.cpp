// Reading counts back: per-day counts for summaries, and stored totals.
#include "carekiosk/collector/store.hpp"

#include "store_internal.hpp"

namespace carekiosk::collector {

Result<std::vector<DayCounts>> Store::dayCounts(const std::string& siteId, std::int64_t fromDay,
                                                std::int64_t toDay) {
    std::lock_guard lock(readerMutex_);
    // Keyed by (team, day); buddy requests carry no team and count under "".
    std::map<std::pair<std::string, std::int64_t>, DayCounts> days;
    // From the rollups kept on ingest, not from the check-ins themselves.
    auto scores = reader_->prepare(
        "SELECT team, day, score, count FROM day_scores WHERE site_id = ? AND day >= ? AND "
        "day <= ?");
    auto reasons = reader_->prepare(
        "SELECT team, day, reason, count FROM day_reasons WHERE site_id = ? AND day >= ? AND "
        "day <= ?");
    auto buddies = reader_->prepare(
        "SELECT day, count FROM buddy_counts WHERE site_id = ? AND day >= ? AND day <= ?");
    if (!scores || !reasons || !buddies) {
        return !scores ? scores.error() : !reasons ? reasons.error() : buddies.error();
    }
    scores->bind(1, siteId).bind(2, fromDay).bind(3, toDay);
    reasons->bind(1, siteId).bind(2, fromDay).bind(3, toDay);
    buddies->bind(1, siteId).bind(2, fromDay).bind(3, toDay);
    auto status = sql::forEachRow(scores.value(), [&] {
        const auto score = scores->columnInt(2);
        days[{scores->columnText(0), scores->columnInt(1)}]
            .perScore[static_cast<std::size_t>(score - 1)] = static_cast<int>(scores->columnInt(3));
    });
    if (status) {
        status = sql::forEachRow(reasons.value(), [&] {
            days[{reasons->columnText(0), reasons->columnInt(1)}].reasons[reasons->columnText(2)] =
                static_cast<int>(reasons->columnInt(3));
        });
    }
    if (status) {
        status = sql::forEachRow(buddies.value(), [&] {
            days[{std::string(), buddies->columnInt(0)}].buddyRequests =
                static_cast<int>(buddies->columnInt(1));
        });
    }
    if (!status) {
        return status.error();
    }
    std::vector<DayCounts> out;
    out.reserve(days.size());
    for (auto& [key, counts] : days) {
        counts.team = key.first;
        counts.day = key.second;
        out.push_back(std::move(counts));
    }
    return out;
}

Result<std::int64_t> Store::storedCheckIns(const std::string& siteId) {
    std::lock_guard lock(readerMutex_);
    CAREKIOSK_TRY_LET(stmt, reader_->prepare("SELECT count(*) FROM checkins WHERE site_id = ?"));
    CAREKIOSK_TRY_LET(row, stmt->bind(1, siteId).step());
    return stmt->columnInt(0);
}

}  // namespace carekiosk::collector
