#pragma once
// The staff-facing flow as a plain state machine: no ImGui, no SDL, no storage.
// Screens emit Actions; the kiosk's controller feeds them here, performs the
// side effects the Flow asks for (saving a score), and reports the outcome.
//
// Thread: single-threaded (the UI thread). Times are steady-clock instants
// passed in by the caller, so tests control time completely.

#include <chrono>
#include <optional>
#include <variant>

namespace carekiosk::ui {

enum class Screen { Welcome, Pulse, ThankYou, SaveFailed };
const char* screenName(Screen screen);

// Intents emitted by screens.
struct StartCheckIn {};
struct ChooseScore {
    int score;  // 1..5
};
struct GoBack {};
struct Dismiss {};
using Action = std::variant<StartCheckIn, ChooseScore, GoBack, Dismiss>;

struct FlowTimings {
    std::chrono::seconds thankYou{6};    // thank-you returns to welcome after this
    std::chrono::seconds idleReset{45};  // any other screen returns to welcome after this
};

class Flow {
  public:
    using Clock = std::chrono::steady_clock;

    explicit Flow(FlowTimings timings) : timings_(timings) {}

    Screen screen() const { return screen_; }

    // Applies one action. Returns the score to save when the person chose one;
    // the caller must then call saved() or saveFailed(). Actions that make no
    // sense on the current screen (a stale tap) are ignored.
    std::optional<int> apply(const Action& action, Clock::time_point now);
    void saved(Clock::time_point now);
    void saveFailed(Clock::time_point now);

    // Any touch keeps the current screen alive.
    void touched(Clock::time_point now) { lastActivity_ = now; }
    // Applies timeouts; returns true when the screen changed.
    bool tick(Clock::time_point now);
    // When tick() next has something to do, or nullopt when nothing is timed.
    std::optional<Clock::time_point> nextDeadline() const;

  private:
    void show(Screen screen, Clock::time_point now);

    FlowTimings timings_;
    Screen screen_ = Screen::Welcome;
    Clock::time_point shownAt_{};
    Clock::time_point lastActivity_{};
    bool awaitingSave_ = false;
};

}  // namespace carekiosk::ui
