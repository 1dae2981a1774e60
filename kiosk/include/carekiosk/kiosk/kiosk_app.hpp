#pragma once
// The kiosk application: SDL window, event-driven main loop, controller and
// upload worker.
//
// Main loop (after Dear ImGui's SDL example, made idle-friendly as in Tracy):
// block in SDL_WaitEventTimeout until an event arrives or the flow's next
// deadline (thank-you timeout, idle reset) falls due; after each event draw a
// few frames so ImGui's hover/active state settles; otherwise draw nothing.
// The upload worker wakes the loop with an SDL user event and never touches
// ImGui.
//
// Thread: create, pump, run and everything else on the thread that called
// create() (the UI thread). One KioskApp per process (it owns SDL).

#include <SDL.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "carekiosk/core/clock.hpp"
#include "carekiosk/core/config.hpp"
#include "carekiosk/core/result.hpp"
#include "carekiosk/kiosk/site_content.hpp"
#include "carekiosk/ui/flow.hpp"
#include "carekiosk/ui/layout_report.hpp"
#include "carekiosk/upload/upload_worker.hpp"

namespace carekiosk::kiosk {

struct KioskOptions {
    core::KioskConfig config;
    int width = 0;  // window size when not fullscreen; 0 means 1280x800
    int height = 0;
    bool forceWindowed = false;  // ignore config.fullscreen (development, screenshots)
    bool startUploader = true;
    // The file `config` came from; "Reload config" in the admin panel reads it
    // again. Empty: reloading says there is no file.
    std::filesystem::path configPath;
    // While the outbox cannot be opened (a full disk at start-up), the kiosk
    // runs with check-ins paused and tries to open it again this often.
    std::chrono::milliseconds reopenOutboxEvery{30000};
};

class KioskApp {
  public:
    // Opens the outbox, the window and the renderer, and starts the upload
    // worker. `clock` and `random` must outlive the app. Errors name what is
    // missing (display, font) and what to do. An outbox that cannot be opened
    // is not an error: the kiosk starts with check-ins paused, says why on
    // screen, in the admin panel and the log, and keeps trying to open it.
    static core::Result<std::unique_ptr<KioskApp>> create(const KioskOptions& options,
                                                          const core::Clock& clock,
                                                          core::RandomSource& random);
    ~KioskApp();
    KioskApp(const KioskApp&) = delete;
    KioskApp& operator=(const KioskApp&) = delete;

    // Runs until the window is closed or SIGINT/SIGTERM. Returns an exit code.
    int run();
    // One turn of the main loop: waits at most `maxWait` for an event (less if
    // a frame or deadline is due), handles events and draws any frames due.
    // Returns false once the app has been asked to quit.
    bool pump(std::chrono::milliseconds maxWait);

    ui::Screen screen() const;
    // The language the screens are shown in right now.
    const std::string& language() const;
    // Touch targets of the last frame drawn.
    const ui::LayoutReport& layout() const { return layout_; }
    std::uint64_t framesRendered() const { return framesRendered_; }
    // True when no frame is due, no input waits to be drawn and no SDL event
    // waits in the queue.
    bool settled() const;
    SDL_Window* window() const { return window_; }

    upload::UploadStatus uploadStatus() const;
    // Asks the upload worker to try now; returns its ticket (see UploadStatus),
    // or 0 when this app runs without an uploader.
    std::uint64_t uploadNow();

    // Whether a tap now would be dropped, the screen having changed within
    // the tap guard (see ui::PointerInput): a driver that taps as a person
    // would waits until it is not.
    bool tapWouldBeDropped() const;

    // Shows the Still there? prompt now, as idling would, where the screen
    // showing asks before it resets (the screen tour photographs it).
    // Returns whether the prompt shows.
    bool askStillThere();

    // Draws a frame now and writes it to `path` as PNG.
    core::Status saveScreenshot(const std::filesystem::path& path);

    // The version of the collector's site config in use (0: the file's own).
    int siteConfigVersion() const;

    // Reads the config file again and applies it: the question set, content,
    // timings, languages and PIN at once; a changed collector address or token
    // restarts the upload worker. The database path cannot change while
    // running (that needs a restart). On error nothing changes and the error
    // names the field.
    core::Status reloadConfig();

  private:
    struct Parts;
    explicit KioskApp(std::unique_ptr<Parts> parts);
    void handleEvent(const SDL_Event& event);
    void drawFrame(const std::string& screenshotPath = {}, core::Status* status = nullptr);
    void requestFrames();
    // Tells the pointer input when the screen (or the Still there? prompt)
    // changed, so that a tap aimed at the last screen does not land on this one.
    void noteScreenChange(std::chrono::steady_clock::time_point now);
    // Applies the newest fetched site config (between check-ins); a config
    // that does not validate is refused and reported, and nothing changes.
    void applyFetchedSiteConfig();
    // Replaces the running config and translations in place.
    core::Status installConfig(LoadedConfig loaded, std::string note);

    std::unique_ptr<Parts> parts_;
    SDL_Window* window_ = nullptr;
    ui::LayoutReport layout_;
    std::uint64_t framesRendered_ = 0;
    int framesDue_ = 0;
    bool quit_ = false;
    std::optional<std::chrono::steady_clock::time_point> frameDueAt_;
    std::chrono::steady_clock::time_point lastFrame_{};
    std::pair<ui::Screen, bool> shownScreen_{ui::Screen::Welcome, false};
};

}  // namespace carekiosk::kiosk
