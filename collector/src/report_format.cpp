#include "carekiosk/collector/report_format.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

#include "carekiosk/collector/charts.hpp"
#include "carekiosk/collector/dashboard.hpp"
#include "carekiosk/collector/summary.hpp"

namespace carekiosk::collector {

namespace {

std::string formatMean(double mean) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", mean);
    return buffer;
}

// What a withheld figure reads as, e.g. "<5".
std::string withheld(const core::SiteSummary& summary) {
    return "<" + std::to_string(summary.minGroup);
}

// "workload 7, team <5": most named first, then by name; `separator` between.
std::string formatReasons(const core::SiteSummary& summary, const core::PeriodSummary& day,
                          const char* between, const char* separator) {
    std::vector<std::pair<std::string, std::optional<int>>> sorted(day.reasons.begin(),
                                                                   day.reasons.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return a.second.value_or(0) > b.second.value_or(0);
    });
    std::string out;
    for (const auto& [reason, count] : sorted) {
        out += (out.empty() ? "" : separator) + reason + between +
               (count ? std::to_string(*count) : withheld(summary));
    }
    return out;
}

}  // namespace

namespace {

std::string formatChange(const std::optional<double>& change) {
    if (!change) {
        return "";
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%+.2f", *change);
    return buffer;
}

}  // namespace

std::string formatSummaryTable(const core::SiteSummary& summary) {
    std::string out = "Site " + summary.siteId +
                      (summary.team.empty() ? std::string() : ", team " + summary.team) + ", by " +
                      summary.period + ", " + summary.from + " to " + summary.to + "\n";
    if (summary.periods.empty()) {
        return out + "No figures released for this period.\n" + releaseNote(summary) + "\n";
    }
    char line[240];
    std::snprintf(line, sizeof line, "%-10s  %9s  %5s  %6s  %5s %5s %5s %5s %5s  %6s\n",
                  summary.period.c_str(), "check-ins", "mean", "change", "1", "2", "3", "4", "5",
                  "buddy");
    out += line;
    bool anyWithheld = false;
    bool anyDrop = false;
    for (const auto& p : summary.periods) {
        std::string scores[core::kScoreCount];
        for (std::size_t s = 0; s < core::kScoreCount; ++s) {
            scores[s] = p.perScoreHidden ? "-" : std::to_string(p.perScore[s]);
        }
        anyWithheld = anyWithheld || p.perScoreHidden;
        anyDrop = anyDrop || p.drop;
        std::snprintf(line, sizeof line, "%-10s  %9d  %5s  %6s  %5s %5s %5s %5s %5s  %6s%s\n",
                      p.period.c_str(), p.count, p.mean ? formatMean(*p.mean).c_str() : "-",
                      formatChange(p.change).c_str(), scores[0].c_str(), scores[1].c_str(),
                      scores[2].c_str(), scores[3].c_str(), scores[4].c_str(),
                      p.buddyRequests ? std::to_string(*p.buddyRequests).c_str() : "",
                      p.drop ? "  DROP" : "");
        out += line;
    }
    const auto totals = totalsOf(summary);
    std::snprintf(line, sizeof line, "%-10s  %9d  %5s\n", "total", totals.responses,
                  totals.distributionResponses > 0 ? formatMean(totals.mean).c_str() : "-");
    out += line;
    bool anyReasons = false;
    for (const auto& p : summary.periods) {
        if (!p.reasons.empty()) {
            if (!anyReasons) {
                out += "\nReasons named (a check-in may name several):\n";
                anyReasons = true;
            }
            out += p.period + "  " + formatReasons(summary, p, " ", ", ") + "\n";
            for (const auto& [reason, count] : p.reasons) {
                anyWithheld = anyWithheld || !count.has_value();
            }
        }
    }
    if (anyDrop) {
        out += "DROP: the mean fell at least " + formatMean(kDropPoints) + " below the " +
               std::to_string(kBaselinePeriods) + " " + summary.period + "s before.\n";
    }
    if (anyWithheld) {
        out += "Figures for fewer than " + std::to_string(summary.minGroup) +
               " people, and any that would let one be worked out, are withheld (- or <" +
               std::to_string(summary.minGroup) +
               "), so no one can be singled out; the total mean is over the periods whose faces "
               "are shown.\n";
    }
    return out + releaseNote(summary) + "\n";
}

std::string formatSummaryCsv(const core::SiteSummary& summary) {
    std::string out =
        "period,start,end,count,mean,change,score_1,score_2,score_3,score_4,score_5,"
        "buddy_requests,drop,reasons\r\n";
    for (const auto& p : summary.periods) {
        out += p.period + "," + p.start + "," + p.end + ",";
        out += std::to_string(p.count) + "," + (p.mean ? formatMean(*p.mean) : std::string()) +
               "," + formatChange(p.change);
        for (int n : p.perScore) {
            out += "," + (p.perScoreHidden ? std::string() : std::to_string(n));
        }
        out += "," + (p.buddyRequests ? std::to_string(*p.buddyRequests) : std::string()) + "," +
               (p.drop ? "yes" : "no");
        // One cell: "workload=7 team=<5" (ids have no spaces, commas or '=').
        out += "," + formatReasons(summary, p, "=", " ") + "\r\n";
    }
    return out;
}

}  // namespace carekiosk::collector
