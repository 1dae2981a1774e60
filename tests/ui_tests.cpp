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

namespace {

FlowSettings settings() {
    FlowSettings s;
    s.thankYou = seconds(6);
    s.idleReset = seconds(45);
    s.cooldown = seconds(8);
    s.defaultLanguage = "en";
    s.languages = {"en", "cy", "pl"};
    s.reasons = {"workload", "team", "health"};
    s.buddyKinds = {"coffee", "walk"};
    s.buddyTimes = {"mornings", "lunchtimes"};
    return s;
}
const Flow::Clock::time_point t0{};

// The check-in a Flow asks to save, if that is the effect.
const SaveCheckIn* checkInToSave(const Effect& effect) {
    return std::get_if<SaveCheckIn>(&effect);
}

bool noEffect(const Effect& effect) {
    return std::holds_alternative<NoEffect>(effect);
}

// Welcome -> pulse -> score -> reasons.
void toReasons(Flow& flow, int score, Flow::Clock::time_point now) {
    flow.apply(StartCheckIn{}, now);
    REQUIRE(flow.screen() == Screen::Pulse);
    REQUIRE(noEffect(flow.apply(ChooseScore{score}, now)));
    REQUIRE(flow.screen() == Screen::Reasons);
}

}  // namespace

TEST_CASE("the check-in path: welcome, pulse, reasons, saved, thank you, welcome") {
    Flow flow(settings());
    CHECK(flow.screen() == Screen::Welcome);
    CHECK_FALSE(flow.nextDeadline());  // welcome waits forever: nothing is timed
    toReasons(flow, 4, t0);
    flow.apply(ToggleReason{"workload"}, t0);
    flow.apply(ToggleReason{"team"}, t0);
    flow.apply(ToggleReason{"workload"}, t0);  // a second tap takes it back
    flow.apply(ToggleReason{"parking"}, t0);   // not in this question set: ignored
    const Effect effect = flow.apply(SubmitCheckIn{}, t0 + seconds(2));
    const auto* save = checkInToSave(effect);
    REQUIRE(save);
    CHECK(save->score == 4);
    CHECK(save->reasons == std::vector<std::string>{"team"});
    CHECK(flow.screen() == Screen::Reasons);  // not thanked until saved
    flow.saved(t0 + seconds(2));
    CHECK(flow.screen() == Screen::ThankYou);
    CHECK(flow.draft().score == 0);  // saved: nothing of it stays in memory
    flow.apply(Dismiss{}, t0 + seconds(3));
    CHECK(flow.screen() == Screen::Welcome);
}

TEST_CASE("skip submits the score without the reasons picked") {
    Flow flow(settings());
    toReasons(flow, 2, t0);
    flow.apply(ToggleReason{"health"}, t0);
    const Effect effect = flow.apply(SubmitCheckIn{true}, t0);
    REQUIRE(checkInToSave(effect));
    CHECK(checkInToSave(effect)->score == 2);
    CHECK(checkInToSave(effect)->reasons.empty());
}

TEST_CASE("a question set without reasons saves straight from the faces") {
    auto s = settings();
    s.reasons.clear();
    Flow flow(s);
    flow.apply(StartCheckIn{}, t0);
    REQUIRE(checkInToSave(flow.apply(ChooseScore{5}, t0)));
    flow.saved(t0);
    CHECK(flow.screen() == Screen::ThankYou);
}

TEST_CASE("back is possible at every step before submit, and nothing is saved") {
    Flow flow(settings());
    toReasons(flow, 3, t0);
    CHECK(noEffect(flow.apply(GoBack{}, t0)));
    CHECK(flow.screen() == Screen::Pulse);
    CHECK(noEffect(flow.apply(GoBack{}, t0)));
    CHECK(flow.screen() == Screen::Welcome);
    flow.apply(StartBuddy{}, t0);
    flow.apply(ChooseBuddyKind{"walk"}, t0);
    flow.apply(Next{}, t0);
    CHECK(flow.screen() == Screen::BuddyContact);
    for (Screen expected : {Screen::BuddyWhen, Screen::BuddyKind, Screen::Welcome}) {
        CHECK(noEffect(flow.apply(GoBack{}, t0)));
        CHECK(flow.screen() == expected);
    }
    flow.apply(ShowAbout{}, t0);
    CHECK(flow.screen() == Screen::About);
    flow.apply(GoBack{}, t0);
    CHECK(flow.screen() == Screen::Welcome);
}

