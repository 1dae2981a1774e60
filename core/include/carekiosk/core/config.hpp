#pragma once
// The kiosk's config file schema (JSON, written by `carekiosk-provision enroll`).
// Parsing is strict and every error names the field and how to fix it.

#include <filesystem>
#include <string>
#include <string_view>

#include "carekiosk/core/result.hpp"

namespace carekiosk::core {

struct KioskConfig {
    // Enrolment (written by carekiosk-provision, not edited by hand).
    std::string serverUrl;  // https://host:port of the collector
    std::string caFile;     // PEM CA bundle that signs the collector's certificate
    std::string deviceId;
    std::string deviceToken;  // secret: the file is written 0600
    std::string siteId;
    std::string siteName;
    int questionSetVersion = 1;

    // Local settings.
    std::string databasePath;         // SQLite outbox
    int uploadIntervalSeconds = 600;  // uploads run on this schedule, never per tap
    int thankYouSeconds = 6;          // thank-you screen returns to welcome after this
    int idleResetSeconds = 45;        // any screen returns to welcome after this
    int storageCapMegabytes = 200;    // the outbox refuses new check-ins at this size
    bool fullscreen = true;
    bool allowExit = false;    // the admin panel offers "Exit app" only when true
    std::string adminPinHash;  // libsodium crypto_pwhash_str of the admin PIN; empty = none
};

Result<KioskConfig> parseKioskConfig(std::string_view json);
std::string serializeKioskConfig(const KioskConfig& config);

// Reads and parses a config file; errors name the file as well as the field.
// Relative databasePath/caFile values are resolved against the file's directory.
Result<KioskConfig> loadKioskConfigFile(const std::filesystem::path& path);

}  // namespace carekiosk::core
