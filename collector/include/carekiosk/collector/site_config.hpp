#pragma once
// Site configs as facilities write them: TOML, converted to the JSON object of
// site content fields that kiosks fetch (see core::kSiteContentFields).

#include <optional>
#include <string>
#include <string_view>

#include "carekiosk/core/result.hpp"
#include "carekiosk/core/time_zone.hpp"

namespace carekiosk::collector {

// A site config file, split into what kiosks fetch and what only the
// collector uses.
struct SiteConfigFile {
    std::string contentJson;  // the JSON object of site content fields kiosks fetch
    // `time_zone = "Europe/London"`: the site's days, weeks and release time
    // are its local ones. nullopt: not in the file (the site keeps its own).
    std::optional<core::TimeZone> timeZone;
    // `[summaries] release_time = "06:00"`: when a day's figures are released
    // the next morning, in minutes past local midnight. nullopt: not in the file.
    std::optional<int> releaseMinute;
};

// Parses TOML `text` (read from `source`, named in errors) and validates it:
// the site content fields as kiosks take them, plus `time_zone` and
// `[summaries]`. Errors name the line for TOML syntax and the field for
// content problems, with the fix. Thread-safe.
core::Result<SiteConfigFile> parseSiteConfigToml(std::string_view text, const std::string& source);
// The content part only (parseSiteConfigToml(...).contentJson).
core::Result<std::string> siteContentFromToml(std::string_view text, const std::string& source);

// Checks the organisation's buddy public key: standard base64 of a 32-byte
// crypto_box public key. The error says how to make one.
core::Status validateBuddyPublicKey(const std::string& base64);

}  // namespace carekiosk::collector
