#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "carekiosk/collector/anonymity.hpp"
#include "carekiosk/collector/charts.hpp"
#include "carekiosk/collector/failure_limiter.hpp"
#include "carekiosk/collector/report_format.hpp"
#include "carekiosk/collector/sql.hpp"
#include "carekiosk/core/wire.hpp"
#include "carekiosk/upload/http_sender.hpp"
#include "support/test_support.hpp"

using namespace carekiosk;
using namespace std::chrono;

namespace {

struct Fixture {
    testing::TempDir dir;
    testing::TestDatabase db{dir.path()};
    // A fixed now (2026-12-01 12:00Z): every November day below is released.
    testing::ManualClock clock{testing::testNow()};
    testing::TestCollector collector{db.location(), clock};
    std::unique_ptr<upload::HttpSender> http = testing::makeTestSender();

    Fixture() { REQUIRE(collector.store().createSite("leeds", "Leeds office")); }
    // The first column of `sql`'s rows, straight from the collector's database.
    std::vector<std::string> query(const std::string& sql) const { return db.query(sql); }

    core::EnrollResponse enrol(const std::string& site = "leeds", const std::string& team = {}) {
        auto code = collector.store().createEnrollCode(site);
        REQUIRE(code);
        auto device = collector.store().enroll(code.value(), team);
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

// 2026-11-28 06:00Z and 11:00Z, and 2026-11-29 05:00Z; Tuesday 2026-12-01 09:00Z
// (the fixture's today).
constexpr std::int64_t kDay1Morning = 1795845600;
constexpr std::int64_t kDay1Afternoon = kDay1Morning + 5 * 3600;
constexpr std::int64_t kDay2Morning = kDay1Morning + 23 * 3600;
constexpr std::int64_t kTuesdayMorning = testing::kTestNow - 3 * 3600;

// A browser on the collector's HTML pages: TLS checked against the test CA,
// and the session cookie of its last sign-in.
struct Browser {
    explicit Browser(const std::string& url)
        : client("127.0.0.1", std::stoi(url.substr(url.rfind(':') + 1))), origin(url) {
        client.set_ca_cert_path(testing::TestCa::caFile().c_str());
        client.enable_server_certificate_verification(true);
    }
    // Signs in with `token`; returns where the collector sends the browser next.
    std::string signIn(const std::string& token) {
        auto answer = client.Post("/signin", httplib::Params{{"token", token}});
        REQUIRE(answer);
        REQUIRE(answer->status == 303);
        const auto setCookie = answer->get_header_value("Set-Cookie");
        session = {{"Cookie", setCookie.substr(0, setCookie.find(';'))}};
        return answer->get_header_value("Location");
    }
    // Fetches a page; remembers its forms' CSRF token, as a browser's form would post it.
    httplib::Result get(const std::string& path) {
        auto answer = client.Get(path, session);
        const std::string marker = "name=\"csrf\" value=\"";
        if (answer && answer->body.find(marker) != std::string::npos) {
            const auto start = answer->body.find(marker) + marker.size();
            csrf = answer->body.substr(start, answer->body.find('"', start) - start);
        }
        return answer;
    }
    // Posts a form from the last page fetched (with its CSRF token and Origin).
    httplib::Result post(const std::string& path, httplib::Params form) {
        form.emplace("csrf", csrf);
        auto headers = session;
        headers.emplace("Origin", origin);
        return client.Post(path, headers, form);
    }

    httplib::SSLClient client;
    std::string origin;  // what a browser sends as Origin from our pages
    httplib::Headers session;
    std::string csrf;
};

// One period as the API gives it, to compare two answers.
std::string periodJson(const core::PeriodSummary& period) {
    core::SiteSummary one;
    one.periods = {period};
    return core::encodeSiteSummary(one);
}

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
    auto days = f.collector.store().dayCounts("leeds", day, day);
    REQUIRE(days);
    REQUIRE(days->size() == 1);
    CHECK(days->at(0).perScore == std::array<int, 5>{0, 0, 1, 0, 1});
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
    CHECK(f.query("SELECT reason FROM checkin_reasons ORDER BY reason") ==
          std::vector<std::string>{"commute", "workload"});
    // Both reasons point at the same stored check-in, the one with score 2.
    CHECK(f.query("SELECT DISTINCT c.score FROM checkin_reasons r "
                  "JOIN checkins c ON c.id = r.checkin_id") == std::vector<std::string>{"2"});
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
    CHECK(summary->releasedThrough == "2026-11-30");
    CHECK(summary->nextRelease == "2026-12-02T06:00:00+00:00");
    CHECK(summary->timeZone == "UTC");
    // Day 3's two people wait, unpublished, until enough join them.
    REQUIRE(summary->periods.size() == 2);

    CHECK(summary->periods[0].period == day1);
    CHECK(summary->periods[0].count == 11);
    CHECK(summary->periods[0].mean.value_or(0) == Approx(49.0 / 11));
    CHECK(summary->periods[0].perScore == std::array<int, 5>{0, 0, 0, 6, 5});

    // One person chose Struggling: the distribution and the mean are withheld
    // (6 people averaging 2.67 could only be five 3s and a 1).
    CHECK(summary->periods[1].count == 6);
    CHECK_FALSE(summary->periods[1].mean.has_value());
    CHECK(summary->periods[1].perScoreHidden);
    CHECK(summary->periods[1].perScore == std::array<int, 5>{});
    CHECK(response.body.find("\"per_score\":[1,") == std::string::npos);
    CHECK(response.body.find("2.66") == std::string::npos);

    const std::string csv = collector::formatSummaryCsv(summary.value());
    CHECK_THAT(csv, Catch::StartsWith("period,start,end,count,mean,change,score_1"));
    CHECK_THAT(csv, Catch::Contains(day1 + "," + day1 + "," + day1 + ",11,4.45,,0,0,0,6,5,0,no,"));
    CHECK_THAT(csv, Catch::Contains(",6,,,,,,,,0,no,\r\n"));
    CHECK(csv.find(day3) == std::string::npos);
    const std::string table = collector::formatSummaryTable(summary.value());
    CHECK_THAT(table, Catch::Contains("total") && Catch::Contains("17   4.45"));
    CHECK_THAT(table, Catch::Contains("fewer than 5 people, and any that would let one be worked "
                                      "out, are withheld"));
    CHECK_THAT(table,
               Catch::Contains("The next day's figures appear on 2026-12-02 at 06:00 (UTC)"));
}

TEST_CASE("reasons named by a small group are withheld, and a small day waits for company") {
    Fixture f;
    const auto device = f.enrol();
    core::Batch batch{std::string(32, '4'), {}};
    auto add = [&](int n, std::int64_t hour, std::vector<std::string> reasons) {
        for (int i = 0; i < n; ++i) {
            batch.checkIns.push_back({4, "leeds", 1, hour, reasons});
        }
    };
    // Day 1, 15 people: workload 10, commute 5, team 2.
    add(5, kDay1Morning, {"commute", "workload"});
    add(2, kDay1Morning, {"team", "workload"});
    add(3, kDay1Morning, {"workload"});
    add(5, kDay1Morning, {});
    add(3, kDay2Morning, {"workload"});  // day 2: only 3 people
    REQUIRE(f.post("/v1/batches", core::encodeBatch(batch), device.deviceToken).status == 200);
    const auto managerToken = f.collector.store().createManagerToken("Ana").value();
    const auto from = core::formatDate(kDay1Morning / 86400);
    const auto to = core::formatDate(kDay2Morning / 86400 + 3);
    const auto read = [&] {
        auto response = f.get("/v1/summary?site=leeds&from=" + from + "&to=" + to, managerToken);
        REQUIRE(response.status == 200);
        auto summary = core::decodeSiteSummary(response.body);
        REQUIRE(summary);
        return std::make_pair(response.body, summary.value());
    };
    auto [body, summary] = read();
    REQUIRE(summary.periods.size() == 1);
    const auto& day1 = summary.periods[0].reasons;
    CHECK(day1.at("workload") == 10);
    CHECK(day1.at("commute") == 5);
    // Named by two: withheld, and left out as if nobody had named it (listed
    // as withheld, it would say that somebody did).
    CHECK(day1.count("team") == 0);
    CHECK(body.find("\"team\":null") == std::string::npos);
    CHECK(body.find("\"team\":2") == std::string::npos);
    const std::string csv = collector::formatSummaryCsv(summary);
    CHECK_THAT(csv, Catch::Contains(",workload=10 commute=5\r\n"));
    const std::string table = collector::formatSummaryTable(summary);
    CHECK_THAT(table, Catch::Contains("workload 10, commute 5\n"));

    // Two more people on Tuesday: with day 2's three they are five, and are
    // published together as Tuesday's, the morning after.
    core::Batch later{std::string(32, '5'), {}};
    for (int i = 0; i < 2; ++i) {
        later.checkIns.push_back({2, "leeds", 1, kTuesdayMorning, {}});
    }
    REQUIRE(f.post("/v1/batches", core::encodeBatch(later), device.deviceToken).status == 200);
    CHECK(read().second.periods.size() == 1);  // Tuesday is not over yet
    f.clock.advance(hours(24));
    auto [afterBody, after] = read();
    REQUIRE(after.periods.size() == 2);
    CHECK(after.periods[1].period == "2026-12-01");
    CHECK(after.periods[1].count == 5);
    INFO(afterBody);
    CHECK(after.periods[1].reasons.count("workload") == 0);  // named by three: left out
    // Day 1 reads exactly as it did.
    CHECK(periodJson(after.periods[0]) == periodJson(summary.periods[0]));
}

TEST_CASE("a collector will not start with a smallest group below 3") {
    testing::TempDir dir;
    core::SystemClock clock;
    core::SystemRandom random;
    auto store =
        collector::Store::connect(testing::TestDatabase(dir.path()).location(), clock, random);
    REQUIRE(store);
    collector::ServerOptions options;
    options.certFile = testing::TestCa::serverCert();
    options.keyFile = testing::TestCa::serverKey();
    options.port = 0;
    options.minGroup = 2;
    auto server = collector::Server::create(*store.value(), options);
    REQUIRE_FALSE(server);
    CHECK(server.error().field == "--min-group");
    CHECK_THAT(server.error().message, Catch::Contains("at least 3"));
}

TEST_CASE("missing or unknown tokens get 401, and another role's token 403, with a reason") {
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
    CHECK(summary.status == 403);
    CHECK_THAT(core::errorMessageFromBody(summary.body),
               Catch::Contains("needs a manager token; a kiosk token may not use it"));
}

TEST_CASE("a malformed check-in gets 422 naming the field and the row, and nothing is stored") {
    Fixture f;
    const auto device = f.enrol();
    auto response = f.post("/v1/batches",
                           R"({"batch_id": ")" + std::string(32, '4') +
                               R"(", "checkins": [{"score": 7, "site_id": "leeds",
                               "question_set_version": 1, "hour": 1795845600}]})",
                           device.deviceToken);
    // The envelope is sound, so the refusal names the row: the kiosk sets
    // just that one aside.
    CHECK(response.status == 422);
    CHECK_THAT(core::errorMessageFromBody(response.body), Catch::Contains("checkins[0].score"));
    CHECK(core::decodeCollectorRefusal(response.body)->rows == std::vector<std::size_t>{0});
    auto days = f.collector.store().dayCounts("leeds", 0, 40000);
    REQUIRE(days);
    CHECK(days->empty());
}

