// The kiosk program's life around one SDL window: creating its parts (the
// outbox, controller, renderer, uploader, notifier), the event loop, frames,
// and swapping a reloaded or fetched config in between two people. About 650
// lines, over the ~600 we aim for, because all of it shares Parts and the
// loop's invariants (who may touch the window, when a config may change):
// split it where a piece stops needing them.
#include "carekiosk/kiosk/kiosk_app.hpp"

#include <algorithm>
#include <cstdio>

#include "carekiosk/kiosk/app_controller.hpp"
#include "carekiosk/kiosk/service_notifier.hpp"
#include "carekiosk/kiosk/site_content.hpp"
#include "carekiosk/storage/outbox.hpp"
#include "carekiosk/ui/pointer_input.hpp"
#include "carekiosk/ui/renderer.hpp"
#include "carekiosk/upload/http_sender.hpp"

namespace carekiosk::kiosk {

using core::ErrorCode;
using core::makeError;

namespace {

// ImGui needs a couple of frames after an input change for hover and active
// states to settle; three is what Dear ImGui's own power-saving demos use.
constexpr int kFramesAfterEvent = 3;

}  // namespace

namespace {

// The outbox, or (when its file cannot be opened: a full disk, a failing
// card) one that saves nothing and says why, so that the kiosk runs, shows
// check-ins paused, and tries again (KioskApp::pump) instead of exiting and
// being restarted for ever with a blank screen.
// `note`: for the admin panel, when a damaged file was moved aside.
core::Result<storage::Outbox> openOutbox(const core::KioskConfig& config, const core::Clock& clock,
                                         core::RandomSource& random, std::string& note) {
    auto opened = storage::Outbox::openOrRecover(config.databasePath, random, clock);
    if (!opened) {
        auto down = storage::Outbox::unavailable(opened.error(), random);
        if (down) {
            std::fprintf(stderr, "carekiosk: %s\n", down->unavailableReason()->message.c_str());
        }
        return down;
    }
    if (opened->movedAside) {
        // Nothing is deleted: the damaged file stays for a person to inspect.
        std::fprintf(stderr,
                     "carekiosk: the database was damaged (%s); it was moved to %s and a new "
                     "one was created\n",
                     opened->reason.c_str(), opened->movedAside->c_str());
        note = "was damaged (" + opened->reason + "); moved to " + *opened->movedAside +
               " and started afresh";
    }
    return std::move(opened->outbox);
}

}  // namespace

struct KioskApp::Parts {
    core::KioskConfig fileConfig;  // as the config file says, before any fetched site config
    core::KioskConfig config;      // what runs: fileConfig plus the newest good site config
    std::filesystem::path configPath;
    ui::Translations translations;
    const core::Clock& clock;
    core::RandomSource& random;
    storage::Outbox outbox;
    AppController controller;
    ui::PointerInput pointer;
    SDL_Window* window = nullptr;
    SDL_Renderer* renderer = nullptr;
    std::unique_ptr<ui::UiRenderer> ui;
    std::unique_ptr<upload::UploadWorker> worker;
    Uint32 wakeEvent = 0;
    ServiceNotifier notifier;
    int refusedSiteConfig = 0;          // a fetched version that failed validation (not retried)
    std::string siteConfigError;        // why, for the heartbeat and the admin panel
    bool siteConfigWaiting = false;     // a newer fetched config waits for a quiet moment
    upload::UploadStatus loggedStatus;  // what the log last said about uploads
    std::chrono::milliseconds reopenOutboxEvery{30000};
    std::chrono::steady_clock::time_point reopenOutboxAt{};  // while the outbox is unavailable

    // While the outbox is unavailable: at its time, tries to open the file
    // again; once it opens, check-ins go on. Returns whether it opened.
    bool retryOutbox(std::chrono::steady_clock::time_point now) {
        if (!outbox.unavailableReason() || now < reopenOutboxAt) {
            return false;
        }
        reopenOutboxAt = now + reopenOutboxEvery;
        auto opened = storage::Outbox::openOrRecover(config.databasePath, random, clock);
        if (!opened) {
            return false;  // said once at start; the admin panel keeps saying it
        }
        if (auto capped = opened->outbox.setStorageCap(std::int64_t(config.storageCapMegabytes) *
                                                       1024 * 1024);
            !capped) {
            return false;
        }
        outbox = std::move(opened->outbox);
        std::fprintf(stderr, "carekiosk: the database opened; check-ins are saved again\n");
        return true;
    }

