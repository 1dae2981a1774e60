// The collector-side rows of bench/run. Each subcommand prints one JSON object.
//
//   bench_collector drain   --server URL --ca PEM --code CODE --count N --work DIR
//       Fills a kiosk outbox with N check-ins, drains it through the real
//       Uploader and libcurl sender, and reports check-ins/s and the process's
//       peak RSS before and after the drain. It also writes the same kind of
//       batch bodies (gzip JSON, 500 rows, fresh ids) into DIR/bodies/ and a
//       curl config DIR/curl.cfg that posts them all over one connection: the
//       baseline bench/run times with curl.
//   bench_collector ingest  --server URL --ca PEM --codes C1,C2,.. --rows N
//       One thread per enrolment code (a kiosk each) enrols and posts N/threads
//       rows in batches of 500 at the same time, each kiosk's rows 40 to an
//       hour, oldest first, as a busy kiosk's outbox sends them; reports
//       rows/s. The gzip JSON bodies are made before timing starts (kiosks are
//       other machines). Baseline: the same number of check-ins with the same
//       sites, hours and share of reasons inserted into bare SQLite tables of
//       the collector's layout (checkins, checkin_reasons) in one transaction.
//   bench_collector summary --rows N --sites S --work DIR [--db postgresql://..]
//       Writes N check-ins spread over a year and S sites straight into a
//       collector database, then times a year of weekly summaries for one site
//       and for all sites (p50, p99).
#include <sqlite3.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "bench_stats.hpp"
#include "carekiosk/collector/sql.hpp"
#include "carekiosk/collector/store.hpp"
#include "carekiosk/core/clock.hpp"
#include "carekiosk/core/wire.hpp"
#include "carekiosk/storage/outbox.hpp"
#include "carekiosk/upload/http_sender.hpp"
#include "carekiosk/upload/uploader.hpp"

using namespace carekiosk;
using bench::Clock;
using bench::hexId;
using bench::percentile;

