#include "carekiosk/kiosk/app_controller.hpp"

#include "carekiosk/core/clock_check.hpp"

#include "carekiosk/kiosk/contact_seal.hpp"

#include <ctime>

#include <cstdio>
#include <filesystem>

namespace carekiosk::kiosk {

namespace {

// Beside the outbox, as private as it: the PIN pad's failures and lockout.
std::filesystem::path pinStatePath(const core::KioskConfig& config) {
    if (config.databasePath.empty()) {
        return {};
    }
    return config.databasePath + ".pin-lockout";
}

}  // namespace

AppController::AppController(const core::KioskConfig& config, const ui::Translations& translations,
                             storage::Outbox& outbox, const core::Clock& clock)
    : config_(config),
      translations_(translations),
      outbox_(outbox),
      clock_(clock),
      flow_(flowSettingsFor(config, translations)),
      gate_(config.adminPinHash, pinStatePath(config)) {
    // A check-in this outbox still holds open (a controller before this one
    // ended mid check-in) is complete as it was saved: its face. After a
    // crash or a power cut there is none: holds live in memory only.
    outbox_.closeAllOpen();
}

int localMinuteOfDay(std::chrono::system_clock::time_point t) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
    std::tm local{};
    localtime_r(&seconds, &local);
    return local.tm_hour * 60 + local.tm_min;
}

std::int64_t localDayNumber(std::chrono::system_clock::time_point t) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
    std::tm local{};
    localtime_r(&seconds, &local);
    const std::chrono::year_month_day date{std::chrono::year(local.tm_year + 1900),
                                           std::chrono::month(unsigned(local.tm_mon + 1)),
                                           std::chrono::day(unsigned(local.tm_mday))};
    return std::chrono::sys_days(date).time_since_epoch().count();
}

bool AppController::tick(ui::Flow::Clock::time_point now) {
    const auto before = flow_.screen();
    // A clock that cannot be right pauses check-ins (never a thank-you for an
    // answer filed under a day that never was).
    clockProblem_ = core::clockProblem(clock_.now(), uploadStatus_.collectorSkew);
    // So does an outbox that cannot save (KioskApp keeps trying to open it).
    flow_.setCheckInsPaused(clockProblem_.has_value() || outbox_.unavailableReason().has_value());
    if (config_.quietHours) {
        const int minute = localMinuteOfDay(clock_.now());
        flow_.setQuietHours(config_.quietHours->contains(minute), now);
        const bool clockTurned = minute != clockMinute_;
        clockMinute_ = minute;
        ui::Effect effect = ui::NoEffect{};
        const bool changed = flow_.tick(now, &effect);
        perform(effect, now);
        if (changed || flow_.screen() != before) {
            return true;
        }
        return clockTurned && flow_.screen() == ui::Screen::Quiet;
    }
    if (flow_.quietHours()) {
        flow_.setQuietHours(false, now);  // quiet hours were removed from the config
    }
    ui::Effect effect = ui::NoEffect{};
    const bool changed = flow_.tick(now, &effect);
    perform(effect, now);
    return changed || flow_.screen() != before;
}

std::optional<ui::Flow::Clock::time_point> AppController::nextDeadline() const {
    auto deadline = flow_.nextDeadline();
    if (config_.quietHours) {
        // Wake at the next wall-clock minute: quiet hours begin and end on one,
        // and the quiet screen's clock turns on one.
        const auto wall = clock_.now();
        const auto nextMinute =
            std::chrono::ceil<std::chrono::minutes>(wall + std::chrono::milliseconds(1));
        const auto minuteAt = ui::Flow::Clock::now() + (nextMinute - wall);
        if (!deadline || minuteAt < *deadline) {
            deadline = minuteAt;
        }
    }
    return deadline;
}

void AppController::configReloaded(std::string note) {
    flow_.setSettings(flowSettingsFor(config_, translations_));
    gate_ = AdminGate(config_.adminPinHash, pinStatePath(config_));
    reloadNote_ = std::move(note);
}

