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
    ImGui::PushFont(ctx.fonts.body);
    const ImVec2 size = ImGui::CalcTextSize(label);
    draw->AddText(ImVec2(rect.centerX() - size.x / 2, rect.centerY() - size.y / 2), toU32(text),
                  label);
    ImGui::PopFont();
    return tapped;
}

float centeredText(const char* text, ImFont* font, float x, float y, float width, Rgb colour) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float size = font->FontSize;
    float used = 0;
    // Wrap word by word, then centre each line.
    const char* lineStart = text;
    const char* end = text + std::char_traits<char>::length(text);
    while (lineStart < end) {
        const char* lineEnd = font->CalcWordWrapPositionA(1.0f, lineStart, end, width);
        if (lineEnd == lineStart) {
            ++lineEnd;  // a single word wider than the line still advances
        }
        const ImVec2 lineSize = font->CalcTextSizeA(size, FLT_MAX, 0.0f, lineStart, lineEnd);
        draw->AddText(font, size, ImVec2(x + (width - lineSize.x) / 2, y + used), toU32(colour),
                      lineStart, lineEnd);
        used += size * 1.25f;
        lineStart = lineEnd;
        while (lineStart < end && (*lineStart == ' ' || *lineStart == '\n')) {
            ++lineStart;
        }
    }
    return used;
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
