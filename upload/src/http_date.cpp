#include "carekiosk/upload/http_date.hpp"

#include <curl/curl.h>

namespace carekiosk::upload {

std::optional<std::chrono::system_clock::time_point> parseHttpDate(const std::string& text) {
    // curl_getdate is thread-safe and needs no curl_global_init.
    const time_t at = curl_getdate(text.c_str(), nullptr);
    if (at == -1) {
        return std::nullopt;
    }
    return std::chrono::system_clock::from_time_t(at);
}

}  // namespace carekiosk::upload
