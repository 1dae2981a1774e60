#include "carekiosk/collector/report_format.hpp"

#include <cstdio>

namespace carekiosk::collector {

namespace {

std::string formatMean(double mean) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", mean);
    return buffer;
}

}  // namespace

std::string formatSummaryTable(const core::SiteSummary& summary) {
    std::string out = "Site " + summary.siteId + ", " + summary.from + " to " + summary.to + "\n";
    if (summary.days.empty()) {
        return out + "No check-ins in this period.\n";
    }
    char line[160];
    std::snprintf(line, sizeof line, "%-10s  %9s  %5s  %6s %6s %6s %6s %6s\n", "day", "check-ins",
                  "mean", "1", "2", "3", "4", "5");
    out += line;
    int total = 0;
    long long weighted = 0;
    for (const auto& d : summary.days) {
        std::snprintf(line, sizeof line, "%-10s  %9d  %5s  %6d %6d %6d %6d %6d\n", d.day.c_str(),
                      d.count, formatMean(d.mean).c_str(), d.perScore[0], d.perScore[1],
                      d.perScore[2], d.perScore[3], d.perScore[4]);
        out += line;
        total += d.count;
        for (std::size_t s = 0; s < d.perScore.size(); ++s) {
            weighted += static_cast<long long>(s + 1) * d.perScore[s];
        }
    }
    const double mean = total > 0 ? static_cast<double>(weighted) / total : 0.0;
    std::snprintf(line, sizeof line, "%-10s  %9d  %5s\n", "total", total, formatMean(mean).c_str());
    out += line;
    return out;
}

std::string formatSummaryCsv(const core::SiteSummary& summary) {
    std::string out = "day,count,mean,score_1,score_2,score_3,score_4,score_5\r\n";
    for (const auto& d : summary.days) {
        out += d.day + "," + std::to_string(d.count) + "," + formatMean(d.mean);
        for (int n : d.perScore) {
            out += "," + std::to_string(n);
        }
        out += "\r\n";
    }
    return out;
}

}  // namespace carekiosk::collector
