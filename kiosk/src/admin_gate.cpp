#include "carekiosk/kiosk/admin_gate.hpp"

#include <sodium.h>

namespace carekiosk::kiosk {

AdminGate::Verdict AdminGate::check(const std::string& pin, TimePoint now) {
    if (pinHash_.empty()) {
        return Verdict::NotConfigured;
    }
    if (now < lockedUntil_) {
        return Verdict::Locked;
    }
    if (sodium_init() >= 0 &&
        crypto_pwhash_str_verify(pinHash_.c_str(), pin.c_str(), pin.size()) == 0) {
        failures_ = 0;
        return Verdict::Accepted;
    }
    if (++failures_ >= kMaxPinFailures) {
        failures_ = 0;
        lockedUntil_ = now + kPinLockout;
        return Verdict::Locked;
    }
    return Verdict::Rejected;
}

std::string AdminGate::describe(Verdict verdict, TimePoint now) const {
    switch (verdict) {
        case Verdict::Accepted:
            return {};
        case Verdict::Rejected:
            return "That PIN is not right. " + std::to_string(kMaxPinFailures - failures_) +
                   " tries left before a 5-minute pause.";
        case Verdict::Locked: {
            const auto left =
                std::chrono::duration_cast<std::chrono::seconds>(lockedUntil_ - now).count();
            return "Too many wrong PINs. Try again in " + std::to_string((left + 59) / 60) +
                   " min.";
        }
        case Verdict::NotConfigured:
            return "No admin PIN is set. Set one with: carekiosk-provision set-pin";
    }
    return {};
}

}  // namespace carekiosk::kiosk
