#include "carekiosk/kiosk/app_controller.hpp"

#include <cstdio>

namespace carekiosk::kiosk {

AppController::AppController(const core::KioskConfig& config, storage::Outbox& outbox,
                             const core::Clock& clock)
    : config_(config),
      outbox_(outbox),
      clock_(clock),
      flow_(ui::FlowTimings{std::chrono::seconds(config.thankYouSeconds),
                            std::chrono::seconds(config.idleResetSeconds)}) {}

bool AppController::apply(const ui::Action& action, ui::Flow::Clock::time_point now) {
    const ui::Screen before = flow_.screen();
    const auto score = flow_.apply(action, now);
    if (score) {
        core::CheckIn checkIn{*score, config_.siteId, config_.questionSetVersion,
                              core::hourBucketOf(clock_.now())};
        if (auto saved = outbox_.add(checkIn); saved) {
            lastSaveError_.reset();
            flow_.saved(now);
            warnNearStorageCap();
        } else {
            // Never a false thank-you: say it was not saved. The log line has
            // the reason but never the answer itself.
            lastSaveError_ = saved.error();
            std::fprintf(stderr, "carekiosk: a check-in could not be saved: %s\n",
                         saved.error().message.c_str());
            flow_.saveFailed(now);
        }
    }
    return flow_.screen() != before;
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

ui::ViewModel AppController::viewModel() const {
    ui::ViewModel model;
    model.screen = flow_.screen();
    model.siteName = config_.siteName;
    return model;
}

}  // namespace carekiosk::kiosk
