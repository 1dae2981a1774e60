#pragma once
// The managers' dashboard page: one site's summary over a date range, by day,
// week or month, as SVG charts (charts.hpp: the mean as a trend line over the
// number of responses, the score distribution, the reasons named most), with
// a banner for a marked drop; readable on a laptop and a phone. It only ever
// draws what the smallest-group rule let through: the summary must come from
// summarize(). Pure; thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "carekiosk/core/wire.hpp"

namespace carekiosk::collector {

struct SiteChoice {
    std::string id;
    std::string name;
};

// One sentence for people: the newest day released and when the next one
// appears, in the site's time zone (the dashboard and the report print it).
std::string releaseNote(const core::SiteSummary& summary);

// `sites`: every site the manager may pick (for the selector); `summary.siteId`
// is the one shown. `teams`: the site's team tags (a selector when not empty);
// `summary.team` is the one shown ("" for the whole site). `notice`: a line
// shown above the figures (e.g. "Message posted."). `today` (days since 1970)
// fills the "you said, we did" form's dates.
std::string renderDashboardHtml(const core::SiteSummary& summary,
                                const std::vector<SiteChoice>& sites,
                                const std::vector<std::string>& teams = {},
                                const std::string& notice = {}, std::int64_t today = 0,
                                const std::string& csrf = {});

}  // namespace carekiosk::collector
