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

core::Status driveCheckIn(KioskApp& app, int score, PointerKind kind,
                          std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    struct Step {
        const char* target;
        ui::Screen expectBefore;
    };
    const std::string face = "pulse.face." + std::to_string(score);
    const Step steps[] = {{"welcome.start", ui::Screen::Welcome},
                          {face.c_str(), ui::Screen::Pulse},
                          {"thankyou.done", ui::Screen::ThankYou}};
    for (const auto& step : steps) {
        // Wait until the screen is showing and its layout has been drawn.
        const bool ready = pumpUntil(
            app,
            [&] {
                return app.screen() == step.expectBefore && app.settled() &&
                       app.layout().find(step.target).has_value();
            },
            deadline);
        if (!ready) {
            return makeError(ErrorCode::Internal,
                             std::string("timed out waiting for ") + step.target + " on the " +
                                 ui::screenName(step.expectBefore) + " screen (showing " +
                                 ui::screenName(app.screen()) + ")");
        }
        if (auto tapped = injectTap(app, step.target, kind); !tapped) {
            return tapped;
        }
        const bool moved = pumpUntil(
            app, [&] { return app.screen() != step.expectBefore; }, deadline);
        if (!moved) {
            return makeError(ErrorCode::Internal,
                             std::string("tapping ") + step.target + " did not leave the " +
                                 ui::screenName(step.expectBefore) + " screen");
        }
        if (step.expectBefore == ui::Screen::Pulse && app.screen() != ui::Screen::ThankYou) {
            return makeError(ErrorCode::Storage, "the check-in was not saved (showing " +
                                                     std::string(ui::screenName(app.screen())) +
                                                     ")");
        }
    }
    return {};
}

}  // namespace carekiosk::kiosk
