// The staff flow as a state machine, with time injected: every walk-away
// point, the Still there? prompt, the cooldown, the buddy form and the PIN
// pad. A small outbox model stands in for the kiosk's: it records what the
// controller would store for each effect, so each test can say what a
// manager would eventually receive.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "carekiosk/ui/flow.hpp"

using namespace carekiosk::ui;
using namespace std::chrono;

namespace {

FlowSettings settings() {
    FlowSettings s;
    s.idleReset = seconds(30);
    s.cooldown = seconds(8);
    s.defaultLanguage = "en";
    s.languages = {"en", "cy", "pl"};
    s.reasons = {"workload", "team", "health"};
    s.buddyKinds = {"coffee", "walk"};
    s.buddyTimes = {"mornings", "lunchtimes"};
    return s;
}
const Flow::Clock::time_point t0{};

bool noEffect(const Effect& effect) {
    return std::holds_alternative<NoEffect>(effect);
}

// What the kiosk's outbox would hold: each check-in with its face, reasons
// and whether it is still open (not yet uploadable).
struct StoredCheckIn {
    int score;
    std::vector<std::string> reasons;
    bool open;
    bool operator==(const StoredCheckIn&) const = default;
};

// Plays the controller's part: performs each effect on a model outbox and
// reports the outcome to the flow, as AppController does.
class Kiosk {
  public:
    explicit Kiosk(FlowSettings s = settings()) : flow(std::move(s)) {}

    Flow flow;
    std::vector<StoredCheckIn> stored;
    std::vector<SaveBuddy> buddies;
    bool failNextSave = false;

    void tap(const Action& action, Flow::Clock::time_point now) {
        perform(flow.apply(action, now), now);
    }
    bool tick(Flow::Clock::time_point now) {
        Effect effect = NoEffect{};
        const bool changed = flow.tick(now, &effect);
        perform(effect, now);
        return changed;
    }
    // The uploader's view: closed check-ins only.
    std::vector<StoredCheckIn> uploadable() const {
        std::vector<StoredCheckIn> closed;
        for (const auto& c : stored) {
            if (!c.open) {
                closed.push_back(c);
            }
        }
        return closed;
    }
    // Nothing of the last person on screen: the welcome screen, nothing
    // entered, no prompt.
    bool blank() const {
        return flow.screen() == Screen::Welcome && flow.draft() == Draft{} && !flow.stillThere() &&
               !flow.checkInOpen();
    }

  private:
    StoredCheckIn* open() {
        for (auto& c : stored) {
            if (c.open) {
                return &c;
            }
        }
        return nullptr;
    }
    void perform(const Effect& effect, Flow::Clock::time_point now) {
        if (const auto* close = std::get_if<CloseCheckIn>(&effect)) {
            REQUIRE(open());
            open()->reasons = close->reasons;
            open()->open = false;
            if (close->confirm) {
                flow.saved(now);
            }
            return;
        }
        const bool saves = std::holds_alternative<SaveCheckIn>(effect) ||
                           std::holds_alternative<ReviseCheckIn>(effect) ||
                           std::holds_alternative<SaveBuddy>(effect);
        if (!saves) {
            return;
        }
        if (std::exchange(failNextSave, false)) {
            if (std::holds_alternative<ReviseCheckIn>(effect)) {
                open()->open = false;  // as the controller does: the first face stands
            }
            flow.saveFailed(now);
            return;
        }
        if (const auto* save = std::get_if<SaveCheckIn>(&effect)) {
            REQUIRE_FALSE(open());  // one open at a time
            stored.push_back({save->score, save->reasons, save->open});
        } else if (const auto* revise = std::get_if<ReviseCheckIn>(&effect)) {
            REQUIRE(open());
            open()->score = revise->score;
        } else if (const auto* buddy = std::get_if<SaveBuddy>(&effect)) {
            buddies.push_back(*buddy);
        }
        flow.saved(now);
    }
};

// Welcome -> pulse -> a face (stored, open) -> reasons.
void toReasons(Kiosk& k, int score, Flow::Clock::time_point now) {
    k.tap(StartCheckIn{}, now);
    REQUIRE(k.flow.screen() == Screen::Pulse);
    k.tap(ChooseScore{score}, now);
    REQUIRE(k.flow.screen() == Screen::Reasons);
}

// Lets the idle time pass, then the prompt's if one shows, with no answer.
// Returns whether a prompt asked first.
bool walkAway(Kiosk& k, Flow::Clock::time_point from) {
    const auto deadline = k.flow.nextDeadline();
    REQUIRE(deadline);
    CHECK(*deadline >= from);
    CHECK(k.tick(*deadline));
    if (!k.flow.stillThere()) {
        return false;
    }
    CHECK(k.tick(*deadline + kStillThere));
    return true;
}

}  // namespace