TEST_CASE("a failed save shows the failure, never a thank-you") {
    Flow flow(settings());
    toReasons(flow, 2, t0);
    REQUIRE(checkInToSave(flow.apply(SubmitCheckIn{}, t0)));
    flow.saveFailed(t0);
    CHECK(flow.screen() == Screen::SaveFailed);
    CHECK(flow.tick(t0 + seconds(6)));
    CHECK(flow.screen() == Screen::Welcome);
}

TEST_CASE("the thank-you screen returns to welcome by itself") {
    Flow flow(settings());
    toReasons(flow, 5, t0);
    flow.apply(SubmitCheckIn{}, t0);
    flow.saved(t0);
    REQUIRE(flow.nextDeadline());
    CHECK(*flow.nextDeadline() == t0 + seconds(6));
    CHECK_FALSE(flow.tick(t0 + seconds(5)));
    CHECK(flow.tick(t0 + seconds(6)));
    CHECK(flow.screen() == Screen::Welcome);
}

TEST_CASE("after every check-in alike, the support resources stay up long enough to read") {
    auto s = settings();
    s.hasSupportResources = true;
    for (int score = 1; score <= 5; ++score) {
        Flow flow(s);
        toReasons(flow, score, t0);
        flow.apply(SubmitCheckIn{}, t0);
        flow.saved(t0);
        INFO("score " << score);
        CHECK(*flow.nextDeadline() == t0 + seconds(45));
        CHECK_FALSE(flow.tick(t0 + seconds(10)));
    }
}

TEST_CASE("an abandoned screen resets to welcome after the idle time, and touches extend it") {
    Flow flow(settings());
    toReasons(flow, 2, t0);
    flow.apply(ToggleReason{"team"}, t0);
    flow.touched(t0 + seconds(30));
    CHECK_FALSE(flow.tick(t0 + seconds(60)));
    CHECK(flow.screen() == Screen::Reasons);
    CHECK(flow.tick(t0 + seconds(75)));
    CHECK(flow.screen() == Screen::Welcome);
    // The next person starts from nothing.
    CHECK(flow.draft().score == 0);
    CHECK(flow.draft().reasons.empty());
}

TEST_CASE("the language resets to the site default when the flow returns to welcome") {
    Flow flow(settings());
    flow.apply(ChooseLanguage{"cy"}, t0);
    CHECK(flow.language() == "cy");
    flow.apply(ChooseLanguage{"de"}, t0);  // not offered here
    CHECK(flow.language() == "cy");
    flow.apply(ShowAbout{}, t0);
    flow.apply(GoBack{}, t0);
    CHECK(flow.language() == "cy");  // going back by choice keeps it
    flow.apply(StartCheckIn{}, t0);
    CHECK(flow.language() == "cy");  // kept through the flow
    CHECK(flow.tick(t0 + seconds(45)));
    CHECK(flow.screen() == Screen::Welcome);
    CHECK(flow.language() == "en");
    flow.apply(ChooseLanguage{"pl"}, t0 + seconds(50));
    toReasons(flow, 4, t0 + seconds(50));
    flow.apply(SubmitCheckIn{}, t0 + seconds(50));
    flow.saved(t0 + seconds(50));
    flow.apply(Dismiss{}, t0 + seconds(51));
    CHECK(flow.language() == "en");
}

TEST_CASE("a check-in right after another meets a kind cooldown, then works") {
    Flow flow(settings());
    toReasons(flow, 4, t0);
    flow.apply(SubmitCheckIn{}, t0);
    flow.saved(t0);
    flow.apply(Dismiss{}, t0 + seconds(1));
    flow.apply(StartCheckIn{}, t0 + seconds(2));
    CHECK(flow.screen() == Screen::Cooldown);  // no pulse, so nothing to stuff
    flow.apply(Dismiss{}, t0 + seconds(3));
    flow.apply(StartCheckIn{}, t0 + seconds(8));
    CHECK(flow.screen() == Screen::Pulse);
}

