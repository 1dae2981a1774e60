#pragma once
// Walks every screen of the kiosk by real SDL taps, for the layout tests and
// `carekiosk --screenshots DIR`. It really uses the app: it stores one
// check-in and one buddy request, so run it on a throwaway database.
//
// Thread: the app's UI thread.

#include <chrono>
#include <functional>
#include <string>

#include "carekiosk/core/result.hpp"
#include "carekiosk/kiosk/kiosk_app.hpp"
#include "carekiosk/kiosk/tap_driver.hpp"

namespace carekiosk::kiosk {

// Called once per screen, after it has settled, with a short name such as
// "welcome" or "buddy-contact". An error stops the tour.
using TourStop = std::function<core::Status(const std::string& name)>;

// Every staff screen in `language` (a language code on offer, tapped on the
// welcome screen first): welcome, about, breathing, pulse, reasons, thank-you,
// buddy kind/when, the contact form (after Send with nothing typed, which
// names what is missing, and with text typed), the Still there? prompt over
// it, buddy sent, and cooldown (13 stops). The app's
// config needs a cooldown longer than the tour (the cooldown screen shows
// only then) and at least one reason.
core::Status tourStaffScreens(KioskApp& app, const std::string& language, PointerKind kind,
                              const TourStop& stop);

// The PIN pad and, with `pin` (empty: stop at the pad), the admin panel: the
// corner is held for three seconds, as a person would.
core::Status tourAdminScreens(KioskApp& app, const std::string& pin, const TourStop& stop);

}  // namespace carekiosk::kiosk
