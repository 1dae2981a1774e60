#pragma once
// The buddy coordinator's side of sealed buddy requests: the organisation's
// keypair, and opening a sealed contact with the secret key. Used by
// `carekiosk-report keygen` and `carekiosk-report buddies`, on the
// coordinator's machine; the collector itself never holds the secret key.
//
// Thread: any.

#include <string>

#include "carekiosk/core/buddy.hpp"
#include "carekiosk/core/result.hpp"
#include "carekiosk/core/wire.hpp"

namespace carekiosk::collector {

struct BuddyKeyPair {
    std::string publicKeyBase64;  // give to the collector (admin set-buddy-key)
    std::string secretKeyBase64;  // keep on the coordinator's machine only
};

core::Result<BuddyKeyPair> makeBuddyKeyPair();

// Opens one request's sealed contact. Errors: InvalidInput for a malformed
// secret key (naming --key), Rejected when the box does not open with it
// (another organisation's key, or damaged).
core::Result<core::BuddyRequest> openBuddyRequest(const core::SealedBuddyRequest& sealed,
                                                  const std::string& secretKeyBase64);

}  // namespace carekiosk::collector
