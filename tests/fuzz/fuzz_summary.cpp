// libFuzzer harness: the summary request, releases and their audit. The
// input's first line is the query (site&from&to&period, as GET /v1/summary
// takes them); the bytes after it are uploads, 6 bytes each: the day (an
// offset in a ten-week range), the team, a score and a count, a reason count,
// and whether a release runs after it (up to which day). Never a crash; an
// accepted date must format back to the same text; no figure a summary shows
// may describe between 1 and k-1 people; and the audit must find no withheld
// figure that everything released pins below k.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "carekiosk/collector/summary.hpp"
#include "carekiosk/core/calendar.hpp"
#include "carekiosk/core/checkin.hpp"
#include "carekiosk/core/wire.hpp"
#include "support/release_model.hpp"

using namespace carekiosk;

namespace {

constexpr int kMinGroup = 5;
constexpr std::int64_t kMaxDays = 400;
constexpr std::int64_t kFirstDay = 20724;  // 2026-09-28, a Monday
constexpr std::int64_t kDays = 70;

void requireNoSmallGroup(int n) {
    if (n > 0 && n < kMinGroup) {
        std::abort();  // a shown figure describes a small group
    }
}

void requireNoSmallFigure(const core::SiteSummary& summary) {
    for (const auto& p : summary.periods) {
        requireNoSmallGroup(p.count);
        if (!p.perScoreHidden) {
            for (int n : p.perScore) {
                requireNoSmallGroup(n);
            }
        }
        for (const auto& [reason, n] : p.reasons) {
            requireNoSmallGroup(n.value_or(0));
        }
        requireNoSmallGroup(p.buddyRequests.value_or(0));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    const auto newline = input.find('\n');
    const std::string query = input.substr(0, newline);
    const std::string uploads = newline == std::string::npos ? "" : input.substr(newline + 1);
    std::string parts[4];
    std::size_t start = 0;
    for (auto& part : parts) {
        const auto end = query.find('&', start);
        part = query.substr(std::min(start, query.size()),
                            end == std::string::npos ? std::string::npos : end - start);
        start = end == std::string::npos ? query.size() : end + 1;
    }
    (void)core::validateSiteId(parts[0], "site");
    auto from = core::parseDate(parts[1], "from");
    auto to = core::parseDate(parts[2], "to");
    for (const auto* day : {&from, &to}) {
        if (*day && core::formatDate(day->value()) != (day == &from ? parts[1] : parts[2])) {
            std::abort();  // an accepted date must be exactly its own text
        }
    }
    auto period = core::parseSummaryPeriod(parts[3], "period");
    if (!from || !to || !period || to.value() < from.value() ||
        to.value() - from.value() > kMaxDays) {
        return 0;
    }
    testing::ReleaseModel model(kMinGroup, {"finance", "ops"});
    std::int64_t released = kFirstDay - 1;
    for (std::size_t i = 0; i + 6 <= uploads.size() && i < 6 * 400; i += 6) {
        const auto* b = reinterpret_cast<const std::uint8_t*>(uploads.data() + i);
        const std::int64_t day = kFirstDay + b[0] % kDays;
        const std::string team = b[1] % 3 == 0 ? "" : b[1] % 3 == 1 ? "finance" : "ops";
        std::array<int, 5> scores{};
        scores[b[2] % 5] = 1 + b[3] % 9;
        std::map<std::string, int> reasons;
        if (b[4] % 3 != 0) {
            reasons["workload"] = std::min<int>(b[4] % 7, scores[b[2] % 5]);
        }
        model.add(team, day, scores, reasons);
        if (b[5] % 4 == 0) {
            model.addBuddyRequests(day, 1 + b[5] % 3);
        }
        if (b[5] % 3 == 0) {
            released = std::max(released, day - 1 + b[5] % 5);
            model.releaseThrough(released);
        }
    }
    model.releaseThrough(kFirstDay + kDays);
    for (const std::string team : {"", "finance", "ops"}) {
        const auto summary = model.summary(period.value(), from.value(), to.value(), team);
        requireNoSmallFigure(summary);
        (void)core::encodeSiteSummary(summary);
    }
    if (!testing::pinnedFigures(model, kMinGroup).empty()) {
        std::abort();  // the releases, taken together, pin a withheld figure
    }
    return 0;
}