TEST_CASE("a kiosk cannot post check-ins for another site") {
    Fixture f;
    REQUIRE(f.collector.store().createSite("york", "York office"));
    const auto device = f.enrol("york");
    auto response =
        f.post("/v1/batches", core::encodeBatch(batchOf(std::string(32, '5'), {{3, kDay1Morning}})),
               device.deviceToken);
    CHECK(response.status == 422);
    CHECK_THAT(core::errorMessageFromBody(response.body), Catch::Contains("enrolled at york"));
    CHECK(core::decodeCollectorRefusal(response.body)->rows == std::vector<std::size_t>{0});
}

TEST_CASE("enrolment codes work once, and unknown or expired codes say so") {
    testing::TempDir dir;
    testing::ManualClock clock(system_clock::time_point(seconds(1795845600)));
    testing::SeededRandom random;
    auto store =
        collector::Store::connect(testing::TestDatabase(dir.path()).location(), clock, random);
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
    const auto hashes =
        f.query("SELECT token_hash FROM devices UNION ALL SELECT token_hash FROM api_tokens");
    const std::set<std::string> stored(hashes.begin(), hashes.end());
    CHECK(stored.count(device.deviceToken) == 0);
    CHECK(stored.count(manager) == 0);
    CHECK(stored.count(collector::hashSecret(device.deviceToken)) == 1);

    const auto columns = f.query(
        f.db.isPostgres()
            ? "SELECT column_name FROM information_schema.columns WHERE table_name = 'checkins'"
            : "SELECT name FROM pragma_table_info('checkins')");
    const std::set<std::string> names(columns.begin(), columns.end());
    CHECK(names == std::set<std::string>{"id", "site_id", "score", "question_set_version",
                                         "hour_bucket", "team"});
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

TEST_CASE("a flood of made-up addresses or tokens never makes the limiter forget a block") {
    collector::FailureLimiter limiter;
    const auto now = collector::FailureLimiter::Clock::now();
    for (int i = 0; i < collector::FailureLimiter::kMaxFailures; ++i) {
        limiter.recordFailure("a:203.0.113.9", now);
    }
    REQUIRE(limiter.blockedFor("a:203.0.113.9", now) > 0);
    // One failure each for more keys than the limiter tracks.
    for (std::size_t i = 0; i < collector::FailureLimiter::kMaxTracked + 100; ++i) {
        limiter.recordFailure("c:" + std::to_string(i), now + seconds(1));
    }
    CHECK(limiter.blockedFor("a:203.0.113.9", now + seconds(2)) > 0);
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

TEST_CASE("every endpoint takes only its own role: others get 403, strangers 401") {
    Fixture f;
    const auto device = f.enrol();
    auto& store = f.collector.store();
    const std::map<std::string, std::string> tokens{
        {"kiosk", device.deviceToken},
        {"manager", store.createApiToken(collector::ApiRole::Manager, "m").value()},
        {"coordinator", store.createApiToken(collector::ApiRole::Coordinator, "c").value()},
        {"facilities", store.createApiToken(collector::ApiRole::Facilities, "f").value()},
        {"admin", store.createApiToken(collector::ApiRole::Admin, "a").value()}};
    struct Endpoint {
        std::string method;
        std::string path;
        std::set<std::string> roles;  // who may use it
    };
    const Endpoint endpoints[] = {
        {"GET", "/v1/ping", {"kiosk"}},
        {"POST", "/v1/batches", {"kiosk"}},
        {"POST", "/v1/heartbeat", {"kiosk"}},
        {"GET", "/v1/config", {"kiosk"}},
        {"POST", "/v1/buddy-requests", {"kiosk"}},
        {"GET", "/v1/summary?site=leeds&from=2026-11-01&to=2026-11-30", {"manager"}},
        {"POST", "/v1/messages", {"manager"}},
        {"GET", "/v1/buddy-requests", {"coordinator"}},
        {"POST", "/v1/buddy-requests/handled", {"coordinator"}},
        {"GET", "/v1/fleet", {"facilities", "admin"}},
        {"POST", "/v1/unenroll", {"kiosk"}},  // last: it revokes the kiosk token
    };
    for (const auto& endpoint : endpoints) {
        for (const auto& [role, token] : tokens) {
            // A body that is wrong on purpose: an allowed caller gets past the
            // role check to the body's validation (400), or succeeds.
            const auto answer = testing::sendOk(*f.http, endpoint.method,
                                                f.collector.url() + endpoint.path, token, "{}");
            INFO(endpoint.method << " " << endpoint.path << " with a " << role
                                 << " token: " << answer.status << " " << answer.body);
            if (endpoint.roles.count(role)) {
                CHECK(answer.status != 401);
                CHECK(answer.status != 403);
            } else {
                CHECK(answer.status == 403);
                CHECK_THAT(core::errorMessageFromBody(answer.body),
                           Catch::Contains("may not use it"));
            }
        }
    }
    // Without a token: 401. (Ten 401s in a minute lock an address out, so nine.)
    for (std::size_t i = 0; i < 9; ++i) {
        const auto& endpoint = endpoints[i];
        const auto stranger =
            testing::sendOk(*f.http, endpoint.method, f.collector.url() + endpoint.path, "", "{}");
        INFO(endpoint.path << " without a token");
        CHECK(stranger.status == 401);
    }
}

TEST_CASE(
    "a 4-person week, a total minus the cells shown and a reason named by one person "
    "reveal no small group in the API, CSV, table, dashboard or SVG") {
    Fixture f;
    const auto device = f.enrol();
    core::Batch batch{std::string(32, '8'), {}};
    auto add = [&](int n, int score, const char* date, std::vector<std::string> reasons = {}) {
        const auto hour = core::parseDate(date, "date").value() * 86400 + 9 * 3600;
        for (int i = 0; i < n; ++i) {
            batch.checkIns.push_back({score, "leeds", 1, hour, reasons});
        }
    };
    // November 2026 as a month is Mon 2 .. Sun 29 Nov.
    add(10, 4, "2026-11-09");               // W46: 10 people
    add(4, 2, "2026-11-17");                // W47: a 4-person week
    add(5, 4, "2026-11-23", {"workload"});  // W48: Monday 6, with
    add(1, 4, "2026-11-23", {"team"});      //   "team" named by one person,
    add(5, 5, "2026-11-24");                //   Tuesday 5,
    add(2, 3, "2026-11-25");                //   Wednesday 2
    REQUIRE(f.post("/v1/batches", core::encodeBatch(batch), device.deviceToken).status == 200);
    const auto manager = f.collector.store().createManagerToken("Ana").value();

    std::map<std::string, core::SiteSummary> by;
    for (const char* period : {"day", "week", "month"}) {
        auto answer = f.get(std::string("/v1/summary?site=leeds&from=2026-11-02&to=2026-11-29"
                                        "&period=") +
                                period,
                            manager);
        REQUIRE(answer.status == 200);
        INFO(period << ": " << answer.body);
        // No small group appears as a number anywhere in the answer.
        for (const char* small : {"\"count\":4,", "\"count\":2,", "\"count\":1,", "\"team\":1"}) {
            CHECK(answer.body.find(small) == std::string::npos);
        }
        auto decoded = core::decodeSiteSummary(answer.body);
        REQUIRE(decoded);
        for (const auto& p : decoded->periods) {
            CHECK(p.count >= 5);
            CHECK(p.reasons.count("team") == 0);
        }
        by[period] = decoded.value();
    }
    // W47's four waited and were published with Monday 23rd's six; Wednesday's
    // two still wait. So nothing subtracts to a small group: by month 25, by
    // week 10 and 15, by day 10, 10 and 5.
    REQUIRE(by["month"].periods.size() == 1);
    CHECK(by["month"].periods[0].count == 25);
    std::vector<std::string> weeks;
    for (const auto& p : by["week"].periods) {
        weeks.push_back(p.period + "=" + std::to_string(p.count));
    }
    CHECK(weeks == std::vector<std::string>{"2026-W46=10", "2026-W48=15"});
    std::vector<std::string> days;
    for (const auto& p : by["day"].periods) {
        days.push_back(p.period + "=" + std::to_string(p.count));
    }
    CHECK(days == std::vector<std::string>{"2026-11-09=10", "2026-11-23=10", "2026-11-24=5"});

    // The API serves the same CSV the report CLI writes.
    auto apiCsv = f.get(
        "/v1/summary?site=leeds&from=2026-11-02&to=2026-11-29&period=week&format=csv", manager);
    REQUIRE(apiCsv.status == 200);
    CHECK(apiCsv.body == collector::formatSummaryCsv(by["week"]));
    CHECK(
        f.get("/v1/summary?site=leeds&from=2026-11-02&to=2026-11-29&format=xml", manager).status ==
        400);
    const auto csv = collector::formatSummaryCsv(by["week"]);
    CHECK(csv.find("2026-W47") == std::string::npos);
    CHECK_THAT(csv, Catch::Contains("2026-W48,2026-11-23,2026-11-29,15,"));
    CHECK_THAT(csv, Catch::Contains(",workload=5\r\n"));  // 5 of 15; team left out
    const auto table = collector::formatSummaryTable(by["day"]);
    CHECK_THAT(table, Catch::Contains("2026-11-23  workload 5\n"));
    CHECK(table.find("          2  ") == std::string::npos);
    for (const auto& [period, summary] : by) {
        const auto svg = collector::trendSvg(summary) + collector::distributionSvg(summary) +
                         collector::reasonsSvg(summary);
        INFO(period);
        CHECK(svg.find(">team<") == std::string::npos);
        CHECK(svg.find(": 4 responses") == std::string::npos);
        CHECK(svg.find(": 2 responses") == std::string::npos);
    }

    Browser browser(f.collector.url());
    browser.signIn(manager);
    auto page = browser.get("/?site=leeds&period=week&from=2026-11-02&to=2026-11-29");
    REQUIRE(page);
    REQUIRE(page->status == 200);
    CHECK_THAT(page->body, Catch::Contains("Responses<b>25</b>"));
    CHECK_THAT(page->body, Catch::Contains("Figures are released up to 2026-11-30."));
    CHECK(page->body.find(">team<") == std::string::npos);
    CHECK(page->body.find(": 4 responses") == std::string::npos);
}

TEST_CASE(
    "a team's summary comes from its kiosks' check-ins, and a small team waits where the "
    "site minus the other teams would reveal it") {
    Fixture f;
    std::map<std::string, core::EnrollResponse> kiosks;
    for (const char* team : {"finance", "ops", "sales"}) {
        kiosks[team] = f.enrol("leeds", team);
    }
    int batches = 0;
    auto add = [&](int n, int score, const std::string& team) {
        const auto hour = core::parseDate("2026-11-24", "date").value() * 86400 + 9 * 3600;
        core::Batch batch{std::string(31, 'a') + std::to_string(batches++), {}};
        for (int i = 0; i < n; ++i) {
            batch.checkIns.push_back({score, "leeds", 1, hour, {}, team});
        }
        REQUIRE(f.post("/v1/batches", core::encodeBatch(batch), kiosks[team].deviceToken).status ==
                200);
    };
    add(9, 4, "finance");
    add(2, 2, "ops");  // a team of 2 that day
    add(6, 5, "sales");
    const auto manager = f.collector.store().createManagerToken("Ana").value();
    auto day = [&](const std::string& team) {
        auto answer = f.get("/v1/summary?site=leeds&from=2026-11-24&to=2026-11-24" +
                                (team.empty() ? std::string() : "&team=" + team),
                            manager);
        REQUIRE(answer.status == 200);
        auto summary = core::decodeSiteSummary(answer.body);
        REQUIRE(summary);
        CHECK(summary->team == team);
        return summary->periods;
    };
    // Ops' two wait for company: the site shows finance and sales only, so
    // the site minus the teams shown is 0, not ops' 2.
    REQUIRE(day("").size() == 1);
    CHECK(day("")[0].count == 15);
    CHECK(day("ops").empty());
    REQUIRE(day("sales").size() == 1);
    CHECK(day("sales")[0].count == 6);
    REQUIRE(day("finance").size() == 1);
    CHECK(day("finance")[0].count == 9);
    CHECK(day("finance")[0].mean.value_or(0) == Approx(4.0));
    auto bad =
        f.get("/v1/summary?site=leeds&from=2026-11-24&to=2026-11-24&team=Fin%20ance", manager);
    CHECK(bad.status == 400);
    CHECK_THAT(core::errorMessageFromBody(bad.body), Catch::Contains("team"));
    auto unknown = f.get("/v1/summary?site=leeds&from=2026-11-24&to=2026-11-24&team=hr", manager);
    CHECK(unknown.status == 404);
    CHECK(core::errorMessageFromBody(unknown.body) ==
          "site leeds has no team hr; its teams are finance, ops, sales");
    // A kiosk can only speak for its own team.
    core::Batch forged{std::string(32, 'f'), {{3, "leeds", 1, kDay1Morning, {}, "hr"}}};
    auto refused = f.post("/v1/batches", core::encodeBatch(forged), kiosks["sales"].deviceToken);
    CHECK(refused.status == 422);
    CHECK_THAT(refused.body, Catch::Contains("\"field\":\"checkins[0].team\""));
    // The dashboard offers the site's teams and draws the one picked.
    Browser browser(f.collector.url());
    browser.signIn(manager);
    auto finance = browser.get("/?site=leeds&team=finance&from=2026-11-24&to=2026-11-24");
    REQUIRE(finance);
    CHECK_THAT(finance->body, Catch::Contains("<h1>Leeds office, team finance</h1>"));
    CHECK_THAT(finance->body, Catch::Contains("<option value=\"ops\">ops</option>"));
    CHECK(finance->body.find("<option value=\"hr\">") == std::string::npos);
    CHECK_THAT(finance->body, Catch::Contains("Responses<b>9</b>"));
    auto ops = browser.get("/?site=leeds&team=ops&from=2026-11-24&to=2026-11-24");
    REQUIRE(ops);
    CHECK_THAT(ops->body, Catch::Contains("Responses<b>0</b>"));
}

TEST_CASE("a manager token for some sites reads and posts for those only") {
    Fixture f;
    REQUIRE(f.collector.store().createSite("york", "York office"));
    REQUIRE(f.collector.store().createSite("hull", "Hull office"));
    auto& store = f.collector.store();
    const auto leedsOnly = store.createApiToken(collector::ApiRole::Manager, "Lee", {"leeds"});
    REQUIRE(leedsOnly);
    const auto everywhere = store.createApiToken(collector::ApiRole::Manager, "HR").value();
    const std::string range = "&from=2026-11-01&to=2026-11-30";
    CHECK(f.get("/v1/summary?site=leeds" + range, leedsOnly.value()).status == 200);
    auto refused = f.get("/v1/summary?site=york" + range, leedsOnly.value());
    CHECK(refused.status == 403);
    CHECK(core::errorMessageFromBody(refused.body) ==
          "this manager token covers only leeds, not york; ask your carekiosk admin for a token "
          "that covers it");
    CHECK(f.get("/v1/summary?site=york" + range, everywhere).status == 200);
    const auto today = core::parseDate("2026-11-23", "d").value();
    CHECK(f.post("/v1/messages", core::encodePostedMessage({"york", "Hello", today, today}),
                 leedsOnly.value())
              .status == 403);
    CHECK(f.post("/v1/messages", core::encodePostedMessage({"leeds", "Hello", today, today}),
                 leedsOnly.value())
              .status == 201);

    // The dashboard offers only the covered sites, even when asked for another.
    Browser browser(f.collector.url());
    browser.signIn(leedsOnly.value());
    auto page = browser.get("/?site=york");
    REQUIRE(page);
    CHECK_THAT(page->body, Catch::Contains("<h1>Leeds office</h1>"));
    CHECK(page->body.find("York office") == std::string::npos);
    CHECK(page->body.find("Hull office") == std::string::npos);

    // "You said, we did" from the dashboard's form, for covered sites only.
    auto posted = browser.post("/messages", httplib::Params{{"site", "leeds"},
                                                            {"text", "Booths are now on floor 2."},
                                                            {"from", "2026-11-23"},
                                                            {"to", "2026-12-23"}});
    REQUIRE(posted);
    CHECK(posted->status == 303);
    CHECK(posted->get_header_value("Location") == "/?site=leeds&posted=1");
    auto after = browser.get("/?site=leeds&posted=1");
    REQUIRE(after);
    CHECK_THAT(after->body, Catch::Contains("Message posted"));
    auto elsewhere = browser.post(
        "/messages",
        httplib::Params{
            {"site", "york"}, {"text", "Hi"}, {"from", "2026-11-23"}, {"to", "2026-11-24"}});
    REQUIRE(elsewhere);
    CHECK(elsewhere->status == 403);
    auto blank = browser.post(
        "/messages",
        httplib::Params{
            {"site", "leeds"}, {"text", "  "}, {"from", "2026-11-23"}, {"to", "2026-11-24"}});
    REQUIRE(blank);
    CHECK(blank->status == 400);
    CHECK_THAT(blank->body, Catch::Contains("text must be 1-300 printable characters"));
    CHECK(f.query("SELECT site_id || ': ' || text FROM messages") ==
          std::vector<std::string>{"leeds: Hello", "leeds: Booths are now on floor 2."});

    // Scopes name real sites, and only managers take one.
    auto unknown = store.createApiToken(collector::ApiRole::Manager, "X", {"yrok"});
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().message ==
          "site yrok does not exist; create it first with admin create-site");
    auto notManager = store.createApiToken(collector::ApiRole::Coordinator, "C", {"leeds"});
    REQUIRE_FALSE(notManager);
    CHECK(notManager.error().field == "sites");
}

TEST_CASE("a sign-in is a session of its own: sign-out ends it, other sites cannot post with it") {
    Fixture f;
    const auto manager = f.collector.store().createApiToken(collector::ApiRole::Manager, "Ana", {});
    REQUIRE(manager);
    Browser browser(f.collector.url());
    browser.signIn(manager.value());
    // The cookie is a random session id, never the API token.
    const std::string cookie = browser.session.find("Cookie")->second;
    CHECK(cookie.find(manager.value()) == std::string::npos);
    CHECK(cookie.size() == std::string("carekiosk_session=").size() + 64);
    // Nor can the token itself be used as a cookie.
    Browser forged(f.collector.url());
    forged.session = {{"Cookie", "carekiosk_session=" + manager.value()}};
    auto withToken = forged.get("/");
    REQUIRE(withToken);
    CHECK(withToken->status == 303);

    auto page = browser.get("/?site=leeds");
    REQUIRE(page);
    REQUIRE(page->status == 200);
    REQUIRE(browser.csrf.size() == 64);
    // Every page carries the security headers.
    CHECK_THAT(page->get_header_value("Content-Security-Policy"),
               Catch::Contains("frame-ancestors 'none'") && Catch::Contains("default-src 'none'"));
    CHECK(page->get_header_value("X-Content-Type-Options") == "nosniff");
    CHECK_THAT(page->get_header_value("Strict-Transport-Security"), Catch::Contains("max-age="));
    const std::string today = core::formatDate(testing::kTestNow / 86400);
    const httplib::Params message{
        {"site", "leeds"}, {"text", "Hello"}, {"from", today}, {"to", today}};

    // Another site's page posting the form: its Origin, or no form token.
    auto headers = browser.session;
    headers.emplace("Origin", "https://evil.example");
    auto foreign = browser.client.Post("/messages", headers,
                                       httplib::Params{{"site", "leeds"},
                                                       {"text", "Hello"},
                                                       {"from", today},
                                                       {"to", today},
                                                       {"csrf", browser.csrf}});
    REQUIRE(foreign);
    CHECK(foreign->status == 403);
    auto tokenless = browser.client.Post("/messages", browser.session, message);
    REQUIRE(tokenless);
    CHECK(tokenless->status == 403);
    // Secrets are read from the form only, never from a URL that proxies log.
    auto ownOrigin = browser.session;
    ownOrigin.emplace("Origin", browser.origin);
    auto inUrl = browser.client.Post("/messages?csrf=" + browser.csrf, ownOrigin, message);
    REQUIRE(inUrl);
    CHECK(inUrl->status == 403);
    httplib::Headers sameSite{{"Origin", browser.origin}};
    auto signInUrl = browser.client.Post("/signin?token=" + manager.value(), sameSite,
                                         httplib::Params{{"token", ""}});
    REQUIRE(signInUrl);
    CHECK(signInUrl->status == 401);
    CHECK(signInUrl->get_header_value("Set-Cookie").empty());
    CHECK(f.query("SELECT count(*) FROM messages")[0] == "0");
    auto own = browser.post("/messages", message);
    REQUIRE(own);
    CHECK(own->status == 303);
    CHECK(f.query("SELECT count(*) FROM messages")[0] == "1");

    // Sign-out deletes the session: the same cookie replayed is signed out.
    auto out = browser.post("/signout", {});
    REQUIRE(out);
    CHECK(out->status == 303);
    auto replayed = browser.get("/");
    REQUIRE(replayed);
    CHECK(replayed->status == 303);
    CHECK(replayed->get_header_value("Location") == "/signin");

    // Revoking the token ends its sessions too.
    Browser second(f.collector.url());
    second.signIn(manager.value());
    REQUIRE(f.collector.store().revokeApiToken(manager.value()));
    auto revoked = second.get("/");
    REQUIRE(revoked);
    CHECK(revoked->status == 303);

    // Guessing cookies is limited like guessing tokens.
    Browser guesser(f.collector.url());
    int limited = 0;
    for (int i = 0; i < 15; ++i) {
        guesser.session = {
            {"Cookie", "carekiosk_session=" + std::string(64, static_cast<char>('a' + i % 6))}};
        auto guess = guesser.get("/");
        REQUIRE(guess);
        limited += guess->status == 429;
    }
    CHECK(limited >= 5);
}

TEST_CASE("the collector's TLS offers only AEAD ciphers with forward secrecy") {
    Fixture f;
    const int port = std::stoi(f.collector.url().substr(f.collector.url().rfind(':') + 1));
    auto handshake = [&](const char* ciphers) {
        SSL_CTX* context = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_max_proto_version(context, TLS1_2_VERSION);
        SSL_CTX_set_cipher_list(context, ciphers);
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        SSL* ssl = SSL_new(context);
        SSL_set_fd(ssl, fd);
        const bool ok = SSL_connect(ssl) == 1;
        SSL_free(ssl);
        ::close(fd);
        SSL_CTX_free(context);
        return ok;
    };
    CHECK(handshake("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256"));
    CHECK_FALSE(handshake("ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA"));  // CBC
    CHECK_FALSE(handshake("AES128-GCM-SHA256:AES256-GCM-SHA384"));          // RSA key exchange
    CHECK_FALSE(handshake("ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA256"));  // CBC
}

TEST_CASE("the managers' dashboard draws only what the smallest-group rule lets through") {
    Fixture f;
    const auto device = f.enrol();
    core::Batch batch{std::string(32, '7'), {}};
    auto add = [&](int n, int score, std::int64_t hour, std::vector<std::string> reasons = {}) {
        for (int i = 0; i < n; ++i) {
            batch.checkIns.push_back({score, "leeds", 1, hour, reasons});
        }
    };
    add(6, 4, kDay1Morning, {"workload"});  // day 1: 6 x Good + 5 x Great, workload 6 times
    add(5, 5, kDay1Afternoon);
    add(5, 3, kDay2Morning, {"team"});    // day 2: 10 x Okay + 1 x Struggling (distribution hidden)
    add(5, 3, kDay2Morning);              //   team named by 5, not by 6
    add(1, 1, kDay2Morning, {"health"});  // named by one person: withheld
    add(3, 2, kDay2Morning + 86400);      // day 3: only 3 people: withheld entirely
    REQUIRE(f.post("/v1/batches", core::encodeBatch(batch), device.deviceToken).status == 200);
    const auto manager = f.collector.store().createManagerToken("Ana").value();
    const auto facilities =
        f.collector.store().createApiToken(collector::ApiRole::Facilities, "Fay").value();

    Browser browser(f.collector.url());
    auto anonymous = browser.get("/");
    REQUIRE(anonymous);
    CHECK(anonymous->status == 303);
    CHECK(anonymous->get_header_value("Location") == "/signin");
    CHECK(browser.signIn(facilities) == "/fleet");
    auto notForFacilities = browser.get("/");
    REQUIRE(notForFacilities);
    CHECK(notForFacilities->status == 303);
    CHECK(notForFacilities->get_header_value("Location") == "/fleet");

    CHECK(browser.signIn(manager) == "/");
    const std::string day1 = core::formatDate(kDay1Morning / 86400);
    const std::string day3 = core::formatDate(kDay2Morning / 86400 + 1);
    auto page = browser.get("/?site=leeds&from=" + day1 + "&to=" + day3);
    REQUIRE(page);
    REQUIRE(page->status == 200);
    const std::string& html = page->body;
    CHECK_THAT(html, Catch::Contains("Leeds office") && Catch::Contains("<svg"));
    // Responses count the released days (11 + 11); day 3's three wait, unpublished.
    CHECK_THAT(html, Catch::Contains("Responses<b>22</b>"));
    CHECK_THAT(html, Catch::Contains("Days with a mean<b>1</b>"));
    CHECK(html.find(day3 + ": 3") == std::string::npos);
    // The distribution comes from day 1 only (day 2's is hidden): Good 6, Great 5, Okay 0.
    CHECK_THAT(html, Catch::Contains("From the 11 responses"));
    // When the next figures appear, in the site's time.
    CHECK_THAT(html, Catch::Contains("The next day's figures appear on 2026-12-02 at 06:00 (UTC)"));
    // Reasons: workload (6) and team (5) shown; health (1 person) never appears.
    CHECK_THAT(html, Catch::Contains(">workload<") && Catch::Contains(">team<"));
    CHECK(html.find("health") == std::string::npos);
    CHECK(html.find("<script") == std::string::npos);

    const auto dir = std::filesystem::path(CAREKIOSK_SCREENSHOT_DIR);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "dashboard.html") << html;
    // Headless Chromium loads it without a console message and takes a screenshot.
    testing::TempDir profile;
    const auto shot = testing::runCommand(
        {"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--user-data-dir=" + profile.path().string(), "--enable-logging=stderr", "--v=0",
         "--window-size=1280,1100", "--screenshot=" + (dir / "dashboard.png").string(),
         "file://" + (dir / "dashboard.html").string()});
    INFO(shot.err);
    CHECK(shot.exitCode == 0);
    CHECK(shot.err.find("CONSOLE") == std::string::npos);
    CHECK(std::filesystem::file_size(dir / "dashboard.png") > 10000);
}

