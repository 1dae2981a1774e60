#pragma once
// Renders a site summary for people (aligned table) and for spreadsheets (CSV).
// Pure functions; thread-safe.

#include <string>

#include "carekiosk/core/wire.hpp"

namespace carekiosk::collector {

std::string formatSummaryTable(const core::SiteSummary& summary);
// RFC 4180 CSV with a header row: day,count,mean,score_1..score_5
std::string formatSummaryCsv(const core::SiteSummary& summary);

}  // namespace carekiosk::collector
