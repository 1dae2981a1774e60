#pragma once
// Touch widgets shared by the screens (private to the ui module).

#include <imgui.h>

#include <string>

#include "carekiosk/ui/screens.hpp"

namespace carekiosk::ui::widgets {

ImU32 toU32(Rgb colour, float alpha = 1.0f);

enum class ButtonKind { Primary, Secondary };

// A large rounded button. Records its rect under `id` and returns true when
// tapped (pressed and released inside it).
bool touchButton(const std::string& id, const char* label, Rect rect, ButtonKind kind,
                 const DrawContext& ctx, FrameOutput& out);

// A target with custom content drawn by the caller; returns true when tapped.
// `held` tells whether it is pressed right now (for feedback).
bool touchArea(const std::string& id, Rect rect, FrameOutput& out, bool* held = nullptr);

// Text centred horizontally in [x, x + width], wrapped to that width, starting
// at y. Returns the height used.
float centeredText(const char* text, ImFont* font, float x, float y, float width, Rgb colour);

// One of the five faces, drawn as vector shapes. They differ in mouth, eyes and
// brows as well as fill, so they read in greyscale too.
void drawFace(ImDrawList* draw, ImVec2 centre, float radius, int score, const Palette& palette,
              bool pressed);

}  // namespace carekiosk::ui::widgets
