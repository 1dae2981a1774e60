#include <SDL.h>
#include <imgui.h>
#include <imgui_impl_sdlrenderer.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "carekiosk/ui/draw_data.hpp"
#include "carekiosk/ui/flow.hpp"
#include "carekiosk/ui/keyboard.hpp"
#include "carekiosk/ui/pointer_input.hpp"
#include "carekiosk/ui/theme.hpp"
#include "carekiosk/ui/translations.hpp"
#include "support/test_support.hpp"

using namespace carekiosk::ui;
using namespace std::chrono;

TEST_CASE("every shipped language has every English text") {
    auto translations = Translations::load(defaultTranslationsDir());
    REQUIRE(translations);
    std::vector<std::string> codes;
    for (const auto& language : translations->languages()) {
        codes.push_back(language.code);
    }
    CHECK(codes == std::vector<std::string>{"en", "cy", "pl"});
    CHECK(translations->missingKeys().empty());
    CHECK(std::string(translations->text("cy", "welcome.title")) == "Eiliad i chi");
    CHECK(translations->text("pl", "no.such.key") == "no.such.key");  // visible, not blank
}

TEST_CASE("a broken translation file is refused with the file and the fix") {
    carekiosk::testing::TempDir dir;
    {
        std::ofstream(dir / "en.json") << R"({"language_name": "English", "strings": {"a": "A"}})";
        std::ofstream(dir / "xx.json") << R"({"language_name": "X", "strings": {"a": 3}})";
    }
    auto loaded = Translations::load(dir.path());
    REQUIRE_FALSE(loaded);
    CHECK_THAT(loaded.error().message, Catch::Contains("xx.json: strings.a must be text"));
    std::filesystem::remove(dir / "en.json");
    std::filesystem::remove(dir / "xx.json");
    auto empty = Translations::load(dir.path());
    REQUIRE_FALSE(empty);
    CHECK_THAT(empty.error().message, Catch::Contains("has no en.json"));
}

TEST_CASE("a file with a new language is all it takes to add one") {
    carekiosk::testing::TempDir dir;
    std::filesystem::copy_file(std::filesystem::path(defaultTranslationsDir()) / "en.json",
                               dir / "en.json");
    std::ofstream(dir / "ga.json")
        << R"({"language_name": "Gaeilge", "strings": {"welcome.title": "Nóiméad duit"}})";
    auto loaded = Translations::load(dir.path());
    REQUIRE(loaded);
    REQUIRE(loaded->languages().size() == 2);
    CHECK(loaded->languages()[1].name == "Gaeilge");
    CHECK(loaded->text("ga", "welcome.title") == "Nóiméad duit");
    CHECK(loaded->text("ga", "common.back") == "Back");  // English until translated
    CHECK_FALSE(loaded->missingKeys().empty());          // and the admin panel says so
}

TEST_CASE("the keyboard has ten units per row, capitals with shift, and every letter needed") {
    auto translations = Translations::load(defaultTranslationsDir());
    REQUIRE(translations);
    const Translator tr(translations.value(), "en");
    Draft draft;
    std::string letters;
    for (bool symbols : {false, true}) {
        for (bool shift : {false, true}) {
            draft.symbols = symbols;
            draft.shift = shift;
            const auto rows = keyboardRows(draft, tr);
            REQUIRE(rows.size() == 4);
            for (const auto& row : rows) {
                float units = 0;
                for (const auto& key : row) {
                    units += key.width;
                    const auto* text = std::get_if<TypeText>(&key.action);
                    if (text && key.id != "key.space") {
                        CHECK(text->text == key.label);
                        letters += text->text;
                    }
                }
                CHECK(units == Approx(kKeyboardColumns));
            }
        }
    }
    for (const char* needed : {"a", "Z", "@", ".", "-", "_", "0", "9", "ł", "Ł", "ŵ", "Ŷ", "ż"}) {
        INFO(needed);
        CHECK(letters.find(needed) != std::string::npos);
    }
}

