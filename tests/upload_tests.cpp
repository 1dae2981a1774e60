#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include <condition_variable>
#include <deque>
#include <mutex>

#include "carekiosk/core/clock_check.hpp"
#include "carekiosk/core/wire.hpp"
#include "carekiosk/upload/backoff.hpp"
#include "carekiosk/upload/http_date.hpp"
#include "carekiosk/upload/upload_worker.hpp"
#include "carekiosk/upload/uploader.hpp"
#include "support/test_support.hpp"

using namespace carekiosk;
using namespace std::chrono;

namespace {

// Answers from a script and records what was sent.
class ScriptedSender final : public upload::HttpSender {
  public:
    std::deque<core::Result<upload::HttpResponse>> answers;
    std::vector<upload::HttpRequest> sent;

    core::Result<upload::HttpResponse> send(const upload::HttpRequest& request) override {
        sent.push_back(request);
        if (answers.empty()) {
            return core::makeError(core::ErrorCode::Network, "no scripted answer left");
        }
        auto answer = answers.front();
        answers.pop_front();
        return answer;
    }
};

upload::HttpResponse ackFor(const std::string& batchId, int stored) {
    return upload::HttpResponse{200, core::encodeBatchAck({batchId, stored, false}), {}};
}

std::string gunzip(const std::string& data) {
    z_stream stream{};
    REQUIRE(inflateInit2(&stream, 15 + 16) == Z_OK);
    std::string out(1 << 20, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    REQUIRE(inflate(&stream, Z_FINISH) == Z_STREAM_END);
    out.resize(stream.total_out);
    inflateEnd(&stream);
    return out;
}

core::Batch sentBatch(const upload::HttpRequest& request) {
    REQUIRE(request.contentEncoding == "gzip");
    return core::decodeBatch(gunzip(request.body)).value();
}

std::string sentBatchId(const upload::HttpRequest& request) {
    return sentBatch(request).batchId;
}

struct Fixture {
    testing::TempDir dir;
    testing::SeededRandom random;
    storage::Outbox outbox = storage::Outbox::open(dir / "kiosk.db", random).value();
    ScriptedSender sender;
    testing::ManualClock clock{system_clock::time_point(seconds(1795845600))};
    upload::Uploader uploader{outbox, sender, {"https://collector.test", "device-token"}, clock};

    void addCheckIns(int n) {
        for (int i = 0; i < n; ++i) {
            REQUIRE(outbox.add(core::CheckIn{i % 5 + 1, "leeds", 1, 1795845600, {}}));
        }
    }
};

}  // namespace

TEST_CASE("backoff grows exponentially with full jitter up to the cap, and resets") {
    testing::SeededRandom random;
    upload::Backoff backoff(milliseconds(2000), milliseconds(600000), random);
    const long long ceilings[] = {2000,   4000,   8000,   16000,  32000, 64000,
                                  128000, 256000, 512000, 600000, 600000};
    for (long long ceiling : ceilings) {
        const auto delay = backoff.nextDelay().count();
        CHECK(delay >= 0);
        CHECK(delay <= ceiling);
    }
    // Over many draws at the cap, the delays spread across the whole range.
    long long smallest = 600000;
    long long largest = 0;
    for (int i = 0; i < 200; ++i) {
        const auto d = backoff.nextDelay().count();
        smallest = std::min<long long>(smallest, d);
        largest = std::max<long long>(largest, d);
    }
    CHECK(largest <= 600000);
    CHECK(largest > 450000);
    CHECK(smallest < 150000);
    backoff.reset();
    CHECK(backoff.nextDelay().count() <= 2000);
}

TEST_CASE("an acknowledged batch is deleted, and the request carries the token and JSON") {
    Fixture f;
    f.addCheckIns(3);
    auto batch = f.outbox.nextBatch();  // peek at the id the uploader will send
    const std::string id = batch.value()->batchId;
    f.sender.answers.push_back(ackFor(id, 3));
    auto report = f.uploader.drain();
    CHECK_FALSE(report.error);
    CHECK(report.checkInsAcknowledged == 3);
    CHECK(f.outbox.pendingCount().value() == 0);
    REQUIRE(f.sender.sent.size() == 1);
    CHECK(f.sender.sent[0].method == "POST");
    CHECK(f.sender.sent[0].url == "https://collector.test/v1/batches");
    CHECK(f.sender.sent[0].bearerToken == "device-token");
    CHECK(sentBatchId(f.sender.sent[0]) == id);
}

TEST_CASE("a batch on the wire carries only score, reasons, site, team, question set and hour") {
    Fixture f;
    REQUIRE(f.outbox.add(core::CheckIn{2, "leeds", 1, 1795845600, {"workload"}, "finance"}));
    f.addCheckIns(2);
    f.sender.answers.push_back(ackFor(f.outbox.nextBatch().value()->batchId, 3));
    REQUIRE_FALSE(f.uploader.drain().error);
    REQUIRE(f.sender.sent.size() == 1);
    const auto body = nlohmann::json::parse(gunzip(f.sender.sent[0].body));
    std::set<std::string> top;
    for (const auto& [key, value] : body.items()) {
        top.insert(key);
    }
    CHECK(top == std::set<std::string>{"batch_id", "checkins"});
    for (const auto& row : body["checkins"]) {
        std::set<std::string> keys;
        for (const auto& [key, value] : row.items()) {
            keys.insert(key);
        }
        keys.erase("team");  // only when the kiosk has one
        CHECK(keys ==
              std::set<std::string>{"score", "site_id", "question_set_version", "hour", "reasons"});
        CHECK(row["hour"].get<std::int64_t>() % 3600 == 0);  // an hour, never a moment
    }
    // The only identity on the request is the kiosk's token, never a person's.
    CHECK(f.sender.sent[0].bearerToken == "device-token");
}

TEST_CASE("failures delete nothing, and the retry sends the same batch id") {
    Fixture f;
    f.addCheckIns(4);
    f.sender.answers.push_back(core::makeError(core::ErrorCode::Network, "connection reset"));
    f.sender.answers.push_back(upload::HttpResponse{503, R"({"error":"busy"})", {}});
    f.sender.answers.push_back(upload::HttpResponse{200, "<html>proxy page</html>", {}});

    auto reset = f.uploader.drain();
    REQUIRE(reset.error);
    CHECK(reset.error->code == core::ErrorCode::Network);
    auto busy = f.uploader.drain();
    REQUIRE(busy.error);
    CHECK_THAT(busy.error->message, Catch::Contains("HTTP 503") && Catch::Contains("busy"));
    CHECK_FALSE(busy.retryAfter);  // no header: the worker backs off instead
    auto garbage = f.uploader.drain();
    REQUIRE(garbage.error);
    CHECK(f.outbox.pendingCount().value() == 4);

    REQUIRE(f.sender.sent.size() == 3);
    const std::string id = sentBatchId(f.sender.sent[0]);
    CHECK(sentBatchId(f.sender.sent[1]) == id);
    CHECK(sentBatchId(f.sender.sent[2]) == id);

    f.sender.answers.push_back(ackFor(id, 4));
    CHECK_FALSE(f.uploader.drain().error);
    CHECK(f.outbox.pendingCount().value() == 0);
}

TEST_CASE("an acknowledgement for another batch id deletes nothing") {
    Fixture f;
    f.addCheckIns(2);
    f.sender.answers.push_back(ackFor(std::string(32, 'f'), 2));
    auto r = f.uploader.drain();
    REQUIRE(r.error);
    CHECK_THAT(r.error->message, Catch::Contains("keeping it to retry"));
    CHECK(f.outbox.pendingCount().value() == 2);
}

TEST_CASE("a refused token says the kiosk needs re-enrolment and deletes nothing") {
    Fixture f;
    f.addCheckIns(2);
    f.sender.answers.push_back(upload::HttpResponse{401, R"({"error":"bad token"})", {}});
    auto r = f.uploader.drain();
    REQUIRE(r.error);
    CHECK(r.needsReEnrolment);
    CHECK(r.error->code == core::ErrorCode::Unauthorized);
    CHECK_THAT(r.error->message, Catch::Contains("re-enrolment"));
    CHECK(f.outbox.pendingCount().value() == 2);
    f.sender.answers.push_back(upload::HttpResponse{403, R"({"error":"revoked"})", {}});
    CHECK(f.uploader.drain().needsReEnrolment);
    CHECK(f.outbox.pendingCount().value() == 2);
}

TEST_CASE("more than one batch's worth is sent as several batches of at most 500") {
    Fixture f;
    f.addCheckIns(1200);
    // Acknowledges whatever arrives, echoing its id.
    class EchoSender final : public upload::HttpSender {
      public:
        std::vector<std::size_t> sizes;
        core::Result<upload::HttpResponse> send(const upload::HttpRequest& r) override {
            auto batch = sentBatch(r);
            sizes.push_back(batch.checkIns.size());
            return ackFor(batch.batchId, static_cast<int>(batch.checkIns.size()));
        }
    } echo;
    upload::Uploader uploader(f.outbox, echo, {"https://collector.test", "t"}, f.clock);
    auto report = uploader.drain();
    CHECK_FALSE(report.error);
    CHECK(report.batchesAcknowledged == 3);
    CHECK(echo.sizes == std::vector<std::size_t>{500, 500, 200});
    CHECK(f.outbox.pendingCount().value() == 0);
}

TEST_CASE("the uploader refuses a collector whose certificate is not from the provisioned CA") {
    testing::TempDir dir;
    // A real collector over real TLS, but with a certificate from another CA.
    testing::TestCollector impostor(dir / "collector.db", testing::TestCa::otherServerCert(),
                                    testing::TestCa::otherServerKey());
    testing::SeededRandom random;
    auto outbox = storage::Outbox::open(dir / "kiosk.db", random).value();
    for (int i = 0; i < 5; ++i) {
        REQUIRE(outbox.add(core::CheckIn{3, "leeds", 1, 1795845600, {}}));
    }
    upload::TlsOptions tls;
    tls.caFile = testing::TestCa::caFile();
    auto sender = upload::makeCurlSender(tls);
    core::SystemClock clock;
    upload::Uploader uploader(outbox, *sender, {impostor.url(), "any-token"}, clock);
    auto r = uploader.drain();
    REQUIRE(r.error);
    CHECK(r.error->code == core::ErrorCode::Tls);
    CHECK_THAT(r.error->message,
               Catch::Contains("not signed by a CA this kiosk trusts (its ca_file)"));
    CHECK(outbox.pendingCount().value() == 5);
}

TEST_CASE("the curl sender refuses plain http") {
    upload::TlsOptions tls;
    tls.caFile = testing::TestCa::caFile();
    auto sender = upload::makeCurlSender(tls);
    upload::HttpRequest request;
    request.url = "http://127.0.0.1:1/v1/batches";
    auto r = sender->send(request);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("only https://"));
}

