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

struct ImFont;

namespace carekiosk::ui {

// One line of the admin panel, already formatted by the controller.
struct StatusLine {
    std::string label;
    std::string value;
    bool needsAttention = false;
};

// What the screens show. Built by the kiosk's controller each frame.
struct ViewModel {
    Screen screen = Screen::Welcome;
    std::string siteName;
    // PIN pad: how many digits are typed (never the digits) and any message.
    std::size_t pinDigits = 0;
    std::string pinMessage;
    // Admin panel.
    std::vector<StatusLine> status;
    bool allowExit = false;
};

// How long the admin corner must be held.
inline constexpr float kAdminHoldSeconds = 3.0f;

// What one frame produced: the person's intents, where the targets were, and
// when the screen wants to be drawn again without any input (a timer).
struct FrameOutput {
    std::vector<Action> actions;
    LayoutReport layout;
    std::optional<float> redrawInSeconds;
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
    float width;
    float height;
};

class WelcomeScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

class PulseScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

class ThankYouScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

class SaveFailedScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

// The PIN pad that guards the admin panel.
class AdminPinScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

// Kiosk health for facilities: uploads, storage, identity; upload now, exit.
class AdminScreen {
  public:
    void draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const;
};

// Dispatches to the screen the model names, inside one fullscreen ImGui window.
class ScreenSet {
  public:
    FrameOutput draw(const ViewModel& model, const DrawContext& ctx) const;

  private:
    WelcomeScreen welcome_;
    PulseScreen pulse_;
    ThankYouScreen thankYou_;
    SaveFailedScreen saveFailed_;
    AdminPinScreen adminPin_;
    AdminScreen admin_;
};

// The word under each face, 1..5.
const char* faceWord(int score);

}  // namespace carekiosk::ui
