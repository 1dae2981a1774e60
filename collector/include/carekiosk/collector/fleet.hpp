#pragma once
// The fleet view for facilities: one row per kiosk with the flags that need a
// person's attention. Pure functions of the stored rows and the time, so the
// rules are tested with an injected clock.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "carekiosk/core/wire.hpp"

namespace carekiosk::collector {

// One enrolled kiosk as the fleet view sees it: its enrolment and its newest
// heartbeat, as the store holds them.
struct FleetRow {
    std::string deviceId;
    std::string siteId;
    bool revoked = false;
    bool unenrolled = false;  // revoked by its own `carekiosk-provision unenroll`
    std::optional<std::chrono::system_clock::time_point> lastSeen;  // newest heartbeat
    std::optional<core::Heartbeat> heartbeat;
    int siteConfigVersion = 0;  // the site's current config version
};

struct FleetRules {
    // No heartbeat for longer than this: "silent".
    std::chrono::seconds silentAfter{std::chrono::hours(2)};
    // More check-ins waiting than this, or the oldest waiting longer than
    // backlogHours: "backlogged".
    std::int64_t backlogCheckIns = 1000;
    std::int64_t backlogHours = 24;
};

struct FleetKiosk {
    FleetRow row;
    std::optional<std::int64_t> secondsSinceSeen;  // nullopt: never heard from
    // Any of: "silent", "never seen", "backlogged", "old config",
    // "config rejected", "dead letters", "upload errors", "unenrolled", "revoked".
    std::vector<std::string> flags;
};

std::vector<FleetKiosk> assessFleet(const std::vector<FleetRow>& rows,
                                    std::chrono::system_clock::time_point now,
                                    const FleetRules& rules);

// GET /v1/fleet body: {"silent_after_seconds", "kiosks": [...]}.
std::string encodeFleetJson(const std::vector<FleetKiosk>& fleet, const FleetRules& rules);
// The fleet page of the dashboard (self-contained HTML, no scripts).
std::string renderFleetHtml(const std::vector<FleetKiosk>& fleet, const FleetRules& rules);

}  // namespace carekiosk::collector
