#include "http_server.hpp"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "carekiosk/core/wire.hpp"

namespace carekiosk::collector::http {

using core::ErrorCode;
using core::makeError;

namespace {

// TLS 1.2 and 1.3 with AEAD ciphers and forward-secret key exchange only: no
// CBC with its padding oracles, no static RSA key exchange. Old clients that
// cannot do this fail the handshake; every libcurl and browser of the last
// decade can.
constexpr const char* kTlsPriorities =
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:"
    "+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA:%SERVER_PRECEDENCE";

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// application/x-www-form-urlencoded decoding ('+' is a space).
std::string formDecode(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '+') {
            out += ' ';
        } else if (in[i] == '%' && i + 2 < in.size() && hexValue(in[i + 1]) >= 0 &&
                   hexValue(in[i + 2]) >= 0) {
            out += static_cast<char>(hexValue(in[i + 1]) * 16 + hexValue(in[i + 2]));
            i += 2;
        } else {
            out += in[i];
        }
    }
    return out;
}

void addFormFields(std::string_view body, std::multimap<std::string, std::string>& params) {
    std::size_t pos = 0;
    while (pos <= body.size()) {
        const auto end = std::min(body.find('&', pos), body.size());
        const auto item = body.substr(pos, end - pos);
        if (!item.empty()) {
            const auto eq = item.find('=');
            params.emplace(formDecode(item.substr(0, eq)),
                           eq == std::string_view::npos ? "" : formDecode(item.substr(eq + 1)));
        }
        pos = end + 1;
    }
}

// Inflates a gzip or zlib body, refusing as soon as the output would pass
// `cap`: a 500 KB bomb that unpacks to 512 MiB costs at most cap + 64 KiB.
Result<std::string> inflateCapped(const std::string& in, std::size_t cap) {
    z_stream zs{};
    // 15 + 32: a gzip or a zlib header, detected.
    if (inflateInit2(&zs, 15 + 32) != Z_OK) {
        return makeError(ErrorCode::Internal, "zlib could not start");
    }
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    std::string out;
    char buffer[64 * 1024];
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        zs.next_out = reinterpret_cast<Bytef*>(buffer);
        zs.avail_out = sizeof buffer;
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            inflateEnd(&zs);
            return makeError(ErrorCode::InvalidInput,
                             "the request body is not complete gzip or deflate data; send it "
                             "whole, or without Content-Encoding",
                             "Content-Encoding");
        }
        const std::size_t produced = sizeof buffer - zs.avail_out;
        if (out.size() + produced > cap) {
            inflateEnd(&zs);
            return makeError(ErrorCode::Rejected,
                             "the request body unpacks to more than " +
                                 std::to_string(cap / (1024 * 1024)) + " MiB; send smaller batches",
                             "Content-Encoding");
        }
        out.append(buffer, produced);
    }
    inflateEnd(&zs);
    return out;
}

std::string errorBody(const std::string& message, const std::string& field = "") {
    return core::encodeErrorBody(makeError(ErrorCode::Rejected, message, field));
}

// Runs jobs on a fixed set of threads; push() refuses once stopping. A job
// is told whether it was cancelled: once stop() begins, jobs still queued run
// with `cancelled` true, so that they answer 503 and resume their connection
// at once instead of doing their work (stop() is bounded by the jobs already
// running, each a database call or two).
class WorkerPool {
  public:
    using Job = std::function<void(bool cancelled)>;
    void start(unsigned count) {
        for (unsigned i = 0; i < count; ++i) {
            threads_.emplace_back([this] { work(); });
        }
    }
    bool push(Job job) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) {
                return false;
            }
            jobs_.push_back(std::move(job));
        }
        wake_.notify_one();
        return true;
    }
    void stop() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        for (auto& t : threads_) {
            t.join();
        }
        threads_.clear();
    }

  private:
    void work() {
        for (;;) {
            Job job;
            bool cancelled = false;
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
                if (jobs_.empty()) {
                    return;
                }
                job = std::move(jobs_.front());
                jobs_.pop_front();
                cancelled = stopping_;
            }
            job(cancelled);
        }
    }
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> jobs_;
    std::vector<std::thread> threads_;
    bool stopping_ = false;
};

