#include "carekiosk/collector/server.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <any>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "carekiosk/collector/anonymity.hpp"
#include "carekiosk/collector/dashboard.hpp"
#include "carekiosk/collector/failure_limiter.hpp"
#include "carekiosk/collector/report_format.hpp"
#include "carekiosk/core/clock_check.hpp"
#include "carekiosk/core/wire.hpp"
#include "html.hpp"
#include "http_server.hpp"

namespace carekiosk::collector {

using core::Error;
using core::ErrorCode;
using core::makeError;

namespace {

// Bodies as sent (before any gzip is unpacked; unpacked, batches are capped
// at kMaxBodyBytes too). An enrolment, a sign-in or a message is a few hundred bytes.
constexpr std::size_t kMaxBodyBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxSmallBodyBytes = 64 * 1024;
constexpr std::size_t kMaxListBodyBytes = 1024 * 1024;
// Routes whose bearer token is checked before their body is read.
constexpr bool kTokenFirst = true;
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

void sendError(http::Response& res, const Error& error, int status = 0) {
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
void sendRefusal(http::Response& res, const std::vector<RowRefusal>& refused) {
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
std::string bearerToken(const http::Request& req) {
    const std::string header = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    return header.rfind(prefix, 0) == 0 ? header.substr(prefix.size()) : std::string();
}

constexpr const char* kSessionCookie = "carekiosk_session";
// A dashboard session's life; the cookie's Max-Age says the same.
constexpr std::chrono::seconds kSessionLifetime{12 * 3600};

// The session cookie's value, or empty.
std::string sessionToken(const http::Request& req) {
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
    http::Server web;
    http::Config webConfig;
    FailureLimiter limiter;
    int listenFd = -1;  // made by bind(); the web server owns it once started
    bool bound = false;
    bool started = false;
    std::mutex runMutex;
    std::condition_variable runWake;
    bool stopRequested = false;

    Impl(Store& s, ServerOptions o) : store(s), options(std::move(o)) {}

    // The client's address: the peer's or, when the peer is a trusted proxy
    // (ServerOptions::trustedProxies), the nearest X-Forwarded-For entry that
    // is not itself one. Without trusted proxies the header is ignored: any
    // client could write it.
    std::string clientAddress(const http::Request& req) const {
        const auto trusted = [this](const std::string& address) {
            return std::find(options.trustedProxies.begin(), options.trustedProxies.end(),
                             address) != options.trustedProxies.end();
        };
        if (!trusted(req.remote_addr)) {
            return req.remote_addr;
        }
        std::string chain = req.get_header_value("X-Forwarded-For");
        while (!chain.empty()) {
            const auto comma = chain.rfind(',');
            std::string hop = chain.substr(comma == std::string::npos ? 0 : comma + 1);
            hop.erase(0, hop.find_first_not_of(' '));
            hop.erase(hop.find_last_not_of(' ') + 1);
            if (!hop.empty() && !trusted(hop)) {
                return hop;
            }
            chain.erase(comma == std::string::npos ? 0 : comma);
        }
        return req.remote_addr;
    }

    // The credential a request presents: its bearer token, else its session
    // cookie, else a sign-in form's token; empty if none.
    static std::string presented(const http::Request& req) {
        if (auto token = bearerToken(req); !token.empty()) {
            return token;
        }
        if (auto session = sessionToken(req); !session.empty()) {
            return session;
        }
        return req.get_form_value("token");
    }

    // Failures are counted twice: against the client's address and against
    // the credential presented (by its hash; neither is stored or logged). A
    // credential that keeps failing is refused wherever it comes from; an
    // address that keeps failing is refused only for requests without a valid
    // credential, so that one misconfigured kiosk, a guesser or a health check
    // behind an office's shared address never locks out the kiosks and
    // managers with good tokens there. (A token is 32 random bytes: a blocked
    // guesser that tries one more learns nothing it could use.)
    long long refusedFor(const http::Request& req, bool credentialBypasses,
                         FailureLimiter::Clock::time_point now) {
        const std::string credential = presented(req);
        if (!credential.empty()) {
            if (const auto wait = limiter.blockedFor("c:" + hashSecret(credential), now)) {
                return wait;
            }
        }
        const auto wait = limiter.blockedFor("a:" + clientAddress(req), now);
        if (wait > 0 && credentialBypasses && !credential.empty()) {
            auto caller = store.identify(credential);
            if (caller && (caller->device || caller->role)) {
                return 0;
            }
            auto session = store.findWebSession(credential);
            if (session && session.value()) {
                return 0;
            }
        }
        return wait;
    }

    void recordFailure(const http::Request& req, FailureLimiter::Clock::time_point now) {
        limiter.recordFailure("a:" + clientAddress(req), now);
        if (const std::string credential = presented(req); !credential.empty()) {
            limiter.recordFailure("c:" + hashSecret(credential), now);
        }
    }

    static void sendTooMany(http::Response& res, long long wait) {
        res.set_header("Retry-After", std::to_string(wait));
        sendError(res,
                  makeError(ErrorCode::Rejected,
                            "too many failed attempts with this credential or from this "
                            "address; try again in " +
                                std::to_string(wait) + " s"),
                  429);
    }

    // How a route's failures are limited. Enrolment codes are what a guesser
    // guesses, so a blocked address may not enrol even with a valid one.
    enum class Limit { CredentialBypasses, AddressOnly };

    // Wraps a handler so that a credential or address that keeps failing
    // authentication (401) is refused with 429 for a while (see refusedFor).
    http::Handler guarded(http::Handler handler, Limit limit = Limit::CredentialBypasses) {
        return [this, handler, limit](const http::Request& req, http::Response& res) {
            const auto now = FailureLimiter::Clock::now();
            if (const auto wait = refusedFor(req, limit == Limit::CredentialBypasses, now)) {
                return sendTooMany(res, wait);
            }
            handler(req, res);
            if (res.status == 401) {
                recordFailure(req, now);
            }
        };
    }

    // A page's session cookie that names no live session counts as a failed
    // attempt, as a wrong token does: cookies cannot be guessed unthrottled.
    void noteCookie(const http::Request& req, bool accepted) {
        if (!accepted && !sessionToken(req).empty()) {
            recordFailure(req, FailureLimiter::Clock::now());
        }
    }

    // The caller behind a page's session cookie, if the session is live and
    // its token still valid (a revoked token ends its sessions), with the
    // session's CSRF token. A cookie that names nothing counts as a failure
    // (noteCookie).
    std::optional<Store::SignedIn> sessionCaller(const http::Request& req) {
        const std::string id = sessionToken(req);
        std::optional<Store::SignedIn> found;
        if (!id.empty()) {
            if (auto session = store.findWebSession(id); session && session.value()) {
                found = *session.value();
            }
        }
        noteCookie(req, found.has_value());
        return found;
    }

    // A browser's form post is taken only from our own pages: an Origin, when
    // the browser sends one (they all do on POST), must be this collector's.
    static bool sameOrigin(const http::Request& req) {
        const std::string origin = req.get_header_value("Origin");
        return origin.empty() || origin == "https://" + req.get_header_value("Host");
    }

    // The form's CSRF token matches its session's (in constant time).
    static bool csrfMatches(const http::Request& req, const Store::SignedIn& session) {
        const std::string sent = req.get_form_value("csrf");
        return sent.size() == session.csrf.size() &&
               CRYPTO_memcmp(sent.data(), session.csrf.data(), sent.size()) == 0;
    }

    static void refusePage(http::Response& res, const std::string& why) {
        res.status = 403;
        res.set_content(html::pageStart("carekiosk: refused") + "<h1>Refused</h1><p>" +
                            html::escape(why) +
                            "</p><p><a href=\"/\">Back to the dashboard</a></p></body></html>\n",
                        "text/html; charset=utf-8");
    }

    // Before any body is read (an I/O thread): only the limiter's memory, so
    // that a blocked client costs no database work and no body. A blocked
    // address with a credential goes on to the handler's full check.
    bool admit(const http::Request& req, http::Response& res) {
        const auto now = FailureLimiter::Clock::now();
        // Load balancers' checks are never limited; a sign-in's token is in
        // its form, read after this: guarded() decides once it is.
        if (req.path == "/healthz" || req.path == "/signin") {
            return true;
        }
        const std::string credential = presented(req);
        long long wait = 0;
        if (!credential.empty()) {
            wait = limiter.blockedFor("c:" + hashSecret(credential), now);
        } else {
            wait = limiter.blockedFor("a:" + clientAddress(req), now);
        }
        if (wait > 0) {
            sendTooMany(res, wait);
            return false;
        }
        return true;
    }

    // The bearer token of a route that takes one, checked before its body is
    // read (a worker): strangers cannot make the collector buffer bodies. The
    // caller found is kept in req.admitted for beforeUnpack and the handler,
    // so a batch costs one lookup (a token revoked while its body is in
    // flight is refused from the next request on).
    bool authenticate(http::Request& req, http::Response& res) {
        const auto now = FailureLimiter::Clock::now();
        if (const auto wait = refusedFor(req, true, now)) {
            sendTooMany(res, wait);
            return false;
        }
        auto caller = store.identify(bearerToken(req));
        if (caller && (caller->device || caller->role)) {
            req.admitted = std::move(caller.value());
            return true;
        }
        // The same words as the handler's own check (authorize) would use.
        const char* kind = req.path == "/v1/messages"                 ? "manager"
                           : req.path == "/v1/buddy-requests/handled" ? "coordinator"
                                                                      : "kiosk";
        sendError(res, caller ? missingToken(kind) : caller.error());
        if (res.status == 401) {
            recordFailure(req, now);
        }
        return false;
    }

    // The caller behind the request's bearer token: the one authenticate
    // admitted, or a fresh lookup on routes that read no body first.
    Result<Store::Caller> callerOf(const http::Request& req) {
        if (const auto* admitted = std::any_cast<Store::Caller>(&req.admitted)) {
            return *admitted;
        }
        return store.identify(bearerToken(req));
    }

    // A compressed body is unpacked only for a valid kiosk or API token: a
    // bomb sent without one costs its bytes on the wire and nothing more.
    bool beforeUnpack(const http::Request& req, http::Response& res) {
        auto caller = callerOf(req);
        if (caller && (caller->device || caller->role)) {
            return true;
        }
        sendError(res, caller ? makeError(ErrorCode::Unauthorized,
                                          "a compressed body needs a valid token in the "
                                          "Authorization: Bearer header")
                              : caller.error());
        if (res.status == 401) {
            recordFailure(req, FailureLimiter::Clock::now());
        }
        return false;
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

    // The caller behind the request's token when it may use an endpoint that
    // needs `need`; otherwise answers 401 (no token, or one this collector does
    // not know or has revoked), 403 (a valid token of another role) or 500,
    // and returns nullopt.
    std::optional<Store::Caller> authorize(const http::Request& req, Need need,
                                           http::Response& res) {
        auto caller = callerOf(req);
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
                        http::Response& res) {
        if (auto refused = siteNotCovered(caller, siteId)) {
            sendError(res, *refused, 403);
            return false;
        }
        return true;
    }

    std::optional<Device> kioskFor(const http::Request& req, http::Response& res) {
        auto caller = authorize(req, Need::Kiosk, res);
        return caller ? caller->device : std::nullopt;
    }

    // A coordinator's request; every one first deletes requests handled longer
    // ago than the retention period.
    bool coordinatorFor(const http::Request& req, http::Response& res) {
        if (!authorize(req, Need::Coordinator, res)) {
            return false;
        }
        if (auto purged = store.purgeHandledBuddyRequests(options.buddyRetentionDays); !purged) {
            sendError(res, purged.error());
            return false;
        }
        return true;
    }

    Result<std::vector<FleetKiosk>> currentFleet() {
        auto rows = store.fleetRows();
        if (!rows) {
            return rows.error();
        }
        return assessFleet(rows.value(), store.clock().now(), options.fleetRules);
    }

    void routes() {
        web.Post("/v1/enroll", kMaxSmallBodyBytes,
                 guarded(
                     [this](const http::Request& req, http::Response& res) {
                         auto request = core::decodeEnrollRequest(req.body);
                         if (!request) {
                             return sendError(res, request.error());
                         }
                         auto response = store.enroll(request->code, request->team);
                         if (!response) {
                             return sendError(res, response.error());
                         }
                         res.set_content(core::encodeEnrollResponse(response.value()),
                                         "application/json");
                     },
                     Limit::AddressOnly));

        // For `carekiosk-provision check`: is this kiosk's token accepted?
        web.Get("/v1/ping", guarded([this](const http::Request& req, http::Response& res) {
                    auto device = kioskFor(req, res);
                    if (!device) {
                        return;
                    }
                    res.set_content(
                        nlohmann::json{{"device_id", device->deviceId}, {"site_id", device->siteId}}
                            .dump(),
                        "application/json");
                }));

        web.Post("/v1/batches", kMaxBodyBytes,
                 guarded([this](const http::Request& req, http::Response& res) {
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
                             res.set_content(
                                 core::encodeBatchAck(core::BatchAck{batch->batchId, stored->stored,
                                                                     stored->duplicate}),
                                 "application/json");
                             return;
                         }
                     }
                     sendRefusal(res, refused);
                 }),
                 kTokenFirst);

        web.Get(
            "/v1/summary", guarded([this](const http::Request& req, http::Response& res) {
                auto caller = authorize(req, Need::Manager, res);
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

        web.Post("/v1/heartbeat", kMaxSmallBodyBytes,
                 guarded([this](const http::Request& req, http::Response& res) {
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
                 }),
                 kTokenFirst);

        // The site's config, cached by the kiosk with ETag/If-None-Match.
        web.Get("/v1/config", guarded([this](const http::Request& req, http::Response& res) {
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

        web.Post(
            "/v1/unenroll", kMaxSmallBodyBytes,
            guarded([this](const http::Request& req, http::Response& res) {
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
            }),
            kTokenFirst);

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

        web.Post("/v1/buddy-requests", kMaxListBodyBytes,
                 guarded([this](const http::Request& req, http::Response& res) {
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
                 }),
                 kTokenFirst);
        web.Get(
            "/v1/buddy-requests", guarded([this](const http::Request& req, http::Response& res) {
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
        web.Post("/v1/buddy-requests/handled", kMaxListBodyBytes,
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
                     res.set_content(nlohmann::json{{"handled", marked.value()}}.dump(),
                                     "application/json");
                 }),
                 kTokenFirst);

        // For load balancers and monitors: no token, no data, never limited;
        // 503 while the database does not answer.
        web.Get("/healthz", [this](const http::Request&, http::Response& res) {
            res.set_header("Cache-Control", "no-store");
            if (auto alive = store.ping(); !alive) {
                std::fprintf(stderr, "collector: health check: %s\n",
                             alive.error().message.c_str());
                res.status = 503;
                res.set_content("{\"status\":\"database unavailable\"}", "application/json");
                return;
            }
            res.set_content("{\"status\":\"ok\"}", "application/json");
        });
        web.Get("/signin", [](const http::Request&, http::Response& res) {
            res.set_content(signInPage(""), "text/html; charset=utf-8");
        });
        web.Post("/signin", kMaxSmallBodyBytes,
                 guarded([this](const http::Request& req, http::Response& res) {
                     if (!sameOrigin(req)) {
                         return refusePage(res, "This sign-in came from another site.");
                     }
                     const std::string token = req.get_form_value("token");
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
                     // The cookie holds a session id of its own, never the token.
                     // HttpOnly: page scripts cannot read it; Secure: HTTPS only;
                     // SameSite=Strict: other sites cannot make the browser use it.
                     auto session = store.openWebSession(token, kSessionLifetime);
                     if (!session) {
                         return sendError(res, session.error());
                     }
                     res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + session->id +
                                                      "; HttpOnly; Secure; SameSite=Strict; "
                                                      "Path=/; Max-Age=43200");
                     res.status = 303;
                     res.set_header("Location", manager ? "/" : "/fleet");
                 }));
        const auto signOut = [this](const http::Request& req, http::Response& res) {
            if (req.method == "POST") {
                auto session = sessionCaller(req);
                if (session && (!sameOrigin(req) || !csrfMatches(req, *session))) {
                    return refusePage(res, "This sign-out did not come from your dashboard page.");
                }
            }
            if (const std::string id = sessionToken(req); !id.empty()) {
                (void)store.closeWebSession(id);
            }
            res.set_header("Set-Cookie", std::string(kSessionCookie) +
                                             "=; HttpOnly; Secure; SameSite=Strict; Path=/; "
                                             "Max-Age=0");
            res.status = 303;
            res.set_header("Location", "/signin");
        };
        web.Get("/signout", signOut);
        web.Post("/signout", kMaxSmallBodyBytes, signOut);
        // The managers' dashboard: the same summary as GET /v1/summary, as charts.
        web.Get(
            "/", guarded([this](const http::Request& req, http::Response& res) {
                auto session = sessionCaller(req);
                auto caller =
                    session ? std::optional<Store::Caller>(session->caller) : std::nullopt;
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
                    res.set_content(
                        html::pageStart("carekiosk") +
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
                auto summary = store.summary(
                    SummaryQuery{site, period ? period.value() : core::SummaryPeriod::Day, fromDay,
                                 toDay, options.minGroup, team});
                if (!summary) {
                    return sendError(res, summary.error());
                }
                res.set_header("Cache-Control", "no-store");
                const std::string notice = req.get_param_value("posted") == "1"
                                               ? "Message posted: the kiosks show it from their "
                                                 "next upload."
                                               : "";
                res.set_content(renderDashboardHtml(summary.value(), choices, teams.value(), notice,
                                                    today, session->csrf),
                                "text/html; charset=utf-8");
            }));

        // The dashboard's "you said, we did" form: the same checks as POST
        // /v1/messages, with the manager's session cookie.
        web.Post("/messages", kMaxSmallBodyBytes,
                 guarded([this](const http::Request& req, http::Response& res) {
                     auto session = sessionCaller(req);
                     auto caller =
                         session ? std::optional<Store::Caller>(session->caller) : std::nullopt;
                     if (!caller || !allows(Need::Manager, caller.value())) {
                         res.status = 303;
                         res.set_header("Location", "/signin");
                         return;
                     }
                     // A cross-site post (another tab's page, a link in a mail) has
                     // neither our Origin nor the session's form token.
                     if (!sameOrigin(req) || !csrfMatches(req, *session)) {
                         return refusePage(
                             res,
                             "This form did not come from your dashboard page (or the "
                             "page is older than your sign-in). Open the dashboard "
                             "again and post from there.");
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

        web.Get("/fleet", guarded([this](const http::Request& req, http::Response& res) {
                    auto session = sessionCaller(req);
                    if (!session || !allows(Need::FleetViewer, session->caller)) {
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
                }));

        // Every answer carries this collector's clock, so that a kiosk whose
        // clock is wrong finds out and pauses check-ins (core::clockProblem).
        webConfig.admit = [this](const http::Request& req, http::Response& res) {
            return admit(req, res);
        };
        webConfig.authenticate = [this](http::Request& req, http::Response& res) {
            return authenticate(req, res);
        };
        webConfig.beforeUnpack = [this](const http::Request& req, http::Response& res) {
            return beforeUnpack(req, res);
        };
        webConfig.beforeSend = [this](const http::Request&, http::Response& res) {
            res.set_header("Date", core::formatHttpDate(store.clock().now()));
            // On every answer, pages and API alike: no framing, no sniffing,
            // nothing loaded from anywhere (the pages are self-contained: an
            // inline style sheet and inline SVG, no script), HTTPS only.
            res.set_header("Content-Security-Policy",
                           "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
            res.set_header("X-Frame-Options", "DENY");
            res.set_header("X-Content-Type-Options", "nosniff");
            res.set_header("Referrer-Policy", "no-referrer");
            res.set_header("Strict-Transport-Security", "max-age=31536000");
        };
        webConfig.notFound = [](const http::Request&, http::Response& res) {
            res.status = 404;
            res.set_content(
                core::encodeErrorBody(makeError(ErrorCode::Rejected, "no such endpoint")),
                "application/json");
        };
        webConfig.onException = [](const http::Request&, http::Response& res) {
            sendError(res, makeError(ErrorCode::Internal, "unexpected error"), 500);
        };
    }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() {
    stop();
    if (impl_ && impl_->listenFd >= 0 && !impl_->started) {
        ::close(impl_->listenFd);
    }
}

namespace {

Result<std::string> readPem(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
        return makeError(ErrorCode::Io, "cannot read " + path, "cert");
    }
    return text.str();
}

// True if the chain and key load and match (OpenSSL reads them as the TLS
// library will): a wrong file is named at start-up, not at the first client.
bool certificateMatchesKey(const std::string& certFile, const std::string& keyFile) {
    SSL_CTX* context = SSL_CTX_new(TLS_server_method());
    const bool ok = context && SSL_CTX_use_certificate_chain_file(context, certFile.c_str()) == 1 &&
                    SSL_CTX_use_PrivateKey_file(context, keyFile.c_str(), SSL_FILETYPE_PEM) == 1 &&
                    SSL_CTX_check_private_key(context) == 1;
    SSL_CTX_free(context);
    return ok;
}

}  // namespace

Result<std::unique_ptr<Server>> Server::create(Store& store, const ServerOptions& options) {
    if (options.minGroup < kLowestMinGroup) {
        return makeError(ErrorCode::InvalidInput,
                         "--min-group must be at least " + std::to_string(kLowestMinGroup) +
                             " (got " + std::to_string(options.minGroup) +
                             "); smaller groups could identify people",
                         "--min-group");
    }
    auto cert = readPem(options.certFile);
    auto key = readPem(options.keyFile);
    if (!cert || !key || !certificateMatchesKey(options.certFile, options.keyFile)) {
        return makeError(ErrorCode::InvalidInput,
                         "cannot load the TLS certificate " + options.certFile + " and key " +
                             options.keyFile + "; check both are readable PEM files that match",
                         "cert");
    }
    auto impl = std::make_unique<Impl>(store, options);
    impl->webConfig.certPem = std::move(cert.value());
    impl->webConfig.keyPem = std::move(key.value());
    impl->webConfig.workerThreads = static_cast<unsigned>(std::max(1, options.workerThreads));
    impl->webConfig.idleTimeoutSeconds =
        static_cast<unsigned>(std::max(1, options.readTimeoutSeconds));
    impl->webConfig.maxDecodedBytes = kMaxBodyBytes;
    impl->routes();
    return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Result<int> Server::bind() {
    auto& o = impl_->options;
    const auto cannotListen = [&](const std::string& why) {
        return makeError(ErrorCode::Io,
                         "cannot listen on " + o.host + ":" + std::to_string(o.port) + " (" + why +
                             "); is another collector running, or is the address wrong?",
                         "listen");
    };
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(o.port);
    if (const int rc = ::getaddrinfo(o.host.c_str(), service.c_str(), &hints, &found); rc != 0) {
        return cannotListen(::gai_strerror(rc));
    }
    int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
    if (fd < 0) {
        ::freeaddrinfo(found);
        return cannotListen(std::strerror(errno));
    }
    // SO_REUSEADDR only: with SO_REUSEPORT a second collector on the same
    // port would bind too and the kernel would split the kiosks between them.
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    // A backlog for a site's kiosks reconnecting after a power cut, or a load
    // balancer's burst; the kernel caps it at net.core.somaxconn.
    if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, kListenBacklog) != 0) {
        const std::string why = std::strerror(errno);
        ::freeaddrinfo(found);
        ::close(fd);
        return cannotListen(why);
    }
    ::freeaddrinfo(found);
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
    const int port =
        ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    impl_->listenFd = fd;
    impl_->bound = true;
    return port;
}

Status Server::run() {
    if (!impl_->bound) {
        if (auto port = bind(); !port) {
            return port.error();
        }
    }
    // Every idle or slow client holds a descriptor (not a thread): allow as
    // many as the hard limit lets, and refuse connections before running out.
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &files);
        ::getrlimit(RLIMIT_NOFILE, &files);
    }
    const rlim_t spare = 64;  // the database, logs, the worker pool's own
    impl_->webConfig.connectionLimit = static_cast<unsigned>(
        std::clamp<rlim_t>(files.rlim_cur > spare ? files.rlim_cur - spare : 16, 16, 65536));
    impl_->webConfig.listenFd = impl_->listenFd;
    {
        std::unique_lock lock(impl_->runMutex);
        if (impl_->stopRequested) {
            return {};
        }
        if (auto started = impl_->web.start(impl_->webConfig); !started) {
            return started.error();
        }
        impl_->started = true;
        impl_->runWake.wait(lock, [this] { return impl_->stopRequested; });
    }
    impl_->web.stop();
    return {};
}

bool Server::running() const {
    return impl_ && impl_->web.running();
}

void Server::stop() {
    if (!impl_) {
        return;
    }
    {
        std::lock_guard lock(impl_->runMutex);
        impl_->stopRequested = true;
    }
    impl_->runWake.notify_all();
    impl_->web.stop();
}

}  // namespace carekiosk::collector
