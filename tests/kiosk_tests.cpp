// The kiosk app on SDL's offscreen video driver: real rendering, real SDL
// input events, real SQLite files.
#include <sodium.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "carekiosk/kiosk/app_controller.hpp"
#include "carekiosk/kiosk/kiosk_app.hpp"
#include "carekiosk/kiosk/screen_tour.hpp"
#include "carekiosk/kiosk/tap_driver.hpp"
#include "carekiosk/ui/theme.hpp"
#include "support/test_support.hpp"

using namespace carekiosk;
using namespace std::chrono;

namespace {

core::KioskConfig testConfig(const testing::TempDir& dir) {
    core::KioskConfig c = testing::offlineKioskConfig(dir);
    c.cooldownSeconds = 0;  // tests tap check-ins back to back
    // Real-looking site content, so layouts are tested with it on screen.
    c.youSaidWeDid = "You asked for quieter mornings: the kitchen now opens at 8:00.";
    c.buddyReplyNote = "The coordinator replies within two working days.";
    c.supportResources = {{"Mental-health first aiders", "Ask at reception, or call ext. 2040"},
                          {"Employee assistance line", "0800 123 4567, free and confidential"},
                          {"Walking group", "Tuesdays and Thursdays, 12:30 at the front door"}};
    return c;
}

std::unique_ptr<kiosk::KioskApp> makeApp(const core::KioskConfig& config, int w, int h,
                                         core::RandomSource& random, const core::Clock& clock,
                                         const std::filesystem::path& configPath = {}) {
    kiosk::KioskOptions options;
    options.config = config;
    options.configPath = configPath;
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

// How many check-ins the uploader's next batch takes (it assigns them to it).
std::size_t uploadable(storage::Outbox& outbox) {
    auto batch = outbox.nextBatch();
    REQUIRE(batch);
    return batch.value() ? batch.value()->checkIns.size() : 0;
}

const auto kDeadline = [] { return steady_clock::now() + seconds(10); };

// Pumps until `id` is on screen and the frame has settled.
bool waitForTarget(kiosk::KioskApp& app, const std::string& id) {
    return kiosk::pumpUntil(
        app, [&] { return app.settled() && app.layout().find(id).has_value(); }, kDeadline());
}

std::string pinHash(const std::string& pin) {
    REQUIRE(sodium_init() >= 0);
    char hash[crypto_pwhash_STRBYTES];
    REQUIRE(crypto_pwhash_str(hash, pin.c_str(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0);
    return hash;
}

// Waits for `id` to be on screen, then taps it.
void tapWhenShown(kiosk::KioskApp& app, const std::string& id, kiosk::PointerKind kind) {
    INFO("tapping " << id);
    REQUIRE(waitForTarget(app, id));
    REQUIRE(kiosk::injectTap(app, id, kind));
}

// Every touch target of the last frame lies inside the window and is large,
// and on a portrait or tall panel within reach: in the lower two thirds. Only
// the hidden admin corner and the areas where a touch anywhere will do may
// reach the top.
void checkTargetsFit(const kiosk::KioskApp& app, int w, int h) {
    const float reachTop = ui::metricsFor(w, h).reachTop;
    if (h > w || w >= 3840) {
        REQUIRE(reachTop >= static_cast<float>(h) / 3 - 1);
    }
    for (const auto& [id, r] : app.layout().targets()) {
        INFO("target " << id << " at y " << r.y << " in " << w << "x" << h);
        CHECK(r.x >= 0);
        CHECK(r.y >= 0);
        CHECK(r.x + r.w <= static_cast<float>(w));
        CHECK(r.y + r.h <= static_cast<float>(h));
        CHECK(r.w >= 64);
        CHECK(r.h >= 64);
        const bool anywhere =
            id == "admin.corner" || id.rfind("quiet.wake", 0) == 0 || id == "stillthere.anywhere";
        if (!anywhere) {
            CHECK(r.y >= reachTop);
        }
    }
}

// Types `pin` on the PIN pad through the controller and submits it.
void enterPin(kiosk::AppController& controller, const std::string& pin,
              steady_clock::time_point now) {
    for (char c : pin) {
        controller.apply(ui::PinKey{c}, now);
    }
    controller.apply(ui::SubmitPin{}, now);
}

// A temporary directory, seeded randomness, the system clock, a kiosk config and
// an outbox connection; controllers and apps are made from them on demand, so a
// test can adjust `config` first.
struct KioskFixture {
    testing::TempDir dir;
    testing::SeededRandom random;
    core::SystemClock clock;
    core::KioskConfig config = testConfig(dir);
    storage::Outbox outbox = storage::Outbox::open(config.databasePath, random).value();
    ui::Translations translations = kiosk::loadTranslationsFor(config).value();

    kiosk::AppController controller() {
        return kiosk::AppController(config, translations, outbox, clock);
    }
    std::unique_ptr<kiosk::KioskApp> app(int w, int h) {
        return makeApp(config, w, h, random, clock);
    }
    // Every further page allocation fails with SQLITE_FULL, as on a full disk.
    void fillDisk() {
        // No free pages left in the file, and no room for one more.
        REQUIRE(outbox.database().exec("VACUUM"));
        const auto pages = outbox.database().queryInt("PRAGMA page_count").value();
        REQUIRE(outbox.database().exec(("PRAGMA max_page_count=" + std::to_string(pages)).c_str()));
    }
};

const ui::StatusLine* findLine(const ui::ViewModel& model, const std::string& label) {
    for (const auto& line : model.status) {
        if (line.label == label) {
            return &line;
        }
    }
    return nullptr;
}

}  // namespace

TEST_CASE("a face is committed when tapped, and uploads only once its reasons are closed") {
    KioskFixture f;
    auto controller = f.controller();
    const auto now = steady_clock::now();
    controller.apply(ui::StartCheckIn{}, now);
    CHECK(controller.apply(ui::ChooseScore{2}, now));
    // Read through a separate connection: the row is on disk, not just in memory.
    CHECK(storedScores(f.config.databasePath) == std::vector<int>{2});
    CHECK(controller.screen() == ui::Screen::Reasons);
    // Open: no batch takes it while reasons may follow.
    CHECK(uploadable(f.outbox) == 0);
    CHECK(controller.apply(ui::ToggleReason{"team"}, now));
    CHECK(controller.apply(ui::SubmitCheckIn{}, now));
    CHECK(controller.screen() == ui::Screen::ThankYou);
    CHECK(storedScores(f.config.databasePath) == std::vector<int>{2});  // the same row
    CHECK(testing::queryStrings(f.config.databasePath, "SELECT reasons FROM checkins") ==
          std::vector<std::string>{"team"});
    CHECK(uploadable(f.outbox) == 1);
    CHECK(controller.viewModel(now).siteName == "Leeds office");
}

TEST_CASE("a person who walks away after the face leaves it stored once, and nothing on screen") {
    KioskFixture f;
    auto controller = f.controller();
    const auto now = steady_clock::now();
    const ui::ViewModel fresh = controller.viewModel(now);
    controller.apply(ui::StartCheckIn{}, now);
    controller.apply(ui::ChooseScore{1}, now);
    controller.apply(ui::ToggleReason{"health"}, now + seconds(2));
    // Idle: first the prompt, with nothing of the person drawn under it.
    CHECK(controller.tick(now + seconds(32)));
    ui::ViewModel asking = controller.viewModel(now + seconds(32));
    CHECK(asking.stillThere);
    CHECK(asking.secondsLeft == 20);
    // Then, unanswered, the check-in closes as it was saved, without the
    // reasons never submitted, and the screen is as the next person expects.
    CHECK(controller.tick(now + seconds(52)));
    const ui::ViewModel after = controller.viewModel(now + seconds(52));
    CHECK(after.screen == ui::Screen::Welcome);
    CHECK_FALSE(after.stillThere);
    CHECK(after.draft == fresh.draft);
    CHECK(after.language == fresh.language);
    CHECK(storedScores(f.config.databasePath) == std::vector<int>{1});
    CHECK(testing::queryStrings(f.config.databasePath, "SELECT reasons FROM checkins") ==
          std::vector<std::string>{""});
    CHECK(uploadable(f.outbox) == 1);
}

TEST_CASE("a check-in left open by a crash is closed at the next start, never lost") {
    KioskFixture f;
    {
        auto controller = f.controller();
        const auto now = steady_clock::now();
        controller.apply(ui::StartCheckIn{}, now);
        controller.apply(ui::ChooseScore{5}, now);
        CHECK(uploadable(f.outbox) == 0);
    }  // the process ends with the reasons screen up
    auto restarted = f.controller();
    CHECK(storedScores(f.config.databasePath) == std::vector<int>{5});
    CHECK(uploadable(f.outbox) == 1);
}

TEST_CASE("a kiosk whose clock reads 2001 pauses check-ins, says why, and still offers a buddy") {
    KioskFixture f;
    testing::ManualClock flat{system_clock::time_point(seconds(978307200))};
    auto app = makeApp(f.config, 800, 480, f.random, flat);
    const auto kind = kiosk::PointerKind::Touch;
    REQUIRE(kiosk::tapOn(*app, ui::Screen::Welcome, "welcome.language.cy", kind, kDeadline()));
    tapWhenShown(*app, "welcome.start", kind);
    REQUIRE(kiosk::waitForScreen(*app, ui::Screen::Paused, kDeadline()));
    REQUIRE(waitForTarget(*app, "paused.ok"));
    checkTargetsFit(*app, 800, 480);
    CHECK(app->layout().overflows().empty());
    const std::filesystem::path shots = CAREKIOSK_SCREENSHOT_DIR;
    std::filesystem::create_directories(shots);
    REQUIRE(app->saveScreenshot(shots / "paused-cy-800x480.png"));
    CHECK(storedScores(f.config.databasePath).empty());
    tapWhenShown(*app, "paused.ok", kind);
    REQUIRE(kiosk::waitForScreen(*app, ui::Screen::Welcome, kDeadline()));
    // A buddy request carries no time: it still works.
    tapWhenShown(*app, "welcome.buddy", kind);
    CHECK(kiosk::waitForScreen(*app, ui::Screen::BuddyKind, kDeadline()));
    // The admin panel says what is wrong and what to do.
    f.config.adminPinHash = pinHash("1357");
    auto controller = kiosk::AppController(f.config, f.translations, f.outbox, flat);
    controller.tick(steady_clock::now());
    controller.apply(ui::OpenAdmin{}, steady_clock::now());
    enterPin(controller, "1357", steady_clock::now());
    REQUIRE(controller.screen() == ui::Screen::Admin);
    const auto model = controller.viewModel(steady_clock::now());
    const auto* line = findLine(model, "Clock");
    REQUIRE(line);
    CHECK(line->needsAttention);
    CHECK_THAT(line->value, Catch::Contains("2001-01-01") && Catch::Contains("timedatectl"));
}

TEST_CASE("a kiosk whose database cannot be opened pauses check-ins and saves once it opens") {
    KioskFixture f;
    // The outbox's directory is missing (as a full or failing card looks at
    // start-up): the kiosk runs anyway, check-ins paused.
    core::KioskConfig config = f.config;
    const auto later = f.dir / "mounted-later";
    config.databasePath = (later / "kiosk.db").string();
    kiosk::KioskOptions options;
    options.config = config;
    options.width = 800;
    options.height = 480;
    options.forceWindowed = true;
    options.startUploader = false;
    options.reopenOutboxEvery = milliseconds(100);
    auto created = kiosk::KioskApp::create(options, f.clock, f.random);
    REQUIRE(created);
    auto& app = *created.value();
    const auto kind = kiosk::PointerKind::Touch;
    tapWhenShown(app, "welcome.start", kind);
    REQUIRE(kiosk::waitForScreen(app, ui::Screen::Paused, kDeadline()));
    REQUIRE(waitForTarget(app, "paused.ok"));
    checkTargetsFit(app, 800, 480);
    const std::filesystem::path shots = CAREKIOSK_SCREENSHOT_DIR;
    std::filesystem::create_directories(shots);
    REQUIRE(app.saveScreenshot(shots / "paused-storage-en-800x480.png"));
    tapWhenShown(app, "paused.ok", kind);
    REQUIRE(kiosk::waitForScreen(app, ui::Screen::Welcome, kDeadline()));

    // The admin panel says what is wrong and what to do.
    config.adminPinHash = pinHash("1357");
    auto down = storage::Outbox::unavailable(
        core::makeError(core::ErrorCode::Storage, "database or disk is full"), f.random);
    REQUIRE(down);
    auto controller = kiosk::AppController(config, f.translations, down.value(), f.clock);
    controller.tick(steady_clock::now());
    CHECK(controller.viewModel(steady_clock::now()).pausedForStorage);
    controller.apply(ui::OpenAdmin{}, steady_clock::now());
    enterPin(controller, "1357", steady_clock::now());
    REQUIRE(controller.screen() == ui::Screen::Admin);
    const auto model = controller.viewModel(steady_clock::now());
    const auto* line = findLine(model, "Storage");
    REQUIRE(line);
    CHECK(line->needsAttention);
    CHECK_THAT(line->value, Catch::Contains("disk is full") && Catch::Contains("Free space"));

    // The storage comes back: within the retry, the kiosk opens it, and the
    // next person's answer is saved and thanked.
    std::filesystem::create_directories(later);
    REQUIRE(kiosk::pumpUntil(
        app, [&] { return std::filesystem::exists(config.databasePath); }, kDeadline()));
    REQUIRE(kiosk::driveCheckIn(app, 4, kind));
    CHECK(storedScores(config.databasePath) == std::vector<int>{4});
}

TEST_CASE("a kiosk clock hours from the collector's pauses check-ins too") {
    KioskFixture f;
    auto controller = f.controller();
    upload::UploadStatus status;
    status.collectorSkew = hours(-26);  // the kiosk is a day ahead
    controller.setUploadStatus(status);
    controller.tick(steady_clock::now());
    controller.apply(ui::StartCheckIn{}, steady_clock::now());
    CHECK(controller.screen() == ui::Screen::Paused);
    status.collectorSkew = seconds(30);  // set right: check-ins resume at once
    controller.setUploadStatus(status);
    controller.tick(steady_clock::now());
    controller.apply(ui::Dismiss{}, steady_clock::now());
    controller.apply(ui::StartCheckIn{}, steady_clock::now());
    CHECK(controller.screen() == ui::Screen::Pulse);
}

TEST_CASE("when the disk is full the person is told, never thanked") {
    KioskFixture f;
    f.fillDisk();
    auto controller = f.controller();
    auto now = steady_clock::now();
    bool failed = false;
    // The first rows may still fit into the last page; keep going until full.
    for (int i = 0; i < 200 && !failed; ++i) {
        controller.apply(ui::StartCheckIn{}, now);
        controller.apply(ui::ChooseScore{3}, now);
        controller.apply(ui::SubmitCheckIn{}, now);
        failed = controller.screen() == ui::Screen::SaveFailed;
        controller.apply(ui::Dismiss{}, now);
    }
    REQUIRE(failed);
    REQUIRE(controller.lastSaveError());
    CHECK_THAT(controller.lastSaveError()->message, Catch::Contains("disk is full"));
}

TEST_CASE("at the storage cap the screen says the answer was not saved, in the person's language") {
    KioskFixture f;
    // Grow the file past a 1 MB cap, then fill its last pages with check-ins
    // until nothing more fits: the kiosk, capped at 1 MB, finds it full.
    REQUIRE(f.outbox.database().exec(
        "CREATE TABLE filler (b BLOB); INSERT INTO filler VALUES (zeroblob(1200000))"));
    f.fillDisk();
    int stored = 0;
    while (stored < 1000 && f.outbox.add(core::CheckIn{3, "leeds", 1, 1795845600, {}})) {
        ++stored;
    }
    REQUIRE(stored < 1000);
    f.config.storageCapMegabytes = 1;
    auto app = f.app(800, 480);
    const auto deadline = kDeadline();
    const auto kind = kiosk::PointerKind::Touch;
    REQUIRE(kiosk::tapOn(*app, ui::Screen::Welcome, "welcome.language.cy", kind, deadline));
    REQUIRE(kiosk::tapOn(*app, ui::Screen::Welcome, "welcome.start", kind, deadline));
    // The face is the answer: it is what cannot be saved, so the person
    // learns at once, before giving any reasons.
    REQUIRE(kiosk::tapOn(*app, ui::Screen::Pulse, "pulse.face.4", kind, deadline));
    REQUIRE(kiosk::waitForScreen(*app, ui::Screen::SaveFailed, deadline));
    REQUIRE(waitForTarget(*app, "savefailed.ok"));
    CHECK(app->language() == "cy");
    checkTargetsFit(*app, 800, 480);
    CHECK(app->layout().overflows().empty());
    const std::filesystem::path shots = CAREKIOSK_SCREENSHOT_DIR;
    std::filesystem::create_directories(shots);
    REQUIRE(app->saveScreenshot(shots / "save-failed-cy-800x480.png"));
    CHECK(storedScores(f.config.databasePath).size() == static_cast<std::size_t>(stored));
    // OK ends the session: welcome, in the site's language again.
    REQUIRE(kiosk::tapOn(*app, ui::Screen::SaveFailed, "savefailed.ok", kind, deadline));
    REQUIRE(kiosk::waitForScreen(*app, ui::Screen::Welcome, deadline));
    CHECK(app->language() == "en");
}

TEST_CASE("a check-in by touch events and one by mouse events are both stored") {
    KioskFixture f;
    auto app = f.app(1280, 800);
    for (auto [score, kind] :
         {std::pair{5, kiosk::PointerKind::Touch}, std::pair{1, kiosk::PointerKind::Mouse}}) {
        auto driven = kiosk::driveCheckIn(*app, score, kind);
        INFO((driven ? "" : driven.error().message));
        REQUIRE(driven);
    }
    CHECK(storedScores(f.config.databasePath) == std::vector<int>{1, 5});
    CHECK(app->screen() == ui::Screen::Welcome);
}

TEST_CASE("back on the pulse screen stores nothing") {
    KioskFixture f;
    auto app = f.app(1280, 800);
    tapWhenShown(*app, "welcome.start", kiosk::PointerKind::Touch);
    tapWhenShown(*app, "pulse.back", kiosk::PointerKind::Mouse);
    REQUIRE(kiosk::pumpUntil(
        *app, [&] { return app->screen() == ui::Screen::Welcome; }, kDeadline()));
    CHECK(storedScores(f.config.databasePath).empty());
}

TEST_CASE("left alone with a reason ticked, the kiosk asks Still there?, and Start over ends it") {
    KioskFixture f;
    f.config.idleResetSeconds = 3;
    auto app = f.app(1280, 800);
    tapWhenShown(*app, "welcome.start", kiosk::PointerKind::Touch);
    tapWhenShown(*app, "pulse.face.4", kiosk::PointerKind::Touch);
    tapWhenShown(*app, "reasons.team", kiosk::PointerKind::Touch);
    // No tap: the prompt comes by itself, drawn alone.
    REQUIRE(waitForTarget(*app, "stillthere.more"));
    CHECK(app->screen() == ui::Screen::Reasons);
    CHECK_FALSE(app->layout().find("reasons.team"));  // nothing under it is drawn
    tapWhenShown(*app, "stillthere.restart", kiosk::PointerKind::Mouse);
    CHECK(kiosk::waitForScreen(*app, ui::Screen::Welcome, kDeadline()));
    // The face stays stored, without the reason never submitted.
    CHECK(testing::queryStrings(f.config.databasePath,
                                "SELECT score || ':' || reasons FROM checkins") ==
          std::vector<std::string>{"4:"});
}

TEST_CASE("the Still there? prompt shows nothing of the screen it covers") {
    KioskFixture f;
    const auto shots = std::filesystem::path(CAREKIOSK_SCREENSHOT_DIR);
    std::filesystem::create_directories(shots);
    for (auto [w, h] : {std::pair{800, 480}, std::pair{1080, 1920}}) {
        std::vector<std::string> pictures;
        // Two people, different faces and reasons; and a half-typed buddy form.
        for (int person = 0; person < 3; ++person) {
            auto app = f.app(w, h);
            const auto kind = kiosk::PointerKind::Touch;
            if (person < 2) {
                tapWhenShown(*app, "welcome.start", kind);
                tapWhenShown(*app, person == 0 ? "pulse.face.1" : "pulse.face.5", kind);
                tapWhenShown(*app, person == 0 ? "reasons.workload" : "reasons.home", kind);
            } else {
                tapWhenShown(*app, "welcome.buddy", kind);
                tapWhenShown(*app, "buddy.kind.walk", kind);
                tapWhenShown(*app, "buddy.next", kind);
                tapWhenShown(*app, "key.s", kind);
            }
            REQUIRE(kiosk::pumpUntil(
                *app, [&] { return app->settled(); }, kDeadline()));
            REQUIRE(app->askStillThere());
            REQUIRE(waitForTarget(*app, "stillthere.more"));
            checkTargetsFit(*app, w, h);
            CHECK(app->layout().overflows().empty());
            const auto path = shots / ("still-there-" + std::to_string(person) + "-" +
                                       std::to_string(w) + "x" + std::to_string(h) + ".png");
            REQUIRE(app->saveScreenshot(path));
            std::ifstream in(path, std::ios::binary);
            pictures.emplace_back(std::istreambuf_iterator<char>(in),
                                  std::istreambuf_iterator<char>());
            // "I need more time" brings the screen back as it was.
            const auto before = app->screen();
            tapWhenShown(*app, "stillthere.more", kind);
            REQUIRE(kiosk::pumpUntil(
                *app, [&] { return app->settled() && !app->layout().find("stillthere.more"); },
                kDeadline()));
            CHECK(app->screen() == before);
        }
        INFO(w << "x" << h);
        for (const auto& picture : pictures) {
            CHECK(picture == pictures.front());
        }
    }
}

TEST_CASE("one tap on Done never also taps what the next screen has under the finger") {
    KioskFixture f;
    auto app = f.app(1280, 800);
    const auto kind = kiosk::PointerKind::Touch;
    tapWhenShown(*app, "welcome.start", kind);
    tapWhenShown(*app, "pulse.face.3", kind);
    tapWhenShown(*app, "reasons.submit", kind);
    REQUIRE(waitForTarget(*app, "thankyou.done"));
    // Welcome's "What happens to my answer?" lies under Done: a second tap
    // there would open it.
    const auto done = app->layout().find("thankyou.done").value();
    SECTION("a panel that reports each touch as a finger and as a mouse") {
        REQUIRE(kiosk::injectTap(*app, "thankyou.done", kiosk::PointerKind::Touch));
        REQUIRE(kiosk::injectTap(*app, "thankyou.done", kiosk::PointerKind::Mouse));
    }
    SECTION("a finger that bounces") {
        REQUIRE(kiosk::injectTap(*app, "thankyou.done", kiosk::PointerKind::Touch));
        REQUIRE(kiosk::injectTap(*app, "thankyou.done", kiosk::PointerKind::Touch));
    }
    REQUIRE(kiosk::waitForScreen(*app, ui::Screen::Welcome, kDeadline()));
    REQUIRE(waitForTarget(*app, "welcome.about"));
    const auto about = app->layout().find("welcome.about").value();
    REQUIRE(done.centerX() > about.x);  // the test's premise: one lies over the other
    REQUIRE(done.centerY() > about.y);
    CHECK(app->screen() == ui::Screen::Welcome);
    // The next deliberate tap works.
    tapWhenShown(*app, "welcome.about", kind);
    CHECK(kiosk::waitForScreen(*app, ui::Screen::About, kDeadline()));
}

TEST_CASE("an idle kiosk renders no frames in three idle seconds") {
    KioskFixture f;
    auto app = f.app(1920, 1080);
    REQUIRE(kiosk::pumpUntil(
        *app, [&] { return app->settled(); }, kDeadline()));
    const auto frames = app->framesRendered();
    CHECK(frames > 0);
    // Idleness is what is under test here, so the test lets three seconds pass.
    const auto end = steady_clock::now() + seconds(3);
    while (steady_clock::now() < end) {
        app->pump(duration_cast<milliseconds>(end - steady_clock::now()));
    }
    CHECK(app->framesRendered() == frames);
}

TEST_CASE("the breathing exercise draws frames only while it moves") {
    KioskFixture f;
    auto app = f.app(800, 480);
    tapWhenShown(*app, "welcome.breathe", kiosk::PointerKind::Touch);
    REQUIRE(kiosk::pumpUntil(
        *app, [&] { return app->screen() == ui::Screen::Breathing; }, kDeadline()));
    // The circle animates: frames keep coming with no input at all.
    const auto before = app->framesRendered();
    const auto end = steady_clock::now() + milliseconds(500);
    while (steady_clock::now() < end) {
        app->pump(duration_cast<milliseconds>(end - steady_clock::now()));
    }
    CHECK(app->framesRendered() >= before + 5);
    // Finish stops it, and the welcome screen is idle again.
    tapWhenShown(*app, "breathing.finish", kiosk::PointerKind::Touch);
    REQUIRE(kiosk::pumpUntil(
        *app, [&] { return app->screen() == ui::Screen::Welcome && app->settled(); }, kDeadline()));
    const auto idle = app->framesRendered();
    const auto later = steady_clock::now() + seconds(1);
    while (steady_clock::now() < later) {
        app->pump(duration_cast<milliseconds>(later - steady_clock::now()));
    }
    CHECK(app->framesRendered() == idle);
}

namespace {

// Walks every staff screen in every shipped language at w x h by real taps:
// every target inside the window and large, no text that does not fit, and a
// screenshot of each screen under the build tree.
void tourEveryLanguage(int w, int h) {
    const std::filesystem::path shots = CAREKIOSK_SCREENSHOT_DIR;
    std::filesystem::create_directories(shots);
    {
        for (const char* language : {"en", "cy", "pl"}) {
            KioskFixture f;
            f.config.cooldownSeconds = 600;  // so the tour meets the cooldown screen
            auto app = f.app(w, h);
            const std::string suffix =
                std::string(language) + "-" + std::to_string(w) + "x" + std::to_string(h);
            int screens = 0;
            auto status = kiosk::tourStaffScreens(
                *app, language, w > h ? kiosk::PointerKind::Mouse : kiosk::PointerKind::Touch,
                [&](const std::string& name) -> core::Status {
                    INFO("screen " << name << " in " << suffix);
                    CHECK(app->language() == language);  // the whole visit stays in it
                    checkTargetsFit(*app, w, h);
                    CHECK(app->layout().overflows().empty());
                    for (const auto& id : app->layout().overflows()) {
                        UNSCOPED_INFO("text does not fit: " << id);
                    }
                    const auto path = shots / (name + "-" + suffix + ".png");
                    if (auto saved = app->saveScreenshot(path); !saved) {
                        return saved;
                    }
                    CHECK(std::filesystem::file_size(path) > 1000);
                    ++screens;
                    return {};
                });
            INFO("tour in " << suffix << ": " << (status ? "" : status.error().message));
            REQUIRE(status);
            CHECK(screens == 13);
            // The tour's taps really stored things: one check-in with its reason
            // and one buddy request, in separate tables.
            CHECK(testing::queryStrings(f.config.databasePath,
                                        "SELECT score || ':' || reasons FROM checkins") ==
                  std::vector<std::string>{"2:workload"});
            CHECK(testing::queryStrings(f.config.databasePath,
                                        "SELECT kind || ':' || times FROM buddy_requests") ==
                  std::vector<std::string>{"walk:lunchtimes"});
            // Stored sealed (format 1); only the organisation's secret key opens it.
            const auto contact = testing::queryStrings(
                f.config.databasePath,
                "SELECT lower(hex(contact)) FROM buddy_requests WHERE contact_format = 1");
            REQUIRE(contact.size() == 1);
            auto decoded = collector::openBuddyRequest(
                core::SealedBuddyRequest{std::string(32, '0'), "leeds", "walk", {}, contact[0]},
                testing::testBuddyKeys().secretKeyBase64);
            REQUIRE(decoded);
            CHECK(decoded->firstName == "Sam");  // shift on for the first letter only
            CHECK(decoded->contact == "desk 4");
        }
    }
}

}  // namespace

TEST_CASE("every screen in every language fits at 800x480, with large targets") {
    tourEveryLanguage(800, 480);
}

TEST_CASE("every screen in every language fits at 1920x1080, with large targets") {
    tourEveryLanguage(1920, 1080);
}

TEST_CASE("every screen in every language fits at 1080x1920 portrait, with large targets") {
    tourEveryLanguage(1080, 1920);
}

TEST_CASE("every screen in every language fits at 3840x2160, a panel as tall as a person's reach") {
    tourEveryLanguage(3840, 2160);
}

TEST_CASE("the admin PIN locks after five wrong tries, longer each time, and a restart keeps it") {
    KioskFixture f;
    f.config.adminPinHash = pinHash("2468");
    testing::ManualClock wall{system_clock::now()};
    const auto now = steady_clock::now();
    auto freshController = [&] {
        return kiosk::AppController(f.config, f.translations, f.outbox, wall);
    };
    auto controller = std::make_unique<kiosk::AppController>(freshController());
    auto type = [&](const std::string& pin) { enterPin(*controller, pin, now); };
    auto message = [&] { return controller->viewModel(now).pinMessage; };
    controller->apply(ui::OpenAdmin{}, now);
    REQUIRE(controller->screen() == ui::Screen::AdminPin);
    type("1111");
    CHECK(controller->screen() == ui::Screen::AdminPin);
    CHECK_THAT(message(), Catch::Contains("4 tries left before a 5 min pause"));
    CHECK(controller->viewModel(now).pinDigits == 0);  // the wrong digits are cleared
    // Pulling the plug after two wrong tries does not give five new ones.
    type("2222");
    controller = std::make_unique<kiosk::AppController>(freshController());
    controller->apply(ui::OpenAdmin{}, now);
    type("3333");
    CHECK_THAT(message(), Catch::Contains("2 tries left"));
    type("0000");
    type("0000");
    CHECK_THAT(message(), Catch::Contains("Too many wrong PINs. Try again in 5 min"));
    type("2468");  // right, but locked
    CHECK(controller->screen() == ui::Screen::AdminPin);
    // Locked across a restart too.
    controller = std::make_unique<kiosk::AppController>(freshController());
    controller->apply(ui::OpenAdmin{}, now);
    type("2468");
    CHECK(controller->screen() == ui::Screen::AdminPin);
    CHECK_THAT(message(), Catch::Contains("Too many wrong PINs"));
    // Five more wrong after the first lockout: 15 min, then 45.
    wall.advance(minutes(5));
    for (int i = 0; i < 5; ++i) {
        type("0000");
    }
    CHECK_THAT(message(), Catch::Contains("Try again in 15 min"));
    wall.advance(minutes(15));
    for (int i = 0; i < 5; ++i) {
        type("0000");
    }
    CHECK_THAT(message(), Catch::Contains("Try again in 45 min"));
    // Setting the clock back does not lock the pad for longer than that.
    wall.advance(-hours(24 * 365));
    type("2468");
    CHECK_THAT(message(), Catch::Contains("Try again in 45 min"));
    wall.advance(minutes(45));
    type("2468");
    CHECK(controller->screen() == ui::Screen::Admin);
    // The right PIN starts the count again from the first, short lockout.
    CHECK(kiosk::AdminGate::lockoutLength(1) == minutes(5));
    CHECK(kiosk::AdminGate::lockoutLength(9) == hours(24));
    kiosk::AdminGate after(f.config.adminPinHash, f.config.databasePath + ".pin-lockout");
    CHECK(after.check("0000", wall.now()) == kiosk::AdminGate::Verdict::Rejected);
    CHECK_THAT(after.describe(kiosk::AdminGate::Verdict::Rejected, wall.now()),
               Catch::Contains("4 tries left before a 5 min pause"));
}

TEST_CASE("without a PIN the panel stays shut and says how to set one") {
    KioskFixture f;
    auto controller = f.controller();
    const auto now = steady_clock::now();
    controller.apply(ui::OpenAdmin{}, now);
    controller.apply(ui::PinKey{'1'}, now);
    controller.apply(ui::SubmitPin{}, now);
    CHECK(controller.screen() == ui::Screen::AdminPin);
    CHECK_THAT(controller.viewModel(steady_clock::now()).pinMessage,
               Catch::Contains("carekiosk-provision set-pin"));
}

TEST_CASE("the admin panel shows what facilities need to act on") {
    KioskFixture f;
    f.config.adminPinHash = pinHash("1357");
    auto& outbox = f.outbox;
    REQUIRE(outbox.setStorageCap(64 * 1024));
    for (int i = 0; i < 3; ++i) {
        REQUIRE(outbox.add(core::CheckIn{3, "leeds", 1, 1795845600, {}}));
    }
    auto batch = outbox.nextBatch().value();
    REQUIRE(outbox.deadLetter(batch->batchId, "HTTP 422: checkins[0].score is not allowed"));
    REQUIRE(outbox.add(core::CheckIn{4, "leeds", 1, 1795845600, {}}));
    auto controller = f.controller();
    upload::UploadStatus status;
    status.attempts = 3;
    status.needsReEnrolment = true;
    status.lastError = "the collector refused this kiosk's token";
    controller.setUploadStatus(status);
    controller.setStorageNote("was damaged; moved to kiosk.db.corrupt-20261128T060000Z");

    const auto now = steady_clock::now();
    controller.apply(ui::OpenAdmin{}, now);
    enterPin(controller, "1357", now);
    REQUIRE(controller.screen() == ui::Screen::Admin);
    const auto model = controller.viewModel(steady_clock::now());
    const auto* uploads = findLine(model, "Uploads");
    REQUIRE(uploads);
    CHECK(uploads->needsAttention);
    CHECK_THAT(uploads->value, Catch::Contains("needs re-enrolment"));
    const auto* refused = findLine(model, "Refused by collector");
    REQUIRE(refused);
    CHECK_THAT(refused->value, Catch::Contains("1 batches (3 check-ins, set aside here)") &&
                                   Catch::Contains("checkins[0].score"));
    // After the cause is fixed, Re-send refused puts them back and uploads.
    CHECK(model.canResend);
    controller.apply(ui::RequestResend{}, now);
    CHECK(controller.takeUploadRequest());
    CHECK(outbox.deadLetters()->empty());
    CHECK(outbox.pendingCount().value() == 4);
    CHECK_THAT(findLine(controller.viewModel(now), "Re-send")->value,
               Catch::Contains("1 refused batches put back"));
    CHECK(findLine(model, "Waiting to send")->value == "1 check-ins");
    CHECK_THAT(findLine(model, "Storage")->value, Catch::Contains("of 0.1 MB"));
    CHECK_THAT(findLine(model, "Database")->value, Catch::Contains("corrupt-20261128T060000Z"));
    CHECK(findLine(model, "Disk free"));
    CHECK_THAT(findLine(model, "Kiosk")->value, Catch::Contains("kiosk-test"));

    // Upload now reaches the app; Exit only when the config allows it.
    controller.apply(ui::RequestUpload{}, now);
    CHECK(controller.takeUploadRequest());
    CHECK_FALSE(controller.takeUploadRequest());
    controller.apply(ui::ExitApp{}, now);
    CHECK_FALSE(controller.quitRequested());
    CHECK_FALSE(model.allowExit);
}

TEST_CASE("a disk-full save shows in the admin panel") {
    KioskFixture f;
    f.config.adminPinHash = pinHash("1357");
    f.fillDisk();
    auto controller = f.controller();
    const auto now = steady_clock::now();
    for (int i = 0; i < 200 && !controller.lastSaveError(); ++i) {
        controller.apply(ui::StartCheckIn{}, now);
        controller.apply(ui::ChooseScore{3}, now);
        controller.apply(ui::SubmitCheckIn{}, now);
        controller.apply(ui::Dismiss{}, now);
    }
    controller.apply(ui::OpenAdmin{}, now);
    enterPin(controller, "1357", now);
    REQUIRE(controller.screen() == ui::Screen::Admin);
    const auto model = controller.viewModel(steady_clock::now());  // findLine points into it
    const auto* save = findLine(model, "Last save");
    REQUIRE(save);
    CHECK(save->needsAttention);
    CHECK_THAT(save->value, Catch::Contains("disk is full"));
}

TEST_CASE("holding the corner for three seconds opens the PIN pad, and the PIN opens the panel") {
    const std::pair<int, int> sizes[] = {{800, 480}, {1920, 1080}, {1080, 1920}};
    const std::filesystem::path shots = CAREKIOSK_SCREENSHOT_DIR;
    std::filesystem::create_directories(shots);
    for (auto [w, h] : sizes) {
        KioskFixture f;
        f.config.adminPinHash = pinHash("1357");
        f.config.allowExit = true;
        auto app = f.app(w, h);
        const std::string suffix = std::to_string(w) + "x" + std::to_string(h);
        INFO("at " << suffix);
        REQUIRE(waitForTarget(*app, "admin.corner"));
        const auto corner = app->layout().find("admin.corner").value();
        // A real finger press that stays down: no further events arrive, so the
        // app must wake itself when the three seconds are up.
        SDL_Event down{};
        down.type = SDL_FINGERDOWN;
        down.tfinger.x = corner.centerX() / static_cast<float>(w);
        down.tfinger.y = corner.centerY() / static_cast<float>(h);
        down.tfinger.windowID = SDL_GetWindowID(app->window());
        REQUIRE(SDL_PushEvent(&down) == 1);
        const auto pressed = steady_clock::now();
        REQUIRE(kiosk::pumpUntil(
            *app, [&] { return app->screen() == ui::Screen::AdminPin; },
            steady_clock::now() + seconds(10)));
        CHECK(steady_clock::now() - pressed >= milliseconds(2900));
        SDL_Event up = down;
        up.type = SDL_FINGERUP;
        REQUIRE(SDL_PushEvent(&up) == 1);

        for (const char* key : {"admin.pin.1", "admin.pin.3", "admin.pin.5", "admin.pin.7"}) {
            tapWhenShown(*app, key, kiosk::PointerKind::Touch);
        }
        REQUIRE(waitForTarget(*app, "admin.pin.ok"));
        checkTargetsFit(*app, w, h);
        REQUIRE(app->saveScreenshot(shots / ("admin-pin-" + suffix + ".png")));
        REQUIRE(kiosk::injectTap(*app, "admin.pin.ok", kiosk::PointerKind::Mouse));
        REQUIRE(kiosk::pumpUntil(
            *app, [&] { return app->screen() == ui::Screen::Admin; }, kDeadline()));
        REQUIRE(waitForTarget(*app, "admin.exit"));
        checkTargetsFit(*app, w, h);
        CHECK(app->layout().overflows().empty());
        REQUIRE(app->saveScreenshot(shots / ("admin-" + suffix + ".png")));
        // Exit is allowed by this config: the main loop ends.
        REQUIRE(kiosk::injectTap(*app, "admin.exit", kiosk::PointerKind::Touch));
        const auto deadline = kDeadline();
        bool running = true;
        while (running && steady_clock::now() < deadline) {
            running = app->pump(milliseconds(20));
        }
        CHECK_FALSE(running);
    }
}

TEST_CASE("check-ins never trigger an upload, only the schedule or Upload now does") {
    KioskFixture f;
    testing::TestCollector collector(f.dir / "collector.db");
    REQUIRE(collector.store().createSite("leeds", "Leeds office"));
    // Placed in the finance team's area: enrolled with that team.
    const auto device =
        collector.store().enroll(collector.store().createEnrollCode("leeds").value(), "finance");
    REQUIRE(device);
    f.config.serverUrl = collector.url();
    f.config.deviceToken = device->deviceToken;
    f.config.uploadIntervalSeconds = 86400;  // the first scheduled try falls somewhere in a day
    f.config.team = "finance";
    kiosk::KioskOptions options;
    options.config = f.config;
    options.width = 1280;
    options.height = 800;
    options.forceWindowed = true;
    auto app = kiosk::KioskApp::create(options, f.clock, f.random);
    REQUIRE(app);
    for (int score : {2, 4, 5}) {
        REQUIRE(kiosk::driveCheckIn(*app.value(), score, kiosk::PointerKind::Touch));
    }
    // Taps are not upload moments: nothing has been tried, nothing has left.
    CHECK(app.value()->uploadStatus().attempts == 0);
    CHECK(collector.store().dayCounts("leeds", 0, 50000).value().empty());
    const auto ticket = app.value()->uploadNow();
    REQUIRE(kiosk::pumpUntil(
        *app.value(), [&] { return app.value()->uploadStatus().requestsServed >= ticket; },
        kDeadline()));
    CHECK(app.value()->uploadStatus().attempts == 1);
    CHECK(app.value()->uploadStatus().acknowledgedTotal == 3);
    // Each check-in carried the kiosk's team tag to the collector.
    auto stored = collector.store().dayCounts("leeds", 0, 50000);
    REQUIRE(stored);
    int tagged = 0;
    for (const auto& day : stored.value()) {
        for (int n : day.perScore) {
            tagged += day.team == "finance" ? n : 0;
        }
    }
    CHECK(tagged == 3);
}

TEST_CASE("reload config applies a new question set, and a broken file changes nothing") {
    KioskFixture f;
    const auto path = f.dir / "kiosk.json";
    std::ofstream(path) << core::serializeKioskConfig(f.config);
    auto app = makeApp(f.config, 1280, 800, f.random, f.clock, path);

    auto reasonsOnScreen = [&] {
        tapWhenShown(*app, "welcome.start", kiosk::PointerKind::Touch);
        tapWhenShown(*app, "pulse.face.3", kiosk::PointerKind::Touch);
        REQUIRE(waitForTarget(*app, "reasons.back"));
        std::vector<std::string> ids;
        for (const auto& [id, rect] : app->layout().targets()) {
            if (id.rfind("reasons.", 0) == 0 && id != "reasons.back" && id != "reasons.skip" &&
                id != "reasons.submit") {
                ids.push_back(id.substr(8));
            }
        }
        // The face is stored already; Skip completes it, Done ends the session.
        tapWhenShown(*app, "reasons.skip", kiosk::PointerKind::Touch);
        tapWhenShown(*app, "thankyou.done", kiosk::PointerKind::Touch);
        return ids;
    };
    CHECK(reasonsOnScreen() ==
          std::vector<std::string>{"commute", "health", "home", "team", "workload"});

    auto changed = f.config;
    changed.reasons = {"team", "health"};
    std::ofstream(path) << core::serializeKioskConfig(changed);
    REQUIRE(app->reloadConfig());
    CHECK(reasonsOnScreen() == std::vector<std::string>{"health", "team"});

    // A reason with no text anywhere is refused, naming the field; the kiosk
    // keeps the question set it had.
    changed.reasons = {"team", "parking"};
    std::ofstream(path) << core::serializeKioskConfig(changed);
    auto refused = app->reloadConfig();
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.error().message, Catch::Contains("reasons[1] \"parking\" has no text"));
    std::ofstream(path) << "{ not json";
    refused = app->reloadConfig();
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.error().message, Catch::Contains("not valid JSON"));
    CHECK(reasonsOnScreen() == std::vector<std::string>{"health", "team"});
}

TEST_CASE("the admin panel counts buddy requests and dates the oldest waiting check-in") {
    KioskFixture f;
    f.config.adminPinHash = pinHash("1357");
    auto controller = f.controller();
    const auto now = steady_clock::now();
    controller.apply(ui::StartBuddy{}, now);
    controller.apply(ui::ChooseBuddyKind{"coffee"}, now);
    controller.apply(ui::Next{}, now);
    controller.apply(ui::TypeText{"A"}, now);
    controller.apply(ui::FocusField{ui::Field::Contact}, now);
    controller.apply(ui::TypeText{"ext 12"}, now);
    controller.apply(ui::SendBuddy{}, now);
    REQUIRE(controller.screen() == ui::Screen::BuddySent);
    controller.apply(ui::Dismiss{}, now);
    REQUIRE(f.outbox.add(
        core::CheckIn{3, "leeds", 1, core::hourBucketOf(system_clock::now() - hours(5)), {}}));
    controller.apply(ui::OpenAdmin{}, now);
    enterPin(controller, "1357", now);
    REQUIRE(controller.screen() == ui::Screen::Admin);
    const auto model = controller.viewModel(now);
    const auto* buddies = findLine(model, "Buddy requests");
    REQUIRE(buddies);
    CHECK_THAT(buddies->value, Catch::StartsWith("1 "));
    const auto* oldest = findLine(model, "Oldest waiting");
    REQUIRE(oldest);
    CHECK_THAT(oldest->value, Catch::Contains("5 h ago") || Catch::Contains("6 h ago"));
}

namespace {

// A kiosk in quiet hours (from a minute ago for two hours, in its own time
// zone), showing its dim clock.
std::unique_ptr<kiosk::KioskApp> quietKiosk(KioskFixture& f) {
    const int now = kiosk::localMinuteOfDay(system_clock::now());
    f.config.quietHours = core::QuietHours{(now + 1439) % 1440, (now + 120) % 1440};
    auto app = f.app(1280, 800);
    REQUIRE(kiosk::waitForScreen(*app, ui::Screen::Quiet, kDeadline()));
    return app;
}

}  // namespace

TEST_CASE("in quiet hours the kiosk shows a dim clock, and a touch wakes it to welcome") {
    KioskFixture f;
    auto app = quietKiosk(f);
    REQUIRE(kiosk::pumpUntil(
        *app, [&] { return app->settled(); }, kDeadline()));
    REQUIRE(app->saveScreenshot(std::filesystem::path(CAREKIOSK_SCREENSHOT_DIR) / "quiet.png"));
    // The whole screen but the admin corner wakes it.
    CHECK(app->layout().find("quiet.wake"));
    REQUIRE(kiosk::injectTap(*app, "quiet.wake", kiosk::PointerKind::Touch));
    REQUIRE(kiosk::waitForScreen(*app, ui::Screen::Welcome, kDeadline()));
    // A check-in works as in opening hours.
    REQUIRE(kiosk::driveCheckIn(*app, 5, kiosk::PointerKind::Touch));
    CHECK(f.outbox.pendingCount().value() == 1);
}

TEST_CASE("simulated check-ins at night wake the dim clock first as a person does") {
    // `carekiosk --simulate-checkins` and the screenshot tour run at any hour
    // (the deploy README test runs them against a site with quiet hours).
    KioskFixture f;
    auto app = quietKiosk(f);
    REQUIRE(kiosk::driveCheckIn(*app, 2, kiosk::PointerKind::Mouse));
    CHECK(f.outbox.pendingCount().value() == 1);
}

TEST_CASE("the thank-you screen is the same, pixel for pixel, whatever the score") {
    KioskFixture f;  // its config lists support resources
    const auto shots = std::filesystem::path(CAREKIOSK_SCREENSHOT_DIR);
    std::filesystem::create_directories(shots);
    for (auto [w, h] : {std::pair{800, 480}, std::pair{1080, 1920}}) {
        std::vector<std::string> pictures;
        for (int score : {1, 2, 3, 5}) {
            auto app = f.app(w, h);
            tapWhenShown(*app, "welcome.start", kiosk::PointerKind::Touch);
            tapWhenShown(*app, "pulse.face." + std::to_string(score), kiosk::PointerKind::Touch);
            tapWhenShown(*app, "reasons.submit", kiosk::PointerKind::Touch);
            REQUIRE(waitForTarget(*app, "thankyou.done"));
            const auto path = shots / ("thankyou-score" + std::to_string(score) + "-" +
                                       std::to_string(w) + "x" + std::to_string(h) + ".png");
            REQUIRE(app->saveScreenshot(path));
            std::ifstream in(path, std::ios::binary);
            pictures.emplace_back(std::istreambuf_iterator<char>(in),
                                  std::istreambuf_iterator<char>());
        }
        INFO(w << "x" << h);
        for (const auto& picture : pictures) {
            CHECK(picture == pictures.front());
        }
    }
}
