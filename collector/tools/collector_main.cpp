// carekiosk-collector: the HTTPS collector and its admin commands.
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "carekiosk/collector/fast_random.hpp"
#include "carekiosk/collector/fleet.hpp"
#include "carekiosk/collector/release.hpp"
#include "carekiosk/collector/server.hpp"
#include "carekiosk/collector/site_config.hpp"
#include "carekiosk/collector/store.hpp"

using namespace carekiosk;

namespace {

int fail(const core::Error& error) {
    std::fprintf(stderr, "carekiosk-collector: %s\n", error.message.c_str());
    return error.code == core::ErrorCode::InvalidInput ? 2 : 1;
}

bool splitListen(const std::string& listen, std::string& host, int& port) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        return false;
    }
    host = listen.substr(0, colon);
    try {
        port = std::stoi(listen.substr(colon + 1));
    } catch (const std::exception&) {
        return false;
    }
    return port >= 0 && port <= 65535;
}

int serve(const std::string& dbPath, const std::string& listen, const std::string& cert,
          const std::string& key, int minGroup, int silentAfterMinutes,
          const std::vector<std::string>& trustedProxies) {
    collector::ServerOptions options;
    options.certFile = cert;
    options.keyFile = key;
    options.minGroup = minGroup;
    options.trustedProxies = trustedProxies;
    options.fleetRules.silentAfter = std::chrono::minutes(silentAfterMinutes);
    if (!splitListen(listen, options.host, options.port)) {
        std::fprintf(stderr,
                     "carekiosk-collector: --listen must be HOST:PORT such as 127.0.0.1:8443 "
                     "(got \"%s\")\n",
                     listen.c_str());
        return 2;
    }
    // Stop cleanly on SIGINT/SIGTERM: block them before any thread starts (the
    // store starts one), so that every thread inherits the mask and only the
    // waiter below receives them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    core::SystemClock clock;
    collector::SodiumRandom random;
    auto store = collector::Store::connect(dbPath, clock, random);
    if (!store) {
        return fail(store.error());
    }
    auto server = collector::Server::create(*store.value(), options);
    if (!server) {
        return fail(server.error());
    }
    auto port = server.value()->bind();
    if (!port) {
        return fail(port.error());
    }
    std::atomic<bool> finished{false};
    std::thread waiter([&] {
        int signal = 0;
        sigwait(&signals, &signal);
        // stop() only takes effect once the accept loop runs; a signal that
        // arrives during start-up waits for it.
        while (!server.value()->running() && !finished) {
            std::this_thread::yield();
        }
        server.value()->stop();
    });
    std::printf("carekiosk-collector: listening on https://%s:%d\n", options.host.c_str(),
                port.value());
    std::fflush(stdout);
    auto status = server.value()->run();
    finished = true;
    if (waiter.joinable()) {
        pthread_kill(waiter.native_handle(), SIGTERM);
        waiter.join();
    }
    return status ? 0 : fail(status.error());
}

}  // namespace

constexpr const char* kDbHelp =
    "where the data lives: a SQLite file (PATH or sqlite:PATH) or a PostgreSQL database "
    "(postgresql://USER@HOST:PORT/DATABASE, shared by several collectors)";

