#include "carekiosk/upload/uploader.hpp"

#include "carekiosk/core/wire.hpp"

namespace carekiosk::upload {

using core::ErrorCode;
using core::makeError;

Uploader::Uploader(storage::Outbox& outbox, HttpSender& sender, UploadTarget target)
    : outbox_(outbox), sender_(sender), target_(std::move(target)) {}

Result<DrainReport> Uploader::drain() {
    DrainReport report;
    while (true) {
        auto more = sendOne(report);
        if (!more) {
            return more.error();
        }
        if (!more.value()) {
            return report;
        }
    }
}

Result<bool> Uploader::sendOne(DrainReport& report) {
    // The batch id was committed by nextBatch() before this first try; a retry
    // after any failure below re-sends the same id.
    auto next = outbox_.nextBatch();
    if (!next) {
        return next.error();
    }
    if (!next.value()) {
        return false;
    }
    const core::Batch& batch = *next.value();

    HttpRequest request;
    request.method = "POST";
    request.url = target_.serverUrl + "/v1/batches";
    request.bearerToken = target_.deviceToken;
    request.body = core::encodeBatch(batch);
    auto response = sender_.send(request);
    if (!response) {
        return response.error();
    }
    const long status = response->status;
    if (status == 401 || status == 403) {
        return makeError(
            ErrorCode::Unauthorized,
            "the collector refused this kiosk's token (HTTP " + std::to_string(status) + ": " +
                core::errorMessageFromBody(response->body) + "); this kiosk needs re-enrolment");
    }
    if (status < 200 || status >= 300) {
        return makeError(ErrorCode::Rejected, "the collector answered HTTP " +
                                                  std::to_string(status) + ": " +
                                                  core::errorMessageFromBody(response->body));
    }
    auto ack = core::decodeBatchAck(response->body);
    if (!ack) {
        return makeError(
            ErrorCode::Rejected,
            "the collector's answer was not an acknowledgement: " + ack.error().message);
    }
    if (ack->batchId != batch.batchId) {
        // Never delete on an acknowledgement for some other batch.
        return makeError(ErrorCode::Rejected, "the collector acknowledged batch " + ack->batchId +
                                                  " but batch " + batch.batchId +
                                                  " was sent; keeping it to retry");
    }
    if (auto s = outbox_.acknowledge(batch.batchId); !s) {
        return s.error();
    }
    ++report.batchesAcknowledged;
    report.checkInsAcknowledged += static_cast<std::int64_t>(batch.checkIns.size());
    return true;
}

}  // namespace carekiosk::upload
