// The server's life: create (checks its options, certificate and key), bind,
// run until stopped. Its routes are in server_*_routes.cpp, the checks they
// make in server_access.cpp.
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
#include "carekiosk/core/clock_check.hpp"
#include "carekiosk/core/wire.hpp"
#include "server_impl.hpp"

namespace carekiosk::collector {

void Server::Impl::transportHooks() {
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
        res.set_content(core::encodeErrorBody(makeError(ErrorCode::Rejected, "no such endpoint")),
                        "application/json");
    };
    webConfig.onException = [](const http::Request&, http::Response& res) {
        sendError(res, makeError(ErrorCode::Internal, "unexpected error"), 500);
    };
}

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
    impl->kioskRoutes();
    impl->apiRoutes();
    impl->webRoutes();
    impl->transportHooks();
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
        CAREKIOSK_TRY(bind());
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
        CAREKIOSK_TRY(impl_->web.start(impl_->webConfig));
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
