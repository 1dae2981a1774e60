#include <catch2/catch.hpp>
#include <fstream>
#include <limits>
#include <random>

#include "carekiosk/core/checkin.hpp"
#include "carekiosk/core/clock_check.hpp"
#include "carekiosk/core/config.hpp"
#include "carekiosk/core/wire.hpp"
#include "support/test_support.hpp"

using namespace carekiosk;
using namespace std::chrono;

namespace {

core::Batch sampleBatch() {
    return core::Batch{std::string(32, 'a'),
                       {{4, "leeds", 1, 1795860000, {}}, {2, "leeds", 1, 1795863600, {}}}};
}

std::string validConfigJson() {
    return R"({"server_url": "https://collector.example:8443", "ca_file": "ca.pem",
               "device_id": "kiosk-1", "device_token": "secret", "site_id": "leeds",
               "database": "kiosk.db"})";
}

}  // namespace

TEST_CASE("a check-in keeps only the hour it happened in") {
    // 2026-11-28T06:59:59Z and 06:00:00Z fall in the same bucket.
    const auto late = system_clock::time_point(seconds(1795849199));
    const auto start = system_clock::time_point(seconds(1795845600));
    CHECK(core::hourBucketOf(late) == 1795845600);
    CHECK(core::hourBucketOf(start) == 1795845600);
    CHECK(core::hourBucketOf(start - seconds(1)) == 1795845600 - 3600);
}

TEST_CASE("check-in validation names the field and the allowed range") {
    auto bad = core::validateCheckIn({6, "leeds", 1, 1795845600, {}});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().field == "score");
    CHECK_THAT(bad.error().message, Catch::Contains("between 1 and 5"));

    auto site = core::validateCheckIn({3, "Leeds Office", 1, 1795845600, {}});
    REQUIRE_FALSE(site);
    CHECK(site.error().field == "site_id");

    auto hour = core::validateCheckIn({3, "leeds", 1, 1795845601, {}});
    REQUIRE_FALSE(hour);
    CHECK(hour.error().field == "hour");
}

TEST_CASE("a batch survives the wire unchanged") {
    const auto batch = sampleBatch();
    auto decoded = core::decodeBatch(core::encodeBatch(batch));
    REQUIRE(decoded);
    CHECK(decoded->batchId == batch.batchId);
    CHECK(decoded->checkIns == batch.checkIns);
}

TEST_CASE("the longest valid batch fits the batch bound, which is computed from the limits") {
    // The widest check-in validateCheckIn accepts: every id at its longest,
    // the most reasons, the widest numbers their types hold.
    core::CheckIn widest;
    widest.score = 5;
    widest.siteId = std::string(core::kMaxSiteIdLength, 's');
    widest.questionSetVersion = std::numeric_limits<int>::max();
    widest.hourBucket = std::numeric_limits<std::int64_t>::min() / 3600 * 3600;
    for (std::size_t i = 0; i < core::kMaxReasons; ++i) {
        std::string id(core::kMaxOptionIdLength, 'r');
        id[0] = static_cast<char>('a' + i);  // distinct and sorted
        widest.reasons.push_back(id);
    }
    widest.team = std::string(core::kMaxOptionIdLength, 't');
    REQUIRE(core::validateCheckIn(widest));

    core::Batch one{std::string(core::kBatchIdLength, 'b'), {widest}};
    const std::size_t envelope = core::encodeBatch({one.batchId, {}}).size();
    CHECK(core::encodeBatch(one).size() - envelope == core::kMaxEncodedCheckInBytes);

    core::Batch full{one.batchId, std::vector<core::CheckIn>(core::kMaxRowsPerBatch, widest)};
    const std::size_t longest = core::encodeBatch(full).size();
    CHECK(longest <= core::kMaxBatchBodyBytes);
    CHECK(longest + core::kMaxRowsPerBatch >= core::kMaxBatchBodyBytes);  // tight, not a guess
}

