// The crash test: the kiosk (headless, real storage and uploader) is killed
// with SIGKILL at random moments while check-ins are made and uploaded, and the
// collector is killed and restarted too. Afterwards every check-in the kiosk
// thanked someone for is at the collector exactly once, nothing is invented,
// and both databases pass PRAGMA integrity_check.
#include <signal.h>
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "support/sqlite_pages.hpp"
#include "support/test_support.hpp"

using namespace carekiosk;
using namespace std::chrono;

namespace {

const std::string kCollector = CAREKIOSK_COLLECTOR_BIN;
const std::string kProvision = CAREKIOSK_PROVISION_BIN;
const std::string kKiosk = CAREKIOSK_KIOSK_BIN;
const std::string kDriver = CAREKIOSK_CRASH_DRIVER_BIN;
constexpr int kRounds = 50;

// The first check-in's hour: 85 days ago, inside the 90 days before its
// enrolment that the collector accepts from a kiosk (crash_driver puts five
// check-ins in each hour from there on).
std::int64_t firstHour() {
    const auto now = duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
    return now / 3600 * 3600 - 85 * 24 * 3600;
}

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
    const std::int64_t hour0 = firstHour();  // of check-in 0
    std::set<std::int64_t> thanked;          // check-in ids (crash_driver.cpp)
    std::set<std::int64_t> mayExist;  // the one check-in per kill that may be saved but unthanked
    std::int64_t nextIndex = 0;
    int collectorKills = 0;
    for (int round = 0; round < kRounds; ++round) {
        testing::ChildProcess kiosk({kDriver, "--config", config, "--first-hour",
                                     std::to_string(hour0), "--first-index",
                                     std::to_string(nextIndex), "--count", "1000"});
        REQUIRE(kiosk.readLine(steady_clock::now() + seconds(30)) == "ready");
        const auto start = steady_clock::now();
        const auto killAt = start + milliseconds(std::uniform_int_distribution(50, 1500)(random));
        // In every other round the collector dies too, at its own random moment
        // (maybe mid-batch, maybe after storing but before answering), and stays
        // down until the kiosk has been killed.
        const bool killCollector = round % 2 == 1;
        const auto collectorKillAt =
            start + milliseconds(std::uniform_int_distribution(0, 1500)(random));
        std::int64_t last = nextIndex - 1;
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
        mayExist.insert(last + 1);
        nextIndex = last + 2;  // leave the in-flight id unused
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

    // Each row back to its id: five ids to an hour, told apart by the score.
    std::map<std::int64_t, int> atCollector;
    for (const auto& row :
         testing::queryStrings(db, "SELECT ((hour_bucket - " + std::to_string(hour0) +
                                       ") / 3600) * 5 + score - 1 FROM checkins")) {
        ++atCollector[std::stoll(row)];
    }
    for (auto id : thanked) {
        INFO("thanked check-in " << id);
        CHECK(atCollector[id] == 1);
    }
    for (const auto& [id, n] : atCollector) {
        INFO("collector row " << id);
        CHECK(n == 1);
        CHECK((thanked.count(id) == 1 || mayExist.count(id) == 1));
    }
}

// Of the pairs of rows that share a page, the share whose cells lie in the
// order the rows were written (older higher up the page, as SQLite places a
// new cell below the others). About a half when placement says nothing of
// that order; near 1 when it gives it away. `order(row)` is when it was written.
template <typename OrderOf>
double placedInWritingOrder(const std::vector<testing::RowOnPage>& rows, OrderOf order,
                            int& pairs) {
    int agree = 0;
    pairs = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        for (std::size_t j = i + 1; j < rows.size(); ++j) {
            const auto& a = rows[i];
            const auto& b = rows[j];
            if (a.file != b.file || a.page != b.page || order(a) == order(b)) {
                continue;
            }
            ++pairs;
            agree += (order(a) < order(b)) == (a.offset > b.offset) ? 1 : 0;
        }
    }
    return pairs == 0 ? 0.5 : static_cast<double>(agree) / pairs;
}

