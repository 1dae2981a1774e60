#include "carekiosk/kiosk/screen_tour.hpp"

#include <vector>

namespace carekiosk::kiosk {

using core::ErrorCode;
using core::makeError;
using ui::Screen;

namespace {

constexpr std::chrono::seconds kStepTimeout{10};

// One tap in the tour: on `screen`, tap `target`; then, if `shot` is set,
// wait for `next` and call the stop with that name.
struct Step {
    Screen screen;
    std::string target;
    Screen next;
    const char* shot;  // nullptr: no stop after this tap
};

// Pumps until the screen has settled, so what is on screen includes the
// effect of the last tap.
core::Status settle(KioskApp& app, std::chrono::steady_clock::time_point deadline) {
    if (!pumpUntil(
            app, [&] { return app.settled(); }, deadline)) {
        return makeError(ErrorCode::Internal, "the screen did not settle");
    }
    return {};
}

core::Status run(KioskApp& app, const std::vector<Step>& steps, PointerKind kind,
                 const TourStop& stop) {
    for (const auto& step : steps) {
        const auto deadline = std::chrono::steady_clock::now() + kStepTimeout;
        CAREKIOSK_TRY(tapOn(app, step.screen, step.target, kind, deadline));
        if (auto s = waitForScreen(app, step.next, deadline); !s) {
            return core::withContext(s.error(), "after tapping " + step.target);
        }
        CAREKIOSK_TRY(settle(app, deadline));
        if (step.shot) {
            CAREKIOSK_TRY(stop(step.shot));
        }
    }
    return {};
}

}  // namespace

core::Status tourStaffScreens(KioskApp& app, const std::string& language, PointerKind kind,
                              const TourStop& stop) {
    const auto deadline = std::chrono::steady_clock::now() + kStepTimeout;
    CAREKIOSK_TRY(reachWelcome(app, kind, deadline));
    CAREKIOSK_TRY(settle(app, deadline));
    // Offered languages show as chips; a single-language site shows none.
    if (app.layout().find("welcome.language." + language)) {
        if (auto s = tapOn(app, Screen::Welcome, "welcome.language." + language, kind, deadline);
            !s) {
            return s;
        }
    }
    CAREKIOSK_TRY(settle(app, deadline));
    if (app.language() != language) {
        return makeError(ErrorCode::Internal, "the welcome screen did not switch to language " +
                                                  language + " (showing " + app.language() + ")");
    }
    CAREKIOSK_TRY(stop("welcome"));
    const std::vector<Step> steps = {
        {Screen::Welcome, "welcome.about", Screen::About, "about"},
        {Screen::About, "about.back", Screen::Welcome, nullptr},
        {Screen::Welcome, "welcome.breathe", Screen::Breathing, "breathing"},
        {Screen::Breathing, "breathing.finish", Screen::Welcome, nullptr},
        {Screen::Welcome, "welcome.start", Screen::Pulse, "pulse"},
        {Screen::Pulse, "pulse.face.2", Screen::Reasons, nullptr},
        {Screen::Reasons, "reasons.workload", Screen::Reasons, "reasons"},
        {Screen::Reasons, "reasons.submit", Screen::ThankYou, "thank-you"},
        {Screen::ThankYou, "thankyou.buddy", Screen::BuddyKind, "buddy-kind"},
        {Screen::BuddyKind, "buddy.kind.walk", Screen::BuddyWhen, nullptr},
        {Screen::BuddyWhen, "buddy.time.lunchtimes", Screen::BuddyWhen, "buddy-when"},
        {Screen::BuddyWhen, "buddy.next", Screen::BuddyContact, nullptr},
        // Send with nothing typed: the labels say what is missing.
        {Screen::BuddyContact, "buddy.send", Screen::BuddyContact, "buddy-contact-hint"},
        {Screen::BuddyContact, "key.s", Screen::BuddyContact, nullptr},
        {Screen::BuddyContact, "key.a", Screen::BuddyContact, nullptr},
        {Screen::BuddyContact, "key.m", Screen::BuddyContact, nullptr},
        {Screen::BuddyContact, "buddy.field.contact", Screen::BuddyContact, nullptr},
        {Screen::BuddyContact, "key.d", Screen::BuddyContact, nullptr},
        {Screen::BuddyContact, "key.e", Screen::BuddyContact, nullptr},
        {Screen::BuddyContact, "key.s", Screen::BuddyContact, nullptr},
        {Screen::BuddyContact, "key.k", Screen::BuddyContact, nullptr},
        {Screen::BuddyContact, "key.space", Screen::BuddyContact, nullptr},
        {Screen::BuddyContact, "key.layer", Screen::BuddyContact, nullptr},
        {Screen::BuddyContact, "key.4", Screen::BuddyContact, "buddy-contact"},
    };
    CAREKIOSK_TRY(run(app, steps, kind, stop));
    // The prompt that idling brings, over the half-filled form; "I need more
    // time" gives the form back as it was.
    if (!app.askStillThere()) {
        return makeError(ErrorCode::Internal, "the buddy form did not ask Still there?");
    }
    const auto promptDeadline = std::chrono::steady_clock::now() + kStepTimeout;
    if (!pumpUntil(
            app, [&] { return app.settled() && app.layout().find("stillthere.more"); },
            promptDeadline)) {
        return makeError(ErrorCode::Internal, "the Still there? prompt did not show");
    }
    CAREKIOSK_TRY(stop("still-there"));
    const std::vector<Step> finish = {
        {Screen::BuddyContact, "stillthere.more", Screen::BuddyContact, nullptr},
        {Screen::BuddyContact, "buddy.send", Screen::BuddySent, "buddy-sent"},
        {Screen::BuddySent, "buddysent.ok", Screen::Welcome, nullptr},
    };
    CAREKIOSK_TRY(run(app, finish, kind, stop));
    // The session ended, so the language went back to the site's: choose again.
    std::vector<Step> cooldown;
    if (app.layout().find("welcome.language." + language)) {
        cooldown.push_back(
            {Screen::Welcome, "welcome.language." + language, Screen::Welcome, nullptr});
    }
    cooldown.insert(cooldown.end(),
                    {
                        {Screen::Welcome, "welcome.start", Screen::Cooldown, "cooldown"},
                        {Screen::Cooldown, "cooldown.back", Screen::Welcome, nullptr},
                    });
    return run(app, cooldown, kind, stop);
}

core::Status tourAdminScreens(KioskApp& app, const std::string& pin, const TourStop& stop) {
    auto deadline = std::chrono::steady_clock::now() + kStepTimeout;
    if (!pumpUntil(
            app, [&] { return app.settled() && app.layout().find("admin.corner").has_value(); },
            deadline)) {
        return makeError(ErrorCode::Internal, "the admin corner is not on screen");
    }
    // A real finger press that stays down: no further events arrive, so the app
    // must wake itself when the three seconds are up.
    const auto corner = app.layout().find("admin.corner").value();
    int w = 0;
    int h = 0;
    SDL_GetRendererOutputSize(SDL_GetRenderer(app.window()), &w, &h);
    SDL_Event down{};
    down.type = SDL_FINGERDOWN;
    down.tfinger.x = corner.centerX() / static_cast<float>(w);
    down.tfinger.y = corner.centerY() / static_cast<float>(h);
    down.tfinger.windowID = SDL_GetWindowID(app.window());
    SDL_PushEvent(&down);
    CAREKIOSK_TRY(waitForScreen(app, Screen::AdminPin, deadline));
    SDL_Event up = down;
    up.type = SDL_FINGERUP;
    SDL_PushEvent(&up);
    std::vector<Step> steps;
    for (char digit : pin) {
        steps.push_back(
            {Screen::AdminPin, std::string("admin.pin.") + digit, Screen::AdminPin, nullptr});
    }
    CAREKIOSK_TRY(run(app, steps, PointerKind::Touch, stop));
    CAREKIOSK_TRY(stop("admin-pin"));
    if (pin.empty()) {
        return {};
    }
    return run(app, {{Screen::AdminPin, "admin.pin.ok", Screen::Admin, "admin"}},
               PointerKind::Touch, stop);
}

}  // namespace carekiosk::kiosk