TEST_CASE("bad batches are refused with the field's path") {
    SECTION("score out of range") {
        auto r = core::decodeBatch(R"({"batch_id": ")" + std::string(32, 'b') +
                                   R"(", "checkins": [{"score": 3, "site_id": "leeds",
            "question_set_version": 1, "hour": 1795845600}, {"score": 9, "site_id": "leeds",
            "question_set_version": 1, "hour": 1795845600}]})");
        REQUIRE_FALSE(r);
        CHECK(r.error().field == "checkins[1].score");
        CHECK_THAT(r.error().message, Catch::Contains("between 1 and 5"));
    }
    SECTION("an unknown field such as an exact timestamp") {
        auto r = core::decodeBatch(R"({"batch_id": ")" + std::string(32, 'b') +
                                   R"(", "checkins": [{"score": 3, "site_id": "leeds",
            "question_set_version": 1, "hour": 1795845600, "timestamp": 1795845623}]})");
        REQUIRE_FALSE(r);
        CHECK(r.error().field == "checkins[0].timestamp");
        CHECK_THAT(r.error().message, Catch::Contains("remove it"));
    }
    SECTION("missing batch id") {
        auto r = core::decodeBatch(R"({"checkins": []})");
        REQUIRE_FALSE(r);
        CHECK(r.error().field == "batch_id");
    }
    SECTION("not JSON") {
        auto r = core::decodeBatch("{\"batch_id\": ");
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().message, Catch::Contains("not valid JSON"));
    }
    SECTION("more rows than a batch may hold") {
        core::Batch big{std::string(32, 'c'), {}};
        big.checkIns.assign(core::kMaxRowsPerBatch + 1, {3, "leeds", 1, 1795845600, {}});
        auto r = core::decodeBatch(core::encodeBatch(big));
        REQUIRE_FALSE(r);
        CHECK(r.error().field == "checkins");
        CHECK_THAT(r.error().message, Catch::Contains("at most 500"));
    }
}

TEST_CASE("the kiosk config is parsed strictly with errors a person can act on") {
    auto ok = core::parseKioskConfig(validConfigJson());
    REQUIRE(ok);
    CHECK(ok->uploadIntervalSeconds == 600);
    CHECK(ok->siteName == "leeds");

    auto plain = core::parseKioskConfig(R"({"server_url": "http://collector:80", "ca_file": "c",
        "device_id": "k", "device_token": "t", "site_id": "leeds", "database": "d"})");
    REQUIRE_FALSE(plain);
    CHECK(plain.error().field == "server_url");
    CHECK_THAT(plain.error().message, Catch::Contains("https://"));

    auto missing = core::parseKioskConfig(R"({"server_url": "https://c", "ca_file": "c",
        "device_id": "k", "site_id": "leeds", "database": "d"})");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().field == "device_token");

    auto typo = core::parseKioskConfig(R"({"server_url": "https://c", "ca_file": "c",
        "device_id": "k", "device_token": "t", "site_id": "leeds", "database": "d",
        "upload_intervall_seconds": 60})");
    REQUIRE_FALSE(typo);
    CHECK(typo.error().field == "upload_intervall_seconds");

    auto range = core::parseKioskConfig(R"({"server_url": "https://c", "ca_file": "c",
        "device_id": "k", "device_token": "t", "site_id": "leeds", "database": "d",
        "upload_interval_seconds": 1})");
    REQUIRE_FALSE(range);
    CHECK_THAT(range.error().message, Catch::Contains("between 10 and 86400"));
}

TEST_CASE("the kiosk draws in software unless its config asks for the GPU") {
    auto plain = core::parseKioskConfig(validConfigJson());
    REQUIRE(plain);
    CHECK(plain->renderer == core::KioskRenderer::Software);

    const std::string base = R"({"server_url": "https://c", "ca_file": "c", "device_id": "k",
        "device_token": "t", "site_id": "leeds", "database": "d", "renderer": )";
    auto gpu = core::parseKioskConfig(base + "\"gpu\"}");
    REQUIRE(gpu);
    CHECK(gpu->renderer == core::KioskRenderer::Gpu);
    // Written back as it was read: provisioning rewrites the file.
    auto again = core::parseKioskConfig(core::serializeKioskConfig(gpu.value()));
    REQUIRE(again);
    CHECK(again->renderer == core::KioskRenderer::Gpu);

    auto wrong = core::parseKioskConfig(base + "\"opengl\"}");
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().field == "renderer");
    CHECK_THAT(wrong.error().message, Catch::Contains("\"opengl\"") &&
                                          Catch::Contains("\"software\"") &&
                                          Catch::Contains("\"gpu\""));
}

