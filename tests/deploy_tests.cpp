// Facilities' side: enrolment with a pin and the site's config, heartbeats and
// the fleet view, remote site configs, unenrolment, the systemd install and
// its watchdog. Real TLS collector on 127.0.0.1, real SQLite, real SDL.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <httplib.h>
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "carekiosk/collector/fleet.hpp"
#include "carekiosk/collector/site_config.hpp"
#include "carekiosk/core/config.hpp"
#include "carekiosk/kiosk/app_controller.hpp"
#include "carekiosk/kiosk/kiosk_app.hpp"
#include "carekiosk/kiosk/site_content.hpp"
#include "carekiosk/kiosk/tap_driver.hpp"
#include "carekiosk/provisioning/check.hpp"
#include "carekiosk/provisioning/enroll.hpp"
#include "carekiosk/provisioning/install.hpp"
#include "carekiosk/provisioning/unenroll.hpp"
#include "carekiosk/storage/outbox.hpp"
#include "carekiosk/upload/site_sync.hpp"
#include "support/notify_socket.hpp"
#include "support/test_support.hpp"

using namespace carekiosk;
using namespace std::chrono;
using nlohmann::json;

namespace {

struct Fixture {
    testing::TempDir dir;
    testing::TestDatabase db{dir.path()};
    testing::TestCollector collector{db.location()};
    std::unique_ptr<upload::HttpSender> http = testing::makeTestSender();

    Fixture() { REQUIRE(collector.store().createSite("leeds", "Leeds office")); }

    // Enrols through the real provisioning code; returns the loaded config.
    core::KioskConfig enrolKiosk(const std::string& pin = {}) {
        provisioning::EnrollOptions o;
        o.serverUrl = collector.url();
        o.code = collector.store().createEnrollCode("leeds").value();
        o.caFile = testing::TestCa::caFile();
        o.configPath = dir / "kiosk.json";
        o.pinnedPublicKey = pin;
        upload::TlsOptions tls;
        tls.caFile = testing::TestCa::caFile();
        tls.pinnedPublicKey = pin;
        auto sender = upload::makeCurlSender(tls);
        REQUIRE(provisioning::enroll(o, *sender));
        auto config = core::loadKioskConfigFile(dir / "kiosk.json");
        REQUIRE(config);
        return config.value();
    }

    upload::HttpResponse get(const std::string& path, const std::string& token) {
        return testing::sendOk(*http, "GET", collector.url() + path, token);
    }

    json fleet(const std::string& token) {
        const auto response = get("/v1/fleet", token);
        REQUIRE(response.status == 200);
        return json::parse(response.body);
    }

    void setSiteConfig(const std::string& toml) {
        auto content = collector::siteContentFromToml(toml, "site.toml");
        REQUIRE(content);
        REQUIRE(collector.store().setSiteConfig("leeds", content.value()));
    }
};

// The SPKI pin (sha256//base64) of a certificate's public key, as a
// facilities person would compute it with openssl.
std::string pinOf(const std::string& certFile) {
    return "sha256//" +
           testing::runOk({"/bin/bash", "-c",
                           "openssl x509 -in '" + certFile +
                               "' -pubkey -noout | openssl pkey -pubin -outform der | openssl "
                               "dgst -sha256 -binary | base64"});
}

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

upload::UploadTarget targetOf(const core::KioskConfig& config) {
    return {config.serverUrl, config.deviceToken};
}

// A kiosk app on the config file at `configPath`, uploading to its collector.
std::unique_ptr<kiosk::KioskApp> startKiosk(const core::KioskConfig& config,
                                            const std::filesystem::path& configPath,
                                            core::RandomSource& random, const core::Clock& clock,
                                            bool uploader = true) {
    kiosk::KioskOptions options;
    options.config = config;
    options.config.fullscreen = false;
    options.config.cooldownSeconds = 0;
    options.configPath = configPath;
    options.width = 800;
    options.height = 480;
    options.forceWindowed = true;
    options.startUploader = uploader;
    auto app = kiosk::KioskApp::create(options, clock, random);
    REQUIRE(app);
    return std::move(app).value();
}

// Asks for an upload and waits until a try that started after the request
// has finished (heartbeat and config fetch included).
void uploadAndWait(kiosk::KioskApp& app) {
    const auto ticket = app.uploadNow();
    REQUIRE(kiosk::pumpUntil(
        app, [&] { return app.uploadStatus().requestsServed >= ticket; },
        steady_clock::now() + seconds(30)));
}

}  // namespace