TEST_CASE("a batch the collector refuses as invalid is dead-lettered and the queue goes on") {
    Fixture f;
    f.addCheckIns(700);  // two batches: 500 and 200
    f.sender.answers.push_back(upload::HttpResponse{
        422,
        R"({"error":"checkins[3].score must be between 1 and 5","code":"invalid_input"})",
        {}});
    // The second batch is acknowledged by echoing whatever id arrives next.
    class Echo final : public upload::HttpSender {
      public:
        ScriptedSender& first;
        explicit Echo(ScriptedSender& s) : first(s) {}
        core::Result<upload::HttpResponse> send(const upload::HttpRequest& r) override {
            if (!first.answers.empty()) {
                return first.send(r);
            }
            const auto batch = sentBatch(r);
            return ackFor(batch.batchId, static_cast<int>(batch.checkIns.size()));
        }
    } echo(f.sender);
    upload::Uploader uploader(f.outbox, echo, {"https://collector.test", "t"}, f.clock);
    const auto outcome = uploader.drain();
    CHECK_FALSE(outcome.error);
    CHECK(outcome.batchesDeadLettered == 1);
    CHECK(outcome.checkInsAcknowledged == 200);
    CHECK(f.outbox.pendingCount().value() == 0);
    auto letters = f.outbox.deadLetters();
    REQUIRE(letters);
    REQUIRE(letters->size() == 1);
    CHECK(letters->at(0).checkIns == 500);  // kept on the kiosk, not deleted
    CHECK_THAT(letters->at(0).reason,
               Catch::Contains("HTTP 422") && Catch::Contains("checkins[3].score"));
    // Later drains never send the dead batch again.
    f.addCheckIns(1);
    CHECK_FALSE(uploader.drain().error);
    CHECK(f.outbox.deadLetters()->size() == 1);
}

