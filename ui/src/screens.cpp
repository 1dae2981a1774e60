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
        "never your name or the exact time. Managers see only totals, never for a "
        "small group and never who answered.",
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

void AdminPinScreen::draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const {
    const float m = ctx.metrics.margin;
    float y = m;
    y += widgets::centeredText("Admin PIN", ctx.fonts.title, m, y, ctx.width - 2 * m,
                               ctx.palette.text);
    // One bullet (U+2022) per digit typed; the digits themselves are never drawn.
    std::string bullets;
    for (std::size_t i = 0; i < model.pinDigits; ++i) {
        bullets += i ? " \xE2\x80\xA2" : "\xE2\x80\xA2";
    }
    y += widgets::centeredText(bullets.empty() ? " " : bullets.c_str(), ctx.fonts.body, m, y,
                               ctx.width - 2 * m, ctx.palette.text);
    y += widgets::centeredText(model.pinMessage.empty() ? " " : model.pinMessage.c_str(),
                               ctx.fonts.small, m, y, ctx.width - 2 * m, ctx.palette.mutedText);
    // A 3x4 keypad, as large as the space allows but never below the minimum target.
    const float gap = std::max(8.0f, ctx.metrics.bodyPx * 0.3f);
    const float bottom = ctx.height - m;
    const float keyH = std::max(ctx.metrics.minTarget, (bottom - y - 3 * gap) / 4);
    const float keyW = std::max(ctx.metrics.minTarget, std::min(keyH * 1.6f, ctx.width / 5));
    const float padX = (ctx.width - 3 * keyW - 2 * gap) / 2;
    const char* keys = "123456789<0";
    for (int i = 0; i < 12; ++i) {
        const Rect r{padX + static_cast<float>(i % 3) * (keyW + gap),
                     y + static_cast<float>(i / 3) * (keyH + gap), keyW, keyH};
        if (i == 11) {
            if (widgets::touchButton("admin.pin.ok", "OK", r, ButtonKind::Primary, ctx, out)) {
                out.actions.push_back(SubmitPin{});
            }
            continue;
        }
        const char key = keys[i];
        const std::string label = key == '<' ? "Del" : std::string(1, key);
        if (widgets::touchButton(std::string("admin.pin.") + (key == '<' ? "del" : label),
                                 label.c_str(), r, ButtonKind::Secondary, ctx, out)) {
            out.actions.push_back(PinKey{key});
        }
    }
    const float cancelW = std::max(ctx.metrics.minTarget * 1.5f, padX - 2 * m);
    if (padX - m >= ctx.metrics.minTarget * 1.5f) {
        if (widgets::touchButton("admin.cancel", "Cancel", Rect{m, bottom - keyH, cancelW, keyH},
                                 ButtonKind::Secondary, ctx, out)) {
            out.actions.push_back(Dismiss{});
        }
    }
}

void AdminScreen::draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const {
    const float m = ctx.metrics.margin;
    float y = m * 0.6f;
    y += widgets::centeredText("Kiosk status", ctx.fonts.title, m, y, ctx.width - 2 * m,
                               ctx.palette.text);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    ImFont* font = ctx.fonts.small;
    const float lineH = font->FontSize * 1.3f;
    const float labelW = (ctx.width - 2 * m) * 0.32f;
    for (const auto& line : model.status) {
        draw->AddText(font, font->FontSize, ImVec2(m, y), widgets::toU32(ctx.palette.mutedText),
                      line.label.c_str());
        const std::string value = line.needsAttention ? "Attention: " + line.value : line.value;
        draw->AddText(font, font->FontSize, ImVec2(m + labelW, y),
                      widgets::toU32(line.needsAttention ? ctx.palette.accent : ctx.palette.text),
                      value.c_str(), nullptr, ctx.width - 2 * m - labelW);
        const ImVec2 size =
            font->CalcTextSizeA(font->FontSize, FLT_MAX, ctx.width - 2 * m - labelW, value.c_str());
        y += std::max(lineH, size.y + font->FontSize * 0.3f);
    }
    const float h = buttonHeight(ctx);
    const int buttons = model.allowExit ? 3 : 2;
    const float gap = m * 0.5f;
    const float w =
        (ctx.width - 2 * m - gap * static_cast<float>(buttons - 1)) / static_cast<float>(buttons);
    const float by = ctx.height - m - h;
    if (widgets::touchButton("admin.upload", "Upload now", Rect{m, by, w, h}, ButtonKind::Primary,
                             ctx, out)) {
        out.actions.push_back(RequestUpload{});
    }
    if (widgets::touchButton("admin.close", "Close", Rect{m + w + gap, by, w, h},
                             ButtonKind::Secondary, ctx, out)) {
        out.actions.push_back(Dismiss{});
    }
    if (model.allowExit &&
        widgets::touchButton("admin.exit", "Exit app", Rect{m + 2 * (w + gap), by, w, h},
                             ButtonKind::Secondary, ctx, out)) {
        out.actions.push_back(ExitApp{});
    }
}

namespace {

// The hidden way into the admin panel: hold the top-right corner for three
// seconds. Nothing is drawn there. While it is held the screen asks to be
// redrawn when the three seconds are up, since no input event will come.
void adminCorner(const DrawContext& ctx, FrameOutput& out) {
    const float size = ctx.metrics.minTarget;
    bool held = false;
    widgets::touchArea("admin.corner", Rect{ctx.width - size, 0, size, size}, out, &held);
    if (held) {
        const float heldFor = ImGui::GetIO().MouseDownDuration[0];
        if (heldFor >= kAdminHoldSeconds) {
            out.actions.push_back(OpenAdmin{});
        } else {
            out.redrawInSeconds = kAdminHoldSeconds - heldFor;
        }
    }
}

}  // namespace

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
        case Screen::AdminPin:
            adminPin_.draw(model, ctx, out);
            break;
        case Screen::Admin:
            admin_.draw(model, ctx, out);
            break;
    }
    if (isStaffScreen(model.screen)) {
        adminCorner(ctx, out);
    }
    ImGui::End();
    ImGui::PopStyleColor();
    ImGui::PopStyleVar(2);
    return out;
}

}  // namespace carekiosk::ui
