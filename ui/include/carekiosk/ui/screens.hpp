#pragma once
// The kiosk's screens. Each is a small class that reads the ViewModel and
// appends Actions; none of them touches storage, the network or threads.
// Call draw() between ImGui::NewFrame() and ImGui::Render() on the UI thread.

#include <optional>
#include <string>
#include <vector>

#include "carekiosk/ui/flow.hpp"
#include "carekiosk/ui/layout_report.hpp"
#include "carekiosk/ui/theme.hpp"
#include "carekiosk/ui/translations.hpp"
#include "carekiosk/ui/view_model.hpp"

struct ImFont;

namespace carekiosk::ui {

// How long the admin corner must be held.
inline constexpr float kAdminHoldSeconds = 3.0f;

// What one frame produced: the person's intents, where the targets were, and
// when the screen wants to be drawn again without any input (a timer or an
// animation).
struct FrameOutput {
    std::vector<Action> actions;
    LayoutReport layout;
    std::optional<float> redrawInSeconds;

    void redrawWithin(float seconds) {
        redrawInSeconds = redrawInSeconds ? std::min(*redrawInSeconds, seconds) : seconds;
    }
};

struct Fonts {
    ImFont* body = nullptr;
    ImFont* title = nullptr;
    ImFont* small = nullptr;
};

// Shared, read-only drawing context for one frame.
struct DrawContext {
    const Palette& palette;
    const Metrics& metrics;
    const Fonts& fonts;
    const Translator& tr;
    float width;
    float height;
};

// Each screen: draw(model, ctx, out) reads the model and appends intents.
class WelcomeScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

class AboutScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

// "Take a moment": a circle that grows for 4 s (breathe in) and shrinks for
// 6 s (breathe out), six times. It asks for frames only while it moves.
class BreathingScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

class PulseScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

class ReasonsScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

// Thanks, the site's support resources (first, for the two lowest scores),
// and a way into a buddy request.
class ThankYouScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

// Short messages with one button: save failed, buddy request sent (with the
// site's reply note), and the cooldown (a welcome and a countdown into the
// newcomer's own check-in, with Back).
class MessageScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

class BuddyKindScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

class BuddyWhenScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

// First name and contact, typed on the on-screen keyboard, with the consent line.
class BuddyContactScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

// The PIN pad that guards the admin panel.
// Outside the site's hours: a dim clock; a touch anywhere (but the admin
// corner) emits Wake.
class QuietScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

class AdminPinScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

// Kiosk health for facilities: uploads, storage, identity; upload now, reload
// config, exit.
class AdminScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

// "Still there?": over any screen the person left idle, before it would take
// what they entered or were reading away. "I need more time" keeps the
// screen; "Start over" ends the session now.
class StillTherePrompt {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

// Dispatches to the screen the model names, inside one fullscreen ImGui window.
class ScreenSet {
  public:
    FrameOutput draw(const ViewModel& model, const DrawContext& ctx) const;

  private:
    void drawScreen(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;

    WelcomeScreen welcome_;
    AboutScreen about_;
    BreathingScreen breathing_;
    PulseScreen pulse_;
    ReasonsScreen reasons_;
    ThankYouScreen thankYou_;
    MessageScreen message_;
    BuddyKindScreen buddyKind_;
    BuddyWhenScreen buddyWhen_;
    BuddyContactScreen buddyContact_;
    AdminPinScreen adminPin_;
    AdminScreen admin_;
    QuietScreen quiet_;
    StillTherePrompt stillThere_;
};

}  // namespace carekiosk::ui