TEST_CASE("the face is the answer: stored when tapped, before the reasons show") {
    Kiosk k;
    k.tap(StartCheckIn{}, t0);
    CHECK(k.stored.empty());
    k.tap(ChooseScore{4}, t0);
    // Stored already, open: reasons may follow, and no batch takes it yet.
    CHECK(k.stored == std::vector<StoredCheckIn>{{4, {}, true}});
    CHECK(k.uploadable().empty());
    CHECK(k.flow.screen() == Screen::Reasons);
    CHECK(k.flow.checkInOpen());
    k.tap(ToggleReason{"workload"}, t0);
    k.tap(ToggleReason{"team"}, t0);
    k.tap(ToggleReason{"workload"}, t0);  // a second tap takes it back
    k.tap(ToggleReason{"parking"}, t0);   // not in this question set: ignored
    k.tap(SubmitCheckIn{}, t0 + seconds(2));
    CHECK(k.flow.screen() == Screen::ThankYou);
    CHECK(k.stored == std::vector<StoredCheckIn>{{4, {"team"}, false}});
    CHECK(k.flow.draft() == Draft{});  // saved: nothing of it stays in memory
    k.tap(Dismiss{}, t0 + seconds(3));
    CHECK(k.blank());
}

TEST_CASE("skip closes the check-in with its face and without the reasons picked") {
    Kiosk k;
    toReasons(k, 2, t0);
    k.tap(ToggleReason{"health"}, t0);
    k.tap(SubmitCheckIn{true}, t0);
    CHECK(k.stored == std::vector<StoredCheckIn>{{2, {}, false}});
    CHECK(k.flow.screen() == Screen::ThankYou);
}

TEST_CASE("a question set without reasons stores the face closed, straight to thanks") {
    auto s = settings();
    s.reasons.clear();
    Kiosk k(s);
    k.tap(StartCheckIn{}, t0);
    k.tap(ChooseScore{5}, t0);
    CHECK(k.stored == std::vector<StoredCheckIn>{{5, {}, false}});
    CHECK(k.flow.screen() == Screen::ThankYou);
}

TEST_CASE("back from the reasons changes the face of the same check-in, never a second one") {
    Kiosk k;
    toReasons(k, 3, t0);
    k.tap(ToggleReason{"team"}, t0);
    k.tap(GoBack{}, t0);
    CHECK(k.flow.screen() == Screen::Pulse);
    k.tap(ChooseScore{1}, t0);
    CHECK(k.flow.screen() == Screen::Reasons);
    CHECK(k.flow.draft().reasons == std::set<std::string>{"team"});  // still this person's
    // Back to the faces and Back again returns to the reasons: the answer
    // is given; leaving is Submit, Skip or walking away.
    k.tap(GoBack{}, t0);
    k.tap(GoBack{}, t0);
    CHECK(k.flow.screen() == Screen::Reasons);
    k.tap(SubmitCheckIn{}, t0);
    CHECK(k.stored == std::vector<StoredCheckIn>{{1, {"team"}, false}});
}