TEST_CASE("stale taps are ignored, and only one save runs at a time") {
    Flow flow(settings());
    CHECK(noEffect(flow.apply(ChooseScore{3}, t0)));  // a face tap that arrives on welcome
    CHECK(noEffect(flow.apply(SubmitCheckIn{}, t0)));
    CHECK(flow.screen() == Screen::Welcome);
    toReasons(flow, 3, t0);
    REQUIRE(checkInToSave(flow.apply(SubmitCheckIn{}, t0)));
    CHECK(noEffect(flow.apply(SubmitCheckIn{}, t0)));  // double tap while saving
    CHECK(noEffect(flow.apply(GoBack{}, t0)));
    CHECK_FALSE(flow.tick(t0 + hours(1)));  // no reset in the middle of a save
    flow.saved(t0);
    CHECK(flow.screen() == Screen::ThankYou);
}

TEST_CASE("a buddy request: kind, times, typed contact, send, and nothing kept") {
    Flow flow(settings());
    flow.apply(StartBuddy{}, t0);
    CHECK(flow.screen() == Screen::BuddyKind);
    flow.apply(ChooseBuddyKind{"tea"}, t0);  // not offered: ignored
    CHECK(flow.screen() == Screen::BuddyKind);
    flow.apply(ChooseBuddyKind{"walk"}, t0);
    CHECK(flow.screen() == Screen::BuddyWhen);
    flow.apply(ToggleBuddyTime{"lunchtimes"}, t0);
    flow.apply(ToggleBuddyTime{"mornings"}, t0);
    flow.apply(Next{}, t0);
    CHECK(flow.screen() == Screen::BuddyContact);
    CHECK(flow.draft().field == Field::FirstName);
    CHECK(flow.draft().shift);                     // a name starts with a capital
    CHECK(noEffect(flow.apply(SendBuddy{}, t0)));  // nothing typed yet
    for (const char* key : {"S", "a", "m", "x"}) {
        flow.apply(TypeText{key}, t0);
    }
    flow.apply(Backspace{}, t0);
    CHECK(flow.draft().firstName == "Sam");
    CHECK_FALSE(flow.draft().shift);               // shift was for one letter
    CHECK(noEffect(flow.apply(SendBuddy{}, t0)));  // no contact yet
    flow.apply(FocusField{Field::Contact}, t0);
    for (const char* key : {"d", "e", "s", "k", " ", "4", "ł"}) {
        flow.apply(TypeText{key}, t0);
    }
    flow.apply(Backspace{}, t0);  // removes the whole two-byte ł
    CHECK(flow.draft().contact == "desk 4");
    const Effect effect = flow.apply(SendBuddy{}, t0);
    const auto* save = std::get_if<SaveBuddy>(&effect);
    REQUIRE(save);
    CHECK(save->kind == "walk");
    CHECK(save->times == std::vector<std::string>{"lunchtimes", "mornings"});
    CHECK(save->firstName == "Sam");
    CHECK(save->contact == "desk 4");
    flow.saved(t0);
    CHECK(flow.screen() == Screen::BuddySent);
    CHECK(flow.draft().firstName.empty());  // not kept once stored
    CHECK(flow.draft().contact.empty());
}

TEST_CASE("typed text is capped, and a half-typed request is dropped by the idle reset") {
    Flow flow(settings());
    flow.apply(StartBuddy{}, t0);
    flow.apply(ChooseBuddyKind{"coffee"}, t0);
    flow.apply(Next{}, t0);
    for (int i = 0; i < 100; ++i) {
        flow.apply(TypeText{"a"}, t0);
    }
    CHECK(flow.draft().firstName.size() == kMaxFirstNameBytes);
    CHECK(flow.tick(t0 + seconds(45)));
    CHECK(flow.screen() == Screen::Welcome);
    CHECK(flow.draft().firstName.empty());
}

TEST_CASE("a buddy request can follow a check-in, and shares nothing with it") {
    Flow flow(settings());
    toReasons(flow, 2, t0);
    flow.apply(ToggleReason{"team"}, t0);
    flow.apply(SubmitCheckIn{}, t0);
    flow.saved(t0);
    flow.apply(StartBuddy{}, t0);
    CHECK(flow.screen() == Screen::BuddyKind);
    CHECK(flow.draft().score == 0);
    CHECK(flow.draft().reasons.empty());
}

