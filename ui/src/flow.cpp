#include "carekiosk/ui/flow.hpp"

#include <algorithm>
#include <utility>

namespace carekiosk::ui {

const char* screenName(Screen screen) {
    switch (screen) {
        case Screen::Welcome:
            return "welcome";
        case Screen::About:
            return "about";
        case Screen::Breathing:
            return "breathing";
        case Screen::Pulse:
            return "pulse";
        case Screen::Reasons:
            return "reasons";
        case Screen::ThankYou:
            return "thank-you";
        case Screen::SaveFailed:
            return "save-failed";
        case Screen::Cooldown:
            return "cooldown";
        case Screen::BuddyKind:
            return "buddy-kind";
        case Screen::BuddyWhen:
            return "buddy-when";
        case Screen::BuddyContact:
            return "buddy-contact";
        case Screen::BuddySent:
            return "buddy-sent";
        case Screen::AdminPin:
            return "admin-pin";
        case Screen::Admin:
            return "admin";
        case Screen::Quiet:
            return "quiet";
    }
    return "unknown";
}

bool isStaffScreen(Screen screen) {
    return screen != Screen::AdminPin && screen != Screen::Admin;
}

namespace {

bool contains(const std::vector<std::string>& list, const std::string& id) {
    return std::find(list.begin(), list.end(), id) != list.end();
}

void toggle(std::set<std::string>& chosen, const std::string& id) {
    if (!chosen.erase(id)) {
        chosen.insert(id);
    }
}

bool blank(const std::string& text) {
    return text.find_first_not_of(' ') == std::string::npos;
}

// Removes the last UTF-8 code point (continuation bytes are 10xxxxxx).
void popCodePoint(std::string& text) {
    while (!text.empty()) {
        const auto byte = static_cast<unsigned char>(text.back());
        text.pop_back();
        if ((byte & 0xC0) != 0x80) {
            return;
        }
    }
}

}  // namespace

Flow::Flow(FlowSettings settings) : settings_(std::move(settings)) {
    language_ = settings_.defaultLanguage;
}

void Flow::setSettings(FlowSettings settings) {
    settings_ = std::move(settings);
    if (screen_ == Screen::Welcome) {
        language_ = settings_.defaultLanguage;
    }
}

float Flow::breathingSeconds(Clock::time_point now) const {
    if (screen_ != Screen::Breathing) {
        return 0.0f;
    }
    return std::chrono::duration<float>(now - shownAt_).count();
}

void Flow::show(Screen screen, Clock::time_point now) {
    pin_.clear();  // typed digits never outlive their screen
    if (screen == Screen::Welcome) {
        draft_ = Draft{};  // going back to the start discards what was entered
    }
    screen_ = screen;
    shownAt_ = now;
    lastActivity_ = now;
}

void Flow::endSession(Clock::time_point now) {
    // The next person starts afresh: nothing entered, the site's language.
    show(Screen::Welcome, now);
    language_ = settings_.defaultLanguage;
}

void Flow::setQuietHours(bool quiet, Clock::time_point now) {
    quiet_ = quiet;
    if (!quiet_ && screen_ == Screen::Quiet) {
        show(Screen::Welcome, now);
    } else if (quiet_ && screen_ == Screen::Welcome && now >= lastActivity_ + settings_.idleReset) {
        show(Screen::Quiet, now);
    }
}

void Flow::type(const std::string& text) {
    std::string& target = draft_.field == Field::FirstName ? draft_.firstName : draft_.contact;
    const std::size_t cap =
        draft_.field == Field::FirstName ? kMaxFirstNameBytes : kMaxContactBytes;
    // The keyboard already applied shift to `text`.
    if (target.size() + text.size() <= cap) {
        target += text;
    }
    draft_.shift = false;  // shift applies to one letter, as on a phone
}

Effect Flow::apply(const Action& action, Clock::time_point now) {
    lastActivity_ = now;
    if (saving_ != Saving::None) {
        return NoEffect{};  // one save at a time
    }
    if (std::holds_alternative<OpenAdmin>(action)) {
        if (isStaffScreen(screen_)) {
            show(Screen::AdminPin, now);  // anything half-entered is discarded
            draft_ = Draft{};
        }
        return NoEffect{};
    }
    switch (screen_) {
        case Screen::Quiet:
            if (std::holds_alternative<Wake>(action)) {
                show(Screen::Welcome, now);
            }
            break;
        case Screen::Welcome:
            if (std::holds_alternative<StartCheckIn>(action)) {
                const bool coolingDown =
                    lastCheckInSaved_ && now < *lastCheckInSaved_ + settings_.cooldown;
                show(coolingDown ? Screen::Cooldown : Screen::Pulse, now);
            } else if (std::holds_alternative<StartBuddy>(action) && settings_.buddyOffered) {
                show(Screen::BuddyKind, now);
            } else if (std::holds_alternative<ShowAbout>(action)) {
                show(Screen::About, now);
            } else if (std::holds_alternative<StartBreathing>(action)) {
                show(Screen::Breathing, now);
            } else if (const auto* lang = std::get_if<ChooseLanguage>(&action);
                       lang && contains(settings_.languages, lang->code)) {
                language_ = lang->code;
            }
            break;
        case Screen::About:
        case Screen::Breathing:
        case Screen::Pulse:
            if (const auto* choose = std::get_if<ChooseScore>(&action);
                choose && screen_ == Screen::Pulse && choose->score >= 1 && choose->score <= 5) {
                draft_.score = choose->score;
                if (settings_.reasons.empty()) {
                    saving_ = Saving::CheckIn;
                    return SaveCheckIn{draft_.score, {}};
                }
                show(Screen::Reasons, now);
            } else if (std::holds_alternative<GoBack>(action) ||
                       std::holds_alternative<Dismiss>(action)) {
                show(Screen::Welcome, now);
            }
            break;
        case Screen::Reasons:
            if (const auto* reason = std::get_if<ToggleReason>(&action);
                reason && contains(settings_.reasons, reason->id)) {
                toggle(draft_.reasons, reason->id);
            } else if (const auto* submit = std::get_if<SubmitCheckIn>(&action)) {
                saving_ = Saving::CheckIn;
                SaveCheckIn save{draft_.score, {}};
                if (!submit->skipReasons) {
                    save.reasons.assign(draft_.reasons.begin(), draft_.reasons.end());
                }
                return save;
            } else if (std::holds_alternative<GoBack>(action)) {
                show(Screen::Pulse, now);
            }
            break;
        case Screen::ThankYou:
            if (std::holds_alternative<StartBuddy>(action) && settings_.buddyOffered) {
                show(Screen::BuddyKind, now);
            } else if (std::holds_alternative<Dismiss>(action)) {
                endSession(now);
            }
            break;
        case Screen::SaveFailed:
        case Screen::Cooldown:
        case Screen::BuddySent:
            if (std::holds_alternative<Dismiss>(action)) {
                endSession(now);
            }
            break;
        case Screen::BuddyKind:
        case Screen::BuddyWhen:
        case Screen::BuddyContact:
            return applyBuddyAction(action, now);
        case Screen::AdminPin:
            if (const auto* key = std::get_if<PinKey>(&action)) {
                if (key->key == '<') {
                    if (!pin_.empty()) {
                        pin_.pop_back();
                    }
                } else if (key->key >= '0' && key->key <= '9' && pin_.size() < kMaxPinDigits) {
                    pin_.push_back(key->key);
                }
            } else if (std::holds_alternative<SubmitPin>(action) && !pin_.empty()) {
                return VerifyPin{pin_};
            } else if (std::holds_alternative<Dismiss>(action)) {
                endSession(now);
            }
            break;
        case Screen::Admin:
            if (std::holds_alternative<RequestUpload>(action)) {
                return UploadNow{};
            } else if (std::holds_alternative<RequestReload>(action)) {
                return ReloadConfig{};
            } else if (std::holds_alternative<ExitApp>(action)) {
                return Quit{};
            } else if (std::holds_alternative<Dismiss>(action)) {
                endSession(now);
            }
            break;
    }
    return NoEffect{};
}

Effect Flow::applyBuddyAction(const Action& action, Clock::time_point now) {
    if (std::holds_alternative<GoBack>(action)) {
        show(screen_ == Screen::BuddyContact ? Screen::BuddyWhen
             : screen_ == Screen::BuddyWhen  ? Screen::BuddyKind
                                             : Screen::Welcome,
             now);
    } else if (const auto* kind = std::get_if<ChooseBuddyKind>(&action);
               kind && screen_ == Screen::BuddyKind && contains(settings_.buddyKinds, kind->id)) {
        draft_.buddyKind = kind->id;
        show(Screen::BuddyWhen, now);
    } else if (const auto* time = std::get_if<ToggleBuddyTime>(&action);
               time && screen_ == Screen::BuddyWhen && contains(settings_.buddyTimes, time->id)) {
        toggle(draft_.buddyTimes, time->id);
    } else if (std::holds_alternative<Next>(action) && screen_ == Screen::BuddyWhen) {
        draft_.field = Field::FirstName;
        draft_.shift = draft_.firstName.empty();
        show(Screen::BuddyContact, now);
    } else if (screen_ != Screen::BuddyContact) {
        return NoEffect{};
    } else if (const auto* focus = std::get_if<FocusField>(&action)) {
        draft_.field = focus->field;
        draft_.shift = focus->field == Field::FirstName && draft_.firstName.empty();
    } else if (const auto* text = std::get_if<TypeText>(&action)) {
        type(text->text);
    } else if (std::holds_alternative<Backspace>(action)) {
        popCodePoint(draft_.field == Field::FirstName ? draft_.firstName : draft_.contact);
    } else if (std::holds_alternative<ToggleShift>(action)) {
        draft_.shift = !draft_.shift;
    } else if (std::holds_alternative<ToggleSymbols>(action)) {
        draft_.symbols = !draft_.symbols;
    } else if (std::holds_alternative<SendBuddy>(action) && !blank(draft_.firstName) &&
               !blank(draft_.contact)) {
        saving_ = Saving::Buddy;
        return SaveBuddy{draft_.buddyKind,
                         {draft_.buddyTimes.begin(), draft_.buddyTimes.end()},
                         draft_.firstName,
                         draft_.contact};
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
    const Saving what = std::exchange(saving_, Saving::None);
    if (what == Saving::CheckIn) {
        lastCheckInSaved_ = now;
    }
    draft_ = Draft{};  // stored now; nothing entered stays in memory
    show(what == Saving::Buddy ? Screen::BuddySent : Screen::ThankYou, now);
}

void Flow::saveFailed(Clock::time_point now) {
    saving_ = Saving::None;
    draft_ = Draft{};
    show(Screen::SaveFailed, now);
}

std::optional<Flow::Clock::time_point> Flow::nextDeadline() const {
    switch (screen_) {
        case Screen::Welcome:
            // Only in quiet hours does an idle welcome screen change (to the clock).
            return quiet_ ? std::optional(lastActivity_ + settings_.idleReset) : std::nullopt;
        case Screen::Quiet:
            return std::nullopt;
        case Screen::ThankYou:
            // Support resources on screen wait for reading, after every
            // check-in alike: how long the screen stays says nothing about
            // the answer.
            if (settings_.hasSupportResources) {
                return lastActivity_ + settings_.idleReset;
            }
            return lastActivity_ + settings_.thankYou;
        case Screen::SaveFailed:
        case Screen::Cooldown:
        case Screen::BuddySent:
            return lastActivity_ + settings_.thankYou;
        case Screen::Breathing:
            return std::max(shownAt_ + kBreathingLength, lastActivity_) + settings_.idleReset;
        default:
            return lastActivity_ + settings_.idleReset;
    }
}

bool Flow::tick(Clock::time_point now) {
    const auto deadline = nextDeadline();
    if (deadline && now >= *deadline && saving_ == Saving::None) {
        // Returning to welcome discards anything unsubmitted: the next person
        // never sees the last person's choices, nor their language.
        endSession(now);
        if (quiet_) {
            show(Screen::Quiet, now);
        }
        return true;
    }
    return false;
}

}  // namespace carekiosk::ui
