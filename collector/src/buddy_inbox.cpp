#include "carekiosk/collector/buddy_inbox.hpp"

#include <sodium.h>

#include <array>

#include "carekiosk/core/clock.hpp"

namespace carekiosk::collector {

using core::ErrorCode;
using core::makeError;

namespace {

std::string toBase64(const unsigned char* bytes, std::size_t size) {
    std::string text(sodium_base64_encoded_len(size, sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(text.data(), text.size(), bytes, size, sodium_base64_VARIANT_ORIGINAL);
    text.resize(text.size() - 1);  // the terminating NUL
    return text;
}

}  // namespace

core::Result<BuddyKeyPair> makeBuddyKeyPair() {
    if (sodium_init() < 0) {
        return makeError(ErrorCode::Internal, "libsodium could not be initialised");
    }
    std::array<unsigned char, crypto_box_PUBLICKEYBYTES> publicKey{};
    std::array<unsigned char, crypto_box_SECRETKEYBYTES> secretKey{};
    crypto_box_keypair(publicKey.data(), secretKey.data());
    BuddyKeyPair pair{toBase64(publicKey.data(), publicKey.size()),
                      toBase64(secretKey.data(), secretKey.size())};
    sodium_memzero(secretKey.data(), secretKey.size());
    return pair;
}

core::Result<core::BuddyRequest> openBuddyRequest(const core::SealedBuddyRequest& sealed,
                                                  const std::string& secretKeyBase64) {
    std::array<unsigned char, crypto_box_SECRETKEYBYTES> secretKey{};
    std::array<unsigned char, crypto_box_PUBLICKEYBYTES> publicKey{};
    std::size_t length = 0;
    if (sodium_init() < 0 ||
        sodium_base642bin(secretKey.data(), secretKey.size(), secretKeyBase64.data(),
                          secretKeyBase64.size(), " \n", &length, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        length != secretKey.size()) {
        return makeError(ErrorCode::InvalidInput,
                         "--key must be the secret key file carekiosk-report keygen wrote",
                         "--key");
    }
    crypto_scalarmult_base(publicKey.data(), secretKey.data());
    std::string box;
    if (!core::fromHex(sealed.sealedHex, box) || box.size() < crypto_box_SEALBYTES) {
        return makeError(ErrorCode::Rejected, "request " + sealed.id + " is damaged");
    }
    std::string plain(box.size() - crypto_box_SEALBYTES, '\0');
    const int opened = crypto_box_seal_open(reinterpret_cast<unsigned char*>(plain.data()),
                                            reinterpret_cast<const unsigned char*>(box.data()),
                                            box.size(), publicKey.data(), secretKey.data());
    sodium_memzero(secretKey.data(), secretKey.size());
    if (opened != 0) {
        return makeError(ErrorCode::Rejected,
                         "request " + sealed.id +
                             " does not open with this key; is it the organisation's key that "
                             "kiosks were given (admin set-buddy-key)?");
    }
    auto contact = core::decodeBuddyContact(plain);
    sodium_memzero(plain.data(), plain.size());
    if (!contact) {
        return contact.error();
    }
    core::BuddyRequest request = std::move(contact).value();
    request.siteId = sealed.siteId;
    request.kind = sealed.kind;
    request.times = sealed.times;
    return request;
}

}  // namespace carekiosk::collector
