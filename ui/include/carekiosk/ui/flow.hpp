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
// The face is the answer: choosing it saves the check-in at once (open, while
// reasons may follow); Submit or Skip closes it with or without reasons, and so
// does leaving or a timeout. Before a timeout takes away input not yet stored
// or something to read, a "Still there?" prompt covers the screen for
// kStillThere, with "I need more time" (WCAG 2.2.1); nothing of the person
// shows under it. Where nothing would be lost, the timeout just resets.
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
    Quiet,  // outside the site's hours: a dim clock; a touch wakes it to welcome
    Paused  // Check in while the kiosk's clock is wrong: check-ins wait until it is set
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
struct StillHere {};  // "I need more time" on the Still there? prompt
struct StartOver {};  // "Start over" on the prompt: the session ends now
struct RequestUpload {};
struct RequestResend {};  // "Re-send refused" in the admin panel
struct RequestReload {};
struct ExitApp {};
struct Wake {};  // a touch on the quiet screen
using Action =
    std::variant<StartCheckIn, StartBuddy, ShowAbout, StartBreathing, ChooseLanguage, ChooseScore,
                 ToggleReason, SubmitCheckIn, ChooseBuddyKind, ToggleBuddyTime, Next, FocusField,
                 TypeText, Backspace, ToggleShift, ToggleSymbols, SendBuddy, GoBack, Dismiss,
                 OpenAdmin, PinKey, SubmitPin, RequestUpload, RequestReload, ExitApp, Wake,
                 StillHere, StartOver, RequestResend>;

// Side effects the Flow asks its owner to perform.
struct NoEffect {};
struct SaveCheckIn {
    int score;
    std::vector<std::string> reasons;  // sorted
    // Open: reasons may follow (CloseCheckIn). Closed: it is complete (a
    // question set without reasons).
    bool open = false;
};  // then call saved() or saveFailed()
// The open check-in's face changed (the person went back to the faces).
struct ReviseCheckIn {
    int score;
};  // then call saved() or saveFailed()
// The open check-in is complete: with `reasons` (sorted; empty for none).
struct CloseCheckIn {
    std::vector<std::string> reasons;
    // Submit or Skip: call saved() or saveFailed() after. Otherwise (leaving,
    // a timeout) the flow has moved on already.
    bool confirm = false;
};
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
struct ResendRefused {};  // put the set-aside batches back in the queue, then upload
struct ReloadConfig {};
struct Quit {};
using Effect = std::variant<NoEffect, SaveCheckIn, ReviseCheckIn, CloseCheckIn, SaveBuddy,
                            VerifyPin, UploadNow, ReloadConfig, Quit, ResendRefused>;

inline constexpr std::size_t kMaxPinDigits = 8;
inline constexpr std::size_t kMaxFirstNameBytes = 40;
inline constexpr std::size_t kMaxContactBytes = 80;
inline constexpr std::chrono::seconds kBreathingLength{60};
// How long the Still there? prompt waits for an answer (WCAG 2.2.1: at least 20 s).
inline constexpr std::chrono::seconds kStillThere{20};
// Screens with something to read (the support resources, the explainer) stay
// at least this long before asking, whatever the site's idle time.
inline constexpr std::chrono::seconds kReadingTime{60};

struct FlowSettings {
    // Idle this long, a screen with input or information asks "Still there?";
    // kStillThere later, without an answer, it returns to welcome.
    std::chrono::seconds idleReset{30};
    std::chrono::seconds cooldown{8};  // after a saved check-in, before the next may start
    std::string defaultLanguage = "en";
    std::vector<std::string> languages{"en"};  // offered; the default is one of them
    std::vector<std::string> reasons;          // option ids in display order
    std::vector<std::string> buddyKinds;
    std::vector<std::string> buddyTimes;
    bool hasSupportResources = false;  // shown on every thank-you
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
    // Send was tapped with a field still empty: the screen says which.
    bool sendTried = false;

    bool operator==(const Draft&) const = default;
};

class Flow {
  public:
    using Clock = std::chrono::steady_clock;

    explicit Flow(FlowSettings settings);

    Screen screen() const { return screen_; }
    // The Still there? prompt covers the screen.
    bool stillThere() const { return prompting_; }
    // Whole seconds left on the prompt, or on the cooldown before the faces.
    int secondsLeft(Clock::time_point now) const;
    // A check-in is saved and open: the person is adding reasons to it.
    bool checkInOpen() const { return checkInOpen_; }
    // On the save-failed screen: a change of face failed, and the check-in
    // stays with the face first chosen (stored).
    bool firstAnswerKept() const { return firstAnswerKept_; }
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
    // Whether check-ins are paused (the kiosk's clock cannot be believed):
    // Check in then explains instead of showing the faces. Buddy requests
    // (they carry no time) and the breathing exercise still work.
    void setCheckInsPaused(bool paused) { checkInsPaused_ = paused; }
    bool checkInsPaused() const { return checkInsPaused_; }
    // Applies timeouts; returns true when the screen changed. `effect` gets a
    // CloseCheckIn when the timeout ends a session with an open check-in.
    bool tick(Clock::time_point now, Effect* effect = nullptr);
    // When tick() next has something to do, or nullopt when nothing is timed.
    std::optional<Clock::time_point> nextDeadline() const;
    // Shows the Still there? prompt now, as idling would, on a screen that
    // asks before it resets (the screen tour photographs it); elsewhere
    // nothing happens. Returns whether the prompt shows.
    bool askStillThere(Clock::time_point now);

  private:
    void show(Screen screen, Clock::time_point now);
    // Ends the session; returns the CloseCheckIn for an open check-in.
    Effect endSession(Clock::time_point now);
    // Whether idling on the current screen leads to the Still there? prompt.
    bool asksBeforeReset() const;
    void type(const std::string& text);
    Effect applyBuddyAction(const Action& action, Clock::time_point now);

    FlowSettings settings_;
    Screen screen_ = Screen::Welcome;
    std::string language_;
    Clock::time_point shownAt_{};
    Clock::time_point lastActivity_{};
    bool quiet_ = false;
    std::optional<Clock::time_point> lastCheckInSaved_;
    enum class Saving { None, CheckIn, Revise, Close, Buddy } saving_ = Saving::None;
    bool checkInOpen_ = false;
    bool savingOpen_ = false;  // the SaveCheckIn in flight is open
    bool prompting_ = false;
    bool firstAnswerKept_ = false;
    bool checkInsPaused_ = false;
    Clock::time_point promptedAt_{};
    Draft draft_;
    std::string pin_;
};

}  // namespace carekiosk::ui
