// A fleet of simulated kiosks against one or more collectors that share one
// database, and a check that every check-in they had acknowledged is stored
// exactly once. bench/load starts the collectors and runs this.
//
//   bench_load --servers URL[,URL..] --ca PEM --db PATH|postgresql://.. [--kiosks 2000]
//              [--sites 50] [--uploads 3] [--seconds 60] [--per-upload 8]
//              [--resend 0.05] [--threads 64]
//
// Sites and one enrolment code per kiosk are written straight into the
// database (as `carekiosk-collector admin` would); each kiosk then enrols over
// HTTPS with one of the collectors. Each kiosk uploads `--uploads` times,
// evenly over `--seconds` at a random phase of its own, as kiosks on their
// schedules do: a new connection each time, the check-ins gathered since its
// last upload (on average `--per-upload`) in batches of at most 500, sent to
// the collectors in turn as a load balancer would. A batch keeps its id from
// its first try; a failed try is retried on the next collector. A fraction
// `--resend` of acknowledged batches is sent again, as after an acknowledgement
// lost on the way back: the collectors must answer "duplicate" and store
// nothing. At the end the stored check-ins are counted per site and compared
// with what the collectors acknowledged. Prints one JSON object; exits 1 if a
// check-in is missing or stored twice, or a batch never got acknowledged.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "bench_stats.hpp"
#include "carekiosk/collector/store.hpp"
#include "carekiosk/core/clock.hpp"
#include "carekiosk/core/wire.hpp"
#include "carekiosk/upload/http_sender.hpp"
#include "carekiosk/upload/uploader.hpp"

using namespace carekiosk;
using bench::Clock;
using bench::hexId;

namespace {

// A week ago at this hour: the collector accepts a kiosk's hours from 90 days
// before its enrolment to an hour ahead of its clock.
const std::int64_t kFirstHour =
    std::chrono::duration_cast<std::chrono::hours>(
        std::chrono::system_clock::now().time_since_epoch() - std::chrono::hours(24 * 7))
        .count() *
    3600;
constexpr int kTries = 6;  // per batch, across the collectors
constexpr std::size_t kRowsPerBatch = 500;

struct Settings {
    std::vector<std::string> servers;
    std::string ca;
    std::string db;
    int kiosks = 2000;
    int sites = 50;
    int uploads = 3;
    double seconds = 60;
    int perUpload = 8;
    double resend = 0.05;
    int threads = 64;
};

struct Kiosk {
    std::string token;
    std::string siteId;
};

std::string siteName(int s) {
    char id[16];
    std::snprintf(id, sizeof id, "site-%03d", s);
    return id;
}

// Check-ins stored per site, twice over: the rows themselves, and the per-day
// rollups that managers' summaries read. Either way, or nullopt after saying why.
struct StoredCounts {
    std::vector<std::int64_t> rows;
    std::vector<std::int64_t> rollups;
};

std::optional<StoredCounts> storedCounts(int sites, collector::Store& store) {
    StoredCounts counts{std::vector<std::int64_t>(static_cast<std::size_t>(sites)),
                        std::vector<std::int64_t>(static_cast<std::size_t>(sites))};
    for (int s = 0; s < sites; ++s) {
        auto days = store.dayCounts(siteName(s), 0, 1000000);
        if (!days) {
            std::fprintf(stderr, "bench_load: %s\n", days.error().message.c_str());
            return std::nullopt;
        }
        for (const auto& day : days.value()) {
            for (int n : day.perScore) {
                counts.rollups[static_cast<std::size_t>(s)] += n;
            }
        }
    }
    for (int s = 0; s < sites; ++s) {
        auto rows = store.storedCheckIns(siteName(s));
        if (!rows) {
            std::fprintf(stderr, "bench_load: %s\n", rows.error().message.c_str());
            return std::nullopt;
        }
        counts.rows[static_cast<std::size_t>(s)] = rows.value();
    }
    return counts;
}

int fail(const std::string& message) {
    std::fprintf(stderr, "bench_load: %s\n", message.c_str());
    return 1;
}

// What the run saw, shared by the worker threads.
class Tally {
  public:
    explicit Tally(int sites) : acknowledged_(static_cast<std::size_t>(sites)) {}

