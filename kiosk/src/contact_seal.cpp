#include "carekiosk/kiosk/contact_seal.hpp"

#include <sodium.h>

#include <array>

namespace carekiosk::kiosk {

using core::ErrorCode;
using core::makeError;

core::Result<std::string> sealContact(const std::string& publicKeyBase64,
                                      const std::string& plain) {
    std::array<unsigned char, crypto_box_PUBLICKEYBYTES> key{};
    std::size_t length = 0;
    if (sodium_init() < 0 ||
        sodium_base642bin(key.data(), key.size(), publicKeyBase64.data(), publicKeyBase64.size(),
                          nullptr, &length, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        length != key.size()) {
        return makeError(ErrorCode::InvalidInput,
                         "buddy_public_key is missing or not a base64 public key; set the "
                         "organisation's key with carekiosk-collector admin set-buddy-key and "
                         "enrol again",
                         "buddy_public_key");
    }
    std::string sealed(plain.size() + crypto_box_SEALBYTES, '\0');
    crypto_box_seal(reinterpret_cast<unsigned char*>(sealed.data()),
                    reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), key.data());
    return sealed;
}

}  // namespace carekiosk::kiosk