    // Logs changes in upload health for facilities (journald). Never logs
    // check-in content: only counts and the collector's or network's reason.
    void logUploadStatus(const upload::UploadStatus& now) {
        if (now.lastError != loggedStatus.lastError) {
            if (now.lastError.empty()) {
                std::fprintf(stderr, "carekiosk: uploads work again (%lld pending)\n",
                             static_cast<long long>(now.pending));
            } else {
                std::fprintf(stderr, "carekiosk: upload failed, will retry: %s\n",
                             now.lastError.c_str());
            }
        }
        if (now.deadLetters > loggedStatus.deadLetters && now.deadLetters > 0) {
            std::fprintf(stderr,
                         "carekiosk: %lld batches refused by the collector are kept on this "
                         "kiosk\n",
                         static_cast<long long>(now.deadLetters));
        }
        loggedStatus = now;
    }

    Parts(core::KioskConfig c, ui::Translations t, const core::Clock& clk, core::RandomSource& r,
          storage::Outbox o)
        : config(std::move(c)),
          translations(std::move(t)),
          clock(clk),
          random(r),
          outbox(std::move(o)),
          controller(config, translations, outbox, clock) {}

    void startWorker() {
        auto tls = upload::tlsOptionsFor(config);
        upload::UploadWorkerOptions workerOptions;
        workerOptions.databasePath = config.databasePath;
        workerOptions.target = {config.serverUrl, config.deviceToken};
        workerOptions.interval = std::chrono::seconds(config.uploadIntervalSeconds);
        workerOptions.configVersion = config.siteConfigVersion;
        const Uint32 event = wakeEvent;
        worker = std::make_unique<upload::UploadWorker>(workerOptions, upload::makeCurlSender(tls),
                                                        random, clock, [event] {
                                                            // Runs on the worker thread: only post
                                                            // an event, never touch UI state.
                                                            SDL_Event wake{};
                                                            wake.type = event;
                                                            SDL_PushEvent(&wake);
                                                        });
        worker->setConfigState(config.siteConfigVersion, siteConfigError);
        worker->start();
    }

    // The config to run for `file`: the file, then the running site config
    // (the last one applied) when newer, then the newest fetched one when newer
    // still and valid. A fetched config that does not validate is refused once
    // (reported in heartbeats) and what ran before keeps running.
    core::Result<LoadedConfig> effectiveConfig(const core::KioskConfig& file) {
        CAREKIOSK_TRY_LET(fileTranslations, loadTranslationsFor(file));
        LoadedConfig best{file, std::move(fileTranslations).value()};
        for (const auto slot :
             {storage::SiteConfigSlot::Running, storage::SiteConfigSlot::Fetched}) {
            auto stored = outbox.siteConfig(slot);
            if (!stored || !stored.value() ||
                stored.value()->version <= best.config.siteConfigVersion ||
                stored.value()->version == refusedSiteConfig) {
                continue;
            }
            auto merged =
                withSiteConfig(file, stored.value()->version, stored.value()->contentJson);
            if (!merged) {
                refuseSiteConfig(stored.value()->version, merged.error());
                continue;
            }
            best = std::move(merged).value();
        }
        return best;
    }

    // Remembers the site config now running, so a restart starts with it.
    void keepRunningSiteConfig() {
        if (config.siteConfigVersion == fileConfig.siteConfigVersion) {
            return;
        }
        auto fetched = outbox.siteConfig(storage::SiteConfigSlot::Fetched);
        if (fetched && fetched.value() && fetched.value()->version == config.siteConfigVersion) {
            if (auto s = outbox.saveSiteConfig(storage::SiteConfigSlot::Running, *fetched.value());
                !s) {
                std::fprintf(stderr, "carekiosk: cannot keep the site config for restarts: %s\n",
                             s.error().message.c_str());
            }
        }
    }