TEST_CASE("hostile bodies get 413 or a 400 that names the field, and nothing is stored") {
    Fixture f;
    const auto device = f.enrol();
    auto refused = [&](const std::string& body) {
        auto answer = f.post("/v1/batches", body, device.deviceToken);
        INFO(answer.body);
        CHECK(answer.status >= 400);
        CHECK(answer.status < 500);
        return answer;
    };
    // Over the 4 MiB cap: refused before it is read.
    auto huge = refused(std::string(5 * 1024 * 1024, 'x'));
    CHECK(huge.status == 413);
    CHECK_THAT(core::errorMessageFromBody(huge.body),
               Catch::StartsWith("request body too large: this endpoint takes at most"));

    core::Batch tooMany{std::string(32, 'a'), {}};
    for (int i = 0; i < 501; ++i) {
        tooMany.checkIns.push_back({3, "leeds", 1, kDay1Morning, {}});
    }
    auto rows = refused(core::encodeBatch(tooMany));
    CHECK(rows.status == 400);
    CHECK_THAT(rows.body, Catch::Contains("\"field\":\"checkins\""));

    auto reasons = refused(R"({"batch_id":")" + std::string(32, 'b') +
                           R"(","checkins":[{"score":3,"site_id":"leeds","question_set_version":1,)"
                           R"("hour":1795845600,"reasons":["a","b","c","d","e","f","g","h","i",)"
                           R"("j","k","l","m"]}]})");
    CHECK(reasons.status == 422);
    CHECK_THAT(reasons.body, Catch::Contains("checkins[0].reasons"));

    auto unknown = refused(R"({"batch_id":")" + std::string(32, 'c') +
                           R"(","checkins":[{"score":3,"site_id":"leeds","question_set_version":1,)"
                           R"("hour":1795845600,"mood":"secret"}]})");
    CHECK(unknown.status == 422);
    CHECK_THAT(unknown.body, Catch::Contains("checkins[0].mood"));

    auto notJson = refused("{\"batch_id\": [}");
    CHECK(notJson.status == 400);
    auto deep = refused(std::string(100000, '[') + std::string(100000, ']'));
    CHECK(deep.status == 400);

    CHECK(f.query("SELECT count(*) FROM checkins")[0] == "0");
    CHECK(f.query("SELECT count(*) FROM batches")[0] == "0");
    // The collector still serves after all of that.
    CHECK(f.post("/v1/batches",
                 core::encodeBatch(batchOf(std::string(32, 'd'), {{4, kDay1Morning}})),
                 device.deviceToken)
              .status == 200);
}

