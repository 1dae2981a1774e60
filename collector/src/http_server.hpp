#pragma once
// The collector's HTTPS transport: GNU libmicrohttpd under the routes of
// server.cpp. Infrastructure, not model: it knows requests and responses, not
// kiosks or summaries.
//
// Why libmicrohttpd: every connection is a few kilobytes in an epoll set, not
// a thread, and TLS handshakes are non-blocking in the same loop, so idle,
// slow or half-open clients (1,000 of them in tests/hostile_load_tests.cpp)
// cost memory, never the service of others. A request is handed to the
// worker pool only once its headers and body are complete; the handlers
// (which wait on the database) run there while the connection is suspended.
//
// Before a body is read, `admit` sees the headers and may answer at once (a
// blocked address), and a declared Content-Length above the route's cap is
// answered 413 without reading it. A compressed body is unpacked only after
// `beforeUnpack` accepts it (a valid token), and never beyond maxDecodedBytes
// (the size is checked as it is inflated, not after).

#include <any>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "carekiosk/core/result.hpp"

namespace carekiosk::collector::http {

using core::Result;
using core::Status;

struct CaseLess {
    bool operator()(const std::string& a, const std::string& b) const;
};

struct Request {
    std::string method;  // "GET", "POST" (a HEAD is served as its GET)
    std::string path;    // without the query
    std::string body;    // unpacked if it was sent compressed
    std::string remote_addr;
    std::multimap<std::string, std::string, CaseLess> headers;
    // The query's fields, then (for an application/x-www-form-urlencoded
    // body) the form's, percent-decoded.
    std::multimap<std::string, std::string> params;
    // The form's fields alone: secrets (a sign-in token, a CSRF token) are
    // read only from a POSTed body, never from a URL that proxies and
    // browser histories keep.
    std::multimap<std::string, std::string> form;
    // Whatever Config::authenticate found out about the caller (the routes'
    // own type), so the handler need not look the credential up again; empty
    // on routes without authenticateFirst, or when it stored nothing.
    std::any admitted;

    // The first value, or "".
    std::string get_header_value(const std::string& name) const;
    std::string get_param_value(const std::string& name) const;
    std::string get_form_value(const std::string& name) const;
    bool has_param(const std::string& name) const;
};

struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    // Replaces any header of the same name.
    void set_header(const std::string& name, const std::string& value);
    void set_content(std::string content, const std::string& contentType);
    bool has_header(const std::string& name) const;
};

// Runs on a worker thread, several at once: must be thread-safe.
using Handler = std::function<void(const Request&, Response&)>;
// Runs on an I/O thread with the headers only (body empty). Returns false to
// answer with `res` at once, without reading or unpacking the body.
using Admit = std::function<bool(const Request&, Response&)>;
// Like Admit, on a worker, and may record the caller in req.admitted.
using Authenticate = std::function<bool(Request&, Response&)>;

struct Config {
    std::string certPem;  // the certificate chain, PEM
    std::string keyPem;   // its private key, PEM
    int listenFd = -1;    // bound and listening; the server closes it in stop()
    unsigned ioThreads = 2;
    unsigned workerThreads = 32;
    unsigned idleTimeoutSeconds = 20;  // a connection silent this long is closed
    unsigned connectionLimit = 4000;   // beyond this, new connections are refused
    std::size_t maxDecodedBytes = 4 * 1024 * 1024;
    Admit admit;  // optional; on an I/O thread, so cheap (no database)
    // Optional; on a worker, for a compressed body before it is unpacked
    // (req.body still packed): false answers with `res` and unpacks nothing.
    Admit beforeUnpack;
    // Optional; on a worker, headers only, for routes added with
    // authenticateFirst: false answers with `res` and reads no body.
    Authenticate authenticate;
    Handler notFound;     // no route for the method and path
    Handler beforeSend;   // optional; every response passes through it (a Date)
    Handler onException;  // a handler threw
};

class Server {
  public:
    Server();
    ~Server();  // stops
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Routes must be added before start(). maxBodyBytes caps the body as sent.
    // authenticateFirst: Config::authenticate must accept the headers before
    // any of the body is read.
    void Get(const std::string& path, Handler handler);
    void Post(const std::string& path, std::size_t maxBodyBytes, Handler handler,
              bool authenticateFirst = false);

    // Starts the I/O and worker threads on config.listenFd. Errors: the TLS
    // library refused the certificate, key or settings, or threads could not start.
    Status start(Config config);
    // Stops accepting, lets the requests being handled finish, closes every
    // connection and joins every thread. Idempotent; any thread but a worker.
    void stop();
    bool running() const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace carekiosk::collector::http
