#pragma once
// Owns the Dear ImGui context, the SDL_Renderer backend and the fonts, and
// turns a ViewModel into pixels. Thread: UI thread only. It never reads
// storage or the network; it draws what the ViewModel says.

#include <SDL.h>

#include <memory>
#include <string>

#include "carekiosk/core/result.hpp"
#include "carekiosk/ui/pointer_input.hpp"
#include "carekiosk/ui/screens.hpp"
#include "carekiosk/ui/theme.hpp"
#include "carekiosk/ui/translations.hpp"

struct ImGuiContext;

namespace carekiosk::ui {

class UiRenderer {
  public:
    // Borrows `window`, `renderer` and `translations`, which must outlive the
    // UiRenderer. `dpi` sizes touch targets in millimetres (see metricsFor).
    // Fails with a clear message if the font file cannot be loaded.
    static core::Result<std::unique_ptr<UiRenderer>> create(
        SDL_Window* window, SDL_Renderer* renderer, const Translations& translations, float dpi,
        std::string fontPath = kDefaultFontPath);
    ~UiRenderer();
    UiRenderer(const UiRenderer&) = delete;
    UiRenderer& operator=(const UiRenderer&) = delete;

    // Draws and presents one frame. When `screenshotPath` is not empty the
    // frame is also written there as PNG; `screenshotStatus` (if given) says
    // whether that worked.
    FrameOutput drawFrame(const ViewModel& model, PointerInput& pointer, float deltaSeconds,
                          const std::string& screenshotPath = {},
                          core::Status* screenshotStatus = nullptr);

    const Palette& palette() const { return palette_; }
    const Metrics& metrics() const { return metrics_; }

  private:
    UiRenderer(SDL_Window* window, SDL_Renderer* renderer, const Translations& translations,
               float dpi, std::string fontPath);
    core::Status rebuildFonts(int width, int height);
    core::Status writePng(const std::string& path, int width, int height);

    SDL_Window* window_;
    SDL_Renderer* renderer_;
    const Translations& translations_;
    float dpi_;
    std::string fontPath_;
    ImGuiContext* context_ = nullptr;
    Palette palette_;
    Metrics metrics_;
    Fonts fonts_;
    int fontWidth_ = 0;
    int fontHeight_ = 0;
    ScreenSet screens_;
};

}  // namespace carekiosk::ui
