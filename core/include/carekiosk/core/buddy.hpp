#pragma once
// An opt-in request for a peer-support buddy. Unlike a check-in it is not
// anonymous (the person leaves a way to reach them), so it shares nothing with
// any check-in: no id, no time, no batch. See docs/anonymity.md.

#include <string>
#include <vector>

#include "carekiosk/core/result.hpp"

namespace carekiosk::core {

inline constexpr std::size_t kMaxBuddyNameLength = 40;
inline constexpr std::size_t kMaxBuddyContactLength = 80;

struct BuddyRequest {
    std::string siteId;
    std::string kind;                // an option id from the config's buddy_kinds
    std::vector<std::string> times;  // option ids from buddy_times, sorted; may be empty
    std::string firstName;           // as typed; required
    std::string contact;             // email, phone or desk, as typed; required

    bool operator==(const BuddyRequest&) const = default;
};

// Checks every field; the error names the first bad field and the fix.
Status validateBuddyRequest(const BuddyRequest& request);

// The contact part (name and how to reach them) as the bytes stored and sent.
// Format 0 is this JSON; the privacy work seals it for the buddy coordinator
// (format 1) without changing the table around it.
std::string encodeBuddyContact(const BuddyRequest& request);
Result<BuddyRequest> decodeBuddyContact(const std::string& bytes);

}  // namespace carekiosk::core
