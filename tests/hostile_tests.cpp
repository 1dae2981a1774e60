// The collector under hostile traffic, as real processes: carekiosk-collector
// serving TLS on 127.0.0.1, attacked by compressed bombs, oversized bodies,
// 1,000 idle and slow connections (Debian's slowhttptest and raw sockets),
// and a shared address full of failures, while kiosks and managers with good
// tokens go on being served. Every loop is bounded in count and time.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <httplib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "carekiosk/core/wire.hpp"
#include "support/test_support.hpp"

using namespace carekiosk;
using namespace std::chrono;

namespace {

const std::string kCollector = CAREKIOSK_COLLECTOR_BIN;

// gzip of `size` zero bytes, made in 1 MiB steps (never held unpacked).
std::string gzipOfZeros(std::size_t size) {
    z_stream zs{};
    REQUIRE(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK);
    const std::string zeros(1024 * 1024, '\0');
    std::string out;
    char buffer[64 * 1024];
    std::size_t left = size;
    int flush = Z_NO_FLUSH;
    do {
        const std::size_t step = std::min(left, zeros.size());
        left -= step;
        flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
        zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
        zs.avail_in = static_cast<uInt>(step);
        do {
            zs.next_out = reinterpret_cast<Bytef*>(buffer);
            zs.avail_out = sizeof buffer;
            deflate(&zs, flush);
            out.append(buffer, sizeof buffer - zs.avail_out);
        } while (zs.avail_out == 0);
    } while (flush != Z_FINISH);
    deflateEnd(&zs);
    return out;
}

// A field of /proc/PID/status in kB (VmRSS, VmHWM).
long statusKb(int pid, const std::string& field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) == 0) {
            return std::stol(line.substr(field.size() + 1));
        }
    }
    return -1;
}

std::size_t openFiles(int pid) {
    std::size_t count = 0;
    std::error_code ignored;
    for (auto it =
             std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ignored);
         it != std::filesystem::directory_iterator(); ++it) {
        ++count;
    }
    return count;
}

// Whether this build runs under AddressSanitizer, whose quarantine of freed
// memory (256 MiB by default) and shadow make peak RSS say nothing about
// what the collector keeps: memory bounds are checked in the normal build.
constexpr bool kUnderAsan =
#if defined(__SANITIZE_ADDRESS__)
    true;
#else
    false;
#endif

// A collector process for one site, with a kiosk and a manager token.
struct Collector {
    testing::TempDir dir;
    std::string db = (dir / "collector.db").string();
    std::unique_ptr<testing::ChildProcess> process;
    std::string url;
    int port = 0;
    std::string kioskToken;
    std::string kioskDevice;
    std::string managerToken;

