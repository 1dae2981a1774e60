#include "carekiosk/upload/upload_worker.hpp"

#include "carekiosk/upload/backoff.hpp"
#include "carekiosk/upload/uploader.hpp"

namespace carekiosk::upload {

UploadWorker::UploadWorker(UploadWorkerOptions options, std::unique_ptr<HttpSender> sender,
                           core::RandomSource& random, const core::Clock& clock,
                           std::function<void()> onStatusChanged)
    : options_(std::move(options)),
      sender_(std::move(sender)),
      random_(random),
      clock_(clock),
      onStatusChanged_(std::move(onStatusChanged)) {}

UploadWorker::~UploadWorker() {
    stop();
}

void UploadWorker::start() {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) {
        stopRequested_ = false;
        thread_ = std::thread([this] { run(); });
    }
}

void UploadWorker::stop() {
    {
        std::lock_guard lock(mutex_);
        stopRequested_ = true;
    }
    wake_.notify_all();
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
        //   Retry-After -> exactly that long (capped at an hour), then go on;
        //   any other failure -> Backoff: full jitter, 2 s base, 10 min cap.
        const auto now = SteadyClock::now();
        if (!outcome.error) {
            backoff.reset();
            nextTry = now + jitteredInterval();
        } else if (outcome.needsReEnrolment) {
            backoff.reset();
            nextTry = SteadyClock::time_point::max();
        } else if (outcome.retryAfter) {
            nextTry = now + *outcome.retryAfter;
        } else {
            nextTry = now + backoff.nextDelay();
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
        auto count = outbox->pendingCount();
        pending = count ? count.value() : -1;
        auto letters = outbox->deadLetters();
        deadLetters = letters ? static_cast<std::int64_t>(letters->size()) : -1;
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

}  // namespace carekiosk::upload
