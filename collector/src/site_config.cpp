#include "carekiosk/collector/site_config.hpp"

#include <sodium.h>

#include <toml++/toml.h>
#include <array>
#include <sstream>

#include "carekiosk/core/config.hpp"

namespace carekiosk::collector {

using core::ErrorCode;
using core::makeError;

core::Result<SiteConfigFile> parseSiteConfigToml(std::string_view text, const std::string& source) {
    toml::table table;
    try {
        table = toml::parse(text, source);
    } catch (const toml::parse_error& error) {
        // toml++ reports syntax errors by exception; they stop here.
        const auto& where = error.source().begin;
        return makeError(ErrorCode::InvalidInput, source + " line " + std::to_string(where.line) +
                                                      ", column " + std::to_string(where.column) +
                                                      ": " + std::string(error.description()) +
                                                      "; fix the TOML syntax there");
    }
    SiteConfigFile file;
    // The collector's own fields come out before the rest goes to kiosks.
    if (const auto* zone = table.get("time_zone")) {
        const auto name = zone->value<std::string>();
        if (!name) {
            return makeError(ErrorCode::InvalidInput,
                             source + ": time_zone must be a string such as \"Europe/London\"",
                             "time_zone");
        }
        auto parsed = core::TimeZone::named(*name, "time_zone");
        if (!parsed) {
            auto error = parsed.error();
            error.message = source + ": " + error.message;
            return error;
        }
        file.timeZone = parsed.value();
        table.erase("time_zone");
    }
    if (const auto* summaries = table.get("summaries")) {
        const auto* fields = summaries->as_table();
        if (!fields) {
            return makeError(ErrorCode::InvalidInput,
                             source + ": [summaries] must be a table (release_time = \"06:00\")",
                             "summaries");
        }
        for (const auto& [key, value] : *fields) {
            if (key.str() != "release_time") {
                return makeError(ErrorCode::InvalidInput,
                                 source + ": summaries." + std::string(key.str()) +
                                     " is not a setting; [summaries] takes release_time",
                                 "summaries." + std::string(key.str()));
            }
            const auto time = value.value<std::string>();
            auto minute = time ? core::parseMinuteOfDay(*time, "summaries.release_time")
                               : core::parseMinuteOfDay("", "summaries.release_time");
            if (!minute) {
                auto error = minute.error();
                error.message = source + ": " + error.message;
                return error;
            }
            file.releaseMinute = minute.value();
        }
        table.erase("summaries");
    }
    std::ostringstream json;
    json << toml::json_formatter{table};
    if (auto valid = core::validateSiteContent(json.str()); !valid) {
        auto error = valid.error();
        error.message = source + ": " + error.message;
        return error;
    }
    file.contentJson = json.str();
    return file;
}

core::Result<std::string> siteContentFromToml(std::string_view text, const std::string& source) {
    CAREKIOSK_TRY_LET(file, parseSiteConfigToml(text, source));
    return file->contentJson;
}

core::Status validateBuddyPublicKey(const std::string& base64) {
    std::array<unsigned char, crypto_box_PUBLICKEYBYTES> key{};
    std::size_t length = 0;
    if (sodium_base642bin(key.data(), key.size(), base64.data(), base64.size(), nullptr, &length,
                          nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        length != key.size()) {
        return makeError(ErrorCode::InvalidInput,
                         "--public-key must be the base64 public key (44 characters) that "
                         "carekiosk-report keygen printed",
                         "public_key");
    }
    return {};
}

}  // namespace carekiosk::collector