TEST_CASE("after a power cut the kiosk's files do not tell the order people came in") {
    testing::TempDir dir;
    // Enrolled with a collector that is then gone: check-ins pile up, as on a
    // kiosk that lost its network, and batches are assigned and retried.
    const std::string db = (dir / "collector.db").string();
    testing::runOk(
        {kCollector, "admin", "create-site", "--db", db, "--site", "leeds", "--name", "Leeds"});
    const std::string code =
        testing::runOk({kCollector, "admin", "enroll-code", "--db", db, "--site", "leeds"});
    const std::string config = (dir / "kiosk.json").string();
    {
        testing::ChildProcess collector({kCollector, "serve", "--db", db, "--listen", "127.0.0.1:0",
                                         "--cert", testing::TestCa::serverCert(), "--key",
                                         testing::TestCa::serverKey()});
        const std::string banner = collector.readLine(steady_clock::now() + seconds(20));
        REQUIRE(banner.find("https://") != std::string::npos);
        testing::runOk({kProvision, "enroll", "--server", banner.substr(banner.find("https://")),
                        "--code", code, "--ca", testing::TestCa::caFile(), "--out", config});
    }
    const auto kioskDb = dir / "carekiosk.db";
    const std::int64_t hour0 = firstHour();
    // crash_driver's check-in ids: five to an hour, told apart by the score.
    const auto idOf = [&](const testing::RowOnPage& row) {
        return (row.hour - hour0) / 3600 * 5 + row.score - 1;
    };
    std::mt19937 random(std::random_device{}());
    for (int round = 0; round < 4; ++round) {
        testing::ChildProcess kiosk({kDriver, "--config", config, "--first-hour",
                                     std::to_string(hour0), "--first-index",
                                     std::to_string(round * 1000), "--count", "1000"});
        REQUIRE(kiosk.readLine(steady_clock::now() + seconds(30)) == "ready");
        // The power goes after 60 to 200 thanked check-ins: maybe mid-commit.
        const int thanked = 60 + static_cast<int>(random() % 140);
        for (int i = 0; i < thanked; ++i) {
            REQUIRE(kiosk.readLine(steady_clock::now() + seconds(30)).rfind("thanked ", 0) == 0);
        }
        kiosk.kill(SIGKILL);
        // The files as a thief finds them, the log of an interrupted commit
        // included (it holds at most that one commit: earlier ones were
        // checkpointed and the log emptied).
        INFO("round " << round << ", " << thanked << " more thanked");
        CHECK_FALSE(std::filesystem::exists(kioskDb.string() + "-journal"));
        const auto found = testing::SqlitePages::read(kioskDb.string(), kioskDb.string() + "-wal");
        CHECK(found.dirtyFreePages.empty());
        int pairs = 0;
        const double share = placedInWritingOrder(found.rows, idOf, pairs);
        INFO(found.rows.size() << " rows on their pages, " << pairs << " pairs, " << share
                               << " placed in the order written");
        REQUIRE(pairs > 500);
        CHECK(share > 0.35);
        CHECK(share < 0.65);
    }
    CHECK(testing::queryStrings(kioskDb, "PRAGMA integrity_check") ==
          std::vector<std::string>{"ok"});

    // The same look at a file written without these measures (random keys,
    // a commit each, a write-ahead log checkpointed into it) sees the order.
    const auto plain = dir / "plain.db";
    sqlite3* handle = nullptr;
    REQUIRE(sqlite3_open(plain.c_str(), &handle) == SQLITE_OK);
    REQUIRE(sqlite3_exec(handle,
                         "PRAGMA journal_mode=WAL; CREATE TABLE checkins (id BLOB PRIMARY KEY, "
                         "score INTEGER, site_id TEXT, question_set_version INTEGER, hour_bucket "
                         "INTEGER, batch_id TEXT, reasons TEXT, team TEXT) WITHOUT ROWID",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    for (int i = 0; i < 150; ++i) {
        const std::string insert = "INSERT INTO checkins VALUES (randomblob(16), " +
                                   std::to_string(i % 5 + 1) + ", 'leeds', 1, " +
                                   std::to_string(hour0 + i / 5 * 3600) + ", NULL, '', '')";
        REQUIRE(sqlite3_exec(handle, insert.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    }
    REQUIRE(sqlite3_exec(handle, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
    sqlite3_close(handle);
    int pairs = 0;
    const double share =
        placedInWritingOrder(testing::SqlitePages::read(plain.string(), "").rows, idOf, pairs);
    INFO(pairs << " pairs, " << share << " placed in the order written");
    REQUIRE(pairs > 500);
    CHECK(share > 0.7);
}
