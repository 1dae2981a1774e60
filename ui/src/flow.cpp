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
        case Screen::AdminPin:
            return "admin-pin";
        case Screen::Admin:
            return "admin";
    }
    return "unknown";
}

bool isStaffScreen(Screen screen) {
    return screen != Screen::AdminPin && screen != Screen::Admin;
}

void Flow::show(Screen screen, Clock::time_point now) {
    pin_.clear();  // typed digits never outlive their screen
    screen_ = screen;
    shownAt_ = now;
    lastActivity_ = now;
}

Effect Flow::apply(const Action& action, Clock::time_point now) {
    lastActivity_ = now;
    if (awaitingSave_) {
        return NoEffect{};  // one save at a time
    }
    if (std::holds_alternative<StartCheckIn>(action) && screen_ == Screen::Welcome) {
        show(Screen::Pulse, now);
    } else if (const auto* choose = std::get_if<ChooseScore>(&action);
               choose && screen_ == Screen::Pulse && choose->score >= 1 && choose->score <= 5) {
        awaitingSave_ = true;
        return SaveScore{choose->score};
    } else if (std::holds_alternative<GoBack>(action) && screen_ == Screen::Pulse) {
        show(Screen::Welcome, now);
    } else if (std::holds_alternative<Dismiss>(action) && screen_ != Screen::Welcome &&
               screen_ != Screen::Pulse) {
        show(Screen::Welcome, now);
    } else if (std::holds_alternative<OpenAdmin>(action) && isStaffScreen(screen_)) {
        show(Screen::AdminPin, now);  // anything half-entered is discarded
    } else if (const auto* key = std::get_if<PinKey>(&action); key && screen_ == Screen::AdminPin) {
        if (key->key == '<') {
            if (!pin_.empty()) {
                pin_.pop_back();
            }
        } else if (key->key >= '0' && key->key <= '9' && pin_.size() < kMaxPinDigits) {
            pin_.push_back(key->key);
        }
    } else if (std::holds_alternative<SubmitPin>(action) && screen_ == Screen::AdminPin &&
               !pin_.empty()) {
        return VerifyPin{pin_};
    } else if (std::holds_alternative<RequestUpload>(action) && screen_ == Screen::Admin) {
        return UploadNow{};
    } else if (std::holds_alternative<ExitApp>(action) && screen_ == Screen::Admin) {
        return Quit{};
    }
    return NoEffect{};
}

void Flow::pinAccepted(Clock::time_point now) {
    show(Screen::Admin, now);
}

void Flow::pinRejected(Clock::time_point now) {
    pin_.clear();
    lastActivity_ = now;
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
        case Screen::AdminPin:
        case Screen::Admin:
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