TEST_CASE("theme text meets WCAG AA contrast (4.5:1) on its backgrounds") {
    const Palette p;
    CHECK(contrastRatio(p.text, p.background) >= 4.5);
    CHECK(contrastRatio(p.mutedText, p.background) >= 4.5);
    CHECK(contrastRatio(p.accentText, p.accent) >= 4.5);
    CHECK(contrastRatio(p.text, p.buttonSecondary) >= 4.5);
    CHECK(contrastRatio(p.mutedText, p.buttonSecondary) >= 4.5);  // placeholders, chip borders
    CHECK(contrastRatio(p.text, p.card) >= 4.5);
    CHECK(contrastRatio(p.mutedText, p.card) >= 4.5);
    CHECK(contrastRatio(p.text, p.field) >= 4.5);
    CHECK(contrastRatio(p.mutedText, p.field) >= 4.5);
    CHECK(contrastRatio(p.quietText, p.quietBackground) >= 4.5);
    for (const auto& face : p.faces) {
        CHECK(contrastRatio(p.text, face) >= 4.5);  // the outline and features on each face
    }
    CHECK(contrastRatio({0, 0, 0}, {255, 255, 255}) == Approx(21.0));
}

TEST_CASE("sizes scale with the screen and keep touch targets large") {
    const auto hd = metricsFor(1920, 1080);
    CHECK(hd.bodyPx >= 28);
    const auto small = metricsFor(800, 480);
    CHECK(small.minTarget >= 64);
    CHECK(small.bodyPx >= 20);
    const auto portrait = metricsFor(1080, 1920);
    CHECK(portrait.bodyPx == hd.bodyPx);
    // 4K is the HD layout at twice the size: every proportion the HD tour checks holds.
    const auto uhd = metricsFor(3840, 2160);
    CHECK(uhd.bodyPx == 2 * hd.bodyPx);
    CHECK(uhd.minTarget == 2 * hd.minTarget);
    CHECK(uhd.margin == 2 * hd.margin);
}

TEST_CASE("touch targets are at least 15 mm on the real glass, from the display's DPI") {
    CHECK(minTargetPixels(0) == Approx(15 / 25.4 * 96).epsilon(0.02));  // unknown: 96 dpi
    // A small, dense panel: 1280x800 at 216 dpi needs 128 px for 15 mm, more than
    // the size the screen alone would give.
    const auto dense = metricsFor(1280, 800, 216);
    CHECK(dense.minTarget >= 15 / 25.4f * 216);
    CHECK(dense.minTarget > metricsFor(1280, 800).minTarget);
    CHECK(metricsFor(800, 480, 0).minTarget >= 64);
}

TEST_CASE("a press and release that arrive together become a tap over two frames") {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    PointerInput input;
    input.push({PointerEvent::Kind::Press, 100, 200});
    input.push({PointerEvent::Kind::Release, 100, 200});
    input.push({PointerEvent::Kind::Leave, 0, 0});
    input.applyToFrame(io);
    CHECK(io.MouseDown[0]);
    CHECK(io.MousePos.x == 100);
    input.applyToFrame(io);
    CHECK_FALSE(io.MouseDown[0]);
    CHECK(io.MousePos.y == 200);  // released where it was pressed
    input.applyToFrame(io);
    CHECK(io.MousePos.x < -1e6f);  // the finger left: nothing hovers
    CHECK_FALSE(input.hasPending());
    ImGui::DestroyContext();
}

TEST_CASE("a touch reported twice, as a finger and as a mouse, is one tap") {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    PointerInput input;
    using K = PointerEvent::Kind;
    using S = PointerEvent::Source;
    const PointerEvent::Time t{};
    // The panel's two drivers report the same touch a few milliseconds apart.
    input.push({K::Press, 100, 200, S::Finger, t});
    input.push({K::Release, 100, 200, S::Finger, t + milliseconds(60)});
    input.push({K::Press, 101, 199, S::Mouse, t + milliseconds(65)});
    input.push({K::Release, 101, 199, S::Mouse, t + milliseconds(70)});
    int presses = 0;
    for (int frame = 0; frame < 6; ++frame) {
        const bool wasDown = io.MouseDown[0];
        input.applyToFrame(io);
        presses += !wasDown && io.MouseDown[0] ? 1 : 0;
    }
    CHECK(presses == 1);
    CHECK_FALSE(io.MouseDown[0]);
    // A second tap a second later, by either, is a tap of its own.
    input.push({K::Press, 100, 200, S::Mouse, t + seconds(1)});
    input.push({K::Release, 100, 200, S::Mouse, t + seconds(1) + milliseconds(50)});
    input.push({K::Press, 300, 200, S::Finger, t + seconds(1) + milliseconds(80)});  // elsewhere
    input.push({K::Release, 300, 200, S::Finger, t + seconds(1) + milliseconds(90)});
    for (int frame = 0; frame < 6; ++frame) {
        const bool wasDown = io.MouseDown[0];
        input.applyToFrame(io);
        presses += !wasDown && io.MouseDown[0] ? 1 : 0;
    }
    CHECK(presses == 3);
    ImGui::DestroyContext();
}

