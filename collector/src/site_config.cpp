#include "carekiosk/collector/site_config.hpp"

#include <sodium.h>

#include <toml++/toml.h>
#include <array>
#include <sstream>

#include "carekiosk/core/config.hpp"

namespace carekiosk::collector {

using core::ErrorCode;
using core::makeError;

core::Result<std::string> siteContentFromToml(std::string_view text, const std::string& source) {
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
    std::ostringstream json;
    json << toml::json_formatter{table};
    if (auto valid = core::validateSiteContent(json.str()); !valid) {
        auto error = valid.error();
        error.message = source + ": " + error.message;
        return error;
    }
    return json.str();
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
