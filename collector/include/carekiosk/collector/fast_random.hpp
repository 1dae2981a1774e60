#pragma once
// The collector's random source: libsodium's randombytes_buf (a ChaCha20
// stream keyed from the operating system), thread-safe and one call for any
// number of bytes. The collector draws a random key for every stored row, so
// core::SystemRandom's std::random_device, a system call per four bytes, was
// a third of its CPU under load (bench/run, perf). The keys stay unpredictable,
// so they still cannot be used to order rows.

#include "carekiosk/core/clock.hpp"

namespace carekiosk::collector {

class SodiumRandom final : public core::RandomSource {
  public:
    // Initialises libsodium (idempotent, thread-safe).
    SodiumRandom();
    void fill(std::span<std::uint8_t> out) override;
};

}  // namespace carekiosk::collector
