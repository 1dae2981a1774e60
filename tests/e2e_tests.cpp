// End to end: the real collector and CLI binaries, a CA made for this run,
// enrolment through carekiosk-provision, 50 check-ins tapped into the kiosk
// through SDL touch and mouse events on the offscreen driver, upload over TLS,
// and the manager's summary through carekiosk-report.
#include <sys/stat.h>

#include <array>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "carekiosk/collector/store.hpp"
#include "carekiosk/core/config.hpp"
#include "carekiosk/kiosk/kiosk_app.hpp"
#include "carekiosk/kiosk/tap_driver.hpp"
#include "support/test_support.hpp"

using namespace carekiosk;
using namespace std::chrono;

namespace {

const std::string kCollector = CAREKIOSK_COLLECTOR_BIN;
const std::string kProvision = CAREKIOSK_PROVISION_BIN;
const std::string kReport = CAREKIOSK_REPORT_BIN;
const std::string kKiosk = CAREKIOSK_KIOSK_BIN;

std::string admin(const std::vector<std::string>& args) {
    std::vector<std::string> argv{kCollector, "admin"};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::runOk(argv);
}

}  // namespace

TEST_CASE("50 check-ins travel from the touchscreen to the manager's summary") {
    testing::TempDir dir;
    const testing::TestDatabase database(dir.path());  // SQLite, or PostgreSQL with --store
    const std::string db = database.location();
    admin({"create-site", "--db", db, "--site", "leeds", "--name", "Leeds office"});
    const std::string code = admin({"enroll-code", "--db", db, "--site", "leeds"});
    const std::string managerToken = admin({"manager-token", "--db", db, "--name", "Ana"});

    testing::ChildProcess collector(
        {kCollector, "serve", "--db", db, "--listen", "127.0.0.1:0", "--cert",
         testing::TestCa::serverCert(), "--key", testing::TestCa::serverKey()},
        /*mergeStderr=*/true);
    const std::string banner = collector.readLine(steady_clock::now() + seconds(20));
    const auto at = banner.find("https://");
    REQUIRE(at != std::string::npos);
    const std::string url = banner.substr(at);

    // Enrol through the provisioning CLI.
    const std::string configPath = (dir / "kiosk.json").string();
    auto enrolled = testing::runCommand({kProvision, "enroll", "--server", url, "--code", code,
                                         "--ca", testing::TestCa::caFile(), "--out", configPath});
    INFO("provision said: " << enrolled.out << enrolled.err);
    REQUIRE(enrolled.exitCode == 0);
    struct stat info {};
    REQUIRE(stat(configPath.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);

    // The code was single use.
    auto again =
        testing::runCommand({kProvision, "enroll", "--server", url, "--code", code, "--ca",
                             testing::TestCa::caFile(), "--out", (dir / "second.json").string()});
    CHECK(again.exitCode != 0);
    CHECK_THAT(again.err, Catch::Contains("already used"));
    CHECK_FALSE(std::filesystem::exists(dir / "second.json"));

    auto config = core::loadKioskConfigFile(configPath);
    REQUIRE(config);
    CHECK(config->siteId == "leeds");

    // The kiosk, with its real upload worker; what it logs is kept to check.
    testing::StderrCapture kioskLog;
    // Its clock two days behind: the check-ins fall on a day the collector has
    // released (each day is published the morning after).
    core::SystemClock systemClock;
    core::OffsetClock clock(systemClock, -hours(48));
    core::SystemRandom random;
    kiosk::KioskOptions options;
    options.config = config.value();
    options.config.cooldownSeconds = 0;  // the taps stand for 50 different people
    // No scheduled upload in the middle of the taps: this test sends with Upload now.
    options.config.uploadIntervalSeconds = 86400;
    options.width = 1280;
    options.height = 800;
    options.forceWindowed = true;
    auto app = kiosk::KioskApp::create(options, clock, random);
    REQUIRE(app);

    std::array<int, 5> expected{};
    int total = 0;
    for (int i = 0; i < 50; ++i) {
        const int score = (i * 7 + i / 5) % 5 + 1;
        const auto kind = i % 2 == 0 ? kiosk::PointerKind::Touch : kiosk::PointerKind::Mouse;
        // Some people pick reasons; most do not.
        std::vector<std::string> reasons;
        if (i % 5 == 0) {
            reasons = {"workload"};
        } else if (i % 7 == 0) {
            reasons = {"team", "commute"};
        }
        auto done = kiosk::driveCheckIn(*app.value(), score, kind, reasons);
        INFO("check-in " << i << ": " << (done ? "" : done.error().message));
        REQUIRE(done);
        ++expected[static_cast<std::size_t>(score - 1)];
        total += score;
    }
    INFO("scheduled tries so far: " << app.value()->uploadStatus().attempts);
    CHECK(testing::queryStrings(config->databasePath, "SELECT count(*) FROM checkins")[0] == "50");

    const auto ticket = app.value()->uploadNow();
    const bool uploaded = kiosk::pumpUntil(
        *app.value(),
        [&] {
            const auto s = app.value()->uploadStatus();
            return s.requestsServed >= ticket && s.lastAttemptOk && s.pending == 0;
        },
        steady_clock::now() + seconds(60));
    INFO("upload status: " << app.value()->uploadStatus().lastError);
    REQUIRE(uploaded);
    CHECK(app.value()->uploadStatus().acknowledgedTotal == 50);
    // Its log never holds an answer: no reason picked, no score.
    const std::string logged = kioskLog.text();
    INFO("kiosk log: " << logged);
    for (const char* answer : {"workload", "commute", "team", "score"}) {
        CHECK(logged.find(answer) == std::string::npos);
    }
    CHECK(testing::queryStrings(config->databasePath, "SELECT count(*) FROM checkins")[0] == "0");
    // The reasons arrived with their check-ins (10 with workload; 6 with team and commute).
    CHECK(database.query("SELECT reason || '=' || count(*) FROM checkin_reasons "
                         "GROUP BY reason ORDER BY reason") ==
          std::vector<std::string>{"commute=6", "team=6", "workload=10"});

    // The manager's view, through the report CLI.
    auto report =
        testing::runCommand({kReport, "summary", "--server", url, "--token", managerToken, "--site",
                             "leeds", "--ca", testing::TestCa::caFile(), "--csv"});
    INFO("report said: " << report.out << report.err);
    REQUIRE(report.exitCode == 0);
    std::istringstream lines(report.out);
    std::string line;
    std::getline(lines, line);
    CHECK_THAT(line, Catch::StartsWith("period,start,end,count,mean"));
    int count = 0;
    std::array<int, 5> perScore{};
    std::map<std::string, int> reasonCounts;
    while (std::getline(lines, line)) {
        // A run across midnight UTC splits into two days; add them up.
        std::vector<std::string> cells;
        std::stringstream row(testing::trimmed(line));
        for (std::string cell; std::getline(row, cell, ',');) {
            cells.push_back(cell);
        }
        REQUIRE(cells.size() == 14);
        count += std::stoi(cells[3]);
        for (std::size_t s = 0; s < 5; ++s) {
            perScore[s] += std::stoi(cells[6 + s]);
        }
        std::stringstream named(cells[13]);
        for (std::string item; named >> item;) {
            const auto eq = item.find('=');
            REQUIRE(eq != std::string::npos);
            reasonCounts[item.substr(0, eq)] += std::stoi(item.substr(eq + 1));
        }
    }
    CHECK(count == 50);
    CHECK(reasonCounts ==
          std::map<std::string, int>{{"commute", 6}, {"team", 6}, {"workload", 10}});
    CHECK(perScore == expected);
    int weighted = 0;
    for (std::size_t s = 0; s < 5; ++s) {
        weighted += static_cast<int>(s + 1) * perScore[s];
    }
    CHECK(weighted == total);

    auto table = testing::runCommand({kReport, "summary", "--server", url, "--token", managerToken,
                                      "--site", "leeds", "--ca", testing::TestCa::caFile()});
    REQUIRE(table.exitCode == 0);
    char mean[16];
    std::snprintf(mean, sizeof mean, "%.2f", total / 50.0);
    CHECK_THAT(table.out, Catch::Contains("total") && Catch::Contains(mean));

    // By month, with the dashboard's charts written as SVG files.
    testing::TempDir charts;
    auto monthly = testing::runCommand(
        {kReport, "summary", "--server", url, "--token", managerToken, "--site", "leeds", "--ca",
         testing::TestCa::caFile(), "--by", "month", "--svg", (charts / "svg").string()});
    INFO(monthly.err);
    REQUIRE(monthly.exitCode == 0);
    CHECK_THAT(monthly.out, Catch::Contains("by month"));
    for (const char* name : {"trend.svg", "distribution.svg", "reasons.svg"}) {
        std::ifstream in(charts / "svg" / name);
        const std::string svg((std::istreambuf_iterator<char>(in)), {});
        INFO(name);
        CHECK_THAT(svg, Catch::StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    }
    std::ifstream trend(charts / "svg" / "trend.svg");
    const std::string trendSvg((std::istreambuf_iterator<char>(trend)), {});
    CHECK_THAT(trendSvg, Catch::Contains(": 50 responses"));
    auto badPeriod = testing::runCommand({kReport, "summary", "--server", url, "--token",
                                          managerToken, "--site", "leeds", "--by", "fortnight"});
    CHECK(badPeriod.exitCode != 0);
    CHECK_THAT(badPeriod.err, Catch::Contains("--by"));

    // The collector logged nothing about the uploads or the reads: no client
    // address, no time, no content.
    const std::string collectorLog = collector.stopAndReadRest();
    INFO("collector log: " << collectorLog);
    CHECK(collectorLog.find("127.0.0.1") == std::string::npos);
    CHECK(collectorLog.find("batch") == std::string::npos);
    CHECK(collectorLog.find("workload") == std::string::npos);
}

TEST_CASE("carekiosk --screenshots writes every screen in every language for a person to check") {
    testing::TempDir dir;
    core::KioskConfig c = testing::offlineKioskConfig(dir);
    c.supportResources = {{"Mental-health first aiders", "Ask at reception"}};
    std::ofstream(dir / "kiosk.json") << core::serializeKioskConfig(c);
    const auto shots = dir / "shots";
    auto run = testing::runCommand({kKiosk, "--config", (dir / "kiosk.json").string(),
                                    "--screenshots", shots.string(), "--windowed", "800x480"});
    INFO(run.out << run.err);
    REQUIRE(run.exitCode == 0);
    CHECK_THAT(run.out, Catch::Contains("wrote 40 screenshots (800x480)"));
    for (const char* language : {"en", "cy", "pl"}) {
        for (const char* screen : {"welcome", "about", "breathing", "pulse", "reasons", "thank-you",
                                   "buddy-kind", "buddy-when", "buddy-contact-hint",
                                   "buddy-contact", "still-there", "buddy-sent", "cooldown"}) {
            const auto png = shots / (std::string(screen) + "-" + language + ".png");
            INFO(png);
            CHECK(std::filesystem::file_size(png) > 1000);
        }
    }
    CHECK(std::filesystem::exists(shots / "admin-pin.png"));
    // The tour ran on its own database: the kiosk's outbox was never created.
    CHECK_FALSE(std::filesystem::exists(dir / "kiosk.db"));
    CHECK_FALSE(std::filesystem::exists(shots / "screenshot-tour.db"));
}

TEST_CASE("admin commands run while the collector runs lose nothing and corrupt nothing") {
    // The collector holds two connections to its database, and so does each
    // admin command. Opening the second must not unlock the first (closing any
    // descriptor on the file drops the process's locks): an admin command that
    // then found the database unlocked took itself for its last user and
    // deleted the write-ahead log under the running collector, whose later
    // commits went nowhere.
    testing::TempDir dir;
    const std::string db = (dir / "c.db").string();
    core::SystemClock clock;
    core::SystemRandom random;
    auto server = collector::Store::open(db, clock, random).value();
    REQUIRE(server->createSite("leeds", "Leeds office"));
    for (int round = 0; round < 3; ++round) {
        INFO("round " << round);
        const auto code = testing::runOk(
            {CAREKIOSK_COLLECTOR_BIN, "admin", "enroll-code", "--db", db, "--site", "leeds"});
        auto enrolled = server->enroll(code);
        REQUIRE(enrolled);
        core::Batch batch{std::string(31, 'a') + std::to_string(round),
                          {{4, "leeds", 1, 1795845600, {}}}};
        REQUIRE(server->storeBatch({enrolled->deviceId, "leeds"}, batch));
    }
    CHECK(testing::queryStrings(db, "SELECT count(*) FROM devices")[0] == "3");
    CHECK(testing::queryStrings(db, "SELECT count(*) FROM checkins")[0] == "3");
    CHECK(testing::queryStrings(db, "PRAGMA quick_check")[0] == "ok");
}
