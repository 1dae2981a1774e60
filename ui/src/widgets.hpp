#pragma once
// Touch widgets and layout helpers shared by the screens (private to the ui module).

#include <imgui.h>

#include <algorithm>
#include <string>
#include <vector>

#include "carekiosk/ui/screens.hpp"

namespace carekiosk::ui::widgets {

ImU32 toU32(Rgb colour, float alpha = 1.0f);

enum class ButtonKind { Primary, Secondary };

// `y`, or lower when the top of the screen is out of reach (Metrics::reachTop):
// where a control may start.
inline float reachable(const DrawContext& ctx, float y) {
    return std::max(y, ctx.metrics.reachTop);
}

// The standard button height for this screen size.
float buttonHeight(const DrawContext& ctx);
// A button `widthFraction` of the screen wide (never narrower than two targets), centred.
Rect centredButton(const DrawContext& ctx, float widthFraction, float y);

// A large rounded button. Records its rect under `id` and returns true when
// tapped (pressed and released inside it). The label is fitted: body text,
// else small text, else two lines of small text; text that still does not fit
// is recorded as an overflow in the layout report.
bool touchButton(const std::string& id, const char* label, Rect rect, ButtonKind kind,
                 const DrawContext& ctx, FrameOutput& out);

// A toggle chip: like a button, and when selected filled with the accent and
// marked with a tick, so the state never rests on colour alone.
// `smallText` starts the label at the small size (chipGrid uses it so that a
// row's chips share one size).
bool chip(const std::string& id, const char* label, Rect rect, bool selected,
          const DrawContext& ctx, FrameOutput& out, bool smallText = false);

// A target with custom content drawn by the caller; returns true when tapped.
// `held` tells whether it is pressed right now (for feedback).
bool touchArea(const std::string& id, Rect rect, FrameOutput& out, bool* held = nullptr);

// Text centred horizontally in [x, x + width], wrapped to that width, starting
// at y. Returns the height used.
float centeredText(const char* text, ImFont* font, float x, float y, float width, Rgb colour);
// Left-aligned wrapped text; returns the height used.
float wrappedText(const char* text, ImFont* font, float x, float y, float width, Rgb colour);
// The height centeredText/wrappedText would use, without drawing.
float textHeight(const char* text, ImFont* font, float width);

// A row of equal buttons across `area`; returns the index tapped, or -1.
struct RowButton {
    std::string id;
    const char* label;
    ButtonKind kind;
};
int buttonRow(const std::vector<RowButton>& buttons, Rect area, const DrawContext& ctx,
              FrameOutput& out);

// Chips in a grid of `columns` across `area` (rows as tall as a button).
// Returns the index tapped, or -1. `labels` and `selected` run in parallel.
int chipGrid(const std::string& idPrefix, const std::vector<std::string>& ids,
             const std::vector<std::string>& labels, const std::vector<bool>& selected, int columns,
             Rect area, const DrawContext& ctx, FrameOutput& out);
// The height chipGrid needs for `count` chips in `columns`.
float chipGridHeight(std::size_t count, int columns, const DrawContext& ctx);

// The site's name in the top-left corner, small.
void siteLine(const ViewModel& model, const DrawContext& ctx);

// The site line, a title and an optional subtitle from the top of the screen;
// returns the y below them.
float screenHeading(const ViewModel& model, const DrawContext& ctx, const char* title,
                    const char* subtitle);

// A Back button in the bottom-left corner at `y`; returns true when tapped.
bool backButton(const std::string& id, float y, const DrawContext& ctx, FrameOutput& out);

// Records an overflow when content drawn down to `bottom` passes `limit`.
void checkFits(const std::string& id, float bottom, float limit, FrameOutput& out);

// One of the five faces, drawn as vector shapes. They differ in mouth, eyes and
// brows as well as fill, so they read in greyscale too.
void drawFace(ImDrawList* draw, ImVec2 centre, float radius, int score, const Palette& palette,
              bool pressed);

}  // namespace carekiosk::ui::widgets
