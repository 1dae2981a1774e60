// The welcome screen, the explainer, the short message screens, and the
// ScreenSet that dispatches to every screen.
#include "carekiosk/ui/screens.hpp"

#include <imgui.h>

#include <algorithm>
#include <string>

#include "widgets.hpp"

namespace carekiosk::ui {

using widgets::ButtonKind;
using widgets::textHeight;

namespace {

// The "you said, we did" message in a calm card. Returns the height used.
float youSaidCard(const ViewModel& model, const DrawContext& ctx, float y, bool draw) {
    if (model.youSaidWeDid.empty()) {
        return 0;
    }
    const float m = ctx.metrics.margin;
    const float pad = ctx.metrics.bodyPx * 0.5f;
    const float innerW = ctx.width - 2 * m - 2 * pad;
    const char* heading = ctx.tr("welcome.you_said");
    const float h = textHeight(heading, ctx.fonts.small, innerW) +
                    textHeight(model.youSaidWeDid.c_str(), ctx.fonts.body, innerW) + 2 * pad;
    if (draw) {
        ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(m, y), ImVec2(ctx.width - m, y + h),
                                                  widgets::toU32(ctx.palette.card), pad);
        float cy = y + pad;
        cy += widgets::centeredText(heading, ctx.fonts.small, m + pad, cy, innerW,
                                    ctx.palette.mutedText);
        widgets::centeredText(model.youSaidWeDid.c_str(), ctx.fonts.body, m + pad, cy, innerW,
                              ctx.palette.text);
    }
    return h;
}

}  // namespace

void WelcomeScreen::draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const {
    const float m = ctx.metrics.margin;
    const float textWidth = ctx.width - 2 * m;
    const float gap = ctx.metrics.bodyPx * 0.6f;
    const float buttonH = widgets::buttonHeight(ctx);
    const bool landscape = ctx.width > ctx.height;
    widgets::siteLine(model, ctx);

    // At the bottom: the languages on offer and the explainer, side by side in
    // landscape; in portrait the languages get a row of their own.
    const bool languages = model.languages.size() > 1;
    float bottomY = ctx.height - m - buttonH;
    Rect about{ctx.width - m - textWidth * 0.45f, bottomY, textWidth * 0.45f, buttonH};
    Rect languagesRect{m, bottomY, textWidth - about.w - gap, buttonH};
    if (!landscape && languages) {
        languagesRect = Rect{m, bottomY, textWidth, buttonH};
        bottomY -= buttonH + gap;
        about = Rect{m, bottomY, textWidth, buttonH};
    }
    if (widgets::touchButton("welcome.about", ctx.tr("welcome.about"), about, ButtonKind::Secondary,
                             ctx, out)) {
        out.actions.push_back(ShowAbout{});
    }
    if (languages) {
        std::vector<std::string> ids;
        std::vector<std::string> names;
        std::vector<bool> selected;
        for (const auto& language : model.languages) {
            ids.push_back(language.code);
            names.push_back(language.name);
            selected.push_back(language.code == model.language);
        }
        const int tapped = widgets::chipGrid("welcome.language.", ids, names, selected,
                                             static_cast<int>(ids.size()), languagesRect, ctx, out);
        if (tapped >= 0) {
            out.actions.push_back(ChooseLanguage{ids[static_cast<std::size_t>(tapped)]});
        }
    }

    // Title, invitation, message and the ways in, centred in the space above.
    const char* title = ctx.tr("welcome.title");
    const char* subtitle = ctx.tr("welcome.subtitle");
    const float rows = model.buddyOffered ? 3.0f : 2.0f;
    const float actionsH = landscape ? buttonH : rows * buttonH + (rows - 1) * gap;
    const float cardH = youSaidCard(model, ctx, 0, false);
    const float contentH = textHeight(title, ctx.fonts.title, textWidth) + gap +
                           textHeight(subtitle, ctx.fonts.body, textWidth) + gap +
                           (cardH > 0 ? cardH + gap : 0) + gap + actionsH;
    const float top = m + ctx.fonts.small->FontSize * 1.2f;
    const float limit = bottomY - gap;
    float y = top + std::max(0.0f, (limit - top - contentH) * 0.45f);
    y += widgets::centeredText(title, ctx.fonts.title, m, y, textWidth, ctx.palette.text) + gap;
    y += widgets::centeredText(subtitle, ctx.fonts.body, m, y, textWidth, ctx.palette.mutedText) +
         gap;
    if (cardH > 0) {
        y += youSaidCard(model, ctx, y, true) + gap;
    }
    y = widgets::reachable(ctx, y + gap);
    Rect checkIn{m, y, textWidth, buttonH};
    Rect buddy{m, y + buttonH + gap, textWidth, buttonH};
    Rect breathe{m, y + (rows - 1) * (buttonH + gap), textWidth, buttonH};
    if (landscape && model.buddyOffered) {
        const float w = (textWidth - 2 * gap) / 4;
        checkIn = Rect{m + w + gap, y, 2 * w, buttonH};
        buddy = Rect{m, y, w, buttonH};
        breathe = Rect{m + 3 * w + 2 * gap, y, w, buttonH};
    } else if (landscape) {
        const float w = (textWidth - gap) / 3;
        checkIn = Rect{m, y, 2 * w, buttonH};
        breathe = Rect{m + 2 * w + gap, y, w, buttonH};
    }
    if (widgets::touchButton("welcome.start", ctx.tr("welcome.checkin"), checkIn,
                             ButtonKind::Primary, ctx, out)) {
        out.actions.push_back(StartCheckIn{});
    }
    if (model.buddyOffered && widgets::touchButton("welcome.buddy", ctx.tr("welcome.buddy"), buddy,
                                                   ButtonKind::Secondary, ctx, out)) {
        out.actions.push_back(StartBuddy{});
    }
    if (widgets::touchButton("welcome.breathe", ctx.tr("welcome.breathe"), breathe,
                             ButtonKind::Secondary, ctx, out)) {
        out.actions.push_back(StartBreathing{});
    }
    widgets::checkFits("welcome.content", y + actionsH, limit, out);
}

