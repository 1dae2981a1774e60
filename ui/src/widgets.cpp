#include "widgets.hpp"

#include <algorithm>
#include <cmath>

namespace carekiosk::ui::widgets {

namespace {
constexpr float kPi = 3.14159265358979f;
}  // namespace

ImU32 toU32(Rgb c, float alpha) {
    return IM_COL32(c.r, c.g, c.b, static_cast<int>(std::lround(alpha * 255.0f)));
}

bool touchArea(const std::string& id, Rect rect, FrameOutput& out, bool* held) {
    out.layout.add(id, rect);
    ImGui::SetCursorScreenPos(ImVec2(rect.x, rect.y));
    const bool tapped = ImGui::InvisibleButton(id.c_str(), ImVec2(rect.w, rect.h));
    if (held) {
        *held = ImGui::IsItemActive();
    }
    return tapped;
}

float buttonHeight(const DrawContext& ctx) {
    return std::max(ctx.metrics.minTarget, ctx.metrics.bodyPx * 2.4f);
}

Rect centredButton(const DrawContext& ctx, float widthFraction, float y) {
    const float w = std::max(ctx.metrics.minTarget * 2, ctx.width * widthFraction);
    return Rect{(ctx.width - w) / 2, y, w, buttonHeight(ctx)};
}

namespace {

// Draws `label` centred in `rect`, shrinking and wrapping it to fit; records an
// overflow under `id` when even two small lines do not.
float labelRoom(Rect rect, const DrawContext& ctx) {
    return rect.w - 2 * std::max(6.0f, ctx.metrics.bodyPx * 0.4f);
}

void fittedLabel(const std::string& id, const char* label, Rect rect, Rgb colour,
                 const DrawContext& ctx, FrameOutput& out, bool smallText = false) {
    const float padX = std::max(6.0f, ctx.metrics.bodyPx * 0.4f);
    const float room = labelRoom(rect, ctx);
    for (ImFont* font : {smallText ? ctx.fonts.small : ctx.fonts.body, ctx.fonts.small}) {
        const ImVec2 size = font->CalcTextSizeA(font->FontSize, FLT_MAX, 0.0f, label);
        if (size.x <= room) {
            ImGui::GetWindowDrawList()->AddText(
                font, font->FontSize,
                ImVec2(rect.centerX() - size.x / 2, rect.centerY() - size.y / 2), toU32(colour),
                label);
            return;
        }
    }
    const float height = textHeight(label, ctx.fonts.small, room);
    if (height > rect.h - 4) {
        out.layout.addOverflow(id);
    }
    centeredText(label, ctx.fonts.small, rect.x + padX, rect.centerY() - height / 2, room, colour);
}

}  // namespace

bool touchButton(const std::string& id, const char* label, Rect rect, ButtonKind kind,
                 const DrawContext& ctx, FrameOutput& out) {
    bool held = false;
    const bool tapped = touchArea(id, rect, out, &held);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const Rgb fill = kind == ButtonKind::Primary ? ctx.palette.accent : ctx.palette.buttonSecondary;
    const Rgb text = kind == ButtonKind::Primary ? ctx.palette.accentText : ctx.palette.text;
    const ImVec2 min(rect.x, rect.y);
    const ImVec2 max(rect.x + rect.w, rect.y + rect.h);
    draw->AddRectFilled(min, max, toU32(fill, held ? 0.8f : 1.0f), rect.h * 0.25f);
    fittedLabel(id, label, rect, text, ctx, out);
    return tapped;
}

bool chip(const std::string& id, const char* label, Rect rect, bool selected,
          const DrawContext& ctx, FrameOutput& out, bool smallText) {
    bool held = false;
    const bool tapped = touchArea(id, rect, out, &held);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const Rgb fill = selected ? ctx.palette.accent : ctx.palette.buttonSecondary;
    const Rgb text = selected ? ctx.palette.accentText : ctx.palette.text;
    const ImVec2 min(rect.x, rect.y);
    const ImVec2 max(rect.x + rect.w, rect.y + rect.h);
    draw->AddRectFilled(min, max, toU32(fill, held ? 0.8f : 1.0f), rect.h * 0.5f);
    if (!selected) {
        draw->AddRect(min, max, toU32(ctx.palette.mutedText), rect.h * 0.5f, 0,
                      std::max(1.5f, ctx.metrics.scale * 2.0f));
    }
    // A tick (U+2713) in front of a chosen option.
    const std::string shown = selected ? std::string("\xE2\x9C\x93 ") + label : label;
    fittedLabel(id, shown.c_str(), rect, text, ctx, out, smallText);
    return tapped;
}

int buttonRow(const std::vector<RowButton>& buttons, Rect area, const DrawContext& ctx,
              FrameOutput& out) {
    const float gap = std::max(8.0f, ctx.metrics.margin * 0.4f);
    const auto n = static_cast<float>(buttons.size());
    const float w = (area.w - gap * (n - 1)) / n;
    int tapped = -1;
    for (std::size_t i = 0; i < buttons.size(); ++i) {
        const Rect r{area.x + static_cast<float>(i) * (w + gap), area.y, w, area.h};
        if (touchButton(buttons[i].id, buttons[i].label, r, buttons[i].kind, ctx, out)) {
            tapped = static_cast<int>(i);
        }
    }
    return tapped;
}

float chipGridHeight(std::size_t count, int columns, const DrawContext& ctx) {
    const auto rows = static_cast<float>((count + static_cast<std::size_t>(columns) - 1) /
                                         static_cast<std::size_t>(columns));
    const float gap = std::max(8.0f, ctx.metrics.margin * 0.4f);
    return rows * buttonHeight(ctx) + std::max(0.0f, rows - 1) * gap;
}

int chipGrid(const std::string& idPrefix, const std::vector<std::string>& ids,
             const std::vector<std::string>& labels, const std::vector<bool>& selected, int columns,
             Rect area, const DrawContext& ctx, FrameOutput& out) {
    const float gap = std::max(8.0f, ctx.metrics.margin * 0.4f);
    const auto cols = static_cast<float>(columns);
    const float w = (area.w - gap * (cols - 1)) / cols;
    const float h = buttonHeight(ctx);
    // One text size for the whole grid: small if any label (with its tick) needs it.
    bool smallText = false;
    for (const auto& label : labels) {
        const std::string widest = "\xE2\x9C\x93 " + label;
        smallText =
            smallText ||
            ctx.fonts.body->CalcTextSizeA(ctx.fonts.body->FontSize, FLT_MAX, 0.0f, widest.c_str())
                    .x > labelRoom(Rect{0, 0, w, h}, ctx);
    }
    int tapped = -1;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto col = static_cast<float>(i % static_cast<std::size_t>(columns));
        const auto row = static_cast<float>(i / static_cast<std::size_t>(columns));
        const Rect r{area.x + col * (w + gap), area.y + row * (h + gap), w, h};
        if (chip(idPrefix + ids[i], labels[i].c_str(), r, selected[i], ctx, out, smallText)) {
            tapped = static_cast<int>(i);
        }
    }
    return tapped;
}