    void refuseSiteConfig(int version, const core::Error& error) {
        refusedSiteConfig = version;
        siteConfigError = "site config v" + std::to_string(version) + " refused: " + error.message;
        std::fprintf(stderr, "carekiosk: %s; keeping the config that runs\n",
                     siteConfigError.c_str());
        controller.setReloadNote(siteConfigError);
        if (worker) {
            worker->setConfigState(config.siteConfigVersion, siteConfigError);
        }
    }
    ~Parts() {
        if (worker) {
            worker->stop();
        }
        ui.reset();
        if (renderer) {
            SDL_DestroyRenderer(renderer);
        }
        if (window) {
            SDL_DestroyWindow(window);
        }
        SDL_Quit();
    }
};

core::Result<std::unique_ptr<KioskApp>> KioskApp::create(const KioskOptions& options,
                                                         const core::Clock& clock,
                                                         core::RandomSource& random) {
    std::string storageNote;
    CAREKIOSK_TRY_LET(opened, openOutbox(options.config, clock, random, storageNote));
    auto outbox = std::move(opened).value();
    if (auto capped =
            outbox.setStorageCap(std::int64_t(options.config.storageCapMegabytes) * 1024 * 1024);
        !capped) {
        return capped.error();
    }
    // The file's translations are checked first, so a broken config file is
    // reported as such even when a fetched site config would mask it.
    CAREKIOSK_TRY_LET(translations, loadTranslationsFor(options.config));
    // SDL_Init comes after the outbox so that Parts' destructor (which calls
    // SDL_Quit) only runs once SDL is ours.
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        return makeError(ErrorCode::Io,
                         std::string("cannot open the display: ") + SDL_GetError() +
                             ". Run under a graphical session, cage, xvfb-run, or set "
                             "SDL_VIDEODRIVER=offscreen");
    }
    auto parts = std::make_unique<Parts>(options.config, std::move(translations).value(), clock,
                                         random, std::move(outbox));
    parts->fileConfig = options.config;
    parts->configPath = options.configPath;
    parts->reopenOutboxEvery = options.reopenOutboxEvery;
    parts->reopenOutboxAt = std::chrono::steady_clock::now() + options.reopenOutboxEvery;
    parts->pointer.setGuard(std::chrono::milliseconds(options.config.tapGuardMs));
    if (auto effective = parts->effectiveConfig(options.config); effective) {
        if (effective->config.siteConfigVersion != options.config.siteConfigVersion) {
            parts->config = std::move(effective->config);
            parts->translations = std::move(effective->translations);
            parts->controller.configReloaded("site config v" +
                                             std::to_string(parts->config.siteConfigVersion) +
                                             " from the collector");
            parts->keepRunningSiteConfig();
        }
    }
    if (!storageNote.empty()) {
        parts->controller.setStorageNote(storageNote);
    }

