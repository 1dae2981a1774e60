#pragma once
// The link between a kiosk config's question set and the translation files:
// every option id and language the config names must have text to show.
//
// Thread: any (pure functions).

#include "carekiosk/core/config.hpp"
#include "carekiosk/core/result.hpp"
#include "carekiosk/ui/flow.hpp"
#include "carekiosk/ui/translations.hpp"

namespace carekiosk::kiosk {

// Loads the translations the config points at (translations_dir, else the
// installed ones) and checks the config against them: every configured
// language has a file and every reason, buddy kind and buddy time has English
// text. Errors name the directory or file, or the config field (e.g.
// "reasons[2]") and the key to add.
core::Result<ui::Translations> loadTranslationsFor(const core::KioskConfig& config);

// A config with its translations, ready to run.
struct LoadedConfig {
    core::KioskConfig config;
    ui::Translations translations;
};

// `fileConfig` with a site config fetched from the collector applied on top
// (its version recorded in siteConfigVersion), checked as loadTranslationsFor
// does. Errors name the field; the caller keeps running what it had.
core::Result<LoadedConfig> withSiteConfig(const core::KioskConfig& fileConfig, int version,
                                          const std::string& contentJson);

// The flow's settings for this config: timings, languages on offer (the
// config's, or every shipped one), and the options in display order.
ui::FlowSettings flowSettingsFor(const core::KioskConfig& config,
                                 const ui::Translations& translations);

}  // namespace carekiosk::kiosk
