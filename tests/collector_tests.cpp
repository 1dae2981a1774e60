#include <catch2/catch.hpp>
#include <set>

#include "carekiosk/collector/anonymity.hpp"
#include "carekiosk/collector/failure_limiter.hpp"
#include "carekiosk/collector/report_format.hpp"
#include "carekiosk/core/wire.hpp"
#include "carekiosk/upload/http_sender.hpp"
#include "support/test_support.hpp"

using namespace carekiosk;
using namespace std::chrono;

namespace {

struct Fixture {
    testing::TempDir dir;
    testing::TestCollector collector{dir / "collector.db"};
    std::unique_ptr<upload::HttpSender> http = testing::makeTestSender();

    Fixture() { REQUIRE(collector.store().createSite("leeds", "Leeds office")); }
    std::filesystem::path dbPath() const { return dir / "collector.db"; }

    core::EnrollResponse enrol(const std::string& site = "leeds") {
        auto code = collector.store().createEnrollCode(site);
        REQUIRE(code);
        auto device = collector.store().enroll(code.value());
        REQUIRE(device);
        return device.value();
    }

    upload::HttpResponse post(const std::string& path, const std::string& body,
                              const std::string& token = {}) {
        return testing::sendOk(*http, "POST", collector.url() + path, token, body);
    }

    upload::HttpResponse get(const std::string& path, const std::string& token) {
        return testing::sendOk(*http, "GET", collector.url() + path, token);
    }
};

// 2026-11-28 06:00Z and 11:00Z, and 2026-11-29 05:00Z.
constexpr std::int64_t kDay1Morning = 1795845600;
constexpr std::int64_t kDay1Afternoon = kDay1Morning + 5 * 3600;
constexpr std::int64_t kDay2Morning = kDay1Morning + 23 * 3600;

core::Batch batchOf(const std::string& id,
                    std::initializer_list<std::pair<int, std::int64_t>> rows) {
    core::Batch b{id, {}};
    for (auto [score, hour] : rows) {
        b.checkIns.push_back({score, "leeds", 1, hour, {}});
    }
    return b;
}

}  // namespace

TEST_CASE("re-sending the same batch id stores it once and acknowledges it again") {
    Fixture f;
    const auto device = f.enrol();
    const auto batch = batchOf(std::string(32, '1'), {{5, kDay1Morning}, {3, kDay1Morning}});

    auto first = f.post("/v1/batches", core::encodeBatch(batch), device.deviceToken);
    REQUIRE(first.status == 200);
    auto ack1 = core::decodeBatchAck(first.body);
    REQUIRE(ack1);
    CHECK(ack1->batchId == batch.batchId);
    CHECK(ack1->stored == 2);
    CHECK_FALSE(ack1->duplicate);

    auto second = f.post("/v1/batches", core::encodeBatch(batch), device.deviceToken);
    REQUIRE(second.status == 200);
    auto ack2 = core::decodeBatchAck(second.body);
    REQUIRE(ack2);
    CHECK(ack2->batchId == batch.batchId);
    CHECK(ack2->stored == 0);
    CHECK(ack2->duplicate);

    const auto day = core::parseDate(core::formatDate(kDay1Morning / 86400), "d").value();
    auto summary = f.collector.store().summary("leeds", day, day);
    REQUIRE(summary);
    REQUIRE(summary->days.size() == 1);
    CHECK(summary->days[0].count == 2);
}

TEST_CASE("reasons are stored with their check-in, and a re-sent batch adds none") {
    Fixture f;
    const auto device = f.enrol();
    auto batch = batchOf(std::string(32, '3'), {{2, kDay1Morning}, {4, kDay1Morning}});
    batch.checkIns[0].reasons = {"commute", "workload"};
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto answer = f.post("/v1/batches", core::encodeBatch(batch), device.deviceToken);
        REQUIRE(answer.status == 200);
    }
    CHECK(testing::queryStrings(f.dbPath(), "SELECT reason FROM checkin_reasons ORDER BY reason") ==
          std::vector<std::string>{"commute", "workload"});
    // Both reasons point at the same stored check-in, the one with score 2.
    CHECK(testing::queryStrings(f.dbPath(),
                                "SELECT DISTINCT c.score FROM checkin_reasons r "
                                "JOIN checkins c ON c.id = r.checkin_id") ==
          std::vector<std::string>{"2"});
}

