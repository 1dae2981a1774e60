#include "carekiosk/ui/renderer.hpp"

#include <imgui.h>
#include <imgui_impl_sdlrenderer.h>
#include <stb_image_write.h>

#include <filesystem>
#include <vector>

#include "carekiosk/ui/draw_data.hpp"

namespace carekiosk::ui {

using core::ErrorCode;
using core::makeError;

namespace {

// Latin-1, Latin Extended-A (Polish, Welsh ŵ ŷ), typographic punctuation, and
// the tick on chosen chips.
constexpr ImWchar kGlyphRanges[] = {0x0020, 0x00FF, 0x0100, 0x017F, 0x2010,
                                    0x205E, 0x2713, 0x2713, 0};

}  // namespace

UiRenderer::UiRenderer(SDL_Window* window, SDL_Renderer* renderer, const Translations& translations,
                       float dpi, std::string fontPath)
    : window_(window),
      renderer_(renderer),
      translations_(translations),
      dpi_(dpi),
      fontPath_(std::move(fontPath)) {}

core::Result<std::unique_ptr<UiRenderer>> UiRenderer::create(SDL_Window* window,
                                                             SDL_Renderer* renderer,
                                                             const Translations& translations,
                                                             float dpi, std::string fontPath) {
    if (!std::filesystem::exists(fontPath)) {
        return makeError(ErrorCode::NotFound,
                         "font " + fontPath + " is missing; install fonts-dejavu-core");
    }
    std::unique_ptr<UiRenderer> ui(
        new UiRenderer(window, renderer, translations, dpi, std::move(fontPath)));
    IMGUI_CHECKVERSION();
    ui->context_ = ImGui::CreateContext();
    ImGui::SetCurrentContext(ui->context_);
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // a kiosk keeps no per-user UI state on disk
    io.LogFilename = nullptr;
    ImGui::GetStyle().AntiAliasedFill = true;
    ImGui::GetStyle().AntiAliasedLines = true;
    if (!ImGui_ImplSDLRenderer_Init(renderer)) {
        return makeError(ErrorCode::Internal, "the SDL_Renderer backend could not start");
    }
    int w = 0;
    int h = 0;
    SDL_GetRendererOutputSize(renderer, &w, &h);
    CAREKIOSK_TRY(ui->rebuildFonts(w, h));
    return ui;
}

UiRenderer::~UiRenderer() {
    if (context_) {
        ImGui::SetCurrentContext(context_);
        ImGui_ImplSDLRenderer_Shutdown();
        ImGui::DestroyContext(context_);
    }
}

core::Status UiRenderer::rebuildFonts(int width, int height) {
    metrics_ = metricsFor(width, height, dpi_);
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    ImFontConfig config;
    config.OversampleH = 2;
    config.OversampleV = 1;
    fonts_.body =
        io.Fonts->AddFontFromFileTTF(fontPath_.c_str(), metrics_.bodyPx, &config, kGlyphRanges);
    fonts_.title =
        io.Fonts->AddFontFromFileTTF(fontPath_.c_str(), metrics_.titlePx, &config, kGlyphRanges);
    fonts_.small = io.Fonts->AddFontFromFileTTF(
        fontPath_.c_str(), std::max(18.0f, metrics_.bodyPx * 0.7f), &config, kGlyphRanges);
    if (!fonts_.body || !fonts_.title || !fonts_.small) {
        return makeError(ErrorCode::Io, "cannot load font " + fontPath_);
    }
    ImGui_ImplSDLRenderer_DestroyFontsTexture();
    fontWidth_ = width;
    fontHeight_ = height;
    return {};
}

FrameOutput UiRenderer::drawFrame(const ViewModel& model, PointerInput& pointer, float deltaSeconds,
                                  const std::string& screenshotPath,
                                  core::Status* screenshotStatus) {
    ImGui::SetCurrentContext(context_);
    int w = 0;
    int h = 0;
    SDL_GetRendererOutputSize(renderer_, &w, &h);
    if (w != fontWidth_ || h != fontHeight_) {
        (void)rebuildFonts(w, h);  // same file as at create(), which succeeded
    }
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(static_cast<float>(w), static_cast<float>(h));
    io.DeltaTime = deltaSeconds > 0 ? deltaSeconds : 1.0f / 60.0f;
    pointer.applyToFrame(io);

    ImGui_ImplSDLRenderer_NewFrame();  // creates the font texture when needed
    if (io.Fonts->TexPixelsAlpha8 || io.Fonts->TexPixelsRGBA32) {
        // The texture has its own copy now. The atlas's pixels (10 MiB at
        // 1080p) and the font files' bytes are only needed to build it, and
        // rebuildFonts() starts again from the files.
        io.Fonts->ClearTexData();
        io.Fonts->ClearInputData();
    }
    ImGui::NewFrame();
    const Translator tr(translations_, model.language);
    const DrawContext ctx{
        palette_, metrics_, fonts_, tr, static_cast<float>(w), static_cast<float>(h)};
    FrameOutput out = screens_.draw(model, ctx);
    ImGui::Render();

    const Rgb bg = palette_.background;
    SDL_SetRenderDrawColor(renderer_, bg.r, bg.g, bg.b, 255);
    SDL_RenderClear(renderer_);
    renderDrawData(renderer_, *ImGui::GetDrawData());
    if (!screenshotPath.empty()) {
        auto status = writePng(screenshotPath, w, h);
        if (screenshotStatus) {
            *screenshotStatus = status;
        }
    }
    SDL_RenderPresent(renderer_);
    return out;
}

core::Status UiRenderer::writePng(const std::string& path, int width, int height) {
    std::vector<unsigned char> pixels(static_cast<std::size_t>(width) * height * 4);
    if (SDL_RenderReadPixels(renderer_, nullptr, SDL_PIXELFORMAT_ABGR8888, pixels.data(),
                             width * 4) != 0) {
        return makeError(ErrorCode::Internal,
                         std::string("cannot read back the frame: ") + SDL_GetError());
    }
    // Fast over small: screenshots are for people and tests to look at, and
    // stb's default level spends most of a screenshot's time compressing.
    stbi_write_png_compression_level = 1;
    if (!stbi_write_png(path.c_str(), width, height, 4, pixels.data(), width * 4)) {
        return makeError(ErrorCode::Io, "cannot write screenshot " + path +
                                            "; check the directory exists and is writable");
    }
    return {};
}

}  // namespace carekiosk::ui
