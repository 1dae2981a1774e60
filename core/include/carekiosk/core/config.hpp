#pragma once
// The kiosk's config file schema (JSON, written by `carekiosk-provision enroll`).
// Parsing is strict and every error names the field and how to fix it.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carekiosk/core/result.hpp"

namespace carekiosk::core {

// One place staff can turn to, shown after a check-in (site-specific, so not
// translated): e.g. {"Mental-health first aiders", "Ask at reception, ext. 2040"}.
struct SupportResource {
    std::string name;
    std::string detail;
    bool operator==(const SupportResource&) const = default;
};

// The site's quiet hours (local time): outside opening hours the screen dims to
// a clock. start == end is not allowed; start > end wraps past midnight.
struct QuietHours {
    int startMinute = 0;  // minutes after local midnight
    int endMinute = 0;
    // True when `minuteOfDay` (0..1439) falls in [start, end), wrapping.
    bool contains(int minuteOfDay) const;
    bool operator==(const QuietHours&) const = default;
};

// A "you said, we did" message a manager posted for a date range; kiosks show
// the newest one whose range contains today (local date) on the welcome screen.
inline constexpr std::size_t kMaxMessageLength = 300;
inline constexpr std::size_t kMaxMessages = 20;
struct DatedMessage {
    std::string text;
    std::int64_t fromDay = 0;  // days since 1970-01-01, inclusive
    std::int64_t toDay = 0;    // inclusive
    bool operator==(const DatedMessage&) const = default;
};

enum class KioskRenderer { Software, Gpu };
const char* rendererName(KioskRenderer renderer);

struct KioskConfig {
    // Enrolment (written by carekiosk-provision, not edited by hand).
    std::string serverUrl;        // https://host:port of the collector
    std::string caFile;           // PEM CA bundle that signs the collector's certificate
    std::string pinnedPublicKey;  // optional "sha256//..." SPKI pin of the collector's key
    std::string deviceId;
    std::string deviceToken;  // secret: the file is written 0600
    std::string siteId;
    std::string siteName;
    // Optional team tag of the kiosk's place (e.g. "finance"), carried by each
    // check-in so managers can read a team's summary; "" for none.
    std::string team;
    int questionSetVersion = 1;
    // The version of the collector's site config this file's content came from
    // (0: set locally). Newer versions are fetched by the kiosk itself.
    int siteConfigVersion = 0;
    // The organisation's public key for sealing buddy requests (base64); empty: none.
    std::string buddyPublicKey;

    // Local settings.
    std::string databasePath;         // SQLite outbox
    int uploadIntervalSeconds = 600;  // uploads run on this schedule, never per tap
    // No longer used: every screen now waits idle_reset_seconds, then asks
    // "Still there?". Still read, so that existing files keep loading.
    int thankYouSeconds = 6;
    int idleResetSeconds = 30;      // idle this long, a screen asks "Still there?" (then 20 s)
    int storageCapMegabytes = 200;  // the outbox refuses new check-ins at this size
    bool fullscreen = true;
    // How frames are drawn. Software (the default): SDL's software renderer,
    // no GPU driver loaded; the UI draws a 1080p frame in a few milliseconds
    // and draws nothing at rest. Gpu: an accelerated SDL renderer with vsync,
    // for panels too large for that (falls back to software if none starts).
    KioskRenderer renderer = KioskRenderer::Software;
    bool allowExit = false;    // the admin panel offers "Exit app" only when true
    std::string adminPinHash;  // libsodium crypto_pwhash_str of the admin PIN; empty = none

    // What staff see: the site's question set and content. Option ids key the
    // translation files (reason.<id>, buddy.kind.<id>, buddy.time.<id>).
    std::string defaultLanguage = "en";  // the language every screen returns to
    std::vector<std::string> languages;  // offered languages; empty = every shipped one
    std::vector<std::string> reasons{"workload", "team", "health", "home", "commute"};
    std::vector<std::string> buddyKinds{"coffee", "walk", "mentor", "group"};
    std::vector<std::string> buddyTimes{"mornings", "lunchtimes", "afternoons", "after_work"};
    std::vector<SupportResource> supportResources;
    std::string youSaidWeDid;  // the site's standing "you said, we did" message
    // When a buddy request gets an answer, in the site's words ("The
    // coordinator replies within two working days."); "" for none.
    std::string buddyReplyNote;
    std::vector<DatedMessage> messages;    // managers' dated messages; win over youSaidWeDid
    int cooldownSeconds = 8;               // after a check-in, the next may start after this
    std::optional<QuietHours> quietHours;  // none: the kiosk is always open
    double displayDpi = 0;                 // 0 = ask the display (fallback 96)
    // After the screen changes, taps are ignored this long (a double tap, a
    // bounce, a tap already on its way): 0-2000 ms.
    int tapGuardMs = 400;
    std::string translationsDir;  // empty = the installed translations
};

Result<KioskConfig> parseKioskConfig(std::string_view json);
std::string serializeKioskConfig(const KioskConfig& config);

// The fields a site's content file may set (the question set, the copy around
// it, and the session timings); enrolment fields and local paths are not among them.
inline constexpr const char* kSiteContentFields[] = {
    "default_language",   "languages",         "reasons",
    "buddy_kinds",        "buddy_times",       "support_resources",
    "you_said_we_did",    "buddy_reply_note",  "cooldown_seconds",
    "idle_reset_seconds", "thank_you_seconds", "question_set_version",
    "quiet_hours",        "messages"};

// Applies a site content JSON object (only kSiteContentFields) onto `config`
// and validates the result. Errors name the field, including one that may not
// be set this way.
Result<KioskConfig> applySiteContent(const KioskConfig& config, std::string_view contentJson);

// The message to show on `day` (days since 1970): the newest-starting dated
// message whose range contains it, else the standing youSaidWeDid (may be empty).
std::string messageForDay(const KioskConfig& config, std::int64_t day);

// Checks a site content JSON object on its own (as the collector does before
// kiosks may fetch it): the same rules as applySiteContent.
Status validateSiteContent(std::string_view contentJson);

// Reads and parses a config file; errors name the file as well as the field.
// Relative databasePath/caFile values are resolved against the file's directory.
Result<KioskConfig> loadKioskConfigFile(const std::filesystem::path& path);

}  // namespace carekiosk::core