TEST_CASE("walking away at any point stores the face once, and leaves nothing on screen") {
    SECTION("on the faces, before choosing: nothing to store, nothing to ask") {
        Kiosk k;
        k.tap(StartCheckIn{}, t0);
        CHECK_FALSE(walkAway(k, t0));
        CHECK(k.stored.empty());
        CHECK(k.blank());
    }
    SECTION("on the reasons, with chips ticked: the face, without the unsent reasons") {
        Kiosk k;
        toReasons(k, 2, t0);
        k.tap(ToggleReason{"health"}, t0 + seconds(5));
        CHECK(walkAway(k, t0 + seconds(5)));
        CHECK(k.stored == std::vector<StoredCheckIn>{{2, {}, false}});
        CHECK(k.blank());
    }
    SECTION("on the reasons, none ticked: the face is stored, so no prompt hands it on") {
        Kiosk k;
        toReasons(k, 2, t0);
        CHECK_FALSE(walkAway(k, t0));
        CHECK(k.stored == std::vector<StoredCheckIn>{{2, {}, false}});
        CHECK(k.blank());
    }
    SECTION("back on the faces after choosing one: the face chosen last") {
        Kiosk k;
        toReasons(k, 2, t0);
        k.tap(GoBack{}, t0);
        k.tap(ChooseScore{5}, t0);
        k.tap(GoBack{}, t0);
        CHECK(k.flow.screen() == Screen::Pulse);
        walkAway(k, t0);
        CHECK(k.stored == std::vector<StoredCheckIn>{{5, {}, false}});
        CHECK(k.blank());
    }
    SECTION("on the thank-you screen: closed already, nothing more") {
        Kiosk k;
        toReasons(k, 4, t0);
        k.tap(SubmitCheckIn{}, t0);
        walkAway(k, t0);
        CHECK(k.stored == std::vector<StoredCheckIn>{{4, {}, false}});
        CHECK(k.blank());
    }
    SECTION("on the buddy form after a check-in: the check-in untouched, the form gone") {
        Kiosk k;
        toReasons(k, 3, t0);
        k.tap(SubmitCheckIn{}, t0);
        k.tap(StartBuddy{}, t0);
        k.tap(ChooseBuddyKind{"walk"}, t0);
        k.tap(Next{}, t0);
        k.tap(TypeText{"S"}, t0);
        walkAway(k, t0);
        CHECK(k.stored == std::vector<StoredCheckIn>{{3, {}, false}});
        CHECK(k.buddies.empty());
        CHECK(k.blank());
    }
    SECTION("answering the prompt with Start over: the same as walking away") {
        Kiosk k;
        toReasons(k, 1, t0);
        k.tap(ToggleReason{"team"}, t0);
        REQUIRE(k.tick(*k.flow.nextDeadline()));
        k.tap(StartOver{}, t0 + seconds(31));
        CHECK(k.stored == std::vector<StoredCheckIn>{{1, {}, false}});
        CHECK(k.blank());
    }
    SECTION("the admin corner in the middle: the check-in closes, nothing is kept") {
        Kiosk k;
        toReasons(k, 2, t0);
        k.tap(OpenAdmin{}, t0);
        CHECK(k.flow.screen() == Screen::AdminPin);
        CHECK(k.stored == std::vector<StoredCheckIn>{{2, {}, false}});
        CHECK(k.flow.draft() == Draft{});
    }
}

TEST_CASE("before a timeout takes anything away, Still there? asks, for 20 seconds") {
    Kiosk k;
    toReasons(k, 2, t0);
    k.tap(ToggleReason{"team"}, t0 + seconds(10));
    // Idle time counts from the last touch.
    CHECK(k.flow.nextDeadline() == t0 + seconds(40));
    CHECK_FALSE(k.tick(t0 + seconds(39)));
    CHECK_FALSE(k.flow.stillThere());
    CHECK(k.tick(t0 + seconds(40)));
    CHECK(k.flow.stillThere());
    CHECK(k.flow.screen() == Screen::Reasons);  // under the prompt, kept
    CHECK(k.flow.secondsLeft(t0 + seconds(40)) == 20);
    CHECK(k.flow.secondsLeft(t0 + seconds(51) + milliseconds(500)) == 9);
    // Under the prompt, only the prompt answers: a stray tap does nothing.
    k.tap(ToggleReason{"health"}, t0 + seconds(45));
    CHECK(k.flow.draft().reasons == std::set<std::string>{"team"});
    // "I need more time": everything as it was, and the full idle time again.
    k.tap(StillHere{}, t0 + seconds(59));
    CHECK_FALSE(k.flow.stillThere());
    CHECK(k.flow.draft().reasons == std::set<std::string>{"team"});
    CHECK(k.flow.nextDeadline() == t0 + seconds(89));
    // It can be asked for again and again.
    CHECK(k.tick(t0 + seconds(89)));
    k.tap(StillHere{}, t0 + seconds(100));
    k.tap(SubmitCheckIn{}, t0 + seconds(101));
    CHECK(k.stored == std::vector<StoredCheckIn>{{2, {"team"}, false}});
}