namespace {

// Yesterday at this hour: the collector accepts a kiosk's hours from 90 days
// before its enrolment to an hour ahead of its clock.
const std::int64_t kHour =
    std::chrono::duration_cast<std::chrono::hours>(
        std::chrono::system_clock::now().time_since_epoch() - std::chrono::hours(24))
        .count() *
    3600;
constexpr std::size_t kRowsPerBatch = 500;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

long peakRssKb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

// The hour of a kiosk's `n`th check-in in the ingest run: a busy kiosk's
// outbox, oldest first, kIngestPerHour check-ins an hour. The baseline stores
// rows with the same hours.
constexpr std::int64_t kIngestPerHour = 40;
std::int64_t ingestHour(std::int64_t n) {
    return kHour - 30 * 86400 + (n / kIngestPerHour) * 3600;
}

core::CheckIn someCheckIn(std::mt19937_64& random, const std::string& site,
                          std::int64_t hour = kHour) {
    core::CheckIn c{static_cast<int>(random() % 5) + 1, site, 1, hour, {}};
    if (random() % 3 == 0) {
        c.reasons = {"workload"};
    }
    return c;
}

int fail(const std::string& message) {
    std::fprintf(stderr, "bench_collector: %s\n", message.c_str());
    return 1;
}

// Enrols a kiosk with `code`; returns its device token, or "" after saying why.
std::string enrol(const std::string& server, const upload::TlsOptions& tls,
                  const std::string& code) {
    auto sender = upload::makeCurlSender(tls);
    upload::HttpRequest request;
    request.method = "POST";
    request.url = server + "/v1/enroll";
    request.body = core::encodeEnrollRequest({code});
    auto answer = sender->send(request);
    if (!answer || answer->status != 200) {
        fail("enrolment failed: " + (answer ? answer->body : answer.error().message));
        return {};
    }
    return core::decodeEnrollResponse(answer->body).value().deviceToken;
}

int drain(const std::string& server, const std::string& ca, const std::string& code, int count,
          const std::filesystem::path& work) {
    upload::TlsOptions tls;
    tls.caFile = ca;
    const std::string token = enrol(server, tls, code);
    if (token.empty()) {
        return 1;
    }
    std::filesystem::create_directories(work / "bodies");
    core::SystemRandom systemRandom;
    auto outbox = storage::Outbox::open(work / "kiosk.db", systemRandom);
    if (!outbox) {
        return fail(outbox.error().message);
    }
    std::mt19937_64 random(42);
    // The fill is not what is measured: rows go straight into the outbox's
    // table in one transaction (add() would rewrite every row waiting at each
    // of them, as a kiosk does for a person).
    (void)outbox->database().exec("BEGIN");
    auto insert = outbox->database().prepare(
        "INSERT INTO checkins (id, score, site_id, question_set_version, hour_bucket, reasons, "
        "team) VALUES (randomblob(16), ?, ?, ?, ?, ?, ?)");
    if (!insert) {
        return fail(insert.error().message);
    }
    for (int i = 0; i < count; ++i) {
        const core::CheckIn c = someCheckIn(random, "bench");
        std::string reasons;
        for (const auto& r : c.reasons) {
            reasons += (reasons.empty() ? "" : " ") + r;
        }
        insert->reset();
        if (auto s = insert->bind(1, c.score)
                         .bind(2, c.siteId)
                         .bind(3, c.questionSetVersion)
                         .bind(4, c.hourBucket)
                         .bind(5, reasons)
                         .bind(6, c.team)
                         .run();
            !s) {
            return fail(s.error().message);
        }
    }
    (void)outbox->database().exec("COMMIT");
    const long rssBefore = peakRssKb();

    // The baseline's bodies: the same kind of batches, gzip JSON of 500 rows.
    std::ofstream config(work / "curl.cfg");
    for (int written = 0, file = 0; written < count; ++file) {
        core::Batch batch{hexId(random), {}};
        for (std::size_t r = 0; r < kRowsPerBatch && written < count; ++r, ++written) {
            batch.checkIns.push_back(someCheckIn(random, "bench"));
        }
        auto body = upload::gzipCompress(core::encodeBatch(batch));
        if (!body) {
            return fail(body.error().message);
        }
        const auto path = work / "bodies" / (std::to_string(file) + ".json.gz");
        std::ofstream(path, std::ios::binary) << body.value();
        config << (file ? "next\n" : "") << "url = \"" << server << "/v1/batches\"\n"
               << "header = \"Authorization: Bearer " << token << "\"\n"
               << "header = \"Content-Type: application/json\"\n"
               << "header = \"Content-Encoding: gzip\"\n"
               << "data-binary = \"@" << path.string() << "\"\n"
               << "cacert = \"" << ca << "\"\n"
               << "output = \"/dev/null\"\n";
    }
    config.close();

    auto sender = upload::makeCurlSender(tls);
    core::SystemClock clock;
    upload::Uploader uploader(outbox.value(), *sender, {server, token}, clock);
    const auto start = Clock::now();
    const auto outcome = uploader.drain();
    const double seconds = secondsSince(start);
    if (outcome.error) {
        return fail("the drain stopped: " + outcome.error->message);
    }
    std::printf(
        "{\"checkins\": %lld, \"seconds\": %.3f, \"per_second\": %.0f, "
        "\"peak_rss_kb_before_drain\": %ld, \"peak_rss_kb_after_drain\": %ld}\n",
        static_cast<long long>(outcome.checkInsAcknowledged), seconds,
        static_cast<double>(outcome.checkInsAcknowledged) / seconds, rssBefore, peakRssKb());
    return 0;
}

// Inserts `rows` check-ins into the open database's checkins table in one
// transaction: a random key each, a score, the site from `siteOf(i)` and the
// hour from `hourOf(i)`; with `withReasons`, one in three also gets a row in
// checkin_reasons, as someCheckIn gives one in three a reason. The same
// statements the baseline and the summary fill use.
template <typename SiteOf, typename HourOf>
void insertCheckIns(sqlite3* db, std::int64_t rows, std::mt19937_64& random, SiteOf siteOf,
                    HourOf hourOf, bool withReasons) {
    sqlite3_stmt* insert = nullptr;
    sqlite3_prepare_v2(db,
                       "INSERT INTO checkins (id, site_id, score, question_set_version, "
                       "hour_bucket) VALUES (?, ?, ?, 1, ?)",
                       -1, &insert, nullptr);
    sqlite3_stmt* insertReason = nullptr;
    sqlite3_prepare_v2(db,
                       "INSERT INTO checkin_reasons (site_id, hour_bucket, checkin_id, reason) "
                       "VALUES (?, ?, ?, 'workload')",
                       -1, &insertReason, nullptr);
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    for (std::int64_t i = 0; i < rows; ++i) {
        const std::uint64_t key[2] = {random(), random()};
        const std::string site = siteOf(i);
        const std::int64_t hour = hourOf(i);
        sqlite3_bind_blob(insert, 1, key, sizeof key, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 2, site.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(insert, 3, static_cast<int>(random() % 5) + 1);
        sqlite3_bind_int64(insert, 4, hour);
        sqlite3_step(insert);
        sqlite3_reset(insert);
        if (withReasons && random() % 3 == 0) {
            sqlite3_bind_text(insertReason, 1, site.c_str(), -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(insertReason, 2, hour);
            sqlite3_bind_blob(insertReason, 3, key, sizeof key, SQLITE_TRANSIENT);
            sqlite3_step(insertReason);
            sqlite3_reset(insertReason);
        }
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_finalize(insertReason);
    sqlite3_finalize(insert);
}

int bareInsert(std::int64_t rows, std::int64_t perKiosk, const std::filesystem::path& path,
               double& seconds) {
    std::filesystem::remove(path);
    sqlite3* db = nullptr;
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
        return fail("cannot open " + path.string());
    }
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                 "CREATE TABLE checkins (site_id TEXT NOT NULL, hour_bucket INTEGER NOT NULL, "
                 "id BLOB NOT NULL, score INTEGER NOT NULL, question_set_version INTEGER NOT "
                 "NULL, team TEXT NOT NULL DEFAULT '', PRIMARY KEY (site_id, hour_bucket, id)) "
                 "WITHOUT ROWID;"
                 "CREATE TABLE checkin_reasons (site_id TEXT NOT NULL, hour_bucket INTEGER NOT "
                 "NULL, checkin_id BLOB NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (site_id, "
                 "hour_bucket, checkin_id, reason)) WITHOUT ROWID;",
                 nullptr, nullptr, nullptr);
    std::mt19937_64 random(7);
    const auto start = Clock::now();
    insertCheckIns(
        db, rows, random, [](std::int64_t) { return std::string("bench"); },
        [&](std::int64_t i) { return ingestHour(i % perKiosk); }, true);
    seconds = secondsSince(start);
    sqlite3_close(db);
    return 0;
}

int ingest(const std::string& server, const std::string& ca, const std::vector<std::string>& codes,
           std::int64_t rows, const std::filesystem::path& work) {
    const auto kiosks = static_cast<std::int64_t>(codes.size());
    const std::int64_t perKiosk = rows / kiosks;
    upload::TlsOptions tls;
    tls.caFile = ca;
    std::atomic<std::int64_t> stored{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    // Enrol every kiosk first, then start them together.
    std::vector<std::string> tokens;
    for (const auto& code : codes) {
        tokens.push_back(enrol(server, tls, code));
        if (tokens.back().empty()) {
            return 1;
        }
    }
    // Every kiosk's requests are made before the clock starts: the kiosks are
    // other machines, and what is measured is the collector. Bodies are gzip
    // JSON, as the uploader sends them.
    struct Request {
        upload::HttpRequest http;
        std::int64_t rows = 0;
    };
    std::vector<std::vector<Request>> requests(tokens.size());
    for (std::size_t k = 0; k < tokens.size(); ++k) {
        std::mt19937_64 random(k + 1);
        for (std::int64_t sent = 0; sent < perKiosk;) {
            core::Batch batch{hexId(random), {}};
            for (std::size_t r = 0; r < kRowsPerBatch && sent < perKiosk; ++r, ++sent) {
                batch.checkIns.push_back(someCheckIn(random, "bench", ingestHour(sent)));
            }
            auto body = upload::gzipCompress(core::encodeBatch(batch));
            if (!body) {
                return fail(body.error().message);
            }
            Request request;
            request.http.method = "POST";
            request.http.url = server + "/v1/batches";
            request.http.bearerToken = tokens[k];
            request.http.contentEncoding = "gzip";
            request.http.body = std::move(body).value();
            request.rows = static_cast<std::int64_t>(batch.checkIns.size());
            requests[k].push_back(std::move(request));
        }
    }
    const auto start = Clock::now();
    for (std::size_t k = 0; k < tokens.size(); ++k) {
        threads.emplace_back([&, k] {
            auto sender = upload::makeCurlSender(tls);
            for (const Request& request : requests[k]) {
                auto answer = sender->send(request.http);
                if (!answer || answer->status != 200) {
                    ++failures;
                    continue;
                }
                stored += request.rows;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    const double seconds = secondsSince(start);
    double bareSeconds = 0;
    if (int rc = bareInsert(stored.load(), perKiosk, work / "bare.db", bareSeconds); rc != 0) {
        return rc;
    }
    std::printf(
        "{\"kiosks\": %lld, \"rows\": %lld, \"failures\": %d, \"seconds\": %.3f, "
        "\"rows_per_second\": %.0f, \"bare_sqlite_seconds\": %.3f, "
        "\"bare_sqlite_rows_per_second\": %.0f}\n",
        static_cast<long long>(kiosks), static_cast<long long>(stored.load()), failures.load(),
        seconds, static_cast<double>(stored.load()) / seconds, bareSeconds,
        static_cast<double>(stored.load()) / bareSeconds);
    return failures.load() == 0 ? 0 : 1;
}

// Fills a SQLite collector database at `path` with `rows` check-ins over a
// year and `sites` sites, and its rollups, straight into the tables.
void fillSqlite(const std::filesystem::path& path, std::int64_t rows, int sites) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    std::mt19937_64 random(3);
    const std::int64_t yearStart = core::parseDate("2025-11-24", "d").value() * 86400;
    insertCheckIns(
        db, rows, random,
        [&](std::int64_t) {
            return "site-" + std::to_string(random() % static_cast<unsigned>(sites));
        },
        [&](std::int64_t) {
            return yearStart + static_cast<std::int64_t>(random() % (364 * 24)) * 3600;
        },
        false);
    // The rollups the collector keeps on ingest, built as its migration does.
    sqlite3_exec(db,
                 "INSERT INTO day_scores (site_id, day, team, score, count, waiting) "
                 "SELECT site_id, hour_bucket / 86400, team, score, count(*), count(*) "
                 "FROM checkins "
                 "GROUP BY site_id, hour_bucket / 86400, team, score",
                 nullptr, nullptr, nullptr);
    sqlite3_close(db);
}

// The same for a PostgreSQL collector database at `uri`, generated by the
// server itself (rows per site and hour, random scores and keys).
core::Status fillPostgres(const std::string& uri, std::int64_t rows, int sites) {
    auto db = collector::sql::connectPostgres(uri);
    if (!db) {
        return db.error();
    }
    const std::int64_t hours = 364 * 24;
    const std::int64_t perHour = std::max<std::int64_t>(1, rows / (sites * hours));
    const std::int64_t yearStart = core::parseDate("2025-11-24", "d").value() * 86400;
    const std::string fill =
        "INSERT INTO checkins (site_id, hour_bucket, id, score, question_set_version) "
        "SELECT 'site-' || s, " +
        std::to_string(yearStart) + " + h * 3600, uuid_send(gen_random_uuid()), " +
        "1 + floor(random() * 5)::int, 1 FROM generate_series(0, " + std::to_string(sites - 1) +
        ") s, generate_series(0, " + std::to_string(hours - 1) + ") h, generate_series(1, " +
        std::to_string(perHour) + ") n";
    if (auto s = db.value()->exec(fill); !s) {
        return s;
    }
    return db.value()->exec(
        "INSERT INTO day_scores (site_id, day, team, score, count, waiting) "
        "SELECT site_id, hour_bucket / 86400, team, score, count(*), count(*) FROM checkins "
        "GROUP BY site_id, hour_bucket / 86400, team, score; ANALYZE");
}

int summary(std::int64_t rows, int sites, const std::filesystem::path& work,
            const std::string& postgres) {
    std::filesystem::create_directories(work);
    const auto path = work / "summary.db";
    std::filesystem::remove(path);
    core::SystemClock clock;
    core::SystemRandom systemRandom;
    auto store = postgres.empty() ? collector::Store::open(path, clock, systemRandom)
                                  : collector::Store::openPostgres(postgres, clock, systemRandom);
    if (!store) {
        return fail(store.error().message);
    }
    for (int s = 0; s < sites; ++s) {
        if (auto made = store.value()->createSite("site-" + std::to_string(s), "Site"); !made) {
            return fail(made.error().message);
        }
    }
    // Straight into the tables: filling is not measured.
    const auto fillStart = Clock::now();
    if (postgres.empty()) {
        fillSqlite(path, rows, sites);
    } else if (auto filled = fillPostgres(postgres, rows, sites); !filled) {
        return fail(filled.error().message);
    }
    const double fillSeconds = secondsSince(fillStart);
    // The rows as stored (PostgreSQL's fill rounds to whole rows per site and hour).
    rows = 0;
    for (int s = 0; s < sites; ++s) {
        auto stored = store.value()->storedCheckIns("site-" + std::to_string(s));
        if (!stored) {
            return fail(stored.error().message);
        }
        rows += stored.value();
    }

    // The year is released once (the collector does this a day at a morning);
    // the summaries then read what was released. Both are timed.
    const auto releaseStart = Clock::now();
    for (int s = 0; s < sites; ++s) {
        if (auto released = store.value()->release("site-" + std::to_string(s), 5); !released) {
            return fail(released.error().message);
        }
    }
    const double releaseSeconds = secondsSince(releaseStart);
    const auto from = core::parseDate("2025-11-24", "d").value();
    const auto to = core::parseDate("2026-11-22", "d").value();
    std::vector<double> oneSite;
    std::vector<double> allSites;
    for (int repeat = 0; repeat < 11; ++repeat) {
        auto start = Clock::now();
        auto one = store.value()->summary({"site-0", core::SummaryPeriod::Week, from, to, 5, ""});
        if (!one) {
            return fail(one.error().message);
        }
        oneSite.push_back(secondsSince(start) * 1000);
        start = Clock::now();
        for (int s = 0; s < sites; ++s) {
            auto each = store.value()->summary(
                {"site-" + std::to_string(s), core::SummaryPeriod::Week, from, to, 5, ""});
            if (!each) {
                return fail(each.error().message);
            }
        }
        allSites.push_back(secondsSince(start) * 1000);
    }
    std::printf(
        "{\"rows\": %lld, \"sites\": %d, \"fill_seconds\": %.1f, \"release_seconds\": %.2f, "
        "\"one_site_p50_ms\": %.1f, \"one_site_p99_ms\": %.1f, \"all_sites_p50_ms\": %.1f, "
        "\"all_sites_p99_ms\": %.1f}\n",
        static_cast<long long>(rows), sites, fillSeconds, releaseSeconds, percentile(oneSite, 0.5),
        percentile(oneSite, 0.99), percentile(allSites, 0.5), percentile(allSites, 0.99));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"carekiosk collector-side benchmarks (see the header of collector_bench.cpp)"};
    app.require_subcommand(1);
    std::string server;
    std::string ca;
    std::string code;
    std::string work = "/tmp/carekiosk-bench";
    int count = 100000;
    auto* drainCmd = app.add_subcommand("drain", "upload drain through the real uploader");
    drainCmd->add_option("--server", server)->required();
    drainCmd->add_option("--ca", ca)->required();
    drainCmd->add_option("--code", code, "enrolment code for the bench kiosk")->required();
    drainCmd->add_option("--count", count)->check(CLI::Range(1, 10000000));
    drainCmd->add_option("--work", work);
    std::vector<std::string> codes;
    std::int64_t rows = 200000;
    auto* ingestCmd = app.add_subcommand("ingest", "concurrent kiosks posting to the collector");
    ingestCmd->add_option("--server", server)->required();
    ingestCmd->add_option("--ca", ca)->required();
    ingestCmd->add_option("--codes", codes)->required()->delimiter(',');
    ingestCmd->add_option("--rows", rows);
    ingestCmd->add_option("--work", work);
    int sites = 20;
    auto* summaryCmd = app.add_subcommand("summary", "summary latency over many check-ins");
    summaryCmd->add_option("--rows", rows);
    summaryCmd->add_option("--sites", sites)->check(CLI::Range(1, 1000));
    summaryCmd->add_option("--work", work);
    std::string postgres;
    summaryCmd->add_option("--db", postgres,
                           "a PostgreSQL database (postgresql://...) instead of a SQLite file");
    CLI11_PARSE(app, argc, argv);
    std::filesystem::create_directories(work);
    if (drainCmd->parsed()) {
        return drain(server, ca, code, count, work);
    }
    if (ingestCmd->parsed()) {
        return ingest(server, ca, codes, rows, work);
    }
    return summary(rows, sites, work, postgres);
}
