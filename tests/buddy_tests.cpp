// Buddy requests from the touchscreen to the coordinator: sealed on the kiosk
// with the organisation's public key, uploaded apart from check-ins, held
// sealed by the collector, opened only with the coordinator's secret key.
// Real SQLite files, a real collector over TLS, the real report CLI.
#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <sstream>

#include "carekiosk/collector/buddy_inbox.hpp"
#include "carekiosk/kiosk/app_controller.hpp"
#include "carekiosk/kiosk/kiosk_app.hpp"
#include "carekiosk/kiosk/site_content.hpp"
#include "carekiosk/kiosk/tap_driver.hpp"
#include "carekiosk/storage/outbox.hpp"
#include "carekiosk/upload/uploader.hpp"
#include "support/test_support.hpp"

using namespace carekiosk;
using namespace std::chrono;

namespace {

// The bytes of every file of a SQLite database (main file, WAL, shared memory).
std::string databaseBytes(const std::filesystem::path& db) {
    std::string bytes;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        std::ifstream in(db.string() + suffix, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        bytes += text.str();
    }
    return bytes;
}

// A request through the kiosk's own controller, as the screens' actions would make it.
void askForBuddy(kiosk::AppController& controller, const std::string& name,
                 const std::string& contact) {
    const auto now = steady_clock::now();
    controller.apply(ui::StartBuddy{}, now);
    REQUIRE(controller.screen() == ui::Screen::BuddyKind);
    controller.apply(ui::ChooseBuddyKind{"walk"}, now);
    controller.apply(ui::ToggleBuddyTime{"lunchtimes"}, now);
    controller.apply(ui::Next{}, now);
    controller.apply(ui::TypeText{name}, now);
    controller.apply(ui::FocusField{ui::Field::Contact}, now);
    controller.apply(ui::TypeText{contact}, now);
    controller.apply(ui::SendBuddy{}, now);
    REQUIRE(controller.screen() == ui::Screen::BuddySent);
    controller.apply(ui::Dismiss{}, now);
}

}  // namespace

TEST_CASE(
    "a buddy request is sealed on the kiosk, reaches the coordinator, and no database "
    "holds it in plain text",
    "[sqlite]") {
    testing::TempDir dir;
    testing::TestCollector collector(dir / "collector.db");
    auto& store = collector.store();
    REQUIRE(store.createSite("leeds", "Leeds office"));
    const auto& keys = testing::testBuddyKeys();
    REQUIRE(store.setSetting(collector::kBuddyPublicKeySetting, keys.publicKeyBase64));
    const auto enrolled = store.enroll(store.createEnrollCode("leeds").value()).value();
    CHECK(enrolled.buddyPublicKey == keys.publicKeyBase64);
    const auto coordinator =
        store.createApiToken(collector::ApiRole::Coordinator, "Buddy coordinator").value();
    const auto manager = store.createManagerToken("Manager").value();

    core::KioskConfig config = testing::offlineKioskConfig(dir);
    config.serverUrl = collector.url();
    config.deviceId = enrolled.deviceId;
    config.deviceToken = enrolled.deviceToken;
    config.buddyPublicKey = enrolled.buddyPublicKey;
    const std::string email = "sam.buddy-7f3a@example.org";
    testing::SeededRandom random;
    core::SystemClock clock;
    testing::StderrCapture log;
    {
        auto outbox = storage::Outbox::open(config.databasePath, random).value();
        auto translations = kiosk::loadTranslationsFor(config).value();
        kiosk::AppController controller(config, translations, outbox, clock);
        askForBuddy(controller, "Sam", email);
        REQUIRE(outbox.pendingBuddyRequests().value() == 1);
        // Not in the kiosk's database, its WAL or its shared memory: sealed before it was written.
        CHECK(databaseBytes(config.databasePath).find(email) == std::string::npos);

        auto sender = testing::makeTestSender();
        upload::Uploader uploader(outbox, *sender, {config.serverUrl, config.deviceToken}, clock);
        const auto outcome = uploader.drain();
        INFO((outcome.error ? outcome.error->message : ""));
        REQUIRE_FALSE(outcome.error);
        CHECK(outcome.buddyRequestsSent == 1);
        CHECK(outbox.pendingBuddyRequests().value() == 0);
    }
    // Nothing logged on the way names the person.
    CHECK(log.text().find(email) == std::string::npos);
    CHECK(log.text().find("Sam") == std::string::npos);
    // The collector holds it sealed: not in its database files either.
    CHECK(databaseBytes(dir / "collector.db").find(email) == std::string::npos);
    CHECK(testing::queryStrings(dir / "collector.db", "SELECT count(*) FROM buddy_requests") ==
          std::vector<std::string>{"1"});

    // Only the coordinator may fetch the inbox.
    auto http = testing::makeTestSender();
    const auto inboxUrl = collector.url() + "/v1/buddy-requests";
    CHECK(testing::sendOk(*http, "GET", inboxUrl, manager).status == 403);
    CHECK(testing::sendOk(*http, "GET", inboxUrl, config.deviceToken).status == 403);
    CHECK(testing::sendOk(*http, "GET", inboxUrl, "").status == 401);
    const auto inbox = testing::sendOk(*http, "GET", inboxUrl, coordinator);
    REQUIRE(inbox.status == 200);
    auto list = core::decodeBuddyRequestList(inbox.body);
    REQUIRE(list);
    REQUIRE(list->requests.size() == 1);
    CHECK(list->requests[0].kind == "walk");
    // Another organisation's key opens nothing.
    const auto otherKeys = collector::makeBuddyKeyPair().value();
    auto refused = collector::openBuddyRequest(list->requests[0], otherKeys.secretKeyBase64);
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.error().message, Catch::Contains("does not open with this key"));

    // The coordinator opens it locally with the report CLI and marks it handled.
    const auto keyFile = dir / "buddy.key";
    std::ofstream(keyFile) << keys.secretKeyBase64 << "\n";
    const auto shown = testing::runOk({CAREKIOSK_REPORT_BIN, "buddies", "--server", collector.url(),
                                       "--token", coordinator, "--key", keyFile.string(), "--ca",
                                       testing::TestCa::caFile(), "--mark-handled"});
    CHECK_THAT(shown, Catch::Contains("walk") && Catch::Contains("lunchtimes") &&
                          Catch::Contains("Sam <" + email + ">") &&
                          Catch::Contains("1 marked handled"));
    const auto after = testing::sendOk(*http, "GET", inboxUrl, coordinator);
    CHECK(core::decodeBuddyRequestList(after.body)->requests.empty());
}