void siteLine(const ViewModel& model, const DrawContext& ctx) {
    if (!model.siteName.empty()) {
        ImGui::GetWindowDrawList()->AddText(ctx.fonts.small, ctx.fonts.small->FontSize,
                                            ImVec2(ctx.metrics.margin, ctx.metrics.margin * 0.4f),
                                            toU32(ctx.palette.mutedText), model.siteName.c_str());
    }
}

float screenHeading(const ViewModel& model, const DrawContext& ctx, const char* title,
                    const char* subtitle) {
    const float m = ctx.metrics.margin;
    const float textWidth = ctx.width - 2 * m;
    siteLine(model, ctx);
    float y = m + ctx.fonts.small->FontSize * 1.2f;
    y += centeredText(title, ctx.fonts.title, m, y, textWidth, ctx.palette.text);
    if (subtitle) {
        y += ctx.metrics.bodyPx * 0.2f;
        y += centeredText(subtitle, ctx.fonts.body, m, y, textWidth, ctx.palette.mutedText);
    }
    return y + ctx.metrics.bodyPx * 0.6f;
}

bool backButton(const std::string& id, float y, const DrawContext& ctx, FrameOutput& out) {
    const float w = std::max(ctx.metrics.minTarget * 2, ctx.width * 0.2f);
    return touchButton(id, ctx.tr("common.back"), Rect{ctx.metrics.margin, y, w, buttonHeight(ctx)},
                       ButtonKind::Secondary, ctx, out);
}

void checkFits(const std::string& id, float bottom, float limit, FrameOutput& out) {
    if (bottom > limit + 0.5f) {
        out.layout.addOverflow(id);
    }
}