struct Route {
    Handler handler;
    std::size_t maxBodyBytes = 0;
    bool authenticateFirst = false;  // Config::authenticate before the body is read
};

// One request on one connection, from its headers to its answer.
struct Exchange {
    enum class State { Admitting, Receiving, Working, Ready };
    Request req;
    Response res;
    const Route* route = nullptr;
    // Too large, but read and dropped so that the client hears why (see onHeaders).
    bool discarding = false;
    bool refusedEarly = false;            // res is the answer: the body is read and dropped
    std::optional<std::size_t> declared;  // Content-Length, if sent
    std::size_t received = 0;             // body bytes read so far, kept or dropped
    bool answered = false;                // a response is queued
    std::size_t bufferedBytes = 0;        // counted in Impl::buffered
    std::atomic<State> state{State::Receiving};
};

MHD_Result collect(void* cls, MHD_ValueKind, const char* key, const char* value) {
    auto* into = static_cast<std::multimap<std::string, std::string, CaseLess>*>(cls);
    into->emplace(key ? key : "", value ? value : "");
    return MHD_YES;
}

MHD_Result collectParam(void* cls, MHD_ValueKind, const char* key, const char* value) {
    auto* into = static_cast<std::multimap<std::string, std::string>*>(cls);
    into->emplace(key ? key : "", value ? value : "");
    return MHD_YES;
}

std::string clientAddress(MHD_Connection* connection) {
    const auto* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr) {
        return {};
    }
    char text[INET6_ADDRSTRLEN] = {};
    const sockaddr* address = info->client_addr;
    if (address->sa_family == AF_INET) {
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text,
                    sizeof text);
    } else if (address->sa_family == AF_INET6) {
        ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text,
                    sizeof text);
    }
    return text;
}

}  // namespace

bool CaseLess::operator()(const std::string& a, const std::string& b) const {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [](unsigned char x, unsigned char y) { return std::tolower(x) < std::tolower(y); });
}