void AppController::save(const ui::Effect& effect, ui::Flow::Clock::time_point now) {
    core::Status saved;
    const char* what = "check-in";
    if (std::holds_alternative<ui::SaveCheckIn>(effect) && clockProblem_) {
        // The clock went wrong while the faces were up: nothing is filed
        // under a day that never was.
        saved = core::makeError(core::ErrorCode::Rejected, *clockProblem_);
    } else if (const auto* checkIn = std::get_if<ui::SaveCheckIn>(&effect)) {
        const core::CheckIn row{checkIn->score,
                                config_.siteId,
                                config_.questionSetVersion,
                                core::hourBucketOf(clock_.now()),
                                checkIn->reasons,
                                config_.team};
        if (checkIn->open) {
            auto id = outbox_.addOpen(row);
            if (id) {
                openCheckIn_ = id.value();
            } else {
                saved = id.error();
            }
        } else {
            saved = outbox_.add(row);
        }
    } else if (const auto* revise = std::get_if<ui::ReviseCheckIn>(&effect)) {
        saved = outbox_.reviseOpen(openCheckIn_, revise->score);
        if (!saved) {
            // The check-in stays as first saved, released to upload; the
            // screen says the first face was kept.
            if (auto closed = outbox_.closeOpen(openCheckIn_, {}); !closed) {
                std::fprintf(stderr, "carekiosk: a check-in could not be closed: %s\n",
                             closed.error().message.c_str());
            }
            openCheckIn_.clear();
        }
    } else if (const auto* close = std::get_if<ui::CloseCheckIn>(&effect)) {
        // The face was stored when tapped and stands whatever happens here:
        // if the reasons cannot be added (a disk that filled since), the
        // answer is still saved, so the person is thanked; the panel shows
        // the error.
        if (auto added = outbox_.closeOpen(openCheckIn_, close->reasons); !added) {
            std::fprintf(stderr, "carekiosk: the reasons of a check-in could not be saved: %s\n",
                         added.error().message.c_str());
            openCheckIn_.clear();
            flow_.saved(now);
            lastSaveError_ = added.error();
            return;
        }
        openCheckIn_.clear();
    } else if (const auto* buddy = std::get_if<ui::SaveBuddy>(&effect)) {
        what = "buddy request";
        // Sealed for the coordinator before it reaches the outbox: the kiosk
        // cannot read it back, nor can anyone who takes its disk.
        saved =
            outbox_.addBuddyRequest(core::BuddyRequest{config_.siteId, buddy->kind, buddy->times,
                                                       buddy->firstName, buddy->contact},
                                    [this](const std::string& plain) {
                                        return sealContact(config_.buddyPublicKey, plain);
                                    });
    }
    if (saved) {
        lastSaveError_.reset();
        flow_.saved(now);
        warnNearStorageCap();
    } else {
        // Never a false thank-you: say it was not saved. The log line has
        // the reason but never the answer itself.
        lastSaveError_ = saved.error();
        std::fprintf(stderr, "carekiosk: a %s could not be saved: %s\n", what,
                     saved.error().message.c_str());
        flow_.saveFailed(now);
    }
}

bool AppController::apply(const ui::Action& action, ui::Flow::Clock::time_point now) {
    const ui::Screen before = flow_.screen();
    const std::size_t digitsBefore = flow_.pinLength();
    const std::string languageBefore = flow_.language();
    const ui::Draft draftBefore = flow_.draft();
    if (std::holds_alternative<ui::OpenAdmin>(action)) {
        pinMessage_.clear();
    }
    const ui::Effect effect = flow_.apply(action, now);
    if (const auto* verify = std::get_if<ui::VerifyPin>(&effect)) {
        // The wall clock: a lockout outlives a restart (AdminGate).
        const auto wall = clock_.now();
        const auto verdict = gate_.check(verify->pin, wall);
        pinMessage_ = gate_.describe(verdict, wall);
        if (verdict == AdminGate::Verdict::Accepted) {
            flow_.pinAccepted(now);
        } else {
            flow_.pinRejected(now);
            return true;  // the message changed
        }
    } else if (std::holds_alternative<ui::UploadNow>(effect)) {
        uploadRequested_ = true;
    } else if (std::holds_alternative<ui::ReloadConfig>(effect)) {
        reloadRequested_ = true;
    } else if (std::holds_alternative<ui::ResendRefused>(effect)) {
        if (auto put = outbox_.resendDeadLetters(); put) {
            resendNote_ = std::to_string(put.value()) + " refused batches put back in the queue";
            uploadRequested_ = true;
        } else {
            resendNote_ = "could not put refused batches back: " + put.error().message;
        }
    } else if (std::holds_alternative<ui::Quit>(effect)) {
        quitRequested_ = config_.allowExit;
    } else {
        perform(effect, now);
    }
    return flow_.screen() != before || flow_.pinLength() != digitsBefore ||
           flow_.language() != languageBefore || flow_.draft() != draftBefore;
}

