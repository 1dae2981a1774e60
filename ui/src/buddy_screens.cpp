// The buddy request: what kind, when, and how to reach the person (typed on
// the on-screen keyboard, under a heading and permanent labels), with the
// consent line and the site's note on when to expect a reply.
#include <imgui.h>

#include <algorithm>
#include <string>

#include "carekiosk/ui/keyboard.hpp"
#include "carekiosk/ui/screens.hpp"
#include "widgets.hpp"

namespace carekiosk::ui {

using widgets::ButtonKind;

namespace {

// Options as a 2-column grid of chips centred between `top` and `bottom`.
int optionGrid(const std::string& idPrefix, const std::string& keyPrefix,
               const std::vector<std::string>& ids, const std::vector<bool>& selected, float top,
               float bottom, const DrawContext& ctx, FrameOutput& out) {
    const float m = ctx.metrics.margin;
    std::vector<std::string> labels;
    for (const auto& id : ids) {
        labels.emplace_back(ctx.tr(keyPrefix + id));
    }
    const int columns = 2;
    const float gridH = widgets::chipGridHeight(ids.size(), columns, ctx);
    const float y = widgets::reachable(
        ctx, top + std::max(0.0f, (bottom - top - gridH) / 2 - ctx.metrics.bodyPx * 0.5f));
    widgets::checkFits(idPrefix + "grid", y + gridH, bottom, out);
    return widgets::chipGrid(idPrefix, ids, labels, selected, columns,
                             Rect{m, y, ctx.width - 2 * m, gridH}, ctx, out);
}

}  // namespace

void BuddyKindScreen::draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const {
    const float m = ctx.metrics.margin;
    const float top = widgets::screenHeading(model, ctx, ctx.tr("buddy.kind.title"),
                                             ctx.tr("buddy.kind.subtitle"));
    const float buttonH = widgets::buttonHeight(ctx);
    const float bottomY = ctx.height - m - buttonH;
    std::vector<bool> selected;
    for (const auto& id : model.buddyKinds) {
        selected.push_back(id == model.draft.buddyKind);
    }
    const int tapped = optionGrid("buddy.kind.", "buddy.kind.", model.buddyKinds, selected, top,
                                  bottomY, ctx, out);
    if (tapped >= 0) {
        out.actions.push_back(ChooseBuddyKind{model.buddyKinds[static_cast<std::size_t>(tapped)]});
    }
    if (widgets::backButton("buddy.back", bottomY, ctx, out)) {
        out.actions.push_back(GoBack{});
    }
}

void BuddyWhenScreen::draw(const ViewModel& model, const DrawContext& ctx, FrameOutput& out) const {
    const float m = ctx.metrics.margin;
    float top = widgets::screenHeading(model, ctx, ctx.tr("buddy.when.title"),
                                       ctx.tr("buddy.when.subtitle"));
    // When to expect a reply, in the site's words, before the person commits.
    if (!model.buddyReplyNote.empty()) {
        top += widgets::centeredText(model.buddyReplyNote.c_str(), ctx.fonts.body, m,
                                     top - ctx.metrics.bodyPx * 0.4f, ctx.width - 2 * m,
                                     ctx.palette.text);
    }
    const float buttonH = widgets::buttonHeight(ctx);
    const float bottomY = ctx.height - m - buttonH;
    std::vector<bool> selected;
    for (const auto& id : model.buddyTimes) {
        selected.push_back(model.draft.buddyTimes.count(id) > 0);
    }
    const int tapped = optionGrid("buddy.time.", "buddy.time.", model.buddyTimes, selected, top,
                                  bottomY, ctx, out);
    if (tapped >= 0) {
        out.actions.push_back(ToggleBuddyTime{model.buddyTimes[static_cast<std::size_t>(tapped)]});
    }
    switch (widgets::buttonRow({{"buddy.back", ctx.tr("common.back"), ButtonKind::Secondary},
                                {"buddy.next", ctx.tr("common.next"), ButtonKind::Primary}},
                               Rect{m, bottomY, ctx.width - 2 * m, buttonH}, ctx, out)) {
        case 0:
            out.actions.push_back(GoBack{});
            break;
        case 1:
            out.actions.push_back(Next{});
            break;
        default:
            break;
    }
}

namespace {

// A tappable text field showing the end of its text (the part being typed),
// with a caret when focused. Its label is drawn above it, never inside.
void textField(const std::string& id, const std::string& text, bool focused, bool flagged,
               Rect rect, const DrawContext& ctx, FrameOutput& out, const Action& onTap) {
    if (widgets::touchArea(id, rect, out)) {
        out.actions.push_back(onTap);
    }
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float rounding = ctx.metrics.bodyPx * 0.3f;
    const ImVec2 min(rect.x, rect.y);
    const ImVec2 max(rect.x + rect.w, rect.y + rect.h);
    draw->AddRectFilled(min, max, widgets::toU32(ctx.palette.field), rounding);
    const bool strong = focused || flagged;
    draw->AddRect(min, max, widgets::toU32(strong ? ctx.palette.accent : ctx.palette.mutedText),
                  rounding, 0, strong ? std::max(3.0f, ctx.metrics.scale * 5) : 1.5f);
    const float pad = ctx.metrics.bodyPx * 0.4f;
    const float room = rect.w - 2 * pad;
    ImFont* font = ctx.fonts.body;
    const std::string shown = text + (focused ? "|" : "");
    // Show the end of long text: drop leading code points until it fits.
    const char* start = shown.c_str();
    const char* end = start + shown.size();
    while (start < end && font->CalcTextSizeA(font->FontSize, FLT_MAX, 0.0f, start, end).x > room) {
        do {
            ++start;
        } while (start < end && (static_cast<unsigned char>(*start) & 0xC0) == 0x80);
    }
    draw->AddText(font, font->FontSize, ImVec2(rect.x + pad, rect.centerY() - font->FontSize / 2),
                  widgets::toU32(ctx.palette.text), start, end);
}

}  // namespace

namespace {

// The label above a field: its name, or, once Send was tapped with the field
// empty, what is missing (in the accent colour, so it is seen, and in words,
// so it is not colour alone). Returns whether the field is flagged.
bool fieldLabel(const char* name, const char* missing, bool flag, Rect field,
                const DrawContext& ctx) {
    ImFont* font = ctx.fonts.small;
    const float y = field.y - font->FontSize * 1.15f;
    ImGui::GetWindowDrawList()->AddText(
        font, font->FontSize, ImVec2(field.x, y),
        widgets::toU32(flag ? ctx.palette.accent : ctx.palette.text), flag ? missing : name,
        nullptr, field.w);
    return flag;
}

}  // namespace

void BuddyContactScreen::draw(const ViewModel& model, const DrawContext& ctx,
                              FrameOutput& out) const {
    const float m = ctx.metrics.margin;
    const float gap = std::max(6.0f, ctx.metrics.margin * 0.3f);
    const float rowH = widgets::buttonHeight(ctx);
    const float textWidth = ctx.width - 2 * m;
    const Draft& draft = model.draft;
    const bool tall = ctx.metrics.reachTop > 0;
    // A short landscape panel needs every row: less margin above and below.
    const float edge = tall ? m : std::max(gap, m * 0.4f);
    const bool nameMissing = draft.firstName.find_first_not_of(' ') == std::string::npos;
    const bool contactMissing = draft.contact.find_first_not_of(' ') == std::string::npos;
    const bool ready = !nameMissing && !contactMissing;
    ImFont* noteFont = tall ? ctx.fonts.body : ctx.fonts.small;
    const float labelH = ctx.fonts.small->FontSize * 1.25f;

    // The heading, then who sees the name and contact (the site's note on
    // when to expect a reply is on the screen before): text only, so on a
    // tall panel it may use the top third.
    const char* title = ctx.tr("buddy.contact.title");
    const float titleH = widgets::textHeight(title, ctx.fonts.title, textWidth) + gap;
    float y = edge + titleH;
    const char* consent = ctx.tr("buddy.contact.consent");
    const auto notes = [&](float at, bool draw) {
        return draw ? widgets::centeredText(consent, noteFont, m, at, textWidth,
                                            ctx.palette.mutedText)
                    : widgets::textHeight(consent, noteFont, textWidth);
    };

    // The keyboard sits at the bottom, near the hands: four rows of ten key units.
    const auto rows = keyboardRows(draft, ctx.tr);
    const float bottom = ctx.height - edge;
    const float unit = (textWidth - (kKeyboardColumns - 1) * gap) / kKeyboardColumns;
    const float notesH = notes(0, false);
    // Back and Send beside the fields; in portrait, on a row of their own
    // below them (the fields need the width).
    const bool stacked = ctx.height > ctx.width;
    // Rows above the keyboard: labels and fields (and Back and Send).
    const float controlsH = labelH + rowH + gap + (stacked ? rowH + gap : 0);
    // On a tall panel the words go above the controls (the top third is for
    // text); on a short one, between the fields and the keyboard.
    float controlsY = tall ? widgets::reachable(ctx, y + notesH + gap) : y;
    const float belowControls = tall ? 0 : notesH + gap;
    const float keyH = std::max(
        ctx.metrics.minKey,
        std::min(rowH * 1.3f, (bottom - controlsY - controlsH - belowControls - 3 * gap) / 4));
    const float keyboardH = 4 * keyH + 3 * gap;
    const float keyboardY = bottom - keyboardH;
    float titleY = edge;
    if (tall) {
        // Controls just above the keyboard, so the whole form is within reach,
        // and the words just above them, read on the way down.
        controlsY = std::max(controlsY, keyboardY - controlsH);
        titleY = std::max(edge, controlsY - 2 * gap - notesH - titleH);
        y = titleY + titleH;
        notes(y, true);
    }
    widgets::centeredText(title, ctx.fonts.title, m, titleY, textWidth, ctx.palette.text);
    widgets::checkFits("buddy.contact.form", controlsY + controlsH + belowControls, keyboardY, out);

    // Labels above the fields, always shown (a placeholder would vanish at
    // the first letter).
    const float sideW = std::max(ctx.metrics.minTarget * 1.5f, textWidth * 0.14f);
    const float fieldsY = controlsY + labelH;
    Rect fields{m + sideW + gap, fieldsY, textWidth - 2 * (sideW + gap), rowH};
    Rect back{m, fieldsY, sideW, rowH};
    Rect send{ctx.width - m - sideW, fieldsY, sideW, rowH};
    if (stacked) {
        fields = Rect{m, fieldsY, textWidth, rowH};
        const float half = (textWidth - gap) / 2;
        back = Rect{m, fieldsY + rowH + gap, half, rowH};
        send = Rect{m + half + gap, fieldsY + rowH + gap, half, rowH};
    }
    const float fieldW = (fields.w - gap) / 2;
    const Rect nameRect{fields.x, fields.y, fieldW, rowH};
    const Rect contactRect{fields.x + fieldW + gap, fields.y, fieldW, rowH};
    const bool flagName =
        fieldLabel(ctx.tr("buddy.contact.name"), ctx.tr("buddy.contact.name_needed"),
                   draft.sendTried && nameMissing, nameRect, ctx);
    const bool flagContact =
        fieldLabel(ctx.tr("buddy.contact.contact"), ctx.tr("buddy.contact.contact_needed"),
                   draft.sendTried && contactMissing, contactRect, ctx);
    textField("buddy.field.name", draft.firstName, draft.field == Field::FirstName, flagName,
              nameRect, ctx, out, FocusField{Field::FirstName});
    textField("buddy.field.contact", draft.contact, draft.field == Field::Contact, flagContact,
              contactRect, ctx, out, FocusField{Field::Contact});
    if (widgets::touchButton("buddy.back", ctx.tr("common.back"), back, ButtonKind::Secondary, ctx,
                             out)) {
        out.actions.push_back(GoBack{});
    }
    if (widgets::touchButton("buddy.send", ctx.tr("buddy.send"), send,
                             ready ? ButtonKind::Primary : ButtonKind::Secondary, ctx, out)) {
        out.actions.push_back(SendBuddy{});
    }
    if (!tall) {
        notes(fieldsY + rowH + gap, true);
    }

    float keyY = keyboardY;
    for (const auto& row : rows) {
        float x = m;
        for (const auto& key : row) {
            const float w = unit * key.width + gap * (key.width - 1);
            if (widgets::touchButton(key.id, key.label.c_str(), Rect{x, keyY, w, keyH},
                                     key.active ? ButtonKind::Primary : ButtonKind::Secondary, ctx,
                                     out)) {
                out.actions.push_back(key.action);
            }
            x += w + gap;
        }
        keyY += keyH + gap;
    }
}

}  // namespace carekiosk::ui
