#pragma once
// The staff-facing copy in every shipped language. One JSON file per language
// in a directory (en.json, cy.json, pl.json, ...): adding a language is adding
// one file. English is required and is the fallback for any missing key.
//
// Thread: load once, then use from one thread at a time (text() caches keys
// that have no text at all).

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "carekiosk/core/result.hpp"

namespace carekiosk::ui {

struct Language {
    std::string code;  // the file name without .json, e.g. "cy"
    std::string name;  // in the language itself, e.g. "Cymraeg"
};

// Where `carekiosk` looks when the config names no translations_dir.
// The installed translations: <prefix>/share/carekiosk/translations beside the
// running executable's <prefix>/bin (the .deb layout), else the source tree's.
std::string defaultTranslationsDir();

class Translations {
  public:
    // Reads every <code>.json in `dir`. Errors name the file and what to fix
    // (not JSON, no "strings" object, a non-text value, no en.json).
    static core::Result<Translations> load(const std::filesystem::path& dir);

    // English first, then the others by code.
    const std::vector<Language>& languages() const { return languages_; }
    bool hasLanguage(const std::string& code) const { return strings_.count(code) > 0; }

    // The text for `key` in `language`, else in English, else the key itself
    // (so a missing string shows up on screen rather than as a blank).
    const std::string& text(const std::string& language, std::string_view key) const;
    bool has(const std::string& language, std::string_view key) const;

    // "cy.json lacks buddy.send" for every English key another file lacks
    // (worked out once, at load).
    const std::vector<std::string>& missingKeys() const { return missing_; }

  private:
    std::vector<Language> languages_;
    std::vector<std::string> missing_;
    std::map<std::string, std::map<std::string, std::string, std::less<>>> strings_;
    mutable std::map<std::string, std::string, std::less<>> keysAsText_;
};

// Binds a language, for drawing code: tr("welcome.title").
class Translator {
  public:
    Translator(const Translations& translations, std::string language)
        : translations_(translations), language_(std::move(language)) {}
    const char* operator()(std::string_view key) const {
        return translations_.text(language_, key).c_str();
    }
    // The text with each "{name}" replaced by its value: tr.format(
    // "cooldown.count", {{"seconds", "5"}}). Unknown names stay as written.
    std::string format(std::string_view key,
                       const std::vector<std::pair<std::string, std::string>>& values) const;
    const std::string& language() const { return language_; }
    const Translations& translations() const { return translations_; }

  private:
    const Translations& translations_;
    std::string language_;
};

}  // namespace carekiosk::ui
