#include "carekiosk/collector/server.hpp"

#include <httplib.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <nlohmann/json.hpp>

#include "carekiosk/collector/anonymity.hpp"
#include "carekiosk/collector/dashboard.hpp"
#include "carekiosk/collector/failure_limiter.hpp"
#include "carekiosk/collector/report_format.hpp"
#include "carekiosk/core/clock_check.hpp"
#include "carekiosk/core/wire.hpp"
#include "html.hpp"

namespace carekiosk::collector {

using core::Error;
using core::ErrorCode;
using core::makeError;

namespace {

constexpr std::size_t kMaxBodyBytes = 4 * 1024 * 1024;
constexpr int kMaxSummaryDays = 3660;
// Connections the kernel holds for accept(); it caps this at net.core.somaxconn.
constexpr int kListenBacklog = 1024;

int httpStatusFor(const Error& error) {
    switch (error.code) {
        case ErrorCode::InvalidInput:
            return 400;
        case ErrorCode::Unauthorized:
            return 401;
        case ErrorCode::NotFound:
            return 404;
        case ErrorCode::Rejected:
            return 403;
        default:
            return 500;
    }
}

void sendError(httplib::Response& res, const Error& error, int status = 0) {
    res.status = status ? status : httpStatusFor(error);
    if (res.status >= 500) {
        // Storage details are for the operator's log, not the client.
        std::fprintf(stderr, "collector: %s\n", error.message.c_str());
        res.set_content(core::encodeErrorBody(makeError(
                            error.code, "the collector could not store or read data; try later")),
                        "application/json");
        return;
    }
    res.set_content(core::encodeErrorBody(error), "application/json");
}

// A batch refused row by row (422): every row it can never take, so that the
// kiosk sets those aside and sends the rest again. Nothing of it was stored.
void sendRefusal(httplib::Response& res, const std::vector<RowRefusal>& refused) {
    core::CollectorRefusal refusal;
    refusal.code = core::toString(ErrorCode::InvalidInput);
    refusal.message = refused.front().message;
    if (refused.size() > 1) {
        refusal.message += " (and " + std::to_string(refused.size() - 1) + " more rows)";
    }
    refusal.field = refused.front().field;
    for (const auto& row : refused) {
        refusal.rows.push_back(row.index);
    }
    res.status = 422;
    res.set_content(core::encodeCollectorRefusal(refusal), "application/json");
}

// The bearer token, or empty.
std::string bearerToken(const httplib::Request& req) {
    const std::string header = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    return header.rfind(prefix, 0) == 0 ? header.substr(prefix.size()) : std::string();
}

constexpr const char* kSessionCookie = "carekiosk_session";

// The session cookie's value, or empty.
std::string sessionToken(const httplib::Request& req) {
    const std::string cookies = req.get_header_value("Cookie");
    const std::string key = std::string(kSessionCookie) + "=";
    std::size_t pos = 0;
    while (pos < cookies.size()) {
        while (pos < cookies.size() && (cookies[pos] == ' ' || cookies[pos] == ';')) {
            ++pos;
        }
        const auto end = cookies.find(';', pos);
        const auto item = cookies.substr(pos, end == std::string::npos ? end : end - pos);
        if (item.rfind(key, 0) == 0) {
            return item.substr(key.size());
        }
        pos = end == std::string::npos ? cookies.size() : end + 1;
    }
    return {};
}

std::string signInPage(const std::string& message) {
    std::string page = html::pageStart("carekiosk sign in", R"(
body{max-width:28rem;margin:2rem auto;padding:0 1rem}
label{display:block;margin:.8rem 0 .3rem;font-weight:600}
input{width:100%;font-size:1rem;padding:.5rem;box-sizing:border-box}
button{margin-top:1rem;font-size:1rem;padding:.5rem 1.2rem;background:#1f5f8b;color:#fff;border:0;border-radius:.3rem}
.err{color:#7a2a00;font-weight:600}
)");
    page +=
        "<h1>carekiosk</h1>\n<p>Sign in with the token you were given: a manager token "
        "opens the dashboard, a facilities token the fleet (ask your carekiosk admin).</p>\n";
    if (!message.empty()) {
        page += "<p class=\"err\">" + html::escape(message) + "</p>\n";
    }
    page += R"(<form method="post" action="/signin">
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="off" required>
<button type="submit">Sign in</button>
</form></body></html>
)";
    return page;
}

Error missingToken(const char* kind) {
    return makeError(ErrorCode::Unauthorized, std::string("this endpoint needs a valid ") + kind +
                                                  " token in the Authorization: Bearer header");
}

}  // namespace

struct Server::Impl {
    Store& store;
    ServerOptions options;
    std::unique_ptr<httplib::SSLServer> http;
    FailureLimiter limiter;
    bool bound = false;
    // The listening socket, as httplib made it (set by socketOptions below).
    int listenFd = -1;

