// The wire format of every message but batches (wire_batch.cpp): heartbeats,
// site configs, messages, buddy requests, enrolment, summaries, errors, dates.
#include "carekiosk/core/wire.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "carekiosk/core/calendar.hpp"
#include "json_reader.hpp"

namespace carekiosk::core {

using detail::JsonReader;
using detail::parseObject;
using nlohmann::json;

namespace {

// Embeds JSON text held as a string (validated when it was stored); anything
// that is not an object becomes {} rather than an exception.
json objectOrEmpty(const std::string& text) {
    auto parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
    return parsed.is_object() ? parsed : json::object();
}

}  // namespace

std::string encodeHeartbeat(const Heartbeat& h) {
    return json{{"version", h.version},
                {"pending", h.pending},
                {"oldest_pending_hours", h.oldestPendingHours},
                {"dead_letters", h.deadLetters},
                {"last_error", h.lastError},
                {"disk_free_mb", h.diskFreeMegabytes},
                {"uptime_seconds", h.uptimeSeconds},
                {"config_version", h.configVersion},
                {"config_error", h.configError}}
        .dump();
}

Result<Heartbeat> decodeHeartbeat(std::string_view text) {
    CAREKIOSK_TRY_LET(root, parseObject(text, "the heartbeat"));
    constexpr long long kMaxCount = 1'000'000'000'000LL;
    JsonReader reader(root.value(), "");
    Heartbeat h;
    h.version = reader.string("version", 64);
    h.pending = reader.integer("pending", 0, kMaxCount);
    h.oldestPendingHours = reader.integer("oldest_pending_hours", 0, 24LL * 365 * 100);
    h.deadLetters = reader.integer("dead_letters", 0, kMaxCount);
    h.lastError = reader.optionalString("last_error", kMaxHeartbeatErrorLength).value_or("");
    h.diskFreeMegabytes = reader.integer("disk_free_mb", 0, kMaxCount);
    h.uptimeSeconds = reader.integer("uptime_seconds", 0, kMaxCount);
    h.configVersion = static_cast<int>(reader.integer("config_version", 0, 1'000'000'000));
    h.configError = reader.optionalString("config_error", kMaxHeartbeatErrorLength).value_or("");
    reader.rejectUnknownFields();
    if (!reader.ok()) {
        return reader.error();
    }
    return h;
}

std::string encodeSiteConfigResponse(const SiteConfigResponse& r) {
    return json{{"version", r.version}, {"content", objectOrEmpty(r.contentJson)}}.dump();
}

Result<SiteConfigResponse> decodeSiteConfigResponse(std::string_view text) {
    CAREKIOSK_TRY_LET(root, parseObject(text, "the site config"));
    JsonReader reader(root.value(), "");
    SiteConfigResponse r;
    r.version = static_cast<int>(reader.integer("version", 0, 1'000'000'000));
    reader.markRead("content");
    const auto it = root->find("content");
    if (it == root->end() || !it->is_object()) {
        reader.fail("content", "must be an object of site content fields");
    } else {
        r.contentJson = it->dump();
    }
    reader.rejectUnknownFields();
    if (!reader.ok()) {
        return reader.error();
    }
    return r;
}

namespace {

bool isLowerHex(const std::string& text) {
    return text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

std::string encodePostedMessage(const PostedMessage& m) {
    return json{{"site", m.siteId},
                {"text", m.text},
                {"from", formatDate(m.fromDay)},
                {"to", formatDate(m.toDay)}}
        .dump();
}

Result<PostedMessage> decodePostedMessage(std::string_view text) {
    CAREKIOSK_TRY_LET(root, parseObject(text, "the message"));
    JsonReader reader(root.value(), "");
    PostedMessage m;
    m.siteId = reader.string("site", 64);
    m.text = reader.string("text", kMaxMessageLength);
    const auto from = reader.string("from", 10);
    const auto to = reader.string("to", 10);
    reader.rejectUnknownFields();
    if (!reader.ok()) {
        return reader.error();
    }
    CAREKIOSK_TRY(validateSiteId(m.siteId, "site"));
    const bool blank = m.text.find_first_not_of(' ') == std::string::npos;
    const bool control = std::any_of(m.text.begin(), m.text.end(),
                                     [](unsigned char c) { return c < 0x20 || c == 0x7f; });
    if (blank || control) {
        return makeError(ErrorCode::InvalidInput,
                         "text must be 1-" + std::to_string(kMaxMessageLength) +
                             " printable characters on one line",
                         "text");
    }
    auto fromDay = parseDate(from, "from");
    auto toDay = parseDate(to, "to");
    if (!fromDay || !toDay) {
        return !fromDay ? fromDay.error() : toDay.error();
    }
    if (toDay.value() < fromDay.value()) {
        return makeError(ErrorCode::InvalidInput, "to must be on or after from", "to");
    }
    m.fromDay = fromDay.value();
    m.toDay = toDay.value();
    return m;
}

std::string encodeBuddyRequestList(const BuddyRequestList& list) {
    json requests = json::array();
    for (const auto& r : list.requests) {
        requests.push_back({{"id", r.id},
                            {"site_id", r.siteId},
                            {"kind", r.kind},
                            {"times", r.times},
                            {"sealed", r.sealedHex}});
    }
    return json{{"requests", requests}}.dump();
}

Result<BuddyRequestList> decodeBuddyRequestList(std::string_view text) {
    CAREKIOSK_TRY_LET(root, parseObject(text, "the buddy requests"));
    JsonReader reader(root.value(), "");
    const auto* requests = reader.array("requests", kMaxBuddyRequestsPerUpload);
    reader.rejectUnknownFields();
    if (!reader.ok()) {
        return reader.error();
    }
    BuddyRequestList list;
    for (std::size_t i = 0; i < requests->size(); ++i) {
        const std::string path = "requests[" + std::to_string(i) + "]";
        JsonReader item((*requests)[i], path);
        SealedBuddyRequest r;
        r.id = item.string("id", kBuddyRequestIdLength);
        r.siteId = item.string("site_id", 64);
        r.kind = item.string("kind", 64);
        r.times = item.optionalIdList("times", 8).value_or(std::vector<std::string>{});
        r.sealedHex = item.string("sealed", kMaxSealedContactHex);
        item.rejectUnknownFields();
        if (!item.ok()) {
            return item.error();
        }
        if (r.id.size() != kBuddyRequestIdLength || !isLowerHex(r.id)) {
            return makeError(ErrorCode::InvalidInput, path + ".id must be 32 lowercase hex digits",
                             path + ".id");
        }
        if (r.sealedHex.size() < 2 * 48 || r.sealedHex.size() % 2 != 0 ||
            !isLowerHex(r.sealedHex)) {
            return makeError(ErrorCode::InvalidInput,
                             path + ".sealed must be a sealed box as lowercase hex",
                             path + ".sealed");
        }
        CAREKIOSK_TRY(validateSiteId(r.siteId, path + ".site_id"));
        CAREKIOSK_TRY(validateOptionId(r.kind, path + ".kind"));
        list.requests.push_back(std::move(r));
    }
    return list;
}

std::string encodeIdList(const IdList& list) {
    return json{{"ids", list.ids}}.dump();
}

Result<IdList> decodeIdList(std::string_view text) {
    CAREKIOSK_TRY_LET(root, parseObject(text, "the id list"));
    JsonReader reader(root.value(), "");
    const auto* ids = reader.array("ids", 1000);
    reader.rejectUnknownFields();
    if (!reader.ok()) {
        return reader.error();
    }
    IdList list;
    for (std::size_t i = 0; i < ids->size(); ++i) {
        const auto& id = (*ids)[i];
        if (!id.is_string() || id.get<std::string>().size() != kBuddyRequestIdLength ||
            !isLowerHex(id.get<std::string>())) {
            const std::string field = "ids[" + std::to_string(i) + "]";
            return makeError(ErrorCode::InvalidInput, field + " must be 32 lowercase hex digits",
                             field);
        }
        list.ids.push_back(id.get<std::string>());
    }
    return list;
}

std::string encodeEnrollRequest(const EnrollRequest& request) {
    json body{{"code", request.code}};
    if (!request.team.empty()) {
        body["team"] = request.team;
    }
    return body.dump();
}

Result<EnrollRequest> decodeEnrollRequest(std::string_view text) {
    CAREKIOSK_TRY_LET(root, parseObject(text, "the enrolment request"));
    JsonReader reader(root.value(), "");
    EnrollRequest request;
    request.code = reader.string("code", 64);
    request.team = reader.optionalString("team", kMaxOptionIdLength).value_or("");
    reader.rejectUnknownFields();
    if (!reader.ok()) {
        return reader.error();
    }
    if (request.code.empty()) {
        return makeError(ErrorCode::InvalidInput, "code must not be empty", "code");
    }
    if (!request.team.empty()) {
        CAREKIOSK_TRY(validateOptionId(request.team, "team"));
    }
    return request;
}

std::string encodeEnrollResponse(const EnrollResponse& r) {
    return json{{"device_id", r.deviceId},
                {"device_token", r.deviceToken},
                {"site_id", r.siteId},
                {"site_name", r.siteName},
                {"question_set_version", r.questionSetVersion},
                {"site_config", objectOrEmpty(r.siteConfigJson)},
                {"site_config_version", r.siteConfigVersion},
                {"buddy_public_key", r.buddyPublicKey}}
        .dump();
}

Result<EnrollResponse> decodeEnrollResponse(std::string_view text) {
    CAREKIOSK_TRY_LET(root, parseObject(text, "the collector's enrolment answer"));
    JsonReader reader(root.value(), "");
    EnrollResponse r;
    r.deviceId = reader.string("device_id", 64);
    r.deviceToken = reader.string("device_token", 128);
    r.siteId = reader.string("site_id", 64);
    r.siteName = reader.string("site_name", 200);
    r.questionSetVersion = static_cast<int>(reader.integer("question_set_version", 1, 1000000));
    if (const auto it = root->find("site_config"); it != root->end()) {
        reader.markRead("site_config");
        if (!it->is_object()) {
            reader.fail("site_config", "must be an object of site content fields");
        } else if (!it->empty()) {
            r.siteConfigJson = it->dump();
        }
    }
    r.siteConfigVersion = static_cast<int>(
        reader.optionalInteger("site_config_version", 0, 1'000'000'000).value_or(0));
    r.buddyPublicKey = reader.optionalString("buddy_public_key", 100).value_or("");
    reader.rejectUnknownFields();
    if (!reader.ok()) {
        return reader.error();
    }
    return r;
}

std::string encodeSiteSummary(const SiteSummary& summary) {
    json periods = json::array();
    for (const auto& p : summary.periods) {
        json reasons = json::object();
        for (const auto& [reason, count] : p.reasons) {
            reasons[reason] = count ? json(*count) : json(nullptr);
        }
        periods.push_back(
            json{{"period", p.period},
                 {"start", p.start},
                 {"end", p.end},
                 {"count", p.count},
                 {"mean", p.mean ? json(*p.mean) : json(nullptr)},
                 {"per_score", p.perScoreHidden ? json(nullptr) : json(p.perScore)},
                 {"reasons", std::move(reasons)},
                 {"buddy_requests", p.buddyRequests ? json(*p.buddyRequests) : json(nullptr)},
                 {"change", p.change ? json(*p.change) : json(nullptr)},
                 {"drop", p.drop}});
    }
    return json{{"site_id", summary.siteId},
                {"team", summary.team},
                {"period", summary.period},
                {"from", summary.from},
                {"to", summary.to},
                {"min_group", summary.minGroup},
                {"released_through",
                 summary.releasedThrough.empty() ? json(nullptr) : json(summary.releasedThrough)},
                {"next_release", summary.nextRelease},
                {"time_zone", summary.timeZone},
                {"periods", std::move(periods)}}
        .dump();
}

namespace {

// A field that is either null (withheld) or a value the caller reads; marks
// the key as read either way. Returns false when it is null or absent.
bool presentAndNotNull(const json& object, JsonReader& reader, const char* key) {
    reader.markRead(key);
    return object.is_object() && object.contains(key) && !object[key].is_null();
}

Result<PeriodSummary> decodePeriodSummary(const json& object, const std::string& path) {
    JsonReader reader(object, path);
    PeriodSummary p;
    p.period = reader.string("period", 10);
    p.start = reader.string("start", 10);
    p.end = reader.string("end", 10);
    p.drop = reader.optionalBoolean("drop").value_or(false);
    if (!reader.ok()) {
        return reader.error();
    }
    const bool hasCount = presentAndNotNull(object, reader, "count");
    const bool hasMean = presentAndNotNull(object, reader, "mean");
    const bool hasScores = presentAndNotNull(object, reader, "per_score");
    const bool hasReasons = presentAndNotNull(object, reader, "reasons");
    const bool hasBuddies = presentAndNotNull(object, reader, "buddy_requests");
    const bool hasChange = presentAndNotNull(object, reader, "change");
    reader.rejectUnknownFields();
    if (!reader.ok()) {
        return reader.error();
    }
    auto bad = [&](const std::string& key, const std::string& what) {
        return makeError(ErrorCode::InvalidInput, path + "." + key + " must be " + what,
                         path + "." + key);
    };
    if (!hasCount || !object["count"].is_number_integer() || object["count"].get<long long>() < 0) {
        return bad("count", "a whole number of check-ins");
    }
    p.count = object["count"].get<int>();
    if (hasMean != hasScores || (hasMean && !object["mean"].is_number())) {
        return bad("mean", "a number where per_score is given, else null");
    }
    if (hasMean) {
        p.mean = object["mean"].get<double>();
    }
    p.perScoreHidden = !hasScores;
    if (hasScores) {
        const auto& scores = object["per_score"];
        if (!scores.is_array() || scores.size() != kScoreCount) {
            return bad("per_score", "5 whole numbers or null");
        }
        for (std::size_t s = 0; s < kScoreCount; ++s) {
            if (!scores[s].is_number_integer()) {
                return bad("per_score", "5 whole numbers or null");
            }
            p.perScore[s] = scores[s].get<int>();
        }
    }
    if (hasReasons) {
        const auto& reasons = object["reasons"];
        if (!reasons.is_object()) {
            return bad("reasons", "an object of reason: count");
        }
        for (const auto& [reason, count] : reasons.items()) {
            if (!count.is_null() && !count.is_number_integer()) {
                return bad("reasons." + reason, "a whole number or null");
            }
            p.reasons[reason] =
                count.is_null() ? std::nullopt : std::optional<int>(count.get<int>());
        }
    }
    if (hasBuddies) {
        if (!object["buddy_requests"].is_number_integer()) {
            return bad("buddy_requests", "a whole number or null");
        }
        p.buddyRequests = object["buddy_requests"].get<int>();
    }
    if (hasChange) {
        if (!object["change"].is_number()) {
            return bad("change", "a number or null");
        }
        p.change = object["change"].get<double>();
    }
    return p;
}

}  // namespace

Result<SiteSummary> decodeSiteSummary(std::string_view text) {
    CAREKIOSK_TRY_LET(root, parseObject(text, "the summary"));
    JsonReader reader(root.value(), "");
    SiteSummary summary;
    summary.siteId = reader.string("site_id", 64);
    summary.team = reader.optionalString("team", kMaxOptionIdLength).value_or("");
    summary.period = reader.string("period", 5);
    summary.from = reader.string("from", 10);
    summary.to = reader.string("to", 10);
    summary.minGroup =
        static_cast<int>(reader.optionalInteger("min_group", 0, 1000000).value_or(0));
    reader.markRead("released_through");
    if (root.value().contains("released_through") && !root.value()["released_through"].is_null()) {
        summary.releasedThrough = reader.string("released_through", 10);
    }
    summary.nextRelease = reader.optionalString("next_release", 40).value_or("");
    summary.timeZone = reader.optionalString("time_zone", 64).value_or("");
    const json* periods = reader.array("periods", 100000);
    reader.rejectUnknownFields();
    if (!reader.ok()) {
        return reader.error();
    }
    CAREKIOSK_TRY(parseSummaryPeriod(summary.period, "period"));
    for (std::size_t i = 0; i < periods->size(); ++i) {
        auto p = decodePeriodSummary((*periods)[i], "periods[" + std::to_string(i) + "]");
        if (!p) {
            return p.error();
        }
        summary.periods.push_back(std::move(p).value());
    }
    return summary;
}

std::string encodeErrorBody(const Error& error) {
    json body{{"error", error.message}, {"code", toString(error.code)}};
    if (!error.field.empty()) {
        body["field"] = error.field;
    }
    return body.dump();
}

std::string encodeCollectorRefusal(const CollectorRefusal& refusal) {
    json body{{"error", refusal.message}, {"code", refusal.code}};
    if (!refusal.field.empty()) {
        body["field"] = refusal.field;
    }
    if (!refusal.rows.empty()) {
        body["rows"] = refusal.rows;
    }
    return body.dump();
}

std::optional<CollectorRefusal> decodeCollectorRefusal(std::string_view body) {
    auto parsed = json::parse(body, nullptr, false);
    if (!parsed.is_object()) {
        return std::nullopt;
    }
    const auto error = parsed.find("error");
    const auto code = parsed.find("code");
    if (error == parsed.end() || !error->is_string() || code == parsed.end() ||
        !code->is_string()) {
        return std::nullopt;
    }
    CollectorRefusal refusal{error->get<std::string>(), code->get<std::string>(), {}, {}};
    bool known = false;
    for (auto c : {ErrorCode::InvalidInput, ErrorCode::NotFound, ErrorCode::Io, ErrorCode::Storage,
                   ErrorCode::Corrupt, ErrorCode::Network, ErrorCode::Tls, ErrorCode::Unauthorized,
                   ErrorCode::Rejected, ErrorCode::Internal}) {
        known = known || refusal.code == toString(c);
    }
    if (!known) {
        return std::nullopt;
    }
    if (const auto field = parsed.find("field"); field != parsed.end() && field->is_string()) {
        refusal.field = field->get<std::string>();
    }
    if (const auto rows = parsed.find("rows"); rows != parsed.end() && rows->is_array()) {
        for (const auto& row : *rows) {
            if (!row.is_number_unsigned()) {
                return std::nullopt;  // not ours after all
            }
            refusal.rows.push_back(row.get<std::size_t>());
        }
    }
    return refusal;
}

std::string errorMessageFromBody(std::string_view body) {
    auto parsed = json::parse(body, nullptr, false);
    if (parsed.is_object()) {
        auto it = parsed.find("error");
        if (it != parsed.end() && it->is_string()) {
            return it->get<std::string>();
        }
    }
    std::string raw(body.substr(0, 200));
    return raw.empty() ? std::string("(empty response body)") : raw;
}

Result<std::int64_t> parseDate(std::string_view text, const std::string& field) {
    using namespace std::chrono;
    int y = 0;
    unsigned m = 0;
    unsigned d = 0;
    char tail = 0;
    const std::string copy(text);
    // Digits exactly where they belong: sscanf alone would also take " 1" or "+1".
    bool shaped = copy.size() == 10;
    for (std::size_t i = 0; shaped && i < copy.size(); ++i) {
        shaped = (i == 4 || i == 7) ? copy[i] == '-' : (copy[i] >= '0' && copy[i] <= '9');
    }
    if (!shaped || std::sscanf(copy.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3) {
        return makeError(ErrorCode::InvalidInput,
                         field + " must be a date written YYYY-MM-DD (got \"" + copy + "\")",
                         field);
    }
    const year_month_day ymd{year{y}, month{m}, day{d}};
    if (!ymd.ok()) {
        return makeError(ErrorCode::InvalidInput, field + " is not a real date: " + copy, field);
    }
    return static_cast<std::int64_t>(sys_days{ymd}.time_since_epoch().count());
}

std::string formatDate(std::int64_t daysSinceEpoch) {
    using namespace std::chrono;
    const year_month_day ymd{sys_days{days{daysSinceEpoch}}};
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buffer;
}

}  // namespace carekiosk::core
