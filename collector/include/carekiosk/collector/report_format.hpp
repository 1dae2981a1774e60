#pragma once
// Renders a site summary for people (aligned table) and for spreadsheets (CSV).
// Pure functions; thread-safe.

#include <string>

#include "carekiosk/core/wire.hpp"

namespace carekiosk::collector {

std::string formatSummaryTable(const core::SiteSummary& summary);
// RFC 4180 CSV with a header row: period,start,end,count,mean,change,
// score_1..score_5,buddy_requests,drop,reasons. A withheld figure reads "<k"
// (count, buddy requests, reasons) or is left empty (score counts).
std::string formatSummaryCsv(const core::SiteSummary& summary);

}  // namespace carekiosk::collector