    Impl(Store& s, ServerOptions o) : store(s), options(std::move(o)) {}

    // Wraps a handler so that an address that keeps failing authentication (a
    // wrong token or enrolment code answers 401) is refused with 429 for a while.
    httplib::Server::Handler guarded(httplib::Server::Handler handler) {
        return [this, handler](const httplib::Request& req, httplib::Response& res) {
            const auto now = FailureLimiter::Clock::now();
            if (const auto wait = limiter.blockedFor(req.remote_addr, now); wait > 0) {
                res.set_header("Retry-After", std::to_string(wait));
                return sendError(res,
                                 makeError(ErrorCode::Rejected,
                                           "too many failed attempts from this address; try "
                                           "again in " +
                                               std::to_string(wait) + " s"),
                                 429);
            }
            handler(req, res);
            if (res.status == 401) {
                limiter.recordFailure(req.remote_addr, now);
            }
        };
    }

    // Who may call an endpoint.
    enum class Need { Kiosk, Manager, Coordinator, FleetViewer };

    static const char* describe(Need need) {
        switch (need) {
            case Need::Kiosk:
                return "kiosk";
            case Need::Manager:
                return "manager";
            case Need::Coordinator:
                return "coordinator";
            case Need::FleetViewer:
                return "facilities or admin";
        }
        return "valid";
    }

    static bool allows(Need need, const Store::Caller& caller) {
        switch (need) {
            case Need::Kiosk:
                return caller.device.has_value();
            case Need::Manager:
                return caller.role == ApiRole::Manager;
            case Need::Coordinator:
                return caller.role == ApiRole::Coordinator;
            case Need::FleetViewer:
                return caller.role == ApiRole::Facilities || caller.role == ApiRole::Admin;
        }
        return false;
    }

    // The caller behind `token` when it may use an endpoint that needs `need`;
    // otherwise answers 401 (no token, or one this collector does not know or
    // has revoked), 403 (a valid token of another role) or 500, and returns nullopt.
    std::optional<Store::Caller> authorize(const std::string& token, Need need,
                                           httplib::Response& res) {
        auto caller = store.identify(token);
        if (!caller) {
            sendError(res, caller.error());
            return std::nullopt;
        }
        if (allows(need, caller.value())) {
            return caller.value();
        }
        if (!caller->device && !caller->role) {
            sendError(res, missingToken(describe(need)));
        } else {
            const std::string holder =
                caller->device ? "a kiosk" : std::string("a ") + roleName(*caller->role);
            sendError(res,
                      makeError(ErrorCode::Rejected, std::string("this endpoint needs a ") +
                                                         describe(need) + " token; " + holder +
                                                         " token may not use it"),
                      403);
        }
        return std::nullopt;
    }

    // Why the caller may not read or post for `siteId` (a manager token
    // limited to other sites), naming the sites it covers; nullopt if it may.
    static std::optional<Error> siteNotCovered(const Store::Caller& caller,
                                               const std::string& siteId) {
        if (caller.coversSite(siteId)) {
            return std::nullopt;
        }
        std::string covered;
        for (const auto& site : caller.sites) {
            covered += (covered.empty() ? "" : ", ") + site;
        }
        return makeError(ErrorCode::Rejected,
                         "this manager token covers only " + covered + ", not " + siteId +
                             "; ask your carekiosk admin for a token that covers it",
                         "site");
    }

