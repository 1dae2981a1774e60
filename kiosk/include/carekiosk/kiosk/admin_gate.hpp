#pragma once
// Guards the admin panel with a PIN. The config holds only a libsodium
// crypto_pwhash_str hash (written by `carekiosk-provision set-pin`). Five
// wrong PINs in a row lock the pad; each lockout in a row lasts three times
// the one before (5 min, 15 min, 45 min ... at most 24 h) until the right PIN
// is entered. The count and the lockout survive restarts and power cuts: they
// are kept in a small file beside the outbox (written atomically), so pulling
// the plug does not buy a guesser five more tries.
//
// Times are the wall clock's (the lockout must outlive a reboot); a clock set
// back never lengthens a lockout beyond its level's length.
// Thread: UI thread only.

#include <chrono>
#include <filesystem>
#include <string>

namespace carekiosk::kiosk {

inline constexpr int kMaxPinFailures = 5;
inline constexpr std::chrono::minutes kPinLockout{5};
inline constexpr std::chrono::hours kLongestPinLockout{24};

class AdminGate {
  public:
    using TimePoint = std::chrono::system_clock::time_point;
    enum class Verdict { Accepted, Rejected, Locked, NotConfigured };

    // `statePath`: where failures and lockouts are kept (empty: memory only).
    // A missing or unreadable file starts with no failures.
    explicit AdminGate(std::string pinHash, std::filesystem::path statePath = {});

    // Checks `pin` unless the pad is locked. Slow on purpose (Argon2id).
    Verdict check(const std::string& pin, TimePoint now);
    // A sentence for the PIN pad after a verdict.
    std::string describe(Verdict verdict, TimePoint now) const;
    // How long the n-th lockout in a row lasts (n >= 1).
    static std::chrono::seconds lockoutLength(int lockoutsInARow);

  private:
    void save() const;

    std::string pinHash_;
    std::filesystem::path statePath_;
    int failures_ = 0;
    int lockouts_ = 0;  // in a row, since the last right PIN
    TimePoint lockedUntil_{};
};

}  // namespace carekiosk::kiosk