TEST_CASE("enrolment brings the site's config and buddy key, and a pin must match the key") {
    Fixture f;
    f.setSiteConfig(R"(
reasons = ["workload", "team"]
you_said_we_did = "You asked for quiet rooms: booths are on floor 2."
[quiet_hours]
start = "19:00"
end = "07:00"
)");
    const std::string buddyKey = "ZGV2LWtleS0wMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc=";  // 32 bytes
    REQUIRE(collector::validateBuddyPublicKey(buddyKey));
    REQUIRE(f.collector.store().setSetting(collector::kBuddyPublicKeySetting, buddyKey));

    SECTION("with the collector's own pin") {
        const auto config = f.enrolKiosk(pinOf(testing::TestCa::serverCert()));
        CHECK(config.siteConfigVersion == 1);
        CHECK(config.reasons == std::vector<std::string>{"workload", "team"});
        CHECK(config.youSaidWeDid == "You asked for quiet rooms: booths are on floor 2.");
        REQUIRE(config.quietHours);
        CHECK(config.quietHours->startMinute == 19 * 60);
        CHECK(config.quietHours->endMinute == 7 * 60);
        CHECK(config.buddyPublicKey == buddyKey);
        CHECK(config.pinnedPublicKey == pinOf(testing::TestCa::serverCert()));
    }
    // Options for enrolling into f.dir/kiosk.json with a fresh code.
    auto freshOptions = [&] {
        provisioning::EnrollOptions o;
        o.serverUrl = f.collector.url();
        o.code = f.collector.store().createEnrollCode("leeds").value();
        o.caFile = testing::TestCa::caFile();
        o.configPath = f.dir / "kiosk.json";
        return o;
    };
    SECTION("a pin of another key is refused and nothing is written") {
        auto o = freshOptions();
        o.pinnedPublicKey = pinOf(testing::TestCa::otherServerCert());
        upload::TlsOptions tls;
        tls.caFile = testing::TestCa::caFile();
        tls.pinnedPublicKey = o.pinnedPublicKey;
        auto sender = upload::makeCurlSender(tls);
        auto refused = provisioning::enroll(o, *sender);
        REQUIRE_FALSE(refused);
        CHECK(refused.error().code == core::ErrorCode::Tls);
        CHECK_FALSE(std::filesystem::exists(f.dir / "kiosk.json"));
        // The code was not consumed by the refused attempt: it still works.
        o.pinnedPublicKey.clear();
        auto unpinned =
            upload::makeCurlSender({testing::TestCa::caFile(), "", seconds(10), seconds(60)});
        CHECK(provisioning::enroll(o, *unpinned));
    }
    SECTION("a team tag is kept in the config, and a bad one refused naming --team") {
        auto o = freshOptions();
        o.team = "Finance Team";
        auto refused = provisioning::enroll(o, *f.http);
        REQUIRE_FALSE(refused);
        CHECK(refused.error().field == "--team");
        o.team = "finance";
        REQUIRE(provisioning::enroll(o, *f.http));
        auto written = core::loadKioskConfigFile(o.configPath);
        REQUIRE(written);
        CHECK(written->team == "finance");
    }
    SECTION("a pin that is not a pin is refused naming --pin") {
        provisioning::EnrollOptions o;
        o.serverUrl = f.collector.url();
        o.code = "ABCD-EFGH-JKMN";
        o.caFile = testing::TestCa::caFile();
        o.configPath = f.dir / "kiosk.json";
        o.pinnedPublicKey = "sha256//not-base64";
        auto refused = provisioning::enroll(o, *f.http);
        REQUIRE_FALSE(refused);
        CHECK(refused.error().field == "--pin");
        CHECK_THAT(refused.error().message, Catch::Contains("openssl"));
    }
}

