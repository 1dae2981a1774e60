#pragma once
// The staff-facing flow as a plain state machine: no ImGui, no SDL, no storage.
// Screens emit Actions; the kiosk's controller feeds them here, performs the
// side effects the Flow asks for (saving a score), and reports the outcome.
//
// Thread: single-threaded (the UI thread). Times are steady-clock instants
// passed in by the caller, so tests control time completely.

#include <chrono>
#include <optional>
#include <string>
#include <variant>

namespace carekiosk::ui {

enum class Screen { Welcome, Pulse, ThankYou, SaveFailed, AdminPin, Admin };
const char* screenName(Screen screen);
// True for the screens staff see (not the admin screens).
bool isStaffScreen(Screen screen);

// Intents emitted by screens.
struct StartCheckIn {};
struct ChooseScore {
    int score;  // 1..5
};
struct GoBack {};
struct Dismiss {};
struct OpenAdmin {};  // the hidden 3-second press in the corner
struct PinKey {
    char key;  // '0'..'9', or '<' to delete the last digit
};
struct SubmitPin {};
struct RequestUpload {};
struct ExitApp {};
using Action = std::variant<StartCheckIn, ChooseScore, GoBack, Dismiss, OpenAdmin, PinKey,
                            SubmitPin, RequestUpload, ExitApp>;

// Side effects the Flow asks its owner to perform.
struct NoEffect {};
struct SaveScore {
    int score;  // then call saved() or saveFailed()
};
struct VerifyPin {
    std::string pin;  // then call pinAccepted() or pinRejected()
};
struct UploadNow {};
struct Quit {};
using Effect = std::variant<NoEffect, SaveScore, VerifyPin, UploadNow, Quit>;

inline constexpr std::size_t kMaxPinDigits = 8;

struct FlowTimings {
    std::chrono::seconds thankYou{6};    // thank-you returns to welcome after this
    std::chrono::seconds idleReset{45};  // any other screen returns to welcome after this
};

class Flow {
  public:
    using Clock = std::chrono::steady_clock;

    explicit Flow(FlowTimings timings) : timings_(timings) {}

    Screen screen() const { return screen_; }

    // Applies one action and returns the side effect to perform, if any.
    // Actions that make no sense on the current screen (a stale tap) are ignored.
    Effect apply(const Action& action, Clock::time_point now);
    void saved(Clock::time_point now);
    void saveFailed(Clock::time_point now);
    void pinAccepted(Clock::time_point now);
    void pinRejected(Clock::time_point now);

    // Digits typed on the PIN pad so far (never shown, only counted).
    std::size_t pinLength() const { return pin_.size(); }

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
    std::string pin_;
};

}  // namespace carekiosk::ui
