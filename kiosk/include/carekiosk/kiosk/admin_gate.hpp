#pragma once
// Guards the admin panel with a PIN. The config holds only a libsodium
// crypto_pwhash_str hash (written by `carekiosk-provision set-pin`); five wrong PINs in a row lock
// the pad for five minutes. Thread: UI thread only.

#include <chrono>
#include <string>

namespace carekiosk::kiosk {

inline constexpr int kMaxPinFailures = 5;
inline constexpr std::chrono::minutes kPinLockout{5};

class AdminGate {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;
    enum class Verdict { Accepted, Rejected, Locked, NotConfigured };

    explicit AdminGate(std::string pinHash) : pinHash_(std::move(pinHash)) {}

    // Checks `pin` unless the pad is locked. Slow on purpose (Argon2id).
    Verdict check(const std::string& pin, TimePoint now);
    // A sentence for the PIN pad after a verdict.
    std::string describe(Verdict verdict, TimePoint now) const;

  private:
    std::string pinHash_;
    int failures_ = 0;
    TimePoint lockedUntil_{};
};

}  // namespace carekiosk::kiosk
