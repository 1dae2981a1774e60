// Anonymity over time, against a manager with the API and a stopwatch: a real
// collector over TLS with an injected clock, kiosks of several teams uploading
// on time and late, and every answer the manager could have read kept and
// compared. Runs on SQLite and, as postgres:<name>, on PostgreSQL.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "carekiosk/collector/anonymity.hpp"
#include "carekiosk/collector/release.hpp"
#include "carekiosk/core/time_zone.hpp"
#include "carekiosk/core/wire.hpp"
#include "carekiosk/upload/http_sender.hpp"
#include "support/test_support.hpp"

using namespace carekiosk;
using namespace std::chrono;

namespace {

std::int64_t dayNumber(const char* text) {
    return core::parseDate(text, "day").value();
}

// A collector whose clock the test moves, with one kiosk per team ("" for an
// untagged kiosk) and a manager token.
struct Site {
    testing::TempDir dir;
    testing::TestDatabase db{dir.path()};
    testing::ManualClock clock;
    testing::TestCollector collector;
    std::unique_ptr<upload::HttpSender> http = testing::makeTestSender();
    std::map<std::string, std::string> kiosks;  // team -> device token
    std::string manager;
    int batches = 0;

    explicit Site(system_clock::time_point now, const std::vector<std::string>& teams,
                  const std::string& zone = "UTC")
        : clock(now), collector(db.location(), clock) {
        REQUIRE(collector.store().createSite("leeds", "Leeds office"));
        REQUIRE(collector.store().setSiteCalendar("leeds", core::TimeZone::named(zone).value(),
                                                  collector::kDefaultReleaseMinute));
        for (const auto& team : teams) {
            auto code = collector.store().createEnrollCode("leeds");
            REQUIRE(code);
            kiosks[team] = collector.store().enroll(code.value(), team).value().deviceToken;
        }
        manager = collector.store().createManagerToken("Ana").value();
    }

    // `n` check-ins of `score` from `team`'s kiosk, in the hour starting at `hour`.
    void upload(const std::string& team, std::int64_t hour, int n, int score,
                std::vector<std::string> reasons = {}) {
        core::Batch batch;
        char id[33];
        std::snprintf(id, sizeof id, "%032x", ++batches);
        batch.batchId = id;
        for (int i = 0; i < n; ++i) {
            batch.checkIns.push_back({score, "leeds", 1, hour, reasons, team});
        }
        auto answer = testing::sendOk(*http, "POST", collector.url() + "/v1/batches",
                                      kiosks.at(team), core::encodeBatch(batch));
        INFO(answer.body);
        REQUIRE(answer.status == 200);
    }

    std::string read(const std::string& query) {
        auto answer = testing::sendOk(*http, "GET",
                                      collector.url() + "/v1/summary?site=leeds&" + query, manager);
        INFO(query << ": " << answer.body);
        REQUIRE(answer.status == 200);
        return answer.body;
    }
    core::SiteSummary summary(const std::string& query) {
        auto decoded = core::decodeSiteSummary(read(query));
        REQUIRE(decoded);
        return decoded.value();
    }
};

system_clock::time_point at(const char* date, int hour) {
    return system_clock::time_point(seconds((dayNumber(date) * 24 + hour) * 3600));
}

std::int64_t hourOf(const char* date, int hour) {
    return (dayNumber(date) * 24 + hour) * 3600;
}

// Every period an answer shows, by (team, kind, label), as JSON text.
std::map<std::string, std::string> periodsOf(const core::SiteSummary& s) {
    std::map<std::string, std::string> out;
    for (const auto& p : s.periods) {
        core::SiteSummary one;
        one.periods = {p};
        out[(s.team.empty() ? "*" : s.team) + "|" + s.period + "|" + p.period] =
            core::encodeSiteSummary(one);
    }
    return out;
}

void requireNoSmallFigure(const core::SiteSummary& s, int k) {
    for (const auto& p : s.periods) {
        INFO(s.team << " " << p.period);
        CHECK((p.count == 0 || p.count >= k));
        if (!p.perScoreHidden) {
            for (int n : p.perScore) {
                CHECK((n == 0 || n >= k));
            }
        }
        for (const auto& [reason, n] : p.reasons) {
            CHECK((!n || *n >= k));
        }
    }
}

}  // namespace