TEST_CASE("heartbeats reach the fleet view, which only facilities and admin tokens read") {
    Fixture f;
    const auto config = f.enrolKiosk();
    testing::SeededRandom random;
    {
        auto outbox = storage::Outbox::open(config.databasePath, random);
        REQUIRE(outbox);
        for (int i = 0; i < 3; ++i) {
            REQUIRE(outbox->add(
                core::CheckIn{4, "leeds", 1, core::hourBucketOf(system_clock::now()), {}}));
        }
    }
    // A kiosk whose collector refuses its batches leaves them pending; here the
    // heartbeat is sent on its own to see exactly what arrives.
    core::Heartbeat heartbeat;
    heartbeat.version = "0.1.0";
    heartbeat.pending = 3;
    heartbeat.diskFreeMegabytes = 1234;
    heartbeat.uptimeSeconds = 60;
    REQUIRE(upload::sendHeartbeat(*f.http, targetOf(config), heartbeat));

    const auto facilities =
        f.collector.store().createApiToken(collector::ApiRole::Facilities, "Facilities").value();
    const auto admin =
        f.collector.store().createApiToken(collector::ApiRole::Admin, "Admin").value();
    const auto manager = f.collector.store().createManagerToken("Manager").value();
    for (const auto& token : {facilities, admin}) {
        const auto fleet = f.fleet(token);
        REQUIRE(fleet["kiosks"].size() == 1);
        const auto& kiosk = fleet["kiosks"][0];
        CHECK(kiosk["device_id"] == config.deviceId);
        CHECK(kiosk["heartbeat"]["pending"] == 3);
        CHECK(kiosk["heartbeat"]["disk_free_mb"] == 1234);
        CHECK(kiosk["seconds_since_seen"].get<int>() < 60);
        CHECK(kiosk["flags"].empty());
        CHECK(fleet["silent_after_seconds"] == 7200);
    }
    CHECK(f.get("/v1/fleet", manager).status == 403);
    CHECK(f.get("/v1/fleet", config.deviceToken).status == 403);
    CHECK(f.get("/v1/fleet", "").status == 401);

    // A heartbeat with an unknown field is refused, naming it.
    upload::HttpRequest bad;
    bad.method = "POST";
    bad.url = f.collector.url() + "/v1/heartbeat";
    bad.bearerToken = config.deviceToken;
    bad.body = R"({"version":"1","pending":0,"oldest_pending_hours":0,"dead_letters":0,
        "disk_free_mb":1,"uptime_seconds":1,"config_version":0,"location":"desk 4"})";
    const auto refused = f.http->send(bad);
    REQUIRE(refused);
    CHECK(refused->status == 400);
    CHECK_THAT(refused->body, Catch::Contains("location"));

    // The dashboard's fleet page: sign in with the token (HttpOnly cookie).
    httplib::SSLClient browser(
        "127.0.0.1", std::stoi(f.collector.url().substr(f.collector.url().rfind(':') + 1)));
    browser.set_ca_cert_path(testing::TestCa::caFile().c_str());
    browser.enable_server_certificate_verification(true);
    auto anonymous = browser.Get("/fleet");
    REQUIRE(anonymous);
    CHECK(anonymous->status == 303);
    CHECK(anonymous->get_header_value("Location") == "/signin");
    // A kiosk's token opens no page.
    auto wrong = browser.Post("/signin", httplib::Params{{"token", config.deviceToken}});
    REQUIRE(wrong);
    CHECK(wrong->status == 401);
    CHECK_THAT(wrong->body, Catch::Contains("not accepted"));
    auto signedIn = browser.Post("/signin", httplib::Params{{"token", facilities}});
    REQUIRE(signedIn);
    CHECK(signedIn->status == 303);
    const auto cookie = signedIn->get_header_value("Set-Cookie");
    CHECK_THAT(cookie, Catch::Contains("HttpOnly") && Catch::Contains("Secure") &&
                           Catch::Contains("SameSite=Strict"));
    auto page =
        browser.Get("/fleet", httplib::Headers{{"Cookie", cookie.substr(0, cookie.find(';'))}});
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK_THAT(page->body, Catch::Contains(config.deviceId) && Catch::Contains("healthy"));
    std::ofstream(std::filesystem::path(CAREKIOSK_SCREENSHOT_DIR) / "fleet.html") << page->body;
}

TEST_CASE("a silent, backlogged, outdated or failing kiosk is flagged (clock injected)") {
    testing::TempDir dir;
    testing::ManualClock clock{system_clock::time_point(seconds(1795845600))};
    testing::SeededRandom random;
    auto store =
        collector::Store::connect(testing::TestDatabase(dir.path()).location(), clock, random);
    REQUIRE(store);
    REQUIRE(store.value()->createSite("leeds", "Leeds office"));
    const auto code = store.value()->createEnrollCode("leeds").value();
    const auto kiosk = store.value()->enroll(code).value();
    const collector::Device device{kiosk.deviceId, kiosk.siteId};
    const collector::FleetRules rules;  // silent after 2 h, backlog 1000 or 24 h

    auto flagsNow = [&] {
        auto rows = store.value()->fleetRows();
        REQUIRE(rows);
        auto fleet = collector::assessFleet(rows.value(), clock.now(), rules);
        REQUIRE(fleet.size() == 1);
        return fleet[0].flags;
    };
    using Flags = std::vector<std::string>;
    CHECK(flagsNow() == Flags{"never seen"});

    core::Heartbeat healthy;
    healthy.version = "0.1.0";
    REQUIRE(store.value()->recordHeartbeat(device, healthy));
    CHECK(flagsNow().empty());
    clock.advance(hours(2));
    CHECK(flagsNow().empty());  // exactly 2 h is not yet silent
    clock.advance(seconds(1));
    CHECK(flagsNow() == Flags{"silent"});

    core::Heartbeat troubled = healthy;
    troubled.pending = 1001;
    troubled.deadLetters = 1;
    troubled.lastError = "cannot reach https://collector: timed out";
    REQUIRE(store.value()->setSiteConfig("leeds", "{}"));  // the site is on v1, the kiosk on v0
    REQUIRE(store.value()->recordHeartbeat(device, troubled));
    CHECK(flagsNow() == Flags{"backlogged", "old config", "dead letters", "upload errors"});

    troubled = healthy;
    troubled.oldestPendingHours = 25;
    troubled.configVersion = 1;
    troubled.configError = "site config v1 refused: reasons[0] has no text";
    REQUIRE(store.value()->recordHeartbeat(device, troubled));
    CHECK(flagsNow() == Flags{"backlogged", "config rejected"});

    REQUIRE(store.value()->unenrollDevice(device));
    clock.advance(hours(48));
    CHECK(flagsNow() == Flags{"unenrolled"});  // gone on purpose: not "silent"
}