    const bool fullscreen = options.config.fullscreen && !options.forceWindowed;
    const int width = options.width > 0 ? options.width : 1280;
    const int height = options.height > 0 ? options.height : 800;
    Uint32 flags = SDL_WINDOW_SHOWN | SDL_WINDOW_ALLOW_HIGHDPI;
    if (fullscreen) {
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    }
    const bool software = options.config.renderer == core::KioskRenderer::Software;
    if (software) {
        // Otherwise SDL shows a software-drawn window through an OpenGL
        // texture, and the GPU driver it loads (Mesa's: ~90 MiB) does nothing
        // that a plain copy to the screen does not. An environment setting wins.
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    }
    parts->window = SDL_CreateWindow("carekiosk", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                                     width, height, flags);
    if (!parts->window) {
        return makeError(ErrorCode::Io, std::string("cannot create the window: ") + SDL_GetError());
    }
    if (!software) {
        parts->renderer = SDL_CreateRenderer(parts->window, -1,
                                             SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    }
    if (!parts->renderer) {
        // Chosen, or no GPU (offscreen driver, basic panels): software works everywhere.
        parts->renderer = SDL_CreateRenderer(parts->window, -1, SDL_RENDERER_SOFTWARE);
    }
    if (!parts->renderer) {
        return makeError(ErrorCode::Io, std::string("cannot create a renderer: ") + SDL_GetError());
    }
    if (fullscreen) {
        SDL_ShowCursor(SDL_DISABLE);  // a touchscreen kiosk shows no mouse pointer
    }
    // Touch targets are sized in millimetres: the config's DPI if set (some
    // panels report nonsense), else the display's, else 96.
    float dpi = static_cast<float>(options.config.displayDpi);
    if (dpi <= 0) {
        float diagonal = 0;
        const int display = SDL_GetWindowDisplayIndex(parts->window);
        if (display >= 0 && SDL_GetDisplayDPI(display, &diagonal, nullptr, nullptr) == 0 &&
            diagonal > 20 && diagonal < 1000) {
            dpi = diagonal;
        }
    }
    CAREKIOSK_TRY_LET(
        ui, ui::UiRenderer::create(parts->window, parts->renderer, parts->translations, dpi));
    parts->ui = std::move(ui).value();
    parts->wakeEvent = SDL_RegisterEvents(1);

    if (options.startUploader) {
        parts->startWorker();
    }
    if (!parts->siteConfigError.empty()) {
        parts->controller.setReloadNote(parts->siteConfigError);
    }
    std::unique_ptr<KioskApp> app(new KioskApp(std::move(parts)));
    app->requestFrames();
    return app;
}

KioskApp::KioskApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {
    window_ = parts_->window;
}

KioskApp::~KioskApp() = default;

ui::Screen KioskApp::screen() const {
    return parts_->controller.screen();
}

int KioskApp::siteConfigVersion() const {
    return parts_->config.siteConfigVersion;
}

const std::string& KioskApp::language() const {
    return parts_->controller.flow().language();
}

bool KioskApp::settled() const {
    // Events still in SDL's queue (a tap just injected) have not been seen yet.
    return framesDue_ == 0 && !parts_->pointer.hasPending() &&
           !SDL_HasEvents(SDL_FIRSTEVENT, SDL_LASTEVENT);
}

upload::UploadStatus KioskApp::uploadStatus() const {
    return parts_->worker ? parts_->worker->status() : upload::UploadStatus{};
}

std::uint64_t KioskApp::uploadNow() {
    return parts_->worker ? parts_->worker->uploadNow() : 0;
}

bool KioskApp::tapWouldBeDropped() const {
    return parts_->pointer.lockedOut(std::chrono::steady_clock::now());
}

bool KioskApp::askStillThere() {
    const bool shown = parts_->controller.askStillThere(std::chrono::steady_clock::now());
    requestFrames();
    return shown;
}

void KioskApp::noteScreenChange(std::chrono::steady_clock::time_point now) {
    const auto& flow = parts_->controller.flow();
    const std::pair<ui::Screen, bool> shown{flow.screen(), flow.stillThere()};
    if (shown != shownScreen_) {
        shownScreen_ = shown;
        parts_->pointer.screenChanged(now);
    }
}

void KioskApp::requestFrames() {
    framesDue_ = std::max(framesDue_, kFramesAfterEvent);
}

void KioskApp::handleEvent(const SDL_Event& event) {
    const auto now = std::chrono::steady_clock::now();
    int outW = 0;
    int outH = 0;
    int winW = 0;
    int winH = 0;
    SDL_GetRendererOutputSize(parts_->renderer, &outW, &outH);
    SDL_GetWindowSize(window_, &winW, &winH);
    const float sx = winW > 0 ? static_cast<float>(outW) / static_cast<float>(winW) : 1.0f;
    const float sy = winH > 0 ? static_cast<float>(outH) / static_cast<float>(winH) : 1.0f;
    using Kind = ui::PointerEvent::Kind;

    switch (event.type) {
        case SDL_QUIT:
            quit_ = true;
            break;
        case SDL_WINDOWEVENT:
            requestFrames();
            break;
        case SDL_FINGERDOWN:
        case SDL_FINGERUP:
        case SDL_FINGERMOTION: {
            // Finger coordinates are normalised to the window.
            const float x = event.tfinger.x * static_cast<float>(outW);
            const float y = event.tfinger.y * static_cast<float>(outH);
            const Kind kind = event.type == SDL_FINGERDOWN ? Kind::Press
                              : event.type == SDL_FINGERUP ? Kind::Release
                                                           : Kind::Move;
            using Source = ui::PointerEvent::Source;
            parts_->pointer.push({kind, x, y, Source::Finger, now});
            if (kind == Kind::Release) {
                parts_->pointer.push({Kind::Leave, 0, 0, Source::Finger, now});
            }
            parts_->controller.touched(now);
            requestFrames();
            break;
        }
        case SDL_MOUSEBUTTONDOWN:
        case SDL_MOUSEBUTTONUP:
        case SDL_MOUSEMOTION: {
            // SDL also reports touches as synthetic mouse events; the finger
            // events above already carry them, so skip the copies.
            const bool synthetic = event.type == SDL_MOUSEMOTION
                                       ? event.motion.which == SDL_TOUCH_MOUSEID
                                       : event.button.which == SDL_TOUCH_MOUSEID;
            if (synthetic) {
                break;
            }
            if (event.type != SDL_MOUSEMOTION && event.button.button != SDL_BUTTON_LEFT) {
                break;
            }
            const float x = static_cast<float>(event.type == SDL_MOUSEMOTION ? event.motion.x
                                                                             : event.button.x) *
                            sx;
            const float y = static_cast<float>(event.type == SDL_MOUSEMOTION ? event.motion.y
                                                                             : event.button.y) *
                            sy;
            const Kind kind = event.type == SDL_MOUSEBUTTONDOWN ? Kind::Press
                              : event.type == SDL_MOUSEBUTTONUP ? Kind::Release
                                                                : Kind::Move;
            parts_->pointer.push({kind, x, y, ui::PointerEvent::Source::Mouse, now});
            parts_->controller.touched(now);
            requestFrames();
            break;
        }
        default:
            if (event.type == parts_->wakeEvent) {
                // Upload status changed; log it and redraw in case a screen shows it.
                const auto status = uploadStatus();
                parts_->logUploadStatus(status);
                parts_->controller.setUploadStatus(status);
                if (status.fetchedConfigVersion > parts_->config.siteConfigVersion &&
                    status.fetchedConfigVersion != parts_->refusedSiteConfig) {
                    parts_->siteConfigWaiting = true;
                }
                requestFrames();
            }
            break;
    }
}

bool KioskApp::pump(std::chrono::milliseconds maxWait) {
    using namespace std::chrono;
    auto wait = maxWait;
    if (framesDue_ > 0 || parts_->pointer.hasPending()) {
        wait = milliseconds(0);
    } else {
        // Sleep until the earliest timer: the flow's deadline or a frame a
        // screen asked for (e.g. the admin corner's three seconds).
        auto deadline = parts_->controller.nextDeadline();
        if (frameDueAt_ && (!deadline || *frameDueAt_ < *deadline)) {
            deadline = frameDueAt_;
        }
        if (parts_->outbox.unavailableReason() &&
            (!deadline || parts_->reopenOutboxAt < *deadline)) {
            deadline = parts_->reopenOutboxAt;
        }
        // systemd's watchdog must hear from this loop in time.
        if (const auto ping = parts_->notifier.nextPingDue();
            ping && (!deadline || *ping < *deadline)) {
            deadline = ping;
        }
        if (deadline) {
            const auto untilDeadline = ceil<milliseconds>(*deadline - steady_clock::now());
            wait = std::clamp(untilDeadline, milliseconds(0), maxWait);
        }
    }
    SDL_Event event;
    const int timeoutMs = static_cast<int>(std::min<long long>(wait.count(), 1 << 30));
    if (SDL_WaitEventTimeout(&event, timeoutMs)) {
        handleEvent(event);
        while (SDL_PollEvent(&event)) {
            handleEvent(event);
        }
    }
    if (parts_->retryOutbox(steady_clock::now())) {
        requestFrames();
    }
    if (parts_->controller.tick(steady_clock::now())) {
        requestFrames();
    }
    noteScreenChange(steady_clock::now());
    // A fetched site config is applied between people, never mid check-in.
    const auto screenNow = parts_->controller.screen();
    if (parts_->siteConfigWaiting &&
        (screenNow == ui::Screen::Welcome || screenNow == ui::Screen::Quiet)) {
        parts_->siteConfigWaiting = false;
        applyFetchedSiteConfig();
        requestFrames();
    }
    parts_->notifier.ping(steady_clock::now());
    if (frameDueAt_ && steady_clock::now() >= *frameDueAt_) {
        frameDueAt_.reset();
        framesDue_ = std::max(framesDue_, 1);
    }
    if (framesDue_ > 0 || parts_->pointer.hasPending()) {
        drawFrame();
    }
    return !quit_;
}

void KioskApp::drawFrame(const std::string& screenshotPath, core::Status* status) {
    const auto now = std::chrono::steady_clock::now();
    float dt = std::chrono::duration<float>(now - lastFrame_).count();
    // Up to 5 s: ImGui measures how long the admin corner is held from these.
    dt = std::clamp(dt, 0.001f, 5.0f);
    lastFrame_ = now;
    // An echo of a touch lands within half a touch target of it, whatever the density.
    parts_->pointer.setEchoRadius(parts_->ui->metrics().minTarget * 0.5f);
    ui::FrameOutput out = parts_->ui->drawFrame(parts_->controller.viewModel(now), parts_->pointer,
                                                dt, screenshotPath, status);
    ++framesRendered_;
    parts_->notifier.ready();
    framesDue_ = std::max(0, framesDue_ - 1);
    layout_ = std::move(out.layout);
    // The newest frame decides: a screen that stopped animating asks for nothing.
    frameDueAt_.reset();
    if (out.redrawInSeconds) {
        frameDueAt_ = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<float>(*out.redrawInSeconds));
    }
    for (const auto& action : out.actions) {
        if (parts_->controller.apply(action, now)) {
            requestFrames();
        }
    }
    noteScreenChange(now);
    if (parts_->controller.takeUploadRequest()) {
        uploadNow();
    }
    if (parts_->controller.takeReloadRequest()) {
        if (auto reloaded = reloadConfig(); !reloaded) {
            parts_->controller.setReloadNote("not reloaded: " + reloaded.error().message);
        }
        requestFrames();
    }
    if (parts_->controller.quitRequested()) {
        quit_ = true;
    }
}

