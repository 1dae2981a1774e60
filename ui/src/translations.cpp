#include "carekiosk/ui/translations.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace carekiosk::ui {

using core::ErrorCode;
using core::makeError;

std::string defaultTranslationsDir() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto installed =
            exe.parent_path().parent_path() / "share" / "carekiosk" / "translations";
        if (std::filesystem::is_directory(installed, ec)) {
            return installed.string();
        }
    }
    return CAREKIOSK_TRANSLATIONS_DIR;
}

core::Result<Translations> Translations::load(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        return makeError(ErrorCode::NotFound,
                         "translations directory " + dir.string() +
                             " is missing; set translations_dir in the kiosk config to the "
                             "folder with en.json",
                         "translations_dir");
    }
    Translations t;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (entry.path().extension() == ".json") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        const std::string code = file.stem().string();
        std::ifstream in(file, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        const auto root = nlohmann::json::parse(text.str(), nullptr, false);
        if (root.is_discarded() || !root.is_object()) {
            return makeError(ErrorCode::InvalidInput,
                             file.string() +
                                 " is not a JSON object; check for a missing quote, "
                                 "comma or brace");
        }
        const auto name = root.find("language_name");
        const auto strings = root.find("strings");
        if (name == root.end() || !name->is_string() || strings == root.end() ||
            !strings->is_object()) {
            return makeError(ErrorCode::InvalidInput,
                             file.string() +
                                 " needs \"language_name\" (text) and \"strings\" (an object of "
                                 "key: text)");
        }
        auto& table = t.strings_[code];
        for (const auto& [key, value] : strings->items()) {
            if (!value.is_string()) {
                return makeError(ErrorCode::InvalidInput,
                                 file.string() + ": strings." + key + " must be text");
            }
            table.emplace(key, value.get<std::string>());
        }
        t.languages_.push_back({code, name->get<std::string>()});
    }
    if (!t.strings_.count("en")) {
        return makeError(ErrorCode::NotFound,
                         "translations directory " + dir.string() +
                             " has no en.json; English is required as the fallback",
                         "translations_dir");
    }
    std::stable_partition(t.languages_.begin(), t.languages_.end(),
                          [](const Language& l) { return l.code == "en"; });
    for (const auto& language : t.languages_) {
        for (const auto& [key, value] : t.strings_.at("en")) {
            if (!t.has(language.code, key)) {
                t.missing_.push_back(language.code + ".json lacks " + key);
            }
        }
    }
    return t;
}

bool Translations::has(const std::string& language, std::string_view key) const {
    const auto table = strings_.find(language);
    return table != strings_.end() && table->second.find(key) != table->second.end();
}

const std::string& Translations::text(const std::string& language, std::string_view key) const {
    for (const std::string* code : {&language, &languages_.front().code}) {
        const auto table = strings_.find(*code);
        if (table != strings_.end()) {
            const auto found = table->second.find(key);
            if (found != table->second.end()) {
                return found->second;
            }
        }
    }
    return keysAsText_.try_emplace(std::string(key), std::string(key)).first->second;
}

std::string Translator::format(
    std::string_view key, const std::vector<std::pair<std::string, std::string>>& values) const {
    std::string text = translations_.text(language_, key);
    for (const auto& [name, value] : values) {
        const std::string placeholder = "{" + name + "}";
        for (auto at = text.find(placeholder); at != std::string::npos;
             at = text.find(placeholder, at + value.size())) {
            text.replace(at, placeholder.size(), value);
        }
    }
    return text;
}

}  // namespace carekiosk::ui
