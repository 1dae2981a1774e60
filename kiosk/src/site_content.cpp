#include "carekiosk/kiosk/site_content.hpp"

namespace carekiosk::kiosk {

using core::ErrorCode;
using core::makeError;

namespace {

core::Status checkSiteContent(const core::KioskConfig& config,
                              const ui::Translations& translations) {
    for (std::size_t i = 0; i < config.languages.size(); ++i) {
        if (!translations.hasLanguage(config.languages[i])) {
            const std::string field = "languages[" + std::to_string(i) + "]";
            return makeError(ErrorCode::InvalidInput,
                             field + " \"" + config.languages[i] +
                                 "\" has no translation file; add " + config.languages[i] +
                                 ".json to the translations directory or remove it",
                             field);
        }
    }
    if (!translations.hasLanguage(config.defaultLanguage)) {
        return makeError(ErrorCode::InvalidInput,
                         "default_language \"" + config.defaultLanguage +
                             "\" has no translation file; pick one of the shipped languages",
                         "default_language");
    }
    struct OptionList {
        const char* field;
        const char* keyPrefix;
        const std::vector<std::string>& ids;
    };
    for (const OptionList& list : {OptionList{"reasons", "reason.", config.reasons},
                                   OptionList{"buddy_kinds", "buddy.kind.", config.buddyKinds},
                                   OptionList{"buddy_times", "buddy.time.", config.buddyTimes}}) {
        for (std::size_t i = 0; i < list.ids.size(); ++i) {
            const std::string key = list.keyPrefix + list.ids[i];
            if (!translations.has("en", key)) {
                const std::string field = std::string(list.field) + "[" + std::to_string(i) + "]";
                return makeError(ErrorCode::InvalidInput,
                                 field + " \"" + list.ids[i] + "\" has no text; add \"" + key +
                                     "\" to en.json (and the other languages) or remove it",
                                 field);
            }
        }
    }
    return {};
}

}  // namespace

core::Result<ui::Translations> loadTranslationsFor(const core::KioskConfig& config) {
    CAREKIOSK_TRY_LET(translations, ui::Translations::load(config.translationsDir.empty()
                                                               ? ui::defaultTranslationsDir()
                                                               : config.translationsDir));
    CAREKIOSK_TRY(checkSiteContent(config, translations.value()));
    return translations;
}

ui::FlowSettings flowSettingsFor(const core::KioskConfig& config,
                                 const ui::Translations& translations) {
    ui::FlowSettings s;
    s.idleReset = std::chrono::seconds(config.idleResetSeconds);
    s.cooldown = std::chrono::seconds(config.cooldownSeconds);
    s.defaultLanguage = config.defaultLanguage;
    s.languages = config.languages;
    if (s.languages.empty()) {
        s.languages.clear();
        for (const auto& language : translations.languages()) {
            s.languages.push_back(language.code);
        }
    }
    s.reasons = config.reasons;
    s.buddyKinds = config.buddyKinds;
    s.buddyTimes = config.buddyTimes;
    s.hasSupportResources = !config.supportResources.empty();
    s.buddyOffered = !config.buddyPublicKey.empty();
    return s;
}

core::Result<LoadedConfig> withSiteConfig(const core::KioskConfig& fileConfig, int version,
                                          const std::string& contentJson) {
    CAREKIOSK_TRY_LET(merged, core::applySiteContent(fileConfig, contentJson));
    merged->siteConfigVersion = version;
    CAREKIOSK_TRY_LET(translations, loadTranslationsFor(merged.value()));
    return LoadedConfig{std::move(merged).value(), std::move(translations).value()};
}

}  // namespace carekiosk::kiosk
