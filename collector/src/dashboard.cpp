#include "carekiosk/collector/dashboard.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "html.hpp"

namespace carekiosk::collector {

namespace {

constexpr const char* kScoreNames[] = {"Struggling", "Low", "Okay", "Good", "Great"};
constexpr const char* kScoreColours[] = {"#6d85b8", "#8fa9c9", "#b7ad7d", "#6ea577", "#d3a52c"};

std::string number(double value, int decimals = 1) {
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

// Daily mean as a line (gaps where a day is withheld) over daily responses as bars.
std::string trendChart(const core::SiteSummary& summary) {
    auto from = core::parseDate(summary.from, "from");
    auto to = core::parseDate(summary.to, "to");
    if (!from || !to || to.value() < from.value()) {
        return {};
    }
    const auto dayCount = static_cast<double>(to.value() - from.value() + 1);
    std::map<std::int64_t, const core::DaySummary*> byDay;
    int maxCount = 1;
    for (const auto& day : summary.days) {
        if (auto n = core::parseDate(day.day, "day"); n) {
            byDay[n.value()] = &day;
            maxCount = std::max(maxCount, day.count);
        }
    }
    constexpr double kW = 720;
    constexpr double kH = 240;
    constexpr double kLeft = 44;
    constexpr double kRight = 44;
    constexpr double kTop = 12;
    constexpr double kBottom = 28;
    const double plotW = kW - kLeft - kRight;
    const double plotH = kH - kTop - kBottom;
    const double slot = plotW / dayCount;
    auto x = [&](std::int64_t d) {
        return kLeft + (static_cast<double>(d - from.value()) + 0.5) * slot;
    };
    auto yMean = [&](double mean) { return kTop + plotH * (5.0 - mean) / 4.0; };
    std::string svg =
        "<svg viewBox=\"0 0 720 240\" role=\"img\" aria-label=\"Daily mean score "
        "and number of responses\" class=\"chart\">\n";
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
    for (std::int64_t d = from.value(); d <= to.value(); ++d) {
        const auto it = byDay.find(d);
        const core::DaySummary* day = it == byDay.end() ? nullptr : it->second;
        if (day && day->suppressed) {
            svg += "<rect x=\"" + number(x(d) - slot * 0.35) + "\" y=\"" +
                   number(kTop + plotH - 6) + "\" width=\"" + number(slot * 0.7) +
                   "\" height=\"6\" class=\"withheld\"><title>" + day->day + ": fewer than " +
                   std::to_string(summary.minGroup) + "</title></rect>\n";
        } else if (day) {
            const double h = plotH * day->count / maxCount;
            svg += "<rect x=\"" + number(x(d) - slot * 0.35) + "\" y=\"" +
                   number(kTop + plotH - h) + "\" width=\"" + number(slot * 0.7) + "\" height=\"" +
                   number(h) + "\" class=\"bar\"><title>" + day->day + ": " +
                   std::to_string(day->count) + " responses, mean " + number(day->mean) +
                   "</title></rect>\n";
        }
        if (day && !day->suppressed) {
            line += (line.empty() ? "M" : " L") + number(x(d)) + " " + number(yMean(day->mean));
        } else if (!line.empty()) {
            svg += "<path d=\"" + line + "\" class=\"line\"/>\n";
            line.clear();
        }
    }
    if (!line.empty()) {
        svg += "<path d=\"" + line + "\" class=\"line\"/>\n";
    }
    svg += "<text x=\"" + number(kLeft) + "\" y=\"" + number(kH - 8) + "\" class=\"axis\">" +
           summary.from + "</text>";
    svg += "<text x=\"" + number(kW - kRight) + "\" y=\"" + number(kH - 8) +
           "\" class=\"axis\" text-anchor=\"end\">" + summary.to + "</text>\n</svg>\n";
    return svg;
}

// Horizontal bars with a label and a value each.
std::string barChart(const std::vector<std::pair<std::string, int>>& bars,
                     const std::vector<std::string>& colours, const std::string& label) {
    int maxValue = 1;
    for (const auto& [name, value] : bars) {
        maxValue = std::max(maxValue, value);
    }
    const double rowH = 30;
    const double height = rowH * static_cast<double>(bars.size()) + 8;
    std::string svg = "<svg viewBox=\"0 0 480 " + number(height, 0) +
                      "\" role=\"img\" aria-label=\"" + html::escape(label) +
                      "\" class=\"chart small\">\n";
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

std::string renderDashboardHtml(const core::SiteSummary& summary,
                                const std::vector<SiteChoice>& sites) {
    std::string siteName = summary.siteId;
    for (const auto& site : sites) {
        if (site.id == summary.siteId) {
            siteName = site.name;
        }
    }
    int responses = 0;
    int shownDays = 0;
    int withheldDays = 0;
    double weighted = 0;
    std::array<int, core::kScoreCount> perScore{};
    int distributionResponses = 0;
    std::map<std::string, int> reasons;
    for (const auto& day : summary.days) {
        if (day.suppressed) {
            ++withheldDays;
            continue;
        }
        ++shownDays;
        responses += day.count;
        weighted += day.mean * day.count;
        if (!day.perScoreHidden) {
            for (std::size_t s = 0; s < perScore.size(); ++s) {
                perScore[s] += day.perScore[s];
            }
            distributionResponses += day.count;
        }
        for (const auto& [reason, count] : day.reasons) {
            if (count) {
                reasons[reason] += *count;
            }
        }
    }
    const std::string k = std::to_string(summary.minGroup);
    std::string page = html::pageStart("carekiosk: " + siteName, R"(
form.pick{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;margin:0 0 1rem}
form.pick label{display:flex;flex-direction:column;font-size:.9rem;color:#3d4a57}
form.pick select,form.pick input,form.pick button{font-size:1rem;padding:.35rem .5rem}
form.pick button{background:#1f5f8b;color:#fff;border:0;border-radius:.3rem}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:0 0 .6rem}
.card{background:#fff;border:1px solid #d8dde3;border-radius:.5rem;padding:.6rem .9rem;min-width:9rem}
.card b{display:block;font-size:1.6rem}
.panel{background:#fff;border:1px solid #d8dde3;border-radius:.5rem;padding:.8rem;margin:0 0 1rem}
.chart{width:100%;height:auto;max-width:900px;display:block}
.chart.small{max-width:560px}
.grid{stroke:#e3e7ec;stroke-width:1}
.axis,.label{font-size:13px;fill:#3d4a57}
.bar{fill:#b9d3d6}
.withheld{fill:#c9ced4}
.line{fill:none;stroke:#1d5c63;stroke-width:2.5}
.note{font-size:.9rem;color:#3d4a57}
)");
    page += "<h1>" + html::escape(siteName) + "</h1>\n";
    page += "<p class=\"lead\">" + summary.from + " to " + summary.to + ". Groups smaller than " +
            k + " are never shown, so no answer can be traced to a person.</p>\n";
    page += "<form class=\"pick\" method=\"get\" action=\"/\"><label>Site<select name=\"site\">";
    for (const auto& site : sites) {
        page += "<option value=\"" + html::escape(site.id) + "\"" +
                (site.id == summary.siteId ? " selected" : "") + ">" + html::escape(site.name) +
                "</option>";
    }
    page += "</select></label><label>From<input type=\"date\" name=\"from\" value=\"" +
            summary.from + "\"></label><label>To<input type=\"date\" name=\"to\" value=\"" +
            summary.to + "\"></label><button type=\"submit\">Show</button></form>\n";
    page += "<div class=\"cards\"><div class=\"card\">Responses<b>" + std::to_string(responses) +
            "</b></div><div class=\"card\">Mean score<b>" +
            (responses > 0 ? number(weighted / responses) : std::string("-")) +
            "</b></div><div class=\"card\">Days shown<b>" + std::to_string(shownDays) +
            "</b></div><div class=\"card\">Days withheld<b>" + std::to_string(withheldDays) +
            "</b></div></div>\n";
    page += "<div class=\"panel\"><h2>Trend</h2>" + trendChart(summary) +
            "<p class=\"note\">Line: the day's mean (1 struggling to 5 great). Bars: responses. "
            "Grey marks: days with fewer than " +
            k + " responses, withheld.</p></div>\n";
    std::vector<std::pair<std::string, int>> distribution;
    for (std::size_t s = 0; s < perScore.size(); ++s) {
        distribution.emplace_back(kScoreNames[s], perScore[s]);
    }
    page += "<div class=\"panel\"><h2>How people felt</h2>" +
            barChart(distribution, {std::begin(kScoreColours), std::end(kScoreColours)},
                     "Responses per score") +
            "<p class=\"note\">From the " + std::to_string(distributionResponses) +
            " responses on days where every face was picked by at least " + k +
            " people or by none.</p></div>\n";
    std::vector<std::pair<std::string, int>> top(reasons.begin(), reasons.end());
    std::sort(top.begin(), top.end(),
              [](const auto& a, const auto& b) { return a.second > b.second; });
    if (top.size() > 6) {
        top.resize(6);
    }
    page += "<div class=\"panel\"><h2>Reasons named most</h2>";
    page += top.empty() ? std::string("<p class=\"note\">None to show.</p>")
                        : barChart(top, {}, "Reasons named most");
    page += "<p class=\"note\">A reason named by fewer than " + k +
            " people on a day is not counted for that day.</p></div>\n";
    page += "<p class=\"note\"><a href=\"/signout\">Sign out</a></p>\n</body></html>\n";
    return page;
}

}  // namespace carekiosk::collector
