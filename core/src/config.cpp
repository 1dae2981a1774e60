#include "carekiosk/core/config.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "carekiosk/core/checkin.hpp"
#include "json_reader.hpp"

namespace carekiosk::core {

using nlohmann::json;

Result<KioskConfig> parseKioskConfig(std::string_view text) {
    auto root = detail::parseObject(text, "the kiosk config");
    if (!root) {
        return root.error();
    }
    detail::JsonReader reader(root.value(), "");
    KioskConfig c;
    c.serverUrl = reader.string("server_url", 2048);
    c.caFile = reader.string("ca_file", 4096);
    c.deviceId = reader.string("device_id", 64);
    c.deviceToken = reader.string("device_token", 128);
    c.siteId = reader.string("site_id", 64);
    c.siteName = reader.optionalString("site_name", 200).value_or(c.siteId);
    c.questionSetVersion =
        static_cast<int>(reader.optionalInteger("question_set_version", 1, 1000000).value_or(1));
    c.databasePath = reader.string("database", 4096);
    c.uploadIntervalSeconds = static_cast<int>(
        reader.optionalInteger("upload_interval_seconds", 10, 86400).value_or(600));
    c.thankYouSeconds =
        static_cast<int>(reader.optionalInteger("thank_you_seconds", 2, 60).value_or(6));
    c.idleResetSeconds =
        static_cast<int>(reader.optionalInteger("idle_reset_seconds", 10, 600).value_or(45));
    c.storageCapMegabytes =
        static_cast<int>(reader.optionalInteger("storage_cap_mb", 1, 100000).value_or(200));
    c.fullscreen = reader.optionalBoolean("fullscreen").value_or(true);
    c.allowExit = reader.optionalBoolean("allow_exit").value_or(false);
    c.adminPinHash = reader.optionalString("admin_pin_hash", 256).value_or("");
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
    if (auto site = validateSiteId(c.siteId); !site) {
        return site.error();
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
    return json{{"server_url", c.serverUrl},
                {"ca_file", c.caFile},
                {"device_id", c.deviceId},
                {"device_token", c.deviceToken},
                {"site_id", c.siteId},
                {"site_name", c.siteName},
                {"question_set_version", c.questionSetVersion},
                {"database", c.databasePath},
                {"upload_interval_seconds", c.uploadIntervalSeconds},
                {"thank_you_seconds", c.thankYouSeconds},
                {"idle_reset_seconds", c.idleResetSeconds},
                {"storage_cap_mb", c.storageCapMegabytes},
                {"fullscreen", c.fullscreen},
                {"allow_exit", c.allowExit},
                {"admin_pin_hash", c.adminPinHash}}
               .dump(2) +
           "\n";
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
    for (std::string* p : {&config.databasePath, &config.caFile}) {
        std::filesystem::path value(*p);
        if (value.is_relative()) {
            *p = (base / value).lexically_normal().string();
        }
    }
    return config;
}

}  // namespace carekiosk::core