TEST_CASE("the summary gives per-day counts, means and per-score counts to a manager") {
    Fixture f;
    const auto device = f.enrol();
    core::Batch batch{std::string(32, '2'), {}};
    auto add = [&](int n, int score, std::int64_t hour) {
        for (int i = 0; i < n; ++i) {
            batch.checkIns.push_back({score, "leeds", 1, hour, {}});
        }
    };
    add(6, 4, kDay1Morning);  // day 1: 6 x Good, 5 x Great: every group is large enough
    add(5, 5, kDay1Afternoon);
    add(5, 3, kDay2Morning);  // day 2: 5 x Okay and 1 x Struggling: one small group
    add(1, 1, kDay2Morning);
    add(2, 2, kDay2Morning + 86400);  // day 3: only 2 people
    REQUIRE(f.post("/v1/batches", core::encodeBatch(batch), device.deviceToken).status == 200);
    const auto token = f.collector.store().createManagerToken("Ana").value();
    const std::string day1 = core::formatDate(kDay1Morning / 86400);
    const std::string day3 = core::formatDate(kDay2Morning / 86400 + 1);
    auto response = f.get("/v1/summary?site=leeds&from=" + day1 + "&to=" + day3, token);
    REQUIRE(response.status == 200);
    auto summary = core::decodeSiteSummary(response.body);
    REQUIRE(summary);
    CHECK(summary->minGroup == 5);
    REQUIRE(summary->days.size() == 3);

    CHECK(summary->days[0].day == day1);
    CHECK(summary->days[0].count == 11);
    CHECK(summary->days[0].mean == Approx(49.0 / 11));
    CHECK(summary->days[0].perScore == std::array<int, 5>{0, 0, 0, 6, 5});

    // One person chose Struggling: the distribution is withheld, count and mean stay.
    CHECK(summary->days[1].count == 6);
    CHECK(summary->days[1].mean == Approx(16.0 / 6));
    CHECK(summary->days[1].perScoreHidden);
    CHECK(summary->days[1].perScore == std::array<int, 5>{});
    CHECK(response.body.find("\"per_score\":[1,") == std::string::npos);

    // Two people: nothing about that day is given.
    CHECK(summary->days[2].suppressed);
    CHECK(summary->days[2].count == 0);

    const std::string csv = collector::formatSummaryCsv(summary.value());
    CHECK_THAT(csv, Catch::StartsWith("day,count,mean,score_1"));
    CHECK_THAT(csv, Catch::Contains(day1 + ",11,4.45,0,0,0,6,5"));
    CHECK_THAT(csv, Catch::Contains(",6,2.67,,,,,,\r\n"));
    CHECK_THAT(csv, Catch::Contains(day3 + ",<5,,,,,,,"));
    const std::string table = collector::formatSummaryTable(summary.value());
    CHECK_THAT(table, Catch::Contains("total") && Catch::Contains("17   3.82"));
    CHECK_THAT(table, Catch::Contains("fewer than 5 people are withheld"));
}