// Acknowledges every batch by echoing its id, after any scripted answers.
class EchoAfterScript final : public upload::HttpSender {
  public:
    explicit EchoAfterScript(ScriptedSender& s) : first(s) {}
    core::Result<upload::HttpResponse> send(const upload::HttpRequest& r) override {
        if (!first.answers.empty()) {
            return first.send(r);
        }
        const auto batch = sentBatch(r);
        sent.push_back(batch);
        return ackFor(batch.batchId, static_cast<int>(batch.checkIns.size()));
    }
    ScriptedSender& first;
    std::vector<core::Batch> sent;
};

TEST_CASE("rows the collector refuses are set aside and the good rows of their batch go through") {
    Fixture f;
    f.addCheckIns(10);
    // The collector names rows 2 and 7 (say, hours from a wrong clock).
    core::CollectorRefusal refusal{"checkins[2].hour is more than an hour ahead (and 1 more rows)",
                                   "invalid_input",
                                   "checkins[2].hour",
                                   {2, 7}};
    f.sender.answers.push_back(
        upload::HttpResponse{422, core::encodeCollectorRefusal(refusal), {}});
    EchoAfterScript echo(f.sender);
    upload::Uploader uploader(f.outbox, echo, {"https://collector.test", "t"}, f.clock);
    const auto outcome = uploader.drain();
    CHECK_FALSE(outcome.error);
    CHECK(outcome.checkInsSetAside == 2);
    CHECK(outcome.checkInsAcknowledged == 8);  // the good ones, in a new batch
    REQUIRE(echo.sent.size() == 1);
    CHECK(echo.sent[0].checkIns.size() == 8);
    CHECK(echo.sent[0].batchId != sentBatch(f.sender.sent.at(0)).batchId);
    auto letters = f.outbox.deadLetters();
    REQUIRE(letters);
    REQUIRE(letters->size() == 1);
    CHECK(letters->at(0).checkIns == 2);
    CHECK_THAT(letters->at(0).reason, Catch::Contains("HTTP 422") && Catch::Contains("ahead"));
    CHECK(f.outbox.pendingCount().value() == 0);
    // After the cause is fixed they can be sent again, under their own id.
    REQUIRE(f.outbox.resendDeadLetters().value() == 1);
    CHECK(f.outbox.pendingCount().value() == 2);
    const auto again = uploader.drain();
    CHECK_FALSE(again.error);
    CHECK(again.checkInsAcknowledged == 2);
    CHECK(f.outbox.deadLetters()->empty());
}

