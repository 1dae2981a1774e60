#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <set>

#include "carekiosk/core/config.hpp"
#include "carekiosk/provisioning/check.hpp"
#include "carekiosk/provisioning/enroll.hpp"
#include "support/test_support.hpp"

using namespace carekiosk;

namespace {

struct Fixture {
    testing::TempDir dir;
    testing::TestCollector collector{dir / "collector.db"};
    std::unique_ptr<upload::HttpSender> sender = testing::makeTestSender();

    Fixture() { REQUIRE(collector.store().createSite("leeds", "Leeds office")); }

    provisioning::EnrollOptions options(const std::string& code) {
        provisioning::EnrollOptions o;
        o.serverUrl = collector.url();
        o.code = code;
        o.caFile = testing::TestCa::caFile();
        o.configPath = dir / "kiosk.json";
        return o;
    }
};

}  // namespace

TEST_CASE("enrolment writes a 0600 config the kiosk can load") {
    Fixture f;
    const auto code = f.collector.store().createEnrollCode("leeds").value();
    auto config = provisioning::enroll(f.options(code), *f.sender);
    REQUIRE(config);
    struct stat info {};
    REQUIRE(stat((f.dir / "kiosk.json").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    auto loaded = core::loadKioskConfigFile(f.dir / "kiosk.json");
    REQUIRE(loaded);
    CHECK(loaded->siteId == "leeds");
    CHECK(loaded->siteName == "Leeds office");
    CHECK(loaded->serverUrl == f.collector.url());
    CHECK(loaded->databasePath == (f.dir / "carekiosk.db").string());
    CHECK(loaded->deviceToken == config->deviceToken);
    // The device token works for uploads.
    auto device = f.collector.store().authenticateDevice(loaded->deviceToken);
    REQUIRE(device);
    CHECK(device.value().has_value());
}

TEST_CASE("a used or unknown code is refused clearly and nothing is written") {
    Fixture f;
    const auto code = f.collector.store().createEnrollCode("leeds").value();
    REQUIRE(provisioning::enroll(f.options(code), *f.sender));
    std::filesystem::remove(f.dir / "kiosk.json");

    auto used = provisioning::enroll(f.options(code), *f.sender);
    REQUIRE_FALSE(used);
    CHECK(used.error().code == core::ErrorCode::Unauthorized);
    CHECK_THAT(used.error().message, Catch::Contains("already used"));

    auto unknown = provisioning::enroll(f.options("ZZZZ-ZZZZ-ZZZZ"), *f.sender);
    REQUIRE_FALSE(unknown);
    CHECK_THAT(unknown.error().message, Catch::Contains("not known"));
    CHECK_FALSE(std::filesystem::exists(f.dir / "kiosk.json"));
}

TEST_CASE("enrolment refuses plain http, a missing CA file and a missing directory") {
    Fixture f;
    auto options = f.options("ABCD-EFGH-JKMN");
    options.serverUrl = "http://127.0.0.1:8080";
    auto http = provisioning::enroll(options, *f.sender);
    REQUIRE_FALSE(http);
    CHECK(http.error().field == "--server");

    options = f.options("ABCD-EFGH-JKMN");
    options.caFile = f.dir / "missing-ca.pem";
    auto ca = provisioning::enroll(options, *f.sender);
    REQUIRE_FALSE(ca);
    CHECK(ca.error().field == "--ca");

    options = f.options("ABCD-EFGH-JKMN");
    options.configPath = f.dir / "no" / "such" / "kiosk.json";
    auto out = provisioning::enroll(options, *f.sender);
    REQUIRE_FALSE(out);
    CHECK(out.error().field == "--out");
    CHECK_THAT(out.error().message, Catch::Contains("create it first"));
}

TEST_CASE("an existing config is replaced whole, never half-written") {
    testing::TempDir dir;
    const auto path = dir / "kiosk.json";
    {
        std::ofstream old(path);
        old << "old contents";
    }
    REQUIRE(provisioning::writeFileAtomically(
        path, "new contents\n",
        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text == "new contents\n");
    // No temporary file is left behind.
    int files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) {
        ++files;
    }
    CHECK(files == 1);
}

TEST_CASE("set-pin stores only a hash of the PIN and keeps the config private") {
    Fixture f;
    const auto code = f.collector.store().createEnrollCode("leeds").value();
    REQUIRE(provisioning::enroll(f.options(code), *f.sender));
    const auto path = f.dir / "kiosk.json";

    auto letters = provisioning::setAdminPin(path, "12ab");
    REQUIRE_FALSE(letters);
    CHECK(letters.error().field == "pin");
    CHECK_FALSE(provisioning::setAdminPin(path, "123"));  // too short

    REQUIRE(provisioning::setAdminPin(path, "482916"));
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text.find("482916") == std::string::npos);
    CHECK_THAT(text, Catch::Contains("$argon2id$"));
    struct stat info {};
    REQUIRE(stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    auto loaded = core::loadKioskConfigFile(path);
    REQUIRE(loaded);
    CHECK(loaded->adminPinHash.rfind("$argon2id$", 0) == 0);
    CHECK(loaded->deviceToken.size() == 64);  // everything else kept
}

TEST_CASE("set-content applies a site's question set and copy, and refuses what is not content") {
    Fixture f;
    const auto code = f.collector.store().createEnrollCode("leeds").value();
    REQUIRE(provisioning::enroll(f.options(code), *f.sender));
    const auto path = f.dir / "kiosk.json";
    const auto before = core::loadKioskConfigFile(path).value();

    REQUIRE(provisioning::setSiteContent(
        path, CAREKIOSK_SOURCE_DIR "/provisioning/site-content.example.json"));
    auto loaded = core::loadKioskConfigFile(path);
    REQUIRE(loaded);
    CHECK(loaded->supportResources.size() == 3);
    CHECK(loaded->youSaidWeDid.find("kitchen") != std::string::npos);
    CHECK(loaded->deviceToken == before.deviceToken);  // enrolment kept
    struct stat info {};
    REQUIRE(stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);

    const auto content = f.dir / "content.json";
    std::ofstream(content) << R"({"reasons": ["Work Load"]})";
    auto bad = provisioning::setSiteContent(path, content);
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error().message,
               Catch::Contains("content.json: reasons[0] must be an option id"));
    std::ofstream(content) << R"({"server_url": "https://elsewhere:443"})";
    bad = provisioning::setSiteContent(path, content);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().field == "server_url");
    CHECK_THAT(bad.error().message, Catch::Contains("cannot be set in site content"));
    // Nothing was written by the refused files.
    CHECK(core::loadKioskConfigFile(path)->supportResources.size() == 3);
    CHECK(core::loadKioskConfigFile(path)->serverUrl == before.serverUrl);
}

