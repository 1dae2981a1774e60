#pragma once
// The kiosk's screens. Each is a small class that reads the ViewModel and
// appends Actions; none of them touches storage, the network or threads.
// Call draw() between ImGui::NewFrame() and ImGui::Render() on the UI thread.

#include <string>
#include <vector>

#include "carekiosk/ui/flow.hpp"
#include "carekiosk/ui/layout_report.hpp"
#include "carekiosk/ui/theme.hpp"

struct ImFont;

namespace carekiosk::ui {

// What the screens show. Built by the kiosk's controller each frame.
struct ViewModel {
    Screen screen = Screen::Welcome;
    std::string siteName;
};

// What one frame produced: the person's intents and where the targets were.
struct FrameOutput {
    std::vector<Action> actions;
    LayoutReport layout;
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

// Dispatches to the screen the model names, inside one fullscreen ImGui window.
class ScreenSet {
  public:
    FrameOutput draw(const ViewModel& model, const DrawContext& ctx) const;

  private:
    WelcomeScreen welcome_;
    PulseScreen pulse_;
    ThankYouScreen thankYou_;
    SaveFailedScreen saveFailed_;
};

// The word under each face, 1..5.
const char* faceWord(int score);

}  // namespace carekiosk::ui
