#include "carekiosk/provisioning/unenroll.hpp"

#include "carekiosk/core/config.hpp"
#include "carekiosk/core/wire.hpp"
#include "carekiosk/provisioning/enroll.hpp"
#include "carekiosk/storage/outbox.hpp"
#include "carekiosk/upload/uploader.hpp"

namespace carekiosk::provisioning {

using core::ErrorCode;
using core::makeError;

namespace {

// The kiosk's config and its outbox, as both commands start.
struct Kiosk {
    core::KioskConfig config;
    storage::Outbox outbox;
};

core::Result<Kiosk> openKiosk(const std::filesystem::path& configPath, core::RandomSource& random) {
    CAREKIOSK_TRY_LET(config, core::loadKioskConfigFile(configPath));
    CAREKIOSK_TRY_LET(outbox, storage::Outbox::open(config->databasePath, random));
    return Kiosk{std::move(config).value(), std::move(outbox).value()};
}

}  // namespace

core::Result<ResendOutcome> resendSetAside(const std::filesystem::path& configPath,
                                           upload::HttpSender& sender, core::RandomSource& random,
                                           const core::Clock& clock) {
    CAREKIOSK_TRY_LET(kiosk, openKiosk(configPath, random));
    auto& config = kiosk->config;
    auto& outbox = kiosk->outbox;
    ResendOutcome outcome;
    CAREKIOSK_TRY_LET(put, outbox.resendDeadLetters());
    outcome.batches = put.value();
    upload::Uploader uploader(outbox, sender, {config.serverUrl, config.deviceToken}, clock);
    const auto drained = uploader.drain();
    outcome.uploaded = drained.checkInsAcknowledged;
    outcome.uploadError = drained.error;
    return outcome;
}

core::Result<UnenrollOutcome> unenroll(const std::filesystem::path& configPath,
                                       upload::HttpSender& sender, core::RandomSource& random,
                                       const core::Clock& clock) {
    CAREKIOSK_TRY_LET(kiosk, openKiosk(configPath, random));
    auto& config = kiosk->config;
    auto& outbox = kiosk->outbox;
    UnenrollOutcome outcome;
    upload::Uploader uploader(outbox, sender, {config.serverUrl, config.deviceToken}, clock);
    const auto drained = uploader.drain();
    outcome.uploaded = drained.checkInsAcknowledged;
    CAREKIOSK_TRY_LET(pending, outbox.pendingCount());
    if (pending.value() > 0) {
        return makeError(ErrorCode::Rejected,
                         std::to_string(pending.value()) +
                             " check-ins are still waiting to be uploaded (" +
                             (drained.error ? drained.error->message : "the upload stopped") +
                             "). Nothing was changed: fix the connection (see carekiosk-provision "
                             "check) and run unenroll again");
    }
    CAREKIOSK_TRY_LET(buddies, outbox.sealedBuddyRequests(core::kMaxBuddyRequestsPerUpload));
    if (!buddies->empty()) {
        return makeError(ErrorCode::Rejected,
                         std::to_string(buddies->size()) +
                             " buddy requests are still waiting to be uploaded (" +
                             (drained.error ? drained.error->message : "the upload stopped") +
                             "). Nothing was changed: fix the connection and run unenroll again");
    }
    // Check-ins the collector refused would be stranded once the token is
    // gone: the cause must be fixed and they re-sent (or the database kept
    // by hand) before a kiosk is taken out of service.
    CAREKIOSK_TRY_LET(letters, outbox.deadLetters());
    if (!letters->empty()) {
        std::int64_t rows = 0;
        for (const auto& letter : letters.value()) {
            rows += letter.checkIns;
        }
        return makeError(ErrorCode::Rejected,
                         std::to_string(letters->size()) + " set-aside batches (" +
                             std::to_string(rows) +
                             " check-ins the collector refused) are still on this kiosk, the "
                             "first because \"" +
                             letters->front().reason +
                             "\". Nothing was changed: fix the cause, run carekiosk-provision "
                             "resend --config " +
                             configPath.string() + ", then unenroll again");
    }

    upload::HttpRequest request;
    request.method = "POST";
    request.url = config.serverUrl + "/v1/unenroll";
    request.bearerToken = config.deviceToken;
    request.body = "{}";
    CAREKIOSK_TRY_LET(response, sender.send(request));
    if (response->status == 401) {
        outcome.alreadyRevoked = true;  // revoked by an admin: wiping is still right
    } else if (response->status != 200) {
        return makeError(ErrorCode::Rejected, "the collector refused to unenrol this kiosk (HTTP " +
                                                  std::to_string(response->status) + "): " +
                                                  core::errorMessageFromBody(response->body) +
                                                  "; nothing was changed");
    }
    CAREKIOSK_TRY(clearDeviceToken(configPath));
    return outcome;
}

}  // namespace carekiosk::provisioning
