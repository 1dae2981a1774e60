#include "carekiosk/upload/upload_worker.hpp"

#include "carekiosk/upload/backoff.hpp"

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

void UploadWorker::uploadNow() {
    {
        std::lock_guard lock(mutex_);
        nowRequested_ = true;
    }
    wake_.notify_all();
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
    // The first scheduled try falls at a random point of the first interval.
    auto nextTry = std::chrono::steady_clock::now() +
                   std::chrono::milliseconds(random_.uniform(
                       std::uint64_t(std::chrono::milliseconds(options_.interval).count()) + 1));
    while (true) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait_until(lock, nextTry, [this] { return stopRequested_ || nowRequested_; });
            if (stopRequested_) {
                return;
            }
            nowRequested_ = false;
        }
        attempt(outbox);
        bool ok = false;
        bool reEnrol = false;
        {
            std::lock_guard lock(mutex_);
            ok = status_.lastAttemptOk;
            reEnrol = status_.needsReEnrolment;
        }
        if (ok || reEnrol) {
            // A refused token will not fix itself by retrying quickly; wait a
            // normal interval (re-enrolment restarts the kiosk anyway).
            backoff.reset();
            nextTry = std::chrono::steady_clock::now() + jitteredInterval();
        } else {
            nextTry = std::chrono::steady_clock::now() + backoff.nextDelay();
        }
        if (onStatusChanged_) {
            onStatusChanged_();
        }
    }
}

void UploadWorker::attempt(std::optional<storage::Outbox>& outbox) {
    std::string error;
    bool unauthorized = false;
    DrainReport report;
    std::int64_t pending = -1;
    if (!outbox) {
        auto opened = storage::Outbox::open(options_.databasePath, random_);
        if (opened) {
            outbox.emplace(std::move(opened).value());
        } else {
            error = opened.error().message;
        }
    }
    if (outbox) {
        Uploader uploader(*outbox, *sender_, options_.target);
        auto drained = uploader.drain();
        if (drained) {
            report = drained.value();
        } else {
            error = drained.error().message;
            unauthorized = drained.error().code == core::ErrorCode::Unauthorized;
        }
        auto count = outbox->pendingCount();
        pending = count ? count.value() : -1;
    }
    std::lock_guard lock(mutex_);
    ++status_.attempts;
    status_.acknowledgedTotal += report.checkInsAcknowledged;
    status_.pending = pending;
    status_.lastAttemptOk = error.empty();
    status_.needsReEnrolment = unauthorized;
    status_.lastError = error;
    if (error.empty()) {
        status_.lastSuccess = clock_.now();
    }
}

}  // namespace carekiosk::upload
