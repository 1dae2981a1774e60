#include "carekiosk/ui/keyboard.hpp"

#include <array>
#include <utility>

namespace carekiosk::ui {

namespace {

// Lower- and upper-case forms of the letters beyond ASCII that the symbols
// layer offers (UTF-8).
constexpr std::array<std::pair<const char*, const char*>, 11> kAccented{{
    {"ą", "Ą"},
    {"ć", "Ć"},
    {"ę", "Ę"},
    {"ł", "Ł"},
    {"ń", "Ń"},
    {"ó", "Ó"},
    {"ś", "Ś"},
    {"ź", "Ź"},
    {"ż", "Ż"},
    {"ŵ", "Ŵ"},
    {"ŷ", "Ŷ"},
}};

std::string upper(const std::string& key) {
    if (key.size() == 1 && key[0] >= 'a' && key[0] <= 'z') {
        return std::string(1, static_cast<char>(key[0] - 'a' + 'A'));
    }
    for (const auto& [lower, upperCase] : kAccented) {
        if (key == lower) {
            return upperCase;
        }
    }
    return key;
}

KeyboardKey typed(const std::string& key, bool shift, float width = 1.0f) {
    const std::string text = shift ? upper(key) : key;
    return KeyboardKey{"key." + key, text, TypeText{text}, width, false};
}

void addKeys(std::vector<KeyboardKey>& row, std::initializer_list<const char*> keys, bool shift) {
    for (const char* key : keys) {
        row.push_back(typed(key, shift));
    }
}

}  // namespace

std::vector<std::vector<KeyboardKey>> keyboardRows(const Draft& draft, const Translator& tr) {
    const bool shift = draft.shift;
    std::vector<std::vector<KeyboardKey>> rows(4);
    const KeyboardKey shiftKey{"key.shift", tr("keyboard.shift"), ToggleShift{}, 1.5f, shift};
    const KeyboardKey deleteKey{"key.delete", tr("keyboard.delete"), Backspace{}, 1.5f, false};
    const KeyboardKey space{"key.space", tr("keyboard.space"), TypeText{" "}, 4.0f, false};
    if (!draft.symbols) {
        addKeys(rows[0], {"q", "w", "e", "r", "t", "y", "u", "i", "o", "p"}, shift);
        addKeys(rows[1], {"a", "s", "d", "f", "g", "h", "j", "k", "l", "@"}, shift);
        rows[2].push_back(shiftKey);
        addKeys(rows[2], {"z", "x", "c", "v", "b", "n", "m"}, shift);
        rows[2].push_back(deleteKey);
        rows[3].push_back({"key.layer", tr("keyboard.symbols"), ToggleSymbols{}, 2.0f, false});
        addKeys(rows[3], {"-", "_"}, shift);
        rows[3].push_back(space);
        addKeys(rows[3], {".", "'"}, shift);
    } else {
        addKeys(rows[0], {"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"}, shift);
        addKeys(rows[1], {"+", "(", ")", "/", "#", "&", ",", ":", "!", "?"}, shift);
        rows[2].push_back(shiftKey);
        addKeys(rows[2], {"ą", "ć", "ę", "ł", "ń", "ó", "ś"}, shift);
        rows[2].push_back(deleteKey);
        rows[3].push_back({"key.layer", tr("keyboard.letters"), ToggleSymbols{}, 2.0f, false});
        addKeys(rows[3], {"ź", "ż"}, shift);
        rows[3].push_back(space);
        addKeys(rows[3], {"ŵ", "ŷ"}, shift);
    }
    return rows;
}

}  // namespace carekiosk::ui