TEST_CASE("a config file's relative paths are resolved beside it, and errors name the file") {
    testing::TempDir dir;
    {
        std::ofstream out(dir / "kiosk.json");
        out << validConfigJson();
    }
    auto loaded = core::loadKioskConfigFile(dir / "kiosk.json");
    REQUIRE(loaded);
    CHECK(loaded->databasePath == (dir / "kiosk.db").string());
    CHECK(loaded->caFile == (dir / "ca.pem").string());

    auto absent = core::loadKioskConfigFile(dir / "nope.json");
    REQUIRE_FALSE(absent);
    CHECK_THAT(absent.error().message, Catch::Contains("nope.json"));
    CHECK_THAT(absent.error().message, Catch::Contains("carekiosk-provision enroll"));
}

TEST_CASE("dates are validated") {
    auto d = core::parseDate("2026-11-22", "from");
    REQUIRE(d);
    CHECK(core::formatDate(d.value()) == "2026-11-22");
    CHECK_FALSE(core::parseDate("2026-02-30", "from"));
    auto bad = core::parseDate("22/11/2026", "to");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().field == "to");
    // Found by fuzz_summary: sscanf alone took a space or a sign inside a date.
    CHECK_FALSE(core::parseDate("2068-11- 1", "from"));
    CHECK_FALSE(core::parseDate("2026-+1-01", "from"));
    CHECK_FALSE(core::parseDate(" 026-11-01", "from"));
    CHECK_FALSE(core::parseDate("-000-01-31", "to"));  // and a sign where a digit belongs
}

TEST_CASE("a heartbeat survives the wire, and a strange one is refused naming the field") {
    core::Heartbeat h;
    h.version = "0.1.0";
    h.pending = 12;
    h.oldestPendingHours = 3;
    h.deadLetters = 1;
    h.lastError = "timed out";
    h.diskFreeMegabytes = 2048;
    h.uptimeSeconds = 86400;
    h.configVersion = 4;
    h.configError = "site config v5 refused: reasons[0]";
    auto decoded = core::decodeHeartbeat(core::encodeHeartbeat(h));
    REQUIRE(decoded);
    CHECK(decoded.value() == h);
    auto negative = core::decodeHeartbeat(
        R"({"version":"1","pending":-1,"oldest_pending_hours":0,"dead_letters":0,
            "disk_free_mb":1,"uptime_seconds":1,"config_version":0})");
    REQUIRE_FALSE(negative);
    CHECK(negative.error().field == "pending");
    auto missing = core::decodeHeartbeat(R"({"version":"1"})");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().field == "pending");
}

TEST_CASE("quiet hours are HH:MM pairs that may wrap past midnight") {
    const core::QuietHours night{19 * 60, 7 * 60};
    CHECK(night.contains(23 * 60));
    CHECK(night.contains(0));
    CHECK(night.contains(6 * 60 + 59));
    CHECK_FALSE(night.contains(7 * 60));
    CHECK_FALSE(night.contains(12 * 60));
    CHECK(night.contains(19 * 60));
    const core::QuietHours lunch{12 * 60, 13 * 60};
    CHECK(lunch.contains(12 * 60 + 30));
    CHECK_FALSE(lunch.contains(13 * 60));

    core::KioskConfig base;
    base.serverUrl = "https://collector.example";
    base.caFile = "ca.pem";
    base.deviceId = "kiosk-1";
    base.deviceToken = "t";
    base.siteId = "leeds";
    base.databasePath = "k.db";
    auto applied =
        core::applySiteContent(base, R"({"quiet_hours": {"start": "19:30", "end": "07:00"}})");
    REQUIRE(applied);
    REQUIRE(applied->quietHours);
    CHECK(applied->quietHours->startMinute == 19 * 60 + 30);
    // The config file round-trips them.
    auto reparsed = core::parseKioskConfig(core::serializeKioskConfig(applied.value()));
    REQUIRE(reparsed);
    CHECK(reparsed->quietHours == applied->quietHours);

    auto bad =
        core::applySiteContent(base, R"({"quiet_hours": {"start": "25:00", "end": "07:00"}})");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().field == "quiet_hours.start");
    auto same =
        core::applySiteContent(base, R"({"quiet_hours": {"start": "07:00", "end": "07:00"}})");
    REQUIRE_FALSE(same);
    CHECK(same.error().field == "quiet_hours");
    auto extra = core::applySiteContent(
        base, R"({"quiet_hours": {"start": "19:00", "end": "07:00", "days": "weekdays"}})");
    REQUIRE_FALSE(extra);
    CHECK(extra.error().field == "quiet_hours.days");
}