namespace {

// Walks `text` line by line as wrapped to `width`; calls draw(lineStart, lineEnd, y).
template <typename DrawLine>
float forEachLine(const char* text, ImFont* font, float width, DrawLine drawLine) {
    const float size = font->FontSize;
    float used = 0;
    const char* lineStart = text;
    const char* end = text + std::char_traits<char>::length(text);
    while (lineStart < end) {
        const char* lineEnd = font->CalcWordWrapPositionA(1.0f, lineStart, end, width);
        if (lineEnd == lineStart) {
            ++lineEnd;  // a single word wider than the line still advances
        }
        drawLine(lineStart, lineEnd, used);
        used += size * 1.25f;
        lineStart = lineEnd;
        while (lineStart < end && (*lineStart == ' ' || *lineStart == '\n')) {
            ++lineStart;
        }
    }
    return used;
}

}  // namespace

float textHeight(const char* text, ImFont* font, float width) {
    return forEachLine(text, font, width, [](const char*, const char*, float) {});
}

float centeredText(const char* text, ImFont* font, float x, float y, float width, Rgb colour) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float size = font->FontSize;
    return forEachLine(text, font, width, [&](const char* start, const char* end, float used) {
        const ImVec2 lineSize = font->CalcTextSizeA(size, FLT_MAX, 0.0f, start, end);
        draw->AddText(font, size, ImVec2(x + (width - lineSize.x) / 2, y + used), toU32(colour),
                      start, end);
    });
}

float wrappedText(const char* text, ImFont* font, float x, float y, float width, Rgb colour) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    return forEachLine(text, font, width, [&](const char* start, const char* end, float used) {
        draw->AddText(font, font->FontSize, ImVec2(x, y + used), toU32(colour), start, end);
    });
}

void drawFace(ImDrawList* draw, ImVec2 c, float r, int score, const Palette& palette,
              bool pressed) {
    const ImU32 ink = toU32(palette.faceOutline);
    const float stroke = std::max(2.0f, r * 0.07f);
    const Rgb fill = palette.faces[static_cast<std::size_t>(std::clamp(score, 1, 5) - 1)];
    draw->AddCircleFilled(c, r, toU32(fill, pressed ? 0.7f : 1.0f), 64);
    draw->AddCircle(c, r, ink, 64, stroke);

    auto at = [&](float dx, float dy) { return ImVec2(c.x + dx * r, c.y + dy * r); };

    // Eyes: open dots, except "great" whose eyes are smiling arcs.
    if (score == 5) {
        for (float side : {-1.0f, 1.0f}) {
            draw->PathArcTo(at(side * 0.33f, -0.12f), r * 0.13f, kPi, 2 * kPi, 16);
            draw->PathStroke(ink, false, stroke);
        }
    } else {
        for (float side : {-1.0f, 1.0f}) {
            draw->AddCircleFilled(at(side * 0.33f, -0.18f), r * 0.09f, ink, 20);
        }
    }
    // Brows only on the two lowest faces, raised in the middle: worried, not angry.
    if (score <= 2) {
        const float lift = score == 1 ? 0.14f : 0.07f;
        for (float side : {-1.0f, 1.0f}) {
            draw->AddLine(at(side * 0.50f, -0.40f), at(side * 0.18f, -0.40f - lift), ink, stroke);
        }
    }
    // Mouth: from a deep frown (1) through a straight line (3) to an open smile (5).
    switch (score) {
        case 1:
            draw->AddBezierCubic(at(-0.40f, 0.50f), at(-0.20f, 0.22f), at(0.20f, 0.22f),
                                 at(0.40f, 0.50f), ink, stroke, 24);
            break;
        case 2:
            draw->AddBezierCubic(at(-0.36f, 0.42f), at(-0.15f, 0.32f), at(0.15f, 0.32f),
                                 at(0.36f, 0.42f), ink, stroke, 24);
            break;
        case 3:
            draw->AddLine(at(-0.34f, 0.36f), at(0.34f, 0.36f), ink, stroke);
            break;
        case 4:
            draw->AddBezierCubic(at(-0.40f, 0.26f), at(-0.20f, 0.52f), at(0.20f, 0.52f),
                                 at(0.40f, 0.26f), ink, stroke, 24);
            break;
        default:
            draw->PathArcTo(at(0.0f, 0.18f), r * 0.44f, 0.0f, kPi, 32);
            draw->PathFillConvex(ink);
            break;
    }
}

}  // namespace carekiosk::ui::widgets
