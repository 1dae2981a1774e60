// The API for people's tools: summaries (JSON, CSV), the fleet, "you said,
// we did" messages and the coordinator's buddy inbox.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "carekiosk/collector/report_format.hpp"
#include "carekiosk/collector/summary_request.hpp"
#include "carekiosk/core/wire.hpp"
#include "server_impl.hpp"

namespace carekiosk::collector {

void Server::Impl::apiRoutes() {
    web.Get("/v1/summary", guarded([this](const http::Request& req, http::Response& res) {
                auto caller = authorize(req, Need::Manager, res);
                if (!caller) {
                    return;
                }
                auto request = readSummaryRequest(
                    [&](const std::string& name) -> std::optional<std::string> {
                        if (!req.has_param(name)) {
                            return std::nullopt;
                        }
                        return req.get_param_value(name);
                    },
                    today(), FieldRules::Strict);
                if (!request) {
                    return sendError(res, request.error());
                }
                const std::string& site = request->siteId;
                if (!mayRead(*caller, site, res)) {
                    return;
                }
                auto exists = store.siteExists(site);
                if (!exists) {
                    return sendError(res, exists.error());
                }
                if (!exists.value()) {
                    return sendError(res, makeError(ErrorCode::NotFound,
                                                    "site " + site + " does not exist", "site"));
                }
                if (!request->team.empty()) {
                    auto teams = store.teams(site);
                    if (!teams) {
                        return sendError(res, teams.error());
                    }
                    if (auto known = checkTeam(request.value(), teams.value(), FieldRules::Strict);
                        !known) {
                        return sendError(res, known.error());
                    }
                }
                auto summary = store.summary(request->query(options.minGroup));
                if (!summary) {
                    return sendError(res, summary.error());
                }
                if (request->format == "csv") {
                    res.set_header("Content-Disposition", "attachment; filename=\"" + site + "-" +
                                                              summary->from + ".csv\"");
                    res.set_content(formatSummaryCsv(summary.value()), "text/csv; charset=utf-8");
                    return;
                }
                res.set_content(core::encodeSiteSummary(summary.value()), "application/json");
            }));

    web.Get("/v1/fleet", guarded([this](const http::Request& req, http::Response& res) {
                if (!authorize(req, Need::FleetViewer, res)) {
                    return;
                }
                auto fleet = currentFleet();
                if (!fleet) {
                    return sendError(res, fleet.error());
                }
                res.set_content(encodeFleetJson(fleet.value(), options.fleetRules),
                                "application/json");
            }));

    web.Post("/v1/messages", kMaxSmallBodyBytes,
             guarded([this](const http::Request& req, http::Response& res) {
                 auto caller = authorize(req, Need::Manager, res);
                 if (!caller) {
                     return;
                 }
                 auto message = core::decodePostedMessage(req.body);
                 if (!message) {
                     return sendError(res, message.error());
                 }
                 if (!mayRead(*caller, message->siteId, res)) {
                     return;
                 }
                 auto id = store.postMessage(message.value());
                 if (!id) {
                     return sendError(res, id.error());
                 }
                 res.status = 201;
                 res.set_content(nlohmann::json{{"id", id.value()}}.dump(), "application/json");
             }),
             kTokenFirst);

    web.Get("/v1/buddy-requests", guarded([this](const http::Request& req, http::Response& res) {
                if (!coordinatorFor(req, res)) {
                    return;
                }
                const std::string site = req.get_param_value("site");
                if (!site.empty()) {
                    if (auto valid = core::validateSiteId(site, "site"); !valid) {
                        return sendError(res, valid.error());
                    }
                }
                auto inbox = store.buddyInbox(site);
                if (!inbox) {
                    return sendError(res, inbox.error());
                }
                res.set_header("Cache-Control", "no-store");
                res.set_content(core::encodeBuddyRequestList(inbox.value()), "application/json");
            }));
    web.Post(
        "/v1/buddy-requests/handled", kMaxListBodyBytes,
        guarded([this](const http::Request& req, http::Response& res) {
            if (!coordinatorFor(req, res)) {
                return;
            }
            auto ids = core::decodeIdList(req.body);
            if (!ids) {
                return sendError(res, ids.error());
            }
            auto marked = store.markBuddyRequestsHandled(ids->ids);
            if (!marked) {
                return sendError(res, marked.error());
            }
            res.set_content(nlohmann::json{{"handled", marked.value()}}.dump(), "application/json");
        }),
        kTokenFirst);

    // For load balancers and monitors: no token, no data, never limited;
    // 503 while the database does not answer.
}

}  // namespace carekiosk::collector
