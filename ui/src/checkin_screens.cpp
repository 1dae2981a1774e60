// The check-in path: the faces, the optional reasons, the thank-you with the
// site's support resources; and the breathing exercise.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "carekiosk/ui/screens.hpp"
#include "widgets.hpp"

namespace carekiosk::ui {

using widgets::ButtonKind;

namespace {

constexpr float kPi = 3.14159265358979f;
constexpr float kInhaleSeconds = 4.0f;
constexpr float kExhaleSeconds = 6.0f;
constexpr float kAnimationFrameSeconds = 1.0f / 30.0f;

}  // namespace

void PulseScreen::draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const {
    const float m = ctx.metrics.margin;
    float y = widgets::screenHeading(model, ctx, ctx.tr("pulse.title"), nullptr);

    // Five equal cells across the width; each whole cell (face and word) is
    // the touch target. Words may wrap to two lines in longer languages.
    const float backH = widgets::buttonHeight(ctx);
    const float cellW = (ctx.width - 2 * m) / 5.0f;
    float wordH = 0;
    for (int score = 1; score <= 5; ++score) {
        const std::string key = "face." + std::to_string(score);
        wordH = std::max(wordH, widgets::textHeight(ctx.tr(key), ctx.fonts.body, cellW - 8));
    }
    const float available = ctx.height - y - backH - 2 * m;
    const float radius = std::max(8.0f, std::min(cellW * 0.42f, (available - wordH) * 0.46f));
    const float cellH = 2 * radius + wordH + ctx.metrics.bodyPx * 0.6f;
    // Centre the row in the space between the title and the Back button.
    y += std::max(0.0f, (ctx.height - y - backH - m - cellH) / 2 - ctx.metrics.bodyPx * 0.5f);
    y = widgets::reachable(ctx, y);
    for (int score = 1; score <= 5; ++score) {
        const Rect cell{m + cellW * static_cast<float>(score - 1), y, cellW, cellH};
        bool held = false;
        if (widgets::touchArea("pulse.face." + std::to_string(score), cell, out, &held)) {
            out.actions.push_back(ChooseScore{score});
        }
        const ImVec2 centre(cell.centerX(), y + radius + ctx.metrics.bodyPx * 0.25f);
        widgets::drawFace(ImGui::GetWindowDrawList(), centre, radius, score, ctx.palette,
                          held || model.draft.score == score);
        widgets::centeredText(ctx.tr("face." + std::to_string(score)), ctx.fonts.body, cell.x + 4,
                              centre.y + radius + ctx.metrics.bodyPx * 0.3f, cell.w - 8,
                              ctx.palette.text);
    }
    const float backY = ctx.height - m - backH;
    widgets::checkFits("pulse.faces", y + cellH, backY, out);
    if (widgets::backButton("pulse.back", backY, ctx, out)) {
        out.actions.push_back(GoBack{});
    }
}

void ReasonsScreen::draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const {
    const float m = ctx.metrics.margin;
    float y =
        widgets::screenHeading(model, ctx, ctx.tr("reasons.title"), ctx.tr("reasons.subtitle"));
    std::vector<std::string> labels;
    std::vector<bool> selected;
    for (const auto& id : model.reasons) {
        labels.emplace_back(ctx.tr("reason." + id));
        selected.push_back(model.draft.reasons.count(id) > 0);
    }
    const bool landscape = ctx.width > ctx.height;
    const int columns = landscape ? (model.reasons.size() > 6 ? 4 : 3) : 2;
    const float buttonH = widgets::buttonHeight(ctx);
    const float bottomY = ctx.height - m - buttonH;
    const float gridH = widgets::chipGridHeight(model.reasons.size(), columns, ctx);
    y += std::max(0.0f, (bottomY - y - gridH) / 2 - ctx.metrics.bodyPx);
    y = widgets::reachable(ctx, y);
    const int tapped = widgets::chipGrid("reasons.", model.reasons, labels, selected, columns,
                                         Rect{m, y, ctx.width - 2 * m, gridH}, ctx, out);
    if (tapped >= 0) {
        out.actions.push_back(ToggleReason{model.reasons[static_cast<std::size_t>(tapped)]});
    }
    widgets::checkFits("reasons.grid", y + gridH, bottomY, out);
    switch (widgets::buttonRow({{"reasons.back", ctx.tr("common.back"), ButtonKind::Secondary},
                                {"reasons.skip", ctx.tr("reasons.skip"), ButtonKind::Secondary},
                                {"reasons.submit", ctx.tr("reasons.submit"), ButtonKind::Primary}},
                               Rect{m, bottomY, ctx.width - 2 * m, buttonH}, ctx, out)) {
        case 0:
            out.actions.push_back(GoBack{});
            break;
        case 1:
            out.actions.push_back(SubmitCheckIn{true});
            break;
        case 2:
            out.actions.push_back(SubmitCheckIn{false});
            break;
        default:
            break;
    }
}

namespace {

// The support resources: each number or address (what a person needs to act
// on) in the body size and text colour, the name above it smaller. Returns the
// height of the card they sit in; draws only when `draw`.
float supportCard(const ViewModel& model, const DrawContext& ctx, float y, bool draw) {
    const float m = ctx.metrics.margin;
    const float pad = ctx.metrics.bodyPx * 0.5f;
    const bool twoColumns = ctx.width > ctx.height && model.support.size() > 2;
    const float innerW = ctx.width - 2 * m - 2 * pad;
    const float colW = twoColumns ? (innerW - pad) / 2 : innerW;
    float columnY[2] = {0, 0};
    for (std::size_t i = 0; i < model.support.size(); ++i) {
        const auto& r = model.support[i];
        const std::size_t col = twoColumns ? i % 2 : 0;
        const float x = m + pad + static_cast<float>(col) * (colW + pad);
        const float top = y + pad + columnY[col];
        // Without a detail the name is all there is: then it gets the body size.
        ImFont* nameFont = r.detail.empty() ? ctx.fonts.body : ctx.fonts.small;
        float h = widgets::textHeight(r.name.c_str(), nameFont, colW);
        if (!r.detail.empty()) {
            h += widgets::textHeight(r.detail.c_str(), ctx.fonts.body, colW);
        }
        if (draw) {
            const float nameH =
                widgets::wrappedText(r.name.c_str(), nameFont, x, top, colW,
                                     r.detail.empty() ? ctx.palette.text : ctx.palette.mutedText);
            if (!r.detail.empty()) {
                widgets::wrappedText(r.detail.c_str(), ctx.fonts.body, x, top + nameH, colW,
                                     ctx.palette.text);
            }
        }
        columnY[col] += h + pad * 0.6f;
    }
    return std::max(columnY[0], columnY[1]) + pad * 1.4f;
}

}  // namespace

void ThankYouScreen::draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const {
    const float m = ctx.metrics.margin;
    const float textWidth = ctx.width - 2 * m;
    const float gap = ctx.metrics.bodyPx * 0.5f;
    float y = widgets::screenHeading(model, ctx, ctx.tr("thanks.title"), nullptr);
    // The same words, order and time on screen after every answer: nothing
    // left up for the next person says how the last one felt. Support is
    // offered to everyone, as a habit, not as a reaction to a low score.
    ImDrawList* draw = ImGui::GetWindowDrawList();
    y += widgets::centeredText(ctx.tr("thanks.body"), ctx.fonts.body, m, y, textWidth,
                               ctx.palette.mutedText) +
         gap;
    if (!model.support.empty()) {
        y += widgets::centeredText(ctx.tr("thanks.support"), ctx.fonts.body, m, y, textWidth,
                                   ctx.palette.text) +
             gap * 0.5f;
        // Measure, draw the card, then the text on it.
        const float h = supportCard(model, ctx, y, false);
        draw->AddRectFilled(ImVec2(m, y), ImVec2(ctx.width - m, y + h),
                            widgets::toU32(ctx.palette.card), gap);
        supportCard(model, ctx, y, true);
        y += h + gap;
    }
    const float buttonH = widgets::buttonHeight(ctx);
    const float bottomY = ctx.height - m - buttonH;
    widgets::checkFits("thankyou.text", y - gap, bottomY, out);
    std::vector<widgets::RowButton> buttons;
    if (model.buddyOffered) {
        buttons.push_back({"thankyou.buddy", ctx.tr("thanks.buddy"), ButtonKind::Secondary});
    }
    buttons.push_back({"thankyou.done", ctx.tr("thanks.done"), ButtonKind::Primary});
    const int tapped = widgets::buttonRow(buttons, Rect{m, bottomY, textWidth, buttonH}, ctx, out);
    if (tapped >= 0) {
        if (buttons[static_cast<std::size_t>(tapped)].id == std::string("thankyou.buddy")) {
            out.actions.push_back(StartBuddy{});
        } else {
            out.actions.push_back(Dismiss{});
        }
    }
}

void BreathingScreen::draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const {
    const float m = ctx.metrics.margin;
    const float textWidth = ctx.width - 2 * m;
    const float y = widgets::screenHeading(model, ctx, ctx.tr("breathe.title"), nullptr);
    const float buttonH = widgets::buttonHeight(ctx);
    const float bottomY = ctx.height - m - buttonH;
    const float t = model.breathingSeconds;
    const float total = std::chrono::duration<float>(kBreathingLength).count();
    const bool running = t < total;
    const float labelH = ctx.fonts.body->FontSize * 2.6f;
    const float space = bottomY - y - labelH;
    const float maxR = std::max(8.0f, std::min(textWidth, space) * 0.46f);
    const float minR = maxR * 0.45f;
    float radius = minR;
    const char* label = ctx.tr("breathe.done");
    if (running) {
        // In for 4 s, out for 6 s: a longer out-breath is what calms.
        const float cycle = std::fmod(t, kInhaleSeconds + kExhaleSeconds);
        const bool inhaling = cycle < kInhaleSeconds;
        const float p =
            inhaling ? cycle / kInhaleSeconds : (cycle - kInhaleSeconds) / kExhaleSeconds;
        const float eased = 0.5f - 0.5f * std::cos(kPi * p);
        radius = inhaling ? minR + (maxR - minR) * eased : maxR - (maxR - minR) * eased;
        label = ctx.tr(inhaling ? "breathe.in" : "breathe.out");
        out.redrawWithin(kAnimationFrameSeconds);  // only while it moves
    }
    const ImVec2 centre(ctx.width / 2, y + space / 2);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddCircleFilled(centre, maxR, widgets::toU32(ctx.palette.card), 96);
    draw->AddCircleFilled(centre, radius, widgets::toU32(ctx.palette.faces[3]), 96);
    draw->AddCircle(centre, radius, widgets::toU32(ctx.palette.accent), 96,
                    std::max(2.0f, ctx.metrics.scale * 4.0f));
    widgets::centeredText(label, ctx.fonts.body, m, centre.y + maxR + ctx.metrics.bodyPx * 0.4f,
                          textWidth, ctx.palette.text);
    if (widgets::touchButton("breathing.finish", ctx.tr("breathe.finish"),
                             widgets::centredButton(ctx, 0.3f, bottomY),
                             running ? ButtonKind::Secondary : ButtonKind::Primary, ctx, out)) {
        out.actions.push_back(Dismiss{});
    }
}

}  // namespace carekiosk::ui
