#pragma once
// The JSON wire format between kiosks, the collector and the report CLI.
// Every decode function is strict: unknown fields are rejected and the error
// names the field (as a JSON path such as "checkins[3].score") and the fix.
// All functions are pure and thread-safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carekiosk/core/checkin.hpp"
#include "carekiosk/core/config.hpp"
#include "carekiosk/core/result.hpp"

namespace carekiosk::core {

inline constexpr std::size_t kMaxRowsPerBatch = 500;
inline constexpr std::size_t kBatchIdLength = 32;  // 16 random bytes as hex

// The longest row encodeBatch writes for a valid check-in (validateCheckIn):
// the site id and team at their longest, the most reasons each at its
// longest, and the widest numbers their types hold (ids are [a-z0-9_-], so
// JSON escapes nothing). tests/core_tests.cpp builds that row and checks it.
inline constexpr std::size_t kMaxEncodedCheckInBytes =
    sizeof(R"({"score":5,"site_id":"","question_set_version":,"hour":,"reasons":[],"team":""})") -
    1 + kMaxSiteIdLength + 10 /* int, >= 1 */ + 20 /* int64 */ +
    kMaxReasons * (kMaxOptionIdLength + 2) + (kMaxReasons - 1) + kMaxOptionIdLength;
// The longest batch body (JSON, before gzip): its envelope and id, and
// kMaxRowsPerBatch of the longest rows, comma-separated. The uploader refuses
// to send a longer one; the collector's body cap is larger (static_assert in
// collector/src/server_impl.hpp).
inline constexpr std::size_t kMaxBatchBodyBytes = sizeof(R"({"batch_id":"","checkins":[]})") - 1 +
                                                  kBatchIdLength +
                                                  kMaxRowsPerBatch * (kMaxEncodedCheckInBytes + 1);

// POST /v1/batches
struct Batch {
    std::string batchId;  // assigned and persisted on the kiosk before the first try
    std::vector<CheckIn> checkIns;
};
std::string encodeBatch(const Batch& batch);
// A check-in of a batch body that is not valid, and why.
struct RowError {
    std::size_t index = 0;
    Error error;
};
// Errors name the field and the fix. Valid batches take a fast path that
// builds no JSON tree; anything else is decoded by detail::decodeBatchFromTree,
// which words the error. With `badRows`, a batch whose envelope is sound but
// some of whose check-ins are not gets every such row listed there (the
// first is still the error returned), so that the kiosk can set aside just
// those.
Result<Batch> decodeBatch(std::string_view json, std::vector<RowError>* badRows = nullptr);
namespace detail {
// decodeBatch without its fast path: the same results, for every input (the
// fuzz harness fuzz_batch and a test compare the two).
Result<Batch> decodeBatchFromTree(std::string_view json, std::vector<RowError>* badRows = nullptr);
}  // namespace detail

// The collector's answer to a batch: it repeats the batch id so the kiosk only
// deletes rows for the batch that was actually stored.
struct BatchAck {
    std::string batchId;
    int stored = 0;          // rows stored by this request (0 for a duplicate)
    bool duplicate = false;  // true when the collector already had this batch
};
std::string encodeBatchAck(const BatchAck& ack);
Result<BatchAck> decodeBatchAck(std::string_view json);

// POST /v1/heartbeat (kiosk token): sent after every upload try, even when
// there was nothing to send, so facilities can see a silent or backlogged
// kiosk. It carries no check-in content and no time of any check-in.
inline constexpr std::size_t kMaxHeartbeatErrorLength = 500;
struct Heartbeat {
    std::string version;       // the kiosk software's version
    std::int64_t pending = 0;  // check-ins waiting to be uploaded
    std::int64_t oldestPendingHours =
        0;                         // age of the oldest waiting one (hours are all that is stored)
    std::int64_t deadLetters = 0;  // batches the collector refused, kept on the kiosk
    std::string lastError;         // the last upload error since the last heartbeat; empty: none
    std::int64_t diskFreeMegabytes = 0;
    std::int64_t uptimeSeconds = 0;
    int configVersion = 0;    // version of the site config the kiosk runs (0: the local file)
    std::string configError;  // why the newest site config was refused; empty: none
    bool operator==(const Heartbeat&) const = default;
};
std::string encodeHeartbeat(const Heartbeat& heartbeat);
Result<Heartbeat> decodeHeartbeat(std::string_view json);

// Buddy requests on the wire (POST /v1/buddy-requests from a kiosk, GET
// /v1/buddy-requests for the coordinator). The contact is a box sealed to the
// organisation's public key (crypto_box_seal, as hex): neither the kiosk once
// it is written, nor the collector, can read it.
inline constexpr std::size_t kMaxBuddyRequestsPerUpload = 100;
inline constexpr std::size_t kBuddyRequestIdLength = 32;  // 16 random bytes as hex
inline constexpr std::size_t kMaxSealedContactHex = 1024;
struct SealedBuddyRequest {
    std::string id;  // the kiosk's random key, as hex; repeats are stored once
    std::string siteId;
    std::string kind;
    std::vector<std::string> times;
    std::string sealedHex;
    bool operator==(const SealedBuddyRequest&) const = default;
};
struct BuddyRequestList {
    std::vector<SealedBuddyRequest> requests;
};
std::string encodeBuddyRequestList(const BuddyRequestList& list);
Result<BuddyRequestList> decodeBuddyRequestList(std::string_view json);

// The ids a request is about: the collector's acknowledgement of stored buddy
// requests, and the coordinator's "handled" (POST /v1/buddy-requests/handled).
struct IdList {
    std::vector<std::string> ids;
};
std::string encodeIdList(const IdList& list);
Result<IdList> decodeIdList(std::string_view json);

// POST /v1/messages (manager token): a "you said, we did" message for a site
// and a date range; the site's kiosks show it on their welcome screen.
struct PostedMessage {
    std::string siteId;
    std::string text;  // 1..kMaxMessageLength printable characters
    std::int64_t fromDay = 0;
    std::int64_t toDay = 0;
};
std::string encodePostedMessage(const PostedMessage& message);
Result<PostedMessage> decodePostedMessage(std::string_view json);

// POST /v1/enroll
struct EnrollRequest {
    std::string code;
    // The kiosk's team tag ("" for none): the collector binds every check-in
    // the kiosk sends to it.
    std::string team = {};
};
std::string encodeEnrollRequest(const EnrollRequest& request);
Result<EnrollRequest> decodeEnrollRequest(std::string_view json);

struct EnrollResponse {
    std::string deviceId;
    std::string deviceToken;
    std::string siteId;
    std::string siteName;
    int questionSetVersion = 1;
    // The site's config (a JSON object of site content fields, see
    // kSiteContentFields) and its version; empty/0 when the site has none yet.
    std::string siteConfigJson;
    int siteConfigVersion = 0;
    // The organisation's public key for sealing buddy requests (base64 of a
    // crypto_box public key); empty when none has been set.
    std::string buddyPublicKey;
};
std::string encodeEnrollResponse(const EnrollResponse& response);
Result<EnrollResponse> decodeEnrollResponse(std::string_view json);

// GET /v1/summary: one row per day, ISO week or week-aligned month (see
// calendar.hpp) for one site, always whole periods, and only periods whose
// days the collector has released (see carekiosk/collector/release.hpp).
// "count" is always given (released check-ins are pooled so it is 0 or at
// least min_group); "per_score" and "mean" are both null where the score
// counts are withheld; "reasons" maps each reason whose count is shown to how
// many check-ins named it (a reason withheld is left out, as one nobody named
// is: otherwise its presence would say that somebody named it);
// "buddy_requests" is null for a team (buddy requests carry none).
struct PeriodSummary {
    std::string period;  // "2026-03-02", "2026-W10" or "2026-03"
    std::string start;   // YYYY-MM-DD, first day
    std::string end;     // YYYY-MM-DD, last day
    int count = 0;
    std::optional<double> mean;               // nullopt where the score counts are withheld
    std::array<int, kScoreCount> perScore{};  // perScore[0] is score 1
    bool perScoreHidden = false;              // the score counts are withheld
    // Check-ins that named each reason (one check-in may name several);
    // nullopt: withheld.
    std::map<std::string, std::optional<int>> reasons;
    // Buddy requests released in the period; nullopt: not given (a team's).
    std::optional<int> buddyRequests;
    // Mean minus the previous period's mean; nullopt when either is not shown.
    std::optional<double> change;
    // The mean fell markedly against the recent baseline (see summary.hpp).
    bool drop = false;
};
struct SiteSummary {
    std::string siteId;
    std::string period = "day";  // "day", "week" or "month"
    std::string from;            // YYYY-MM-DD, first day of the first period
    std::string to;              // YYYY-MM-DD, last day of the last period
    int minGroup = 0;            // the smallest group the collector shows (0: not applied)
    std::vector<PeriodSummary> periods;
    std::string team = {};  // the team tag summarised; "" for the whole site
    // The newest day released (YYYY-MM-DD); "" when none is yet.
    std::string releasedThrough = {};
    // When the next day's figures appear: RFC 3339 with the site's offset.
    std::string nextRelease = {};
    std::string timeZone = {};  // the site's IANA time zone; days are its local days
};
std::string encodeSiteSummary(const SiteSummary& summary);
Result<SiteSummary> decodeSiteSummary(std::string_view json);

// GET /v1/config (kiosk token): the site's config; 304 when If-None-Match
// matches its ETag ("\"v<version>\"").
struct SiteConfigResponse {
    int version = 0;
    std::string contentJson;  // JSON object of site content fields; "{}" when none set
};
std::string encodeSiteConfigResponse(const SiteConfigResponse& response);
Result<SiteConfigResponse> decodeSiteConfigResponse(std::string_view json);

// Every error response body: {"error": "...", "field": "..."}.
std::string encodeErrorBody(const Error& error);
// Extracts the message of an error body; falls back to the raw text (truncated)
// when the body is not one of ours, so a person still sees what came back.
std::string errorMessageFromBody(std::string_view body);

// The collector's own refusal, as its error body says it: {"error": message,
// "code": one of ErrorCode's names, "field"?: ..., "rows"?: [indices]}. A
// refusal of a batch names in `rows` every check-in (index in the batch as
// sent) that can never be stored; nothing of that batch was stored.
struct CollectorRefusal {
    std::string message;
    std::string code;
    std::string field;
    std::vector<std::size_t> rows;
};
std::string encodeCollectorRefusal(const CollectorRefusal& refusal);
// Only a body the collector itself wrote: JSON with a string "error" and a
// known "code". Anything else (a proxy's HTML page, an empty body) is nullopt,
// so that nobody sets a batch aside on a stranger's word.
std::optional<CollectorRefusal> decodeCollectorRefusal(std::string_view body);

// Validates a calendar date "YYYY-MM-DD"; returns days since 1970-01-01.
Result<std::int64_t> parseDate(std::string_view text, const std::string& field);
std::string formatDate(std::int64_t daysSinceEpoch);

}  // namespace carekiosk::core
