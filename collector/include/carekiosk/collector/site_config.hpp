#pragma once
// Site configs as facilities write them: TOML, converted to the JSON object of
// site content fields that kiosks fetch (see core::kSiteContentFields).

#include <string>
#include <string_view>

#include "carekiosk/core/result.hpp"

namespace carekiosk::collector {

// Parses TOML `text` (read from `source`, named in errors) and validates it as
// site content. Returns the JSON object text. Errors name the line for TOML
// syntax and the field for content problems, with the fix. Thread-safe.
core::Result<std::string> siteContentFromToml(std::string_view text, const std::string& source);

// Checks the organisation's buddy public key: standard base64 of a 32-byte
// crypto_box public key. The error says how to make one.
core::Status validateBuddyPublicKey(const std::string& base64);

}  // namespace carekiosk::collector
