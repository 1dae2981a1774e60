#pragma once
// The HTTP seam. Everything that talks to the collector (the upload worker, the
// provisioning CLI, the report CLI) goes through HttpSender, so tests can inject
// a fake and the one libcurl implementation lives in curl_sender.cpp.

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "carekiosk/core/config.hpp"
#include "carekiosk/core/result.hpp"

namespace carekiosk::upload {

using core::Result;

struct HttpRequest {
    std::string method = "GET";  // GET or POST
    std::string url;             // absolute https:// URL
    std::string bearerToken;     // sent as "Authorization: Bearer ..." when not empty
    std::string contentType = "application/json";
    std::string contentEncoding;  // e.g. "gzip" when `body` is compressed
    std::string body;
    std::string ifNoneMatch;  // sent as If-None-Match when not empty (ETag caching)
};

struct HttpResponse {
    long status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // lowercase names
};

class HttpSender {
  public:
    virtual ~HttpSender() = default;
    // Sends one request and returns whatever HTTP status came back. Errors are
    // only transport failures: ErrorCode::Network (DNS, refused, timeout, reset)
    // or ErrorCode::Tls (certificate not signed by the CA, wrong host name, pin
    // mismatch). Not thread-safe: one sender per thread.
    virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
    // While set, send() fails at once with ErrorCode::Network ("cancelled"),
    // and a send() in progress on another thread gives up within about a
    // second (libcurl checks between reads, and about once a second when
    // nothing arrives), sending nothing more. So a thread blocked on a hung
    // collector can be stopped. Any thread. The default ignores it (fakes
    // that never block).
    virtual void setCancelled(bool cancelled) { (void)cancelled; }
};

struct TlsOptions {
    std::string caFile;           // PEM bundle; the only trust anchors used
    std::string pinnedPublicKey;  // optional "sha256//..." SPKI pin
    std::chrono::seconds connectTimeout{10};
    std::chrono::seconds requestTimeout{60};
};

// The TLS settings a kiosk config gives: its CA file and optional pin.
TlsOptions tlsOptionsFor(const core::KioskConfig& config);

// libcurl sender with peer and host verification always on. It keeps one
// connection alive across calls. Refuses any URL that is not https://.
std::unique_ptr<HttpSender> makeCurlSender(const TlsOptions& options);

}  // namespace carekiosk::upload
