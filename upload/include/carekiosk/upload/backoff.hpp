#pragma once
// Capped exponential backoff with full jitter. Not thread-safe; one per worker.

#include <chrono>
#include <optional>

#include "carekiosk/core/clock.hpp"

namespace carekiosk::upload {

class Backoff {
  public:
    // `random` must outlive the Backoff.
    Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap,
            core::RandomSource& random);

    // The delay before the next try after one more failure.
    std::chrono::milliseconds nextDelay();
    // The same, when the server asked for `retryAfter` (Retry-After): never
    // shorter than the backoff's own delay (a "Retry-After: 0" or a date in
    // the past cannot make a kiosk hammer), never longer than the cap.
    std::chrono::milliseconds nextDelay(std::optional<std::chrono::seconds> retryAfter);
    // Call after a success: the next failure starts from `base` again.
    void reset() { failures_ = 0; }
    int failures() const { return failures_; }

  private:
    std::chrono::milliseconds base_;
    std::chrono::milliseconds cap_;
    core::RandomSource* random_;
    int failures_ = 0;
};

}  // namespace carekiosk::upload
