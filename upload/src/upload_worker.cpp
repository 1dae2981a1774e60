#include "carekiosk/upload/upload_worker.hpp"

#include "carekiosk/core/clock_check.hpp"

#include "carekiosk/upload/backoff.hpp"
#include "carekiosk/upload/site_sync.hpp"
#include "carekiosk/upload/uploader.hpp"

namespace carekiosk::upload {

UploadWorker::UploadWorker(UploadWorkerOptions options, std::unique_ptr<HttpSender> sender,
                           core::RandomSource& random, const core::Clock& clock,
                           std::function<void()> onStatusChanged)
    : options_(std::move(options)),
      sender_(std::move(sender)),
      random_(random),
      clock_(clock),
      onStatusChanged_(std::move(onStatusChanged)),
      runningConfigVersion_(options_.configVersion) {}

UploadWorker::~UploadWorker() {
    stop();
}

void UploadWorker::start() {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) {
        stopRequested_ = false;
        sender_->setCancelled(false);
        thread_ = std::thread([this] { run(); });
    }
}

void UploadWorker::stop() {
    {
        std::lock_guard lock(mutex_);
        stopRequested_ = true;
    }
    wake_.notify_all();
    // A try blocked on a hung collector (up to curl's timeouts, a minute)
    // gives up within about a second, so stop() on the UI thread (a config
    // reload) returns long before the watchdog's interval. What it was
    // sending stays in the outbox for the next try.
    sender_->setCancelled(true);
    if (thread_.joinable()) {
        thread_.join();
    }
}

std::uint64_t UploadWorker::uploadNow() {
    std::uint64_t ticket = 0;
    {
        std::lock_guard lock(mutex_);
        nowRequested_ = true;
        ticket = ++requestsMade_;
    }
    wake_.notify_all();
    return ticket;
}

UploadStatus UploadWorker::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

void UploadWorker::setConfigState(int runningVersion, std::string configError) {
    std::lock_guard lock(mutex_);
    runningConfigVersion_ = runningVersion;
    configError_ = std::move(configError);
}

std::chrono::steady_clock::duration UploadWorker::jitteredInterval() {
    // ±10% so that kiosks started together drift apart over the day.
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(options_.interval);
    const auto spread = ms.count() / 5;
    const auto offset = static_cast<long long>(random_.uniform(std::uint64_t(spread) + 1));
    return std::chrono::milliseconds(ms.count() - spread / 2 + offset);
}

void UploadWorker::run() {
    std::optional<storage::Outbox> outbox;
    Backoff backoff(options_.backoffBase, options_.backoffCap, random_);
    using SteadyClock = std::chrono::steady_clock;
    // The first scheduled try falls at a random point of the first interval.
    auto nextTry = SteadyClock::now() +
                   std::chrono::milliseconds(random_.uniform(
                       std::uint64_t(std::chrono::milliseconds(options_.interval).count()) + 1));
    while (true) {
        std::uint64_t serving = 0;
        {
            std::unique_lock lock(mutex_);
            wake_.wait_until(lock, nextTry, [this] { return stopRequested_ || nowRequested_; });
            if (stopRequested_) {
                return;
            }
            nowRequested_ = false;
            // Every request made before this try starts is answered by it.
            serving = requestsMade_;
        }
        const DrainOutcome outcome = attempt(outbox, serving);
        // Scheduling after a try (the retry policy; the per-answer policy is in
        // Uploader::sendOne):
        //   success -> next scheduled upload, interval ± 10 %; backoff resets;
        //   token refused -> no automatic tries until uploadNow() (re-enrolment);
        //   any other failure -> Backoff: full jitter, 2 s base, 10 min cap; a
        //       Retry-After is honoured within it (never sooner than the
        //       backoff's own delay, never later than the cap).
        const auto now = SteadyClock::now();
        if (!outcome.error) {
            backoff.reset();
            nextTry = now + jitteredInterval();
        } else if (outcome.needsReEnrolment) {
            backoff.reset();
            nextTry = SteadyClock::time_point::max();
        } else {
            nextTry = now + backoff.nextDelay(outcome.retryAfter);
        }
        if (onStatusChanged_) {
            onStatusChanged_();
        }
    }
}