core::Status KioskApp::saveScreenshot(const std::filesystem::path& path) {
    core::Status status;
    drawFrame(path.string(), &status);
    return status;
}

core::Status KioskApp::reloadConfig() {
    if (parts_->configPath.empty()) {
        return makeError(ErrorCode::NotFound, "this kiosk was not started from a config file");
    }
    CAREKIOSK_TRY_LET(file, core::loadKioskConfigFile(parts_->configPath));
    CAREKIOSK_TRY(loadTranslationsFor(file.value()));
    CAREKIOSK_TRY_LET(effective, parts_->effectiveConfig(file.value()));
    if (auto s = installConfig(std::move(effective).value(),
                               "reloaded from " + parts_->configPath.string());
        !s) {
        return s;
    }
    parts_->fileConfig = std::move(file).value();
    std::fprintf(stderr, "carekiosk: config reloaded from %s\n", parts_->configPath.c_str());
    return {};
}

void KioskApp::applyFetchedSiteConfig() {
    const int before = parts_->config.siteConfigVersion;
    auto effective = parts_->effectiveConfig(parts_->fileConfig);
    if (!effective || effective->config.siteConfigVersion <= before) {
        return;  // refused (reported, and what runs keeps running) or nothing newer
    }
    const int version = effective->config.siteConfigVersion;
    if (auto s = installConfig(std::move(effective).value(),
                               "site config v" + std::to_string(version) + " from the collector");
        !s) {
        parts_->refuseSiteConfig(version, s.error());
        return;
    }
    parts_->siteConfigError.clear();
    parts_->keepRunningSiteConfig();
    if (parts_->worker) {
        parts_->worker->setConfigState(version, "");
    }
    std::fprintf(stderr, "carekiosk: site config v%d from the collector is now in use\n", version);
}