    // Answers 403 when siteNotCovered; returns whether the caller may go on.
    static bool mayRead(const Store::Caller& caller, const std::string& siteId,
                        httplib::Response& res) {
        if (auto refused = siteNotCovered(caller, siteId)) {
            sendError(res, *refused, 403);
            return false;
        }
        return true;
    }

    std::optional<Device> kioskFor(const httplib::Request& req, httplib::Response& res) {
        auto caller = authorize(bearerToken(req), Need::Kiosk, res);
        return caller ? caller->device : std::nullopt;
    }

    // A coordinator's request; every one first deletes requests handled longer
    // ago than the retention period.
    bool coordinatorFor(const httplib::Request& req, httplib::Response& res) {
        if (!authorize(bearerToken(req), Need::Coordinator, res)) {
            return false;
        }
        if (auto purged = store.purgeHandledBuddyRequests(options.buddyRetentionDays); !purged) {
            sendError(res, purged.error());
            return false;
        }
        return true;
    }

    // For the fleet page's cookie: true for a live facilities or admin token.
    bool mayViewFleet(const std::string& token) {
        auto caller = store.identify(token);
        return caller && allows(Need::FleetViewer, caller.value());
    }

    Result<std::vector<FleetKiosk>> currentFleet() {
        auto rows = store.fleetRows();
        if (!rows) {
            return rows.error();
        }
        return assessFleet(rows.value(), store.clock().now(), options.fleetRules);
    }