    explicit Collector(const std::vector<std::string>& extra = {}) {
        testing::runOk(
            {kCollector, "admin", "create-site", "--db", db, "--site", "leeds", "--name", "Leeds"});
        managerToken =
            testing::runOk({kCollector, "admin", "manager-token", "--db", db, "--name", "Ana"});
        std::vector<std::string> argv{kCollector, "serve",
                                      "--db",     db,
                                      "--listen", "127.0.0.1:0",
                                      "--cert",   testing::TestCa::serverCert(),
                                      "--key",    testing::TestCa::serverKey()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        process = std::make_unique<testing::ChildProcess>(argv);
        const std::string banner = process->readLine(steady_clock::now() + seconds(20));
        REQUIRE(banner.find("https://") != std::string::npos);
        url = testing::trimmed(banner.substr(banner.find("https://")));
        port = std::stoi(url.substr(url.rfind(':') + 1));
        const std::string code =
            testing::runOk({kCollector, "admin", "enroll-code", "--db", db, "--site", "leeds"});
        auto sender = testing::makeTestSender();
        auto enrolled = testing::sendOk(*sender, "POST", url + "/v1/enroll", "",
                                        core::encodeEnrollRequest({code, ""}));
        REQUIRE(enrolled.status == 200);
        const auto enrolment = core::decodeEnrollResponse(enrolled.body).value();
        kioskToken = enrolment.deviceToken;
        kioskDevice = enrolment.deviceId;
    }

    upload::HttpResponse send(upload::HttpSender& sender, const std::string& method,
                              const std::string& path, const std::string& token,
                              const std::string& body = {}, const std::string& encoding = {}) {
        upload::HttpRequest request;
        request.method = method;
        request.url = url + path;
        request.bearerToken = token;
        request.body = body;
        request.contentEncoding = encoding;
        auto answer = sender.send(request);
        INFO(method << " " << path << ": " << (answer ? "" : answer.error().message));
        REQUIRE(answer);
        return answer.value();
    }
};

std::string batchBody(int n) {
    char id[33];
    std::snprintf(id, sizeof id, "%032x", n + 1);
    const auto hour =
        duration_cast<seconds>(system_clock::now().time_since_epoch()).count() / 3600 * 3600;
    return core::encodeBatch(core::Batch{id, {core::CheckIn{3, "leeds", 1, hour, {}}}});
}

int connectLoopback(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// One TLS connection to the collector written to byte by byte; closed on destruction.
struct RawTls {
    SSL_CTX* context = SSL_CTX_new(TLS_client_method());
    SSL* ssl = nullptr;
    int fd = -1;

    explicit RawTls(int port) {
        fd = connectLoopback(port);
        REQUIRE(fd >= 0);
        timeval wait{20, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
        ssl = SSL_new(context);
        SSL_set_fd(ssl, fd);
        REQUIRE(SSL_connect(ssl) == 1);
    }
    ~RawTls() {
        SSL_free(ssl);
        ::close(fd);
        SSL_CTX_free(context);
    }
    bool write(const std::string& bytes) {
        return SSL_write(ssl, bytes.data(), static_cast<int>(bytes.size())) > 0;
    }
    // The first line of the answer ("HTTP/1.1 401 ..."), or "" if none came.
    std::string statusLine() {
        char answer[512] = {};
        const int got = SSL_read(ssl, answer, sizeof answer - 1);
        const std::string text = got > 0 ? std::string(answer, static_cast<std::size_t>(got)) : "";
        return text.substr(0, text.find("\r\n"));
    }
};

}  // namespace

TEST_CASE("a kiosk revoked while its upload is arriving stores nothing") {
    // A stolen kiosk's token: its holder opens uploads, and sends their bodies
    // (slowly, or all at once) after the kiosk was revoked. The token was
    // checked at the headers; the store checks the kiosk again in the
    // transaction that would store the rows, so the batch is refused.
    Collector c;
    const std::string body = batchBody(11);
    RawTls tls(c.port);
    // Expect: 100-continue, so that the "100 Continue" says the collector has
    // checked the token (it is sent once the check lets the body in).
    REQUIRE(tls.write("POST /v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                      c.kioskToken + "\r\nContent-Type: application/json\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\nExpect: 100-continue\r\n\r\n"));
    REQUIRE(tls.statusLine() == "HTTP/1.1 100 Continue");
    testing::runOk({kCollector, "admin", "revoke", "--db", c.db, "--device", c.kioskDevice});
    REQUIRE(tls.write(body));
    CHECK(tls.statusLine() == "HTTP/1.1 401 Unauthorized");
    CHECK(testing::queryStrings(c.db, "SELECT count(*) FROM checkins")[0] == "0");
}

TEST_CASE("a request framed two ways is refused: two lengths, or a length and chunking") {
    Collector c;
    const std::string body = batchBody(12);
    const std::string head =
        "POST /v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + c.kioskToken +
        "\r\nContent-Type: application/json\r\n";
    {
        RawTls tls(c.port);
        REQUIRE(tls.write(head + "Content-Length: 5\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body));
        CHECK(tls.statusLine() == "HTTP/1.1 400 Bad Request");
    }
    {
        RawTls tls(c.port);
        REQUIRE(tls.write(head + "Content-Length: " + std::to_string(body.size()) +
                          "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
        CHECK(tls.statusLine() == "HTTP/1.1 400 Bad Request");
    }
    CHECK(testing::queryStrings(c.db, "SELECT count(*) FROM checkins")[0] == "0");
    // The same batch framed once is taken.
    auto sender = testing::makeTestSender();
    CHECK(c.send(*sender, "POST", "/v1/batches", c.kioskToken, body).status == 200);
}

TEST_CASE("a compressed bomb is never unpacked without a token, and with one stops at the cap") {
    Collector c;
    auto sender = testing::makeTestSender();
    // 512 MiB of zeros in about half a megabyte, as in the attack reported.
    const std::string bomb = gzipOfZeros(512u * 1024 * 1024);
    REQUIRE(bomb.size() < 1024 * 1024);
    const long before = statusKb(c.process->pid(), "VmRSS");
    REQUIRE(before > 0);

    auto anonymous = c.send(*sender, "POST", "/v1/batches", "", bomb, "gzip");
    CHECK(anonymous.status == 401);
    auto forged = c.send(*sender, "POST", "/v1/batches", "not-a-token", bomb, "gzip");
    CHECK(forged.status == 401);
    auto kiosk = c.send(*sender, "POST", "/v1/batches", c.kioskToken, bomb, "gzip");
    CHECK(kiosk.status == 413);
    CHECK_THAT(core::errorMessageFromBody(kiosk.body), Catch::Contains("unpacks to more than"));
    // Peak memory grew by less than a tenth of what the bomb unpacks to.
    const long peak = statusKb(c.process->pid(), "VmHWM");
    INFO("RSS before " << before << " kB, peak after " << peak << " kB");
    if (!kUnderAsan) {
        CHECK(peak - before < 48 * 1024);
    }

    // An enrolment is a few hundred bytes: a megabyte is refused unread.
    auto enrol = c.send(*sender, "POST", "/v1/enroll", "", std::string(1024 * 1024, '{'));
    CHECK(enrol.status == 413);
    CHECK_THAT(enrol.body, Catch::Contains("Content-Length"));
    // And the collector goes on serving.
    CHECK(c.send(*sender, "POST", "/v1/batches", c.kioskToken, batchBody(1)).status == 200);
    CHECK(testing::queryStrings(c.db, "SELECT count(*) FROM checkins")[0] == "1");
}

TEST_CASE("a stranger's big bodies are refused before they are read, and cost no memory") {
    Collector c;
    const long before = statusKb(c.process->pid(), "VmRSS");
    // 60 connections send a 1 MiB batch with a made-up token: each is
    // answered 401, its body read and dropped, never kept.
    int refused = 0;
    for (int i = 0; i < 60; ++i) {
        RawTls tls(c.port);
        REQUIRE(tls.write(
            "POST /v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer made-up-" +
            std::to_string(i) +
            "\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n"));
        const std::string chunk(64 * 1024, 'x');
        for (int k = 0; k < 16; ++k) {
            if (!tls.write(chunk)) {
                break;  // the collector answered and closed: it reads no more
            }
        }
        const std::string answer = tls.statusLine();
        if (answer.rfind("HTTP/1.1 401", 0) == 0 || answer.rfind("HTTP/1.1 429", 0) == 0) {
            ++refused;
        }
    }
    CHECK(refused == 60);
    const long peak = statusKb(c.process->pid(), "VmHWM");
    INFO("RSS before " << before << " kB, peak " << peak << " kB");
    if (!kUnderAsan) {
        CHECK(peak - before < 32 * 1024);
    }
    auto sender = testing::makeTestSender();
    CHECK(c.send(*sender, "POST", "/v1/batches", c.kioskToken, batchBody(3)).status == 200);
}

TEST_CASE("with 1,000 idle and slow connections open, kiosks and managers are served every time") {
    Collector c;
    const std::string target = c.url + "/v1/ping";
    // Slow headers (slowloris) and slow bodies (R-U-Dead-Yet), 300 each,
    // one header or field every 5 s; bounded at 120 s, stopped at the end.
    testing::ChildProcess slowHeaders({"/usr/bin/slowhttptest", "-H", "-c", "300", "-r", "300",
                                       "-i", "5", "-x", "8", "-l", "120", "-p", "10", "-u",
                                       target});
    // (Slow bodies go to the sign-in form: a body for a route that takes a
    // token is refused before it is read, see the test above.)
    testing::ChildProcess slowBodies({"/usr/bin/slowhttptest", "-B", "-c", "300", "-r", "300", "-i",
                                      "5", "-x", "8", "-l", "120", "-p", "10", "-s", "60000", "-u",
                                      c.url + "/signin"});
    // And 400 that connect and never say a word (not even a TLS hello).
    std::vector<int> idle;
    for (int i = 0; i < 400; ++i) {
        if (const int fd = connectLoopback(c.port); fd >= 0) {
            idle.push_back(fd);
        }
    }
    REQUIRE(idle.size() == 400);
    // Wait (bounded) until the collector holds at least 1,000 connections:
    // slowhttptest reports its connections every second, and each report is
    // the moment to count again.
    const auto deadline = steady_clock::now() + seconds(30);
    std::size_t held = 0;
    while ((held = openFiles(c.process->pid())) < 1000 && steady_clock::now() < deadline) {
        (void)slowHeaders.readLine(deadline);
    }
    INFO("collector descriptors: " << held);
    REQUIRE(held >= 1000);

    // 100 uploads and 100 summaries, each on a fresh connection with a 1 s
    // limit on the whole request (handshake included).
    int uploads = 0;
    int summaries = 0;
    const std::string today = core::formatDate(
        duration_cast<seconds>(system_clock::now().time_since_epoch()).count() / 86400);
    for (int i = 0; i < 100; ++i) {
        auto sender = testing::makeTestSender(seconds(1));
        upload::HttpRequest post;
        post.method = "POST";
        post.url = c.url + "/v1/batches";
        post.bearerToken = c.kioskToken;
        post.body = batchBody(i);
        if (auto answer = sender->send(post); answer && answer->status == 200) {
            ++uploads;
        }
        upload::HttpRequest get;
        get.url = c.url + "/v1/summary?site=leeds&from=" + today + "&to=" + today;
        get.bearerToken = c.managerToken;
        if (auto answer = sender->send(get); answer && answer->status == 200) {
            ++summaries;
        }
    }
    CHECK(uploads == 100);
    CHECK(summaries == 100);
    CHECK(testing::queryStrings(c.db, "SELECT count(*) FROM checkins")[0] == "100");
    for (const int fd : idle) {
        ::close(fd);
    }
}

TEST_CASE("failures behind a shared address never lock out the good tokens behind it") {
    Collector c;
    auto sender = testing::makeTestSender();
    // An office's shared address: a stale kiosk retrying with a revoked
    // token, a guesser, a health check that knows no token.
    for (int i = 0; i < 30; ++i) {
        const auto wrong = c.send(*sender, "GET", "/v1/ping", "guess-" + std::to_string(i));
        CHECK((wrong.status == 401 || wrong.status == 429));
    }
    auto anonymous = c.send(*sender, "GET", "/v1/ping", "");
    CHECK(anonymous.status == 429);
    CHECK(!anonymous.body.empty());
    // The kiosk and the manager behind the same address are served.
    CHECK(c.send(*sender, "GET", "/v1/ping", c.kioskToken).status == 200);
    CHECK(c.send(*sender, "POST", "/v1/batches", c.kioskToken, batchBody(7)).status == 200);
    const std::string today = core::formatDate(
        duration_cast<seconds>(system_clock::now().time_since_epoch()).count() / 86400);
    CHECK(c.send(*sender, "GET", "/v1/summary?site=leeds&from=" + today + "&to=" + today,
                 c.managerToken)
              .status == 200);
    // A manager signing in from the blocked address is let in: the token in
    // the form is checked before the address is held against it.
    httplib::SSLClient browser("127.0.0.1", c.port);
    browser.set_ca_cert_path(testing::TestCa::caFile().c_str());
    browser.enable_server_certificate_verification(true);
    auto signIn = browser.Post("/signin", httplib::Params{{"token", c.managerToken}});
    REQUIRE(signIn);
    CHECK(signIn->status == 303);
    auto wrongSignIn = browser.Post("/signin", httplib::Params{{"token", "guess"}});
    REQUIRE(wrongSignIn);
    CHECK(wrongSignIn->status == 429);
    // A load balancer's health check needs no token, gets no data, and is
    // never limited.
    for (int i = 0; i < 20; ++i) {
        const auto health = c.send(*sender, "GET", "/healthz", "");
        REQUIRE(health.status == 200);
        CHECK(health.body == "{\"status\":\"ok\"}");
    }
}

TEST_CASE("behind a trusted proxy, failures count per client and per credential") {
    Collector c({"--trusted-proxy", "127.0.0.1"});
    httplib::SSLClient client("127.0.0.1", c.port);
    client.set_ca_cert_path(testing::TestCa::caFile().c_str());
    client.enable_server_certificate_verification(true);
    auto from = [&](httplib::SSLClient& through, const std::string& address,
                    const std::string& token) {
        httplib::Headers headers{{"X-Forwarded-For", "10.9.9.9, " + address}};
        if (!token.empty()) {
            headers.emplace("Authorization", "Bearer " + token);
        }
        auto answer = through.Get("/v1/ping", headers);
        REQUIRE(answer);
        return answer->status;
    };
    for (int i = 0; i < 15; ++i) {
        (void)from(client, "203.0.113.9", "guess-" + std::to_string(i));
    }
    CHECK(from(client, "203.0.113.9", "") == 429);
    // Another client through the same proxy is not blocked, and the blocked
    // client's own good token still works.
    CHECK(from(client, "198.51.100.4", "") == 401);
    CHECK(from(client, "203.0.113.9", c.kioskToken) == 200);
    // One stale token tried from ten places, once each: no address is
    // blocked, but the token is, wherever it comes from next.
    for (int i = 0; i < 10; ++i) {
        CHECK(from(client, "192.0.2." + std::to_string(i + 1), "stale-kiosk-token") == 401);
    }
    CHECK(from(client, "192.0.2.200", "stale-kiosk-token") == 429);
    CHECK(from(client, "192.0.2.200", "") == 401);

    // Without --trusted-proxy the header is ignored: any client could write it.
    Collector plain;
    httplib::SSLClient direct("127.0.0.1", plain.port);
    direct.set_ca_cert_path(testing::TestCa::caFile().c_str());
    direct.enable_server_certificate_verification(true);
    for (int i = 0; i < 15; ++i) {
        (void)from(direct, "198.51.100." + std::to_string(i), "guess-" + std::to_string(i));
    }
    CHECK(from(direct, "198.51.100.77", "") == 429);
}
