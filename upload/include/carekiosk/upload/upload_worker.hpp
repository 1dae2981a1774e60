#pragma once
// The kiosk's background upload thread.
//
// Uploads run on a schedule (every `interval`, jittered by up to ±10%), never
// in response to a tap, so neither the network nor the collector can learn
// when a person checked in. uploadNow() is for the admin panel and demos.
// Each try that reaches the collector also sends a heartbeat and fetches the
// site config (If-None-Match), saving a newer one in the outbox for the UI
// thread to validate and apply.
// After a failure the next try follows Retry-After or Backoff (2 s base,
// 10 min cap); after a refused token there are no automatic tries at all.
//
// Thread contract: construct, start(), uploadNow(), status() and stop() from
// any thread. The worker opens its own Outbox connection on its thread and owns
// the sender. `onStatusChanged` runs on the worker thread after each try; it
// must be quick and must not touch UI state (the kiosk pushes an SDL event).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "carekiosk/core/clock.hpp"
#include "carekiosk/upload/http_sender.hpp"
#include "carekiosk/upload/uploader.hpp"

namespace carekiosk::upload {

struct UploadWorkerOptions {
    std::filesystem::path databasePath;
    UploadTarget target;
    std::chrono::seconds interval{600};
    std::chrono::milliseconds backoffBase{2000};
    std::chrono::milliseconds backoffCap{600000};
    std::string appVersion = CAREKIOSK_VERSION;  // reported in heartbeats
    int configVersion = 0;                       // the site config version the kiosk runs at start
};

struct UploadStatus {
    std::int64_t pending = -1;           // -1 until the first try has read the outbox
    std::int64_t acknowledgedTotal = 0;  // check-ins acknowledged since start
    std::int64_t deadLetters = 0;        // batches the collector refused as invalid
    int attempts = 0;
    // The newest uploadNow() ticket whose request had been made when a finished
    // try started; a caller waits for `requestsServed >= ticket` to know that a
    // try it asked for has finished (an earlier scheduled try does not count).
    std::uint64_t requestsServed = 0;
    bool lastAttemptOk = false;
    bool needsReEnrolment = false;
    std::string lastError;  // empty when the last try succeeded
    std::optional<std::chrono::system_clock::time_point> lastSuccess;
    bool lastHeartbeatOk = false;
    // The newest site config version fetched and saved in the outbox (0: none);
    // the UI thread applies it when it is newer than what runs.
    int fetchedConfigVersion = 0;
    // The collector's clock minus the kiosk's at the last answer (nullopt
    // until one came): see core::clockProblem.
    std::optional<std::chrono::seconds> collectorSkew;
};

class UploadWorker {
  public:
    // `random` and `clock` must outlive the worker.
    UploadWorker(UploadWorkerOptions options, std::unique_ptr<HttpSender> sender,
                 core::RandomSource& random, const core::Clock& clock,
                 std::function<void()> onStatusChanged);
    ~UploadWorker();  // stops and joins
    UploadWorker(const UploadWorker&) = delete;
    UploadWorker& operator=(const UploadWorker&) = delete;

    void start();
    // Stops the thread and joins it: within about a second even while a try
    // waits on a hung collector (HttpSender::setCancelled). Any thread.
    void stop();
    // Wakes the worker to try at once (still on its own thread). Returns a
    // ticket: status().requestsServed reaches it when that try has finished.
    std::uint64_t uploadNow();
    UploadStatus status() const;
    // What the next heartbeat reports about the site config: the version that
    // runs and why a newer one was refused (empty: none was).
    void setConfigState(int runningVersion, std::string configError);

  private:
    void run();
    DrainOutcome attempt(std::optional<storage::Outbox>& outbox, std::uint64_t serving);
    // After a drain that reached the collector: the heartbeat, then the config fetch.
    void syncWithCollector(storage::Outbox& outbox, const DrainOutcome& outcome);
    core::Heartbeat makeHeartbeat(storage::Outbox& outbox);
    std::chrono::steady_clock::duration jitteredInterval();

    UploadWorkerOptions options_;
    std::unique_ptr<HttpSender> sender_;
    core::RandomSource& random_;
    const core::Clock& clock_;
    std::function<void()> onStatusChanged_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopRequested_ = false;
    bool nowRequested_ = false;
    std::uint64_t requestsMade_ = 0;
    UploadStatus status_;
    int runningConfigVersion_ = 0;
    std::string configError_;
    // Upload errors since the last heartbeat got through, so errors while
    // offline still reach the fleet view.
    std::string unreportedError_;
    const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::thread thread_;
};

}  // namespace carekiosk::upload
