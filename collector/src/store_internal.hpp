#pragma once
// Helpers shared by the store's files (store*.cpp), not part of its interface.

#include <chrono>
#include <cstdint>

namespace carekiosk::collector::detail {

// Days since 1970-01-01 (UTC) of `t`.
inline std::int64_t dayNumber(std::chrono::system_clock::time_point t) {
    return std::chrono::floor<std::chrono::days>(t).time_since_epoch().count();
}

// Seconds since 1970-01-01 (UTC) of `t`.
inline std::int64_t unixSeconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace carekiosk::collector::detail