TEST_CASE("a 400 in anyone's words but the collector's keeps the batch to try again") {
    for (const char* body : {"<html><body><h1>400 Bad Request</h1>nginx</body></html>", "",
                             R"({"error":"bad request"})",  // no code: not the collector's
                             R"({"error":"x","code":"teapot"})"}) {
        Fixture f;
        f.addCheckIns(3);
        f.sender.answers.push_back(upload::HttpResponse{400, body, {}});
        const auto outcome = f.uploader.drain();
        INFO(body);
        REQUIRE(outcome.error);
        CHECK_THAT(outcome.error->message, Catch::Contains("something other than the collector"));
        CHECK(outcome.batchesDeadLettered == 0);
        CHECK(f.outbox.deadLetters()->empty());
        CHECK(f.outbox.pendingCount().value() == 3);
        // The next try re-sends the same batch id, and the collector takes it.
        const std::string id = sentBatch(f.sender.sent.at(0)).batchId;
        f.sender.answers.push_back(ackFor(id, 3));
        CHECK_FALSE(f.uploader.drain().error);
        CHECK(sentBatch(f.sender.sent.at(1)).batchId == id);
        CHECK(f.outbox.pendingCount().value() == 0);
    }
}

TEST_CASE("Retry-After never makes a kiosk retry sooner than its backoff, nor later than the cap") {
    for (auto asked : {seconds(0), seconds(1), seconds(86400)}) {
        testing::SeededRandom a(7);
        testing::SeededRandom b(7);
        upload::Backoff plain(milliseconds(2000), milliseconds(600000), a);
        upload::Backoff withHeader(milliseconds(2000), milliseconds(600000), b);
        for (int failure = 0; failure < 12; ++failure) {
            const auto base = plain.nextDelay();
            const auto delay = withHeader.nextDelay(asked);
            INFO("Retry-After " << asked.count() << " s, failure " << failure);
            CHECK(delay >= base);
            CHECK(delay <= milliseconds(600000));
            if (asked == seconds(0)) {
                CHECK(delay == base);  // a "come back now" changes nothing
            }
        }
    }
}

