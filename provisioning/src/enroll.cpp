#include "carekiosk/provisioning/enroll.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "carekiosk/core/wire.hpp"

namespace carekiosk::provisioning {

using core::ErrorCode;
using core::makeError;

namespace {

core::Error ioError(const std::string& what, const std::filesystem::path& path) {
    return makeError(ErrorCode::Io, what + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

core::Status writeFileAtomically(const std::filesystem::path& path, const std::string& contents,
                                 std::filesystem::perms permissions) {
    const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    const auto temp = dir / ("." + path.filename().string() + ".tmp");
    // Created with the final mode, so the secret is never readable by others,
    // not even for a moment.
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                          static_cast<mode_t>(permissions));
    if (fd < 0) {
        return ioError("cannot create", temp);
    }
    ::fchmod(fd, static_cast<mode_t>(permissions));
    std::size_t written = 0;
    while (written < contents.size()) {
        const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            auto error = ioError("cannot write", temp);
            ::close(fd);
            ::unlink(temp.c_str());
            return error;
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        auto error = ioError("cannot flush", temp);
        ::close(fd);
        ::unlink(temp.c_str());
        return error;
    }
    ::close(fd);
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        auto error = ioError("cannot move the new file into place at", path);
        ::unlink(temp.c_str());
        return error;
    }
    // Make the rename itself durable.
    const int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd >= 0) {
        ::fsync(dirFd);
        ::close(dirFd);
    }
    return {};
}

namespace {

core::Result<std::string> readText(const std::filesystem::path& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return makeError(ErrorCode::NotFound, std::string("cannot read ") + what + " " +
                                                  path.string() + "; check the path");
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Rewrites the kiosk config through `change`, atomically with mode 0600. The
// file is rewritten as it was written, not with the paths load() resolves.
core::Status rewriteConfig(
    const std::filesystem::path& configPath,
    const std::function<core::Result<core::KioskConfig>(core::KioskConfig)>& change) {
    if (auto loaded = core::loadKioskConfigFile(configPath); !loaded) {
        return loaded.error();  // names the file and the field
    }
    CAREKIOSK_TRY_LET(text, readText(configPath, "config file"));
    CAREKIOSK_TRY_LET(raw, core::parseKioskConfig(text.value()));
    CAREKIOSK_TRY_LET(changed, change(std::move(raw).value()));
    return writeFileAtomically(
        configPath, core::serializeKioskConfig(changed.value()),
        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

}  // namespace

core::Status setAdminPin(const std::filesystem::path& configPath, const std::string& pin) {
    const bool digits = !pin.empty() && pin.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || pin.size() < 4 || pin.size() > 8) {
        return makeError(ErrorCode::InvalidInput, "the PIN must be 4 to 8 digits", "pin");
    }
    return rewriteConfig(
        configPath, [&](core::KioskConfig config) -> core::Result<core::KioskConfig> {
            char hash[crypto_pwhash_STRBYTES];
            if (sodium_init() < 0 ||
                crypto_pwhash_str(hash, pin.c_str(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                  crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
                return makeError(ErrorCode::Internal,
                                 "libsodium could not hash the PIN (out of memory?)");
            }
            config.adminPinHash = hash;
            return config;
        });
}

core::Status clearDeviceToken(const std::filesystem::path& configPath) {
    return rewriteConfig(configPath,
                         [](core::KioskConfig config) -> core::Result<core::KioskConfig> {
                             config.deviceToken.clear();
                             return config;
                         });
}

core::Status validatePin(const std::string& pin, const char* field) {
    std::size_t start = 0;
    while (start <= pin.size()) {
        auto end = pin.find(';', start);
        if (end == std::string::npos) {
            end = pin.size();
        }
        const std::string one = pin.substr(start, end - start);
        const std::string prefix = "sha256//";
        unsigned char digest[64];
        std::size_t length = 0;
        const std::string encoded = one.rfind(prefix, 0) == 0 ? one.substr(prefix.size()) : "";
        if (encoded.empty() ||
            sodium_base642bin(digest, sizeof digest, encoded.data(), encoded.size(), nullptr,
                              &length, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
            length != 32) {
            return makeError(ErrorCode::InvalidInput,
                             std::string(field) +
                                 " must be sha256// followed by the base64 SHA-256 of the "
                                 "collector's public key (44 characters); get it with: openssl "
                                 "x509 -in server.pem -pubkey -noout | openssl pkey -pubin "
                                 "-outform der | openssl dgst -sha256 -binary | base64",
                             field);
        }
        start = end + 1;
    }
    return {};
}

core::Status setSiteContent(const std::filesystem::path& configPath,
                            const std::filesystem::path& contentPath) {
    CAREKIOSK_TRY_LET(content, readText(contentPath, "site content file"));
    return rewriteConfig(configPath,
                         [&](core::KioskConfig config) -> core::Result<core::KioskConfig> {
                             auto applied = core::applySiteContent(config, content.value());
                             if (!applied) {
                                 return core::withContext(applied.error(), contentPath.string());
                             }
                             return applied;
                         });
}

core::Result<core::KioskConfig> enroll(const EnrollOptions& options, upload::HttpSender& sender) {
    if (options.serverUrl.rfind("https://", 0) != 0) {
        return makeError(ErrorCode::InvalidInput,
                         "--server must be an https:// URL (got \"" + options.serverUrl +
                             "\"); kiosks never talk to the collector without TLS",
                         "--server");
    }
    if (options.code.empty()) {
        return makeError(ErrorCode::InvalidInput,
                         "--code is empty; ask the collector's admin for an enrolment code",
                         "--code");
    }
    if (!options.pinnedPublicKey.empty()) {
        CAREKIOSK_TRY(validatePin(options.pinnedPublicKey, "--pin"));
    }
    if (!options.team.empty()) {
        CAREKIOSK_TRY(core::validateOptionId(options.team, "--team"));
    }
    std::error_code ec;
    if (!std::filesystem::is_regular_file(options.caFile, ec)) {
        return makeError(ErrorCode::InvalidInput,
                         "--ca " + options.caFile.string() +
                             " is not a readable file; give the PEM CA that signs the "
                             "collector's certificate",
                         "--ca");
    }
    const auto configDir = std::filesystem::absolute(options.configPath, ec).parent_path();
    if (!std::filesystem::is_directory(configDir, ec)) {
        return makeError(
            ErrorCode::InvalidInput,
            "--out: directory " + configDir.string() + " does not exist; create it first", "--out");
    }

    std::string server = options.serverUrl;
    while (!server.empty() && server.back() == '/') {
        server.pop_back();
    }
    upload::HttpRequest request;
    request.method = "POST";
    request.url = server + "/v1/enroll";
    request.body = core::encodeEnrollRequest({options.code, options.team});
    CAREKIOSK_TRY_LET(response, sender.send(request));
    if (response->status != 200) {
        const std::string reason = core::errorMessageFromBody(response->body);
        const auto code = response->status == 401 ? ErrorCode::Unauthorized : ErrorCode::Rejected;
        return makeError(
            code, "enrolment refused (HTTP " + std::to_string(response->status) + "): " + reason);
    }
    auto answer = core::decodeEnrollResponse(response->body);
    if (!answer) {
        return makeError(
            ErrorCode::Rejected,
            "the collector's enrolment answer was not understood: " + answer.error().message);
    }
    core::KioskConfig config;
    config.serverUrl = server;
    config.caFile = std::filesystem::absolute(options.caFile, ec).string();
    config.deviceId = answer->deviceId;
    config.deviceToken = answer->deviceToken;
    config.siteId = answer->siteId;
    config.siteName = answer->siteName;
    config.team = options.team;
    config.questionSetVersion = answer->questionSetVersion;
    config.pinnedPublicKey = options.pinnedPublicKey;
    config.buddyPublicKey = answer->buddyPublicKey;
    config.databasePath = options.databasePath.empty()
                              ? (configDir / "carekiosk.db").string()
                              : std::filesystem::absolute(options.databasePath, ec).string();
    if (!answer->siteConfigJson.empty()) {
        auto withContent = core::applySiteContent(config, answer->siteConfigJson);
        if (!withContent) {
            return makeError(ErrorCode::Rejected,
                             "the collector's site config for " + config.siteId +
                                 " cannot be used by this kiosk (" + withContent.error().message +
                                 "); fix it with carekiosk-collector admin site-config");
        }
        config = std::move(withContent).value();
        config.siteConfigVersion = answer->siteConfigVersion;
    }
    if (auto valid = core::parseKioskConfig(core::serializeKioskConfig(config)); !valid) {
        return makeError(
            ErrorCode::Rejected,
            "the collector sent a config this kiosk cannot use: " + valid.error().message);
    }
    if (auto written = writeFileAtomically(
            options.configPath, core::serializeKioskConfig(config),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        !written) {
        return written.error();
    }
    return config;
}

}  // namespace carekiosk::provisioning
