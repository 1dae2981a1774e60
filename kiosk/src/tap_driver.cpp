#include "carekiosk/kiosk/tap_driver.hpp"

namespace carekiosk::kiosk {

using core::ErrorCode;
using core::makeError;

namespace {

// Short waits inside pumpUntil: each returns early on any event, so this is a
// polling bound for the predicate, not a sleep that the result depends on.
constexpr std::chrono::milliseconds kPumpSlice{20};

}  // namespace

core::Status injectTap(KioskApp& app, const std::string& id, PointerKind kind) {
    const auto target = app.layout().find(id);
    if (!target) {
        return makeError(ErrorCode::NotFound, "touch target " + id + " is not on screen");
    }
    int winW = 0;
    int winH = 0;
    SDL_GetWindowSize(app.window(), &winW, &winH);
    int outW = winW;
    int outH = winH;
    SDL_GetRendererOutputSize(SDL_GetRenderer(app.window()), &outW, &outH);
    const float x = target->centerX();
    const float y = target->centerY();
    // A person reads a new screen before tapping on it (the kiosk drops a
    // tap that comes sooner, as a double tap or a bounce): wait that out.
    const auto patience = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (app.tapWouldBeDropped() && std::chrono::steady_clock::now() < patience) {
        app.pump(kPumpSlice);
    }
    const Uint32 windowId = SDL_GetWindowID(app.window());
    for (bool down : {true, false}) {
        SDL_Event event{};
        if (kind == PointerKind::Touch) {
            event.type = down ? SDL_FINGERDOWN : SDL_FINGERUP;
            event.tfinger.touchId = 1;
            event.tfinger.fingerId = 1;
            event.tfinger.x = x / static_cast<float>(outW);
            event.tfinger.y = y / static_cast<float>(outH);
            event.tfinger.pressure = down ? 1.0f : 0.0f;
            event.tfinger.windowID = windowId;
        } else {
            event.type = down ? SDL_MOUSEBUTTONDOWN : SDL_MOUSEBUTTONUP;
            event.button.windowID = windowId;
            event.button.which = 0;
            event.button.button = SDL_BUTTON_LEFT;
            event.button.state = down ? SDL_PRESSED : SDL_RELEASED;
            event.button.clicks = 1;
            event.button.x =
                static_cast<Sint32>(x * static_cast<float>(winW) / static_cast<float>(outW));
            event.button.y =
                static_cast<Sint32>(y * static_cast<float>(winH) / static_cast<float>(outH));
        }
        if (SDL_PushEvent(&event) < 0) {
            return makeError(ErrorCode::Internal,
                             std::string("cannot queue an input event: ") + SDL_GetError());
        }
    }
    return {};
}

bool pumpUntil(KioskApp& app, const std::function<bool()>& done,
               std::chrono::steady_clock::time_point deadline) {
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        if (!app.pump(kPumpSlice)) {
            return done();
        }
    }
    return true;
}

core::Status waitForScreen(KioskApp& app, ui::Screen screen,
                           std::chrono::steady_clock::time_point deadline) {
    if (!pumpUntil(
            app, [&] { return app.screen() == screen; }, deadline)) {
        return makeError(ErrorCode::Internal, std::string("timed out waiting for the ") +
                                                  ui::screenName(screen) + " screen (showing " +
                                                  ui::screenName(app.screen()) + ")");
    }
    return {};
}

core::Status tapOn(KioskApp& app, ui::Screen screen, const std::string& id, PointerKind kind,
                   std::chrono::steady_clock::time_point deadline) {
    // Wait until the screen is showing and its layout has been drawn.
    const bool ready = pumpUntil(
        app,
        [&] {
            return app.screen() == screen && app.settled() && app.layout().find(id).has_value();
        },
        deadline);
    if (!ready) {
        return makeError(ErrorCode::Internal, "timed out waiting for " + id + " on the " +
                                                  ui::screenName(screen) + " screen (showing " +
                                                  ui::screenName(app.screen()) + ")");
    }
    return injectTap(app, id, kind);
}

core::Status reachWelcome(KioskApp& app, PointerKind kind,
                          std::chrono::steady_clock::time_point deadline) {
    using ui::Screen;
    const auto quietAndDrawn = [&] {
        return app.screen() == Screen::Quiet && app.settled() &&
               app.layout().find("quiet.wake").has_value();
    };
    // The quiet screen can come up while we wait (an idle welcome screen in
    // quiet hours turns into it), so wake it as often as it shows.
    while (true) {
        if (!pumpUntil(
                app, [&] { return app.screen() == Screen::Welcome || quietAndDrawn(); },
                deadline)) {
            return waitForScreen(app, Screen::Welcome, deadline);  // says what shows instead
        }
        if (app.screen() == Screen::Welcome) {
            return {};
        }
        CAREKIOSK_TRY(injectTap(app, "quiet.wake", kind));
        pumpUntil(
            app, [&] { return app.screen() != Screen::Quiet; }, deadline);
    }
}

core::Status driveCheckIn(KioskApp& app, int score, PointerKind kind,
                          const std::vector<std::string>& reasons, std::chrono::seconds timeout) {
    using ui::Screen;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // Check in, from the welcome screen. The dim clock can take over until the
    // tap lands (quiet hours fetched with the site config apply at once to a
    // welcome screen nobody has touched); then the tap wakes it, and again.
    while (app.screen() != Screen::Pulse) {
        CAREKIOSK_TRY(reachWelcome(app, kind, deadline));
        const bool ready = pumpUntil(
            app,
            [&] {
                return app.screen() != Screen::Welcome ||
                       (app.settled() && app.layout().find("welcome.start").has_value());
            },
            deadline);
        if (!ready || app.screen() != Screen::Welcome) {
            continue;  // reachWelcome says what shows instead, or wakes it
        }
        CAREKIOSK_TRY(injectTap(app, "welcome.start", kind));
        if (!pumpUntil(
                app, [&] { return app.screen() != Screen::Welcome; }, deadline)) {
            return makeError(ErrorCode::Internal, "tapping Check in did not leave welcome");
        }
    }
    if (auto s = tapOn(app, Screen::Pulse, "pulse.face." + std::to_string(score), kind, deadline);
        !s) {
        return s;
    }
    if (!pumpUntil(
            app, [&] { return app.screen() != Screen::Pulse; }, deadline)) {
        return makeError(ErrorCode::Internal, "tapping a face did not leave the pulse screen");
    }
    if (app.screen() == Screen::Reasons) {
        for (const auto& reason : reasons) {
            // Each tap redraws the chip; wait for that frame before the next.
            CAREKIOSK_TRY(tapOn(app, Screen::Reasons, "reasons." + reason, kind, deadline));
            pumpUntil(
                app, [&] { return app.settled(); }, deadline);
        }
        CAREKIOSK_TRY(tapOn(app, Screen::Reasons, "reasons.submit", kind, deadline));
        if (!pumpUntil(
                app, [&] { return app.screen() != Screen::Reasons; }, deadline)) {
            return makeError(ErrorCode::Internal, "Submit did not leave the reasons screen");
        }
    }
    if (app.screen() != Screen::ThankYou) {
        return makeError(ErrorCode::Storage, "the check-in was not saved (showing " +
                                                 std::string(ui::screenName(app.screen())) + ")");
    }
    CAREKIOSK_TRY(tapOn(app, Screen::ThankYou, "thankyou.done", kind, deadline));
    return waitForScreen(app, Screen::Welcome, deadline);
}

}  // namespace carekiosk::kiosk