TEST_CASE("reasons named by a small group are withheld, and a withheld day shows none") {
    Fixture f;
    const auto device = f.enrol();
    core::Batch batch{std::string(32, '4'), {}};
    auto add = [&](int n, std::int64_t hour, std::vector<std::string> reasons) {
        for (int i = 0; i < n; ++i) {
            batch.checkIns.push_back({4, "leeds", 1, hour, reasons});
        }
    };
    add(5, kDay1Morning, {"commute", "workload"});  // day 1: workload 7, commute 5, team 2
    add(2, kDay1Morning, {"team", "workload"});
    add(1, kDay1Morning, {});
    add(3, kDay2Morning, {"workload"});  // day 2: only 3 people
    REQUIRE(f.post("/v1/batches", core::encodeBatch(batch), device.deviceToken).status == 200);
    const auto managerToken = f.collector.store().createManagerToken("Ana").value();
    const auto from = core::formatDate(kDay1Morning / 86400);
    const auto to = core::formatDate(kDay2Morning / 86400);
    auto response = f.get("/v1/summary?site=leeds&from=" + from + "&to=" + to, managerToken);
    REQUIRE(response.status == 200);
    auto summary = core::decodeSiteSummary(response.body);
    REQUIRE(summary);
    REQUIRE(summary->days.size() == 2);
    const auto& day1 = summary->days[0].reasons;
    CHECK(day1.at("workload") == 7);
    CHECK(day1.at("commute") == 5);
    CHECK_FALSE(day1.at("team").has_value());  // two people: withheld
    CHECK(response.body.find("\"team\":null") != std::string::npos);
    CHECK(summary->days[1].suppressed);
    CHECK(summary->days[1].reasons.empty());
    const std::string csv = collector::formatSummaryCsv(summary.value());
    CHECK_THAT(csv, Catch::Contains(",workload=7 commute=5 team=<5\r\n"));
    const std::string table = collector::formatSummaryTable(summary.value());
    CHECK_THAT(table, Catch::Contains("workload 7, commute 5, team <5"));
}

TEST_CASE("the smallest-group rule never goes below 3 and shows zero counts") {
    core::SiteSummary raw{"leeds", "2026-11-28", "2026-11-28", 0, {}};
    core::DaySummary day;
    day.day = "2026-11-28";
    day.count = 4;
    day.mean = 4.0;
    day.perScore = {0, 0, 0, 4, 0};
    raw.days.push_back(day);
    const auto lowered = collector::applyMinimumGroup(raw, 1);
    CHECK(lowered.minGroup == 3);
    REQUIRE_FALSE(lowered.days[0].suppressed);
    CHECK_FALSE(lowered.days[0].perScoreHidden);  // 4 >= 3, and zeros are not small groups
    const auto strict = collector::applyMinimumGroup(raw, 5);
    CHECK(strict.days[0].suppressed);
    const auto roundTrip = core::decodeSiteSummary(core::encodeSiteSummary(strict));
    REQUIRE(roundTrip);
    CHECK(roundTrip->days[0].suppressed);
}

TEST_CASE("a collector will not start with a smallest group below 3") {
    testing::TempDir dir;
    core::SystemClock clock;
    core::SystemRandom random;
    auto store = collector::Store::open(dir / "c.db", clock, random);
    REQUIRE(store);
    collector::ServerOptions options{
        testing::TestCa::serverCert(), testing::TestCa::serverKey(), "127.0.0.1", 0, 2, {}};
    auto server = collector::Server::create(*store.value(), options);
    REQUIRE_FALSE(server);
    CHECK(server.error().field == "--min-group");
    CHECK_THAT(server.error().message, Catch::Contains("at least 3"));
}

TEST_CASE("wrong or missing tokens get 401 with a JSON reason") {
    Fixture f;
    const auto device = f.enrol();
    const auto batch = batchOf(std::string(32, '3'), {{3, kDay1Morning}});
    auto none = f.post("/v1/batches", core::encodeBatch(batch));
    CHECK(none.status == 401);
    CHECK_THAT(core::errorMessageFromBody(none.body), Catch::Contains("kiosk token"));
    auto wrong = f.post("/v1/batches", core::encodeBatch(batch), "not-a-token");
    CHECK(wrong.status == 401);
    // A kiosk token is not a manager token.
    auto summary =
        f.get("/v1/summary?site=leeds&from=2026-11-01&to=2026-11-30", device.deviceToken);
    CHECK(summary.status == 401);
    CHECK_THAT(core::errorMessageFromBody(summary.body), Catch::Contains("manager token"));
}