TEST_CASE("429 and 503 pass on the collector's Retry-After") {
    Fixture f;
    f.addCheckIns(1);
    f.sender.answers.push_back(upload::HttpResponse{429, "{}", {{"retry-after", "120"}}});
    auto seconds120 = f.uploader.drain();
    REQUIRE(seconds120.retryAfter);
    CHECK(*seconds120.retryAfter == seconds(120));
    // An HTTP date five minutes after the (manual) clock's now.
    f.sender.answers.push_back(
        upload::HttpResponse{503, "{}", {{"retry-after", "Sat, 28 Nov 2026 06:05:00 GMT"}}});
    auto dated = f.uploader.drain();
    REQUIRE(dated.retryAfter);
    CHECK(*dated.retryAfter == seconds(300));
    // A silly value is capped at an hour.
    f.sender.answers.push_back(upload::HttpResponse{503, "{}", {{"retry-after", "999999"}}});
    CHECK(*f.uploader.drain().retryAfter == upload::kMaxRetryAfter);
    CHECK(f.outbox.pendingCount().value() == 1);
}

TEST_CASE("HTTP dates are read in all three forms RFC 9110 allows") {
    const auto at = std::chrono::system_clock::time_point(std::chrono::seconds(1795845900));
    CHECK(upload::parseHttpDate("Sat, 28 Nov 2026 06:05:00 GMT") == at);     // IMF-fixdate
    CHECK(upload::parseHttpDate("Saturday, 28-Nov-26 06:05:00 GMT") == at);  // RFC 850
    CHECK(upload::parseHttpDate("Sat Nov 28 06:05:00 2026") == at);          // asctime
    CHECK(upload::parseHttpDate(core::formatHttpDate(at)) == at);
    CHECK_FALSE(upload::parseHttpDate("yesterday"));
    CHECK_FALSE(upload::parseHttpDate(""));
}

TEST_CASE("batch bodies are gzip-compressed and within the byte cap") {
    Fixture f;
    f.addCheckIns(500);
    f.sender.answers.push_back(upload::HttpResponse{500, "{}", {}});
    (void)f.uploader.drain();
    REQUIRE(f.sender.sent.size() == 1);
    const auto& request = f.sender.sent[0];
    CHECK(request.contentEncoding == "gzip");
    const std::string plain = gunzip(request.body);
    CHECK(plain.size() <= upload::kMaxBatchBodyBytes);
    CHECK(request.body.size() < plain.size() / 4);  // repetitive JSON compresses well
    CHECK(sentBatch(request).checkIns.size() == 500);
}

