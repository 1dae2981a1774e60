#pragma once
// What the screens show, built by the kiosk's controller for each frame from
// the state it owns. Plain data: no ImGui, SDL, storage or threads (this
// header is in carekiosk_flow, which links no drawing code; flow_tests use
// it that way).

#include <cstddef>
#include <string>
#include <vector>

#include "carekiosk/core/config.hpp"
#include "carekiosk/ui/flow.hpp"
#include "carekiosk/ui/translations.hpp"

namespace carekiosk::ui {

// One line of the admin panel, already formatted by the controller.
struct StatusLine {
    std::string label;
    std::string value;
    bool needsAttention = false;
};

// What the screens show. Built by the kiosk's controller for each frame.
struct ViewModel {
    Screen screen = Screen::Welcome;
    std::string siteName;
    std::string language = "en";
    std::vector<Language> languages;  // offered on the welcome screen
    std::string youSaidWeDid;
    // Check-ins are paused because nothing can be saved (not the clock).
    bool pausedForStorage = false;
    std::vector<std::string> reasons;  // option ids, in display order
    bool buddyOffered = true;          // false: no buddy buttons (no key to seal requests with)
    std::vector<std::string> buddyKinds;
    std::vector<std::string> buddyTimes;
    std::vector<core::SupportResource> support;
    Draft draft;  // what this person has entered so far
    // The Still there? prompt covers the screen (nothing under it is drawn),
    // with this many seconds left; on the cooldown screen, the seconds until
    // the faces.
    bool stillThere = false;
    int secondsLeft = 0;
    // Save failed on a change of face: the first face stays stored.
    bool firstAnswerKept = false;
    // The site's line on when a buddy request gets an answer ("" for none).
    std::string buddyReplyNote;
    float breathingSeconds = 0;  // on the breathing screen: time since start
    // PIN pad: how many digits are typed (never the digits) and any message.
    std::size_t pinDigits = 0;
    std::string pinMessage;
    // Admin panel.
    std::vector<StatusLine> status;
    bool allowExit = false;
    bool canResend = false;  // batches the collector refused are set aside
    std::string clockText;   // "HH:MM" local time, for the quiet screen
};

}  // namespace carekiosk::ui