core::Status KioskApp::installConfig(LoadedConfig loaded, std::string note) {
    auto& config = loaded.config;
    if (config.databasePath != parts_->config.databasePath) {
        return makeError(ErrorCode::InvalidInput,
                         "database changed; restart the kiosk to use a different database",
                         "database");
    }
    if (config.renderer != parts_->config.renderer) {
        return makeError(ErrorCode::InvalidInput,
                         "renderer changed; restart the kiosk to draw with the new renderer",
                         "renderer");
    }
    const bool uploadsChanged =
        config.serverUrl != parts_->config.serverUrl ||
        config.deviceToken != parts_->config.deviceToken ||
        config.caFile != parts_->config.caFile ||
        config.pinnedPublicKey != parts_->config.pinnedPublicKey ||
        config.uploadIntervalSeconds != parts_->config.uploadIntervalSeconds;
    if (auto capped =
            parts_->outbox.setStorageCap(std::int64_t(config.storageCapMegabytes) * 1024 * 1024);
        !capped) {
        return capped.error();
    }
    parts_->pointer.setGuard(std::chrono::milliseconds(config.tapGuardMs));
    // The controller and renderer hold references to these two: replace in place.
    parts_->config = std::move(config);
    parts_->translations = std::move(loaded.translations);
    parts_->controller.configReloaded(std::move(note));
    if (uploadsChanged && parts_->worker) {
        parts_->worker->stop();
        parts_->startWorker();
    } else if (parts_->worker) {
        parts_->worker->setConfigState(parts_->config.siteConfigVersion, parts_->siteConfigError);
    }
    return {};
}

int KioskApp::run() {
    // Nothing to do for an hour is fine: SDL_WaitEventTimeout returns early for
    // any event, and pump() shortens the wait to the flow's next deadline.
    while (pump(std::chrono::hours(1))) {
    }
    return 0;
}

}  // namespace carekiosk::kiosk
