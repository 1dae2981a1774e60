// The kiosk app on SDL's offscreen video driver: real rendering, real SDL
// input events, real SQLite files.
#include <catch2/catch.hpp>

#include "carekiosk/kiosk/app_controller.hpp"
#include "carekiosk/kiosk/kiosk_app.hpp"
#include "carekiosk/kiosk/tap_driver.hpp"
#include "support/test_support.hpp"

using namespace carekiosk;
using namespace std::chrono;

namespace {

core::KioskConfig testConfig(const testing::TempDir& dir) {
    core::KioskConfig c;
    c.serverUrl = "https://127.0.0.1:9";  // never contacted: the uploader is off
    c.caFile = testing::TestCa::caFile();
    c.deviceId = "kiosk-test";
    c.deviceToken = "token";
    c.siteId = "leeds";
    c.siteName = "Leeds office";
    c.databasePath = (dir / "kiosk.db").string();
    c.thankYouSeconds = 2;
    c.fullscreen = false;
    return c;
}

std::unique_ptr<kiosk::KioskApp> makeApp(const core::KioskConfig& config, int w, int h,
                                         core::RandomSource& random, const core::Clock& clock) {
    kiosk::KioskOptions options;
    options.config = config;
    options.width = w;
    options.height = h;
    options.forceWindowed = true;
    options.startUploader = false;
    auto app = kiosk::KioskApp::create(options, clock, random);
    if (!app) {
        FAIL("cannot start the kiosk: " << app.error().message);
    }
    return std::move(app).value();
}

std::vector<int> storedScores(const std::filesystem::path& db) {
    std::vector<int> scores;
    for (const auto& s : testing::queryStrings(db, "SELECT score FROM checkins ORDER BY score")) {
        scores.push_back(std::stoi(s));
    }
    return scores;
}

const auto kDeadline = [] { return steady_clock::now() + seconds(10); };

// Pumps until `id` is on screen and the frame has settled.
bool waitForTarget(kiosk::KioskApp& app, const std::string& id) {
    return kiosk::pumpUntil(
        app, [&] { return app.settled() && app.layout().find(id).has_value(); }, kDeadline());
}

}  // namespace

TEST_CASE("a chosen score is committed before the thank-you screen shows") {
    testing::TempDir dir;
    testing::SeededRandom random;
    core::SystemClock clock;
    const auto config = testConfig(dir);
    auto outbox = storage::Outbox::open(config.databasePath, random).value();
    kiosk::AppController controller(config, outbox, clock);
    const auto now = steady_clock::now();
    controller.apply(ui::StartCheckIn{}, now);
    CHECK(controller.apply(ui::ChooseScore{2}, now));
    CHECK(controller.screen() == ui::Screen::ThankYou);
    // Read through a separate connection: the row is on disk, not just in memory.
    CHECK(storedScores(config.databasePath) == std::vector<int>{2});
    CHECK(controller.viewModel().siteName == "Leeds office");
}

TEST_CASE("when the disk is full the person is told, never thanked") {
    testing::TempDir dir;
    testing::SeededRandom random;
    core::SystemClock clock;
    const auto config = testConfig(dir);
    auto outbox = storage::Outbox::open(config.databasePath, random).value();
    const auto pages = outbox.database().queryInt("PRAGMA page_count").value();
    REQUIRE(outbox.database().exec(("PRAGMA max_page_count=" + std::to_string(pages)).c_str()));
    kiosk::AppController controller(config, outbox, clock);
    auto now = steady_clock::now();
    bool failed = false;
    // The first rows may still fit into the last page; keep going until full.
    for (int i = 0; i < 200 && !failed; ++i) {
        controller.apply(ui::StartCheckIn{}, now);
        controller.apply(ui::ChooseScore{3}, now);
        failed = controller.screen() == ui::Screen::SaveFailed;
        controller.apply(ui::Dismiss{}, now);
    }
    REQUIRE(failed);
    REQUIRE(controller.lastSaveError());
    CHECK_THAT(controller.lastSaveError()->message, Catch::Contains("disk is full"));
}

TEST_CASE("a check-in by touch events and one by mouse events are both stored") {
    testing::TempDir dir;
    testing::SeededRandom random;
    core::SystemClock clock;
    const auto config = testConfig(dir);
    auto app = makeApp(config, 1280, 800, random, clock);
    REQUIRE(kiosk::driveCheckIn(*app, 5, kiosk::PointerKind::Touch));
    REQUIRE(kiosk::driveCheckIn(*app, 1, kiosk::PointerKind::Mouse));
    CHECK(storedScores(config.databasePath) == std::vector<int>{1, 5});
    CHECK(app->screen() == ui::Screen::Welcome);
}