TEST_CASE("screens with support or an explanation ask before going, on every path alike") {
    auto s = settings();
    s.hasSupportResources = true;
    s.idleReset = seconds(10);  // a site's shortest: reading still gets its minute
    for (int score = 1; score <= 5; ++score) {
        Kiosk k(s);
        toReasons(k, score, t0);
        k.tap(SubmitCheckIn{}, t0);
        INFO("score " << score);
        // The same time after every answer: how long it stays says nothing.
        CHECK(k.flow.nextDeadline() == t0 + kReadingTime);
        CHECK_FALSE(k.tick(t0 + kReadingTime - seconds(1)));
        CHECK(k.tick(t0 + kReadingTime));
        CHECK(k.flow.stillThere());
        CHECK(k.flow.screen() == Screen::ThankYou);
    }
    Kiosk about(s);
    about.tap(ShowAbout{}, t0);
    CHECK(about.tick(t0 + kReadingTime));
    CHECK(about.flow.stillThere());
    // A buddy form with nothing chosen yet has nothing to lose: it just goes.
    Kiosk buddy(s);
    buddy.tap(StartBuddy{}, t0);
    CHECK(buddy.tick(t0 + seconds(10)));
    CHECK(buddy.blank());
}

TEST_CASE("an idle welcome screen in the last person's language returns to the site's") {
    Kiosk k;
    k.tap(ChooseLanguage{"pl"}, t0);
    k.tap(StartBuddy{}, t0 + seconds(1));
    k.tap(GoBack{}, t0 + seconds(2));  // back by choice: the language stays for now
    CHECK(k.flow.language() == "pl");
    CHECK(k.flow.nextDeadline() == t0 + seconds(32));
    CHECK(k.tick(t0 + seconds(32)));
    CHECK(k.flow.language() == "en");
    CHECK(k.blank());
    CHECK_FALSE(k.flow.nextDeadline());  // and then nothing is timed
}

TEST_CASE("the breathing exercise is never cut short, then waits the idle time and goes") {
    Kiosk k;
    k.tap(StartBreathing{}, t0);
    CHECK(k.flow.screen() == Screen::Breathing);
    CHECK(k.flow.breathingSeconds(t0 + seconds(30)) == Approx(30.0f));
    CHECK_FALSE(k.tick(t0 + seconds(59)));
    CHECK_FALSE(k.tick(t0 + seconds(89)));
    CHECK(k.tick(t0 + seconds(90)));
    CHECK(k.blank());  // nothing entered, nothing to read: no prompt
    CHECK(k.flow.breathingSeconds(t0 + seconds(111)) == 0.0f);
}

TEST_CASE("the language resets to the site default when a session ends") {
    Kiosk k;
    k.tap(ChooseLanguage{"cy"}, t0);
    CHECK(k.flow.language() == "cy");
    k.tap(ChooseLanguage{"de"}, t0);  // not offered here
    CHECK(k.flow.language() == "cy");
    k.tap(ShowAbout{}, t0);
    k.tap(GoBack{}, t0);
    CHECK(k.flow.language() == "cy");  // going back by choice keeps it
    k.tap(StartCheckIn{}, t0);
    CHECK(k.flow.language() == "cy");  // kept through the flow
    walkAway(k, t0);
    CHECK(k.flow.language() == "en");
    k.tap(ChooseLanguage{"pl"}, t0 + seconds(60));
    toReasons(k, 4, t0 + seconds(60));
    k.tap(SubmitCheckIn{}, t0 + seconds(60));
    k.tap(Dismiss{}, t0 + seconds(61));
    CHECK(k.flow.language() == "en");
}