TEST_CASE("a malformed batch gets 400 naming the field, and nothing is stored") {
    Fixture f;
    const auto device = f.enrol();
    auto response = f.post("/v1/batches",
                           R"({"batch_id": ")" + std::string(32, '4') +
                               R"(", "checkins": [{"score": 7, "site_id": "leeds",
                               "question_set_version": 1, "hour": 1795845600}]})",
                           device.deviceToken);
    CHECK(response.status == 400);
    CHECK_THAT(core::errorMessageFromBody(response.body), Catch::Contains("checkins[0].score"));
    auto summary = f.collector.store().summary("leeds", 0, 40000);
    REQUIRE(summary);
    CHECK(summary->days.empty());
}

TEST_CASE("a kiosk cannot post check-ins for another site") {
    Fixture f;
    REQUIRE(f.collector.store().createSite("york", "York office"));
    const auto device = f.enrol("york");
    auto response =
        f.post("/v1/batches", core::encodeBatch(batchOf(std::string(32, '5'), {{3, kDay1Morning}})),
               device.deviceToken);
    CHECK(response.status == 400);
    CHECK_THAT(core::errorMessageFromBody(response.body), Catch::Contains("enrolled at york"));
}

TEST_CASE("enrolment codes work once, and unknown or expired codes say so") {
    testing::TempDir dir;
    testing::ManualClock clock(system_clock::time_point(seconds(1795845600)));
    testing::SeededRandom random;
    auto store = collector::Store::open(dir / "c.db", clock, random);
    REQUIRE(store);
    auto& s = *store.value();
    REQUIRE(s.createSite("leeds", "Leeds office"));
    auto code = s.createEnrollCode("leeds", hours(24));
    REQUIRE(code);
    CHECK(code.value().size() == 14);  // XXXX-XXXX-XXXX

    // Typed in lower case without dashes still works.
    std::string typed;
    for (char c : code.value()) {
        if (c != '-') {
            typed.push_back(static_cast<char>(std::tolower(c)));
        }
    }
    auto device = s.enroll(typed);
    REQUIRE(device);
    CHECK(device->siteId == "leeds");
    CHECK(device->siteName == "Leeds office");
    CHECK(device->deviceToken.size() == 64);  // 256 bits

    auto reused = s.enroll(code.value());
    REQUIRE_FALSE(reused);
    CHECK_THAT(reused.error().message, Catch::Contains("already used"));

    auto unknown = s.enroll("AAAA-BBBB-CCCC");
    REQUIRE_FALSE(unknown);
    CHECK_THAT(unknown.error().message, Catch::Contains("not known"));

    auto late = s.createEnrollCode("leeds", hours(24));
    clock.advance(hours(25));
    auto expired = s.enroll(late.value());
    REQUIRE_FALSE(expired);
    CHECK_THAT(expired.error().message, Catch::Contains("expired"));

    auto noSite = s.createEnrollCode("nowhere");
    REQUIRE_FALSE(noSite);
    CHECK_THAT(noSite.error().message, Catch::Contains("create-site"));
}

TEST_CASE("secrets are stored only as hashes, and check-ins without time or device") {
    Fixture f;
    const auto device = f.enrol();
    const auto manager = f.collector.store().createManagerToken("Ana").value();
    REQUIRE(f.post("/v1/batches",
                   core::encodeBatch(batchOf(std::string(32, '6'), {{4, kDay1Morning}})),
                   device.deviceToken)
                .status == 200);
    const auto hashes = testing::queryStrings(
        f.dir / "collector.db",
        "SELECT token_hash FROM devices UNION ALL SELECT token_hash FROM api_tokens");
    const std::set<std::string> stored(hashes.begin(), hashes.end());
    CHECK(stored.count(device.deviceToken) == 0);
    CHECK(stored.count(manager) == 0);
    CHECK(stored.count(collector::hashSecret(device.deviceToken)) == 1);

    const auto columns = testing::queryStrings(f.dir / "collector.db",
                                               "SELECT name FROM pragma_table_info('checkins')");
    const std::set<std::string> names(columns.begin(), columns.end());
    CHECK(names ==
          std::set<std::string>{"id", "site_id", "score", "question_set_version", "hour_bucket"});
}

