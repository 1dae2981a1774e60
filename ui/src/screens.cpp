#include "carekiosk/ui/screens.hpp"

#include <imgui.h>

#include <algorithm>
#include <string>

#include "widgets.hpp"

namespace carekiosk::ui {

using widgets::ButtonKind;

namespace {

// English copy. (Translation files replace this table in the staff-experience work.)
constexpr const char* kFaceWords[] = {"Struggling", "Low", "Okay", "Good", "Great"};

float buttonHeight(const DrawContext& ctx) {
    return std::max(ctx.metrics.minTarget, ctx.metrics.bodyPx * 2.6f);
}

Rect centredButton(const DrawContext& ctx, float widthFraction, float y) {
    const float w = std::max(ctx.metrics.minTarget * 2, ctx.width * widthFraction);
    return Rect{(ctx.width - w) / 2, y, w, buttonHeight(ctx)};
}

void siteLine(const ViewModel& model, const DrawContext& ctx) {
    if (!model.siteName.empty()) {
        ImGui::GetWindowDrawList()->AddText(ctx.fonts.small, ctx.fonts.small->FontSize,
                                            ImVec2(ctx.metrics.margin, ctx.metrics.margin * 0.6f),
                                            widgets::toU32(ctx.palette.mutedText),
                                            model.siteName.c_str());
    }
}

struct Message {
    const char* title;
    const char* body;
    const char* buttonId;
    const char* buttonLabel;
};

// A title, a sentence and one button: the layout of every short message screen.
// Returns true when the button was tapped.
bool drawMessage(const ViewModel& model, const DrawContext& ctx, FrameOutput& out,
                 const Message& message) {
    const float m = ctx.metrics.margin;
    siteLine(model, ctx);
    float y = ctx.height * 0.22f;
    y += widgets::centeredText(message.title, ctx.fonts.title, m, y, ctx.width - 2 * m,
                               ctx.palette.text);
    y += ctx.metrics.bodyPx * 0.6f;
    y += widgets::centeredText(message.body, ctx.fonts.body, m, y, ctx.width - 2 * m,
                               ctx.palette.mutedText);
    y += ctx.metrics.bodyPx * 1.2f;
    return widgets::touchButton(message.buttonId, message.buttonLabel, centredButton(ctx, 0.3f, y),
                                ButtonKind::Primary, ctx, out);
}

}  // namespace

const char* faceWord(int score) {
    return kFaceWords[std::clamp(score, 1, 5) - 1];
}

void WelcomeScreen::draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const {
    const float m = ctx.metrics.margin;
    const float textWidth = ctx.width - 2 * m;
    siteLine(model, ctx);
    float y = ctx.height * 0.18f;
    y += widgets::centeredText("A moment for you", ctx.fonts.title, m, y, textWidth,
                               ctx.palette.text);
    y += ctx.metrics.bodyPx * 0.6f;
    y += widgets::centeredText(
        "How are you feeling today? Two taps, anonymous, and every step "
        "is optional.",
        ctx.fonts.body, m, y, textWidth, ctx.palette.mutedText);
    y += ctx.metrics.bodyPx * 1.2f;
    if (widgets::touchButton("welcome.start", "Check in", centredButton(ctx, 0.4f, y),
                             ButtonKind::Primary, ctx, out)) {
        out.actions.push_back(StartCheckIn{});
    }
    const float footY = ctx.height - m - ctx.fonts.small->FontSize * 2.6f;
    widgets::centeredText(
        "What happens to my answer? Only your choice and the hour are kept, "
        "never your name or the exact time. Managers see only totals, never who "
        "answered.",
        ctx.fonts.small, m, footY, textWidth, ctx.palette.mutedText);
}

void PulseScreen::draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const {
    const float m = ctx.metrics.margin;
    siteLine(model, ctx);
    float y = ctx.height * 0.12f;
    y += widgets::centeredText("How are you feeling?", ctx.fonts.title, m, y, ctx.width - 2 * m,
                               ctx.palette.text);
    y += ctx.metrics.bodyPx * 0.8f;

    // Five equal cells across the width; each whole cell (face and word) is
    // the touch target.
    const float backH = buttonHeight(ctx);
    const float cellW = (ctx.width - 2 * m) / 5.0f;
    const float wordH = ctx.metrics.bodyPx * 1.6f;
    const float available = ctx.height - y - backH - 2 * m;
    const float radius = std::max(8.0f, std::min(cellW * 0.42f, (available - wordH) * 0.48f));
    const float cellH = 2 * radius + wordH + ctx.metrics.bodyPx * 0.5f;
    // Centre the row in the space between the title and the Back button.
    y += std::max(0.0f, (ctx.height - y - backH - m - cellH) / 2 - ctx.metrics.bodyPx);
    for (int score = 1; score <= 5; ++score) {
        const Rect cell{m + cellW * static_cast<float>(score - 1), y, cellW, cellH};
        bool held = false;
        if (widgets::touchArea("pulse.face." + std::to_string(score), cell, out, &held)) {
            out.actions.push_back(ChooseScore{score});
        }
        const ImVec2 centre(cell.centerX(), y + radius + ctx.metrics.bodyPx * 0.25f);
        widgets::drawFace(ImGui::GetWindowDrawList(), centre, radius, score, ctx.palette, held);
        widgets::centeredText(faceWord(score), ctx.fonts.body, cell.x,
                              centre.y + radius + ctx.metrics.bodyPx * 0.3f, cell.w,
                              ctx.palette.text);
    }
    const float backW = std::max(ctx.metrics.minTarget * 2, ctx.width * 0.2f);
    if (widgets::touchButton("pulse.back", "Back", Rect{m, ctx.height - m - backH, backW, backH},
                             ButtonKind::Secondary, ctx, out)) {
        out.actions.push_back(GoBack{});
    }
}

void ThankYouScreen::draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const {
    if (drawMessage(model, ctx, out,
                    {"Thank you",
                     "Your answer is saved, anonymously. Together these answers help make this a "
                     "kinder place to work.",
                     "thankyou.done", "Done"})) {
        out.actions.push_back(Dismiss{});
    }
}

void SaveFailedScreen::draw(const ViewModel& model, const DrawContext& ctx,
                            FrameOutput& out) const {
    if (drawMessage(
            model, ctx, out,
            {"Sorry, that wasn't saved", "Nothing was recorded. Please try again a little later.",
             "savefailed.ok", "OK"})) {
        out.actions.push_back(Dismiss{});
    }
}

FrameOutput ScreenSet::draw(const ViewModel& model, const DrawContext& ctx) const {
    FrameOutput out;
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(ctx.width, ctx.height));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0.0f);
    ImGui::PushStyleColor(ImGuiCol_WindowBg, widgets::toU32(ctx.palette.background));
    ImGui::Begin("carekiosk", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus |
                     ImGuiWindowFlags_NoScrollWithMouse);
    switch (model.screen) {
        case Screen::Welcome:
            welcome_.draw(model, ctx, out);
            break;
        case Screen::Pulse:
            pulse_.draw(model, ctx, out);
            break;
        case Screen::ThankYou:
            thankYou_.draw(model, ctx, out);
            break;
        case Screen::SaveFailed:
            saveFailed_.draw(model, ctx, out);
            break;
    }
    ImGui::End();
    ImGui::PopStyleColor();
    ImGui::PopStyleVar(2);
    return out;
}

}  // namespace carekiosk::ui
