// carekiosk: the touchscreen check-in kiosk.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "carekiosk/core/config.hpp"
#include "carekiosk/kiosk/kiosk_app.hpp"
#include "carekiosk/kiosk/screen_tour.hpp"
#include "carekiosk/kiosk/site_content.hpp"
#include "carekiosk/kiosk/tap_driver.hpp"
#include "carekiosk/storage/outbox.hpp"
#include "carekiosk/ui/translations.hpp"
#include "carekiosk/upload/uploader.hpp"

using namespace carekiosk;

namespace {

// A varied but fixed pattern, so a demo's summary is predictable.
constexpr int kDemoScores[] = {4, 5, 3, 4, 2, 5, 4, 3, 1, 4};

int simulateCheckIns(kiosk::KioskApp& app, int count) {
    for (int i = 0; i < count; ++i) {
        const int score = kDemoScores[i % 10];
        // Alternate real touch and mouse events, as a touchscreen and a mouse send them.
        const auto kind = i % 2 == 0 ? kiosk::PointerKind::Touch : kiosk::PointerKind::Mouse;
        if (auto s = kiosk::driveCheckIn(app, score, kind); !s) {
            std::fprintf(stderr, "carekiosk: check-in %d failed: %s\n", i + 1,
                         s.error().message.c_str());
            return 1;
        }
    }
    std::printf("carekiosk: %d check-ins saved; uploading\n", count);
    std::fflush(stdout);
    const auto ticket = app.uploadNow();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    const bool uploaded = kiosk::pumpUntil(
        app,
        [&] {
            const auto status = app.uploadStatus();
            return status.requestsServed >= ticket && status.lastAttemptOk && status.pending == 0;
        },
        deadline);
    const auto status = app.uploadStatus();
    if (!uploaded) {
        std::fprintf(stderr, "carekiosk: upload did not finish within 60 s: %s\n",
                     status.lastError.empty() ? "no answer yet" : status.lastError.c_str());
        return 1;
    }
    std::printf("carekiosk: the collector acknowledged %lld check-ins\n",
                static_cast<long long>(status.acknowledgedTotal));
    return 0;
}

// Walks every screen in every offered language by real taps and writes
// DIR/<screen>-<language>.png, plus the admin PIN pad. It runs on a throwaway
// database in DIR, so the kiosk's own outbox is never touched.
int writeScreenshots(core::KioskConfig config, const std::filesystem::path& dir, int width,
                     int height) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        std::fprintf(stderr, "carekiosk: cannot create %s: %s\n", dir.c_str(),
                     ec.message().c_str());
        return 1;
    }
    const auto database = dir / "screenshot-tour.db";
    config.databasePath = database.string();
    config.cooldownSeconds = 600;  // so the tour meets the cooldown screen
    if (config.reasons.empty()) {
        config.reasons = {"workload"};  // the tour picks one
    }
    auto translations = kiosk::loadTranslationsFor(config);
    if (!translations) {
        std::fprintf(stderr, "carekiosk: %s\n", translations.error().message.c_str());
        return 1;
    }
    const std::vector<std::string> languages =
        kiosk::flowSettingsFor(config, translations.value()).languages;
    core::SystemClock clock;
    core::SystemRandom random;
    int written = 0;
    auto tour = [&](const std::string& language) -> core::Status {
        kiosk::KioskOptions options;
        options.config = config;
        options.width = width;
        options.height = height;
        options.forceWindowed = true;
        options.startUploader = false;
        CAREKIOSK_TRY_LET(app, kiosk::KioskApp::create(options, clock, random));
        auto shoot = [&](const std::string& name) -> core::Status {
            const auto path = dir / (name + (language.empty() ? "" : "-" + language) + ".png");
            ++written;
            return app.value()->saveScreenshot(path);
        };
        if (language.empty()) {
            return kiosk::tourAdminScreens(*app.value(), "", shoot);
        }
        return kiosk::tourStaffScreens(*app.value(), language, kiosk::PointerKind::Touch, shoot);
    };
    for (const auto& language : languages) {
        if (auto s = tour(language); !s) {
            std::fprintf(stderr, "carekiosk: screenshots in %s stopped: %s\n", language.c_str(),
                         s.error().message.c_str());
            return 1;
        }
    }
    if (auto s = tour(""); !s) {
        std::fprintf(stderr, "carekiosk: the admin screenshot stopped: %s\n",
                     s.error().message.c_str());
        return 1;
    }
    for (const char* extra : {"", "-wal", "-shm"}) {
        std::filesystem::remove(database.string() + extra, ec);
    }
    std::printf("carekiosk: wrote %d screenshots (%dx%d) to %s\n", written, width, height,
                dir.c_str());
    return 0;
}

