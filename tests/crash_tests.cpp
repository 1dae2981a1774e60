// The crash test: the kiosk (headless, real storage and uploader) is killed
// with SIGKILL at random moments while check-ins are made and uploaded, and the
// collector is killed and restarted too. Afterwards every check-in the kiosk
// thanked someone for is at the collector exactly once, nothing is invented,
// and both databases pass PRAGMA integrity_check.
#include <signal.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "support/test_support.hpp"

using namespace carekiosk;
using namespace std::chrono;

namespace {

const std::string kCollector = CAREKIOSK_COLLECTOR_BIN;
const std::string kProvision = CAREKIOSK_PROVISION_BIN;
const std::string kKiosk = CAREKIOSK_KIOSK_BIN;
const std::string kDriver = CAREKIOSK_CRASH_DRIVER_BIN;
constexpr std::int64_t kFirstHour = 1795845600;
constexpr int kRounds = 50;

}  // namespace

TEST_CASE("killing the kiosk and the collector at random never loses or duplicates a check-in") {
    testing::TempDir dir;
    const std::string db = (dir / "collector.db").string();
    testing::runOk(
        {kCollector, "admin", "create-site", "--db", db, "--site", "leeds", "--name", "Leeds"});
    const std::string code =
        testing::runOk({kCollector, "admin", "enroll-code", "--db", db, "--site", "leeds"});
    auto startCollector = [&](const std::string& listen) {
        auto child = std::make_unique<testing::ChildProcess>(std::vector<std::string>{
            kCollector, "serve", "--db", db, "--listen", listen, "--cert",
            testing::TestCa::serverCert(), "--key", testing::TestCa::serverKey()});
        const std::string banner = child->readLine(steady_clock::now() + seconds(20));
        REQUIRE(banner.find("https://") != std::string::npos);
        return std::make_pair(std::move(child), banner.substr(banner.find("https://")));
    };
    auto [collector, url] = startCollector("127.0.0.1:0");
    const std::string listen = url.substr(std::string("https://").size());
    const std::string config = (dir / "kiosk.json").string();
    testing::runOk({kProvision, "enroll", "--server", url, "--code", code, "--ca",
                    testing::TestCa::caFile(), "--out", config});

    const auto seed = std::random_device{}();
    INFO("random seed " << seed);
    std::mt19937 random(seed);
    std::set<std::int64_t> thanked;
    std::set<std::int64_t> mayExist;  // the one check-in per kill that may be saved but unthanked
    std::int64_t nextIndex = 0;
    int collectorKills = 0;
    for (int round = 0; round < kRounds; ++round) {
        testing::ChildProcess kiosk({kDriver, "--config", config, "--first-hour",
                                     std::to_string(kFirstHour + nextIndex * 3600), "--count",
                                     "1000"});
        REQUIRE(kiosk.readLine(steady_clock::now() + seconds(30)) == "ready");
        const auto start = steady_clock::now();
        const auto killAt = start + milliseconds(std::uniform_int_distribution(50, 1500)(random));
        // In every other round the collector dies too, at its own random moment
        // (maybe mid-batch, maybe after storing but before answering), and stays
        // down until the kiosk has been killed.
        const bool killCollector = round % 2 == 1;
        const auto collectorKillAt =
            start + milliseconds(std::uniform_int_distribution(0, 1500)(random));
        std::int64_t last = kFirstHour + (nextIndex - 1) * 3600;
        auto readUntil = [&](steady_clock::time_point deadline) {
            for (auto line = kiosk.readLine(deadline); !line.empty();
                 line = kiosk.readLine(deadline)) {
                REQUIRE(line.rfind("thanked ", 0) == 0);
                last = std::stoll(line.substr(8));
                thanked.insert(last);
            }
        };
        if (killCollector && collectorKillAt < killAt) {
            readUntil(collectorKillAt);
            collector->kill(SIGKILL);
            ++collectorKills;
        }
        readUntil(killAt);
        kiosk.kill(SIGKILL);
        // Lines written before the kill are still in the pipe.
        readUntil(steady_clock::now() + seconds(5));
        if (killCollector) {
            collector.reset();
            collector = startCollector(listen).first;
        }
        mayExist.insert(last + 3600);
        nextIndex = (last - kFirstHour) / 3600 + 2;  // leave the in-flight hour unused
    }
    REQUIRE(thanked.size() > 20);
    std::printf("crash test (seed %u): %zu check-ins thanked, %d kiosk and %d collector kills\n",
                seed, thanked.size(), kRounds, collectorKills);

    // A clean restart sends whatever is still queued.
    auto drained = testing::runCommand({kKiosk, "--config", config, "--upload-and-exit"});
    INFO("final upload: " << drained.out << drained.err);
    REQUIRE(drained.exitCode == 0);
    collector.reset();  // SIGTERM: a clean stop

    const auto kioskDb = dir / "carekiosk.db";
    CHECK(testing::queryStrings(kioskDb, "PRAGMA integrity_check") ==
          std::vector<std::string>{"ok"});
    CHECK(testing::queryStrings(db, "PRAGMA integrity_check") == std::vector<std::string>{"ok"});
    CHECK(testing::queryStrings(kioskDb, "SELECT count(*) FROM checkins")[0] == "0");

    std::map<std::int64_t, int> atCollector;
    for (const auto& hour : testing::queryStrings(db, "SELECT hour_bucket FROM checkins")) {
        ++atCollector[std::stoll(hour)];
    }
    for (auto hour : thanked) {
        INFO("thanked check-in at hour " << hour);
        CHECK(atCollector[hour] == 1);
    }
    for (const auto& [hour, n] : atCollector) {
        INFO("collector row at hour " << hour);
        CHECK(n == 1);
        CHECK((thanked.count(hour) == 1 || mayExist.count(hour) == 1));
    }
}
