#include "carekiosk/upload/uploader.hpp"

#include <zlib.h>

#include <algorithm>
#include <ctime>
#include <iomanip>
#include <sstream>

#include "carekiosk/core/clock_check.hpp"
#include "carekiosk/core/wire.hpp"
#include "carekiosk/upload/http_date.hpp"

namespace carekiosk::upload {

using core::ErrorCode;
using core::makeError;

namespace {

std::string statusText(long status, const std::string& body) {
    return "HTTP " + std::to_string(status) + ": " + core::errorMessageFromBody(body);
}

}  // namespace

std::optional<std::chrono::seconds> parseRetryAfter(const std::string& value,
                                                    std::chrono::system_clock::time_point now) {
    if (value.empty()) {
        return std::nullopt;
    }
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        if (value.size() > 9) {
            return kMaxRetryAfter;
        }
        return std::min(std::chrono::seconds(std::stoll(value)), kMaxRetryAfter);
    }
    const auto at = parseHttpDate(value);
    if (!at) {
        return std::nullopt;
    }
    const auto wait = std::chrono::duration_cast<std::chrono::seconds>(*at - now);
    return std::clamp(wait, std::chrono::seconds(0), kMaxRetryAfter);
}

core::Result<std::string> gzipCompress(std::string_view data) {
    z_stream stream{};
    // windowBits 15 + 16 selects the gzip wrapper rather than raw zlib.
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
        return makeError(ErrorCode::Internal, "zlib could not start compressing");
    }
    std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&stream, Z_FINISH);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    if (rc != Z_STREAM_END) {
        return makeError(ErrorCode::Internal, "zlib could not compress a batch");
    }
    return out;
}

Uploader::Uploader(storage::Outbox& outbox, HttpSender& sender, UploadTarget target,
                   const core::Clock& clock)
    : outbox_(outbox), sender_(sender), target_(std::move(target)), clock_(clock) {}

DrainOutcome Uploader::drain() {
    DrainOutcome outcome;
    // A batch prepared by an earlier drain may since have been sent or set
    // aside by another process (provisioning's resend, unenroll): ask again.
    prepared_.reset();
    while (sendOne(outcome) == Step::Sent) {
    }
    // Buddy requests travel apart from check-ins, after them, in their own requests.
    while (!outcome.error && sendBuddyRequests(outcome) == Step::Sent) {
    }
    return outcome;
}

Uploader::Step Uploader::sendBuddyRequests(DrainOutcome& outcome) {
    auto pending = outbox_.sealedBuddyRequests(core::kMaxBuddyRequestsPerUpload);
    if (!pending) {
        outcome.error = pending.error();
        return Step::Stop;
    }
    if (pending->empty()) {
        return Step::Empty;
    }
    HttpRequest request;
    request.method = "POST";
    request.url = target_.serverUrl + "/v1/buddy-requests";
    request.bearerToken = target_.deviceToken;
    request.body = core::encodeBuddyRequestList({pending.value()});
    auto response = sender_.send(request);
    if (!response) {
        outcome.error = response.error();
        return Step::Stop;
    }
    // Policy: 2xx -> delete exactly the ids acknowledged; 401/403 -> the token is
    // refused (re-enrol); anything else -> keep them all and try on the next upload.
    if (response->status == 401 || response->status == 403) {
        outcome.needsReEnrolment = true;
        outcome.error =
            makeError(ErrorCode::Unauthorized, "the collector refused this kiosk's token (" +
                                                   statusText(response->status, response->body) +
                                                   "); this kiosk needs re-enrolment");
        return Step::Stop;
    }
    if (response->status < 200 || response->status >= 300) {
        outcome.error =
            makeError(ErrorCode::Rejected, "the collector answered the buddy requests with " +
                                               statusText(response->status, response->body));
        return Step::Stop;
    }
    auto ack = core::decodeIdList(response->body);
    if (!ack) {
        outcome.error = makeError(ErrorCode::Rejected,
                                  "the collector's answer to the buddy requests was not "
                                  "understood: " +
                                      ack.error().message);
        return Step::Stop;
    }
    // Only ids that were sent are deleted, whatever else the answer names.
    std::vector<std::string> acknowledged;
    for (const auto& id : ack->ids) {
        for (const auto& sent : pending.value()) {
            if (sent.id == id) {
                acknowledged.push_back(id);
            }
        }
    }
    if (auto s = outbox_.deleteBuddyRequests(acknowledged); !s) {
        outcome.error = s.error();
        return Step::Stop;
    }
    outcome.buddyRequestsSent += static_cast<int>(acknowledged.size());
    if (acknowledged.size() < pending->size()) {
        outcome.error = makeError(ErrorCode::Rejected,
                                  "the collector acknowledged only some buddy requests; the "
                                  "rest are kept to retry");
        return Step::Stop;
    }
    return Step::Sent;
}

void Uploader::noteCollectorClock(const HttpResponse& response, DrainOutcome& outcome) const {
    // The collector's clock, from its Date header: a kiosk clock far from it
    // is wrong (the collector refuses hours ahead of its own), and the
    // kiosk pauses check-ins until it is set (core::clockProblem).
    auto header = response.headers.find("date");
    if (header == response.headers.end()) {
        return;
    }
    if (auto at = parseHttpDate(header->second)) {
        outcome.collectorSkew =
            std::chrono::duration_cast<std::chrono::seconds>(*at - clock_.now());
    }
}