namespace {

// Acknowledges every batch, but holds each request until the test opens the gate.
class GatedSender final : public upload::HttpSender {
  public:
    core::Result<upload::HttpResponse> send(const upload::HttpRequest& request) override {
        std::unique_lock lock(mutex_);
        ++waiting_;
        changed_.notify_all();
        changed_.wait(lock, [this] { return open_; });
        --waiting_;
        // The heartbeat and the config fetch that follow every drain.
        if (request.url.ends_with("/v1/heartbeat")) {
            return upload::HttpResponse{200, "{}", {}};
        }
        if (request.url.ends_with("/v1/config")) {
            return upload::HttpResponse{304, "", {}};
        }
        const auto batch = sentBatch(request);
        return ackFor(batch.batchId, static_cast<int>(batch.checkIns.size()));
    }
    void setOpen(bool open) {
        std::lock_guard lock(mutex_);
        open_ = open;
        changed_.notify_all();
    }
    bool waitUntilHeld(steady_clock::time_point deadline) {
        std::unique_lock lock(mutex_);
        return changed_.wait_until(lock, deadline, [this] { return waiting_ > 0; });
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool open_ = true;
    int waiting_ = 0;
};

}  // namespace

TEST_CASE("an upload asked for is answered only by a try that started after the request") {
    Fixture f;
    auto owned = std::make_unique<GatedSender>();
    GatedSender& sender = *owned;
    upload::UploadWorkerOptions options;
    options.databasePath = f.dir / "kiosk.db";
    options.target = {"https://collector.test", "device-token"};
    options.interval = hours(24);  // no scheduled try gets in the way
    std::mutex triesMutex;
    std::condition_variable tryFinished;
    upload::UploadWorker worker(options, std::move(owned), f.random, f.clock, [&] {
        std::lock_guard lock(triesMutex);
        tryFinished.notify_all();
    });
    worker.start();
    const auto deadline = steady_clock::now() + seconds(30);
    const auto waitServed = [&](std::uint64_t ticket) {
        std::unique_lock lock(triesMutex);
        return tryFinished.wait_until(lock, deadline,
                                      [&] { return worker.status().requestsServed >= ticket; });
    };

    f.addCheckIns(1);
    const auto first = worker.uploadNow();
    REQUIRE(waitServed(first));
    CHECK(worker.status().pending == 0);

    // An earlier finished try (pending 0, success) must not answer a new request.
    f.addCheckIns(2);
    sender.setOpen(false);
    const auto second = worker.uploadNow();
    CHECK(second > first);
    REQUIRE(sender.waitUntilHeld(deadline));
    CHECK(worker.status().requestsServed < second);
    sender.setOpen(true);
    REQUIRE(waitServed(second));
    CHECK(worker.status().acknowledgedTotal == 3);
    CHECK(worker.status().pending == 0);
    worker.stop();
}

TEST_CASE("stopping the upload worker while a collector hangs returns well inside the watchdog") {
    // A collector that accepts the connection and then says nothing: curl's
    // own limits here are two minutes, the kiosk unit's watchdog 30 s. The UI
    // thread calls stop() on a config reload; if it waited on curl, systemd
    // would kill the kiosk mid check-in.
    Fixture f;
    f.addCheckIns(1);
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listener >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), length) == 0);
    REQUIRE(::listen(listener, 4) == 0);
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);

    upload::TlsOptions tls;
    tls.caFile = testing::TestCa::caFile();
    tls.connectTimeout = seconds(120);
    tls.requestTimeout = seconds(120);
    upload::UploadWorkerOptions options;
    options.databasePath = f.dir / "kiosk.db";
    options.target = {"https://127.0.0.1:" + std::to_string(ntohs(address.sin_port)),
                      "device-token"};
    options.interval = hours(24);
    upload::UploadWorker worker(options, upload::makeCurlSender(tls), f.random, f.clock, nullptr);
    worker.start();
    worker.uploadNow();
    // Wait (up to 30 s) until the worker's connection is in: its try is now
    // blocked in the TLS handshake.
    pollfd waiting{listener, POLLIN, 0};
    REQUIRE(::poll(&waiting, 1, 30000) == 1);
    const int hung = ::accept(listener, nullptr, nullptr);
    REQUIRE(hung >= 0);

    const auto asked = steady_clock::now();
    worker.stop();
    const auto took = steady_clock::now() - asked;
    INFO("stop() took " << duration_cast<milliseconds>(took).count() << " ms");
    CHECK(took < seconds(15));  // half the watchdog interval; curl alone would wait 20-120 s
    CHECK(worker.status().lastError.find("cancelled") != std::string::npos);
    CHECK(f.outbox.pendingCount().value() == 1);  // nothing lost: sent on the next try
    ::close(hung);
    ::close(listener);
}
