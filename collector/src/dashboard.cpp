#include "carekiosk/collector/dashboard.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>

#include "carekiosk/collector/charts.hpp"
#include "carekiosk/collector/summary.hpp"
#include "html.hpp"

namespace carekiosk::collector {

namespace {

using html::number;

// "+0.3" / "-0.6" / "0.0".
std::string signedNumber(double value) {
    return (value > 0.05 ? "+" : "") + number(value);
}

}  // namespace

std::string releaseNote(const core::SiteSummary& summary) {
    // "2026-12-02T06:00:00+00:00" -> "2026-12-02 at 06:00".
    const std::string next =
        summary.nextRelease.size() >= 16
            ? summary.nextRelease.substr(0, 10) + " at " + summary.nextRelease.substr(11, 5)
            : summary.nextRelease;
    const std::string zone = summary.timeZone.empty() ? "" : " (" + summary.timeZone + ")";
    std::string note = summary.releasedThrough.empty()
                           ? "No figures are released yet."
                           : "Figures are released up to " + summary.releasedThrough + ".";
    if (!next.empty()) {
        note += " The next day's figures appear on " + next + zone +
                ": each day is published once, the morning after, and never changes.";
    }
    return note + " A team's check-ins are published once there are at least " +
           std::to_string(summary.minGroup) + " of them, with the day they reach that number.";
}

std::string renderDashboardHtml(const core::SiteSummary& summary,
                                const std::vector<SiteChoice>& sites,
                                const std::vector<std::string>& teams, const std::string& notice,
                                std::int64_t today, const std::string& csrf) {
    std::string siteName = summary.siteId;
    for (const auto& site : sites) {
        if (site.id == summary.siteId) {
            siteName = site.name;
        }
    }
    const auto totals = totalsOf(summary);
    const core::PeriodSummary* latest = nullptr;
    for (const auto& p : summary.periods) {
        if (p.mean) {
            latest = &p;
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
.note{font-size:.9rem;color:#3d4a57}
button.link{background:none;border:0;padding:0;color:#1f5f8b;text-decoration:underline;font-size:.9rem;cursor:pointer}
form.pick label.wide{flex:1 1 100%}
form.pick textarea{font:inherit;font-size:1rem;padding:.35rem .5rem;width:100%;box-sizing:border-box}
.notice{background:#e8f3ea;border:1px solid #2e6b3a;border-radius:.5rem;padding:.5rem .9rem}
.alert{background:#fbeceb;border:1px solid #b3261e;border-radius:.5rem;padding:.6rem .9rem;margin:0 0 1rem}
)");
    page += "<h1>" + html::escape(siteName) +
            (summary.team.empty() ? std::string() : ", team " + html::escape(summary.team)) +
            "</h1>\n";
    page += "<p class=\"lead\">" + summary.from + " to " + summary.to + ". Groups smaller than " +
            k + " are never shown, so no answer can be traced to a person.</p>\n";
    page += "<p class=\"note\" id=\"release\">" + releaseNote(summary) + "</p>\n";
    page += "<form class=\"pick\" method=\"get\" action=\"/\"><label>Site<select name=\"site\">";
    for (const auto& site : sites) {
        page += "<option value=\"" + html::escape(site.id) + "\"" +
                (site.id == summary.siteId ? " selected" : "") + ">" + html::escape(site.name) +
                "</option>";
    }
    if (!teams.empty()) {
        page +=
            "</select></label><label>Team<select name=\"team\"><option value=\"\">Whole "
            "site</option>";
        for (const auto& team : teams) {
            page += "<option value=\"" + html::escape(team) + "\"" +
                    (team == summary.team ? " selected" : "") + ">" + html::escape(team) +
                    "</option>";
        }
    }
    page += "</select></label><label>By<select name=\"period\">";
    for (const char* period : {"day", "week", "month"}) {
        page += std::string("<option value=\"") + period + "\"" +
                (summary.period == period ? " selected" : "") + ">" + period + "</option>";
    }
    page += "</select></label><label>From<input type=\"date\" name=\"from\" value=\"" +
            summary.from + "\"></label><label>To<input type=\"date\" name=\"to\" value=\"" +
            summary.to + "\"></label><button type=\"submit\">Show</button></form>\n";
    if (!notice.empty()) {
        page += "<p class=\"notice\" role=\"status\">" + html::escape(notice) + "</p>\n";
    }
    const std::string per = summary.period;
    for (const auto& p : summary.periods) {
        if (p.drop) {
            page += "<div class=\"alert\" role=\"alert\"><b>" + html::escape(p.period) +
                    ": the mean score fell markedly</b> (" + number(p.mean.value_or(0)) +
                    ", at least half a point below the " + std::to_string(kBaselinePeriods) + " " +
                    per + "s before). A conversation may help.</div>\n";
        }
    }
    page += "<div class=\"cards\"><div class=\"card\">Responses<b>" +
            std::to_string(totals.responses) + "</b></div><div class=\"card\">Mean score<b>" +
            (totals.distributionResponses > 0 ? number(totals.mean) : std::string("-")) +
            "</b></div>";
    page +=
        "<div class=\"card\">Latest " + per + "<b>" +
        (latest ? number(latest->mean.value_or(0)) +
                      (latest->change ? " (" + signedNumber(*latest->change) + ")" : std::string())
                : std::string("-")) +
        "</b></div>";
    std::string periodTitle = per;
    periodTitle[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(periodTitle[0])));
    page += "<div class=\"card\">" + periodTitle + "s with figures<b>" +
            std::to_string(totals.periodsShown) + "</b></div><div class=\"card\">" + periodTitle +
            "s with a mean<b>" + std::to_string(totals.periodsWithMean) + "</b></div>";
    page += "<div class=\"card\">Buddy requests<b>" + std::to_string(totals.buddyRequests) +
            "</b></div></div>\n";
    page += "<div class=\"panel\"><h2>Trend</h2>" + trendSvg(summary) +
            "<p class=\"note\">Line: the mean score per " + per +
            " (1 struggling to 5 great). Bars: responses; grey where the mean is withheld "
            "because a face was picked by too few people. Red marker: a marked drop.</p></div>\n";
    page += "<div class=\"panel\"><h2>How people felt</h2>" + distributionSvg(summary) +
            "<p class=\"note\">From the " + std::to_string(totals.distributionResponses) +
            " responses in " + per + "s whose faces can be shown without singling anyone out " +
            "(weeks and months show more than days).</p></div>\n";
    page += "<div class=\"panel\"><h2>Reasons named most</h2>" + reasonsSvg(summary);
    page += "<p class=\"note\">A reason is counted in a " + per +
            " only where its number, and the number who did not name it, can be shown without "
            "singling anyone out (at least " +
            k + " each, or none).</p></div>\n";
    // "You said, we did": posted with the session cookie and the session's
    // CSRF token (the server also checks Origin; the cookie is SameSite=Strict).
    page +=
        "<div class=\"panel\"><h2>You said, we did</h2><form class=\"pick\" method=\"post\" "
        "action=\"/messages\"><input type=\"hidden\" name=\"csrf\" value=\"" +
        html::escape(csrf) + "\"><input type=\"hidden\" name=\"site\" value=\"" +
        html::escape(summary.siteId) +
        "\"><label class=\"wide\">Message for the kiosks' welcome screen<textarea "
        "name=\"text\" maxlength=\"" +
        std::to_string(core::kMaxMessageLength) +
        "\" rows=\"2\" required placeholder=\"You said the kitchen was cramped: a second one "
        "opens on floor 2.\"></textarea></label><label>From<input type=\"date\" name=\"from\" "
        "value=\"" +
        core::formatDate(today) + "\"></label><label>To<input type=\"date\" name=\"to\" value=\"" +
        core::formatDate(today + 30) +
        "\"></label><button type=\"submit\">Post</button></form><p class=\"note\">Shown "
        "on this site's kiosks from their next upload until the last day.</p></div>\n";
    page +=
        "<form method=\"post\" action=\"/signout\"><input type=\"hidden\" name=\"csrf\" "
        "value=\"" +
        html::escape(csrf) +
        "\"><button type=\"submit\" class=\"link\">Sign out</button></form>\n</body></html>\n";
    return page;
}

}  // namespace carekiosk::collector
