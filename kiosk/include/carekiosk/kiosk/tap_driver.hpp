#pragma once
// Drives the kiosk through real SDL input events, for tests and the demo
// (`carekiosk --simulate-checkins N`). Events go through SDL_PushEvent and
// the app's normal event handling, exactly as a touchscreen's would.
// Thread: the app's UI thread.

#include <chrono>
#include <functional>
#include <string>

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

// One whole check-in: Check in, the face for `score`, and Done on the
// thank-you screen. Errors say which step did not happen in time.
core::Status driveCheckIn(KioskApp& app, int score, PointerKind kind,
                          std::chrono::seconds timeout = std::chrono::seconds(10));

}  // namespace carekiosk::kiosk
