#pragma once
// `carekiosk-provision unenroll`: take a kiosk out of service without losing
// anything it holds.

#include <cstdint>
#include <filesystem>

#include "carekiosk/core/clock.hpp"
#include "carekiosk/core/result.hpp"
#include "carekiosk/upload/http_sender.hpp"

namespace carekiosk::provisioning {

struct UnenrollOutcome {
    std::int64_t uploaded = 0;         // check-ins uploaded first
    std::int64_t keptDeadLetters = 0;  // check-ins in refused batches, kept in the database
    bool alreadyRevoked = false;       // the collector no longer knew the token
};

// Uploads every pending check-in, then tells the collector (which revokes the
// token) and wipes the token from the config file (rewritten atomically, 0600).
// If anything is still pending after the upload the command refuses, changes
// nothing, and the error gives the count and the upload's error. The database
// is never deleted. Must not run while the kiosk app runs (stop the service).
core::Result<UnenrollOutcome> unenroll(const std::filesystem::path& configPath,
                                       upload::HttpSender& sender, core::RandomSource& random,
                                       const core::Clock& clock);

}  // namespace carekiosk::provisioning
