// Who may call and how often they failed: the client's address, the
// credential presented, the limiter, sessions and CSRF, and the roles each
// route needs (see server_impl.hpp).
#include <openssl/crypto.h>

#include <algorithm>
#include <any>

#include "html.hpp"
#include "server_impl.hpp"

namespace carekiosk::collector {

std::string Server::Impl::clientAddress(const http::Request& req) const {
    const auto trusted = [this](const std::string& address) {
        return std::find(options.trustedProxies.begin(), options.trustedProxies.end(), address) !=
               options.trustedProxies.end();
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

std::string Server::Impl::presented(const http::Request& req) {
    if (auto token = bearerToken(req); !token.empty()) {
        return token;
    }
    if (auto session = sessionToken(req); !session.empty()) {
        return session;
    }
    return req.get_form_value("token");
}

long long Server::Impl::refusedFor(const http::Request& req, bool credentialBypasses,
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

void Server::Impl::recordFailure(const http::Request& req, FailureLimiter::Clock::time_point now) {
    limiter.recordFailure("a:" + clientAddress(req), now);
    if (const std::string credential = presented(req); !credential.empty()) {
        limiter.recordFailure("c:" + hashSecret(credential), now);
    }
}

void Server::Impl::sendTooMany(http::Response& res, long long wait) {
    res.set_header("Retry-After", std::to_string(wait));
    sendError(res,
              makeError(ErrorCode::Rejected,
                        "too many failed attempts with this credential or from this "
                        "address; try again in " +
                            std::to_string(wait) + " s"),
              429);
}

http::Handler Server::Impl::guarded(http::Handler handler, Limit limit) {
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

void Server::Impl::noteCookie(const http::Request& req, bool accepted) {
    if (!accepted && !sessionToken(req).empty()) {
        recordFailure(req, FailureLimiter::Clock::now());
    }
}

std::optional<Store::SignedIn> Server::Impl::sessionCaller(const http::Request& req) {
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

bool Server::Impl::sameOrigin(const http::Request& req) {
    const std::string origin = req.get_header_value("Origin");
    return origin.empty() || origin == "https://" + req.get_header_value("Host");
}

bool Server::Impl::csrfMatches(const http::Request& req, const Store::SignedIn& session) {
    const std::string sent = req.get_form_value("csrf");
    return sent.size() == session.csrf.size() &&
           CRYPTO_memcmp(sent.data(), session.csrf.data(), sent.size()) == 0;
}

void Server::Impl::refusePage(http::Response& res, const std::string& why) {
    res.status = 403;
    res.set_content(html::pageStart("carekiosk: refused") + "<h1>Refused</h1><p>" +
                        html::escape(why) +
                        "</p><p><a href=\"/\">Back to the dashboard</a></p></body></html>\n",
                    "text/html; charset=utf-8");
}

bool Server::Impl::admit(const http::Request& req, http::Response& res) {
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

bool Server::Impl::authenticate(http::Request& req, http::Response& res) {
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

Result<Store::Caller> Server::Impl::admittedCaller(const http::Request& req) {
    if (const auto* admitted = std::any_cast<Store::Caller>(&req.admitted)) {
        return *admitted;
    }
    return store.identify(bearerToken(req));
}

bool Server::Impl::beforeUnpack(const http::Request& req, http::Response& res) {
    auto caller = admittedCaller(req);
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

const char* Server::Impl::describe(Need need) {
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

bool Server::Impl::allows(Need need, const Store::Caller& caller) {
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

std::optional<Store::Caller> Server::Impl::authorize(const http::Request& req, Need need,
                                                     http::Response& res) {
    return authorizeCaller(store.identify(bearerToken(req)), need, res);
}

std::optional<Store::Caller> Server::Impl::authorizeCaller(Result<Store::Caller> caller, Need need,
                                                           http::Response& res) {
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
        sendError(
            res,
            makeError(ErrorCode::Rejected, std::string("this endpoint needs a ") + describe(need) +
                                               " token; " + holder + " token may not use it"),
            403);
    }
    return std::nullopt;
}

std::optional<Error> Server::Impl::siteNotCovered(const Store::Caller& caller,
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

bool Server::Impl::mayRead(const Store::Caller& caller, const std::string& siteId,
                           http::Response& res) {
    if (auto refused = siteNotCovered(caller, siteId)) {
        sendError(res, *refused, 403);
        return false;
    }
    return true;
}

std::optional<Device> Server::Impl::kioskFor(const http::Request& req, http::Response& res) {
    auto caller = authorize(req, Need::Kiosk, res);
    return caller ? caller->device : std::nullopt;
}

std::optional<Device> Server::Impl::batchKiosk(const http::Request& req, http::Response& res) {
    auto caller = authorizeCaller(admittedCaller(req), Need::Kiosk, res);
    return caller ? caller->device : std::nullopt;
}

bool Server::Impl::coordinatorFor(const http::Request& req, http::Response& res) {
    if (!authorize(req, Need::Coordinator, res)) {
        return false;
    }
    if (auto purged = store.purgeHandledBuddyRequests(options.buddyRetentionDays); !purged) {
        sendError(res, purged.error());
        return false;
    }
    return true;
}

Result<std::vector<FleetKiosk>> Server::Impl::currentFleet() {
    CAREKIOSK_TRY_LET(rows, store.fleetRows());
    return assessFleet(rows.value(), store.clock().now(), options.fleetRules);
}

std::int64_t Server::Impl::today() const {
    return std::chrono::floor<std::chrono::days>(store.clock().now()).time_since_epoch().count();
}

}  // namespace carekiosk::collector
