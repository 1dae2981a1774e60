#include "carekiosk/upload/backoff.hpp"

#include <algorithm>

namespace carekiosk::upload {

Backoff::Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap,
                 core::RandomSource& random)
    : base_(base), cap_(cap), random_(&random) {}

std::chrono::milliseconds Backoff::nextDelay() {
    // Retry policy: after the n-th consecutive failure wait a uniformly random
    // time in [0, min(cap, base * 2^(n-1))] ("full jitter"). The exponential
    // ceiling stops a fleet of kiosks hammering a collector that is down; the
    // jitter spreads kiosks that failed together so they do not return together.
    // A success resets n. The shift is clamped so the ceiling cannot overflow.
    ++failures_;
    const int shift = std::min(failures_ - 1, 30);
    const auto ceiling = std::min<long long>(cap_.count(), base_.count() << shift);
    const auto jittered =
        static_cast<long long>(random_->uniform(static_cast<std::uint64_t>(ceiling) + 1));
    return std::chrono::milliseconds(jittered);
}

std::chrono::milliseconds Backoff::nextDelay(std::optional<std::chrono::seconds> retryAfter) {
    const auto own = nextDelay();
    if (!retryAfter) {
        return own;
    }
    const auto asked = std::chrono::duration_cast<std::chrono::milliseconds>(*retryAfter);
    return std::clamp(asked, own, std::max(own, cap_));
}

}  // namespace carekiosk::upload
