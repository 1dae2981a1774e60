#pragma once
// `carekiosk-provision unenroll`: take a kiosk out of service without losing
// anything it holds.

#include <cstdint>
#include <filesystem>
#include <optional>

#include "carekiosk/core/clock.hpp"
#include "carekiosk/core/result.hpp"
#include "carekiosk/upload/http_sender.hpp"

namespace carekiosk::provisioning {

struct UnenrollOutcome {
    std::int64_t uploaded = 0;    // check-ins uploaded first
    bool alreadyRevoked = false;  // the collector no longer knew the token
};

// Uploads every pending check-in, then tells the collector (which revokes the
// token) and wipes the token from the config file (rewritten atomically, 0600).
// If anything is still pending after the upload, or any batch the collector
// refused is set aside, the command refuses, changes nothing, and the error
// gives the count and what to do. The database
// is never deleted. Must not run while the kiosk app runs (stop the service).
// `carekiosk-provision resend`: puts every set-aside batch back in the queue
// and uploads now. Returns how many batches were put back; the upload's
// error, if any, is in `uploadError` (they stay queued for the kiosk).
struct ResendOutcome {
    std::int64_t batches = 0;
    std::int64_t uploaded = 0;
    std::optional<core::Error> uploadError;
};
core::Result<ResendOutcome> resendSetAside(const std::filesystem::path& configPath,
                                           upload::HttpSender& sender, core::RandomSource& random,
                                           const core::Clock& clock);

core::Result<UnenrollOutcome> unenroll(const std::filesystem::path& configPath,
                                       upload::HttpSender& sender, core::RandomSource& random,
                                       const core::Clock& clock);

}  // namespace carekiosk::provisioning
