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

TEST_CASE("a damaged collector database is refused and left alone, and a backup restores it all") {
    Site site;
    {
        testing::SeededRandom random;
        auto outbox = storage::Outbox::open(site.kioskDb(), random).value();
        for (int i = 0; i < 5; ++i) {
            REQUIRE(outbox.add(core::CheckIn{i + 1, "leeds", 1, thisHour(), {}}));
        }
    }
    testing::runCommand({kKiosk, "--config", site.config, "--upload-and-exit"});
    REQUIRE(site.storedAtCollector() == "5");
    // A backup taken while the collector serves.
    const std::string backup = (site.dir / "backup.db").string();
    CHECK_THAT(testing::runOk({kCollector, "admin", "backup", "--db", site.db, "--to", backup}),
               Catch::Contains("backed up"));
    const auto again =
        testing::runCommand({kCollector, "admin", "backup", "--db", site.db, "--to", backup});
    CHECK(again.exitCode != 0);
    CHECK_THAT(again.err, Catch::Contains("already exists"));
    site.collector->stopAndReadRest();

    // The disk damages the database: every page after the first gets garbage
    // where its b-tree header was.
    {
        std::fstream file(site.db, std::ios::in | std::ios::out | std::ios::binary);
        const auto size = std::filesystem::file_size(site.db);
        for (std::uintmax_t page = 4096; page < size; page += 4096) {
            file.seekp(static_cast<std::streamoff>(page));
            file.write("\x0d\xff\xff\xff\xff\xff\xff\xff", 8);
        }
    }
    const auto readAll = [](const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    const std::string damaged = readAll(site.db);
    const auto refused = testing::runCommand(
        {kCollector, "serve", "--db", site.db, "--listen", "127.0.0.1:0", "--cert",
         testing::TestCa::serverCert(), "--key", testing::TestCa::serverKey()});
    CHECK(refused.exitCode != 0);
    CHECK_THAT(refused.err, Catch::Contains("is damaged") &&
                                Catch::Contains("restore the newest backup") &&
                                Catch::Contains("nothing was changed"));
    CHECK(refused.out.find("https://") == std::string::npos);  // it never listened
    CHECK(readAll(site.db) == damaged);

    // Restore: the backup in its place, and everything acknowledged is back,
    // the kiosk's token included.
    std::filesystem::copy_file(backup, site.db, std::filesystem::copy_options::overwrite_existing);
    testing::ChildProcess restored({kCollector, "serve", "--db", site.db, "--listen", "127.0.0.1:0",
                                    "--cert", testing::TestCa::serverCert(), "--key",
                                    testing::TestCa::serverKey()});
    const std::string banner = restored.readLine(steady_clock::now() + seconds(20));
    REQUIRE(banner.find("https://") != std::string::npos);
    CHECK(site.storedAtCollector() == "5");
    const std::string url = testing::trimmed(banner.substr(banner.find("https://")));
    auto sender = testing::makeTestSender();
    const auto token = core::loadKioskConfigFile(site.config).value().deviceToken;
    CHECK(testing::sendOk(*sender, "GET", url + "/v1/ping", token).status == 200);
}

TEST_CASE("a kiosk started on a full disk shows check-ins paused instead of exiting") {
    // A real ENOSPC: a 64 KiB tmpfs, mounted in a mount namespace of the
    // kiosk's own (unshare, as an unprivileged user may) and filled before the
    // kiosk starts, so that SQLite cannot write the database's first page.
    testing::TempDir dir;
    const auto full = dir / "full";
    std::filesystem::create_directories(full);
    const auto config = dir / "kiosk.json";
    std::ofstream(config) << R"({"server_url": "https://127.0.0.1:9", "ca_file": ")"
                          << testing::TestCa::caFile() << R"(", "device_id": "kiosk-1",
        "device_token": "t", "site_id": "leeds", "database": ")"
                          << (full / "kiosk.db").string() << R"("})";
    const auto shot = dir / "welcome.png";
    const auto run =
        testing::runCommand({"/usr/bin/unshare", "-rm", "/bin/sh", "-c",
                             "mount -t tmpfs -o size=64k tmpfs \"$1\" || exit 97; "
                             "head -c 1048576 /dev/zero > \"$1/fill\" 2>/dev/null; "
                             "exec \"$2\" --config \"$3\" --screenshot \"$4\"",
                             "sh", full.string(), kKiosk, config.string(), shot.string()});
    INFO(run.out << run.err);
    REQUIRE(run.exitCode != 97);  // the test could not make a full disk
    CHECK(run.exitCode == 0);
    CHECK_THAT(run.err, Catch::Contains("check-ins are paused") && Catch::Contains("full") &&
                            Catch::Contains("tries again"));
    CHECK(std::filesystem::file_size(shot) > 1000);
}

TEST_CASE("made-up check-ins need --demo: a kiosk in service never uploads simulated taps") {
    Site site;
    for (const std::vector<std::string>& extra :
         {std::vector<std::string>{"--simulate-checkins", "3"},
          std::vector<std::string>{"--days-ago", "2"}}) {
        std::vector<std::string> argv{kKiosk, "--config", site.config, "--windowed", "800x480"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        const auto refused = testing::runCommand(argv);
        INFO(refused.out << refused.err);
        CHECK(refused.exitCode == 2);
        CHECK_THAT(refused.err, Catch::Contains(extra[0]) && Catch::Contains("add --demo"));
    }
    testing::SeededRandom random;
    auto outbox = storage::Outbox::open(site.kioskDb(), random).value();
    CHECK(outbox.pendingCount().value() == 0);
    CHECK(site.storedAtCollector() == "0");
}
