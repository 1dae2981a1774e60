// libFuzzer harness: the summary request and the smallest-group rule. The
// input's first line is the query (site&from&to&period, as GET /v1/summary
// takes them); the bytes after it are day counts (6 bytes a day: the day's
// offset in the range, then five score counts; some bytes also pick a team). Never a crash; an
// accepted date must format back to the same text; and no figure that summarize() shows may
// describe between 1 and k-1 people.
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

using namespace carekiosk;

namespace {

constexpr int kMinGroup = 5;
constexpr std::int64_t kMaxDays = 400;

void requireNoSmallGroup(int n) {
    if (n > 0 && n < kMinGroup) {
        std::abort();  // a shown figure describes a small group
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    const auto newline = input.find('\n');
    const std::string query = input.substr(0, newline);
    const std::string counts = newline == std::string::npos ? "" : input.substr(newline + 1);
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
    // The first count byte picks the whole site or a team.
    const std::string team = counts.empty() || counts[0] % 2 ? "" : "finance";
    const collector::SummaryQuery summaryQuery{"site",     period.value(), from.value(),
                                               to.value(), kMinGroup,      team};
    const auto [first, last] = collector::summaryInputDays(summaryQuery);
    std::vector<collector::DayCounts> days;
    for (std::size_t i = 0; i + 6 <= counts.size(); i += 6) {
        const auto* b = reinterpret_cast<const std::uint8_t*>(counts.data() + i);
        collector::DayCounts day;
        day.day = first + b[0] % (last - first + 1);
        for (std::size_t s = 0; s < 5; ++s) {
            day.perScore[s] = b[s + 1] % 12;
        }
        day.reasons["workload"] = b[1] % 7;
        day.buddyRequests = b[2] % 4;
        day.team = b[3] % 3 == 0 ? "" : b[3] % 3 == 1 ? "finance" : "ops";
        days.push_back(day);
    }
    const auto summary = collector::summarize(summaryQuery, days);
    for (const auto& p : summary.periods) {
        if (p.suppressed) {
            continue;
        }
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
    (void)core::encodeSiteSummary(summary);
    return 0;
}