void AboutScreen::draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const {
    const float m = ctx.metrics.margin;
    const float textWidth = ctx.width - 2 * m;
    const float buttonH = widgets::buttonHeight(ctx);
    float y = widgets::screenHeading(model, ctx, ctx.tr("about.title"), nullptr);
    // Body text where it fits, else the small size: the four points must all show.
    const char* keys[] = {"about.stored", "about.batches", "about.managers", "about.buddy"};
    const float limit = ctx.height - 2 * m - buttonH;
    const float gap = ctx.metrics.bodyPx * 0.5f;
    ImFont* font = ctx.fonts.body;
    float needed = 0;
    for (const char* key : keys) {
        needed += textHeight(ctx.tr(key), font, textWidth) + gap;
    }
    if (y + needed > limit) {
        font = ctx.fonts.small;
    }
    for (const char* key : keys) {
        y += widgets::wrappedText(ctx.tr(key), font, m, y, textWidth, ctx.palette.text) + gap;
    }
    widgets::checkFits("about.text", y - gap, limit, out);
    if (widgets::touchButton("about.back", ctx.tr("common.back"),
                             widgets::centredButton(ctx, 0.3f, ctx.height - m - buttonH),
                             ButtonKind::Primary, ctx, out)) {
        out.actions.push_back(GoBack{});
    }
}