std::string Request::get_header_value(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

std::string Request::get_param_value(const std::string& name) const {
    const auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
}

std::string Request::get_form_value(const std::string& name) const {
    const auto it = form.find(name);
    return it == form.end() ? std::string() : it->second;
}

bool Request::has_param(const std::string& name) const {
    return params.count(name) > 0;
}

void Response::set_header(const std::string& name, const std::string& value) {
    const CaseLess less;
    headers.erase(
        std::remove_if(headers.begin(), headers.end(),
                       [&](const auto& h) { return !less(h.first, name) && !less(name, h.first); }),
        headers.end());
    headers.emplace_back(name, value);
}

bool Response::has_header(const std::string& name) const {
    const CaseLess less;
    return std::any_of(headers.begin(), headers.end(),
                       [&](const auto& h) { return !less(h.first, name) && !less(name, h.first); });
}

void Response::set_content(std::string content, const std::string& contentType) {
    body = std::move(content);
    set_header("Content-Type", contentType);
}

struct Server::Impl {
    std::map<std::string, Route> routes;  // "METHOD path"
    Config config;
    MHD_Daemon* daemon = nullptr;
    WorkerPool workers;
    std::atomic<bool> live{false};
    std::mutex stopping;
    // Body bytes held by all connections at once: past kMaxBufferedBytes a
    // new chunk closes its connection (the sender retries later), so that
    // many senders of big bodies cannot exhaust memory together.
    std::atomic<std::size_t> buffered{0};
    static constexpr std::size_t kMaxBufferedBytes = 256u * 1024 * 1024;

    // Sends ex.res now. Only from the access handler.
    MHD_Result answer(MHD_Connection* connection, Exchange& ex) {
        ex.answered = true;
        if (config.beforeSend) {
            config.beforeSend(ex.req, ex.res);
        }
        MHD_Response* response = MHD_create_response_from_buffer(
            ex.res.body.size(), const_cast<char*>(ex.res.body.data()), MHD_RESPMEM_MUST_COPY);
        if (!response) {
            return MHD_NO;
        }
        for (const auto& [name, value] : ex.res.headers) {
            MHD_add_response_header(response, name.c_str(), value.c_str());
        }
        const MHD_Result queued =
            MHD_queue_response(connection, static_cast<unsigned>(ex.res.status), response);
        MHD_destroy_response(response);
        return queued;
    }

    void refuse(Exchange& ex, int status, const std::string& message,
                const std::string& field = "") {
        ex.res.status = status;
        ex.res.set_content(errorBody(message, field), "application/json");
    }

    // The headers are in: find the route and decide whether to read the body.
    // Returns true when ex.res is to be sent at once.
    bool onHeaders(MHD_Connection* connection, Exchange& ex, const char* url, const char* method) {
        ex.req.method = method;
        if (ex.req.method == "HEAD") {
            ex.req.method = "GET";
        }
        ex.req.path = url;
        ex.req.remote_addr = clientAddress(connection);
        MHD_get_connection_values(connection, MHD_HEADER_KIND, collect, &ex.req.headers);
        MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, collectParam, &ex.req.params);
        const auto route = routes.find(ex.req.method + " " + ex.req.path);
        if (route == routes.end()) {
            ex.res.status = 404;
            config.notFound(ex.req, ex.res);
            return true;
        }
        ex.route = &route->second;
        // Two lengths, or a length and chunking, can be read two ways: a
        // proxy in front that reads the other would see a second request
        // (smuggling) where we see a body. Refused, as RFC 9112 allows.
        const bool chunked = ex.req.headers.count("Transfer-Encoding") > 0;
        if (ex.req.headers.count("Content-Length") > 1 ||
            (chunked && ex.req.headers.count("Content-Length") > 0)) {
            refuse(ex, 400,
                   "send one Content-Length, or Transfer-Encoding without a Content-Length",
                   "Content-Length");
            ex.res.set_header("Connection", "close");  // the rest cannot be framed
            return true;
        }
        const std::string length = ex.req.get_header_value("Content-Length");
        if (!length.empty()) {
            char* end = nullptr;
            const unsigned long long declared = std::strtoull(length.c_str(), &end, 10);
            ex.declared = static_cast<std::size_t>(declared);
            if (declared > ex.route->maxBodyBytes) {
                refuse(ex, 413,
                       "request body too large: this endpoint takes at most " +
                           std::to_string(ex.route->maxBodyBytes) + " bytes",
                       "Content-Length");
                // A client that is already sending (no Expect: 100-continue)
                // would see a reset if we answered and closed now: a body up
                // to twice the cap is read and dropped, so it gets the 413.
                // Anything bigger is answered at once; its sender may see a reset.
                const bool expects = !ex.req.get_header_value("Expect").empty();
                if (!expects && declared <= 2 * ex.route->maxBodyBytes + 64 * 1024) {
                    ex.discarding = true;
                    return false;
                }
                return true;
            }
        }
        if (ex.route->authenticateFirst && !ex.declared &&
            !ex.req.get_header_value("Transfer-Encoding").empty()) {
            refuse(ex, 411, "send this endpoint's body with a Content-Length", "Content-Length");
            return true;
        }
        return config.admit && !config.admit(ex.req, ex.res);
    }

    // The whole body is in (on a worker): unpack and parse it. Returns true
    // when ex.res is an error to send instead of calling the handler.
    bool onBody(Exchange& ex) {
        const std::string encoding = lower(ex.req.get_header_value("Content-Encoding"));
        const bool packed = !encoding.empty() && encoding != "identity";
        if (packed && config.beforeUnpack && !config.beforeUnpack(ex.req, ex.res)) {
            return true;
        }
        if (encoding == "gzip" || encoding == "deflate") {
            auto unpacked = inflateCapped(ex.req.body, config.maxDecodedBytes);
            if (!unpacked) {
                ex.res.status = unpacked.error().code == ErrorCode::Rejected ? 413 : 400;
                ex.res.set_content(core::encodeErrorBody(unpacked.error()), "application/json");
                return true;
            }
            ex.req.body = std::move(unpacked.value());
        } else if (!encoding.empty() && encoding != "identity") {
            refuse(ex, 415, "Content-Encoding " + encoding + " is not supported; use gzip",
                   "Content-Encoding");
            return true;
        }
        if (lower(ex.req.get_header_value("Content-Type"))
                .rfind("application/x-www-form-urlencoded", 0) == 0) {
            addFormFields(ex.req.body, ex.req.params);
            addFormFields(ex.req.body, ex.req.form);
        }
        return false;
    }

    void handle(Exchange& ex) {
        try {
            ex.route->handler(ex.req, ex.res);
        } catch (...) {
            ex.res = Response{};
            ex.res.status = 500;
            config.onException(ex.req, ex.res);
        }
    }

    static MHD_Result onRequest(void* cls, MHD_Connection* connection, const char* url,
                                const char* method, const char*, const char* upload,
                                std::size_t* uploadSize, void** context) {
        auto* self = static_cast<Impl*>(cls);
        auto* ex = static_cast<Exchange*>(*context);
        if (!ex) {
            ex = new Exchange;
            *context = ex;
            if (self->onHeaders(connection, *ex, url, method)) {
                return self->answer(connection, *ex);
            }
            if (ex->route->authenticateFirst && self->config.authenticate && hasBody(ex->req)) {
                // The credential is checked (on a worker: it reads the
                // database) before a byte of the body is read or buffered.
                ex->state = Exchange::State::Admitting;
                MHD_suspend_connection(connection);
                const auto admitted = [self, ex, connection](bool cancelled) {
                    if (cancelled) {
                        self->refuse(*ex, 503, "the collector is stopping; try again shortly");
                        ex->refusedEarly = true;
                    } else if (!self->config.authenticate(ex->req, ex->res)) {
                        ex->refusedEarly = true;
                    }
                    ex->state = Exchange::State::Receiving;
                    MHD_resume_connection(connection);
                };
                if (!self->workers.push(admitted)) {
                    admitted(true);
                }
            }
            return MHD_YES;
        }
        if (ex->answered) {
            *uploadSize = 0;
            return MHD_YES;
        }
        switch (ex->state.load()) {
            case Exchange::State::Admitting:
                return MHD_YES;
            case Exchange::State::Receiving:
                // A refused request's body is read and dropped, so that its
                // sender (already sending: kiosks send no Expect) hears the
                // answer instead of a reset; it is at most twice the cap.
                if (ex->discarding || ex->refusedEarly) {
                    ex->received += *uploadSize;
                    if (*uploadSize > 0 || (ex->declared && ex->received < *ex->declared)) {
                        *uploadSize = 0;
                        return MHD_YES;
                    }
                    return self->answer(connection, *ex);
                }
                // A call without data before the declared body is in (one
                // comes after the credential check resumes the connection).
                if (*uploadSize == 0 && ex->declared && ex->received < *ex->declared) {
                    return MHD_YES;
                }
                if (*uploadSize > 0) {
                    ex->received += *uploadSize;
                    // A chunked body has no declared length; past the cap the
                    // connection is closed rather than read on.
                    if (ex->req.body.size() + *uploadSize > ex->route->maxBodyBytes) {
                        return MHD_NO;
                    }
                    if (self->buffered.fetch_add(*uploadSize) + *uploadSize > kMaxBufferedBytes) {
                        self->buffered -= *uploadSize;
                        return MHD_NO;
                    }
                    ex->bufferedBytes += *uploadSize;
                    ex->req.body.append(upload, *uploadSize);
                    *uploadSize = 0;
                    return MHD_YES;
                }
                // Unpacking and the handler run on a worker: neither the
                // credential check before unpacking nor inflating holds up
                // the I/O thread's other connections.
                ex->state = Exchange::State::Working;
                MHD_suspend_connection(connection);
                if (!self->workers.push([self, ex, connection](bool cancelled) {
                        if (cancelled) {
                            self->refuse(*ex, 503, "the collector is stopping; try again shortly");
                        } else if (!self->onBody(*ex)) {
                            self->handle(*ex);
                        }
                        ex->state = Exchange::State::Ready;
                        MHD_resume_connection(connection);
                    })) {
                    self->refuse(*ex, 503, "the collector is stopping; try again shortly");
                    ex->state = Exchange::State::Ready;
                    MHD_resume_connection(connection);
                }
                return MHD_YES;
            case Exchange::State::Working:
                return MHD_YES;
            case Exchange::State::Ready:
                return self->answer(connection, *ex);
        }
        return MHD_NO;
    }

    static void onCompleted(void* cls, MHD_Connection*, void** context,
                            MHD_RequestTerminationCode) {
        auto* ex = static_cast<Exchange*>(*context);
        if (ex) {
            static_cast<Impl*>(cls)->buffered -= ex->bufferedBytes;
        }
        delete ex;
        *context = nullptr;
    }

    static bool hasBody(const Request& req) {
        const std::string length = req.get_header_value("Content-Length");
        return (!length.empty() && length != "0") ||
               !req.get_header_value("Transfer-Encoding").empty();
    }
};

