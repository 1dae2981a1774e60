// Delivery under a wrong clock and a hostile path, with real processes: the
// collector serving over TLS, a kiosk enrolled by carekiosk-provision, and
// uploads by `carekiosk --upload-and-exit`. A thanked answer always arrives,
// or is set aside with the collector's reason and can be sent again; nothing
// good is ever taken down with something bad.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "carekiosk/core/config.hpp"
#include "carekiosk/storage/outbox.hpp"
#include "support/test_support.hpp"

using namespace carekiosk;
using namespace std::chrono;

namespace {

const std::string kCollector = CAREKIOSK_COLLECTOR_BIN;
const std::string kProvision = CAREKIOSK_PROVISION_BIN;
const std::string kKiosk = CAREKIOSK_KIOSK_BIN;

// A collector for one site with one enrolled kiosk; the kiosk's config path.
struct Site {
    testing::TempDir dir;
    std::string db = (dir / "collector.db").string();
    std::string config = (dir / "kiosk.json").string();
    std::unique_ptr<testing::ChildProcess> collector;
    std::string url;

    Site() {
        testing::runOk(
            {kCollector, "admin", "create-site", "--db", db, "--site", "leeds", "--name", "Leeds"});
        collector = std::make_unique<testing::ChildProcess>(std::vector<std::string>{
            kCollector, "serve", "--db", db, "--listen", "127.0.0.1:0", "--cert",
            testing::TestCa::serverCert(), "--key", testing::TestCa::serverKey()});
        const std::string banner = collector->readLine(steady_clock::now() + seconds(20));
        REQUIRE(banner.find("https://") != std::string::npos);
        url = banner.substr(banner.find("https://"));
        const std::string code =
            testing::runOk({kCollector, "admin", "enroll-code", "--db", db, "--site", "leeds"});
        testing::runOk({kProvision, "enroll", "--server", url, "--code", code, "--ca",
                        testing::TestCa::caFile(), "--out", config});
    }
    std::filesystem::path kioskDb() const {
        return core::loadKioskConfigFile(config).value().databasePath;
    }
    std::string storedAtCollector() const {
        return testing::queryStrings(db, "SELECT count(*) FROM checkins")[0];
    }
};

std::int64_t thisHour() {
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count() / 3600 * 3600;
}

}  // namespace

TEST_CASE("rows from a wrong clock are set aside with the reason, and the good ones arrive") {
    Site site;
    {
        testing::SeededRandom random;
        auto outbox = storage::Outbox::open(site.kioskDb(), random).value();
        // Five answers made while the clock was right, and three from while
        // it read 2001 (before a fix that pauses check-ins, or an older kiosk).
        for (int i = 0; i < 5; ++i) {
            REQUIRE(outbox.add(core::CheckIn{i + 1, "leeds", 1, thisHour(), {}}));
        }
        for (int i = 0; i < 3; ++i) {
            REQUIRE(outbox.add(core::CheckIn{3, "leeds", 1, 978307200, {}}));
        }
    }
    const auto upload = testing::runCommand({kKiosk, "--config", site.config, "--upload-and-exit"});
    INFO(upload.out << upload.err);
    CHECK(site.storedAtCollector() == "5");
    testing::SeededRandom random;
    {
        auto outbox = storage::Outbox::open(site.kioskDb(), random).value();
        auto letters = outbox.deadLetters().value();
        REQUIRE(letters.size() == 1);
        CHECK(letters[0].checkIns == 3);
        CHECK_THAT(letters[0].reason,
                   Catch::Contains("HTTP 422") && Catch::Contains("hour must be between"));
        CHECK(outbox.pendingCount().value() == 0);
    }
    // Unenrolling now would strand them: refused, with the count and the way out.
    const auto unenroll = testing::runCommand({kProvision, "unenroll", "--config", site.config});
    CHECK(unenroll.exitCode != 0);
    CHECK_THAT(unenroll.err, Catch::Contains("1 set-aside batches (3 check-ins") &&
                                 Catch::Contains("carekiosk-provision resend"));
    CHECK(core::loadKioskConfigFile(site.config).value().deviceToken.size() > 0);
    // Re-sending before the cause is fixed: refused again, set aside again,
    // and still nothing lost or stored twice.
    const auto resend = testing::runCommand({kProvision, "resend", "--config", site.config});
    CHECK_THAT(resend.out, Catch::Contains("put 1 set-aside batches back"));
    CHECK(site.storedAtCollector() == "5");
    auto outbox = storage::Outbox::open(site.kioskDb(), random).value();
    CHECK(outbox.deadLetters().value().size() == 1);
    CHECK(outbox.deadLetters().value()[0].checkIns == 3);
}

TEST_CASE("a proxy's error page is never taken for the collector's refusal: the batch waits") {
    Site site;
    // Something between the kiosk and the collector answers every POST with
    // its own HTML 400 (a proxy, a captive portal).
    httplib::SSLServer proxy(testing::TestCa::serverCert().c_str(),
                             testing::TestCa::serverKey().c_str());
    std::atomic<int> posts{0};
    proxy.Post(".*", [&](const httplib::Request&, httplib::Response& res) {
        ++posts;
        res.status = 400;
        res.set_content("<html><body><h1>400 Bad Request</h1><hr>proxy</body></html>", "text/html");
    });
    const int port = proxy.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    std::thread serving([&] { proxy.listen_after_bind(); });
    struct Stop {
        httplib::SSLServer& server;
        std::thread& thread;
        ~Stop() {
            server.stop();
            thread.join();
        }
    } stop{proxy, serving};
    auto config = core::loadKioskConfigFile(site.config).value();
    const std::string realUrl = config.serverUrl;
    config.serverUrl = "https://127.0.0.1:" + std::to_string(port);
    std::ofstream(site.config) << core::serializeKioskConfig(config);
    {
        testing::SeededRandom random;
        auto outbox = storage::Outbox::open(site.kioskDb(), random).value();
        for (int i = 0; i < 4; ++i) {
            REQUIRE(outbox.add(core::CheckIn{i + 1, "leeds", 1, thisHour(), {}}));
        }
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
        const auto upload =
            testing::runCommand({kKiosk, "--config", site.config, "--upload-and-exit"});
        INFO(upload.out << upload.err);
        CHECK(upload.exitCode != 0);
        CHECK_THAT(upload.out + upload.err, Catch::Contains("something other than the collector"));
    }
    CHECK(posts >= 2);
    testing::SeededRandom random;
    {
        auto outbox = storage::Outbox::open(site.kioskDb(), random).value();
        CHECK(outbox.deadLetters().value().empty());
        CHECK(outbox.pendingCount().value() == 4);
    }
    // The path is fixed: everything arrives, once.
    config.serverUrl = realUrl;
    std::ofstream(site.config) << core::serializeKioskConfig(config);
    const auto upload = testing::runCommand({kKiosk, "--config", site.config, "--upload-and-exit"});
    INFO(upload.out << upload.err);
    CHECK(upload.exitCode == 0);
    CHECK(site.storedAtCollector() == "4");
}
