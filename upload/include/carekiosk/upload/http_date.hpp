#pragma once
// HTTP dates (Date, Retry-After), read by libcurl's curl_getdate, which takes
// all three forms RFC 9110 allows (IMF-fixdate, RFC 850, asctime).

#include <chrono>
#include <optional>
#include <string>

namespace carekiosk::upload {

// The time `text` names, or nullopt if it is not an HTTP date. Any thread.
std::optional<std::chrono::system_clock::time_point> parseHttpDate(const std::string& text);

}  // namespace carekiosk::upload