TEST_CASE("the welcome message is the newest dated one in range, else the standing one") {
    core::KioskConfig c;
    c.youSaidWeDid = "standing";
    CHECK(core::messageForDay(c, 100) == "standing");
    c.messages = {{"early", 90, 110}, {"later", 95, 100}, {"future", 120, 130}};
    CHECK(core::messageForDay(c, 92) == "early");
    CHECK(core::messageForDay(c, 97) == "later");   // the newer start wins
    CHECK(core::messageForDay(c, 105) == "early");  // "later" has ended
    CHECK(core::messageForDay(c, 115) == "standing");
    CHECK(core::messageForDay(c, 130) == "future");
}

TEST_CASE("the fast batch decoder and the tree decoder agree, valid or not") {
    std::mt19937_64 random(11);
    const std::vector<std::string> reasons{"health", "home", "team", "workload"};  // sorted
    int fastAccepted = 0;
    for (int round = 0; round < 300; ++round) {
        core::Batch batch{std::string(31, 'a') + "0123456789abcdef" [round % 16], {}};
        const auto rows = 1 + random() % 20;
        for (std::size_t r = 0; r < rows; ++r) {
            core::CheckIn c{static_cast<int>(random() % 5) + 1,
                            "leeds",
                            1,
                            1795845600 + static_cast<std::int64_t>(random() % 500) * 3600,
                            {}};
            for (const auto& reason : reasons) {
                if (random() % 3 == 0) {
                    c.reasons.push_back(reason);
                }
            }
            c.team = random() % 2 ? "ops" : "";
            batch.checkIns.push_back(c);
        }
        std::string text = core::encodeBatch(batch);
        // Every third body is broken somewhere: a byte changed to one that
        // makes a different JSON value, key or type.
        if (round % 3 == 1) {
            const char swaps[] = {'0', '9', '"', ',', 'x', ' ', '-', '.', '}', ']', 'n'};
            text[random() % text.size()] = swaps[random() % sizeof swaps];
        }
        auto fast = core::decodeBatch(text);
        auto tree = core::detail::decodeBatchFromTree(text);
        INFO(text);
        REQUIRE(static_cast<bool>(fast) == static_cast<bool>(tree));
        if (fast) {
            CHECK(fast->batchId == tree->batchId);
            CHECK(fast->checkIns == tree->checkIns);
            fastAccepted += round % 3 == 1 ? 0 : 1;
        } else {
            CHECK(fast.error().message == tree.error().message);
            CHECK(fast.error().field == tree.error().field);
        }
    }
    CHECK(fastAccepted == 200);  // every unbroken body decodes
    // What the fast path leaves to the tree decoder: a null team (taken as
    // absent) and a key given twice (refused, naming it).
    const std::string nullTeam =
        R"({"batch_id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "checkins": [{"score": 3, "site_id": "leeds", "question_set_version": 1,
                          "hour": 1795845600, "team": null}]})";
    auto decoded = core::decodeBatch(nullTeam);
    REQUIRE(decoded);
    CHECK(decoded->checkIns[0].team.empty());
    const std::string twice =
        R"({"batch_id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "batch_id": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
            "checkins": []})";
    CHECK_FALSE(core::decodeBatch(twice));
}

TEST_CASE("a body of thousands of tiny objects is refused before it is parsed") {
    // 64 KB of "{}," cost nlohmann's callback parser a sixth of a second of
    // CPU, and 4 MiB minutes: such bodies are counted and refused first.
    std::string body = R"({"code":"AAAA-AAAA-AAAA","x":[)";
    for (int i = 0; i < 21700; ++i) {
        body += i ? ",{}" : "{}";
    }
    body += "]}";
    auto enrol = core::decodeEnrollRequest(body);
    REQUIRE_FALSE(enrol);
    CHECK_THAT(enrol.error().message, Catch::Contains("holds 21702 objects and arrays") &&
                                          Catch::Contains("at most 8192"));
    std::string batch = R"({"batch_id":")" + std::string(32, 'a') + R"(","checkins":[)";
    for (int i = 0; i < 20000; ++i) {
        batch += i ? ",{}" : "{}";
    }
    batch += "]}";
    CHECK_FALSE(core::decodeBatch(batch));
    // Strings may hold braces: they are not counted.
    CHECK(core::decodeEnrollRequest(R"({"code":")" + std::string(9000, '{') + R"("})")
              .error()
              .message.find("objects and arrays") == std::string::npos);
}

