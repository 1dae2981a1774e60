// The uploader against a collector that misbehaves on purpose: a real Store
// behind an HTTPS server (real TLS on 127.0.0.1) that answers 500, 503 with
// Retry-After, 429, 400, 401, hangs, resets mid-body, or stores a batch and
// then drops the connection before answering. After each fault nothing that
// the collector did not acknowledge is deleted, and once the collector behaves
// everything arrives exactly once.
#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>

#include "carekiosk/core/wire.hpp"
#include "carekiosk/upload/uploader.hpp"
#include "support/test_support.hpp"

using namespace carekiosk;
using namespace std::chrono;

namespace {

enum class Fault {
    None,
    Status500,
    Status503,
    Status429,
    Status400,
    Status401,
    Hang,
    ResetMidBody,
    StoreThenDrop
};

class FaultyCollector {
  public:
    // `db`: a SQLite path or a TestDatabase's location.
    explicit FaultyCollector(const std::string& db)
        : store_(collector::Store::connect(db, clock_, random_).value()),
          server_(testing::TestCa::serverCert().c_str(), testing::TestCa::serverKey().c_str()) {
        REQUIRE(store_->createSite("leeds", "Leeds office"));
        device_ = store_->enroll(store_->createEnrollCode("leeds").value()).value();
        server_.Post("/v1/batches", [this](const httplib::Request& req, httplib::Response& res) {
            handle(req, res);
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        REQUIRE(port_ > 0);
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        const auto deadline = steady_clock::now() + seconds(10);
        while (!server_.is_running() && steady_clock::now() < deadline) {
            std::this_thread::yield();
        }
        REQUIRE(server_.is_running());
    }
    ~FaultyCollector() {
        {
            std::lock_guard lock(mutex_);
            released_ = true;
        }
        release_.notify_all();
        server_.stop();
        thread_.join();
    }

    void inject(Fault fault) { fault_ = fault; }
    std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
    const std::string& token() const { return device_.deviceToken; }
    std::int64_t storedRows() {
        std::int64_t rows = 0;
        auto days = store_->dayCounts("leeds", 0, 50000);
        REQUIRE(days);
        for (const auto& day : days.value()) {
            for (int n : day.perScore) {
                rows += n;
            }
        }
        return rows;
    }

  private:
    void handle(const httplib::Request& req, httplib::Response& res) {
        const Fault fault = fault_.exchange(Fault::None);  // each fault hits one request
        auto reply = [&](int status, const std::string& error) {
            res.status = status;
            res.set_content(
                core::encodeErrorBody(core::makeError(core::ErrorCode::Rejected, error)),
                "application/json");
        };
        switch (fault) {
            case Fault::Status500:
                return reply(500, "internal error");
            case Fault::Status503:
                res.set_header("Retry-After", "7");
                return reply(503, "maintenance");
            case Fault::Status429:
                res.set_header("Retry-After", "42");
                return reply(429, "slow down");
            case Fault::Status400:
                return reply(400, "checkins[0].score is not allowed here");
            case Fault::Status401:
                return reply(401, "token revoked");
            case Fault::Hang: {
                std::unique_lock lock(mutex_);
                release_.wait(lock, [this] { return released_; });
                return reply(500, "too late");
            }
            default:
                break;
        }
        auto device = store_->authenticateDevice(bearerOf(req)).value();
        REQUIRE(device);
        auto batch = core::decodeBatch(req.body);
        REQUIRE(batch);
        auto stored = store_->storeBatch(*device, batch.value());
        REQUIRE(stored);
        const std::string ack =
            core::encodeBatchAck({batch->batchId, stored->stored, stored->duplicate});
        if (fault == Fault::ResetMidBody || fault == Fault::StoreThenDrop) {
            // Promise a full body, send part of it (or none), then drop the connection.
            const std::size_t partial = fault == Fault::ResetMidBody ? ack.size() / 2 : 0;
            res.set_content_provider(ack.size(), "application/json",
                                     [ack, partial](size_t, size_t, httplib::DataSink& sink) {
                                         if (partial > 0) {
                                             sink.write(ack.data(), partial);
                                         }
                                         return false;
                                     });
            return;
        }
        res.set_content(ack, "application/json");
    }

    static std::string bearerOf(const httplib::Request& req) {
        const auto header = req.get_header_value("Authorization");
        return header.substr(std::min<std::size_t>(header.size(), 7));
    }

    core::SystemClock clock_;
    core::SystemRandom random_;
    std::unique_ptr<collector::Store> store_;
    core::EnrollResponse device_;
    httplib::SSLServer server_;
    int port_ = 0;
    std::thread thread_;
    std::atomic<Fault> fault_{Fault::None};
    std::mutex mutex_;
    std::condition_variable release_;
    bool released_ = false;
};

struct Fixture {
    testing::TempDir dir;
    testing::TestDatabase db{dir.path()};
    FaultyCollector collector{db.location()};
    testing::SeededRandom random;
    core::SystemClock clock;
    storage::Outbox outbox = storage::Outbox::open(dir / "kiosk.db", random).value();
    // A 2 s request timeout, so a hanging collector costs the test 2 s.
    std::unique_ptr<upload::HttpSender> sender = testing::makeTestSender(seconds(2));
    upload::Uploader uploader{outbox, *sender, {collector.url(), collector.token()}, clock};

    explicit Fixture(int checkIns) {
        for (int i = 0; i < checkIns; ++i) {
            REQUIRE(outbox.add(core::CheckIn{i % 5 + 1, "leeds", 1, 1795845600, {}}));
        }
    }
    std::int64_t pending() { return outbox.pendingCount().value(); }
};

}  // namespace

TEST_CASE("server errors, throttling and a refused token delete nothing") {
    Fixture f(30);
    f.collector.inject(Fault::Status500);
    auto e500 = f.uploader.drain();
    REQUIRE(e500.error);
    CHECK_FALSE(e500.retryAfter);
    CHECK(f.pending() == 30);

    f.collector.inject(Fault::Status503);
    auto e503 = f.uploader.drain();
    REQUIRE(e503.retryAfter);
    CHECK(*e503.retryAfter == seconds(7));
    CHECK_THAT(e503.error->message, Catch::Contains("maintenance"));

    f.collector.inject(Fault::Status429);
    CHECK(*f.uploader.drain().retryAfter == seconds(42));

    f.collector.inject(Fault::Status401);
    auto e401 = f.uploader.drain();
    CHECK(e401.needsReEnrolment);
    CHECK(f.pending() == 30);
    CHECK(f.collector.storedRows() == 0);

    // Once the collector behaves, everything arrives exactly once.
    CHECK_FALSE(f.uploader.drain().error);
    CHECK(f.pending() == 0);
    CHECK(f.collector.storedRows() == 30);
}

TEST_CASE("a hanging collector times out and the batch is sent again later") {
    Fixture f(10);
    f.collector.inject(Fault::Hang);
    auto hung = f.uploader.drain();
    REQUIRE(hung.error);
    CHECK(hung.error->code == core::ErrorCode::Network);
    CHECK_THAT(hung.error->message, Catch::Contains("timed out"));
    CHECK(f.pending() == 10);
    CHECK_FALSE(f.uploader.drain().error);
    CHECK(f.collector.storedRows() == 10);
}

TEST_CASE("a reset mid-answer, or a drop after storing, still ends with exactly one copy") {
    Fixture f(12);
    f.collector.inject(Fault::ResetMidBody);
    auto reset = f.uploader.drain();
    REQUIRE(reset.error);
    CHECK(f.pending() == 12);               // no complete acknowledgement, so nothing deleted
    CHECK(f.collector.storedRows() == 12);  // ... although the collector stored it

    REQUIRE(f.outbox.add(core::CheckIn{3, "leeds", 1, 1795845600, {}}));
    f.collector.inject(Fault::StoreThenDrop);
    auto dropped = f.uploader.drain();
    REQUIRE(dropped.error);
    CHECK(f.pending() == 13);

    // The retries re-send the same batch ids; the collector acknowledges them
    // as duplicates and stores nothing twice.
    CHECK_FALSE(f.uploader.drain().error);
    CHECK(f.pending() == 0);
    CHECK(f.collector.storedRows() == 13);
}

TEST_CASE("a batch refused as invalid is kept on the kiosk and does not block the rest") {
    Fixture f(600);
    f.collector.inject(Fault::Status400);
    const auto outcome = f.uploader.drain();
    CHECK_FALSE(outcome.error);
    CHECK(outcome.batchesDeadLettered == 1);
    CHECK(f.collector.storedRows() == 100);
    auto letters = f.outbox.deadLetters().value();
    REQUIRE(letters.size() == 1);
    CHECK(letters[0].checkIns == 500);
    CHECK_THAT(letters[0].reason,
               Catch::Contains("HTTP 400") && Catch::Contains("checkins[0].score"));
}
