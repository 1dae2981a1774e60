#include "carekiosk/kiosk/admin_gate.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace carekiosk::kiosk {

namespace {

std::int64_t unixSeconds(AdminGate::TimePoint t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string minutesText(std::chrono::seconds length) {
    const auto minutes = (length.count() + 59) / 60;
    return minutes >= 120 ? std::to_string((minutes + 59) / 60) + " h"
                          : std::to_string(minutes) + " min";
}

}  // namespace

AdminGate::AdminGate(std::string pinHash, std::filesystem::path statePath)
    : pinHash_(std::move(pinHash)), statePath_(std::move(statePath)) {
    if (statePath_.empty()) {
        return;
    }
    std::ifstream in(statePath_);
    int failures = 0;
    int lockouts = 0;
    std::int64_t until = 0;
    if (in >> failures >> lockouts >> until && failures >= 0 && lockouts >= 0) {
        failures_ = std::min(failures, kMaxPinFailures - 1);
        lockouts_ = lockouts;
        lockedUntil_ = TimePoint(std::chrono::seconds(until));
    }
}

std::chrono::seconds AdminGate::lockoutLength(int lockoutsInARow) {
    std::chrono::seconds length = kPinLockout;
    for (int i = 1; i < lockoutsInARow && length < kLongestPinLockout; ++i) {
        length *= 3;
    }
    return std::min<std::chrono::seconds>(length, kLongestPinLockout);
}

AdminGate::Verdict AdminGate::check(const std::string& pin, TimePoint now) {
    if (pinHash_.empty()) {
        return Verdict::NotConfigured;
    }
    // A clock set back (or a file from the future) cannot lock for longer
    // than this level's lockout from now.
    if (lockouts_ > 0 && lockedUntil_ - now > lockoutLength(lockouts_)) {
        lockedUntil_ = now + lockoutLength(lockouts_);
        save();
    }
    if (now < lockedUntil_) {
        return Verdict::Locked;
    }
    if (sodium_init() >= 0 &&
        crypto_pwhash_str_verify(pinHash_.c_str(), pin.c_str(), pin.size()) == 0) {
        failures_ = 0;
        lockouts_ = 0;
        lockedUntil_ = {};
        save();
        return Verdict::Accepted;
    }
    if (++failures_ >= kMaxPinFailures) {
        failures_ = 0;
        ++lockouts_;
        lockedUntil_ = now + lockoutLength(lockouts_);
        save();
        return Verdict::Locked;
    }
    save();
    return Verdict::Rejected;
}

std::string AdminGate::describe(Verdict verdict, TimePoint now) const {
    switch (verdict) {
        case Verdict::Accepted:
            return {};
        case Verdict::Rejected:
            return "That PIN is not right. " + std::to_string(kMaxPinFailures - failures_) +
                   " tries left before a " + minutesText(lockoutLength(lockouts_ + 1)) + " pause.";
        case Verdict::Locked: {
            const auto left = std::chrono::duration_cast<std::chrono::seconds>(lockedUntil_ - now);
            return "Too many wrong PINs. Try again in " + minutesText(left) + ".";
        }
        case Verdict::NotConfigured:
            return "No admin PIN is set. Set one with: carekiosk-provision set-pin";
    }
    return {};
}

// Written to a temporary file, flushed to disk and renamed over the old one:
// after a power cut the file holds the old state or the new, never half.
void AdminGate::save() const {
    if (statePath_.empty()) {
        return;
    }
    const std::string temporary = statePath_.string() + ".tmp";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        std::fprintf(stderr, "carekiosk: cannot record the PIN lockout in %s\n", temporary.c_str());
        return;
    }
    const std::string text = std::to_string(failures_) + " " + std::to_string(lockouts_) + " " +
                             std::to_string(unixSeconds(lockedUntil_)) + "\n";
    const bool written =
        ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
        ::fdatasync(fd) == 0;
    ::close(fd);
    if (!written || std::rename(temporary.c_str(), statePath_.c_str()) != 0) {
        std::fprintf(stderr, "carekiosk: cannot record the PIN lockout in %s\n",
                     statePath_.c_str());
    }
}

}  // namespace carekiosk::kiosk