Uploader::Step Uploader::sendOne(DrainOutcome& outcome) {
    // The batch id was committed by nextBatch() before this first try; a retry
    // after any failure below re-sends the same id.
    std::optional<core::Batch> next = std::exchange(prepared_, std::nullopt);
    if (!next) {
        auto fetched = outbox_.nextBatch();
        if (!fetched) {
            outcome.error = fetched.error();
            return Step::Stop;
        }
        if (!fetched.value()) {
            return Step::Empty;
        }
        next = std::move(fetched).value();
    }
    const core::Batch& batch = *next;

    HttpRequest request;
    request.method = "POST";
    request.url = target_.serverUrl + "/v1/batches";
    request.bearerToken = target_.deviceToken;
    const std::string json = core::encodeBatch(batch);
    if (json.size() > kMaxBatchBodyBytes) {
        // Cannot happen for rows the outbox validated (the bound is computed
        // from the same limits); if it does, nothing is sent or deleted.
        outcome.error =
            makeError(ErrorCode::Internal,
                      "batch " + batch.batchId + " encodes to " + std::to_string(json.size()) +
                          " bytes, over the bound of " + std::to_string(kMaxBatchBodyBytes) +
                          "; report this with the kiosk's version");
        return Step::Stop;
    }
    auto body = gzipCompress(json);
    if (!body) {
        outcome.error = body.error();
        return Step::Stop;
    }
    request.body = std::move(body).value();
    request.contentEncoding = "gzip";
    auto response = sender_.send(request);
    if (!response) {
        // Timeouts, resets, TLS and DNS failures: back off and try the same batch again.
        outcome.error = response.error();
        return Step::Stop;
    }
    noteCollectorClock(response.value(), outcome);
    const long status = response->status;

    // Upload policy, by the collector's answer:
    //   2xx with an acknowledgement of this batch id -> delete the rows, next batch
    //       (a batch the collector already had is acknowledged the same way);
    //   400, 413, 422 in the collector's own words (its JSON error body) -> it
    //       will never take these rows: the rows it names are set aside with
    //       its reason and the others go out again in a new batch (nothing of
    //       the refused one was stored); a refusal naming no rows, or all of
    //       them, sets the whole batch aside. One bad row never blocks the
    //       queue nor takes good rows with it;
    //   400, 413, 422 in anyone else's words (a proxy's or a captive portal's
    //       page) -> keep the batch and back off: the collector never saw it;
    //   401, 403 -> the token is refused: stop and ask for re-enrolment; delete nothing;
    //   429, 503 -> wait as long as Retry-After says, within the backoff (UploadWorker);
    //   anything else (5xx, odd bodies) -> back off, delete nothing.
    if (status == 400 || status == 413 || status == 422) {
        const auto refusal = core::decodeCollectorRefusal(response->body);
        if (!refusal) {
            outcome.error = makeError(
                ErrorCode::Rejected,
                "something other than the collector answered HTTP " + std::to_string(status) +
                    " (" + core::errorMessageFromBody(response->body) +
                    "); the batch is kept and tried again. Check for a proxy or captive portal "
                    "between the kiosk and " +
                    target_.serverUrl);
            return Step::Stop;
        }
        const std::string reason = "HTTP " + std::to_string(status) + ": " + refusal->message;
        const bool some = !refusal->rows.empty() && refusal->rows.size() < batch.checkIns.size();
        if (some) {
            if (auto s = outbox_.setAside(batch.batchId, refusal->rows, reason); !s) {
                outcome.error = s.error();
                return Step::Stop;
            }
            outcome.checkInsSetAside += static_cast<std::int64_t>(refusal->rows.size());
        } else {
            if (auto s = outbox_.deadLetter(batch.batchId, reason); !s) {
                outcome.error = s.error();
                return Step::Stop;
            }
            outcome.checkInsSetAside += static_cast<std::int64_t>(batch.checkIns.size());
        }
        ++outcome.batchesDeadLettered;
        return Step::Sent;
    }
    if (status == 401 || status == 403) {
        outcome.needsReEnrolment = true;
        outcome.error =
            makeError(ErrorCode::Unauthorized, "the collector refused this kiosk's token (" +
                                                   statusText(status, response->body) +
                                                   "); this kiosk needs re-enrolment");
        return Step::Stop;
    }
    if (status < 200 || status >= 300) {
        if (status == 429 || status == 503) {
            auto header = response->headers.find("retry-after");
            if (header != response->headers.end()) {
                outcome.retryAfter = parseRetryAfter(header->second, clock_.now());
            }
        }
        outcome.error = makeError(ErrorCode::Rejected,
                                  "the collector answered " + statusText(status, response->body));
        return Step::Stop;
    }
    auto ack = core::decodeBatchAck(response->body);
    if (!ack) {
        outcome.error =
            makeError(ErrorCode::Rejected,
                      "the collector's answer was not an acknowledgement: " + ack.error().message);
        return Step::Stop;
    }
    if (ack->batchId != batch.batchId) {
        // Never delete on an acknowledgement for some other batch.
        outcome.error =
            makeError(ErrorCode::Rejected, "the collector acknowledged batch " + ack->batchId +
                                               " but batch " + batch.batchId +
                                               " was sent; keeping it to retry");
        return Step::Stop;
    }
    auto following = outbox_.acknowledgeAndNext(batch.batchId);
    if (!following) {
        outcome.error = following.error();
        return Step::Stop;
    }
    ++outcome.batchesAcknowledged;
    outcome.checkInsAcknowledged += static_cast<std::int64_t>(batch.checkIns.size());
    prepared_ = std::move(following).value();
    return Step::Sent;
}

}  // namespace carekiosk::upload