int main(int argc, char** argv) {
    CLI::App app{"carekiosk collector: receives kiosk batches and serves managers' summaries"};
    app.require_subcommand(1);
    std::string dbPath = "collector.db";

    auto* serveCmd = app.add_subcommand("serve", "Serve the HTTPS API");
    std::string listen = "127.0.0.1:8443";
    std::string cert;
    std::string key;
    serveCmd->add_option("--db", dbPath, kDbHelp)->required();
    serveCmd->add_option("--listen", listen, "HOST:PORT to listen on (port 0 picks a free one)");
    serveCmd->add_option("--cert", cert, "PEM certificate chain")->required();
    serveCmd->add_option("--key", key, "PEM private key")->required();
    int minGroup = 5;
    serveCmd->add_option("--min-group", minGroup,
                         "smallest group any summary shows (at least 3; default 5)");

    int silentAfterMinutes = 120;
    serveCmd
        ->add_option("--silent-after-minutes", silentAfterMinutes,
                     "the fleet view flags a kiosk silent after this long without a heartbeat")
        ->check(CLI::Range(5, 60 * 24 * 30));

    std::vector<std::string> trustedProxies;
    serveCmd->add_option("--trusted-proxy", trustedProxies,
                         "address of a TLS-terminating proxy in front (repeatable): from it, "
                         "the client's address is read from X-Forwarded-For");

    auto* admin = app.add_subcommand("admin", "Manage sites, enrolment codes and tokens");
    admin->require_subcommand(1);
    std::string site;
    std::string name;
    int hours = 24;
    auto* createSite = admin->add_subcommand("create-site", "Create a site");
    createSite->add_option("--db", dbPath, kDbHelp)->required();
    createSite->add_option("--site", site, "site id: lowercase letters, digits, - and _")
        ->required();
    createSite->add_option("--name", name, "name people see, e.g. \"Leeds office\"")->required();
    std::string timeZone = core::kDefaultTimeZone;
    createSite->add_option("--time-zone", timeZone,
                           "the site's IANA time zone, e.g. Europe/London (default UTC): its "
                           "days and the morning release of their figures are local");
    auto* enrollCode = admin->add_subcommand("enroll-code", "Issue a one-time enrolment code");
    enrollCode->add_option("--db", dbPath, kDbHelp)->required();
    enrollCode->add_option("--site", site, "site the kiosk will belong to")->required();
    enrollCode->add_option("--hours", hours, "hours until the code expires")
        ->check(CLI::Range(1, 24 * 30));
    auto* managerToken = admin->add_subcommand("manager-token", "Create a manager API token");
    managerToken->add_option("--db", dbPath, kDbHelp)->required();
    managerToken->add_option("--name", name, "who the token is for")->required();

    std::string role;
    auto* tokenCmd =
        admin->add_subcommand("token",
                              "Create an API token: manager (summaries), facilities (fleet view), "
                              "coordinator (buddy inbox) or admin");
    tokenCmd->add_option("--db", dbPath, kDbHelp)->required();
    tokenCmd->add_option("--role", role, "manager, facilities, coordinator or admin")
        ->required()
        ->check(CLI::IsMember({"manager", "facilities", "coordinator", "admin"}));
    tokenCmd->add_option("--name", name, "who the token is for")->required();
    std::vector<std::string> tokenSites;
    tokenCmd
        ->add_option("--sites", tokenSites,
                     "manager tokens: only these sites, comma-separated (default: every site)")
        ->delimiter(',');
    std::string configFile;
    auto* siteConfig = admin->add_subcommand(
        "site-config",
        "Set a site's config (question set, reasons, resources, \"you said, we did\", "
        "languages, quiet hours, timings) from a TOML file; its kiosks fetch it on their next "
        "upload");
    siteConfig->add_option("--db", dbPath, kDbHelp)->required();
    siteConfig->add_option("site", site, "site id")->required();
    siteConfig
        ->add_option("--file", configFile, "TOML file (see provisioning/site-config.example.toml)")
        ->required();
    std::string buddyKey;
    auto* buddyKeyCmd = admin->add_subcommand(
        "set-buddy-key",
        "Set the organisation's public key for buddy requests (base64, from carekiosk-report "
        "keygen); kiosks receive it when they enrol");
    buddyKeyCmd->add_option("--db", dbPath, kDbHelp)->required();
    buddyKeyCmd->add_option("--public-key", buddyKey, "base64 crypto_box public key")->required();

    auto* listDevices = admin->add_subcommand("list-devices", "List enrolled kiosks");
    listDevices->add_option("--db", dbPath, kDbHelp)->required();
    std::string device;
    std::string token;
    auto* revoke = admin->add_subcommand("revoke", "Revoke a kiosk or an API token");
    revoke->add_option("--db", dbPath, kDbHelp)->required();
    auto* deviceOption = revoke->add_option("--device", device, "kiosk device id to revoke");
    auto* tokenOption = revoke->add_option("--token", token, "API token to revoke");
    deviceOption->excludes(tokenOption);
    std::string backupFile;
    auto* backup = admin->add_subcommand(
        "backup", "Copy a SQLite store consistently while it serves (PostgreSQL: use pg_dump)");
    backup->add_option("--db", dbPath, kDbHelp)->required();
    backup->add_option("--to", backupFile, "the new file to write")->required();
    CLI11_PARSE(app, argc, argv);
    if (revoke->parsed() && device.empty() && token.empty()) {
        std::fprintf(stderr, "carekiosk-collector: revoke needs --device ID or --token TOKEN\n");
        return 2;
    }

    if (serveCmd->parsed()) {
        return serve(dbPath, listen, cert, key, minGroup, silentAfterMinutes, trustedProxies);
    }
    core::SystemClock clock;
    collector::SodiumRandom random;
    auto store = collector::Store::connect(dbPath, clock, random);
    if (!store) {
        return fail(store.error());
    }
    if (createSite->parsed()) {
        auto zone = core::TimeZone::named(timeZone, "--time-zone");
        if (!zone) {
            return fail(zone.error());
        }
        if (auto s = store.value()->createSite(site, name); !s) {
            return fail(s.error());
        }
        if (auto s = store.value()->setSiteCalendar(site, zone.value(),
                                                    collector::kDefaultReleaseMinute);
            !s) {
            return fail(s.error());
        }
        std::printf("created site %s (%s, %s)\n", site.c_str(), name.c_str(), zone->name().c_str());
    } else if (enrollCode->parsed()) {
        auto code = store.value()->createEnrollCode(site, std::chrono::hours(hours));
        if (!code) {
            return fail(code.error());
        }
        std::printf("%s\n", code.value().c_str());
    } else if (listDevices->parsed()) {
        auto rows = store.value()->fleetRows();
        if (!rows) {
            return fail(rows.error());
        }
        // The fleet view's rules, with the default silence limit.
        for (const auto& kiosk : collector::assessFleet(rows.value(), clock.now(), {})) {
            std::string flags;
            for (const auto& flag : kiosk.flags) {
                flags += (flags.empty() ? "  (" : ", ") + flag;
            }
            std::printf("%s  %s%s\n", kiosk.row.deviceId.c_str(), kiosk.row.siteId.c_str(),
                        flags.empty() ? "" : (flags + ")").c_str());
        }
    } else if (backup->parsed()) {
        if (auto s = store.value()->backupTo(backupFile); !s) {
            return fail(s.error());
        }
        std::printf("backed up %s to %s\n", dbPath.c_str(), backupFile.c_str());
    } else if (revoke->parsed()) {
        auto revoked = device.empty() ? store.value()->revokeApiToken(token)
                                      : store.value()->revokeDevice(device);
        if (!revoked) {
            return fail(revoked.error());
        }
        std::printf("revoked %s\n", device.empty() ? "the API token" : device.c_str());
    } else if (tokenCmd->parsed()) {
        const auto parsedRole = role == "facilities"    ? collector::ApiRole::Facilities
                                : role == "coordinator" ? collector::ApiRole::Coordinator
                                : role == "admin"       ? collector::ApiRole::Admin
                                                        : collector::ApiRole::Manager;
        auto created = store.value()->createApiToken(parsedRole, name, tokenSites);
        if (!created) {
            return fail(created.error());
        }
        std::printf("%s\n", created.value().c_str());
    } else if (siteConfig->parsed()) {
        std::ifstream in(configFile, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "carekiosk-collector: cannot read %s; check the path\n",
                         configFile.c_str());
            return 2;
        }
        std::ostringstream text;
        text << in.rdbuf();
        auto file = collector::parseSiteConfigToml(text.str(), configFile);
        if (!file) {
            return fail(file.error());
        }
        auto stored = store.value()->setSiteConfig(site, file->contentJson);
        if (!stored) {
            return fail(stored.error());
        }
        if (file->timeZone || file->releaseMinute) {
            auto current = store.value()->siteCalendar(site);
            if (!current) {
                return fail(current.error());
            }
            const auto zone = file->timeZone.value_or(current->zone);
            const int minute = file->releaseMinute.value_or(current->releaseMinute);
            if (auto s = store.value()->setSiteCalendar(site, zone, minute); !s) {
                return fail(s.error());
            }
            std::printf("site %s: days in %s, released the next morning at %s\n", site.c_str(),
                        zone.name().c_str(), core::formatMinuteOfDay(minute).c_str());
        }
        std::printf("site %s config is now version %d; kiosks fetch it on their next upload\n",
                    site.c_str(), stored->version);
    } else if (buddyKeyCmd->parsed()) {
        if (auto valid = collector::validateBuddyPublicKey(buddyKey); !valid) {
            return fail(valid.error());
        }
        if (auto s = store.value()->setSetting(collector::kBuddyPublicKeySetting, buddyKey); !s) {
            return fail(s.error());
        }
        std::printf("buddy public key set; kiosks enrolled from now on receive it\n");
    } else if (managerToken->parsed()) {
        auto created = store.value()->createManagerToken(name);
        if (!created) {
            return fail(created.error());
        }
        std::printf("%s\n", created.value().c_str());
    }
    return 0;
}