// Sends everything pending once, without opening a window, and reports.
int uploadAndExit(const core::KioskConfig& config) {
    core::SystemRandom random;
    auto outbox = storage::Outbox::open(config.databasePath, random);
    if (!outbox) {
        std::fprintf(stderr, "carekiosk: %s\n", outbox.error().message.c_str());
        return 1;
    }
    auto tls = upload::tlsOptionsFor(config);
    auto sender = upload::makeCurlSender(tls);
    core::SystemClock clock;
    upload::Uploader uploader(outbox.value(), *sender, {config.serverUrl, config.deviceToken},
                              clock);
    const auto outcome = uploader.drain();
    std::printf("carekiosk: uploaded %lld check-ins in %d batches\n",
                static_cast<long long>(outcome.checkInsAcknowledged), outcome.batchesAcknowledged);
    if (outcome.batchesDeadLettered > 0) {
        std::printf(
            "carekiosk: the collector refused %d batches as invalid; they are kept on "
            "this kiosk\n",
            outcome.batchesDeadLettered);
    }
    if (outcome.error) {
        std::fprintf(stderr, "carekiosk: upload stopped, nothing unacknowledged was deleted: %s\n",
                     outcome.error->message.c_str());
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"carekiosk: an anonymous wellbeing check-in kiosk"};
    cli.set_version_flag("--version", [] {
        return std::string("carekiosk " CAREKIOSK_VERSION " (translations in ") +
               ui::defaultTranslationsDir() + ")";
    });
    std::string configPath;
    std::string windowed;
    int simulate = 0;
    std::string screenshot;
    cli.add_option("--config", configPath, "kiosk config file written by carekiosk-provision")
        ->required();
    cli.add_option("--windowed", windowed, "run in a WIDTHxHEIGHT window instead of fullscreen");
    bool demo = false;
    cli.add_flag("--demo", demo,
                 "this is a demo or test kiosk: allows --simulate-checkins and --days-ago, "
                 "whose made-up check-ins go into its outbox and up to its collector");
    cli.add_option("--simulate-checkins", simulate,
                   "demo and test aid (needs --demo): tap N check-ins through injected SDL "
                   "touch/mouse events, upload them, and exit once the collector acknowledged "
                   "them")
        ->check(CLI::Range(1, 100000));
    cli.add_option("--screenshot", screenshot, "write the welcome screen to this PNG and exit");
    std::string screenshots;
    cli.add_option("--screenshots", screenshots,
                   "walk every screen in every language by simulated taps, write DIR/<screen>-"
                   "<language>.png (at the --windowed size, default 1280x800) and exit");
    int daysAgo = 0;
    cli.add_option("--days-ago", daysAgo,
                   "demo and test aid (needs --demo): the kiosk's clock runs N days behind, so "
                   "its check-ins "
                   "fall on a day whose figures the collector has already released (they are "
                   "released the morning after their day)")
        ->check(CLI::Range(0, 60));
    bool uploadOnly = false;
    cli.add_flag("--upload-and-exit", uploadOnly,
                 "send every pending check-in to the collector now, without opening a window");
    CLI11_PARSE(cli, argc, argv);

    // Made-up check-ins are uploaded as if people had answered: a kiosk in
    // service must never produce them by a mistyped command line.
    if ((simulate > 0 || daysAgo > 0) && !demo) {
        std::fprintf(stderr,
                     "carekiosk: %s puts made-up check-ins into this kiosk's outbox, which "
                     "uploads them to its collector as real answers; add --demo if this is a "
                     "demo or test kiosk\n",
                     simulate > 0 ? "--simulate-checkins" : "--days-ago");
        return 2;
    }
    auto config = core::loadKioskConfigFile(configPath);
    if (!config) {
        std::fprintf(stderr, "carekiosk: %s\n", config.error().message.c_str());
        return 2;
    }
    if (uploadOnly) {
        return uploadAndExit(config.value());
    }
    int width = 1280;
    int height = 800;
    if (!windowed.empty() && (std::sscanf(windowed.c_str(), "%dx%d", &width, &height) != 2 ||
                              width < 320 || height < 240)) {
        std::fprintf(stderr,
                     "carekiosk: --windowed must be WIDTHxHEIGHT, at least 320x240 (got %s)\n",
                     windowed.c_str());
        return 2;
    }
    if (!screenshots.empty()) {
        return writeScreenshots(config.value(), screenshots, width, height);
    }
    kiosk::KioskOptions options;
    options.config = config.value();
    options.configPath = configPath;
    if (simulate > 0) {
        // The simulated taps stand for different people in quick succession,
        // and come from a driver that never double-taps or bounces.
        options.config.cooldownSeconds = 0;
        options.config.tapGuardMs = 0;
    }
    if (!windowed.empty()) {
        options.width = width;
        options.height = height;
        options.forceWindowed = true;
    }
    options.startUploader = screenshot.empty();
    core::SystemClock systemClock;
    core::OffsetClock clock(systemClock, -std::chrono::hours(24) * daysAgo);
    core::SystemRandom random;
    auto app = kiosk::KioskApp::create(options, clock, random);
    if (!app) {
        std::fprintf(stderr, "carekiosk: %s\n", app.error().message.c_str());
        return 1;
    }
    if (!screenshot.empty()) {
        auto saved = app.value()->saveScreenshot(screenshot);
        if (!saved) {
            std::fprintf(stderr, "carekiosk: %s\n", saved.error().message.c_str());
            return 1;
        }
        return 0;
    }
    if (simulate > 0) {
        return simulateCheckIns(*app.value(), simulate);
    }
    return app.value()->run();
}