// A collector store on a manual clock (Sat 28 Nov 2026 06:00Z) with site
// "leeds" and one enrolled kiosk, for the buddy inbox's store-level tests.
struct InboxStore {
    testing::TempDir dir;
    testing::ManualClock clock{system_clock::time_point(seconds(1795845600))};
    testing::SeededRandom random;
    testing::TestDatabase db{dir.path()};
    std::unique_ptr<collector::Store> store =
        collector::Store::connect(db.location(), clock, random).value();
    collector::Device device = enrolKiosk(*store);
    const std::string sealed = std::string(2 * 60, 'a');

    static collector::Device enrolKiosk(collector::Store& store) {
        REQUIRE(store.createSite("leeds", "Leeds office"));
        const auto kiosk = store.enroll(store.createEnrollCode("leeds").value()).value();
        return {kiosk.deviceId, "leeds"};
    }
};

TEST_CASE("handled buddy requests are deleted after the retention period (clock injected)") {
    InboxStore f;
    auto& store = f.store;
    auto& clock = f.clock;
    const auto& device = f.device;
    const auto& sealed = f.sealed;
    core::BuddyRequestList list{{{std::string(32, '1'), "leeds", "walk", {}, sealed},
                                 {std::string(32, '2'), "leeds", "coffee", {"mornings"}, sealed}}};
    auto stored = store->storeBuddyRequests(device, list);
    REQUIRE(stored);
    CHECK(stored->size() == 2);
    // A re-sent request is acknowledged again and stored once.
    REQUIRE(store->storeBuddyRequests(device, list));
    CHECK(store->buddyInbox("").value().requests.size() == 2);
    // Another site's request from this kiosk is refused, naming the field.
    core::BuddyRequestList elsewhere{{{std::string(32, '3'), "york", "walk", {}, sealed}}};
    auto refused = store->storeBuddyRequests(device, elsewhere);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().field == "requests[0].site_id");

    CHECK(store->markBuddyRequestsHandled({std::string(32, '1')}).value() == 1);
    CHECK(store->buddyInbox("leeds").value().requests.size() == 1);
    clock.advance(hours(24 * 30));
    CHECK(store->purgeHandledBuddyRequests(30).value() == 0);  // 30 days: kept
    clock.advance(hours(24));
    CHECK(store->purgeHandledBuddyRequests(30).value() == 1);
    // The unhandled one is never purged, however old.
    clock.advance(hours(24 * 365));
    CHECK(store->purgeHandledBuddyRequests(30).value() == 0);
    CHECK(store->buddyInbox("").value().requests.size() == 1);
}

