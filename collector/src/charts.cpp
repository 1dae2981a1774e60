#include "carekiosk/collector/charts.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

#include "carekiosk/core/calendar.hpp"
#include "html.hpp"

namespace carekiosk::collector {

namespace {

constexpr const char* kScoreNames[] = {"Struggling", "Low", "Okay", "Good", "Great"};
constexpr const char* kScoreColours[] = {"#6d85b8", "#8fa9c9", "#b7ad7d", "#6ea577", "#d3a52c"};
constexpr int kTopReasons = 6;

// Each SVG carries its own styles so that a saved file looks like the page.
constexpr const char* kStyle =
    "<style>.grid{stroke:#e3e7ec;stroke-width:1}"
    ".axis,.label{font:13px system-ui,sans-serif;fill:#3d4a57}"
    ".bar{fill:#b9d3d6}.withheld{fill:#c9ced4}.drop{fill:#b3261e}"
    ".line{fill:none;stroke:#1d5c63;stroke-width:2.5}</style>\n";

using html::number;

std::string svgStart(double width, double height, const std::string& label,
                     const std::string& cssClass) {
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + number(width, 0) + " " +
           number(height, 0) + "\" width=\"" + number(width, 0) + "\" height=\"" +
           number(height, 0) + "\" role=\"img\" aria-label=\"" + html::escape(label) +
           "\" class=\"" + cssClass + "\">\n" + kStyle;
}

// Horizontal bars with a label and a value each.
std::string barChart(const std::vector<std::pair<std::string, int>>& bars,
                     const std::vector<std::string>& colours, const std::string& label) {
    int maxValue = 1;
    for (const auto& [name, value] : bars) {
        maxValue = std::max(maxValue, value);
    }
    const double rowH = 30;
    const double height = rowH * static_cast<double>(std::max<std::size_t>(bars.size(), 1)) + 8;
    std::string svg = svgStart(480, height, label, "chart small");
    if (bars.empty()) {
        svg += "<text x=\"10\" y=\"24\" class=\"label\">None to show.</text>\n";
    }
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const double y = 4 + rowH * static_cast<double>(i);
        const double w = 260.0 * bars[i].second / maxValue;
        const std::string& colour = colours.empty() ? "#1d5c63" : colours[i % colours.size()];
        svg += "<text x=\"130\" y=\"" + number(y + 19) + "\" text-anchor=\"end\" class=\"label\">" +
               html::escape(bars[i].first) + "</text>";
        svg += "<rect x=\"140\" y=\"" + number(y + 4) + "\" width=\"" + number(std::max(w, 1.0)) +
               "\" height=\"20\" rx=\"3\" fill=\"" + colour + "\"/>";
        svg += "<text x=\"" + number(146 + w) + "\" y=\"" + number(y + 19) + "\" class=\"label\">" +
               std::to_string(bars[i].second) + "</text>\n";
    }
    return svg + "</svg>\n";
}

}  // namespace

SummaryTotals totalsOf(const core::SiteSummary& summary) {
    SummaryTotals totals;
    double weighted = 0;
    for (const auto& p : summary.periods) {
        ++totals.periodsShown;
        totals.responses += p.count;
        if (p.mean) {
            weighted += *p.mean * p.count;
            ++totals.periodsWithMean;
            for (std::size_t s = 0; s < totals.perScore.size(); ++s) {
                totals.perScore[s] += p.perScore[s];
            }
            totals.distributionResponses += p.count;
        }
        for (const auto& [reason, count] : p.reasons) {
            if (count) {
                totals.reasons[reason] += *count;
            }
        }
        totals.buddyRequests += p.buddyRequests.value_or(0);
    }
    totals.mean = totals.distributionResponses > 0 ? weighted / totals.distributionResponses : 0.0;
    return totals;
}