void AppController::perform(const ui::Effect& effect, ui::Flow::Clock::time_point now) {
    if (const auto* close = std::get_if<ui::CloseCheckIn>(&effect); close && !close->confirm) {
        // Leaving or a timeout: the flow has moved on; the check-in is
        // complete with its face (no reasons: none were submitted).
        if (auto s = outbox_.closeOpen(openCheckIn_, close->reasons); !s) {
            std::fprintf(stderr, "carekiosk: a check-in could not be closed: %s\n",
                         s.error().message.c_str());
        }
        openCheckIn_.clear();
        return;
    }
    if (std::holds_alternative<ui::SaveCheckIn>(effect) ||
        std::holds_alternative<ui::ReviseCheckIn>(effect) ||
        std::holds_alternative<ui::CloseCheckIn>(effect) ||
        std::holds_alternative<ui::SaveBuddy>(effect)) {
        save(effect, now);
    }
}

void AppController::warnNearStorageCap() {
    // Said once per run, well before the cap refuses check-ins.
    auto usage = outbox_.usage();
    if (!nearCapWarned_ && usage && usage->capBytes > 0 &&
        usage->usedBytes * 10 >= usage->capBytes * 9) {
        nearCapWarned_ = true;
        std::fprintf(stderr,
                     "carekiosk: the outbox uses %lld of its %lld bytes; check that uploads "
                     "work, or check-ins will be refused at the cap\n",
                     static_cast<long long>(usage->usedBytes),
                     static_cast<long long>(usage->capBytes));
    }
}

ui::ViewModel AppController::viewModel(ui::Flow::Clock::time_point now) const {
    ui::ViewModel model;
    model.screen = flow_.screen();
    model.siteName = config_.siteName;
    model.language = flow_.language();
    for (const auto& code : flow_.settings().languages) {
        for (const auto& language : translations_.languages()) {
            if (language.code == code) {
                model.languages.push_back(language);
            }
        }
    }
    model.youSaidWeDid = core::messageForDay(config_, localDayNumber(clock_.now()));
    model.pausedForStorage = !clockProblem_ && outbox_.unavailableReason().has_value();
    if (model.screen == ui::Screen::Quiet) {
        const int minute = localMinuteOfDay(clock_.now());
        const char digits[] = {char('0' + minute / 600),     char('0' + minute / 60 % 10), ':',
                               char('0' + minute % 60 / 10), char('0' + minute % 10),      '\0'};
        model.clockText = digits;
    }
    model.reasons = flow_.settings().reasons;
    model.buddyOffered = flow_.settings().buddyOffered;
    model.buddyKinds = flow_.settings().buddyKinds;
    model.buddyTimes = flow_.settings().buddyTimes;
    model.support = config_.supportResources;
    model.draft = flow_.draft();
    if (model.screen == ui::Screen::Admin) {
        auto letters = outbox_.deadLetters();
        model.canResend = letters && !letters->empty();
    }
    model.stillThere = flow_.stillThere();
    model.firstAnswerKept = flow_.firstAnswerKept();
    model.secondsLeft = flow_.secondsLeft(now);
    model.buddyReplyNote = config_.buddyReplyNote;
    model.breathingSeconds = flow_.breathingSeconds(now);
    if (model.screen == ui::Screen::AdminPin) {
        model.pinDigits = flow_.pinLength();
        model.pinMessage = pinMessage_;
    } else if (model.screen == ui::Screen::Admin) {
        model.status = statusLines();
        model.allowExit = config_.allowExit;
    }
    return model;
}

namespace {

std::string megabytes(std::int64_t bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    return text;
}

std::string ago(std::chrono::system_clock::time_point then,
                std::chrono::system_clock::time_point now) {
    const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(now - then).count();
    if (minutes < 1) {
        return "just now";
    }
    if (minutes < 120) {
        return std::to_string(minutes) + " min ago";
    }
    return std::to_string(minutes / 60) + " h ago";
}

}  // namespace

