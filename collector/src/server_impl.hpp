#pragma once
// The collector server's inside, shared by its files (server*.cpp): the
// state behind Server, the checks every route makes (who calls, how often
// they failed), and the helpers that answer. Not part of any interface.

#include <openssl/crypto.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "carekiosk/collector/failure_limiter.hpp"
#include "carekiosk/collector/fleet.hpp"
#include "carekiosk/collector/server.hpp"
#include "carekiosk/collector/store.hpp"
#include "carekiosk/core/wire.hpp"
#include "http_server.hpp"

namespace carekiosk::collector {

using core::Error;
using core::ErrorCode;
using core::makeError;

// Bodies as sent (before any gzip is unpacked; unpacked, batches are capped
// at kMaxBodyBytes too). An enrolment, a sign-in or a message is a few hundred bytes.
inline constexpr std::size_t kMaxBodyBytes = 4 * 1024 * 1024;
inline constexpr std::size_t kMaxSmallBodyBytes = 64 * 1024;
inline constexpr std::size_t kMaxListBodyBytes = 1024 * 1024;
static_assert(core::kMaxBatchBodyBytes <= kMaxBodyBytes,
              "the longest batch a kiosk may send must fit the collector's body cap");
// Routes whose bearer token is checked before their body is read.
inline constexpr bool kTokenFirst = true;
// Connections the kernel holds for accept(); it caps this at net.core.somaxconn.
inline constexpr int kListenBacklog = 1024;
inline constexpr const char* kSessionCookie = "carekiosk_session";
// A dashboard session's life; the cookie's Max-Age says the same.
inline constexpr std::chrono::seconds kSessionLifetime{12 * 3600};

// The HTTP status for an error's code (400, 401, 403, 404, else 500).
int httpStatusFor(const Error& error);
// Answers with `error` as a JSON error body, with `status` or the code's. A
// 5xx is logged to stderr and answered without its details.
void sendError(http::Response& res, const Error& error, int status = 0);
// A batch refused row by row (422): every row it can never take, so that the
// kiosk sets those aside and sends the rest again. Nothing of it was stored.
void sendRefusal(http::Response& res, const std::vector<RowRefusal>& refused);
// The bearer token, or empty.
std::string bearerToken(const http::Request& req);
// The session cookie's value, or empty.
std::string sessionToken(const http::Request& req);
// The sign-in page, with `message` (escaped) above the form if not empty.
std::string signInPage(const std::string& message);
// 401: the endpoint needs a valid token of `kind` ("kiosk", "manager", ...).
Error missingToken(const char* kind);

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
    std::string clientAddress(const http::Request& req) const;

    // The credential a request presents: its bearer token, else its session
    // cookie, else a sign-in form's token; empty if none.
    static std::string presented(const http::Request& req);

    // Failures are counted twice: against the client's address and against
    // the credential presented (by its hash; neither is stored or logged). A
    // credential that keeps failing is refused wherever it comes from; an
    // address that keeps failing is refused only for requests without a valid
    // credential, so that one misconfigured kiosk, a guesser or a health check
    // behind an office's shared address never locks out the kiosks and
    // managers with good tokens there. (A token is 32 random bytes: a blocked
    // guesser that tries one more learns nothing it could use.)
    long long refusedFor(const http::Request& req, bool credentialBypasses,
                         FailureLimiter::Clock::time_point now);

    void recordFailure(const http::Request& req, FailureLimiter::Clock::time_point now);

    static void sendTooMany(http::Response& res, long long wait);

    // How a route's failures are limited. Enrolment codes are what a guesser
    // guesses, so a blocked address may not enrol even with a valid one.
    enum class Limit { CredentialBypasses, AddressOnly };

    // Wraps a handler so that a credential or address that keeps failing
    // authentication (401) is refused with 429 for a while (see refusedFor).
    http::Handler guarded(http::Handler handler, Limit limit = Limit::CredentialBypasses);

