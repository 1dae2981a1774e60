// The facilities-facing screens: the PIN pad and the admin panel. Their copy is
// English only (facilities staff, not the public, read it).
#include <imgui.h>

#include <algorithm>
#include <string>

#include "carekiosk/ui/screens.hpp"
#include "widgets.hpp"

namespace carekiosk::ui {

using widgets::ButtonKind;

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
    // A 3x4 keypad, as large as the space allows but never below the minimum
    // target, within reach, and Cancel always: beside the keypad when there is
    // room, else as a row of its own below it (a finger that rested on the
    // corner by mistake must be able to leave at once).
    const float gap = std::max(8.0f, ctx.metrics.bodyPx * 0.3f);
    const float bottom = ctx.height - m;
    y = widgets::reachable(ctx, y);
    const float minTarget = ctx.metrics.minTarget;
    float keyH = std::max(minTarget, std::min(minTarget * 1.6f, (bottom - y - 3 * gap) / 4));
    const float keyW = std::max(minTarget, std::min(keyH * 1.6f, ctx.width / 5));
    const float padX = (ctx.width - 3 * keyW - 2 * gap) / 2;
    const bool cancelBeside = padX - m >= minTarget * 1.5f;
    if (!cancelBeside) {
        keyH = std::max(minTarget, std::min(keyH, (bottom - y - 4 * gap) / 5));
    }
    const float padH = 4 * keyH + 3 * gap + (cancelBeside ? 0 : keyH + gap);
    y = std::max(y, bottom - padH);  // at the bottom, near the hands
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
    const Rect cancel = cancelBeside ? Rect{m, y + 3 * (keyH + gap), padX - 2 * m, keyH}
                                     : Rect{padX, y + 4 * (keyH + gap), 3 * keyW + 2 * gap, keyH};
    widgets::checkFits("admin.cancel", cancel.y + cancel.h, bottom, out);
    if (widgets::touchButton("admin.cancel", "Cancel", cancel, ButtonKind::Secondary, ctx, out)) {
        out.actions.push_back(Dismiss{});
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
    const float h = widgets::buttonHeight(ctx);
    std::vector<widgets::RowButton> buttons{
        {"admin.upload", "Upload now", ButtonKind::Primary},
        {"admin.reload", "Reload config", ButtonKind::Secondary},
        {"admin.close", "Close", ButtonKind::Secondary}};
    if (model.canResend) {
        buttons.push_back({"admin.resend", "Re-send refused", ButtonKind::Secondary});
    }
    if (model.allowExit) {
        buttons.push_back({"admin.exit", "Exit app", ButtonKind::Secondary});
    }
    const float by = ctx.height - m - h;
    widgets::checkFits("admin.status", y, by, out);
    const int tapped = widgets::buttonRow(buttons, Rect{m, by, ctx.width - 2 * m, h}, ctx, out);
    if (tapped >= 0) {
        const std::string& id = buttons[static_cast<std::size_t>(tapped)].id;
        if (id == "admin.upload") {
            out.actions.push_back(RequestUpload{});
        } else if (id == "admin.reload") {
            out.actions.push_back(RequestReload{});
        } else if (id == "admin.close") {
            out.actions.push_back(Dismiss{});
        } else if (id == "admin.resend") {
            out.actions.push_back(RequestResend{});
        } else {
            out.actions.push_back(ExitApp{});
        }
    }
}

}  // namespace carekiosk::ui