namespace {

const provisioning::CheckLine& lineNamed(const std::vector<provisioning::CheckLine>& lines,
                                         const std::string& name) {
    for (const auto& line : lines) {
        if (line.name == name) {
            return line;
        }
    }
    FAIL("no check line named " << name);
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("check reads as a checklist and says what to do about each failure") {
    Fixture f;
    const auto code = f.collector.store().createEnrollCode("leeds").value();
    auto config = provisioning::enroll(f.options(code), *f.sender);
    REQUIRE(config);
    {
        std::ofstream devices(f.dir / "input-devices");
        devices << "I: Bus=0003 Vendor=222a Product=0001\nN: Name=\"ILITEK Multi-Touch\"\n";
    }
    provisioning::CheckOptions options{f.dir / "kiosk.json", 1, f.dir / "input-devices", {}};
    core::SystemClock clock;
    auto lines = provisioning::runChecks(options, clock, upload::makeCurlSender);
    CHECK(lineNamed(lines, "config file").ok);
    CHECK(lineNamed(lines, "config permissions").ok);
    CHECK(lineNamed(lines, "clock").ok);
    CHECK(lineNamed(lines, "collector and TLS").ok);
    CHECK_THAT(lineNamed(lines, "collector and TLS").detail, Catch::Contains("token accepted"));
    CHECK(lineNamed(lines, "touchscreen").ok);
    CHECK(lineNamed(lines, "disk space").ok);
    CHECK(lines.size() == 7);  // display too, whatever this machine has

    // Now break things, as happens in the field.
    std::filesystem::permissions(f.dir / "kiosk.json", std::filesystem::perms::others_read,
                                 std::filesystem::perm_options::add);
    REQUIRE(f.collector.store().revokeDevice(config->deviceId));
    testing::ManualClock stopped(std::chrono::system_clock::time_point{});  // 1970
    std::filesystem::remove(f.dir / "input-devices");
    lines = provisioning::runChecks(options, stopped, upload::makeCurlSender);
    CHECK_THAT(lineNamed(lines, "config permissions").detail, Catch::Contains("chmod 600"));
    CHECK_FALSE(lineNamed(lines, "config permissions").ok);
    CHECK_THAT(lineNamed(lines, "clock").detail, Catch::Contains("timedatectl set-ntp true"));
    CHECK_FALSE(lineNamed(lines, "collector and TLS").ok);
    CHECK_THAT(lineNamed(lines, "collector and TLS").detail, Catch::Contains("re-enrol"));
    CHECK_FALSE(lineNamed(lines, "touchscreen").ok);
}

TEST_CASE("check with a broken config names the field and skips what depends on it") {
    testing::TempDir dir;
    {
        std::ofstream out(dir / "kiosk.json");
        out << R"({"server_url": "http://collector:80"})";
    }
    core::SystemClock clock;
    const auto lines = provisioning::runChecks(
        {dir / "kiosk.json", 500ull * 1024 * 1024, "/proc/bus/input/devices", {}}, clock,
        upload::makeCurlSender);
    CHECK_FALSE(lineNamed(lines, "config file").ok);
    CHECK_THAT(lineNamed(lines, "config file").detail, Catch::Contains("ca_file"));
    CHECK_THAT(lineNamed(lines, "collector and TLS").detail, Catch::Contains("skipped"));
}

TEST_CASE("check gives each broken config field its own message with the fix") {
    testing::TempDir dir;
    const std::string good = R"("ca_file": "ca.pem", "device_id": "kiosk-1", "device_token": "t",
        "site_id": "leeds", "database": "kiosk.db")";
    struct Broken {
        std::string json;
        std::string field;  // the message must name it
        std::string fix;    // and say what to do
    };
    const Broken cases[] = {
        {R"({"server_url": "http://c:80", )" + good + "}", "server_url", "https://"},
        {R"({"server_url": "https://c", "device_id": "k", "device_token": "t", "site_id": "leeds",
            "database": "k.db"})",
         "ca_file", "missing"},
        {R"({"server_url": "https://c", )" + good + R"(, "colour": "red"})", "colour", "remove"},
        {R"({"server_url": "https://c", )" + good + R"(, "idle_reset_seconds": 5})",
         "idle_reset_seconds", "10"},
        {R"({"server_url": "https://c", )" + good + R"(, "reasons": ["Work Load"]})", "reasons",
         ""},
        {R"({"server_url": "https://c", )" + good +
             R"(, "quiet_hours": {"start": "7pm", "end": "07:00"}})",
         "quiet_hours.start", "HH:MM"},
        {R"({"server_url": "https://c", )" + good + R"(, "pinned_public_key": "md5//x"})",
         "pinned_public_key", "sha256//"},
        {R"({"server_url": "https://c", "ca_file": "ca.pem", "device_id": "kiosk-1",
            "device_token": "", "site_id": "leeds", "database": "kiosk.db"})",
         "device_token", "enroll"},
        {R"({"server_url": "https://c", )" + good + R"(, "site_id": "york"})", "site_id", "twice"},
        {R"({"server_url": "https://c", )" + good + "", "", "JSON"},
    };
    core::SystemClock clock;
    std::set<std::string> messages;
    for (const auto& broken : cases) {
        std::ofstream(dir / "kiosk.json") << broken.json;
        const auto lines = provisioning::runChecks(
            {dir / "kiosk.json", 500ull * 1024 * 1024, "/proc/bus/input/devices", {}}, clock,
            upload::makeCurlSender);
        const auto& line = lineNamed(lines, "config file");
        INFO(broken.json << "\n-> " << line.detail);
        CHECK_FALSE(line.ok);
        CHECK_THAT(line.detail, Catch::Contains(broken.field) && Catch::Contains(broken.fix));
        messages.insert(line.detail);
    }
    CHECK(messages.size() == std::size(cases));  // no two problems read the same
}
