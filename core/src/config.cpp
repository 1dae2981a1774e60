#include "carekiosk/core/config.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "carekiosk/core/checkin.hpp"
#include "carekiosk/core/wire.hpp"
#include "json_reader.hpp"

namespace carekiosk::core {

using nlohmann::json;

bool QuietHours::contains(int minuteOfDay) const {
    if (startMinute < endMinute) {
        return minuteOfDay >= startMinute && minuteOfDay < endMinute;
    }
    return minuteOfDay >= startMinute || minuteOfDay < endMinute;
}

namespace {

// "HH:MM" (24-hour) -> minutes after midnight, or -1.
int parseClockTime(const std::string& text) {
    if (text.size() != 5 || text[2] != ':' || !std::isdigit(static_cast<unsigned char>(text[0])) ||
        !std::isdigit(static_cast<unsigned char>(text[1])) ||
        !std::isdigit(static_cast<unsigned char>(text[3])) ||
        !std::isdigit(static_cast<unsigned char>(text[4]))) {
        return -1;
    }
    const int hours = (text[0] - '0') * 10 + (text[1] - '0');
    const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
    return hours < 24 && minutes < 60 ? hours * 60 + minutes : -1;
}

std::string formatClockTime(int minuteOfDay) {
    const int hours = minuteOfDay / 60 % 24;
    const int minutes = minuteOfDay % 60;
    return std::string{char('0' + hours / 10), char('0' + hours % 10), ':',
                       char('0' + minutes / 10), char('0' + minutes % 10)};
}

json messagesJson(const std::vector<DatedMessage>& messages) {
    json list = json::array();
    for (const auto& m : messages) {
        list.push_back(
            {{"text", m.text}, {"from", formatDate(m.fromDay)}, {"to", formatDate(m.toDay)}});
    }
    return list;
}

}  // namespace

std::string messageForDay(const KioskConfig& config, std::int64_t day) {
    const DatedMessage* best = nullptr;
    for (const auto& m : config.messages) {
        if (m.fromDay <= day && day <= m.toDay && (!best || m.fromDay >= best->fromDay)) {
            best = &m;
        }
    }
    return best ? best->text : config.youSaidWeDid;
}

const char* rendererName(KioskRenderer renderer) {
    return renderer == KioskRenderer::Gpu ? "gpu" : "software";
}

Result<KioskConfig> parseKioskConfig(std::string_view text) {
    CAREKIOSK_TRY_LET(root, detail::parseObject(text, "the kiosk config"));
    detail::JsonReader reader(root.value(), "");
    KioskConfig c;
    c.serverUrl = reader.string("server_url", 2048);
    c.caFile = reader.string("ca_file", 4096);
    c.pinnedPublicKey = reader.optionalString("pinned_public_key", 1000).value_or("");
    c.deviceId = reader.string("device_id", 64);
    c.deviceToken = reader.string("device_token", 128);
    c.siteId = reader.string("site_id", 64);
    c.siteName = reader.optionalString("site_name", 200).value_or(c.siteId);
    c.team = reader.optionalString("team", 32).value_or("");
    c.questionSetVersion =
        static_cast<int>(reader.optionalInteger("question_set_version", 1, 1000000).value_or(1));
    c.databasePath = reader.string("database", 4096);
    c.uploadIntervalSeconds = static_cast<int>(
        reader.optionalInteger("upload_interval_seconds", 10, 86400).value_or(600));
    c.thankYouSeconds =
        static_cast<int>(reader.optionalInteger("thank_you_seconds", 2, 60).value_or(6));
    c.idleResetSeconds =
        static_cast<int>(reader.optionalInteger("idle_reset_seconds", 10, 600).value_or(30));
    c.storageCapMegabytes =
        static_cast<int>(reader.optionalInteger("storage_cap_mb", 1, 100000).value_or(200));
    c.fullscreen = reader.optionalBoolean("fullscreen").value_or(true);
    const auto renderer = reader.optionalString("renderer", 16).value_or("software");
    c.allowExit = reader.optionalBoolean("allow_exit").value_or(false);
    c.adminPinHash = reader.optionalString("admin_pin_hash", 256).value_or("");
    c.defaultLanguage = reader.optionalString("default_language", 32).value_or("en");
    c.languages = reader.optionalIdList("languages", 32).value_or(c.languages);
    c.reasons = reader.optionalIdList("reasons", kMaxReasons).value_or(c.reasons);
    c.buddyKinds = reader.optionalIdList("buddy_kinds", 8).value_or(c.buddyKinds);
    c.buddyTimes = reader.optionalIdList("buddy_times", 8).value_or(c.buddyTimes);
    if (const auto* resources = reader.optionalArray("support_resources", 8)) {
        for (std::size_t i = 0; i < resources->size(); ++i) {
            detail::JsonReader item((*resources)[i],
                                    "support_resources[" + std::to_string(i) + "]");
            SupportResource r;
            r.name = item.string("name", 80);
            r.detail = item.optionalString("detail", 160).value_or("");
            item.rejectUnknownFields();
            if (!item.ok()) {
                return item.error();
            }
            c.supportResources.push_back(std::move(r));
        }
    }
    c.youSaidWeDid = reader.optionalString("you_said_we_did", kMaxMessageLength).value_or("");
    c.buddyReplyNote = reader.optionalString("buddy_reply_note", kMaxMessageLength).value_or("");
    if (const auto* messages = reader.optionalArray("messages", kMaxMessages)) {
        for (std::size_t i = 0; i < messages->size(); ++i) {
            const std::string path = "messages[" + std::to_string(i) + "]";
            detail::JsonReader item((*messages)[i], path);
            const auto message = item.string("text", kMaxMessageLength);
            const auto from = item.string("from", 10);
            const auto to = item.string("to", 10);
            item.rejectUnknownFields();
            if (!item.ok()) {
                return item.error();
            }
            auto fromDay = parseDate(from, path + ".from");
            auto toDay = parseDate(to, path + ".to");
            if (!fromDay || !toDay) {
                return !fromDay ? fromDay.error() : toDay.error();
            }
            if (toDay.value() < fromDay.value()) {
                return makeError(ErrorCode::InvalidInput,
                                 path + ".to must be on or after " + path + ".from", path + ".to");
            }
            c.messages.push_back({message, fromDay.value(), toDay.value()});
        }
    }
    c.cooldownSeconds =
        static_cast<int>(reader.optionalInteger("cooldown_seconds", 0, 600).value_or(8));
    c.displayDpi = static_cast<double>(reader.optionalInteger("display_dpi", 0, 1000).value_or(0));
    c.tapGuardMs = static_cast<int>(reader.optionalInteger("tap_guard_ms", 0, 2000).value_or(400));
    c.translationsDir = reader.optionalString("translations_dir", 4096).value_or("");
    c.siteConfigVersion = static_cast<int>(
        reader.optionalInteger("site_config_version", 0, 1'000'000'000).value_or(0));
    c.buddyPublicKey = reader.optionalString("buddy_public_key", 100).value_or("");
    if (const auto it = root->find("quiet_hours"); it != root->end() && !it->is_null()) {
        reader.markRead("quiet_hours");
        if (!it->is_object()) {
            return makeError(ErrorCode::InvalidInput,
                             "quiet_hours must be an object such as {\"start\": \"19:00\", "
                             "\"end\": \"07:00\"}",
                             "quiet_hours");
        }
        detail::JsonReader hours(*it, "quiet_hours");
        const auto start = hours.string("start", 5);
        const auto end = hours.string("end", 5);
        hours.rejectUnknownFields();
        if (!hours.ok()) {
            return hours.error();
        }
        QuietHours quiet{parseClockTime(start), parseClockTime(end)};
        for (const auto& [value, minute, field] :
             {std::tuple{start, quiet.startMinute, "quiet_hours.start"},
              std::tuple{end, quiet.endMinute, "quiet_hours.end"}}) {
            if (minute < 0) {
                return makeError(ErrorCode::InvalidInput,
                                 std::string(field) +
                                     " must be a 24-hour time \"HH:MM\" such "
                                     "as \"19:00\" (got \"" +
                                     value + "\")",
                                 field);
            }
        }
        if (quiet.startMinute == quiet.endMinute) {
            return makeError(ErrorCode::InvalidInput,
                             "quiet_hours.start and quiet_hours.end must differ; remove "
                             "quiet_hours to keep the kiosk open all day",
                             "quiet_hours");
        }
        c.quietHours = quiet;
    } else if (it != root->end()) {
        reader.markRead("quiet_hours");
    }
    reader.rejectUnknownFields();
    if (!reader.ok()) {
        return reader.error();
    }
    if (c.serverUrl.rfind("https://", 0) != 0) {
        return makeError(ErrorCode::InvalidInput,
                         "server_url must start with https:// (got \"" + c.serverUrl +
                             "\"); the kiosk only talks to the collector over TLS",
                         "server_url");
    }
    if (renderer == "gpu") {
        c.renderer = KioskRenderer::Gpu;
    } else if (renderer != "software") {
        return makeError(
            ErrorCode::InvalidInput,
            "renderer is \"" + renderer + "\"; use \"software\" (the default) or \"gpu\"",
            "renderer");
    }
    if (!c.pinnedPublicKey.empty() && c.pinnedPublicKey.rfind("sha256//", 0) != 0) {
        return makeError(ErrorCode::InvalidInput,
                         "pinned_public_key must start with sha256// (or be removed); re-enrol "
                         "with --pin to set it",
                         "pinned_public_key");
    }
    CAREKIOSK_TRY(validateSiteId(c.siteId));
    if (!c.team.empty()) {
        CAREKIOSK_TRY(validateOptionId(c.team, "team"));
    }
    CAREKIOSK_TRY(validateOptionId(c.defaultLanguage, "default_language"));
    if (!c.languages.empty() &&
        std::find(c.languages.begin(), c.languages.end(), c.defaultLanguage) == c.languages.end()) {
        return makeError(ErrorCode::InvalidInput,
                         "default_language \"" + c.defaultLanguage +
                             "\" must be one of languages; add it there or pick another",
                         "default_language");
    }
    for (const auto* list : {&c.buddyKinds, &c.buddyTimes}) {
        if (list->empty()) {
            const char* name = list == &c.buddyKinds ? "buddy_kinds" : "buddy_times";
            return makeError(ErrorCode::InvalidInput,
                             std::string(name) + " must list at least one option", name);
        }
    }
    for (const auto* field : {&c.caFile, &c.deviceId, &c.deviceToken, &c.databasePath}) {
        if (field->empty()) {
            const char* name = field == &c.caFile        ? "ca_file"
                               : field == &c.deviceId    ? "device_id"
                               : field == &c.deviceToken ? "device_token"
                                                         : "database";
            return makeError(
                ErrorCode::InvalidInput,
                std::string(name) + " must not be empty; re-run carekiosk-provision enroll", name);
        }
    }
    return c;
}

std::string serializeKioskConfig(const KioskConfig& c) {
    json resources = json::array();
    for (const auto& r : c.supportResources) {
        resources.push_back({{"name", r.name}, {"detail", r.detail}});
    }
    return json{{"server_url", c.serverUrl},
                {"ca_file", c.caFile},
                {"pinned_public_key", c.pinnedPublicKey},
                {"device_id", c.deviceId},
                {"device_token", c.deviceToken},
                {"site_id", c.siteId},
                {"site_name", c.siteName},
                {"team", c.team},
                {"question_set_version", c.questionSetVersion},
                {"database", c.databasePath},
                {"upload_interval_seconds", c.uploadIntervalSeconds},
                {"thank_you_seconds", c.thankYouSeconds},
                {"idle_reset_seconds", c.idleResetSeconds},
                {"storage_cap_mb", c.storageCapMegabytes},
                {"fullscreen", c.fullscreen},
                {"renderer", rendererName(c.renderer)},
                {"allow_exit", c.allowExit},
                {"admin_pin_hash", c.adminPinHash},
                {"default_language", c.defaultLanguage},
                {"languages", c.languages},
                {"reasons", c.reasons},
                {"buddy_kinds", c.buddyKinds},
                {"buddy_times", c.buddyTimes},
                {"support_resources", resources},
                {"you_said_we_did", c.youSaidWeDid},
                {"buddy_reply_note", c.buddyReplyNote},
                {"messages", messagesJson(c.messages)},
                {"cooldown_seconds", c.cooldownSeconds},
                {"display_dpi", static_cast<int>(c.displayDpi)},
                {"tap_guard_ms", c.tapGuardMs},
                {"translations_dir", c.translationsDir},
                {"site_config_version", c.siteConfigVersion},
                {"buddy_public_key", c.buddyPublicKey},
                {"quiet_hours", c.quietHours
                                    ? json{{"start", formatClockTime(c.quietHours->startMinute)},
                                           {"end", formatClockTime(c.quietHours->endMinute)}}
                                    : json(nullptr)}}
               .dump(2) +
           "\n";
}

Result<KioskConfig> applySiteContent(const KioskConfig& config, std::string_view contentJson) {
    CAREKIOSK_TRY_LET(content, detail::parseObject(contentJson, "the site content"));
    json merged = json::parse(serializeKioskConfig(config));
    for (const auto& item : content->items()) {
        // Not a structured binding: clang 14 (the fuzz build) cannot capture one.
        const std::string& key = item.key();
        const auto& value = item.value();
        const bool allowed = std::find_if(std::begin(kSiteContentFields),
                                          std::end(kSiteContentFields), [&](const char* field) {
                                              return key == field;
                                          }) != std::end(kSiteContentFields);
        if (!allowed) {
            return makeError(ErrorCode::InvalidInput,
                             key +
                                 " cannot be set in site content (only the question set, "
                                 "its copy and timings can); remove it",
                             key);
        }
        merged[key] = value;
    }
    return parseKioskConfig(merged.dump());
}

Status validateSiteContent(std::string_view contentJson) {
    // Any enrolled-looking config will do: only the content fields are judged.
    KioskConfig placeholder;
    placeholder.serverUrl = "https://collector.invalid";
    placeholder.caFile = "ca.pem";
    placeholder.deviceId = "kiosk-0";
    placeholder.deviceToken = "0";
    placeholder.siteId = "site";
    placeholder.databasePath = "carekiosk.db";
    CAREKIOSK_TRY_LET(applied, applySiteContent(placeholder, contentJson));
    return {};
}

Result<KioskConfig> loadKioskConfigFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return makeError(ErrorCode::NotFound,
                         "cannot read config file " + path.string() +
                             "; check the path, or create it with carekiosk-provision enroll");
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = parseKioskConfig(text.str());
    if (!parsed) {
        Error e = parsed.error();
        e.message = path.string() + ": " + e.message;
        return e;
    }
    KioskConfig config = std::move(parsed).value();
    const auto base = path.parent_path();
    for (std::string* p : {&config.databasePath, &config.caFile, &config.translationsDir}) {
        std::filesystem::path value(*p);
        if (!p->empty() && value.is_relative()) {
            *p = (base / value).lexically_normal().string();
        }
    }
    return config;
}

}  // namespace carekiosk::core