void MessageScreen::draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const {
    const bool cooldown = model.screen == Screen::Cooldown;
    const char* prefix = cooldown                            ? "cooldown"
                         : model.screen == Screen::BuddySent ? "buddy.sent"
                         : model.screen == Screen::Paused    ? "paused"
                                                             : "failed";
    const std::string id = cooldown                            ? "cooldown.back"
                           : model.screen == Screen::BuddySent ? "buddysent.ok"
                           : model.screen == Screen::Paused    ? "paused.ok"
                                                               : "savefailed.ok";
    const float m = ctx.metrics.margin;
    const float textWidth = ctx.width - 2 * m;
    const float gap = ctx.metrics.bodyPx * 0.6f;
    widgets::siteLine(model, ctx);
    float y = ctx.height * 0.2f;
    y += widgets::centeredText(ctx.tr(std::string(prefix) + ".title"), ctx.fonts.title, m, y,
                               textWidth, ctx.palette.text);
    y += gap;
    const std::string body =
        std::string(prefix) + (model.firstAnswerKept ? ".kept_body"
                               : model.screen == Screen::Paused && model.pausedForStorage
                                   ? ".storage_body"
                                   : ".body");
    y +=
        widgets::centeredText(ctx.tr(body), ctx.fonts.body, m, y, textWidth, ctx.palette.mutedText);
    if (cooldown) {
        // The newcomer's own check-in follows by itself; the count shows when.
        y += gap;
        const std::string count =
            ctx.tr.format("cooldown.count", {{"seconds", std::to_string(model.secondsLeft)}});
        y += widgets::centeredText(count.c_str(), ctx.fonts.title, m, y, textWidth,
                                   ctx.palette.text);
        out.redrawWithin(1.0f);
    } else if (model.screen == Screen::BuddySent && !model.buddyReplyNote.empty()) {
        y += gap;
        y += widgets::centeredText(model.buddyReplyNote.c_str(), ctx.fonts.body, m, y, textWidth,
                                   ctx.palette.text);
    }
    y += ctx.metrics.bodyPx * 1.2f;
    const Rect button = widgets::centredButton(ctx, 0.3f, widgets::reachable(ctx, y));
    widgets::checkFits(id, button.y + button.h, ctx.height - m, out);
    if (widgets::touchButton(id, ctx.tr(cooldown ? "common.back" : "common.ok"), button,
                             cooldown ? ButtonKind::Secondary : ButtonKind::Primary, ctx, out)) {
        out.actions.push_back(cooldown ? Action{GoBack{}} : Action{Dismiss{}});
    }
}

void StillTherePrompt::draw(const ViewModel& model, const DrawContext& ctx,
                            FrameOutput& out) const {
    // Drawn alone: nothing of the screen under it shows, so a passer-by sees
    // only the question. Only the button brings the screen back: a touch
    // elsewhere (a passer-by leaning on the panel) does not.
    const float m = ctx.metrics.margin;
    const float textWidth = ctx.width - 2 * m;
    const float gap = ctx.metrics.bodyPx * 0.6f;
    const float buttonH = widgets::buttonHeight(ctx);
    float y = ctx.height * 0.15f;
    y += widgets::centeredText(ctx.tr("stillthere.title"), ctx.fonts.title, m, y, textWidth,
                               ctx.palette.text) +
         gap;
    const std::string body =
        ctx.tr.format("stillthere.body", {{"seconds", std::to_string(model.secondsLeft)}});
    y += widgets::centeredText(body.c_str(), ctx.fonts.body, m, y, textWidth,
                               ctx.palette.mutedText) +
         gap * 2;
    // One large button for more time; starting over is smaller, below it.
    y = widgets::reachable(ctx, y);
    const float w = std::max(ctx.metrics.minTarget * 3, textWidth * 0.6f);
    const Rect more{(ctx.width - w) / 2, y, w, buttonH * 1.3f};
    const Rect restart = widgets::centredButton(ctx, 0.3f, more.y + more.h + gap);
    widgets::checkFits("stillthere.restart", restart.y + restart.h, ctx.height - m, out);
    if (widgets::touchButton("stillthere.more", ctx.tr("stillthere.more"), more,
                             ButtonKind::Primary, ctx, out)) {
        out.actions.push_back(StillHere{});
    }
    if (widgets::touchButton("stillthere.restart", ctx.tr("stillthere.restart"), restart,
                             ButtonKind::Secondary, ctx, out)) {
        out.actions.push_back(StartOver{});
    }
    out.redrawWithin(1.0f);  // the countdown
}