    void routes() {
        http->Post(
            "/v1/enroll", guarded([this](const httplib::Request& req, httplib::Response& res) {
                auto request = core::decodeEnrollRequest(req.body);
                if (!request) {
                    return sendError(res, request.error());
                }
                auto response = store.enroll(request->code, request->team);
                if (!response) {
                    return sendError(res, response.error());
                }
                res.set_content(core::encodeEnrollResponse(response.value()), "application/json");
            }));

        // For `carekiosk-provision check`: is this kiosk's token accepted?
        http->Get("/v1/ping", guarded([this](const httplib::Request& req, httplib::Response& res) {
                      auto device = kioskFor(req, res);
                      if (!device) {
                          return;
                      }
                      res.set_content(nlohmann::json{{"device_id", device->deviceId},
                                                     {"site_id", device->siteId}}
                                          .dump(),
                                      "application/json");
                  }));

        http->Post(
            "/v1/batches", guarded([this](const httplib::Request& req, httplib::Response& res) {
                auto device = kioskFor(req, res);
                if (!device) {
                    return;
                }
                std::vector<core::RowError> badRows;
                auto batch = core::decodeBatch(req.body, &badRows);
                std::vector<RowRefusal> refused;
                for (const auto& bad : badRows) {
                    refused.push_back({bad.index, bad.error.field, bad.error.message});
                }
                if (!batch && refused.empty()) {
                    return sendError(res, batch.error());
                }
                if (batch) {
                    auto stored = store.storeBatch(*device, batch.value());
                    if (!stored) {
                        return sendError(res, stored.error());
                    }
                    refused = std::move(stored->refused);
                    if (refused.empty()) {
                        res.set_content(core::encodeBatchAck(core::BatchAck{
                                            batch->batchId, stored->stored, stored->duplicate}),
                                        "application/json");
                        return;
                    }
                }
                sendRefusal(res, refused);
            }));

        http->Get(
            "/v1/summary", guarded([this](const httplib::Request& req, httplib::Response& res) {
                auto caller = authorize(bearerToken(req), Need::Manager, res);
                if (!caller) {
                    return;
                }
                const std::string site = req.get_param_value("site");
                if (auto valid = core::validateSiteId(site, "site"); !valid) {
                    return sendError(res, valid.error());
                }
                if (!mayRead(*caller, site, res)) {
                    return;
                }
                auto from = core::parseDate(req.get_param_value("from"), "from");
                auto to = core::parseDate(req.get_param_value("to"), "to");
                if (!from || !to) {
                    return sendError(res, !from ? from.error() : to.error());
                }
                auto period = core::parseSummaryPeriod(
                    req.has_param("period") ? req.get_param_value("period") : "day", "period");
                if (!period) {
                    return sendError(res, period.error());
                }
                if (to.value() < from.value() || to.value() - from.value() > kMaxSummaryDays) {
                    return sendError(res, makeError(ErrorCode::InvalidInput,
                                                    "to must be on or after from, and at most 10 "
                                                    "years later",
                                                    "to"));
                }
                auto exists = store.siteExists(site);
                if (!exists) {
                    return sendError(res, exists.error());
                }
                if (!exists.value()) {
                    return sendError(res, makeError(ErrorCode::NotFound,
                                                    "site " + site + " does not exist", "site"));
                }
                const std::string format =
                    req.has_param("format") ? req.get_param_value("format") : "json";
                if (format != "json" && format != "csv") {
                    return sendError(res, makeError(ErrorCode::InvalidInput,
                                                    "format must be json or csv", "format"));
                }
                const std::string team = req.get_param_value("team");
                if (!team.empty()) {
                    if (auto valid = core::validateOptionId(team, "team"); !valid) {
                        return sendError(res, valid.error());
                    }
                    auto teams = store.teams(site);
                    if (!teams) {
                        return sendError(res, teams.error());
                    }
                    if (std::find(teams->begin(), teams->end(), team) == teams->end()) {
                        std::string known;
                        for (const auto& t : teams.value()) {
                            known += (known.empty() ? "" : ", ") + t;
                        }
                        return sendError(res,
                                         makeError(ErrorCode::NotFound,
                                                   "site " + site + " has no team " + team +
                                                       (known.empty() ? "; it has no teams"
                                                                      : "; its teams are " + known),
                                                   "team"));
                    }
                }
                auto summary = store.summary(SummaryQuery{site, period.value(), from.value(),
                                                          to.value(), options.minGroup, team});
                if (!summary) {
                    return sendError(res, summary.error());
                }
                if (format == "csv") {
                    res.set_header("Content-Disposition", "attachment; filename=\"" + site + "-" +
                                                              summary->from + ".csv\"");
                    res.set_content(formatSummaryCsv(summary.value()), "text/csv; charset=utf-8");
                    return;
                }
                res.set_content(core::encodeSiteSummary(summary.value()), "application/json");
            }));

        http->Post("/v1/heartbeat",
                   guarded([this](const httplib::Request& req, httplib::Response& res) {
                       auto device = kioskFor(req, res);
                       if (!device) {
                           return;
                       }
                       auto heartbeat = core::decodeHeartbeat(req.body);
                       if (!heartbeat) {
                           return sendError(res, heartbeat.error());
                       }
                       if (auto s = store.recordHeartbeat(*device, heartbeat.value()); !s) {
                           return sendError(res, s.error());
                       }
                       res.set_content("{}", "application/json");
                   }));

        // The site's config, cached by the kiosk with ETag/If-None-Match.
        http->Get(
            "/v1/config", guarded([this](const httplib::Request& req, httplib::Response& res) {
                auto device = kioskFor(req, res);
                if (!device) {
                    return;
                }
                auto config = store.siteConfig(device->siteId);
                if (!config) {
                    return sendError(res, config.error());
                }
                const std::string etag = "\"v" + std::to_string(config->version) + "\"";
                res.set_header("ETag", etag);
                if (req.get_header_value("If-None-Match") == etag) {
                    res.status = 304;
                    return;
                }
                res.set_content(core::encodeSiteConfigResponse({config->version, config->json}),
                                "application/json");
            }));

        http->Post(
            "/v1/unenroll", guarded([this](const httplib::Request& req, httplib::Response& res) {
                auto device = kioskFor(req, res);
                if (!device) {
                    return;
                }
                if (auto s = store.unenrollDevice(*device); !s) {
                    return sendError(res, s.error());
                }
                res.set_content(
                    nlohmann::json{{"device_id", device->deviceId}, {"unenrolled", true}}.dump(),
                    "application/json");
            }));

        http->Get("/v1/fleet", guarded([this](const httplib::Request& req, httplib::Response& res) {
                      if (!authorize(bearerToken(req), Need::FleetViewer, res)) {
                          return;
                      }
                      auto fleet = currentFleet();
                      if (!fleet) {
                          return sendError(res, fleet.error());
                      }
                      res.set_content(encodeFleetJson(fleet.value(), options.fleetRules),
                                      "application/json");
                  }));

        http->Post(
            "/v1/messages", guarded([this](const httplib::Request& req, httplib::Response& res) {
                auto caller = authorize(bearerToken(req), Need::Manager, res);
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
            }));

        http->Post("/v1/buddy-requests",
                   guarded([this](const httplib::Request& req, httplib::Response& res) {
                       auto device = kioskFor(req, res);
                       if (!device) {
                           return;
                       }
                       auto list = core::decodeBuddyRequestList(req.body);
                       if (!list) {
                           return sendError(res, list.error());
                       }
                       auto ids = store.storeBuddyRequests(*device, list.value());
                       if (!ids) {
                           return sendError(res, ids.error());
                       }
                       res.set_content(core::encodeIdList({ids.value()}), "application/json");
                   }));
        http->Get("/v1/buddy-requests",
                  guarded([this](const httplib::Request& req, httplib::Response& res) {
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
                      res.set_content(core::encodeBuddyRequestList(inbox.value()),
                                      "application/json");
                  }));
        http->Post("/v1/buddy-requests/handled",
                   guarded([this](const httplib::Request& req, httplib::Response& res) {
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
                       res.set_content(nlohmann::json{{"handled", marked.value()}}.dump(),
                                       "application/json");
                   }));

        http->Get("/signin", [](const httplib::Request&, httplib::Response& res) {
            res.set_content(signInPage(""), "text/html; charset=utf-8");
        });
        http->Post("/signin", guarded([this](const httplib::Request& req, httplib::Response& res) {
                       const std::string token = req.get_param_value("token");
                       auto caller = store.identify(token);
                       const bool manager = caller && allows(Need::Manager, caller.value());
                       const bool fleet = caller && allows(Need::FleetViewer, caller.value());
                       if (!manager && !fleet) {
                           res.status = 401;
                           res.set_content(signInPage("That token was not accepted. Check it, "
                                                      "or ask your carekiosk admin for a new "
                                                      "one."),
                                           "text/html; charset=utf-8");
                           return;
                       }
                       // HttpOnly: page scripts cannot read it; Secure: HTTPS only;
                       // SameSite=Strict: other sites cannot make the browser use it.
                       res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + token +
                                                        "; HttpOnly; Secure; SameSite=Strict; "
                                                        "Path=/; Max-Age=43200");
                       res.status = 303;
                       res.set_header("Location", manager ? "/" : "/fleet");
                   }));
        http->Get("/signout", [](const httplib::Request&, httplib::Response& res) {
            res.set_header("Set-Cookie", std::string(kSessionCookie) +
                                             "=; HttpOnly; Secure; SameSite=Strict; Path=/; "
                                             "Max-Age=0");
            res.status = 303;
            res.set_header("Location", "/signin");
        });
        // The managers' dashboard: the same summary as GET /v1/summary, as charts.
        http->Get("/", [this](const httplib::Request& req, httplib::Response& res) {
            const std::string token = sessionToken(req);
            auto caller = store.identify(token);
            if (!caller || !allows(Need::Manager, caller.value())) {
                res.status = 303;
                res.set_header("Location", caller && allows(Need::FleetViewer, caller.value())
                                               ? "/fleet"
                                               : "/signin");
                return;
            }
            auto sites = store.listSites();
            if (!sites) {
                return sendError(res, sites.error());
            }
            std::vector<SiteChoice> choices;
            for (const auto& [id, name] : sites.value()) {
                if (caller->coversSite(id)) {  // a token for some sites sees only those
                    choices.push_back({id, name});
                }
            }
            if (choices.empty()) {
                res.set_content(html::pageStart("carekiosk") +
                                    "<h1>No sites yet</h1><p>Ask your carekiosk admin to create "
                                    "one.</p></body></html>\n",
                                "text/html; charset=utf-8");
                return;
            }
            std::string site = req.get_param_value("site");
            if (std::none_of(choices.begin(), choices.end(),
                             [&](const SiteChoice& c) { return c.id == site; })) {
                site = choices.front().id;
            }
            const auto today = std::chrono::floor<std::chrono::days>(store.clock().now())
                                   .time_since_epoch()
                                   .count();
            auto to = core::parseDate(req.get_param_value("to"), "to");
            const std::int64_t toDay = to ? to.value() : today;
            auto from = core::parseDate(req.get_param_value("from"), "from");
            std::int64_t fromDay = from ? from.value() : toDay - 29;
            if (fromDay > toDay || toDay - fromDay > kMaxSummaryDays) {
                fromDay = toDay - 29;
            }
            auto period = core::parseSummaryPeriod(req.get_param_value("period"), "period");
            auto teams = store.teams(site);
            if (!teams) {
                return sendError(res, teams.error());
            }
            std::string team = req.get_param_value("team");
            if (std::find(teams->begin(), teams->end(), team) == teams->end()) {
                team.clear();  // unknown or empty: the whole site
            }
            auto summary =
                store.summary(SummaryQuery{site, period ? period.value() : core::SummaryPeriod::Day,
                                           fromDay, toDay, options.minGroup, team});
            if (!summary) {
                return sendError(res, summary.error());
            }
            res.set_header("Cache-Control", "no-store");
            const std::string notice = req.get_param_value("posted") == "1"
                                           ? "Message posted: the kiosks show it from their "
                                             "next upload."
                                           : "";
            res.set_content(
                renderDashboardHtml(summary.value(), choices, teams.value(), notice, today),
                "text/html; charset=utf-8");
        });