TEST_CASE("site configs are TOML for people, with errors that name the line or the field") {
    SECTION("good") {
        auto content = collector::siteContentFromToml(R"(
default_language = "cy"
languages = ["en", "cy"]
cooldown_seconds = 5
[[support_resources]]
name = "Mental-health first aiders"
detail = "Ask at reception"
)",
                                                      "leeds.toml");
        REQUIRE(content);
        const auto parsed = json::parse(content.value());
        CHECK(parsed["default_language"] == "cy");
        CHECK(parsed["support_resources"][0]["name"] == "Mental-health first aiders");
    }
    SECTION("syntax") {
        auto bad =
            collector::siteContentFromToml("reasons = [\"workload\"\nidle = 3\n", "leeds.toml");
        REQUIRE_FALSE(bad);
        CHECK_THAT(bad.error().message, Catch::Contains("leeds.toml line 2"));
    }
    SECTION("a field that is not site content") {
        auto bad = collector::siteContentFromToml("device_token = \"x\"\n", "leeds.toml");
        REQUIRE_FALSE(bad);
        CHECK(bad.error().field == "device_token");
    }
    SECTION("a bad quiet hours time") {
        auto bad = collector::siteContentFromToml(
            "[quiet_hours]\nstart = \"7pm\"\nend = \"07:00\"\n", "x.toml");
        REQUIRE_FALSE(bad);
        CHECK(bad.error().field == "quiet_hours.start");
        CHECK_THAT(bad.error().message, Catch::Contains("HH:MM"));
    }
    SECTION("a bad reason id") {
        auto bad = collector::siteContentFromToml("reasons = [\"Work Load\"]\n", "x.toml");
        REQUIRE_FALSE(bad);
        CHECK_THAT(bad.error().field, Catch::StartsWith("reasons"));
    }
}

TEST_CASE("the site config is fetched with ETag caching: unchanged configs cost a 304") {
    Fixture f;
    const auto config = f.enrolKiosk();
    CHECK(config.siteConfigVersion == 0);
    auto none = upload::fetchSiteConfig(*f.http, targetOf(config), 0);
    REQUIRE(none);
    CHECK_FALSE(none.value());  // no site config yet: "v0" matches
    f.setSiteConfig("you_said_we_did = \"New plants on floor 3.\"\n");
    auto fetched = upload::fetchSiteConfig(*f.http, targetOf(config), 0);
    REQUIRE(fetched);
    REQUIRE(fetched.value());
    CHECK(fetched.value()->version == 1);
    CHECK_THAT(fetched.value()->contentJson, Catch::Contains("New plants"));
    auto again = upload::fetchSiteConfig(*f.http, targetOf(config), 1);
    REQUIRE(again);
    CHECK_FALSE(again.value());
    // The raw answer really is a 304 with the ETag.
    upload::HttpRequest conditional;
    conditional.url = f.collector.url() + "/v1/config";
    conditional.bearerToken = config.deviceToken;
    conditional.ifNoneMatch = upload::siteConfigEtag(1);
    auto raw = f.http->send(conditional);
    REQUIRE(raw);
    CHECK(raw->status == 304);
    CHECK(raw->headers["etag"] == "\"v1\"");
    CHECK(f.get("/v1/config", "not-a-token").status == 401);
}

