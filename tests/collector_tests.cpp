#include <httplib.h>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
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
    add(5, 3, kDay2Morning, {"team"});    // day 2: 5 x Okay + 1 x Struggling (distribution hidden)
    add(1, 1, kDay2Morning, {"health"});  // named by one person: withheld
    add(3, 2, kDay2Morning + 86400);      // day 3: only 3 people: withheld entirely
    REQUIRE(f.post("/v1/batches", core::encodeBatch(batch), device.deviceToken).status == 200);
    const auto manager = f.collector.store().createManagerToken("Ana").value();
    const auto facilities =
        f.collector.store().createApiToken(collector::ApiRole::Facilities, "Fay").value();

    const std::string url = f.collector.url();
    httplib::SSLClient browser("127.0.0.1", std::stoi(url.substr(url.rfind(':') + 1)));
    browser.set_ca_cert_path(testing::TestCa::caFile().c_str());
    browser.enable_server_certificate_verification(true);
    auto anonymous = browser.Get("/");
    REQUIRE(anonymous);
    CHECK(anonymous->status == 303);
    CHECK(anonymous->get_header_value("Location") == "/signin");
    auto signIn = [&](const std::string& token) {
        auto answer = browser.Post("/signin", httplib::Params{{"token", token}});
        REQUIRE(answer);
        REQUIRE(answer->status == 303);
        const auto cookie = answer->get_header_value("Set-Cookie");
        return std::make_pair(answer->get_header_value("Location"),
                              httplib::Headers{{"Cookie", cookie.substr(0, cookie.find(';'))}});
    };
    const auto [fleetPage, fleetCookie] = signIn(facilities);
    CHECK(fleetPage == "/fleet");
    auto notForFacilities = browser.Get("/", fleetCookie);
    REQUIRE(notForFacilities);
    CHECK(notForFacilities->status == 303);
    CHECK(notForFacilities->get_header_value("Location") == "/fleet");

    const auto [home, cookie] = signIn(manager);
    CHECK(home == "/");
    const std::string day1 = core::formatDate(kDay1Morning / 86400);
    const std::string day3 = core::formatDate(kDay2Morning / 86400 + 1);
    auto page = browser.Get("/?site=leeds&from=" + day1 + "&to=" + day3, cookie);
    REQUIRE(page);
    REQUIRE(page->status == 200);
    const std::string& html = page->body;
    CHECK_THAT(html, Catch::Contains("Leeds office") && Catch::Contains("<svg"));
    // Responses and the mean count only the days shown (11 + 6), never the withheld day's 3.
    CHECK_THAT(html, Catch::Contains("Responses<b>17</b>"));
    CHECK_THAT(html, Catch::Contains("Days withheld<b>1</b>"));
    CHECK_THAT(html, Catch::Contains(day3 + ": fewer than 5"));
    CHECK(html.find(day3 + ": 3") == std::string::npos);
    // The distribution comes from day 1 only (day 2's is hidden): Good 6, Great 5, Okay 0.
    CHECK_THAT(html, Catch::Contains("From the 11 responses"));
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
