#pragma once
// Drives the kiosk through real SDL input events, for tests and the demo
// (`carekiosk --simulate-checkins N`). Events go through SDL_PushEvent and
// the app's normal event handling, exactly as a touchscreen's would.
// Thread: the app's UI thread.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "carekiosk/core/result.hpp"
#include "carekiosk/kiosk/kiosk_app.hpp"

namespace carekiosk::kiosk {

enum class PointerKind { Touch, Mouse };

// Pushes a press and a release at the centre of the target `id` from the last
// frame's layout. Error (naming the target) if it is not on screen.
core::Status injectTap(KioskApp& app, const std::string& id, PointerKind kind);

// Pumps the app until `done()` holds or `deadline` passes; returns done().
bool pumpUntil(KioskApp& app, const std::function<bool()>& done,
               std::chrono::steady_clock::time_point deadline);

// Waits until `screen` shows with target `id` drawn and settled, then taps it.
// Errors say what did not show in time.
core::Status tapOn(KioskApp& app, ui::Screen screen, const std::string& id, PointerKind kind,
                   std::chrono::steady_clock::time_point deadline);

// Pumps until the app shows `screen`; the error names what shows instead.
core::Status waitForScreen(KioskApp& app, ui::Screen screen,
                           std::chrono::steady_clock::time_point deadline);

// Pumps until the welcome screen shows, as a person reaches it: in quiet hours
// the kiosk shows a dim clock, and a touch on it (`quiet.wake`) wakes it first.
// The error names what shows instead.
core::Status reachWelcome(KioskApp& app, PointerKind kind,
                          std::chrono::steady_clock::time_point deadline);

// One whole check-in: from the welcome screen (woken if quiet) Check in, the face for `score`, the
// `reasons` (option ids) and Submit when the question set has reasons, and Done on the thank-you
// screen. Errors say which step did not happen in time, or that it was not saved.
core::Status driveCheckIn(KioskApp& app, int score, PointerKind kind,
                          const std::vector<std::string>& reasons = {},
                          std::chrono::seconds timeout = std::chrono::seconds(10));

}  // namespace carekiosk::kiosk