TEST_CASE("a check-in right after another welcomes the newcomer, counts down, then starts") {
    Kiosk k;
    toReasons(k, 4, t0);
    k.tap(SubmitCheckIn{}, t0);
    k.tap(Dismiss{}, t0 + seconds(1));
    k.tap(StartCheckIn{}, t0 + seconds(2));
    CHECK(k.flow.screen() == Screen::Cooldown);  // no faces yet, so nothing to stuff
    CHECK(k.flow.secondsLeft(t0 + seconds(2)) == 6);
    CHECK(k.flow.nextDeadline() == t0 + seconds(8));
    CHECK_FALSE(k.tick(t0 + seconds(7)));
    // The countdown ends in this person's own check-in, with no further tap.
    CHECK(k.tick(t0 + seconds(8)));
    CHECK(k.flow.screen() == Screen::Pulse);
    k.tap(ChooseScore{2}, t0 + seconds(9));
    CHECK(k.stored.size() == 2);
    // Back on the countdown returns to welcome.
    Kiosk other;
    toReasons(other, 3, t0);
    other.tap(SubmitCheckIn{}, t0);
    other.tap(Dismiss{}, t0);
    other.tap(StartCheckIn{}, t0);
    other.tap(GoBack{}, t0);
    CHECK(other.blank());
}

TEST_CASE("stale taps are ignored, and only one save runs at a time") {
    Flow flow(settings());
    CHECK(noEffect(flow.apply(ChooseScore{3}, t0)));  // a face tap that arrives on welcome
    CHECK(noEffect(flow.apply(SubmitCheckIn{}, t0)));
    CHECK(flow.screen() == Screen::Welcome);
    flow.apply(StartCheckIn{}, t0);
    REQUIRE(std::holds_alternative<SaveCheckIn>(flow.apply(ChooseScore{3}, t0)));
    CHECK(noEffect(flow.apply(ChooseScore{4}, t0)));  // a second face while saving
    CHECK(noEffect(flow.apply(GoBack{}, t0)));
    CHECK_FALSE(flow.tick(t0 + hours(1)));  // no reset in the middle of a save
    flow.saved(t0);
    CHECK(flow.screen() == Screen::Reasons);
    const Effect close = flow.apply(SubmitCheckIn{}, t0);
    REQUIRE(std::holds_alternative<CloseCheckIn>(close));
    CHECK(noEffect(flow.apply(SubmitCheckIn{}, t0)));  // double tap while closing
    flow.saved(t0);
    CHECK(flow.screen() == Screen::ThankYou);
}

TEST_CASE("a failed save shows the failure, never a thank-you") {
    Kiosk k;
    k.tap(StartCheckIn{}, t0);
    k.failNextSave = true;
    k.tap(ChooseScore{2}, t0);
    CHECK(k.flow.screen() == Screen::SaveFailed);
    CHECK(k.stored.empty());
    CHECK_FALSE(k.flow.checkInOpen());
    walkAway(k, t0);
    CHECK(k.blank());
}

TEST_CASE("a change of face that cannot be saved keeps the first face, and says so") {
    Kiosk k;
    toReasons(k, 2, t0);
    k.tap(GoBack{}, t0);
    k.failNextSave = true;
    k.tap(ChooseScore{4}, t0);
    CHECK(k.flow.screen() == Screen::SaveFailed);
    CHECK(k.flow.firstAnswerKept());  // not "nothing was recorded"
    CHECK(k.stored == std::vector<StoredCheckIn>{{2, {}, false}});
    CHECK(k.uploadable().size() == 1);  // released, not held until a restart
    k.tap(Dismiss{}, t0);
    CHECK(k.blank());
    CHECK_FALSE(k.flow.firstAnswerKept());
}

TEST_CASE("the cooldown runs from the end of a check-in, however long its reasons took") {
    Kiosk k;
    toReasons(k, 3, t0);
    k.tap(ToggleReason{"team"}, t0 + seconds(20));
    k.tap(SubmitCheckIn{}, t0 + seconds(25));
    k.tap(Dismiss{}, t0 + seconds(26));
    k.tap(StartCheckIn{}, t0 + seconds(27));
    CHECK(k.flow.screen() == Screen::Cooldown);
    CHECK(k.flow.secondsLeft(t0 + seconds(27)) == 6);
}