TEST_CASE("a press aimed at the last screen never lands on the next one") {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    PointerInput input;
    using K = PointerEvent::Kind;
    using S = PointerEvent::Source;
    const PointerEvent::Time t = PointerEvent::Time{} + seconds(10);
    input.push({K::Press, 50, 50, S::Finger, t});
    input.push({K::Release, 50, 50, S::Finger, t + milliseconds(40)});
    input.applyToFrame(io);
    input.applyToFrame(io);
    CHECK_FALSE(io.MouseDown[0]);
    // That tap changed the screen; a second one was already queued behind it,
    // and a third came straight after, elsewhere (a slow double tap that
    // slid onto another control).
    input.push({K::Press, 50, 50, S::Finger, t + milliseconds(60)});
    input.push({K::Release, 50, 50, S::Finger, t + milliseconds(90)});
    input.screenChanged(t + milliseconds(100));
    input.push({K::Press, 400, 300, S::Finger, t + milliseconds(350)});
    input.push({K::Release, 400, 300, S::Finger, t + milliseconds(380)});
    CHECK(input.lockedOut(t + milliseconds(450)));
    for (int frame = 0; frame < 6; ++frame) {
        input.applyToFrame(io);
        CHECK_FALSE(io.MouseDown[0]);
    }
    // Once the new screen has been up long enough to be read, taps work.
    CHECK_FALSE(input.lockedOut(t + milliseconds(500)));
    input.push({K::Press, 50, 50, S::Finger, t + milliseconds(600)});
    input.applyToFrame(io);
    CHECK(io.MouseDown[0]);
    ImGui::DestroyContext();
}

TEST_CASE("the tap guard is the site's to set, down to none") {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    PointerInput input;
    input.setGuard(milliseconds(0));
    using K = PointerEvent::Kind;
    using S = PointerEvent::Source;
    const PointerEvent::Time t = PointerEvent::Time{} + seconds(10);
    input.screenChanged(t);
    // Still dropped: a press that arrived before the change.
    input.push({K::Press, 50, 50, S::Finger, t - milliseconds(5)});
    input.push({K::Release, 50, 50, S::Finger, t - milliseconds(1)});
    input.applyToFrame(io);
    CHECK_FALSE(io.MouseDown[0]);
    input.applyToFrame(io);
    // Taken at once: one after it.
    input.push({K::Press, 50, 50, S::Finger, t + milliseconds(1)});
    input.applyToFrame(io);
    CHECK(io.MouseDown[0]);
    ImGui::DestroyContext();
}

namespace {

// One ImGui frame of the shapes the kiosk draws, on a software renderer over
// a surface of its own, drawn either by the ImGui backend or by ours.
class ShapeCanvas {
  public:
    static constexpr int kWidth = 640;
    static constexpr int kHeight = 400;

    ShapeCanvas() {
        surface_ = SDL_CreateRGBSurfaceWithFormat(0, kWidth, kHeight, 32, SDL_PIXELFORMAT_ARGB8888);
        renderer_ = SDL_CreateSoftwareRenderer(surface_);
        context_ = ImGui::CreateContext();
        ImGui::GetIO().IniFilename = nullptr;
        ImGui::GetIO().Fonts->AddFontDefault();
        ImGui_ImplSDLRenderer_Init(renderer_);
    }
    ~ShapeCanvas() {
        ImGui_ImplSDLRenderer_Shutdown();
        ImGui::DestroyContext(context_);
        SDL_DestroyRenderer(renderer_);
        SDL_FreeSurface(surface_);
    }
    ShapeCanvas(const ShapeCanvas&) = delete;
    ShapeCanvas& operator=(const ShapeCanvas&) = delete;