TEST_CASE("a client that stalls mid-request is disconnected, and others are served meanwhile") {
    testing::TempDir dir;
    core::SystemClock clock;
    core::SystemRandom random;
    auto store =
        collector::Store::connect(testing::TestDatabase(dir.path()).location(), clock, random);
    REQUIRE(store);
    collector::ServerOptions options;
    options.certFile = testing::TestCa::serverCert();
    options.keyFile = testing::TestCa::serverKey();
    options.port = 0;
    options.readTimeoutSeconds = 1;
    auto server = collector::Server::create(*store.value(), options);
    REQUIRE(server);
    const auto port = server.value()->bind();
    REQUIRE(port);
    std::thread serving([&] { (void)server.value()->run(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!server.value()->running() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
    }

    // A TLS client that sends half a request line and then nothing.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port.value()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    timeval wait{15, 0};  // the test's own deadline for the server to hang up
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    SSL_CTX* context = SSL_CTX_new(TLS_client_method());
    SSL* ssl = SSL_new(context);
    SSL_set_fd(ssl, fd);
    REQUIRE(SSL_connect(ssl) == 1);
    const std::string partial = "POST /v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    REQUIRE(SSL_write(ssl, partial.data(), static_cast<int>(partial.size())) > 0);

    // Meanwhile another client is answered.
    auto sender = testing::makeTestSender();
    auto ping = testing::sendOk(*sender, "GET",
                                "https://127.0.0.1:" + std::to_string(port.value()) + "/v1/ping",
                                "no-such-token");
    CHECK(ping.status == 401);

    // The stalled one is hung up on (httplib answers 400 first), well before
    // our own 15 s deadline would end the read.
    const auto started = std::chrono::steady_clock::now();
    std::string answer;
    char buffer[512];
    int read = 0;
    while ((read = SSL_read(ssl, buffer, sizeof buffer)) > 0) {
        answer.append(buffer, static_cast<std::size_t>(read));
    }
    const auto waited = std::chrono::steady_clock::now() - started;
    INFO(answer);
    CHECK((answer.empty() || answer.rfind("HTTP/1.1 4", 0) == 0));
    CHECK(waited < std::chrono::seconds(14));
    SSL_free(ssl);
    SSL_CTX_free(context);
    ::close(fd);
    server.value()->stop();
    serving.join();
}

namespace {

// A collector bound to a loopback port by the test, not yet accepting.
struct BoundCollector {
    testing::TempDir dir;
    core::SystemClock clock;
    core::SystemRandom random;
    std::unique_ptr<collector::Store> store;
    std::unique_ptr<collector::Server> server;
    int port = 0;

    explicit BoundCollector(int wantedPort = 0) {
        store = std::move(collector::Store::connect(testing::TestDatabase(dir.path()).location(),
                                                    clock, random))
                    .value();
        collector::ServerOptions options;
        options.certFile = testing::TestCa::serverCert();
        options.keyFile = testing::TestCa::serverKey();
        options.port = wantedPort;
        server = std::move(collector::Server::create(*store, options)).value();
    }
};

sockaddr_in loopback(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

}  // namespace

TEST_CASE("fifty kiosks connecting at once all get through without a retry") {
    // The collector is bound but not accepting yet, as when its accept loop is
    // busy: only the kernel's listen backlog holds connections. With httplib's
    // backlog of 5, the rest had their SYNs dropped and waited for the retry
    // one second later, or longer.
    BoundCollector c;
    auto port = c.server->bind();
    REQUIRE(port);
    const auto address = loopback(port.value());
    std::vector<int> sockets;
    for (int i = 0; i < 50; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        REQUIRE(fd >= 0);
        sockets.push_back(fd);
        const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
        REQUIRE((rc == 0 || errno == EINPROGRESS));
    }
    // A dropped SYN is sent again after one second; the deadline is shorter,
    // so a connection that needed the retry is counted as not through.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(900);
    std::size_t connected = 0;
    for (int fd : sockets) {
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{fd, POLLOUT, 0};
            if (::poll(&p, 1, 10) == 1) {
                int error = 0;
                socklen_t length = sizeof error;
                ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
                connected += error == 0 ? 1 : 0;
                break;
            }
        }
    }
    CHECK(connected == sockets.size());
    for (int fd : sockets) {
        ::close(fd);
    }
}

TEST_CASE("a second collector on a port already in use refuses to start and says why") {
    BoundCollector first;
    auto port = first.server->bind();
    REQUIRE(port);
    BoundCollector second(port.value());
    auto taken = second.server->bind();
    REQUIRE_FALSE(taken);
    CHECK_THAT(taken.error().message,
               Catch::Contains("cannot listen on 127.0.0.1:" + std::to_string(port.value())) &&
                   Catch::Contains("another collector"));
}

TEST_CASE("the collector speaks TLS 1.2 or later only") {
    Fixture f;
    const std::string url = f.collector.url();
    const int port = std::stoi(url.substr(url.rfind(':') + 1));
    // Returns whether a client limited to `version` completes a handshake.
    auto handshake = [&](int version) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        timeval wait{15, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
        SSL_CTX* context = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_security_level(context, 0);  // so the client itself would allow old TLS
        SSL_CTX_set_min_proto_version(context, version);
        SSL_CTX_set_max_proto_version(context, version);
        SSL* ssl = SSL_new(context);
        SSL_set_fd(ssl, fd);
        const bool ok = SSL_connect(ssl) == 1;
        SSL_free(ssl);
        SSL_CTX_free(context);
        ::close(fd);
        return ok;
    };
    CHECK(handshake(TLS1_2_VERSION));
    CHECK(handshake(TLS1_3_VERSION));
    CHECK_FALSE(handshake(TLS1_1_VERSION));
    CHECK_FALSE(handshake(TLS1_VERSION));
}

TEST_CASE(
    "summaries read per-day rollups kept on ingest, and an older database gets them "
    "built from its check-ins",
    "[sqlite]") {
    testing::TempDir dir;
    testing::ManualClock clock{testing::testNow()};
    core::SystemRandom random;
    std::vector<collector::DayCounts> before;
    {
        auto store = collector::Store::open(dir / "c.db", clock, random).value();
        REQUIRE(store->createSite("leeds", "Leeds office"));
        const auto kiosk = store->enroll(store->createEnrollCode("leeds").value()).value();
        auto batch = batchOf(std::string(32, 'e'),
                             {{2, kDay1Morning}, {4, kDay1Morning}, {4, kDay2Morning}});
        batch.checkIns[0].reasons = {"workload"};
        REQUIRE(store->storeBatch({kiosk.deviceId, "leeds"}, batch));
        before = store->dayCounts("leeds", 0, 50000).value();
    }
    REQUIRE(before.size() == 2);
    CHECK(before[0].perScore == std::array<int, 5>{0, 1, 0, 1, 0});
    CHECK(before[0].reasons == std::map<std::string, int>{{"workload", 1}});
    // The same counts from the rollup tables alone.
    CHECK(testing::queryStrings(dir / "c.db", "SELECT sum(count) FROM day_scores")[0] == "3");
    // A database from before the rollups: drop them and go back to schema 8.
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open((dir / "c.db").c_str(), &db) == SQLITE_OK);
        REQUIRE(sqlite3_exec(db,
                             "DROP TABLE day_scores; DROP TABLE day_reasons; "
                             // and what schema 11 added
                             "DROP TABLE released_scores; DROP TABLE released_reasons; "
                             "DROP TABLE released_buddies; DROP TABLE release_decisions; "
                             "DROP TABLE release_reasons_shown; "
                             "ALTER TABLE sites DROP COLUMN time_zone; "
                             "ALTER TABLE sites DROP COLUMN release_minute; "
                             "ALTER TABLE sites DROP COLUMN released_through; "
                             "ALTER TABLE devices DROP COLUMN team; "
                             "ALTER TABLE devices DROP COLUMN enrolled_at; "
                             "ALTER TABLE buddy_counts DROP COLUMN waiting; "
                             // and what schema 12 added
                             "DROP TABLE web_sessions; "
                             "PRAGMA user_version = 8;",
                             nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    auto reopened = collector::Store::open(dir / "c.db", clock, random).value();
    const auto after = reopened->dayCounts("leeds", 0, 50000).value();
    REQUIRE(after.size() == 2);
    CHECK(after[0].perScore == before[0].perScore);
    CHECK(after[0].reasons == before[0].reasons);
    CHECK(after[1].perScore == before[1].perScore);
}

TEST_CASE("batches stored at once share commits, yet each is stored once and fails alone") {
    testing::TempDir dir;
    testing::ManualClock clock{testing::testNow()};
    core::SystemRandom random;
    testing::TestDatabase db(dir.path());
    auto store = collector::Store::connect(db.location(), clock, random).value();
    REQUIRE(store->createSite("leeds", "Leeds office"));
    REQUIRE(store->createSite("york", "York office"));
    const auto kiosk = store->enroll(store->createEnrollCode("leeds").value()).value();
    const collector::Device device{kiosk.deviceId, "leeds"};

    // Eight kiosks' threads at once: each sends its 25 batches twice (a lost
    // acknowledgement), and one batch carries a row for another site.
    constexpr int kThreads = 8;
    constexpr int kBatches = 25;
    std::atomic<int> stored{0};
    std::atomic<int> duplicates{0};
    std::atomic<int> refused{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int b = 0; b < kBatches; ++b) {
                char id[33];
                std::snprintf(id, sizeof id, "%016x%016x", t + 1, b + 1);
                auto batch = batchOf(id, {{1 + (b % 5), kDay1Morning}, {3, kDay2Morning}});
                if (t == 3 && b == 7) {
                    batch.checkIns[1].siteId = "york";
                }
                for (int attempt = 0; attempt < 2; ++attempt) {
                    auto result = store->storeBatch(device, batch);
                    if (!result || !result->refused.empty()) {
                        ++refused;
                    } else if (result->duplicate) {
                        ++duplicates;
                    } else {
                        stored += result->stored;
                    }
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    const int good = kThreads * kBatches - 1;
    CHECK(refused == 2);        // the bad batch, both times, and nothing else
    CHECK(duplicates == good);  // every good batch's second sending
    CHECK(stored == good * 2);  // two rows each, once
    CHECK(db.query("SELECT count(*) FROM checkins")[0] == std::to_string(good * 2));
    CHECK(db.query("SELECT count(*) FROM checkins WHERE site_id = "
                   "'york'")[0] == "0");
    CHECK(db.query("SELECT sum(count) FROM day_scores")[0] == std::to_string(good * 2));
}

TEST_CASE("a collector whose PostgreSQL connections are cut serves again without a restart",
          "[postgres]") {
    Fixture f;
    REQUIRE(f.db.isPostgres());
    const auto device = f.enrol();
    REQUIRE(f.post("/v1/batches",
                   core::encodeBatch(batchOf(std::string(32, 'a'), {{4, kDay1Morning}})),
                   device.deviceToken)
                .status == 200);
    // The database server drops every connection the collector holds, as a
    // restart or failover of PostgreSQL would.
    const auto cut = f.query(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()");
    REQUIRE(cut == std::vector<std::string>{"2"});
    // A kiosk retries a batch that got a 5xx; within a few tries it is stored,
    // once, with the first one still there.
    const auto batch = batchOf(std::string(32, 'b'), {{2, kDay1Morning}, {5, kDay1Morning}});
    int tries = 0;
    int status = 0;
    while (status != 200 && tries < 4) {
        status = static_cast<int>(
            f.post("/v1/batches", core::encodeBatch(batch), device.deviceToken).status);
        ++tries;
        CHECK((status == 200 || status >= 500));
    }
    CHECK(status == 200);
    CHECK(f.query("SELECT count(*) FROM checkins") == std::vector<std::string>{"3"});
    CHECK(f.query("SELECT count(*) FROM batches") == std::vector<std::string>{"2"});
}

TEST_CASE("PostgreSQL gets numbered placeholders, and a question mark inside quotes stays") {
    CHECK(collector::sql::numberPlaceholders(
              "SELECT a FROM t WHERE b = ? AND c = '?' AND d IN (?, ?) AND e = 'it''s ?'") ==
          "SELECT a FROM t WHERE b = $1 AND c = '?' AND d IN ($2, $3) AND e = 'it''s ?'");
    CHECK(collector::sql::numberPlaceholders("VALUES (?, ?), (?, ?)") ==
          "VALUES ($1, $2), ($3, $4)");
}

TEST_CASE("a PostgreSQL store backed up with pg_dump restores every check-in and token",
          "[postgres]") {
    testing::TempDir dir;
    testing::ManualClock clock{testing::testNow()};
    core::SystemRandom random;
    testing::TempDir second;  // each database takes its name from its directory
    testing::TestDatabase original(dir.path());
    REQUIRE(original.isPostgres());
    core::EnrollResponse kiosk;
    {
        auto store = collector::Store::connect(original.location(), clock, random).value();
        REQUIRE(store->createSite("leeds", "Leeds office"));
        kiosk = store->enroll(store->createEnrollCode("leeds").value()).value();
        REQUIRE(
            store->storeBatch({kiosk.deviceId, "leeds"},
                              batchOf(std::string(32, 'f'),
                                      {{2, kDay1Morning}, {4, kDay1Morning}, {5, kDay2Morning}})));
        // As docs/reliability.md says: a PostgreSQL store refuses admin backup.
        const auto refused = store->backupTo(dir / "copy.db");
        REQUIRE_FALSE(refused);
        CHECK_THAT(refused.error().message, Catch::Contains("pg_dump"));
    }
    // The documented commands: pg_dump while it serves, pg_restore into an
    // empty database.
    const std::string dump = (dir / "carekiosk.dump").string();
    testing::runOk({"/usr/bin/pg_dump", "--format=custom", "--file=" + dump,
                    "--dbname=" + original.location()});
    testing::TestDatabase restored(second.path());
    testing::runOk({"/usr/bin/pg_restore", "--no-owner", "--dbname=" + restored.location(), dump});
    auto store = collector::Store::connect(restored.location(), clock, random).value();
    CHECK(restored.query("SELECT count(*) FROM checkins")[0] == "3");
    CHECK(restored.query("SELECT sum(count) FROM day_scores")[0] == "3");
    auto caller = store->identify(kiosk.deviceToken);
    REQUIRE(caller);
    CHECK(caller->device.has_value());
    // And it takes new batches as before.
    CHECK(store->storeBatch({kiosk.deviceId, "leeds"},
                            batchOf(std::string(32, 'g'), {{3, kDay2Morning}})));
    CHECK(restored.query("SELECT count(*) FROM checkins")[0] == "4");
}