TEST_CASE(
    "summaries count buddy requests once each, and publish them only once there are at least "
    "the smallest group") {
    InboxStore f;  // Saturday 2026-11-28, 06:00Z
    auto& store = f.store;
    auto& clock = f.clock;
    const auto& device = f.device;
    const auto& sealed = f.sealed;
    auto requests = [&](char first, int n) {
        core::BuddyRequestList list;
        for (int i = 0; i < n; ++i) {
            list.requests.push_back(
                {std::string(31, first) + static_cast<char>('a' + i), "leeds", "walk", {}, sealed});
        }
        return list;
    };
    const auto today = core::parseDate("2026-11-28", "day").value();
    const collector::SummaryQuery query{"leeds", core::SummaryPeriod::Week, today, today, 5};
    REQUIRE(store->storeBuddyRequests(device, requests('1', 3)));
    clock.advance(hours(25));  // Saturday is released: three requests wait
    auto summary = store->summary(query);
    REQUIRE(summary);
    CHECK(summary->periods.empty());
    // Re-sent (the kiosk missed the acknowledgement): still 3, then 3 more on
    // Sunday make 6, published with the week.
    REQUIRE(store->storeBuddyRequests(device, requests('1', 3)));
    REQUIRE(store->storeBuddyRequests(device, requests('2', 3)));
    clock.advance(hours(24));
    summary = store->summary(query);
    REQUIRE(summary);
    REQUIRE(summary->periods.size() == 1);
    CHECK(summary->periods.at(0).buddyRequests == 6);
    // Handled and purged requests still count: the summary keeps how many came.
    auto inbox = store->buddyInbox("leeds");
    REQUIRE(inbox);
    std::vector<std::string> ids;
    for (const auto& r : inbox->requests) {
        ids.push_back(r.id);
    }
    REQUIRE(store->markBuddyRequestsHandled(ids).value() == 6);
    clock.advance(hours(24 * 31));
    REQUIRE(store->purgeHandledBuddyRequests(30).value() == 6);
    CHECK(store->summary(query).value().periods.at(0).buddyRequests == 6);
}

TEST_CASE("without the organisation's key a kiosk offers no buddy request") {
    testing::TempDir dir;
    core::KioskConfig config = testing::offlineKioskConfig(dir);
    config.buddyPublicKey.clear();
    testing::SeededRandom random;
    core::SystemClock clock;
    kiosk::KioskOptions options;
    options.config = config;
    options.forceWindowed = true;
    options.width = 1280;
    options.height = 800;
    options.startUploader = false;
    auto app = kiosk::KioskApp::create(options, clock, random);
    REQUIRE(app);
    REQUIRE(kiosk::pumpUntil(
        *app.value(), [&] { return app.value()->settled(); }, steady_clock::now() + seconds(10)));
    CHECK_FALSE(app.value()->layout().find("welcome.buddy"));
    CHECK(app.value()->layout().find("welcome.start"));
    CHECK(app.value()->layout().find("welcome.breathe"));
    REQUIRE(app.value()->saveScreenshot(std::filesystem::path(CAREKIOSK_SCREENSHOT_DIR) /
                                        "welcome-no-buddy.png"));
    const auto deadline = steady_clock::now() + seconds(20);
    const auto touch = kiosk::PointerKind::Touch;
    REQUIRE(kiosk::tapOn(*app.value(), ui::Screen::Welcome, "welcome.start", touch, deadline));
    REQUIRE(kiosk::tapOn(*app.value(), ui::Screen::Pulse, "pulse.face.3", touch, deadline));
    REQUIRE(kiosk::tapOn(*app.value(), ui::Screen::Reasons, "reasons.skip", touch, deadline));
    REQUIRE(kiosk::waitForScreen(*app.value(), ui::Screen::ThankYou, deadline));
    REQUIRE(kiosk::pumpUntil(
        *app.value(), [&] { return app.value()->settled(); }, deadline));
    CHECK_FALSE(app.value()->layout().find("thankyou.buddy"));
    CHECK(app.value()->layout().find("thankyou.done"));
}