    // Draws the frame and returns its pixels (ARGB8888, row by row).
    std::vector<Uint32> draw(bool withBackend) {
        ImGuiIO& io = ImGui::GetIO();
        io.DisplaySize = ImVec2(kWidth, kHeight);
        io.DeltaTime = 1.0f / 60.0f;
        ImGui_ImplSDLRenderer_NewFrame();
        ImGui::NewFrame();
        ImDrawList* d = ImGui::GetBackgroundDrawList();
        d->AddRectFilled(ImVec2(0, 0), ImVec2(kWidth, kHeight), IM_COL32(250, 246, 238, 255));
        d->AddRectFilled(ImVec2(20, 20), ImVec2(300, 120), IM_COL32(40, 110, 90, 255), 25.0f);
        d->AddRectFilled(ImVec2(40, 150), ImVec2(290, 190), IM_COL32(40, 110, 90, 204), 20.0f);
        d->AddCircleFilled(ImVec2(450, 100), 80.0f, IM_COL32(240, 200, 90, 255), 64);
        d->AddCircle(ImVec2(450, 100), 80.0f, IM_COL32(60, 50, 40, 255), 64, 5.0f);
        d->PathArcTo(ImVec2(450, 120), 35.0f, 0.0f, 3.14159f, 32);
        d->PathFillConvex(IM_COL32(60, 50, 40, 255));
        d->AddRectFilled(ImVec2(330, 230), ImVec2(610, 380), IM_COL32(30, 60, 160, 128));
        d->AddText(ImGui::GetFont(), 26.0f, ImVec2(40, 240), IM_COL32(20, 20, 20, 255),
                   "Check in: how are you today?");
        d->PushClipRect(ImVec2(20, 300), ImVec2(200, 340));  // half of the next shape is cut
        d->AddRectFilled(ImVec2(20, 300), ImVec2(380, 380), IM_COL32(200, 60, 60, 255), 30.0f);
        d->PopClipRect();
        ImGui::Render();
        SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 255);
        SDL_RenderClear(renderer_);
        if (withBackend) {
            ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
        } else {
            stats_ = renderDrawData(renderer_, *ImGui::GetDrawData());
        }
        SDL_RenderPresent(renderer_);
        std::vector<Uint32> pixels(static_cast<std::size_t>(kWidth) * kHeight);
        SDL_RenderReadPixels(renderer_, nullptr, SDL_PIXELFORMAT_ARGB8888, pixels.data(),
                             kWidth * 4);
        return pixels;
    }

    SDL_Renderer* renderer() const { return renderer_; }
    const DrawDataStats& stats() const { return stats_; }

  private:
    DrawDataStats stats_;
    SDL_Surface* surface_ = nullptr;
    SDL_Renderer* renderer_ = nullptr;
    ImGuiContext* context_ = nullptr;
};

int channelDifference(Uint32 a, Uint32 b) {
    int most = 0;
    for (int shift = 0; shift < 24; shift += 8) {
        most = std::max(most, std::abs(static_cast<int>((a >> shift) & 0xFF) -
                                       static_cast<int>((b >> shift) & 0xFF)));
    }
    return most;
}

Uint32 pixelAt(const std::vector<Uint32>& pixels, int x, int y) {
    return pixels[static_cast<std::size_t>(y) * ShapeCanvas::kWidth + x] & 0xFFFFFF;
}

}  // namespace

TEST_CASE("the fast fill path draws what the ImGui backend draws") {
    ShapeCanvas canvas;
    const auto reference = canvas.draw(true);
    SDL_SetRenderDrawColor(canvas.renderer(), 1, 2, 3, 4);
    const auto ours = canvas.draw(false);

    // Our path took its shortcut: the background, the buttons, the face, the
    // mouth and the rectangles were filled as spans (six fans at least).
    CHECK(canvas.stats().fansAsSpans >= 6);
    // The shapes are there, in their colours, in both (not two blank frames).
    for (const auto* pixels : {&reference, &ours}) {
        CHECK(pixelAt(*pixels, 160, 70) == 0x286E5A);   // rounded button
        CHECK(pixelAt(*pixels, 450, 60) == 0xF0C85A);   // face
        CHECK(pixelAt(*pixels, 450, 140) == 0x3C3228);  // mouth
        CHECK(pixelAt(*pixels, 5, 5) == 0xFAF6EE);      // background
        CHECK(pixelAt(*pixels, 100, 320) == 0xC83C3C);  // inside the clip
        CHECK(pixelAt(*pixels, 300, 320) == 0xFAF6EE);  // clipped away
    }
    // Pixel for pixel the same frame: the spans cover exactly the pixels SDL's
    // triangle rasteriser would, so the anti-aliased fringes meet them as before.
    int differing = 0;
    int worst = 0;
    for (std::size_t i = 0; i < reference.size(); ++i) {
        const int diff = channelDifference(reference[i], ours[i]);
        worst = std::max(worst, diff);
        differing += diff > 0 ? 1 : 0;
    }
    INFO("pixels that differ: " << differing << ", by at most " << worst << " in a channel");
    CHECK(differing == 0);  // under 0.1%
    // The renderer's own state is put back.
    Uint8 r = 0, g = 0, b = 0, a = 0;
    SDL_GetRenderDrawColor(canvas.renderer(), &r, &g, &b, &a);
    // draw() set black for its clear; ours must not leave a fill colour behind.
    CHECK((r == 0 && g == 0 && b == 0 && a == 255));
}
