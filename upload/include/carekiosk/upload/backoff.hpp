#pragma once
// Capped exponential backoff with full jitter. Not thread-safe; one per worker.

#include <chrono>

#include "carekiosk/core/clock.hpp"

namespace carekiosk::upload {

class Backoff {
  public:
    // `random` must outlive the Backoff.
    Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap,
            core::RandomSource& random);

    // The delay before the next try after one more failure.
    std::chrono::milliseconds nextDelay();
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