DrainOutcome UploadWorker::attempt(std::optional<storage::Outbox>& outbox, std::uint64_t serving) {
    DrainOutcome outcome;
    std::int64_t pending = -1;
    std::int64_t deadLetters = -1;
    if (!outbox) {
        auto opened = storage::Outbox::open(options_.databasePath, random_);
        if (opened) {
            outbox.emplace(std::move(opened).value());
        } else {
            outcome.error = opened.error();
        }
    }
    if (outbox) {
        Uploader uploader(*outbox, *sender_, options_.target, clock_);
        outcome = uploader.drain();
        if (outcome.collectorSkew) {
            std::lock_guard lock(mutex_);
            status_.collectorSkew = outcome.collectorSkew;  // the heartbeat below reports it
        }
        auto count = outbox->pendingCount();
        pending = count ? count.value() : -1;
        auto letters = outbox->deadLetters();
        deadLetters = letters ? static_cast<std::int64_t>(letters->size()) : -1;
        if (outcome.error) {
            std::lock_guard lock(mutex_);
            unreportedError_ = outcome.error->message;
        }
        syncWithCollector(*outbox, outcome);
    }
    std::lock_guard lock(mutex_);
    ++status_.attempts;
    status_.requestsServed = serving;
    status_.acknowledgedTotal += outcome.checkInsAcknowledged;
    status_.pending = pending;
    status_.deadLetters = deadLetters;
    status_.lastAttemptOk = !outcome.error.has_value();
    status_.needsReEnrolment = outcome.needsReEnrolment;
    status_.lastError = outcome.error ? outcome.error->message : std::string();
    if (!outcome.error) {
        status_.lastSuccess = clock_.now();
    }
    return outcome;
}

core::Heartbeat UploadWorker::makeHeartbeat(storage::Outbox& outbox) {
    core::Heartbeat heartbeat;
    heartbeat.version = options_.appVersion;
    if (auto pending = outbox.pendingCount(); pending) {
        heartbeat.pending = pending.value();
    }
    if (auto oldest = outbox.oldestPendingHour(); oldest && oldest.value()) {
        const auto now =
            std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch())
                .count();
        heartbeat.oldestPendingHours = std::max<std::int64_t>(0, (now - *oldest.value()) / 3600);
    }
    if (auto letters = outbox.deadLetters(); letters) {
        heartbeat.deadLetters = static_cast<std::int64_t>(letters->size());
    }
    std::error_code ec;
    const auto dir = options_.databasePath.parent_path().empty()
                         ? std::filesystem::path(".")
                         : options_.databasePath.parent_path();
    if (const auto space = std::filesystem::space(dir, ec); !ec) {
        heartbeat.diskFreeMegabytes = static_cast<std::int64_t>(space.available / (1024 * 1024));
    }
    heartbeat.uptimeSeconds = std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::steady_clock::now() - started_)
                                  .count();
    std::lock_guard lock(mutex_);
    heartbeat.lastError = unreportedError_.substr(0, core::kMaxHeartbeatErrorLength);
    // A wrong clock pauses check-ins: the fleet view must hear of it first.
    if (auto problem = core::clockProblem(clock_.now(), status_.collectorSkew)) {
        heartbeat.lastError = problem->substr(0, core::kMaxHeartbeatErrorLength);
    }
    heartbeat.configVersion = runningConfigVersion_;
    heartbeat.configError = configError_.substr(0, core::kMaxHeartbeatErrorLength);
    return heartbeat;
}

void UploadWorker::syncWithCollector(storage::Outbox& outbox, const DrainOutcome& outcome) {
    // Only when the collector was reachable and took our token: after a
    // transport failure these two would just fail the same way.
    const bool unreachable = outcome.error && (outcome.error->code == core::ErrorCode::Network ||
                                               outcome.error->code == core::ErrorCode::Tls);
    if (unreachable || outcome.needsReEnrolment) {
        std::lock_guard lock(mutex_);
        status_.lastHeartbeatOk = false;
        return;
    }
    const auto heartbeat = makeHeartbeat(outbox);
    const bool heartbeatOk = static_cast<bool>(sendHeartbeat(*sender_, options_.target, heartbeat));
    int known = 0;
    {
        std::lock_guard lock(mutex_);
        status_.lastHeartbeatOk = heartbeatOk;
        if (heartbeatOk && unreportedError_ == heartbeat.lastError) {
            unreportedError_.clear();
        }
        known = std::max(runningConfigVersion_, status_.fetchedConfigVersion);
    }
    if (known == 0) {
        // After a restart: what the outbox already holds need not be fetched again.
        if (auto stored = outbox.siteConfig(storage::SiteConfigSlot::Fetched);
            stored && stored.value()) {
            known = stored.value()->version;
        }
    }
    // A fetch that fails is simply tried again on the next upload.
    auto fetched = fetchSiteConfig(*sender_, options_.target, known);
    int newest = known;
    if (fetched && fetched.value() &&
        outbox.saveSiteConfig(storage::SiteConfigSlot::Fetched, *fetched.value())) {
        newest = fetched.value()->version;
    }
    std::lock_guard lock(mutex_);
    status_.fetchedConfigVersion = std::max(status_.fetchedConfigVersion, newest);
}

}  // namespace carekiosk::upload
