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
        case Screen::Paused:
            return "paused";
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
    if (screen != Screen::SaveFailed) {
        firstAnswerKept_ = false;
    }
    prompting_ = false;
    if (screen == Screen::Welcome) {
        draft_ = Draft{};  // going back to the start discards what was entered
    }
    screen_ = screen;
    shownAt_ = now;
    lastActivity_ = now;
}

Effect Flow::endSession(Clock::time_point now) {
    // The next person starts afresh: nothing entered, the site's language. A
    // check-in still open is complete as it stands: the face was the answer.
    Effect effect = NoEffect{};
    if (std::exchange(checkInOpen_, false)) {
        effect = CloseCheckIn{};
    }
    show(Screen::Welcome, now);
    language_ = settings_.defaultLanguage;
    return effect;
}

bool Flow::asksBeforeReset() const {
    // Only where a timeout would take something away: what the person
    // entered and has not stored, or something to read. Elsewhere nothing is
    // lost, and asking would only hand the screen to the next passer-by.
    switch (screen_) {
        case Screen::About:
        case Screen::ThankYou:  // the support resources
        case Screen::SaveFailed:
        case Screen::BuddySent:
            return true;
        case Screen::Reasons:
            return !draft_.reasons.empty();  // the face is stored already
        case Screen::BuddyKind:
        case Screen::BuddyWhen:
        case Screen::BuddyContact:
            return !draft_.buddyKind.empty() || !draft_.buddyTimes.empty() ||
                   !draft_.firstName.empty() || !draft_.contact.empty();
        default:
            return false;
    }
}

int Flow::secondsLeft(Clock::time_point now) const {
    std::optional<Clock::time_point> until;
    if (prompting_) {
        until = promptedAt_ + kStillThere;
    } else if (screen_ == Screen::Cooldown && lastCheckInSaved_) {
        until = *lastCheckInSaved_ + settings_.cooldown;
    }
    if (!until || *until <= now) {
        return 0;
    }
    return static_cast<int>(std::chrono::ceil<std::chrono::seconds>(*until - now).count());
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
    if (prompting_) {
        // Only the prompt's buttons answer; the screen under it is not drawn.
        if (std::holds_alternative<StillHere>(action)) {
            prompting_ = false;
        } else if (std::holds_alternative<StartOver>(action)) {
            Effect effect = endSession(now);
            if (quiet_) {
                show(Screen::Quiet, now);
            }
            return effect;
        }
        return NoEffect{};
    }
    if (std::holds_alternative<OpenAdmin>(action)) {
        Effect effect = NoEffect{};
        if (isStaffScreen(screen_)) {
            if (std::exchange(checkInOpen_, false)) {
                effect = CloseCheckIn{};
            }
            show(Screen::AdminPin, now);  // anything half-entered is discarded
            draft_ = Draft{};
        }
        return effect;
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
                show(checkInsPaused_ ? Screen::Paused
                     : coolingDown   ? Screen::Cooldown
                                     : Screen::Pulse,
                     now);
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
                if (checkInOpen_) {
                    // Back from the reasons to change the face: the same check-in.
                    saving_ = Saving::Revise;
                    return ReviseCheckIn{draft_.score};
                }
                // The face is the answer: saved now, before anything else shows.
                saving_ = Saving::CheckIn;
                savingOpen_ = !settings_.reasons.empty();
                return SaveCheckIn{draft_.score, {}, savingOpen_};
            } else if (std::holds_alternative<GoBack>(action) ||
                       std::holds_alternative<Dismiss>(action)) {
                // With a check-in open, Back returns to its reasons.
                show(checkInOpen_ && screen_ == Screen::Pulse ? Screen::Reasons : Screen::Welcome,
                     now);
            }
            break;
        case Screen::Reasons:
            if (const auto* reason = std::get_if<ToggleReason>(&action);
                reason && contains(settings_.reasons, reason->id)) {
                toggle(draft_.reasons, reason->id);
            } else if (const auto* submit = std::get_if<SubmitCheckIn>(&action)) {
                saving_ = Saving::Close;
                CloseCheckIn close;
                close.confirm = true;
                if (!submit->skipReasons) {
                    close.reasons.assign(draft_.reasons.begin(), draft_.reasons.end());
                }
                return close;
            } else if (std::holds_alternative<GoBack>(action)) {
                show(Screen::Pulse, now);  // to change the face; the check-in stays
            }
            break;
        case Screen::ThankYou:
            if (std::holds_alternative<StartBuddy>(action) && settings_.buddyOffered) {
                show(Screen::BuddyKind, now);
            } else if (std::holds_alternative<Dismiss>(action)) {
                return endSession(now);
            }
            break;
        case Screen::SaveFailed:
        case Screen::Cooldown:
        case Screen::BuddySent:
        case Screen::Paused:
            if (std::holds_alternative<Dismiss>(action) || std::holds_alternative<GoBack>(action)) {
                return endSession(now);
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
                return endSession(now);
            }
            break;
        case Screen::Admin:
            if (std::holds_alternative<RequestUpload>(action)) {
                return UploadNow{};
            } else if (std::holds_alternative<RequestResend>(action)) {
                return ResendRefused{};
            } else if (std::holds_alternative<RequestReload>(action)) {
                return ReloadConfig{};
            } else if (std::holds_alternative<ExitApp>(action)) {
                return Quit{};
            } else if (std::holds_alternative<Dismiss>(action)) {
                return endSession(now);
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
    } else if (std::holds_alternative<SendBuddy>(action)) {
        if (blank(draft_.firstName) || blank(draft_.contact)) {
            draft_.sendTried = true;  // never silence: the screen names what is missing
            return NoEffect{};
        }
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
        if (savingOpen_) {
            // Saved: the reasons are an optional addition to it. The face
            // stays in the draft only for this person's Back.
            checkInOpen_ = true;
            show(Screen::Reasons, now);
            return;
        }
    } else if (what == Saving::Revise) {
        show(Screen::Reasons, now);
        return;
    } else if (what == Saving::Close) {
        checkInOpen_ = false;
        lastCheckInSaved_ = now;  // the cooldown runs from the end of the check-in
    }
    draft_ = Draft{};  // stored now; nothing entered stays in memory
    show(what == Saving::Buddy ? Screen::BuddySent : Screen::ThankYou, now);
}

