#include <catch2/catch.hpp>
#include <set>

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

    core::EnrollResponse enrol(const std::string& site = "leeds") {
        auto code = collector.store().createEnrollCode(site);
        REQUIRE(code);
        auto device = collector.store().enroll(code.value());
        REQUIRE(device);
        return device.value();
    }

    upload::HttpResponse post(const std::string& path, const std::string& body,
                              const std::string& token = {}) {
        upload::HttpRequest r;
        r.method = "POST";
        r.url = collector.url() + path;
        r.bearerToken = token;
        r.body = body;
        auto response = http->send(r);
        REQUIRE(response);
        return response.value();
    }

    upload::HttpResponse get(const std::string& path, const std::string& token) {
        upload::HttpRequest r;
        r.url = collector.url() + path;
        r.bearerToken = token;
        auto response = http->send(r);
        REQUIRE(response);
        return response.value();
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
        b.checkIns.push_back({score, "leeds", 1, hour});
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

TEST_CASE("the summary gives per-day counts, means and per-score counts to a manager") {
    Fixture f;
    const auto device = f.enrol();
    const auto batch = batchOf(std::string(32, '2'), {{5, kDay1Morning},
                                                      {4, kDay1Afternoon},
                                                      {4, kDay1Afternoon},
                                                      {1, kDay2Morning},
                                                      {2, kDay2Morning}});
    REQUIRE(f.post("/v1/batches", core::encodeBatch(batch), device.deviceToken).status == 200);
    const auto token = f.collector.store().createManagerToken("Ana").value();
    const std::string from = core::formatDate(kDay1Morning / 86400);
    const std::string to = core::formatDate(kDay2Morning / 86400);
    auto response = f.get("/v1/summary?site=leeds&from=" + from + "&to=" + to, token);
    REQUIRE(response.status == 200);
    auto summary = core::decodeSiteSummary(response.body);
    REQUIRE(summary);
    REQUIRE(summary->days.size() == 2);
    CHECK(summary->days[0].day == from);
    CHECK(summary->days[0].count == 3);
    CHECK(summary->days[0].mean == Approx(13.0 / 3));
    CHECK(summary->days[0].perScore == std::array<int, 5>{0, 0, 0, 2, 1});
    CHECK(summary->days[1].count == 2);
    CHECK(summary->days[1].perScore == std::array<int, 5>{1, 1, 0, 0, 0});

    const std::string csv = collector::formatSummaryCsv(summary.value());
    CHECK_THAT(csv, Catch::StartsWith("day,count,mean,score_1"));
    CHECK_THAT(csv, Catch::Contains(from + ",3,4.33,0,0,0,2,1"));
    const std::string table = collector::formatSummaryTable(summary.value());
    CHECK_THAT(table, Catch::Contains("total") && Catch::Contains("3.20"));
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
