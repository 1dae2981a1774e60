#include "carekiosk/collector/failure_limiter.hpp"

namespace carekiosk::collector {

long long FailureLimiter::blockedFor(const std::string& address, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(address);
    if (it == entries_.end() || now >= it->second.blockedUntil) {
        return 0;
    }
    const auto left = std::chrono::ceil<std::chrono::seconds>(it->second.blockedUntil - now);
    return left.count();
}

void FailureLimiter::recordFailure(const std::string& address, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= kMaxTracked && entries_.find(address) == entries_.end()) {
        prune(now);
        if (entries_.size() >= kMaxTracked) {
            return;  // every entry is a live block: keep them, track no newcomer
        }
    }
    Entry& e = entries_[address];
    if (e.failures == 0 || now - e.windowStart > kWindow) {
        e.windowStart = now;
        e.failures = 0;
    }
    if (++e.failures >= kMaxFailures) {
        e.blockedUntil = now + kBlock;
        e.failures = 0;
    }
}

// A flood of new addresses or made-up credentials must not buy forgiveness:
// what is stale goes first, then what is counting but not blocked; a block
// is never dropped before it ends.
void FailureLimiter::prune(Clock::time_point now) {
    for (auto it = entries_.begin(); it != entries_.end();) {
        const bool stale = now - it->second.windowStart > kWindow && now >= it->second.blockedUntil;
        it = stale ? entries_.erase(it) : std::next(it);
    }
    for (auto it = entries_.begin(); it != entries_.end() && entries_.size() >= kMaxTracked;) {
        it = now >= it->second.blockedUntil ? entries_.erase(it) : std::next(it);
    }
}

}  // namespace carekiosk::collector