void Flow::saveFailed(Clock::time_point now) {
    // A face that could not be changed leaves the check-in as first saved:
    // the controller closes it with that face, and the screen says so
    // rather than that nothing was recorded.
    const Saving what = std::exchange(saving_, Saving::None);
    firstAnswerKept_ = what == Saving::Revise;
    checkInOpen_ = false;
    draft_ = Draft{};
    show(Screen::SaveFailed, now);
}

std::optional<Flow::Clock::time_point> Flow::nextDeadline() const {
    if (prompting_) {
        return promptedAt_ + kStillThere;
    }
    switch (screen_) {
        case Screen::Welcome:
            // An idle welcome changes only in quiet hours (to the clock) or
            // when it still shows the last person's language.
            return quiet_ || language_ != settings_.defaultLanguage
                       ? std::optional(lastActivity_ + settings_.idleReset)
                       : std::nullopt;
        case Screen::Quiet:
            return std::nullopt;
        case Screen::Cooldown:
            // The countdown, then on into this person's check-in.
            return lastCheckInSaved_ ? *lastCheckInSaved_ + settings_.cooldown : shownAt_;
        case Screen::Breathing:
            return std::max(shownAt_ + kBreathingLength, lastActivity_) + settings_.idleReset;
        case Screen::ThankYou:
        case Screen::About:
            // Support resources and the explainer stay at least kReadingTime,
            // however short the site's idle time.
            return lastActivity_ + std::max(settings_.idleReset, kReadingTime);
        default:
            // The same time after every screen and every answer: how long a
            // screen stays says nothing about what was chosen on it.
            return lastActivity_ + settings_.idleReset;
    }
}

bool Flow::askStillThere(Clock::time_point now) {
    if (saving_ == Saving::None && asksBeforeReset()) {
        prompting_ = true;
        promptedAt_ = now;
    }
    return prompting_;
}

bool Flow::tick(Clock::time_point now, Effect* effect) {
    const auto deadline = nextDeadline();
    if (!deadline || now < *deadline || saving_ != Saving::None) {
        return false;
    }
    if (screen_ == Screen::Cooldown) {
        show(Screen::Pulse, now);
        return true;
    }
    if (!prompting_ && asksBeforeReset()) {
        // Before taking anything away: "Still there?", with time to answer.
        prompting_ = true;
        promptedAt_ = now;
        return true;
    }
    if (screen_ == Screen::Welcome && !quiet_) {
        language_ = settings_.defaultLanguage;  // the last person's language goes too
        lastActivity_ = now;
        return true;
    }
    // Returning to welcome discards anything unsubmitted: the next person
    // never sees the last person's choices, nor their language.
    Effect ended = endSession(now);
    if (effect) {
        *effect = ended;
    }
    if (quiet_) {
        show(Screen::Quiet, now);
    }
    return true;
}

}  // namespace carekiosk::ui
