#pragma once
// The staff-facing flow as a plain state machine: no ImGui, no SDL, no storage.
// Screens emit Actions; the kiosk's controller feeds them here, performs the
// side effects the Flow asks for (saving a check-in or a buddy request,
// checking a PIN), and reports the outcome.
//
// Everything a person enters lives here only until the flow returns to the
// welcome screen (back, done, or idle): then it is discarded. When a session
// ends (done after a submission, or idle) the language also returns to the
// site's default; going back to welcome by one's own choice keeps it.
//
// Thread: single-threaded (the UI thread). Times are steady-clock instants
// passed in by the caller, so tests control time completely.

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace carekiosk::ui {

enum class Screen {
    Welcome,
    About,      // "What happens to my answer?"
    Breathing,  // "Take a moment": about a minute of paced breathing
    Pulse,      // five faces
    Reasons,    // optional reasons, then submit
    ThankYou,
    SaveFailed,
    Cooldown,  // a check-in was just saved; the next may start in a few seconds
    BuddyKind,
    BuddyWhen,
    BuddyContact,
    BuddySent,
    AdminPin,
    Admin,
    Quiet  // outside the site's hours: a dim clock; a touch wakes it to welcome
};
const char* screenName(Screen screen);
// True for the screens staff see (not the admin screens).
bool isStaffScreen(Screen screen);

// Intents emitted by screens.
struct StartCheckIn {};
struct StartBuddy {};
struct ShowAbout {};
struct StartBreathing {};
struct ChooseLanguage {
    std::string code;
};
struct ChooseScore {
    int score;  // 1..5
};
struct ToggleReason {
    std::string id;
};
struct SubmitCheckIn {
    bool skipReasons = false;  // "Skip": submit the score without any reasons
};
struct ChooseBuddyKind {
    std::string id;
};
struct ToggleBuddyTime {
    std::string id;
};
struct Next {};
enum class Field { FirstName, Contact };
struct FocusField {
    Field field;
};
struct TypeText {
    std::string text;  // UTF-8 from the on-screen keyboard
};
struct Backspace {};
struct ToggleShift {};
struct ToggleSymbols {};
struct SendBuddy {};
struct GoBack {};
struct Dismiss {};
struct OpenAdmin {};  // the hidden 3-second press in the corner
struct PinKey {
    char key;  // '0'..'9', or '<' to delete the last digit
};
struct SubmitPin {};
struct RequestUpload {};
struct RequestReload {};
struct ExitApp {};
struct Wake {};  // a touch on the quiet screen
using Action =
    std::variant<StartCheckIn, StartBuddy, ShowAbout, StartBreathing, ChooseLanguage, ChooseScore,
                 ToggleReason, SubmitCheckIn, ChooseBuddyKind, ToggleBuddyTime, Next, FocusField,
                 TypeText, Backspace, ToggleShift, ToggleSymbols, SendBuddy, GoBack, Dismiss,
                 OpenAdmin, PinKey, SubmitPin, RequestUpload, RequestReload, ExitApp, Wake>;

// Side effects the Flow asks its owner to perform.
struct NoEffect {};
struct SaveCheckIn {
    int score;
    std::vector<std::string> reasons;  // sorted
};                                     // then call saved() or saveFailed()
struct SaveBuddy {
    std::string kind;
    std::vector<std::string> times;  // sorted
    std::string firstName;
    std::string contact;
};  // then call saved() or saveFailed()
struct VerifyPin {
    std::string pin;  // then call pinAccepted() or pinRejected()
};
struct UploadNow {};
struct ReloadConfig {};
struct Quit {};
using Effect =
    std::variant<NoEffect, SaveCheckIn, SaveBuddy, VerifyPin, UploadNow, ReloadConfig, Quit>;

inline constexpr std::size_t kMaxPinDigits = 8;
inline constexpr std::size_t kMaxFirstNameBytes = 40;
inline constexpr std::size_t kMaxContactBytes = 80;
inline constexpr std::chrono::seconds kBreathingLength{60};

struct FlowSettings {
    std::chrono::seconds thankYou{6};    // thank-you returns to welcome after this
    std::chrono::seconds idleReset{45};  // any other screen returns to welcome after this
    std::chrono::seconds cooldown{8};    // after a saved check-in, before the next may start
    std::string defaultLanguage = "en";
    std::vector<std::string> languages{"en"};  // offered; the default is one of them
    std::vector<std::string> reasons;          // option ids in display order
    std::vector<std::string> buddyKinds;
    std::vector<std::string> buddyTimes;
    bool hasSupportResources = false;  // a low score's thank-you then waits for reading
    // Buddy requests are offered only when they can be sealed for the
    // coordinator (the config has the organisation's public key).
    bool buddyOffered = true;
};

// What has been entered so far on the way to a check-in or a buddy request.
struct Draft {
    int score = 0;
    std::set<std::string> reasons;
    std::string buddyKind;
    std::set<std::string> buddyTimes;
    std::string firstName;
    std::string contact;
    Field field = Field::FirstName;
    bool shift = true;  // a first name starts with a capital
    bool symbols = false;

    bool operator==(const Draft&) const = default;
};

class Flow {
  public:
    using Clock = std::chrono::steady_clock;

    explicit Flow(FlowSettings settings);

    Screen screen() const { return screen_; }
    const std::string& language() const { return language_; }
    const Draft& draft() const { return draft_; }
    const FlowSettings& settings() const { return settings_; }
    // Seconds since the breathing exercise started (0 on other screens).
    float breathingSeconds(Clock::time_point now) const;

    // Applies one action and returns the side effect to perform, if any.
    // Actions that make no sense on the current screen (a stale tap) are ignored.
    Effect apply(const Action& action, Clock::time_point now);
    void saved(Clock::time_point now);
    void saveFailed(Clock::time_point now);
    void pinAccepted(Clock::time_point now);
    void pinRejected(Clock::time_point now);
    // New settings from a reloaded config; takes effect from the welcome screen.
    void setSettings(FlowSettings settings);

    // Digits typed on the PIN pad so far (never shown, only counted).
    std::size_t pinLength() const { return pin_.size(); }

    // Any touch keeps the current screen alive.
    void touched(Clock::time_point now) { lastActivity_ = now; }
    // Whether the site is inside its quiet hours now. In quiet hours an idle
    // welcome screen (no touch for the idle time) turns into the quiet clock,
    // and a session that ends goes straight back to it; outside them the quiet
    // clock becomes welcome.
    void setQuietHours(bool quiet, Clock::time_point now);
    bool quietHours() const { return quiet_; }
    // Applies timeouts; returns true when the screen changed.
    bool tick(Clock::time_point now);
    // When tick() next has something to do, or nullopt when nothing is timed.
    std::optional<Clock::time_point> nextDeadline() const;

  private:
    void show(Screen screen, Clock::time_point now);
    void endSession(Clock::time_point now);
    void type(const std::string& text);
    Effect applyBuddyAction(const Action& action, Clock::time_point now);

    FlowSettings settings_;
    Screen screen_ = Screen::Welcome;
    std::string language_;
    Clock::time_point shownAt_{};
    Clock::time_point lastActivity_{};
    bool quiet_ = false;
    std::optional<Clock::time_point> lastCheckInSaved_;
    enum class Saving { None, CheckIn, Buddy } saving_ = Saving::None;
    Draft draft_;
    std::string pin_;
};

}  // namespace carekiosk::ui