std::string trendSvg(const core::SiteSummary& summary) {
    auto kind = core::parseSummaryPeriod(summary.period, "period");
    auto from = core::parseDate(summary.from, "from");
    auto to = core::parseDate(summary.to, "to");
    if (!kind || !from || !to || to.value() < from.value()) {
        return {};
    }
    // One slot per period of the range, shown or not.
    std::vector<core::PeriodRange> slots;
    for (auto p = core::periodContaining(kind.value(), from.value()); p.first <= to.value();
         p = core::periodContaining(kind.value(), p.last + 1)) {
        slots.push_back(p);
    }
    std::map<std::string, const core::PeriodSummary*> byStart;
    int maxCount = 1;
    for (const auto& p : summary.periods) {
        byStart[p.start] = &p;
        maxCount = std::max(maxCount, p.count);
    }
    constexpr double kW = 720;
    constexpr double kH = 240;
    constexpr double kLeft = 44;
    constexpr double kRight = 44;
    constexpr double kTop = 12;
    constexpr double kBottom = 28;
    const double plotW = kW - kLeft - kRight;
    const double plotH = kH - kTop - kBottom;
    const double slot = plotW / static_cast<double>(std::max<std::size_t>(slots.size(), 1));
    auto x = [&](std::size_t i) { return kLeft + (static_cast<double>(i) + 0.5) * slot; };
    auto yMean = [&](double mean) { return kTop + plotH * (5.0 - mean) / 4.0; };
    std::string svg =
        svgStart(kW, kH, "Mean score and number of responses per " + summary.period, "chart");
    for (int score = 1; score <= 5; ++score) {
        const double y = yMean(score);
        svg += "<line x1=\"" + number(kLeft) + "\" x2=\"" + number(kW - kRight) + "\" y1=\"" +
               number(y) + "\" y2=\"" + number(y) + "\" class=\"grid\"/>";
        svg += "<text x=\"" + number(kLeft - 6) + "\" y=\"" + number(y + 4) +
               "\" class=\"axis\" text-anchor=\"end\">" + std::to_string(score) + "</text>\n";
    }
    svg += "<text x=\"" + number(kW - kRight + 6) + "\" y=\"" + number(kTop + 10) +
           "\" class=\"axis\">" + std::to_string(maxCount) + "</text>";
    svg += "<text x=\"" + number(kW - kRight + 6) + "\" y=\"" + number(kTop + plotH) +
           "\" class=\"axis\">0</text>\n";
    std::string line;
    std::string markers;
    for (std::size_t i = 0; i < slots.size(); ++i) {
        const auto it = byStart.find(core::formatDate(slots[i].first));
        const core::PeriodSummary* p = it == byStart.end() ? nullptr : it->second;
        if (p && p->count > 0) {
            const double h = plotH * p->count / maxCount;
            svg += "<rect x=\"" + number(x(i) - slot * 0.35) + "\" y=\"" +
                   number(kTop + plotH - h) + "\" width=\"" + number(slot * 0.7) + "\" height=\"" +
                   number(h) + "\" class=\"" + (p->mean ? "bar" : "withheld") + "\"><title>" +
                   p->period + ": " + std::to_string(p->count) + " responses, " +
                   (p->mean ? "mean " + number(*p->mean)
                            : std::string("mean withheld (a face picked by too few people)")) +
                   "</title></rect>\n";
            if (p->drop && p->mean) {
                const double y = yMean(*p->mean);
                markers += "<path d=\"M" + number(x(i) - 7) + " " + number(y + 10) + " L" +
                           number(x(i) + 7) + " " + number(y + 10) + " L" + number(x(i)) + " " +
                           number(y + 22) + " Z\" class=\"drop\"><title>" + p->period +
                           ": the mean fell markedly</title></path>\n";
            }
        }
        if (p && p->mean) {
            line += (line.empty() ? "M" : " L") + number(x(i)) + " " + number(yMean(*p->mean));
        } else if (!line.empty()) {
            svg += "<path d=\"" + line + "\" class=\"line\"/>\n";
            line.clear();
        }
    }
    if (!line.empty()) {
        svg += "<path d=\"" + line + "\" class=\"line\"/>\n";
    }
    svg += markers;
    svg += "<text x=\"" + number(kLeft) + "\" y=\"" + number(kH - 8) + "\" class=\"axis\">" +
           summary.from + "</text>";
    svg += "<text x=\"" + number(kW - kRight) + "\" y=\"" + number(kH - 8) +
           "\" class=\"axis\" text-anchor=\"end\">" + summary.to + "</text>\n</svg>\n";
    return svg;
}

std::string distributionSvg(const core::SiteSummary& summary) {
    const auto totals = totalsOf(summary);
    std::vector<std::pair<std::string, int>> bars;
    for (std::size_t s = 0; s < totals.perScore.size(); ++s) {
        bars.emplace_back(kScoreNames[s], totals.perScore[s]);
    }
    return barChart(bars, {std::begin(kScoreColours), std::end(kScoreColours)},
                    "Responses per score");
}

std::string reasonsSvg(const core::SiteSummary& summary) {
    const auto totals = totalsOf(summary);
    std::vector<std::pair<std::string, int>> top(totals.reasons.begin(), totals.reasons.end());
    std::stable_sort(top.begin(), top.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    if (top.size() > kTopReasons) {
        top.resize(kTopReasons);
    }
    return barChart(top, {}, "Reasons named most");
}

}  // namespace carekiosk::collector
