#pragma once
// The collector's HTTPS API (HTTPS only; there is no plain-HTTP listener).
//
//   POST /v1/enroll   {code}            -> device id, device token, site config
//   POST /v1/batches  kiosk token       -> {batch_id, stored, duplicate}
//   GET  /v1/ping     kiosk token       -> {device_id, site_id} (token check)
//   GET  /v1/summary?site=&from=&to=    manager token -> per-day figures, with the
//                                        smallest-group rule of anonymity.hpp applied
//   POST /v1/heartbeat kiosk token      -> kiosk health for the fleet view
//   GET  /v1/config    kiosk token      -> the site's config; ETag/If-None-Match (304)
//   POST /v1/unenroll  kiosk token      -> revokes the kiosk's own token
//   GET  /v1/fleet     facilities or admin token -> one row per kiosk with flags
//   POST /v1/messages  manager token {site, text, from, to} -> 201 {id}: a "you
//        said, we did" message the site's kiosks fetch with their config
//   POST /v1/buddy-requests kiosk token -> sealed buddy requests; answers their ids
//   GET  /v1/buddy-requests[?site=] coordinator token -> those not yet handled
//   POST /v1/buddy-requests/handled coordinator token {ids} -> marked handled;
//        handled ones are deleted after buddyRetentionDays
//   GET  /signin, POST /signin (form: token) -> sets an HttpOnly session cookie
//        and sends a manager to the dashboard, facilities or admin to the fleet
//   GET  /fleet        session cookie (facilities or admin) -> the fleet page
//   GET  /?site=&from=&to= session cookie (manager) -> the dashboard (SVG charts)
//   GET  /signout      clears the session cookie
//
// Errors are JSON bodies {"error", "code", "field"}; a missing, unknown or
// revoked token is 401, a valid token of the wrong role 403. The server logs no client address and
// no time per batch.
//
// Thread contract: bind() then run() on one thread (run() blocks); stop() from
// any other thread makes run() return.

#include <memory>
#include <string>
#include <vector>

#include "carekiosk/collector/fleet.hpp"
#include "carekiosk/collector/store.hpp"
#include "carekiosk/core/result.hpp"

namespace carekiosk::collector {

struct ServerOptions {
    std::string certFile;  // PEM certificate chain
    std::string keyFile;   // PEM private key
    std::string host = "127.0.0.1";
    int port = 8443;   // 0 picks a free port; see bind()
    int minGroup = 5;  // smallest group any summary shows (see anonymity.hpp); at least 3
    FleetRules fleetRules;
    int buddyRetentionDays = 30;  // handled buddy requests are deleted after this
    // A connection that sends nothing for this long is closed. Idle and slow
    // connections hold no thread (see http_server.hpp); this bounds their memory.
    int readTimeoutSeconds = 20;
    // Requests handled at once (each waits on the database); more queue.
    int workerThreads = 32;
    // Addresses of TLS-terminating proxies in front of the collector (opt-in):
    // from these peers the client's address is read from X-Forwarded-For, for
    // the failure limiter. Empty: the header is ignored.
    std::vector<std::string> trustedProxies;
};

class Server {
  public:
    // `store` must outlive the Server.
    static Result<std::unique_ptr<Server>> create(Store& store, const ServerOptions& options);
    ~Server();

    // Binds the listening socket; returns the port actually bound.
    Result<int> bind();
    // Serves until stop(). Returns an error if the listener failed.
    Status run();
    // Makes run() return. Only effective once running() is true.
    void stop();
    // True while run() is accepting connections (any thread).
    bool running() const;

  private:
    struct Impl;
    explicit Server(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace carekiosk::collector