TEST_CASE("10 check-ins, read, one more, read: the second answer reveals nothing about the one") {
    Site site(at("2026-11-24", 9), {""});
    const std::string week = "from=2026-11-16&to=2026-11-29";

    SECTION("today") {
        site.upload("", hourOf("2026-11-24", 8), 10, 3);
        const auto before = site.read(week);
        site.clock.advance(hours(2));
        site.upload("", hourOf("2026-11-24", 10), 1, 4);  // one more person walks up
        const auto after = site.read(week);
        // Today is not published at all, before or after.
        CHECK(before == after);
        CHECK(site.summary(week).periods.empty());
        // The morning after, the day appears once, with its eleven.
        site.clock.set(at("2026-11-25", 6));
        const auto released = site.summary(week);
        REQUIRE(released.periods.size() == 1);
        CHECK(released.periods[0].count == 11);
        CHECK(released.periods[0].perScoreHidden);  // one 4 among ten 3s
        CHECK_FALSE(released.periods[0].mean.has_value());
    }

    SECTION("a past day, when an offline kiosk's late batch arrives") {
        site.upload("", hourOf("2026-11-24", 8), 10, 3);
        site.clock.set(at("2026-11-25", 9));
        const auto before = site.read(week);
        REQUIRE(site.summary(week).periods.size() == 1);
        site.upload("", hourOf("2026-11-24", 17), 1, 1);  // a late check-in for the 24th
        site.clock.advance(hours(24));                    // the 25th is released: nobody else
        const auto after = site.read(week);
        // The 24th is exactly as published; the late one waits for company.
        CHECK(periodsOf(core::decodeSiteSummary(before).value()) ==
              periodsOf(core::decodeSiteSummary(after).value()));
        // Four people on the 27th: with the late one they are five, published as the 27th's.
        site.clock.set(at("2026-11-27", 11));
        site.upload("", hourOf("2026-11-27", 10), 4, 4);
        site.clock.set(at("2026-11-28", 7));
        const auto later = site.summary(week);
        REQUIRE(later.periods.size() == 2);
        CHECK(later.periods[1].period == "2026-11-27");
        CHECK(later.periods[1].count == 5);
        CHECK(later.periods[1].perScoreHidden);
        CHECK(periodsOf(later).at("*|day|2026-11-24") ==
              periodsOf(core::decodeSiteSummary(before).value()).at("*|day|2026-11-24"));
    }
}

TEST_CASE("a New York office's evening counts on its own day, released at 06:00 New York time") {
    Site site(at("2026-11-25", 4), {""}, "America/New_York");
    // 23:30 in New York on the 24th is 04:30Z on the 25th.
    site.upload("", hourOf("2026-11-25", 4), 6, 4);
    site.clock.set(at("2026-11-25", 10));  // 05:00 in New York: not yet
    auto s = site.summary("from=2026-11-24&to=2026-11-25");
    CHECK(s.periods.empty());
    CHECK(s.timeZone == "America/New_York");
    CHECK(s.nextRelease == "2026-11-25T06:00:00-05:00");
    site.clock.set(at("2026-11-25", 11));  // 06:00 in New York
    s = site.summary("from=2026-11-24&to=2026-11-25");
    REQUIRE(s.periods.size() == 1);
    CHECK(s.periods[0].period == "2026-11-24");
    CHECK(s.periods[0].count == 6);
    CHECK(s.releasedThrough == "2026-11-24");
}