TEST_CASE("a kiosk applies a fetched site config between check-ins and reports one it refuses") {
    Fixture f;
    const auto config = f.enrolKiosk();
    core::SystemClock clock;
    testing::SeededRandom random;
    {
        auto app = startKiosk(config, f.dir / "kiosk.json", random, clock);
        f.setSiteConfig("you_said_we_did = \"New plants on floor 3.\"\nreasons = [\"team\"]\n");
        // Someone is mid check-in: the new config waits for them to finish.
        REQUIRE(kiosk::tapOn(*app, ui::Screen::Welcome, "welcome.start", kiosk::PointerKind::Touch,
                             steady_clock::now() + seconds(10)));
        REQUIRE(kiosk::waitForScreen(*app, ui::Screen::Pulse, steady_clock::now() + seconds(10)));
        uploadAndWait(*app);
        CHECK(app->uploadStatus().fetchedConfigVersion == 1);
        CHECK(app->siteConfigVersion() == 0);
        CHECK(app->screen() == ui::Screen::Pulse);
        REQUIRE(kiosk::tapOn(*app, ui::Screen::Pulse, "pulse.back", kiosk::PointerKind::Touch,
                             steady_clock::now() + seconds(10)));
        REQUIRE(kiosk::pumpUntil(
            *app, [&] { return app->siteConfigVersion() == 1; },
            steady_clock::now() + seconds(10)));
        // The new question set is what the next person gets.
        REQUIRE(kiosk::driveCheckIn(*app, 4, kiosk::PointerKind::Touch, {"team"}));

        // A config this kiosk cannot show (a reason with no text) is refused:
        // the kiosk keeps running v1 and says why in its next heartbeat.
        f.setSiteConfig("reasons = [\"parking\"]\n");
        uploadAndWait(*app);
        REQUIRE(kiosk::pumpUntil(
            *app, [&] { return app->uploadStatus().fetchedConfigVersion == 2; },
            steady_clock::now() + seconds(10)));
        kiosk::pumpUntil(
            *app, [] { return false; }, steady_clock::now() + milliseconds(200));
        CHECK(app->siteConfigVersion() == 1);
        uploadAndWait(*app);
        auto rows = f.collector.store().fleetRows();
        REQUIRE(rows);
        REQUIRE(rows->size() == 1);
        REQUIRE(rows->front().heartbeat);
        CHECK(rows->front().heartbeat->configVersion == 1);
        CHECK_THAT(rows->front().heartbeat->configError,
                   Catch::Contains("v2") && Catch::Contains("reason.parking"));
        const auto flags =
            collector::assessFleet(rows.value(), system_clock::now(), {}).front().flags;
        CHECK(std::find(flags.begin(), flags.end(), "config rejected") != flags.end());
    }
    // After a restart the kiosk runs the fetched v1 at once, before any upload.
    auto restarted = startKiosk(config, f.dir / "kiosk.json", random, clock, false);
    CHECK(restarted->siteConfigVersion() == 1);
    auto stored =
        testing::queryStrings(config.databasePath,
                              "SELECT reasons FROM checkins UNION ALL SELECT 'acknowledged' "
                              "WHERE NOT EXISTS (SELECT 1 FROM checkins)");
    CHECK(stored == std::vector<std::string>{"acknowledged"});
}