TEST_CASE("every decoder refuses a key given twice, naming it") {
    // Each body is valid but for one key repeated (where a reader that keeps
    // the first and one that keeps the last would disagree).
    const auto twice = [](const auto& status, const std::string& key) {
        INFO(key);
        REQUIRE_FALSE(status);
        CHECK(status.error().field == key);
        CHECK_THAT(status.error().message, Catch::Contains("\"" + key + "\" twice"));
    };
    const std::string row =
        R"({"score":4,"site_id":"leeds","question_set_version":1,"hour":1795845600,"reasons":[]})";
    const std::string twiceScore =
        R"({"score":1,"score":4,"site_id":"leeds","question_set_version":1,"hour":1795845600,"reasons":[]})";
    twice(core::decodeBatch(R"({"batch_id":")" + std::string(32, 'a') + R"(","checkins":[)" +
                            twiceScore + "]}"),
          "score");
    twice(core::decodeBatch(R"({"batch_id":")" + std::string(32, 'a') + R"(","checkins":[)" + row +
                            R"(],"batch_id":")" + std::string(32, 'b') + "\"}"),
          "batch_id");
    twice(core::decodeBatchAck(R"({"batch_id":"x","batch_id":"y","stored":1,"duplicate":false})"),
          "batch_id");
    twice(core::decodeEnrollRequest(R"({"code":"A","code":"B"})"), "code");
    twice(core::decodeIdList(R"({"ids":[],"ids":[]})"), "ids");
    twice(core::decodeHeartbeat(R"({"version":"1","version":"2"})"), "version");
    twice(core::decodePostedMessage(
              R"({"site_id":"leeds","text":"a","text":"b","from":"2026-11-01","to":"2026-11-02"})"),
          "text");
    twice(core::decodeSiteSummary(R"({"site_id":"a","site_id":"b","period":"day","from":"x"})"),
          "site_id");
    twice(core::decodeSiteConfigResponse(R"({"version":1,"version":2,"content":{}})"), "version");
    twice(core::decodeBuddyRequestList(R"({"requests":[],"requests":[]})"), "requests");
    twice(core::parseKioskConfig(R"({"server_url":"https://a","server_url":"https://b"})"),
          "server_url");
}

TEST_CASE("a clock reading before this build, or far from the collector's, cannot be believed") {
    using std::chrono::system_clock;
    const auto now = system_clock::now();
    CHECK_FALSE(core::clockProblem(now, std::nullopt));
    // A flat clock battery: 2001-01-01.
    const auto flat =
        core::clockProblem(system_clock::time_point(std::chrono::seconds(978307200)), std::nullopt);
    REQUIRE(flat);
    CHECK_THAT(*flat, Catch::Contains("2001-01-01 00:00 UTC") && Catch::Contains("timedatectl"));
    CHECK(core::earliestPlausibleTime() >
          system_clock::time_point(std::chrono::hours(24 * 365 * 50)));
    // Minutes off is fine; hours off (either way) is not.
    CHECK_FALSE(core::clockProblem(now, std::chrono::seconds(600)));
    CHECK_FALSE(core::clockProblem(now, std::chrono::seconds(-3600)));
    const auto behind = core::clockProblem(now, std::chrono::seconds(7200));
    REQUIRE(behind);
    CHECK_THAT(*behind, Catch::Contains("120 minutes behind"));
    CHECK_THAT(*core::clockProblem(now, std::chrono::seconds(-7200)), Catch::Contains("ahead"));
}

TEST_CASE("HTTP dates are written as RFC 9110 says") {
    const auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1795845600));
    CHECK(core::formatHttpDate(t) == "Sat, 28 Nov 2026 06:00:00 GMT");
}
