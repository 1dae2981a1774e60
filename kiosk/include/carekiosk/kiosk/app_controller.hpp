#pragma once
// The app controller: owns the flow and the UI thread's outbox connection,
// applies the screens' actions, and builds the ViewModel. No SDL or ImGui, so
// the whole check-in logic is testable without a window.
//
// Thread: UI thread only.

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "carekiosk/core/clock.hpp"
#include "carekiosk/core/config.hpp"
#include "carekiosk/kiosk/admin_gate.hpp"
#include "carekiosk/kiosk/site_content.hpp"
#include "carekiosk/storage/outbox.hpp"
#include "carekiosk/ui/flow.hpp"
#include "carekiosk/ui/view_model.hpp"
#include "carekiosk/upload/upload_worker.hpp"

namespace carekiosk::kiosk {

class AppController {
  public:
    // Borrows `config`, `translations`, `outbox` and `clock`; they must outlive
    // the controller. `translations` must come from loadTranslationsFor(config).
    AppController(const core::KioskConfig& config, const ui::Translations& translations,
                  storage::Outbox& outbox, const core::Clock& clock);

    // Applies one action from a screen. A submitted check-in (or buddy request)
    // is committed to SQLite before this returns; only then does the flow show
    // the thank-you screen. Returns true when what is on screen changed.
    bool apply(const ui::Action& action, ui::Flow::Clock::time_point now);

    // Requests for the app, taken (and cleared) once per frame.
    bool takeUploadRequest() { return std::exchange(uploadRequested_, false); }
    bool takeReloadRequest() { return std::exchange(reloadRequested_, false); }
    // After the app replaced the config (and translations) in place: new
    // settings and PIN from now on. `note` says how the reload went, for the
    // admin panel.
    void configReloaded(std::string note);
    void setReloadNote(std::string note) { reloadNote_ = std::move(note); }
    bool quitRequested() const { return quitRequested_; }

    // Facts the admin panel shows, fed by the app from other threads' snapshots.
    void setUploadStatus(const upload::UploadStatus& status) { uploadStatus_ = status; }
    void setStorageNote(std::string note) { storageNote_ = std::move(note); }
    void touched(ui::Flow::Clock::time_point now) { flow_.touched(now); }
    // Advances timers: the flow's deadlines, and quiet hours by the wall clock
    // (when the config has them). Returns true when what is on screen changed,
    // including the quiet screen's clock turning to a new minute.
    bool tick(ui::Flow::Clock::time_point now);
    // The earliest time tick() has something to do: the flow's deadline, or
    // with quiet hours configured, the next minute of the wall clock.
    std::optional<ui::Flow::Clock::time_point> nextDeadline() const;

    ui::Screen screen() const { return flow_.screen(); }
    const ui::Flow& flow() const { return flow_; }
    // Shows the Still there? prompt now, as idling would (see Flow::askStillThere).
    bool askStillThere(ui::Flow::Clock::time_point now) { return flow_.askStillThere(now); }
    ui::ViewModel viewModel(ui::Flow::Clock::time_point now) const;
    // The last storage failure, for the log and the admin panel.
    const std::optional<core::Error>& lastSaveError() const { return lastSaveError_; }

  private:
    void warnNearStorageCap();
    // Carries out a save-like effect of the flow (saving, revising or closing
    // a check-in, saving a buddy request).
    void perform(const ui::Effect& effect, ui::Flow::Clock::time_point now);
    void save(const ui::Effect& effect, ui::Flow::Clock::time_point now);
    std::vector<ui::StatusLine> statusLines() const;

    const core::KioskConfig& config_;
    const ui::Translations& translations_;
    storage::Outbox& outbox_;
    const core::Clock& clock_;
    ui::Flow flow_;
    std::optional<core::Error> lastSaveError_;
    bool nearCapWarned_ = false;
    AdminGate gate_;
    std::string pinMessage_;
    bool uploadRequested_ = false;
    bool reloadRequested_ = false;
    std::string reloadNote_;
    bool quitRequested_ = false;
    upload::UploadStatus uploadStatus_;
    std::string storageNote_;  // e.g. a damaged database that was moved aside
    int clockMinute_ = -1;     // the minute the quiet screen last showed
    std::string openCheckIn_;  // the outbox key of the check-in open for reasons
    // Why the clock cannot be believed (check-ins paused), from the last tick.
    std::optional<std::string> clockProblem_;
    std::string resendNote_;  // what "Re-send refused" did
};

// Minutes after local midnight (0..1439) at `t`, in the kiosk's time zone.
int localMinuteOfDay(std::chrono::system_clock::time_point t);
// The local date at `t` as days since 1970-01-01.
std::int64_t localDayNumber(std::chrono::system_clock::time_point t);

}  // namespace carekiosk::kiosk
