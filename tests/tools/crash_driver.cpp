// crash_driver: a headless kiosk for the crash test. It taps check-ins through
// real SDL events into the real controller, storage and upload worker, and
// prints "thanked <id>" after each thank-you screen, so the test knows
// exactly which check-ins a person was thanked for before it kills us.
//
// Check-in i has id first-index + i: it falls in hour first-hour + (id / 5)
// hours (through an injected clock) with score id % 5 + 1, which makes every
// row recognisable at the collector by its hour and score. Five to an hour
// keeps thousands of them inside the hours a collector accepts from a kiosk.
//
// Usage: crash_driver --config FILE --first-hour UNIX --first-index I --count N
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "carekiosk/core/config.hpp"
#include "carekiosk/kiosk/kiosk_app.hpp"
#include "carekiosk/kiosk/tap_driver.hpp"

using namespace carekiosk;

namespace {

class StepClock final : public core::Clock {
  public:
    explicit StepClock(std::int64_t seconds) : seconds_(seconds) {}
    std::chrono::system_clock::time_point now() const override {
        return std::chrono::system_clock::time_point(std::chrono::seconds(seconds_.load()));
    }
    void set(std::int64_t seconds) { seconds_ = seconds; }

  private:
    std::atomic<std::int64_t> seconds_;
};

}  // namespace

int main(int argc, char** argv) {
    std::string configPath;
    std::int64_t firstHour = 0;
    std::int64_t firstIndex = 0;
    int count = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--config")) {
            configPath = argv[i + 1];
        } else if (!std::strcmp(argv[i], "--first-hour")) {
            firstHour = std::atoll(argv[i + 1]);
        } else if (!std::strcmp(argv[i], "--first-index")) {
            firstIndex = std::atoll(argv[i + 1]);
        } else if (!std::strcmp(argv[i], "--count")) {
            count = std::atoi(argv[i + 1]);
        }
    }
    auto config = core::loadKioskConfigFile(configPath);
    if (!config) {
        std::fprintf(stderr, "crash_driver: %s\n", config.error().message.c_str());
        return 2;
    }
    kiosk::KioskOptions options;
    options.config = config.value();
    options.config.uploadIntervalSeconds = 1;  // upload constantly, to be killed mid-upload
    options.config.cooldownSeconds = 0;        // taps stand for different people
    options.config.tapGuardMs = 0;             // from a driver that never bounces
    options.width = 800;
    options.height = 480;
    options.forceWindowed = true;
    StepClock clock(firstHour);
    core::SystemRandom random;
    auto app = kiosk::KioskApp::create(options, clock, random);
    if (!app) {
        std::fprintf(stderr, "crash_driver: %s\n", app.error().message.c_str());
        return 1;
    }
    std::printf("ready\n");
    std::fflush(stdout);
    for (int i = 0; i < count; ++i) {
        const std::int64_t id = firstIndex + i;
        clock.set(firstHour + id / 5 * 3600);
        const auto kind = i % 2 ? kiosk::PointerKind::Mouse : kiosk::PointerKind::Touch;
        if (auto done = kiosk::driveCheckIn(*app.value(), static_cast<int>(id % 5) + 1, kind);
            !done) {
            std::fprintf(stderr, "crash_driver: %s\n", done.error().message.c_str());
            return 1;
        }
        std::printf("thanked %lld\n", static_cast<long long>(id));
        std::fflush(stdout);
        if (i % 3 == 2) {
            app.value()->uploadNow();
        }
    }
    return 0;
}