TEST_CASE("a revoked kiosk or manager token is refused from then on") {
    Fixture f;
    const auto device = f.enrol();
    const auto manager = f.collector.store().createManagerToken("Ana").value();
    const auto batch = batchOf(std::string(32, '7'), {{4, kDay1Morning}});
    REQUIRE(f.post("/v1/batches", core::encodeBatch(batch), device.deviceToken).status == 200);

    REQUIRE(f.collector.store().revokeDevice(device.deviceId));
    auto refused = f.post("/v1/batches", core::encodeBatch(batch), device.deviceToken);
    CHECK(refused.status == 401);
    auto devices = f.collector.store().fleetRows().value();
    REQUIRE(devices.size() == 1);
    CHECK(devices[0].revoked);
    CHECK_FALSE(devices[0].unenrolled);

    REQUIRE(f.get("/v1/summary?site=leeds&from=2026-11-01&to=2026-11-30", manager).status == 200);
    REQUIRE(f.collector.store().revokeApiToken(manager));
    CHECK(f.get("/v1/summary?site=leeds&from=2026-11-01&to=2026-11-30", manager).status == 401);

    auto unknown = f.collector.store().revokeDevice("kiosk-nope");
    REQUIRE_FALSE(unknown);
    CHECK_THAT(unknown.error().message, Catch::Contains("list-devices"));
}

TEST_CASE("guessing codes or tokens from one address is slowed down") {
    Fixture f;
    const auto code = f.collector.store().createEnrollCode("leeds").value();
    for (int i = 0; i < collector::FailureLimiter::kMaxFailures; ++i) {
        CHECK(f.post("/v1/enroll", core::encodeEnrollRequest({"WRONG-CODE-" + std::to_string(i)}))
                  .status == 401);
    }
    // Now even the right code waits, and the answer says for how long.
    auto blocked = f.post("/v1/enroll", core::encodeEnrollRequest({code}));
    CHECK(blocked.status == 429);
    REQUIRE(blocked.headers.count("retry-after") == 1);
    CHECK(std::stoi(blocked.headers["retry-after"]) > 200);
    CHECK_THAT(core::errorMessageFromBody(blocked.body), Catch::Contains("too many failed"));
    // The code was not consumed by the refused request.
    CHECK(f.collector.store().enroll(code));
}

TEST_CASE("the failure limiter blocks after ten failures in a minute, for five minutes") {
    collector::FailureLimiter limiter;
    const auto t0 = collector::FailureLimiter::Clock::now();
    for (int i = 0; i < 9; ++i) {
        limiter.recordFailure("10.0.0.1", t0);
    }
    CHECK(limiter.blockedFor("10.0.0.1", t0) == 0);
    // Failures spread wider than the window start counting again.
    limiter.recordFailure("10.0.0.1", t0 + seconds(61));
    CHECK(limiter.blockedFor("10.0.0.1", t0 + seconds(61)) == 0);
    for (int i = 0; i < 9; ++i) {
        limiter.recordFailure("10.0.0.1", t0 + seconds(62));
    }
    CHECK(limiter.blockedFor("10.0.0.1", t0 + seconds(62)) == 300);
    CHECK(limiter.blockedFor("10.0.0.2", t0 + seconds(62)) == 0);  // others are not affected
    CHECK(limiter.blockedFor("10.0.0.1", t0 + seconds(362)) == 0);
}
