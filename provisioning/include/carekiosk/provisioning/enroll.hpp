#pragma once
// Enrolment: exchange a one-time code for this kiosk's identity and write its
// config file. Used by `carekiosk-provision enroll`.

#include <filesystem>
#include <string>

#include "carekiosk/core/config.hpp"
#include "carekiosk/core/result.hpp"
#include "carekiosk/upload/http_sender.hpp"

namespace carekiosk::provisioning {

struct EnrollOptions {
    std::string serverUrl;               // https:// only; http:// is refused
    std::string code;                    // one-time code from the collector's admin
    std::filesystem::path caFile;        // CA that signs the collector's certificate
    std::filesystem::path configPath;    // where to write the kiosk config
    std::filesystem::path databasePath;  // empty: "carekiosk.db" beside the config
    // Optional SPKI pin of the collector's key ("sha256//<base64>"), checked on
    // every connection (libcurl CURLOPT_PINNEDPUBLICKEY) and kept in the config.
    std::string pinnedPublicKey;
    // Optional team tag of the kiosk's place (e.g. "finance"): its check-ins
    // carry it so managers can read that team's summary.
    std::string team;
};

// Checks a pin's form: "sha256//" and the base64 of a SHA-256 digest,
// several joined with ';' allowed (as libcurl takes them).
core::Status validatePin(const std::string& pin, const char* field);

// Validates the options, POSTs the code over `sender` (which must already use
// options.pinnedPublicKey), and writes the config, with the site's config and
// the organisation's buddy public key from the collector,
// atomically (temp file, fsync, rename, fsync of the directory) with mode 0600
// because it holds the device token. Nothing is written on any failure.
// Errors: InvalidInput naming the option, Unauthorized for an unknown, used or
// expired code, Network/Tls when the collector cannot be reached safely.
core::Result<core::KioskConfig> enroll(const EnrollOptions& options, upload::HttpSender& sender);

// Sets the kiosk's admin PIN (4-8 digits): stores its crypto_pwhash_str hash
// (Argon2id, interactive limits) in the config file, rewritten atomically
// with mode 0600. The PIN itself is never stored. Errors name the problem.
core::Status setAdminPin(const std::filesystem::path& configPath, const std::string& pin);

// Applies a site content file (the question set, support resources, "you said,
// we did" message, languages and timings; see core::kSiteContentFields) to the
// kiosk config, rewritten atomically with mode 0600. Nothing is written when the
// content or the result is invalid; errors name the file and the field.
core::Status setSiteContent(const std::filesystem::path& configPath,
                            const std::filesystem::path& contentPath);

// Removes the device token from the config file (after unenrolment): the
// kiosk then refuses to start and says to enrol again.
core::Status clearDeviceToken(const std::filesystem::path& configPath);

// Writes `contents` to `path` atomically with the given permission bits.
core::Status writeFileAtomically(const std::filesystem::path& path, const std::string& contents,
                                 std::filesystem::perms permissions);

}  // namespace carekiosk::provisioning
