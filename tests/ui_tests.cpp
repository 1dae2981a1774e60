#include <imgui.h>

#include <catch2/catch.hpp>

#include "carekiosk/ui/flow.hpp"
#include "carekiosk/ui/pointer_input.hpp"
#include "carekiosk/ui/theme.hpp"

using namespace carekiosk::ui;
using namespace std::chrono;

namespace {

const FlowTimings kTimings{seconds(6), seconds(45)};
const Flow::Clock::time_point t0{};

// The score a Flow asks to save, if that is the effect.
std::optional<int> scoreToSave(const Effect& effect) {
    const auto* save = std::get_if<SaveScore>(&effect);
    return save ? std::optional<int>(save->score) : std::nullopt;
}

bool noEffect(const Effect& effect) {
    return std::holds_alternative<NoEffect>(effect);
}

}  // namespace

TEST_CASE("the check-in path: welcome, pulse, saved, thank you, welcome") {
    Flow flow(kTimings);
    CHECK(flow.screen() == Screen::Welcome);
    CHECK_FALSE(flow.nextDeadline());  // welcome waits forever: nothing is timed
    CHECK(noEffect(flow.apply(StartCheckIn{}, t0)));
    CHECK(flow.screen() == Screen::Pulse);
    auto score = scoreToSave(flow.apply(ChooseScore{4}, t0 + seconds(2)));
    REQUIRE(score);
    CHECK(*score == 4);
    CHECK(flow.screen() == Screen::Pulse);  // not thanked until saved
    flow.saved(t0 + seconds(2));
    CHECK(flow.screen() == Screen::ThankYou);
    flow.apply(Dismiss{}, t0 + seconds(3));
    CHECK(flow.screen() == Screen::Welcome);
}

TEST_CASE("back from the pulse returns to welcome without saving") {
    Flow flow(kTimings);
    flow.apply(StartCheckIn{}, t0);
    CHECK(noEffect(flow.apply(GoBack{}, t0 + seconds(1))));
    CHECK(flow.screen() == Screen::Welcome);
}

TEST_CASE("a failed save shows the failure, never a thank-you") {
    Flow flow(kTimings);
    flow.apply(StartCheckIn{}, t0);
    REQUIRE(scoreToSave(flow.apply(ChooseScore{2}, t0)) == 2);
    flow.saveFailed(t0);
    CHECK(flow.screen() == Screen::SaveFailed);
    CHECK(flow.tick(t0 + seconds(6)));
    CHECK(flow.screen() == Screen::Welcome);
}

TEST_CASE("the thank-you screen returns to welcome by itself") {
    Flow flow(kTimings);
    flow.apply(StartCheckIn{}, t0);
    flow.apply(ChooseScore{5}, t0);
    flow.saved(t0);
    REQUIRE(flow.nextDeadline());
    CHECK(*flow.nextDeadline() == t0 + seconds(6));
    CHECK_FALSE(flow.tick(t0 + seconds(5)));
    CHECK(flow.tick(t0 + seconds(6)));
    CHECK(flow.screen() == Screen::Welcome);
}

TEST_CASE("an abandoned pulse resets to welcome after the idle time, and touches extend it") {
    Flow flow(kTimings);
    flow.apply(StartCheckIn{}, t0);
    flow.touched(t0 + seconds(30));
    CHECK_FALSE(flow.tick(t0 + seconds(60)));
    CHECK(flow.screen() == Screen::Pulse);
    CHECK(flow.tick(t0 + seconds(75)));
    CHECK(flow.screen() == Screen::Welcome);
}

TEST_CASE("stale taps are ignored, and only one save runs at a time") {
    Flow flow(kTimings);
    CHECK(noEffect(flow.apply(ChooseScore{3}, t0)));  // a face tap that arrives on welcome
    CHECK(flow.screen() == Screen::Welcome);
    flow.apply(StartCheckIn{}, t0);
    REQUIRE(scoreToSave(flow.apply(ChooseScore{3}, t0)) == 3);
    CHECK(noEffect(flow.apply(ChooseScore{1}, t0)));  // double tap while saving
    CHECK(noEffect(flow.apply(ChooseScore{9}, t0)));
    flow.saved(t0);
    CHECK(flow.screen() == Screen::ThankYou);
}

TEST_CASE("the admin PIN pad: digits, delete, submit, and nothing kept after leaving") {
    Flow flow(kTimings);
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
    CHECK(std::holds_alternative<Quit>(flow.apply(ExitApp{}, t0)));
    flow.apply(Dismiss{}, t0);
    CHECK(flow.screen() == Screen::Welcome);
}

TEST_CASE("an unattended admin panel returns to welcome after the idle time") {
    Flow flow(kTimings);
    flow.apply(OpenAdmin{}, t0);
    flow.apply(PinKey{'1'}, t0);
    flow.pinAccepted(t0);
    CHECK_FALSE(flow.tick(t0 + seconds(44)));
    CHECK(flow.tick(t0 + seconds(45)));
    CHECK(flow.screen() == Screen::Welcome);
    CHECK(noEffect(flow.apply(RequestUpload{}, t0 + seconds(46))));  // only from the panel
}

TEST_CASE("theme text meets WCAG AA contrast (4.5:1) on its backgrounds") {
    const Palette p;
    CHECK(contrastRatio(p.text, p.background) >= 4.5);
    CHECK(contrastRatio(p.mutedText, p.background) >= 4.5);
    CHECK(contrastRatio(p.accentText, p.accent) >= 4.5);
    CHECK(contrastRatio(p.text, p.buttonSecondary) >= 4.5);
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
