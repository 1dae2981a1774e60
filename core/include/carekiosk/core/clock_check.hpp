#pragma once
// Whether the kiosk's wall clock can be believed. A kiosk files every answer
// under the hour it reads; with a flat clock battery and no network time yet
// it reads 1970 or 2001, and every answer would be filed under a day that
// never was (and refused by the collector). So check-ins pause while the
// clock is implausible, and the screen, the admin panel and the heartbeat
// say why.
//
// Thread: any (pure functions).

#include <chrono>
#include <optional>
#include <string>

namespace carekiosk::core {

// Further apart than this from the collector's clock (its HTTP Date), the
// kiosk's clock is wrong: the collector refuses hours an hour ahead of its own.
inline constexpr std::chrono::seconds kMaxCollectorSkew{3600};
// How long before this build was made the clock may still read.
inline constexpr std::chrono::hours kBuildAgeMargin{24 * 365};

// The earliest wall-clock time a kiosk running this build can believe: a
// year before it was built (CAREKIOSK_BUILD_EPOCH, set by CMake, which honours
// SOURCE_DATE_EPOCH).
std::chrono::system_clock::time_point earliestPlausibleTime();

// Why `now` cannot be right, in words a facilities person can act on (the
// time read and what to do), or nullopt when it is plausible. `collectorSkew`:
// the collector's clock minus the kiosk's at the last contact, when known.
std::optional<std::string> clockProblem(std::chrono::system_clock::time_point now,
                                        std::optional<std::chrono::seconds> collectorSkew);

// An HTTP date (RFC 9110 IMF-fixdate, "Tue, 01 Dec 2026 16:00:00 GMT"). They
// are read by upload::parseHttpDate (libcurl's curl_getdate).
std::string formatHttpDate(std::chrono::system_clock::time_point t);

}  // namespace carekiosk::core