    void acknowledged(int site, std::int64_t rows, double ms) {
        std::lock_guard lock(mutex_);
        acknowledged_[static_cast<std::size_t>(site)] += rows;
        latencies_.push_back(ms);
        ++batches_;
    }
    void resent(double ms, bool duplicate) {
        std::lock_guard lock(mutex_);
        latencies_.push_back(ms);
        ++resends_;
        resendsNotDuplicate_ += duplicate ? 0 : 1;
    }
    void countFailedTry() { ++failedTries_; }
    void countNeverAcknowledged() { ++gaveUp_; }

    std::vector<std::int64_t> acknowledgedPerSite() const {
        std::lock_guard lock(mutex_);
        return acknowledged_;
    }
    std::vector<double> latencies() const {
        std::lock_guard lock(mutex_);
        return latencies_;
    }
    long batches() const { return batches_; }
    long resends() const { return resends_; }
    long resendsNotDuplicate() const { return resendsNotDuplicate_; }
    long failedTries() const { return failedTries_; }
    long neverAcknowledged() const { return gaveUp_; }

  private:
    mutable std::mutex mutex_;
    std::vector<std::int64_t> acknowledged_;
    std::vector<double> latencies_;
    long batches_ = 0;
    long resends_ = 0;
    long resendsNotDuplicate_ = 0;
    std::atomic<long> failedTries_{0};
    std::atomic<long> gaveUp_{0};
};

// Sends `batch` until a collector acknowledges it, starting with collector
// `first` and moving on after each failed try. Returns the acknowledgement.
std::optional<core::BatchAck> sendBatch(const Settings& settings, upload::HttpSender& sender,
                                        const std::string& token, const std::string& body,
                                        std::size_t first, Tally& tally, double& ms) {
    for (int attempt = 0; attempt < kTries; ++attempt) {
        const auto& server =
            settings.servers[(first + static_cast<std::size_t>(attempt)) % settings.servers.size()];
        upload::HttpRequest request;
        request.method = "POST";
        request.url = server + "/v1/batches";
        request.bearerToken = token;
        request.contentEncoding = "gzip";
        request.body = body;
        const auto start = Clock::now();
        auto answer = sender.send(request);
        ms = bench::millisecondsSince(start);
        if (answer && answer->status == 200) {
            if (auto ack = core::decodeBatchAck(answer->body)) {
                return ack.value();
            }
        }
        tally.countFailedTry();
    }
    return std::nullopt;
}

// The team tag kiosk `k` is enrolled with (and so carries on every check-in).
std::string teamOf(int k) {
    static const char* const kTeams[] = {"", "ops", "care"};
    return kTeams[k % 3];
}

// One scheduled upload of kiosk `k` (its `n`th): the check-ins since the last.
void runUpload(const Settings& settings, const std::vector<Kiosk>& kiosks, int k, int n,
               Tally& tally) {
    const Kiosk& kiosk = kiosks[static_cast<std::size_t>(k)];
    const int site = k % settings.sites;
    std::mt19937_64 random(static_cast<std::uint64_t>(k) * 1000003u + static_cast<unsigned>(n));
    const int count =
        static_cast<int>(random() % static_cast<unsigned>(2 * settings.perUpload + 1));
    static const char* const kReasons[] = {"workload", "team", "health", "home", "commute"};
    std::vector<core::CheckIn> checkIns;
    for (int i = 0; i < count; ++i) {
        core::CheckIn c{static_cast<int>(random() % 5) + 1,
                        kiosk.siteId,
                        1,
                        kFirstHour + (n * 3 + static_cast<int>(random() % 3)) * 3600,
                        {}};
        c.team = teamOf(k);
        if (random() % 3 == 0) {
            c.reasons = {kReasons[random() % 5]};
        }
        checkIns.push_back(std::move(c));
    }
    // A new connection per upload, as a kiosk whose last one idled out.
    upload::TlsOptions tls;
    tls.caFile = settings.ca;
    auto sender = upload::makeCurlSender(tls);
    for (std::size_t first = 0; first < checkIns.size(); first += kRowsPerBatch) {
        core::Batch batch{hexId(random), {}};
        const auto end = std::min(checkIns.size(), first + kRowsPerBatch);
        batch.checkIns.assign(checkIns.begin() + static_cast<std::ptrdiff_t>(first),
                              checkIns.begin() + static_cast<std::ptrdiff_t>(end));
        auto body = upload::gzipCompress(core::encodeBatch(batch));
        if (!body) {
            tally.countNeverAcknowledged();
            continue;
        }
        const std::size_t server = static_cast<std::size_t>(k + n) % settings.servers.size();
        double ms = 0;
        auto ack = sendBatch(settings, *sender, kiosk.token, body.value(), server, tally, ms);
        if (!ack) {
            tally.countNeverAcknowledged();
            continue;
        }
        // A first acknowledgement may say "duplicate" (an earlier try was
        // stored but its answer lost): the rows count once either way.
        tally.acknowledged(site, static_cast<std::int64_t>(batch.checkIns.size()), ms);
        // Now and then the acknowledgement is "lost": the same batch again,
        // to the other collector.
        if (std::uniform_real_distribution<double>(0, 1)(random) < settings.resend) {
            auto again =
                sendBatch(settings, *sender, kiosk.token, body.value(), server + 1, tally, ms);
            if (again) {
                tally.resent(ms, again->duplicate);
            } else {
                tally.countNeverAcknowledged();
            }
        }
    }
}

// Enrols every kiosk over HTTPS, spread over the collectors.
bool enrolAll(const Settings& settings, const std::vector<std::string>& codes,
              std::vector<Kiosk>& kiosks) {
    std::atomic<int> next{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    upload::TlsOptions tls;
    tls.caFile = settings.ca;
    for (int t = 0; t < std::min(settings.threads, 16); ++t) {
        threads.emplace_back([&] {
            auto sender = upload::makeCurlSender(tls);
            for (int k = next++; k < settings.kiosks; k = next++) {
                upload::HttpRequest request;
                request.method = "POST";
                request.url =
                    settings.servers[static_cast<std::size_t>(k) % settings.servers.size()] +
                    "/v1/enroll";
                request.body =
                    core::encodeEnrollRequest({codes[static_cast<std::size_t>(k)], teamOf(k)});
                auto answer = sender->send(request);
                auto enrolled = answer && answer->status == 200
                                    ? core::decodeEnrollResponse(answer->body)
                                    : core::Result<core::EnrollResponse>(
                                          core::makeError(core::ErrorCode::Network, "failed"));
                if (!enrolled) {
                    ++failures;
                    continue;
                }
                kiosks[static_cast<std::size_t>(k)] = {enrolled->deviceToken, enrolled->siteId};
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    return failures == 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"simulated kiosks against collectors sharing one database (see the header)"};
    Settings settings;
    cli.add_option("--servers", settings.servers, "collector URLs")->required()->delimiter(',');
    cli.add_option("--ca", settings.ca, "the collectors' CA (PEM)")->required();
    cli.add_option("--db", settings.db,
                   "the database the collectors share: a SQLite path or postgresql://...")
        ->required();
    cli.add_option("--kiosks", settings.kiosks)->check(CLI::Range(1, 100000));
    cli.add_option("--sites", settings.sites)->check(CLI::Range(1, 1000));
    cli.add_option("--uploads", settings.uploads, "uploads per kiosk")->check(CLI::Range(1, 1000));
    cli.add_option("--seconds", settings.seconds, "over how long")->check(CLI::Range(1.0, 86400.0));
    cli.add_option("--per-upload", settings.perUpload, "mean check-ins per upload")
        ->check(CLI::Range(0, 5000));
    cli.add_option("--resend", settings.resend, "share of batches sent again")
        ->check(CLI::Range(0.0, 1.0));
    cli.add_option("--threads", settings.threads, "kiosks uploading at once, at most")
        ->check(CLI::Range(1, 1024));
    CLI11_PARSE(cli, argc, argv);

    // Sites and codes, as `carekiosk-collector admin` writes them.
    core::SystemClock clock;
    core::SystemRandom systemRandom;
    std::vector<std::string> codes;
    StoredCounts before;  // what earlier runs left in the database
    {
        auto store = collector::Store::connect(settings.db, clock, systemRandom);
        if (!store) {
            return fail(store.error().message);
        }
        for (int s = 0; s < settings.sites; ++s) {
            auto exists = store.value()->siteExists(siteName(s));
            if (exists && !exists.value()) {
                if (auto made = store.value()->createSite(siteName(s), "Load site"); !made) {
                    return fail(made.error().message);
                }
            }
        }
        for (int k = 0; k < settings.kiosks; ++k) {
            auto code = store.value()->createEnrollCode(siteName(k % settings.sites));
            if (!code) {
                return fail(code.error().message);
            }
            codes.push_back(code.value());
        }
        auto counted = storedCounts(settings.sites, *store.value());
        if (!counted) {
            return 1;
        }
        before = std::move(counted).value();
    }
    std::vector<Kiosk> kiosks(static_cast<std::size_t>(settings.kiosks));
    if (!enrolAll(settings, codes, kiosks)) {
        return fail("some kiosks could not enrol; see the collectors' output");
    }

    // Every upload of every kiosk on the run's clock: kiosk k's nth upload at
    // (n + phase_k) / uploads of the run.
    struct Event {
        double at;
        int kiosk;
        int n;
    };
    std::vector<Event> events;
    std::mt19937_64 random(1);
    for (int k = 0; k < settings.kiosks; ++k) {
        const double phase = std::uniform_real_distribution<double>(0, 1)(random);
        for (int n = 0; n < settings.uploads; ++n) {
            events.push_back({(n + phase) / settings.uploads * settings.seconds, k, n});
        }
    }
    std::sort(events.begin(), events.end(),
              [](const Event& a, const Event& b) { return a.at < b.at; });

    Tally tally(settings.sites);
    std::atomic<std::size_t> next{0};
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < settings.threads; ++t) {
        threads.emplace_back([&] {
            for (std::size_t e = next++; e < events.size(); e = next++) {
                // The schedule, not synchronisation: a kiosk uploads when its time comes.
                std::this_thread::sleep_until(start +
                                              std::chrono::duration_cast<Clock::duration>(
                                                  std::chrono::duration<double>(events[e].at)));
                runUpload(settings, kiosks, events[e].kiosk, events[e].n, tally);
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

    // What is stored, per site, against what was acknowledged: rows and rollups.
    std::int64_t lost = 0;
    std::int64_t duplicated = 0;
    std::int64_t stored = 0;
    std::int64_t expected = 0;
    {
        auto store = collector::Store::connect(settings.db, clock, systemRandom);
        if (!store) {
            return fail(store.error().message);
        }
        auto after = storedCounts(settings.sites, *store.value());
        if (!after) {
            return 1;
        }
        const auto acknowledged = tally.acknowledgedPerSite();
        for (std::size_t s = 0; s < acknowledged.size(); ++s) {
            for (const auto& [now, then] : {std::pair{&after->rows, &before.rows},
                                            std::pair{&after->rollups, &before.rollups}}) {
                const std::int64_t added = (*now)[s] - (*then)[s];
                lost += std::max<std::int64_t>(0, acknowledged[s] - added);
                duplicated += std::max<std::int64_t>(0, added - acknowledged[s]);
            }
            stored += after->rows[s] - before.rows[s];
            expected += acknowledged[s];
        }
    }
    const auto latencies = tally.latencies();
    std::printf(
        "{\"kiosks\": %d, \"collectors\": %zu, \"uploads\": %zu, \"seconds\": %.1f, "
        "\"batches\": %ld, \"batches_per_second\": %.1f, \"p50_ms\": %.1f, \"p99_ms\": %.1f, "
        "\"failed_tries\": %ld, \"resent\": %ld, \"resent_not_duplicate\": %ld, "
        "\"never_acknowledged\": %ld, \"acknowledged_checkins\": %lld, "
        "\"stored_checkins\": %lld, \"lost\": %lld, \"duplicated\": %lld}\n",
        settings.kiosks, settings.servers.size(), events.size(), seconds, tally.batches(),
        static_cast<double>(tally.batches() + tally.resends()) / seconds,
        bench::percentile(latencies, 0.5), bench::percentile(latencies, 0.99), tally.failedTries(),
        tally.resends(), tally.resendsNotDuplicate(), tally.neverAcknowledged(),
        static_cast<long long>(expected), static_cast<long long>(stored),
        static_cast<long long>(lost), static_cast<long long>(duplicated));
    const bool exact = lost == 0 && duplicated == 0 && tally.neverAcknowledged() == 0 &&
                       tally.resendsNotDuplicate() == 0;
    return exact ? 0 : 1;
}
