#include "carekiosk/collector/report_format.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

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
std::string formatReasons(const core::SiteSummary& summary, const core::DaySummary& day,
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

std::string formatSummaryTable(const core::SiteSummary& summary) {
    std::string out = "Site " + summary.siteId + ", " + summary.from + " to " + summary.to + "\n";
    if (summary.days.empty()) {
        return out + "No check-ins in this period.\n";
    }
    char line[200];
    std::snprintf(line, sizeof line, "%-10s  %9s  %5s  %6s %6s %6s %6s %6s\n", "day", "check-ins",
                  "mean", "1", "2", "3", "4", "5");
    out += line;
    int total = 0;
    double weighted = 0;
    bool anyWithheld = false;
    for (const auto& d : summary.days) {
        if (d.suppressed) {
            anyWithheld = true;
            std::snprintf(line, sizeof line, "%-10s  %9s  %5s  %6s %6s %6s %6s %6s\n",
                          d.day.c_str(), withheld(summary).c_str(), "-", "-", "-", "-", "-", "-");
            out += line;
            continue;
        }
        total += d.count;
        weighted += d.mean * d.count;
        if (d.perScoreHidden) {
            anyWithheld = true;
            std::snprintf(line, sizeof line, "%-10s  %9d  %5s  %6s %6s %6s %6s %6s\n",
                          d.day.c_str(), d.count, formatMean(d.mean).c_str(), "-", "-", "-", "-",
                          "-");
        } else {
            std::snprintf(line, sizeof line, "%-10s  %9d  %5s  %6d %6d %6d %6d %6d\n",
                          d.day.c_str(), d.count, formatMean(d.mean).c_str(), d.perScore[0],
                          d.perScore[1], d.perScore[2], d.perScore[3], d.perScore[4]);
        }
        out += line;
    }
    const double mean = total > 0 ? weighted / total : 0.0;
    std::snprintf(line, sizeof line, "%-10s  %9d  %5s\n", "total", total, formatMean(mean).c_str());
    out += line;
    bool anyReasons = false;
    for (const auto& d : summary.days) {
        if (!d.suppressed && !d.reasons.empty()) {
            if (!anyReasons) {
                out += "\nReasons named (a check-in may name several):\n";
                anyReasons = true;
            }
            out += d.day + "  " + formatReasons(summary, d, " ", ", ") + "\n";
            for (const auto& [reason, count] : d.reasons) {
                anyWithheld = anyWithheld || !count.has_value();
            }
        }
    }
    if (anyWithheld) {
        out += "Figures for fewer than " + std::to_string(summary.minGroup) +
               " people are withheld (- or <" + std::to_string(summary.minGroup) +
               "), so no one can be singled out; the total counts the days shown.\n";
    }
    return out;
}

std::string formatSummaryCsv(const core::SiteSummary& summary) {
    std::string out = "day,count,mean,score_1,score_2,score_3,score_4,score_5,reasons\r\n";
    for (const auto& d : summary.days) {
        if (d.suppressed) {
            out += d.day + "," + withheld(summary) + ",,,,,,,\r\n";
            continue;
        }
        out += d.day + "," + std::to_string(d.count) + "," + formatMean(d.mean);
        for (int n : d.perScore) {
            out += "," + (d.perScoreHidden ? std::string() : std::to_string(n));
        }
        // One cell: "workload=7 team=<5" (ids have no spaces, commas or '=').
        out += "," + formatReasons(summary, d, "=", " ") + "\r\n";
    }
    return out;
}

}  // namespace carekiosk::collector
