#pragma once
// Sends the outbox to the collector, one batch at a time. Synchronous; the
// UploadWorker runs it on its own thread so the UI never waits on the network.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "carekiosk/core/clock.hpp"
#include "carekiosk/core/result.hpp"
#include "carekiosk/core/wire.hpp"
#include "carekiosk/storage/outbox.hpp"
#include "carekiosk/upload/http_sender.hpp"

namespace carekiosk::upload {

struct UploadTarget {
    std::string serverUrl;    // https://host:port
    std::string deviceToken;  // bearer token from enrolment
};

// A batch body is never larger than this (computed from the wire format's
// limits in core/wire.hpp, and checked before each send).
inline constexpr std::size_t kMaxBatchBodyBytes = core::kMaxBatchBodyBytes;
// The longest Retry-After we honour; a longer one is treated as this.
inline constexpr std::chrono::seconds kMaxRetryAfter{3600};

struct DrainOutcome {
    int batchesAcknowledged = 0;
    std::int64_t checkInsAcknowledged = 0;
    int batchesDeadLettered = 0;        // refusals that set rows aside
    std::int64_t checkInsSetAside = 0;  // rows the collector will never take
    int buddyRequestsSent = 0;          // sealed buddy requests the collector acknowledged
    // Why the drain stopped early; empty when the outbox was emptied.
    std::optional<core::Error> error;
    // The collector asked us to wait at least this long (429/503 Retry-After).
    std::optional<std::chrono::seconds> retryAfter;
    // The collector refused the device token (401/403): stop until re-enrolled.
    bool needsReEnrolment = false;
    // The collector's clock minus the kiosk's, from its last answer's Date.
    std::optional<std::chrono::seconds> collectorSkew;
};

class Uploader {
  public:
    // Borrows everything; it must outlive the Uploader and stay on its thread.
    Uploader(storage::Outbox& outbox, HttpSender& sender, UploadTarget target,
             const core::Clock& clock);

    // Sends batches until the outbox is empty or a try fails, then the sealed
    // buddy requests. Rows are deleted only when the collector acknowledges the
    // very batch id (or buddy request id) that was sent.
    DrainOutcome drain();

  private:
    enum class Step { Sent, Empty, Stop };
    Step sendOne(DrainOutcome& outcome);
    Step sendBuddyRequests(DrainOutcome& outcome);
    void noteCollectorClock(const HttpResponse& response, DrainOutcome& outcome) const;

    storage::Outbox& outbox_;
    HttpSender& sender_;
    UploadTarget target_;
    const core::Clock& clock_;
    // The next batch, its id committed with the last acknowledgement
    // (Outbox::acknowledgeAndNext); nullopt: ask the outbox.
    std::optional<core::Batch> prepared_;
};

// Parses a Retry-After value (delta-seconds or an HTTP date) relative to `now`.
std::optional<std::chrono::seconds> parseRetryAfter(const std::string& value,
                                                    std::chrono::system_clock::time_point now);

// gzip (RFC 1952) of `data`, for Content-Encoding: gzip request bodies.
core::Result<std::string> gzipCompress(std::string_view data);

}  // namespace carekiosk::upload
