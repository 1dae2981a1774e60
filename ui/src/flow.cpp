#include "carekiosk/ui/flow.hpp"

#include <algorithm>

namespace carekiosk::ui {

const char* screenName(Screen screen) {
    switch (screen) {
        case Screen::Welcome:
            return "welcome";
        case Screen::Pulse:
            return "pulse";
        case Screen::ThankYou:
            return "thank-you";
        case Screen::SaveFailed:
            return "save-failed";
    }
    return "unknown";
}

void Flow::show(Screen screen, Clock::time_point now) {
    screen_ = screen;
    shownAt_ = now;
    lastActivity_ = now;
}

std::optional<int> Flow::apply(const Action& action, Clock::time_point now) {
    lastActivity_ = now;
    if (awaitingSave_) {
        return std::nullopt;  // one save at a time
    }
    if (std::holds_alternative<StartCheckIn>(action) && screen_ == Screen::Welcome) {
        show(Screen::Pulse, now);
    } else if (const auto* choose = std::get_if<ChooseScore>(&action);
               choose && screen_ == Screen::Pulse && choose->score >= 1 && choose->score <= 5) {
        awaitingSave_ = true;
        return choose->score;
    } else if (std::holds_alternative<GoBack>(action) && screen_ == Screen::Pulse) {
        show(Screen::Welcome, now);
    } else if (std::holds_alternative<Dismiss>(action) &&
               (screen_ == Screen::ThankYou || screen_ == Screen::SaveFailed)) {
        show(Screen::Welcome, now);
    }
    return std::nullopt;
}

void Flow::saved(Clock::time_point now) {
    awaitingSave_ = false;
    show(Screen::ThankYou, now);
}

void Flow::saveFailed(Clock::time_point now) {
    awaitingSave_ = false;
    show(Screen::SaveFailed, now);
}

std::optional<Flow::Clock::time_point> Flow::nextDeadline() const {
    switch (screen_) {
        case Screen::Welcome:
            return std::nullopt;
        case Screen::ThankYou:
        case Screen::SaveFailed:
            return shownAt_ + timings_.thankYou;
        case Screen::Pulse:
            return lastActivity_ + timings_.idleReset;
    }
    return std::nullopt;
}

bool Flow::tick(Clock::time_point now) {
    const auto deadline = nextDeadline();
    if (deadline && now >= *deadline && !awaitingSave_) {
        // Returning to welcome discards anything unsubmitted: the next person
        // never sees the last person's choices.
        show(Screen::Welcome, now);
        return true;
    }
    return false;
}

}  // namespace carekiosk::ui
