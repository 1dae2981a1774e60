#pragma once
// Sends the outbox to the collector, one batch at a time. Synchronous; the
// UploadWorker runs it on its own thread so the UI never waits on the network.

#include <cstdint>
#include <string>

#include "carekiosk/core/result.hpp"
#include "carekiosk/storage/outbox.hpp"
#include "carekiosk/upload/http_sender.hpp"

namespace carekiosk::upload {

struct UploadTarget {
    std::string serverUrl;    // https://host:port
    std::string deviceToken;  // bearer token from enrolment
};

struct DrainReport {
    int batchesAcknowledged = 0;
    std::int64_t checkInsAcknowledged = 0;
};

class Uploader {
  public:
    // Borrows all three; they must outlive the Uploader and stay on its thread.
    Uploader(storage::Outbox& outbox, HttpSender& sender, UploadTarget target);

    // Sends batches until the outbox is empty (success) or one try fails (the
    // error says why; nothing unacknowledged is deleted). Rows are deleted only
    // when the collector acknowledges the very batch id that was sent.
    Result<DrainReport> drain();

  private:
    Result<bool> sendOne(DrainReport& report);

    storage::Outbox& outbox_;
    HttpSender& sender_;
    UploadTarget target_;
};

}  // namespace carekiosk::upload