        // The dashboard's "you said, we did" form: the same checks as POST
        // /v1/messages, with the manager's session cookie.
        http->Post(
            "/messages", guarded([this](const httplib::Request& req, httplib::Response& res) {
                auto caller = store.identify(sessionToken(req));
                if (!caller || !allows(Need::Manager, caller.value())) {
                    res.status = 303;
                    res.set_header("Location", "/signin");
                    return;
                }
                const std::string site = req.get_param_value("site");
                auto message = core::decodePostedMessage(nlohmann::json{
                    {"site", site},
                    {"text", req.get_param_value("text")},
                    {"from", req.get_param_value("from")},
                    {"to", req.get_param_value("to")}}.dump());
                core::Status posted = message ? core::Status{} : core::Status{message.error()};
                if (posted) {
                    if (auto refused = siteNotCovered(caller.value(), site)) {
                        posted = *refused;
                    }
                }
                if (posted) {
                    if (auto id = store.postMessage(message.value()); !id) {
                        posted = id.error();
                    }
                }
                if (!posted) {
                    res.status = posted.error().code == ErrorCode::InvalidInput ? 400 : 403;
                    res.set_content(html::pageStart("carekiosk: message not posted") +
                                        "<h1>The message was not posted</h1><p>" +
                                        html::escape(posted.error().message) +
                                        "</p><p><a href=\"/?site=" + html::escape(site) +
                                        "\">Back to the dashboard</a></p></body></html>\n",
                                    "text/html; charset=utf-8");
                    return;
                }
                res.status = 303;
                res.set_header("Location", "/?site=" + site + "&posted=1");
            }));