TEST_CASE("back on the pulse screen stores nothing") {
    testing::TempDir dir;
    testing::SeededRandom random;
    core::SystemClock clock;
    const auto config = testConfig(dir);
    auto app = makeApp(config, 1280, 800, random, clock);
    REQUIRE(waitForTarget(*app, "welcome.start"));
    REQUIRE(kiosk::injectTap(*app, "welcome.start", kiosk::PointerKind::Touch));
    REQUIRE(waitForTarget(*app, "pulse.back"));
    REQUIRE(kiosk::injectTap(*app, "pulse.back", kiosk::PointerKind::Mouse));
    REQUIRE(kiosk::pumpUntil(
        *app, [&] { return app->screen() == ui::Screen::Welcome; }, kDeadline()));
    CHECK(storedScores(config.databasePath).empty());
}

TEST_CASE("the thank-you screen returns to welcome by itself") {
    testing::TempDir dir;
    testing::SeededRandom random;
    core::SystemClock clock;
    const auto config = testConfig(dir);
    auto app = makeApp(config, 1280, 800, random, clock);
    REQUIRE(waitForTarget(*app, "welcome.start"));
    REQUIRE(kiosk::injectTap(*app, "welcome.start", kiosk::PointerKind::Touch));
    REQUIRE(waitForTarget(*app, "pulse.face.4"));
    REQUIRE(kiosk::injectTap(*app, "pulse.face.4", kiosk::PointerKind::Touch));
    REQUIRE(kiosk::pumpUntil(
        *app, [&] { return app->screen() == ui::Screen::ThankYou; }, kDeadline()));
    // No tap: the configured 2 s timeout brings welcome back.
    CHECK(kiosk::pumpUntil(
        *app, [&] { return app->screen() == ui::Screen::Welcome; }, kDeadline()));
}

TEST_CASE("an idle kiosk renders no frames") {
    testing::TempDir dir;
    testing::SeededRandom random;
    core::SystemClock clock;
    auto app = makeApp(testConfig(dir), 1920, 1080, random, clock);
    REQUIRE(kiosk::pumpUntil(
        *app, [&] { return app->settled(); }, kDeadline()));
    const auto frames = app->framesRendered();
    CHECK(frames > 0);
    // Idleness is what is under test here, so the test lets a second pass.
    const auto end = steady_clock::now() + seconds(1);
    while (steady_clock::now() < end) {
        app->pump(duration_cast<milliseconds>(end - steady_clock::now()));
    }
    CHECK(app->framesRendered() == frames);
}

TEST_CASE("every screen fits, with large targets, at small, HD and portrait sizes") {
    const std::pair<int, int> sizes[] = {{800, 480}, {1920, 1080}, {1080, 1920}};
    const std::filesystem::path shots = CAREKIOSK_SCREENSHOT_DIR;
    std::filesystem::create_directories(shots);
    for (auto [w, h] : sizes) {
        testing::TempDir dir;
        testing::SeededRandom random;
        core::SystemClock clock;
        auto app = makeApp(testConfig(dir), w, h, random, clock);
        const std::string suffix = std::to_string(w) + "x" + std::to_string(h);
        auto checkAndShoot = [&](const char* target, const char* name) {
            INFO("screen " << name << " at " << suffix);
            REQUIRE(waitForTarget(*app, target));
            for (const auto& [id, r] : app->layout().targets()) {
                INFO("target " << id);
                CHECK(r.x >= 0);
                CHECK(r.y >= 0);
                CHECK(r.x + r.w <= static_cast<float>(w));
                CHECK(r.y + r.h <= static_cast<float>(h));
                CHECK(r.w >= 64);
                CHECK(r.h >= 64);
            }
            const auto path = shots / (std::string(name) + "-" + suffix + ".png");
            REQUIRE(app->saveScreenshot(path));
            CHECK(std::filesystem::file_size(path) > 1000);
        };
        checkAndShoot("welcome.start", "welcome");
        REQUIRE(kiosk::injectTap(*app, "welcome.start", kiosk::PointerKind::Touch));
        checkAndShoot("pulse.face.3", "pulse");
        REQUIRE(kiosk::injectTap(*app, "pulse.face.3", kiosk::PointerKind::Touch));
        checkAndShoot("thankyou.done", "thank-you");
    }
}