TEST_CASE("a kiosk's check-ins are refused, naming the field, for an hour it cannot have seen") {
    Site site(at("2026-11-24", 12), {"finance"});
    const auto post = [&](std::int64_t hour, const std::string& team) {
        core::Batch batch{std::string(32, 'b'), {{3, "leeds", 1, hour, {}, team}}};
        return testing::sendOk(*site.http, "POST", site.collector.url() + "/v1/batches",
                               site.kiosks.at("finance"), core::encodeBatch(batch));
    };
    const auto ahead = post(hourOf("2026-11-24", 14), "finance");  // two hours ahead
    CHECK(ahead.status == 422);
    CHECK_THAT(ahead.body, Catch::Contains("\"field\":\"checkins[0].hour\""));
    CHECK_THAT(ahead.body, Catch::Contains("ahead of the collector's clock"));
    const auto ancient = post(hourOf("2026-06-01", 9), "finance");  // long before enrolment
    CHECK(ancient.status == 422);
    CHECK_THAT(ancient.body, Catch::Contains("before this kiosk was enrolled"));
    const auto forged = post(hourOf("2026-11-24", 9), "sales");
    CHECK(forged.status == 422);
    CHECK_THAT(forged.body, Catch::Contains("\"field\":\"checkins[0].team\""));
    CHECK(post(hourOf("2026-11-24", 12), "finance").status == 200);
    CHECK(site.db.query("SELECT count(*) FROM checkins") == std::vector<std::string>{"1"});
}

TEST_CASE(
    "every answer over weeks of uploads, late batches and teams agrees with every other, and "
    "shows no small group") {
    struct Scenario {
        const char* name;
        std::vector<std::string> kiosks;
        unsigned seed;
    };
    for (const auto& scenario :
         {Scenario{"all kiosks tagged, two teams", {"finance", "sales"}, 3},
          Scenario{"three teams and an untagged kiosk", {"", "finance", "ops", "sales"}, 11}}) {
        INFO(scenario.name);
        Site site(at("2026-11-02", 7), scenario.kiosks);
        std::mt19937 random(scenario.seed);
        std::map<std::string, std::string> seen;  // period -> the JSON it was first shown with
        int answers = 0;
        for (std::int64_t d = dayNumber("2026-11-02"); d <= dayNumber("2026-12-13"); ++d) {
            site.clock.set(system_clock::time_point(seconds((d * 24 + 7) * 3600)));
            for (const auto& team : scenario.kiosks) {
                const int people = static_cast<int>(random() % (team == "ops" ? 3 : 8));
                for (int i = 0; i < people; ++i) {
                    const int score = 1 + static_cast<int>(random() % 10 < 6 ? 3 : random() % 5);
                    std::vector<std::string> reasons;
                    if (random() % 3 == 0) {
                        reasons = {"workload"};
                    }
                    // Now and then a kiosk uploads a check-in of a few days ago.
                    const std::int64_t when = random() % 9 == 0 ? d - 1 - random() % 4 : d;
                    site.upload(team, when * 86400 + 6 * 3600, 1, score, reasons);
                }
            }
            // The manager reads everything, every morning.
            for (const std::string team : {"", "finance", "ops", "sales"}) {
                if (!team.empty() && !site.kiosks.count(team)) {
                    continue;
                }
                for (const char* period : {"day", "week", "month"}) {
                    const auto s =
                        site.summary(std::string("from=2026-10-26&to=2026-12-27&period=") + period +
                                     (team.empty() ? "" : "&team=" + team));
                    ++answers;
                    requireNoSmallFigure(s, 5);
                    for (const auto& [key, json] : periodsOf(s)) {
                        const auto [it, fresh] = seen.emplace(key, json);
                        INFO(key);
                        CHECK(it->second == json);  // never changed once shown
                    }
                }
            }
        }
        // Nothing once shown went missing later.
        std::set<std::string> last;
        for (const std::string team : {"", "finance", "ops", "sales"}) {
            if (!team.empty() && !site.kiosks.count(team)) {
                continue;
            }
            for (const char* period : {"day", "week", "month"}) {
                for (const auto& [key, json] :
                     periodsOf(site.summary(std::string("from=2026-10-26&to=2026-12-27&period=") +
                                            period + (team.empty() ? "" : "&team=" + team)))) {
                    last.insert(key);
                }
            }
        }
        for (const auto& [key, json] : seen) {
            INFO(key);
            CHECK(last.count(key) == 1);
        }
        CHECK(answers > 300);
    }
}