        http->Get("/fleet", [this](const httplib::Request& req, httplib::Response& res) {
            if (!mayViewFleet(sessionToken(req))) {
                res.status = 303;
                res.set_header("Location", "/signin");
                return;
            }
            auto fleet = currentFleet();
            if (!fleet) {
                return sendError(res, fleet.error());
            }
            res.set_header("Cache-Control", "no-store");
            res.set_content(renderFleetHtml(fleet.value(), options.fleetRules),
                            "text/html; charset=utf-8");
        });

        // Every answer carries this collector's clock, so that a kiosk whose
        // clock is wrong finds out and pauses check-ins (core::clockProblem).
        http->set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
            res.set_header("Date", core::formatHttpDate(store.clock().now()));
        });
        http->set_error_handler([](const httplib::Request&, httplib::Response& res) {
            if (res.body.empty()) {
                const std::string message = res.status == 404   ? "no such endpoint"
                                            : res.status == 413 ? "request body too large"
                                                                : "request failed";
                res.set_content(core::encodeErrorBody(makeError(ErrorCode::Rejected, message)),
                                "application/json");
            }
        });
        http->set_exception_handler(
            [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
                sendError(res, makeError(ErrorCode::Internal, "unexpected error"), 500);
            });
    }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() {
    stop();
}

