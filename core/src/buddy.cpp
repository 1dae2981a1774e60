#include "carekiosk/core/buddy.hpp"

#include <nlohmann/json.hpp>

#include "carekiosk/core/checkin.hpp"
#include "json_reader.hpp"

namespace carekiosk::core {

namespace {

// Printable text only: no control characters, which a person cannot type on
// the kiosk's keyboard and which would only confuse whoever reads it.
bool printable(const std::string& text) {
    for (unsigned char c : text) {
        if (c < 0x20 || c == 0x7f) {
            return false;
        }
    }
    return true;
}

Status checkText(const std::string& text, std::size_t maxLength, const char* field,
                 const char* what) {
    if (text.find_first_not_of(' ') == std::string::npos) {
        return makeError(
            ErrorCode::InvalidInput,
            std::string(field) + " is empty; type " + what + " so a buddy can reach you", field);
    }
    if (text.size() > maxLength || !printable(text)) {
        return makeError(ErrorCode::InvalidInput,
                         std::string(field) + " must be at most " + std::to_string(maxLength) +
                             " printable characters",
                         field);
    }
    return {};
}

}  // namespace

Status validateBuddyRequest(const BuddyRequest& r) {
    CAREKIOSK_TRY(validateSiteId(r.siteId));
    CAREKIOSK_TRY(validateOptionId(r.kind, "kind"));
    for (std::size_t i = 0; i < r.times.size(); ++i) {
        const std::string field = "times[" + std::to_string(i) + "]";
        CAREKIOSK_TRY(validateOptionId(r.times[i], field));
        if (i > 0 && r.times[i - 1] >= r.times[i]) {
            return makeError(ErrorCode::InvalidInput, "times must be sorted and without repeats",
                             field);
        }
    }
    if (auto name = checkText(r.firstName, kMaxBuddyNameLength, "first_name", "a first name");
        !name) {
        return name;
    }
    return checkText(r.contact, kMaxBuddyContactLength, "contact", "an email, phone or desk");
}

std::string encodeBuddyContact(const BuddyRequest& r) {
    return nlohmann::json{{"first_name", r.firstName}, {"contact", r.contact}}.dump();
}

Result<BuddyRequest> decodeBuddyContact(const std::string& bytes) {
    CAREKIOSK_TRY_LET(root, detail::parseObject(bytes, "the buddy contact"));
    detail::JsonReader reader(root.value(), "");
    BuddyRequest r;
    r.firstName = reader.string("first_name", kMaxBuddyNameLength);
    r.contact = reader.string("contact", kMaxBuddyContactLength);
    reader.rejectUnknownFields();
    if (!reader.ok()) {
        return reader.error();
    }
    return r;
}

}  // namespace carekiosk::core