TEST_CASE("unenroll uploads what is pending first, then the collector revokes the kiosk") {
    Fixture f;
    const auto config = f.enrolKiosk();
    testing::SeededRandom random;
    core::SystemClock clock;
    {
        auto outbox = storage::Outbox::open(config.databasePath, random);
        REQUIRE(outbox);
        for (int score : {1, 3, 5}) {
            REQUIRE(
                outbox->add(core::CheckIn{score, "leeds", 1, core::hourBucketOf(clock.now()), {}}));
        }
    }
    SECTION("collector reachable") {
        auto outcome = provisioning::unenroll(f.dir / "kiosk.json", *f.http, random, clock);
        REQUIRE(outcome);
        CHECK(outcome->uploaded == 3);
        CHECK(f.db.query("SELECT count(*) FROM checkins") == std::vector<std::string>{"3"});
        // The token no longer works and is gone from the file.
        CHECK_FALSE(f.collector.store().authenticateDevice(config.deviceToken).value());
        const std::string text = readFile(f.dir / "kiosk.json");
        CHECK(text.find(config.deviceToken) == std::string::npos);
        auto reload = core::loadKioskConfigFile(f.dir / "kiosk.json");
        REQUIRE_FALSE(reload);
        CHECK(reload.error().field == "device_token");
        CHECK_THAT(reload.error().message, Catch::Contains("enroll"));
        auto rows = f.collector.store().fleetRows();
        REQUIRE(rows);
        CHECK(rows->front().unenrolled);
    }
    SECTION("collector unreachable: refused with the count, nothing changed") {
        auto before = readFile(f.dir / "kiosk.json");
        auto edited = config;
        edited.serverUrl = "https://127.0.0.1:9";
        REQUIRE(provisioning::writeFileAtomically(
            f.dir / "kiosk.json", core::serializeKioskConfig(edited),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
        auto refused = provisioning::unenroll(f.dir / "kiosk.json", *f.http, random, clock);
        REQUIRE_FALSE(refused);
        CHECK_THAT(refused.error().message, Catch::StartsWith("3 check-ins are still waiting") &&
                                                Catch::Contains("Nothing was changed"));
        CHECK(readFile(f.dir / "kiosk.json").find(config.deviceToken) != std::string::npos);
        CHECK(f.collector.store().authenticateDevice(config.deviceToken).value());
    }
}

TEST_CASE("install --root writes a unit that systemd-analyze verify accepts") {
    testing::TempDir root;
    provisioning::InstallOptions options;
    options.root = root.path();
    auto written = provisioning::install(options);
    REQUIRE(written);
    const auto unit = root / provisioning::kUnitPath;
    const std::string text = readFile(unit);
    CHECK_THAT(text, Catch::Contains("Restart=always") && Catch::Contains("WatchdogSec=30") &&
                         Catch::Contains("Type=notify") && Catch::Contains("User=carekiosk") &&
                         Catch::Contains("ExecStart=/usr/bin/cage -- /usr/bin/carekiosk") &&
                         Catch::Contains("LoadCredential=kiosk.json:/etc/carekiosk/kiosk.json"));
    CHECK_THAT(readFile(root / provisioning::kSysusersPath),
               Catch::Contains("u carekiosk") && Catch::Contains("m carekiosk input"));
    CHECK_THAT(readFile(root / provisioning::kPamPath), Catch::Contains("pam_systemd.so"));
    struct stat info {};
    REQUIRE(stat((root / provisioning::kStateDir).c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0700);
    REQUIRE(stat((root / provisioning::kConfigDir).c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0755);

    // systemd itself checks the unit (it needs cage at /usr/bin/cage: scripts/setup installs it).
    const auto verify = testing::runCommand({"/usr/bin/systemd-analyze", "verify", unit.string()});
    INFO(verify.out << verify.err);
    CHECK(verify.exitCode == 0);
    // Nothing in the output but what systemd says about units it cannot see here.
    CHECK(verify.err.find("carekiosk.service:") == std::string::npos);

    // A second run updates the unit and leaves config and data alone.
    std::ofstream(root / provisioning::kConfigPath) << "{}";
    options.watchdogSeconds = 60;
    REQUIRE(provisioning::install(options));
    CHECK_THAT(readFile(unit), Catch::Contains("WatchdogSec=60"));
    CHECK(readFile(root / provisioning::kConfigPath) == "{}");

    options.user = "Kiosk User";
    auto refused = provisioning::install(options);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().field == "--user");
}

TEST_CASE("the kiosk tells systemd it is ready and pings the watchdog from its main loop") {
    testing::TempDir dir;
    // In /tmp, not under the scratch directory: sun_path holds 108 bytes, and the
    // build tree's path is as long as wherever the checkout lives.
    testing::NotifySocket notify;
    ::setenv("NOTIFY_SOCKET", notify.path().c_str(), 1);
    ::setenv("WATCHDOG_USEC", "400000", 1);  // ping at least every 0.2 s
    core::SystemClock clock;
    testing::SeededRandom random;
    kiosk::KioskOptions options;
    options.config = testing::offlineKioskConfig(dir);
    options.forceWindowed = true;
    options.width = 800;
    options.height = 480;
    options.startUploader = false;
    // sd_notify reads NOTIFY_SOCKET on every call, as under systemd; the
    // variables are removed again when this test ends.
    struct EnvironmentGuard {
        ~EnvironmentGuard() {
            ::unsetenv("NOTIFY_SOCKET");
            ::unsetenv("WATCHDOG_USEC");
        }
    } guard;
    auto app = kiosk::KioskApp::create(options, clock, random);
    REQUIRE(app);

    std::vector<std::string> messages;
    int watchdogPings = 0;
    const auto deadline = steady_clock::now() + seconds(20);
    while (watchdogPings < 3 && steady_clock::now() < deadline) {
        // The loop is idle (no input): only the watchdog makes it wake up.
        app.value()->pump(milliseconds(50));
        while (auto message = notify.receive(milliseconds(0))) {
            messages.push_back(*message);
            watchdogPings += messages.back() == "WATCHDOG=1" ? 1 : 0;
        }
    }
    REQUIRE_FALSE(messages.empty());
    CHECK_THAT(messages.front(), Catch::StartsWith("READY=1"));
    CHECK(watchdogPings >= 3);
}

TEST_CASE("a Unix socket path that does not fit in sun_path is refused, not truncated") {
    const std::string longPath = "/tmp/" + std::string(120, 'x') + "/notify.sock";
    CHECK_THROWS_WITH(testing::unixAddress(longPath), Catch::Contains("must be under 108"));
    const auto fits = testing::unixAddress("/tmp/carekiosk-notify-abcdef/notify.sock");
    CHECK(std::string(fits.sun_path) == "/tmp/carekiosk-notify-abcdef/notify.sock");
}

TEST_CASE("a manager's \"you said, we did\" message reaches the kiosks' welcome screen") {
    Fixture f;
    const auto config = f.enrolKiosk();
    const auto manager = f.collector.store().createManagerToken("Manager").value();
    const auto today = floor<days>(system_clock::now()).time_since_epoch().count();
    const std::string text = "You said the kitchen was cramped: a second one opens on floor 2.";

    // Refusals name the field; only a manager may post.
    const auto url = f.collector.url() + "/v1/messages";
    auto backwards = testing::sendOk(*f.http, "POST", url, manager,
                                     core::encodePostedMessage({"leeds", text, today + 3, today}));
    CHECK(backwards.status == 400);
    CHECK_THAT(backwards.body, Catch::Contains("\"field\":\"to\""));
    auto empty = testing::sendOk(*f.http, "POST", url, manager,
                                 core::encodePostedMessage({"leeds", "  ", today, today}));
    CHECK(empty.status == 400);
    CHECK_THAT(empty.body, Catch::Contains("\"field\":\"text\""));
    CHECK(testing::sendOk(*f.http, "POST", url, config.deviceToken,
                          core::encodePostedMessage({"leeds", text, today, today}))
              .status == 403);
    CHECK(testing::sendOk(*f.http, "POST", url, manager,
                          core::encodePostedMessage({"york", text, today, today}))
              .status == 404);

    // Posted with the report CLI, as a manager would.
    const auto posted = testing::runOk(
        {CAREKIOSK_REPORT_BIN, "message", "--server", f.collector.url(), "--token", manager,
         "--site", "leeds", "--text", text, "--from", core::formatDate(today - 1), "--to",
         core::formatDate(today + 7), "--ca", testing::TestCa::caFile()});
    CHECK_THAT(posted, Catch::Contains("posted to leeds"));

    // The kiosk's next config fetch brings it (the version moved), and its
    // welcome screen shows it instead of the standing message.
    auto fetched = upload::fetchSiteConfig(*f.http, targetOf(config), config.siteConfigVersion);
    REQUIRE(fetched);
    REQUIRE(fetched.value());
    auto running =
        kiosk::withSiteConfig(config, fetched.value()->version, fetched.value()->contentJson);
    REQUIRE(running);
    REQUIRE(running->config.messages.size() == 1);
    testing::SeededRandom random;
    core::SystemClock clock;
    auto outbox = storage::Outbox::open(config.databasePath, random).value();
    kiosk::AppController controller(running->config, running->translations, outbox, clock);
    CHECK(controller.viewModel(steady_clock::now()).youSaidWeDid == text);

    // A kiosk enrolled now receives it at enrolment.
    const auto second = f.enrolKiosk();
    CHECK(second.messages == running->config.messages);
}

namespace {

// An HTTPS server with one certificate that answers GET /v1/ping, on a free
// loopback port, served from a thread until destroyed.
struct PingServer {
    httplib::SSLServer server;
    std::thread thread;
    int port = 0;
    PingServer(const std::string& cert, const std::string& key)
        : server(cert.c_str(), key.c_str()) {
        REQUIRE(server.is_valid());
        server.Get("/v1/ping", [](const httplib::Request&, httplib::Response& res) {
            res.set_content("{}", "application/json");
        });
        port = server.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] { server.listen_after_bind(); });
    }
    ~PingServer() {
        server.stop();
        thread.join();
    }
    std::string url() const { return "https://127.0.0.1:" + std::to_string(port) + "/v1/ping"; }
};

core::Result<upload::HttpResponse> ping(const std::string& url, const std::string& caFile,
                                        const std::string& pin = {}) {
    upload::TlsOptions tls;
    tls.caFile = caFile;
    tls.pinnedPublicKey = pin;
    tls.requestTimeout = std::chrono::seconds(10);
    auto sender = upload::makeCurlSender(tls);
    upload::HttpRequest request;
    request.url = url;
    return sender->send(request);
}

// A self-signed certificate for 127.0.0.1 whose validity starts a year from
// now, as a kiosk whose clock reads a year ago would see a good one.
void writeFutureCertificate(const std::string& certFile, const std::string& keyFile) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    REQUIRE(key);
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 7);
    X509_gmtime_adj(X509_getm_notBefore(cert), 365L * 24 * 3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 2 * 365L * 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    for (const auto& [nid, value] : std::vector<std::pair<int, const char*>>{
             {NID_subject_alt_name, "IP:127.0.0.1"}, {NID_basic_constraints, "critical,CA:TRUE"}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        REQUIRE(ext);
        X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
    }
    REQUIRE(X509_sign(cert, key, EVP_sha256()) > 0);
    FILE* out = std::fopen(certFile.c_str(), "w");
    PEM_write_X509(out, cert);
    std::fclose(out);
    out = std::fopen(keyFile.c_str(), "w");
    PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(out);
    X509_free(cert);
    EVP_PKEY_free(key);
}

}  // namespace

TEST_CASE(
    "TLS failures are explained by their real cause, and certificates rotate without stranding a "
    "kiosk") {
    testing::TempDir dir;
    const std::string oldCa = testing::TestCa::caFile();

    // A reset during the handshake (a proxy or firewall cutting it) is a
    // network failure to retry, never a certificate problem.
    {
        const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(listener, 4) == 0);
        socklen_t length = sizeof address;
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
        std::thread resetter([listener] {
            const int client = ::accept(listener, nullptr, nullptr);
            char hello[64];
            (void)::recv(client, hello, sizeof hello, 0);  // the ClientHello has begun
            const linger abort{1, 0};                      // then close with RST
            ::setsockopt(client, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
            ::close(client);
        });
        auto answer = ping(
            "https://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/v1/ping", oldCa);
        resetter.join();
        ::close(listener);
        REQUIRE_FALSE(answer);
        INFO(answer.error().message);
        CHECK(answer.error().code == core::ErrorCode::Network);
        CHECK_THAT(answer.error().message, Catch::Contains("not a certificate problem"));
        CHECK(answer.error().message.find("must be signed") == std::string::npos);
    }

    // A certificate not valid yet by the kiosk's clock: the clock is named.
    {
        const std::string cert = (dir / "future.pem").string();
        const std::string key = (dir / "future.key").string();
        writeFutureCertificate(cert, key);
        PingServer future(cert, key);
        auto answer = ping(future.url(), cert);
        REQUIRE_FALSE(answer);
        INFO(answer.error().message);
        CHECK(answer.error().code == core::ErrorCode::Tls);
        CHECK_THAT(answer.error().message,
                   Catch::Contains("is not valid yet by this kiosk's clock, which reads") &&
                       Catch::Contains("timedatectl"));
    }

    // A new CA, step by step (docs/reliability.md, "Certificate rotation").
    const std::string newCa = (dir / "new-ca.pem").string();
    const std::string newCert = (dir / "new-server.pem").string();
    const std::string newKey = (dir / "new-server.key").string();
    const std::string d = dir.path().string();
    testing::runOk(
        {"/bin/bash", "-c",
         "set -e; cd '" + d +
             "'; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
             "-keyout new-ca.key -out new-ca.pem -days 30 -subj '/CN=carekiosk new CA' "
             "2>/dev/null; openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
             "-keyout new-server.key -out new-server.csr -subj /CN=127.0.0.1 2>/dev/null; "
             "printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext; openssl x509 -req -in "
             "new-server.csr -CA new-ca.pem -CAkey new-ca.key -CAcreateserial -days 30 "
             "-extfile san.ext -out new-server.pem 2>/dev/null"});
    PingServer before(testing::TestCa::serverCert(), testing::TestCa::serverKey());
    PingServer after(newCert, newKey);
    // A kiosk that trusts only the old CA is told why the new one fails.
    auto untrusted = ping(after.url(), oldCa);
    REQUIRE_FALSE(untrusted);
    CHECK_THAT(untrusted.error().message, Catch::Contains("not signed by a CA this kiosk trusts") &&
                                              Catch::Contains("bundle of the old and the new CA"));
    // Step 1: kiosks get a bundle of both CAs; they reach the collector
    // before the switch and after it.
    const std::string bundle = (dir / "bundle.pem").string();
    std::ofstream(bundle) << readFile(oldCa) << readFile(newCa);
    CHECK(ping(before.url(), bundle).value().status == 200);
    CHECK(ping(after.url(), bundle).value().status == 200);

    // A pinned kiosk: the new key is refused with what to do...
    const std::string oldPin = pinOf(testing::TestCa::serverCert());
    const std::string newPin = pinOf(newCert);
    auto pinned = ping(after.url(), bundle, oldPin);
    REQUIRE_FALSE(pinned);
    CHECK_THAT(pinned.error().message,
               Catch::Contains("does not pin") && Catch::Contains("sha256//OLD;sha256//NEW"));
    // ...and with both pins during the key change, either key is accepted.
    CHECK(ping(before.url(), bundle, oldPin + ";" + newPin).value().status == 200);
    CHECK(ping(after.url(), bundle, oldPin + ";" + newPin).value().status == 200);
    // Step 3: the old CA and pin are dropped; the new pair alone works.
    CHECK(ping(after.url(), newCa, newPin).value().status == 200);
    CHECK_FALSE(ping(before.url(), newCa, newPin));
    // Both pins are a valid config (enrolment and check accept them).
    std::string configJson = R"({"server_url": "https://127.0.0.1:1", "ca_file": ")" + bundle +
                             R"(", "device_id": "k", "device_token": "t", "site_id": "leeds",
                             "database": "k.db", "pinned_public_key": ")" +
                             oldPin + ";" + newPin + R"("})";
    CHECK(core::parseKioskConfig(configJson));
}
