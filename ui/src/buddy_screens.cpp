// The buddy request: what kind, when, and how to reach the person (typed on
// the on-screen keyboard), with the consent line next to the Send button.
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
    const float y = top + std::max(0.0f, (bottom - top - gridH) / 2 - ctx.metrics.bodyPx * 0.5f);
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
    const float top = widgets::screenHeading(model, ctx, ctx.tr("buddy.when.title"),
                                             ctx.tr("buddy.when.subtitle"));
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

// A tappable text field: the placeholder when empty, else the text's end (the
// part being typed) with a caret when focused.
void textField(const std::string& id, const std::string& text, const char* placeholder,
               bool focused, Rect rect, const DrawContext& ctx, FrameOutput& out,
               const Action& onTap) {
    if (widgets::touchArea(id, rect, out)) {
        out.actions.push_back(onTap);
    }
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float rounding = ctx.metrics.bodyPx * 0.3f;
    const ImVec2 min(rect.x, rect.y);
    const ImVec2 max(rect.x + rect.w, rect.y + rect.h);
    draw->AddRectFilled(min, max, widgets::toU32(ctx.palette.field), rounding);
    draw->AddRect(min, max, widgets::toU32(focused ? ctx.palette.accent : ctx.palette.mutedText),
                  rounding, 0, focused ? std::max(3.0f, ctx.metrics.scale * 5) : 1.5f);
    const float pad = ctx.metrics.bodyPx * 0.4f;
    const float room = rect.w - 2 * pad;
    if (text.empty()) {
        ImFont* font = ctx.fonts.small;
        draw->AddText(font, font->FontSize,
                      ImVec2(rect.x + pad, rect.centerY() - font->FontSize / 2),
                      widgets::toU32(ctx.palette.mutedText), placeholder, nullptr, room);
        if (font->CalcTextSizeA(font->FontSize, FLT_MAX, 0.0f, placeholder).x > room) {
            out.layout.addOverflow(id + ".placeholder");
        }
    }
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
    if (!text.empty() || focused) {
        draw->AddText(font, font->FontSize,
                      ImVec2(rect.x + pad, rect.centerY() - font->FontSize / 2),
                      widgets::toU32(ctx.palette.text), start, end);
    }
}

}  // namespace

void BuddyContactScreen::draw(const ViewModel& model, const DrawContext& ctx,
                              FrameOutput& out) const {
    const float m = ctx.metrics.margin;
    const float gap = std::max(6.0f, ctx.metrics.margin * 0.3f);
    const float rowH = widgets::buttonHeight(ctx);
    const float textWidth = ctx.width - 2 * m;
    const Draft& draft = model.draft;
    const bool landscape = ctx.width > ctx.height;

    // Top: Back, the two fields and Send (portrait: fields on a row of their own).
    float y = m;
    const float sideW = std::max(ctx.metrics.minTarget * 1.5f, textWidth * 0.14f);
    Rect back{m, y, sideW, rowH};
    Rect send{ctx.width - m - sideW, y, sideW, rowH};
    Rect fields{m + sideW + gap, y, textWidth - 2 * (sideW + gap), rowH};
    if (!landscape) {
        fields = Rect{m, y + rowH + gap, textWidth, rowH};
    }
    const float fieldW = (fields.w - gap) / 2;
    const bool ready = draft.firstName.find_first_not_of(' ') != std::string::npos &&
                       draft.contact.find_first_not_of(' ') != std::string::npos;
    if (widgets::touchButton("buddy.back", ctx.tr("common.back"), back, ButtonKind::Secondary, ctx,
                             out)) {
        out.actions.push_back(GoBack{});
    }
    textField("buddy.field.name", draft.firstName, ctx.tr("buddy.contact.name"),
              draft.field == Field::FirstName, Rect{fields.x, fields.y, fieldW, rowH}, ctx, out,
              FocusField{Field::FirstName});
    textField("buddy.field.contact", draft.contact, ctx.tr("buddy.contact.contact"),
              draft.field == Field::Contact, Rect{fields.x + fieldW + gap, fields.y, fieldW, rowH},
              ctx, out, FocusField{Field::Contact});
    if (widgets::touchButton("buddy.send", ctx.tr("buddy.send"), send,
                             ready ? ButtonKind::Primary : ButtonKind::Secondary, ctx, out)) {
        out.actions.push_back(SendBuddy{});
    }
    y = fields.y + rowH + gap;
    y += widgets::centeredText(ctx.tr("buddy.contact.consent"), ctx.fonts.small, m, y, textWidth,
                               ctx.palette.mutedText) +
         gap;

    // The keyboard fills the rest: four rows of ten key units.
    const auto rows = keyboardRows(draft, ctx.tr);
    const float bottom = ctx.height - m;
    const float keyH = std::min(rowH * 1.3f, (bottom - y - 3 * gap) / 4);
    const float unit = (textWidth - (kKeyboardColumns - 1) * gap) / kKeyboardColumns;
    const float keyboardH = 4 * keyH + 3 * gap;
    y += std::max(0.0f, bottom - y - keyboardH);  // sit at the bottom, near the hands
    for (const auto& row : rows) {
        float x = m;
        for (const auto& key : row) {
            const float w = unit * key.width + gap * (key.width - 1);
            if (widgets::touchButton(key.id, key.label.c_str(), Rect{x, y, w, keyH},
                                     key.active ? ButtonKind::Primary : ButtonKind::Secondary, ctx,
                                     out)) {
                out.actions.push_back(key.action);
            }
            x += w + gap;
        }
        y += keyH + gap;
    }
}

}  // namespace carekiosk::ui