    // A page's session cookie that names no live session counts as a failed
    // attempt, as a wrong token does: cookies cannot be guessed unthrottled.
    void noteCookie(const http::Request& req, bool accepted);

    // The caller behind a page's session cookie, if the session is live and
    // its token still valid (a revoked token ends its sessions), with the
    // session's CSRF token. A cookie that names nothing counts as a failure
    // (noteCookie).
    std::optional<Store::SignedIn> sessionCaller(const http::Request& req);

    // A browser's form post is taken only from our own pages: an Origin, when
    // the browser sends one (they all do on POST), must be this collector's.
    static bool sameOrigin(const http::Request& req);

    // The form's CSRF token matches its session's (in constant time).
    static bool csrfMatches(const http::Request& req, const Store::SignedIn& session);

    static void refusePage(http::Response& res, const std::string& why);

    // Before any body is read (an I/O thread): only the limiter's memory, so
    // that a blocked client costs no database work and no body. A blocked
    // address with a credential goes on to the handler's full check.
    bool admit(const http::Request& req, http::Response& res);

    // The bearer token of a route that takes one, checked before its body is
    // read (a worker): strangers cannot make the collector buffer bodies. The
    // caller found is kept in req.admitted (a Store::Caller) for beforeUnpack
    // and for batches (batchKiosk); other handlers look the token up again.
    bool authenticate(http::Request& req, http::Response& res);

    // The caller authenticate admitted, else a fresh lookup.
    Result<Store::Caller> admittedCaller(const http::Request& req);

    // A compressed body is unpacked only for a valid kiosk or API token: a
    // bomb sent without one costs its bytes on the wire and nothing more.
    bool beforeUnpack(const http::Request& req, http::Response& res);

    // Who may call an endpoint.
    enum class Need { Kiosk, Manager, Coordinator, FleetViewer };

    static const char* describe(Need need);

    static bool allows(Need need, const Store::Caller& caller);

    // The caller behind the request's token when it may use an endpoint that
    // needs `need`; otherwise answers 401 (no token, or one this collector does
    // not know or has revoked), 403 (a valid token of another role) or 500,
    // and returns nullopt.
    std::optional<Store::Caller> authorize(const http::Request& req, Need need,
                                           http::Response& res);
    // authorize() for a caller already found (or the error of finding it).
    std::optional<Store::Caller> authorizeCaller(Result<Store::Caller> caller, Need need,
                                                 http::Response& res);

    // Why the caller may not read or post for `siteId` (a manager token
    // limited to other sites), naming the sites it covers; nullopt if it may.
    static std::optional<Error> siteNotCovered(const Store::Caller& caller,
                                               const std::string& siteId);

    // Answers 403 when siteNotCovered; returns whether the caller may go on.
    static bool mayRead(const Store::Caller& caller, const std::string& siteId,
                        http::Response& res);

    std::optional<Device> kioskFor(const http::Request& req, http::Response& res);
    // kioskFor() for POST /v1/batches, whose token was checked before its
    // body was read: that check is reused (one lookup per batch), because
    // Store::storeBatch checks again, in the transaction that stores the
    // rows, that the kiosk is not revoked, so an upload still arriving when
    // its kiosk is revoked stores nothing.
    std::optional<Device> batchKiosk(const http::Request& req, http::Response& res);

    // A coordinator's request; every one first deletes requests handled longer
    // ago than the retention period.
    bool coordinatorFor(const http::Request& req, http::Response& res);

    Result<std::vector<FleetKiosk>> currentFleet();

    // Today by the store's clock, in days since 1970-01-01 (UTC).
    std::int64_t today() const;

    // The routes, by who calls them (server_kiosk_routes.cpp,
    // server_api_routes.cpp, server_web_routes.cpp), and the transport's hooks.
    void kioskRoutes();
    void apiRoutes();
    void webRoutes();
    void transportHooks();
};

}  // namespace carekiosk::collector