TEST_CASE("a buddy request: kind, times, typed contact, send, and nothing kept") {
    Kiosk k;
    k.tap(StartBuddy{}, t0);
    CHECK(k.flow.screen() == Screen::BuddyKind);
    k.tap(ChooseBuddyKind{"tea"}, t0);  // not offered: ignored
    CHECK(k.flow.screen() == Screen::BuddyKind);
    k.tap(ChooseBuddyKind{"walk"}, t0);
    CHECK(k.flow.screen() == Screen::BuddyWhen);
    k.tap(ToggleBuddyTime{"lunchtimes"}, t0);
    k.tap(ToggleBuddyTime{"mornings"}, t0);
    k.tap(Next{}, t0);
    CHECK(k.flow.screen() == Screen::BuddyContact);
    CHECK(k.flow.draft().field == Field::FirstName);
    CHECK(k.flow.draft().shift);  // a name starts with a capital
    // Send with nothing typed is never silent: the screen is told to say why.
    CHECK_FALSE(k.flow.draft().sendTried);
    k.tap(SendBuddy{}, t0);
    CHECK(k.buddies.empty());
    CHECK(k.flow.draft().sendTried);
    CHECK(k.flow.screen() == Screen::BuddyContact);
    for (const char* key : {"S", "a", "m", "x"}) {
        k.tap(TypeText{key}, t0);
    }
    k.tap(Backspace{}, t0);
    CHECK(k.flow.draft().firstName == "Sam");
    CHECK_FALSE(k.flow.draft().shift);  // shift was for one letter
    k.tap(SendBuddy{}, t0);             // no contact yet
    CHECK(k.buddies.empty());
    k.tap(FocusField{Field::Contact}, t0);
    for (const char* key : {"d", "e", "s", "k", " ", "4", "ł"}) {
        k.tap(TypeText{key}, t0);
    }
    k.tap(Backspace{}, t0);  // removes the whole two-byte ł
    CHECK(k.flow.draft().contact == "desk 4");
    k.tap(SendBuddy{}, t0);
    REQUIRE(k.buddies.size() == 1);
    CHECK(k.buddies[0].kind == "walk");
    CHECK(k.buddies[0].times == std::vector<std::string>{"lunchtimes", "mornings"});
    CHECK(k.buddies[0].firstName == "Sam");
    CHECK(k.buddies[0].contact == "desk 4");
    CHECK(k.flow.screen() == Screen::BuddySent);
    CHECK(k.flow.draft() == Draft{});  // not kept once stored
}

TEST_CASE("a half-typed request survives a Still there? answered, and goes without one") {
    Kiosk k;
    k.tap(StartBuddy{}, t0);
    k.tap(ChooseBuddyKind{"coffee"}, t0);
    k.tap(Next{}, t0);
    for (int i = 0; i < 100; ++i) {
        k.tap(TypeText{"a"}, t0);
    }
    CHECK(k.flow.draft().firstName.size() == kMaxFirstNameBytes);  // capped
    REQUIRE(k.tick(t0 + seconds(30)));
    k.tap(StillHere{}, t0 + seconds(35));
    CHECK(k.flow.draft().firstName.size() == kMaxFirstNameBytes);
    walkAway(k, t0 + seconds(35));
    CHECK(k.blank());
}

TEST_CASE("a buddy request can follow a check-in, and shares nothing with it") {
    Kiosk k;
    toReasons(k, 2, t0);
    k.tap(ToggleReason{"team"}, t0);
    k.tap(SubmitCheckIn{}, t0);
    k.tap(StartBuddy{}, t0);
    CHECK(k.flow.screen() == Screen::BuddyKind);
    CHECK(k.flow.draft() == Draft{});
}

