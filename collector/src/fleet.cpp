#include "carekiosk/collector/fleet.hpp"

#include <nlohmann/json.hpp>

#include "html.hpp"

namespace carekiosk::collector {

namespace {

std::string humanAge(std::int64_t seconds) {
    if (seconds < 120) {
        return std::to_string(seconds) + " s ago";
    }
    if (seconds < 2 * 3600) {
        return std::to_string(seconds / 60) + " min ago";
    }
    if (seconds < 2 * 86400) {
        return std::to_string(seconds / 3600) + " h ago";
    }
    return std::to_string(seconds / 86400) + " days ago";
}

}  // namespace

std::vector<FleetKiosk> assessFleet(const std::vector<FleetRow>& rows,
                                    std::chrono::system_clock::time_point now,
                                    const FleetRules& rules) {
    std::vector<FleetKiosk> fleet;
    for (const auto& row : rows) {
        FleetKiosk kiosk{row, std::nullopt, {}};
        auto& flags = kiosk.flags;
        if (row.unenrolled) {
            flags.push_back("unenrolled");
        } else if (row.revoked) {
            flags.push_back("revoked");
        }
        if (row.lastSeen) {
            kiosk.secondsSinceSeen =
                std::chrono::duration_cast<std::chrono::seconds>(now - *row.lastSeen).count();
        }
        // A kiosk that has left the fleet on purpose needs no other attention.
        if (!row.revoked) {
            if (!row.lastSeen) {
                flags.push_back("never seen");
            } else if (*kiosk.secondsSinceSeen > rules.silentAfter.count()) {
                flags.push_back("silent");
            }
            if (row.heartbeat) {
                const auto& h = *row.heartbeat;
                if (h.pending > rules.backlogCheckIns ||
                    h.oldestPendingHours > rules.backlogHours) {
                    flags.push_back("backlogged");
                }
                if (h.configVersion < row.siteConfigVersion) {
                    flags.push_back("old config");
                }
                if (!h.configError.empty()) {
                    flags.push_back("config rejected");
                }
                if (h.deadLetters > 0) {
                    flags.push_back("dead letters");
                }
                if (!h.lastError.empty()) {
                    flags.push_back("upload errors");
                }
            }
        }
        fleet.push_back(std::move(kiosk));
    }
    return fleet;
}

std::string encodeFleetJson(const std::vector<FleetKiosk>& fleet, const FleetRules& rules) {
    using nlohmann::json;
    json kiosks = json::array();
    for (const auto& kiosk : fleet) {
        json entry{{"device_id", kiosk.row.deviceId},
                   {"site_id", kiosk.row.siteId},
                   {"site_config_version", kiosk.row.siteConfigVersion},
                   {"seconds_since_seen",
                    kiosk.secondsSinceSeen ? json(*kiosk.secondsSinceSeen) : json(nullptr)},
                   {"flags", kiosk.flags},
                   {"heartbeat", nullptr}};
        if (kiosk.row.heartbeat) {
            entry["heartbeat"] = json::parse(core::encodeHeartbeat(*kiosk.row.heartbeat));
        }
        kiosks.push_back(std::move(entry));
    }
    return json{{"silent_after_seconds", rules.silentAfter.count()}, {"kiosks", kiosks}}.dump();
}

std::string renderFleetHtml(const std::vector<FleetKiosk>& fleet, const FleetRules& rules) {
    std::size_t attention = 0;
    for (const auto& kiosk : fleet) {
        attention += kiosk.flags.empty() ? 0 : 1;
    }
    std::string html = html::pageStart("carekiosk fleet",
                                       R"(table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.5rem .6rem;border-bottom:1px solid #d8dde3;vertical-align:top}
th{background:#e9edf1;font-weight:600}
tr.attention td{background:#fff4e5}
.flag{display:inline-block;margin:0 .25rem .25rem 0;padding:.1rem .45rem;border-radius:.7rem;
background:#a33a00;color:#fff;font-size:.85rem}
.ok{color:#1f6b3a;font-weight:600}
.err{color:#7a2a00;font-size:.85rem}
@media (max-width:700px){td:nth-child(5),th:nth-child(5),td:nth-child(6),th:nth-child(6){display:none}}
)");
    html += R"(<h1>Kiosk fleet</h1>
)";
    html += "<p class=\"lead\">" + std::to_string(fleet.size()) +
            (fleet.size() == 1 ? " kiosk, " : " kiosks, ") + std::to_string(attention) +
            (attention == 1 ? " needs" : " need") + " attention. A kiosk is silent after " +
            std::to_string(rules.silentAfter.count() / 60) + " minutes without a heartbeat.</p>\n";
    html +=
        "<table><thead><tr><th>Kiosk</th><th>Site</th><th>Last heard</th><th>Waiting</th>"
        "<th>Version</th><th>Config</th><th>Status</th></tr></thead><tbody>\n";
    for (const auto& kiosk : fleet) {
        const auto& row = kiosk.row;
        html += kiosk.flags.empty() ? "<tr>" : "<tr class=\"attention\">";
        html +=
            "<td>" + html::escape(row.deviceId) + "</td><td>" + html::escape(row.siteId) + "</td>";
        html += "<td>" + (kiosk.secondsSinceSeen ? humanAge(*kiosk.secondsSinceSeen) : "never") +
                "</td>";
        if (row.heartbeat) {
            const auto& h = *row.heartbeat;
            const std::string oldest =
                h.oldestPendingHours == 0
                    ? " (all from the last hour)"
                    : " (oldest " + std::to_string(h.oldestPendingHours) + " h)";
            const std::string config = h.configVersion >= row.siteConfigVersion
                                           ? ", current"
                                           : ", site has v" + std::to_string(row.siteConfigVersion);
            html += "<td>" + std::to_string(h.pending) + (h.pending > 0 ? oldest : "") +
                    "</td><td>" + html::escape(h.version) + "</td><td>v" +
                    std::to_string(h.configVersion) + config + "</td>";
        } else {
            html += "<td>-</td><td>-</td><td>site has v" + std::to_string(row.siteConfigVersion) +
                    "</td>";
        }
        html += "<td>";
        if (kiosk.flags.empty()) {
            html += "<span class=\"ok\">healthy</span>";
        }
        for (const auto& flag : kiosk.flags) {
            html += "<span class=\"flag\">" + html::escape(flag) + "</span>";
        }
        if (row.heartbeat && !row.heartbeat->lastError.empty()) {
            html += "<div class=\"err\">" + html::escape(row.heartbeat->lastError) + "</div>";
        }
        if (row.heartbeat && !row.heartbeat->configError.empty()) {
            html += "<div class=\"err\">" + html::escape(row.heartbeat->configError) + "</div>";
        }
        html += "</td></tr>\n";
    }
    html += "</tbody></table>\n</body></html>\n";
    return html;
}

}  // namespace carekiosk::collector
