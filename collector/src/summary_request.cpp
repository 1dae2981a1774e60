#include "carekiosk/collector/summary_request.hpp"

#include <algorithm>

#include "carekiosk/core/calendar.hpp"
#include "carekiosk/core/checkin.hpp"
#include "carekiosk/core/wire.hpp"

namespace carekiosk::collector {

using core::ErrorCode;
using core::makeError;

namespace {

// The dashboard's default range when none (or a bad one) is asked for.
constexpr std::int64_t kDefaultDays = 30;

}  // namespace

core::Result<SummaryRequest> readSummaryRequest(const FieldLookup& field, std::int64_t today,
                                                FieldRules rules) {
    const bool strict = rules == FieldRules::Strict;
    const auto value = [&](const std::string& name) { return field(name).value_or(""); };
    SummaryRequest request;
    request.siteId = value("site");
    if (strict) {
        CAREKIOSK_TRY(core::validateSiteId(request.siteId, "site"));
    }
    auto from = core::parseDate(value("from"), "from");
    auto to = core::parseDate(value("to"), "to");
    if (strict && (!from || !to)) {
        return !from ? from.error() : to.error();
    }
    request.toDay = to ? to.value() : today;
    request.fromDay = from ? from.value() : request.toDay - (kDefaultDays - 1);
    const bool inRange =
        request.toDay >= request.fromDay && request.toDay - request.fromDay <= kMaxSummaryDays;
    if (!inRange) {
        if (strict) {
            return makeError(ErrorCode::InvalidInput,
                             "to must be on or after from, and at most 10 years later", "to");
        }
        request.fromDay = request.toDay - (kDefaultDays - 1);
    }
    // An absent period is a day; a bad one is an error (Strict) or a day.
    if (const auto period = field("period"); period) {
        auto parsed = core::parseSummaryPeriod(*period, "period");
        if (parsed) {
            request.period = parsed.value();
        } else if (strict) {
            return parsed.error();
        }
    }
    if (strict) {
        request.format = field("format").value_or("json");
        if (request.format != "json" && request.format != "csv") {
            return makeError(ErrorCode::InvalidInput, "format must be json or csv", "format");
        }
    }
    request.team = value("team");
    if (!request.team.empty()) {
        if (auto valid = core::validateOptionId(request.team, "team"); !valid) {
            if (strict) {
                return valid.error();
            }
            request.team.clear();
        }
    }
    return request;
}

core::Status checkTeam(SummaryRequest& request, const std::vector<std::string>& teams,
                       FieldRules rules) {
    if (request.team.empty() ||
        std::find(teams.begin(), teams.end(), request.team) != teams.end()) {
        return {};
    }
    if (rules == FieldRules::Lenient) {
        request.team.clear();  // unknown: the whole site
        return {};
    }
    std::string known;
    for (const auto& t : teams) {
        known += (known.empty() ? "" : ", ") + t;
    }
    return makeError(ErrorCode::NotFound,
                     "site " + request.siteId + " has no team " + request.team +
                         (known.empty() ? "; it has no teams" : "; its teams are " + known),
                     "team");
}

}  // namespace carekiosk::collector