TEST_CASE("the admin PIN pad: digits, delete, submit, Cancel, and it times out") {
    Kiosk k;
    k.tap(StartCheckIn{}, t0);
    k.tap(OpenAdmin{}, t0);
    CHECK(k.flow.screen() == Screen::AdminPin);
    CHECK(noEffect(k.flow.apply(SubmitPin{}, t0)));  // nothing typed: nothing to check
    for (char key : {'1', '2', '9', '<', '3', 'x'}) {
        k.tap(PinKey{key}, t0);
    }
    CHECK(k.flow.pinLength() == 3);
    const Effect submitted = k.flow.apply(SubmitPin{}, t0);
    REQUIRE(std::holds_alternative<VerifyPin>(submitted));
    CHECK(std::get<VerifyPin>(submitted).pin == "123");
    k.flow.pinRejected(t0);
    CHECK(k.flow.pinLength() == 0);
    // Cancel leaves at once.
    k.tap(Dismiss{}, t0);
    CHECK(k.blank());
    // Left alone, the pad goes by itself after the idle time, without a prompt
    // (there is nothing of a person's on it).
    k.tap(OpenAdmin{}, t0);
    k.tap(PinKey{'4'}, t0 + seconds(1));
    CHECK_FALSE(k.tick(t0 + seconds(30)));
    CHECK(k.tick(t0 + seconds(31)));
    CHECK_FALSE(k.flow.stillThere());
    CHECK(k.blank());
    CHECK(k.flow.pinLength() == 0);
}

TEST_CASE("the admin panel opens with the PIN and, unattended, closes after the idle time") {
    Kiosk k;
    k.tap(OpenAdmin{}, t0);
    k.tap(PinKey{'1'}, t0);
    k.flow.pinAccepted(t0);
    CHECK(k.flow.screen() == Screen::Admin);
    CHECK(k.flow.pinLength() == 0);
    CHECK(std::holds_alternative<UploadNow>(k.flow.apply(RequestUpload{}, t0)));
    CHECK(std::holds_alternative<ReloadConfig>(k.flow.apply(RequestReload{}, t0)));
    CHECK(std::holds_alternative<Quit>(k.flow.apply(ExitApp{}, t0)));
    CHECK_FALSE(k.tick(t0 + seconds(29)));
    CHECK(k.tick(t0 + seconds(30)));
    CHECK(k.blank());
    CHECK(noEffect(k.flow.apply(RequestUpload{}, t0 + seconds(31))));  // only from the panel
}

TEST_CASE("in quiet hours an idle welcome dims to the clock, a touch wakes it, and it returns") {
    Kiosk k;
    k.flow.setQuietHours(true, t0 + seconds(29));
    CHECK(k.flow.screen() == Screen::Welcome);  // touched (started) less than 30 s ago
    k.flow.setQuietHours(true, t0 + seconds(30));
    CHECK(k.flow.screen() == Screen::Quiet);  // nobody has touched it for the idle time
    k.tap(Wake{}, t0 + seconds(31));
    CHECK(k.flow.screen() == Screen::Welcome);
    CHECK(k.flow.nextDeadline() == t0 + seconds(61));
    CHECK(k.tick(t0 + seconds(61)));
    CHECK(k.flow.screen() == Screen::Quiet);
    // A check-in during quiet hours works, and its end goes straight back to the clock.
    k.tap(Wake{}, t0 + seconds(70));
    toReasons(k, 4, t0 + seconds(71));
    k.tap(SubmitCheckIn{}, t0 + seconds(72));
    CHECK(k.flow.screen() == Screen::ThankYou);
    walkAway(k, t0 + seconds(72));
    CHECK(k.flow.screen() == Screen::Quiet);
    CHECK(k.stored == std::vector<StoredCheckIn>{{4, {}, false}});
    // Opening hours: the clock gives way to welcome at once.
    k.flow.setQuietHours(false, t0 + seconds(200));
    CHECK(k.flow.screen() == Screen::Welcome);
    CHECK_FALSE(k.flow.nextDeadline());
}

TEST_CASE("the screen tour can show the prompt where idling would, and nowhere else") {
    Kiosk k;
    CHECK_FALSE(k.flow.askStillThere(t0));  // welcome never asks
    toReasons(k, 3, t0);
    CHECK_FALSE(k.flow.askStillThere(t0));  // nothing ticked: nothing to lose
    k.tap(ToggleReason{"team"}, t0);
    CHECK(k.flow.askStillThere(t0));
    CHECK(k.flow.secondsLeft(t0) == 20);
}