Result<std::unique_ptr<Server>> Server::create(Store& store, const ServerOptions& options) {
    if (options.minGroup < kLowestMinGroup) {
        return makeError(ErrorCode::InvalidInput,
                         "--min-group must be at least " + std::to_string(kLowestMinGroup) +
                             " (got " + std::to_string(options.minGroup) +
                             "); smaller groups could identify people",
                         "--min-group");
    }
    auto impl = std::make_unique<Impl>(store, options);
    impl->http =
        std::make_unique<httplib::SSLServer>(options.certFile.c_str(), options.keyFile.c_str());
    if (!impl->http->is_valid()) {
        return makeError(ErrorCode::InvalidInput,
                         "cannot load the TLS certificate " + options.certFile + " and key " +
                             options.keyFile + "; check both are readable PEM files that match",
                         "cert");
    }
    SSL_CTX_set_min_proto_version(impl->http->ssl_context(), TLS1_2_VERSION);
    impl->http->set_payload_max_length(kMaxBodyBytes);
    impl->http->set_read_timeout(options.readTimeoutSeconds, 0);
    impl->http->set_write_timeout(options.readTimeoutSeconds, 0);
    // A kiosk draining a backlog posts batch after batch on one connection;
    // httplib's default closes it after 5 requests, and each reconnection is
    // a new TLS handshake.
    impl->http->set_keep_alive_max_count(1000);
    // httplib writes a response's headers and body separately; with Nagle's
    // algorithm on, the body waits for the client's delayed ACK (40 ms).
    impl->http->set_tcp_nodelay(true);
    // httplib gives each open connection a thread until it closes: enough of
    // them that kiosks uploading at once are served at once (their batches
    // then share commits, see Store::storeBatch).
    const int workers = options.workerThreads;
    impl->http->new_task_queue = [workers] {
        return new httplib::ThreadPool(static_cast<std::size_t>(workers));
    };
    // httplib's own socket options add SO_REUSEPORT, with which a second
    // collector started on the same port binds too and the kernel splits the
    // kiosks between them; ours keep SO_REUSEADDR only, so that start fails
    // and says so. The socket is remembered for its backlog (Server::bind).
    Impl* self = impl.get();
    impl->http->set_socket_options([self](int fd) {
        const int yes = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
        self->listenFd = fd;
    });
    impl->routes();
    return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Result<int> Server::bind() {
    auto& http = *impl_->http;
    int port = impl_->options.port;
    if (port == 0) {
        port = http.bind_to_any_port(impl_->options.host);
        if (port < 0) {
            port = 0;
        }
    } else if (!http.bind_to_port(impl_->options.host.c_str(), port)) {
        port = 0;
    }
    if (port == 0) {
        return makeError(ErrorCode::Io,
                         "cannot listen on " + impl_->options.host + ":" +
                             std::to_string(impl_->options.port) +
                             "; is another collector running, or is the address wrong?",
                         "listen");
    }
    // httplib listens with a backlog of 5: when more kiosks than that connect
    // at once (a site's kiosks after a power cut, a load balancer's burst), the
    // kernel drops their SYNs and each waits a whole second to try again.
    // listen() on a listening socket only changes its backlog.
    if (impl_->listenFd >= 0) {
        ::listen(impl_->listenFd, kListenBacklog);
    }
    impl_->bound = true;
    return port;
}

Status Server::run() {
    if (!impl_->bound) {
        if (auto port = bind(); !port) {
            return port.error();
        }
    }
    if (!impl_->http->listen_after_bind()) {
        return makeError(ErrorCode::Io, "the collector's listener stopped unexpectedly");
    }
    return {};
}

bool Server::running() const {
    return impl_ && impl_->http && impl_->http->is_running();
}

void Server::stop() {
    if (impl_ && impl_->http) {
        impl_->http->stop();
    }
}

}  // namespace carekiosk::collector