std::vector<ui::StatusLine> AppController::statusLines() const {
    std::vector<ui::StatusLine> lines;
    lines.push_back({"Site", config_.siteName + " (" + config_.siteId + ")", false});
    lines.push_back({"Kiosk", config_.deviceId + ", version " CAREKIOSK_VERSION, false});
    lines.push_back(
        {"Site config",
         config_.siteConfigVersion > 0
             ? "version " + std::to_string(config_.siteConfigVersion) + " from the collector"
             : "the config file's own",
         false});
    const auto& u = uploadStatus_;
    if (u.needsReEnrolment) {
        lines.push_back({"Uploads",
                         "this kiosk needs re-enrolment (the collector refused "
                         "its token); run carekiosk-provision enroll",
                         true});
    } else if (u.attempts == 0) {
        lines.push_back({"Uploads", "no upload tried yet", false});
    } else if (u.lastError.empty()) {
        lines.push_back({"Uploads", "working", false});
    } else {
        lines.push_back({"Uploads", "last try failed: " + u.lastError, true});
    }
    if (u.lastSuccess) {
        lines.push_back({"Last upload", ago(*u.lastSuccess, clock_.now()), false});
    }
    auto pending = outbox_.pendingCount();
    lines.push_back({"Waiting to send",
                     pending ? std::to_string(pending.value()) + " check-ins" : "unknown", false});
    if (auto oldest = outbox_.oldestPendingHour(); oldest && oldest.value()) {
        const auto hour =
            std::chrono::system_clock::time_point(std::chrono::seconds(*oldest.value()));
        // A whole hour is stored, so "ago" counts from that hour's start.
        lines.push_back({"Oldest waiting", "from the hour starting " + ago(hour, clock_.now()),
                         clock_.now() - hour > std::chrono::hours(24)});
    }
    if (auto buddies = outbox_.pendingBuddyRequests(); buddies && buddies.value() > 0) {
        lines.push_back({"Buddy requests",
                         std::to_string(buddies.value()) +
                             " sealed, waiting for the next upload to the coordinator's inbox",
                         false});
    }
    if (clockProblem_) {
        lines.push_back({"Clock", *clockProblem_, true});
    }
    if (const auto& down = outbox_.unavailableReason()) {
        lines.push_back({"Storage", down->message, true});
    }
    if (auto letters = outbox_.deadLetters(); letters && !letters->empty()) {
        std::int64_t rows = 0;
        for (const auto& l : letters.value()) {
            rows += l.checkIns;
        }
        lines.push_back({"Refused by collector",
                         std::to_string(letters->size()) + " batches (" + std::to_string(rows) +
                             " check-ins, set aside here): " + letters->back().reason +
                             ". Fix the cause, then Re-send refused",
                         true});
    }
    if (lastSaveError_) {
        lines.push_back({"Last save", "failed: " + lastSaveError_->message, true});
    }
    if (auto usage = outbox_.usage(); usage) {
        const bool near = usage->capBytes > 0 && usage->usedBytes * 10 >= usage->capBytes * 9;
        lines.push_back({"Storage",
                         megabytes(usage->usedBytes) + " of " +
                             (usage->capBytes ? megabytes(usage->capBytes) : "no cap") +
                             (near ? " - nearly full; check uploads" : ""),
                         near});
    }
    std::error_code ec;
    const auto space =
        std::filesystem::space(std::filesystem::path(config_.databasePath).parent_path(), ec);
    if (!ec) {
        const bool low = space.available < 100ull * 1024 * 1024;
        lines.push_back({"Disk free", megabytes(static_cast<std::int64_t>(space.available)), low});
    }
    if (!storageNote_.empty()) {
        lines.push_back({"Database", storageNote_, true});
    }
    if (!resendNote_.empty()) {
        lines.push_back({"Re-send", resendNote_, resendNote_.rfind("could not", 0) == 0});
    }
    if (!reloadNote_.empty()) {
        lines.push_back({"Config", reloadNote_, reloadNote_.rfind("reloaded", 0) != 0});
    }
    if (const auto missing = translations_.missingKeys(); !missing.empty()) {
        lines.push_back({"Translations",
                         std::to_string(missing.size()) + " texts missing (English shown), e.g. " +
                             missing.front(),
                         true});
    }
    return lines;
}

}  // namespace carekiosk::kiosk