void QuietScreen::draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const {
    ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(0, 0), ImVec2(ctx.width, ctx.height),
                                              widgets::toU32(ctx.palette.quietBackground));
    const float m = ctx.metrics.margin;
    const float textWidth = ctx.width - 2 * m;
    float y = ctx.height * 0.3f;
    ImGui::PushFont(ctx.fonts.title);
    const ImVec2 size = ImGui::CalcTextSize(model.clockText.c_str());
    ImGui::PopFont();
    // The clock at twice the title size, drawn from the title font.
    const float clockPx = ctx.metrics.titlePx * 2.0f;
    const float clockWidth = size.x * (clockPx / ctx.metrics.titlePx);
    ImGui::GetWindowDrawList()->AddText(
        ctx.fonts.title, clockPx, ImVec2((ctx.width - clockWidth) / 2, y),
        widgets::toU32(ctx.palette.quietText), model.clockText.c_str());
    y += clockPx * 1.4f;
    y += widgets::centeredText(model.siteName.c_str(), ctx.fonts.body, m, y, textWidth,
                               ctx.palette.quietText);
    y += ctx.metrics.bodyPx * 0.8f;
    widgets::centeredText(ctx.tr("quiet.touch"), ctx.fonts.body, m, y, textWidth,
                          ctx.palette.quietText);
    // Everything but the admin corner wakes the kiosk.
    const float corner = ctx.metrics.minTarget;
    const bool top =
        widgets::touchArea("quiet.wake.top", Rect{0, 0, ctx.width - corner, corner}, out);
    const bool rest =
        widgets::touchArea("quiet.wake", Rect{0, corner, ctx.width, ctx.height - corner}, out);
    if (top || rest) {
        out.actions.push_back(Wake{});
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
            out.redrawWithin(kAdminHoldSeconds - heldFor);
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
    if (model.stillThere) {
        stillThere_.draw(model, ctx, out);  // alone: nothing of the screen under it
    } else {
        drawScreen(model, ctx, out);
    }
    ImGui::End();
    ImGui::PopStyleColor();
    ImGui::PopStyleVar(2);
    return out;
}

void ScreenSet::drawScreen(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const {
    switch (model.screen) {
        case Screen::Welcome:
            welcome_.draw(model, ctx, out);
            break;
        case Screen::About:
            about_.draw(model, ctx, out);
            break;
        case Screen::Breathing:
            breathing_.draw(model, ctx, out);
            break;
        case Screen::Pulse:
            pulse_.draw(model, ctx, out);
            break;
        case Screen::Reasons:
            reasons_.draw(model, ctx, out);
            break;
        case Screen::ThankYou:
            thankYou_.draw(model, ctx, out);
            break;
        case Screen::SaveFailed:
        case Screen::Cooldown:
        case Screen::BuddySent:
        case Screen::Paused:
            message_.draw(model, ctx, out);
            break;
        case Screen::BuddyKind:
            buddyKind_.draw(model, ctx, out);
            break;
        case Screen::BuddyWhen:
            buddyWhen_.draw(model, ctx, out);
            break;
        case Screen::BuddyContact:
            buddyContact_.draw(model, ctx, out);
            break;
        case Screen::AdminPin:
            adminPin_.draw(model, ctx, out);
            break;
        case Screen::Admin:
            admin_.draw(model, ctx, out);
            break;
        case Screen::Quiet:
            quiet_.draw(model, ctx, out);
            break;
    }
    // Not on the contact screen, whose top row reaches the corner: a person
    // typing there must never open the PIN pad by resting a finger.
    if (isStaffScreen(model.screen) && model.screen != Screen::BuddyContact) {
        adminCorner(ctx, out);
    }
}

}  // namespace carekiosk::ui