TEST_CASE(
    "everything published over time, taken together, pins no withheld group below k (integer "
    "program)") {
    struct Scenario {
        const char* name;
        std::vector<std::string> kiosks;
        unsigned seed;
        int busyWeekFrom;  // days into the range with ten times the people, for a week
        bool extreme;      // almost everyone Great, now and then a Good
    };
    for (const auto& scenario : {
             Scenario{"all tagged, two teams", {"finance", "sales"}, 5, -1, false},
             Scenario{"teams and untagged, one busy week", {"", "finance", "ops"}, 8, 14, false},
             Scenario{"extreme means", {"", "finance"}, 13, -1, true},
         }) {
        INFO(scenario.name);
        const int k = 5;
        Site site(at("2026-11-02", 7), scenario.kiosks);
        std::mt19937 random(scenario.seed);
        const std::int64_t first = dayNumber("2026-11-02");
        const std::int64_t last = dayNumber("2026-12-06");  // five weeks, two months
        for (std::int64_t d = first; d <= last; ++d) {
            site.clock.set(system_clock::time_point(seconds((d * 24 + 7) * 3600)));
            const bool busy = scenario.busyWeekFrom >= 0 && d - first >= scenario.busyWeekFrom &&
                              d - first < scenario.busyWeekFrom + 7;
            for (const auto& team : scenario.kiosks) {
                const int people = static_cast<int>(random() % 6) * (busy ? 4 : 1);
                for (int i = 0; i < people; ++i) {
                    int score = 1 + static_cast<int>(random() % 5);
                    if (scenario.extreme) {
                        score = random() % 12 == 0 ? 4 : 5;
                    }
                    std::vector<std::string> reasons;
                    if (random() % 3 == 0) {
                        reasons = {random() % 2 ? "workload" : "team"};
                    }
                    const std::int64_t when = random() % 10 == 0 && d > first ? d - 1 : d;
                    site.upload(team, when * 86400 + 6 * 3600, 1, score, reasons);
                }
            }
            if ((d - first) % 3 == 0) {
                (void)site.read("from=2026-11-02&to=2026-12-06");  // releases happen as read
            }
        }
        site.clock.set(system_clock::time_point(seconds(((last + 1) * 24 + 7) * 3600)));
        // Every answer the manager can get, with the truth of each withheld figure.
        nlohmann::json published;
        published["k"] = k;
        std::vector<std::string> teams;
        for (const auto& team : scenario.kiosks) {
            if (!team.empty()) {
                teams.push_back(team);
            }
        }
        published["teams"] = teams;
        published["reasons"] = {"team", "workload"};
        published["first"] = core::formatDate(first);
        published["last"] = core::formatDate(last);
        published["summaries"] = nlohmann::json::array();
        auto released = site.collector.store().released("leeds", first, last, k).value();
        nlohmann::json truth = nlohmann::json::object();
        for (std::string team : {"", "finance", "ops", "sales"}) {
            if (!team.empty() && std::find(teams.begin(), teams.end(), team) == teams.end()) {
                continue;
            }
            for (const char* period : {"day", "week", "month"}) {
                const auto body =
                    site.read("from=2026-11-02&to=2026-12-06&period=" + std::string(period) +
                              (team.empty() ? "" : "&team=" + team));
                const auto s = core::decodeSiteSummary(body).value();
                published["summaries"].push_back(nlohmann::json::parse(body));
                requireNoSmallFigure(s, k);
                for (const auto& p : s.periods) {
                    const std::string label = (team.empty() ? "*" : team) + "|" + p.period;
                    std::array<int, 5> scores{};
                    std::map<std::string, int> named;
                    for (const auto& atom : released.atoms) {
                        const auto date = core::formatDate(atom.day);
                        if (date < p.start || date > p.end ||
                            (!team.empty() && atom.team != team)) {
                            continue;
                        }
                        for (std::size_t i = 0; i < 5; ++i) {
                            scores[i] += atom.perScore[i];
                        }
                        for (const auto& [reason, n] : atom.reasons) {
                            named[reason] += n;
                        }
                    }
                    if (p.perScoreHidden) {
                        for (std::size_t i = 0; i < 5; ++i) {
                            truth[label + "|s" + std::to_string(i + 1)] = scores[i];
                        }
                    }
                    // A reason not listed is withheld (or named by nobody).
                    for (const char* reason : {"team", "workload"}) {
                        if (!p.reasons.count(reason)) {
                            truth[label + "|r:" + reason] = named[reason];
                        }
                    }
                }
            }
        }
        published["truth"] = truth;
        const auto file = site.dir / "published.json";
        std::ofstream(file) << published.dump();
        const auto audit = testing::runCommand(
            {"/usr/bin/python3", CAREKIOSK_SOURCE_DIR "/tests/privacy_audit.py", file.string()});
        INFO(audit.out << audit.err);
        CHECK(audit.exitCode == 0);
        CHECK_THAT(audit.out, Catch::StartsWith("audited "));
    }
}

