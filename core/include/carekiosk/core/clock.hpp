#pragma once
// Seams for time and randomness, so tests can control both.
// Implementations must be safe to call from any thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace carekiosk::core {

class Clock {
  public:
    virtual ~Clock() = default;
    // Wall-clock time, used for hour buckets and expiry.
    virtual std::chrono::system_clock::time_point now() const = 0;
};

class SystemClock final : public Clock {
  public:
    std::chrono::system_clock::time_point now() const override {
        return std::chrono::system_clock::now();
    }
};

// Another clock, shifted by a fixed amount (negative: behind). For demos and
// tests that make check-ins on a day already past, as a kiosk that was
// offline would.
class OffsetClock final : public Clock {
  public:
    OffsetClock(const Clock& base, std::chrono::seconds offset) : base_(base), offset_(offset) {}
    std::chrono::system_clock::time_point now() const override { return base_.now() + offset_; }

  private:
    const Clock& base_;
    std::chrono::seconds offset_;
};

class RandomSource {
  public:
    virtual ~RandomSource() = default;
    // Fills `out` with unpredictable bytes.
    virtual void fill(std::span<std::uint8_t> out) = 0;
    // A uniformly distributed integer in [0, bound). Precondition: bound > 0.
    std::uint64_t uniform(std::uint64_t bound);
};

// Backed by the operating system's random source (getrandom via std::random_device).
class SystemRandom final : public RandomSource {
  public:
    void fill(std::span<std::uint8_t> out) override;
};

// `byteCount` random bytes as lowercase hex (2 * byteCount characters).
std::string randomHex(RandomSource& random, std::size_t byteCount);

// Bytes as lowercase hex, and back; fromHex gives false for anything that is
// not an even number of hex digits.
std::string toHex(std::string_view bytes);
bool fromHex(std::string_view hex, std::string& bytes);

}  // namespace carekiosk::core