TEST_CASE("the breathing exercise runs a minute, then waits, then resets") {
    Flow flow(settings());
    flow.apply(StartBreathing{}, t0);
    CHECK(flow.screen() == Screen::Breathing);
    CHECK(flow.breathingSeconds(t0 + seconds(30)) == Approx(30.0f));
    CHECK_FALSE(flow.tick(t0 + seconds(59)));  // never cut short by the idle reset
    CHECK_FALSE(flow.tick(t0 + seconds(100)));
    CHECK(flow.tick(t0 + seconds(105)));
    CHECK(flow.screen() == Screen::Welcome);
    CHECK(flow.breathingSeconds(t0 + seconds(106)) == 0.0f);
}

TEST_CASE("the admin PIN pad: digits, delete, submit, and nothing kept after leaving") {
    Flow flow(settings());
    flow.apply(StartCheckIn{}, t0);
    flow.apply(OpenAdmin{}, t0);
    CHECK(flow.screen() == Screen::AdminPin);
    CHECK(noEffect(flow.apply(SubmitPin{}, t0)));  // nothing typed: nothing to check
    for (char key : {'1', '2', '9', '<', '3', 'x'}) {
        flow.apply(PinKey{key}, t0);
    }
    CHECK(flow.pinLength() == 3);
    const Effect submitted = flow.apply(SubmitPin{}, t0);
    REQUIRE(std::holds_alternative<VerifyPin>(submitted));
    CHECK(std::get<VerifyPin>(submitted).pin == "123");
    flow.pinRejected(t0);
    CHECK(flow.screen() == Screen::AdminPin);
    CHECK(flow.pinLength() == 0);
    flow.apply(PinKey{'7'}, t0);
    flow.pinAccepted(t0);
    CHECK(flow.screen() == Screen::Admin);
    CHECK(flow.pinLength() == 0);
    CHECK(std::holds_alternative<UploadNow>(flow.apply(RequestUpload{}, t0)));
    CHECK(std::holds_alternative<ReloadConfig>(flow.apply(RequestReload{}, t0)));
    CHECK(std::holds_alternative<Quit>(flow.apply(ExitApp{}, t0)));
    flow.apply(Dismiss{}, t0);
    CHECK(flow.screen() == Screen::Welcome);
}

TEST_CASE("an unattended admin panel returns to welcome after the idle time") {
    Flow flow(settings());
    flow.apply(OpenAdmin{}, t0);
    flow.apply(PinKey{'1'}, t0);
    flow.pinAccepted(t0);
    CHECK_FALSE(flow.tick(t0 + seconds(44)));
    CHECK(flow.tick(t0 + seconds(45)));
    CHECK(flow.screen() == Screen::Welcome);
    CHECK(noEffect(flow.apply(RequestUpload{}, t0 + seconds(46))));  // only from the panel
}

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

TEST_CASE("in quiet hours an idle welcome dims to the clock, a touch wakes it, and it returns") {
    Flow flow(settings());
    flow.setQuietHours(true, t0 + seconds(44));
    CHECK(flow.screen() == Screen::Welcome);  // touched (started) less than 45 s ago
    flow.setQuietHours(true, t0 + seconds(45));
    CHECK(flow.screen() == Screen::Quiet);  // nobody has touched it for the idle time
    flow.apply(Wake{}, t0 + seconds(1));
    CHECK(flow.screen() == Screen::Welcome);
    // Awake for the idle time after the last touch, then back to the clock.
    flow.setQuietHours(true, t0 + seconds(30));
    CHECK(flow.screen() == Screen::Welcome);
    CHECK(flow.nextDeadline() == t0 + seconds(46));
    CHECK(flow.tick(t0 + seconds(46)));
    CHECK(flow.screen() == Screen::Quiet);
    // A check-in during quiet hours works, and its end goes straight back to the clock.
    flow.apply(Wake{}, t0 + seconds(60));
    toReasons(flow, 4, t0 + seconds(61));
    flow.apply(SubmitCheckIn{}, t0 + seconds(62));
    flow.saved(t0 + seconds(62));
    CHECK(flow.screen() == Screen::ThankYou);
    CHECK(flow.tick(t0 + seconds(68)));
    CHECK(flow.screen() == Screen::Quiet);
    // Opening hours: the clock gives way to welcome at once.
    flow.setQuietHours(false, t0 + seconds(100));
    CHECK(flow.screen() == Screen::Welcome);
    CHECK_FALSE(flow.nextDeadline());
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