TEST_CASE("collectors releasing the same site at once release it once") {
    Site site(at("2026-11-24", 9), {""});
    site.upload("", hourOf("2026-11-23", 9), 7, 4);
    // A second collector process on the same database (another Store).
    core::SystemRandom random;
    auto other = collector::Store::connect(site.db.location(), site.clock, random);
    REQUIRE(other);
    std::thread racing([&] { REQUIRE(other.value()->release("leeds", 5)); });
    REQUIRE(site.collector.store().release("leeds", 5));
    racing.join();
    const auto s = site.summary("from=2026-11-23&to=2026-11-23");
    REQUIRE(s.periods.size() == 1);
    CHECK(s.periods[0].count == 7);
    CHECK(site.db.query("SELECT sum(count) FROM released_scores") == std::vector<std::string>{"7"});
    CHECK(site.db.query("SELECT count(*) FROM release_decisions") ==
          std::vector<std::string>{"1"});  // the day, and nothing more until its week closes
}

TEST_CASE("the integer-program audit does find a withheld group that published figures pin") {
    // What a line-by-line rule would publish: the site's week and a team's
    // day shown, the site's day withheld. The week has one Struggling; the
    // team's day and the other days have none, so the site's day has it.
    const nlohmann::json day = {{"period", "2026-11-24"},
                                {"start", "2026-11-24"},
                                {"end", "2026-11-24"},
                                {"count", 12},
                                {"mean", nullptr},
                                {"per_score", nullptr},
                                {"reasons", nlohmann::json::object()},
                                {"buddy_requests", 0},
                                {"change", nullptr},
                                {"drop", false}};
    auto teamDay = day;
    teamDay["count"] = 10;
    teamDay["mean"] = 4.0;
    teamDay["per_score"] = {0, 0, 0, 10, 0};
    auto week = day;
    week["period"] = "2026-W48";
    week["start"] = "2026-11-23";
    week["end"] = "2026-11-29";
    week["per_score"] = {1, 1, 0, 10, 0};
    week["mean"] = 3.5;
    const auto summary = [](const char* team, const char* period, const nlohmann::json& p) {
        return nlohmann::json{{"site_id", "leeds"}, {"team", team},
                              {"period", period},   {"from", "2026-11-23"},
                              {"to", "2026-11-29"}, {"periods", nlohmann::json::array({p})}};
    };
    const nlohmann::json published = {
        {"k", 5},
        {"teams", {"finance"}},
        {"reasons", nlohmann::json::array()},
        {"first", "2026-11-23"},
        {"last", "2026-11-29"},
        {"summaries",
         {summary("", "day", day), summary("finance", "day", teamDay), summary("", "week", week)}}};
    testing::TempDir dir;
    std::ofstream(dir / "pinned.json") << published.dump();
    const auto audit =
        testing::runCommand({"/usr/bin/python3", CAREKIOSK_SOURCE_DIR "/tests/privacy_audit.py",
                             (dir / "pinned.json").string()});
    INFO(audit.out << audit.err);
    CHECK(audit.exitCode == 1);
    CHECK_THAT(audit.out, Catch::Contains("SOLVED: *|2026-11-24|s1 is pinned to [1, 1]"));
}
