#include "carekiosk/collector/fast_random.hpp"

#include <sodium.h>

#include <cstdlib>

namespace carekiosk::collector {

SodiumRandom::SodiumRandom() {
    // sodium_init only fails when the system has no usable random source,
    // and then nothing the collector does can be trusted: stop.
    if (sodium_init() < 0) {
        std::abort();
    }
}

void SodiumRandom::fill(std::span<std::uint8_t> out) {
    randombytes_buf(out.data(), out.size());
}

}  // namespace carekiosk::collector