Server::Server() : impl_(std::make_unique<Impl>()) {}

Server::~Server() {
    stop();
}

void Server::Get(const std::string& path, Handler handler) {
    impl_->routes["GET " + path] = Route{std::move(handler), 64 * 1024};
}

void Server::Post(const std::string& path, std::size_t maxBodyBytes, Handler handler,
                  bool authenticateFirst) {
    impl_->routes["POST " + path] = Route{std::move(handler), maxBodyBytes, authenticateFirst};
}

Status Server::start(Config config) {
    impl_->config = std::move(config);
    auto& c = impl_->config;
    impl_->workers.start(c.workerThreads);
    impl_->daemon = MHD_start_daemon(
        MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0,
        nullptr, nullptr, &Impl::onRequest, impl_.get(), MHD_OPTION_LISTEN_SOCKET,
        static_cast<MHD_socket>(c.listenFd), MHD_OPTION_HTTPS_MEM_CERT, c.certPem.c_str(),
        MHD_OPTION_HTTPS_MEM_KEY, c.keyPem.c_str(), MHD_OPTION_HTTPS_PRIORITIES, kTlsPriorities,
        MHD_OPTION_THREAD_POOL_SIZE, c.ioThreads, MHD_OPTION_CONNECTION_LIMIT, c.connectionLimit,
        MHD_OPTION_CONNECTION_TIMEOUT, c.idleTimeoutSeconds, MHD_OPTION_NOTIFY_COMPLETED,
        &Impl::onCompleted, impl_.get(), MHD_OPTION_END);
    if (!impl_->daemon) {
        impl_->workers.stop();
        return makeError(ErrorCode::Io,
                         "the HTTPS server could not start: the TLS library refused the "
                         "certificate or key, or threads could not be started",
                         "cert");
    }
    impl_->live = true;
    return {};
}

void Server::stop() {
    std::lock_guard lock(impl_->stopping);
    if (!impl_->daemon) {
        return;
    }
    impl_->live = false;
    const MHD_socket listening = MHD_quiesce_daemon(impl_->daemon);
    // Every request a worker holds is finished and its connection resumed:
    // MHD may not be stopped with a connection suspended.
    impl_->workers.stop();
    MHD_stop_daemon(impl_->daemon);
    impl_->daemon = nullptr;
    if (listening != MHD_INVALID_SOCKET) {
        ::close(listening);
    }
}

bool Server::running() const {
    return impl_->live;
}

}  // namespace carekiosk::collector::http
