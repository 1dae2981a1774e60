#pragma once
// Seals a buddy request's contact for the organisation's buddy coordinator
// (libsodium crypto_box_seal with the organisation's public key). Only the
// holder of the matching secret key (`carekiosk-report buddies --key`) can
// open it; the kiosk keeps no way to read it back.
//
// Thread: any.

#include <string>

#include "carekiosk/core/result.hpp"

namespace carekiosk::kiosk {

// `publicKeyBase64`: the config's buddy_public_key. Errors: InvalidInput when
// the key is missing or malformed (naming buddy_public_key and the fix).
core::Result<std::string> sealContact(const std::string& publicKeyBase64, const std::string& plain);

}  // namespace carekiosk::kiosk
