#pragma once
// The on-screen keyboard's layout as data: which keys, in which rows, and the
// action each emits. Drawing is in the buddy screens; keeping the layout here
// lets tests check it without a window.
//
// Two layers: letters (QWERTY, with @ - _ . ' for addresses), and symbols
// (digits, punctuation, and the Polish and Welsh letters ą ć ę ł ń ó ś ź ż
// ŵ ŷ). Shift capitalises the next letter of either layer.

#include <string>
#include <vector>

#include "carekiosk/ui/flow.hpp"
#include "carekiosk/ui/translations.hpp"

namespace carekiosk::ui {

struct KeyboardKey {
    std::string id;       // stable target id, e.g. "key.q", "key.shift"
    std::string label;    // what the key shows
    Action action;        // what a tap emits
    float width = 1.0f;   // in key units; each row adds up to kKeyboardColumns
    bool active = false;  // drawn highlighted (shift on)
};

inline constexpr float kKeyboardColumns = 10.0f;

std::vector<std::vector<KeyboardKey>> keyboardRows(const Draft& draft, const Translator& tr);

}  // namespace carekiosk::ui
