// carekiosk-provision: enrol a kiosk with a collector.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "carekiosk/provisioning/check.hpp"
#include "carekiosk/provisioning/enroll.hpp"
#include "carekiosk/provisioning/install.hpp"
#include "carekiosk/provisioning/unenroll.hpp"

using namespace carekiosk;

namespace {

int fail(const core::Error& error) {
    std::fprintf(stderr, "carekiosk-provision: %s\n", error.message.c_str());
    return error.code == core::ErrorCode::InvalidInput ? 2 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"carekiosk provisioning: enrol a kiosk with its collector"};
    app.require_subcommand(1);
    provisioning::EnrollOptions options;
    std::string caFile;
    std::string outPath;
    std::string dbPath;
    auto* enrollCmd = app.add_subcommand("enroll",
                                         "Exchange a one-time code for this kiosk's "
                                         "identity and write its config file");
    enrollCmd->add_option("--server", options.serverUrl, "collector URL, https://host:port")
        ->required();
    enrollCmd->add_option("--code", options.code, "one-time enrolment code")->required();
    enrollCmd->add_option("--ca", caFile, "PEM CA that signs the collector's certificate")
        ->required();
    enrollCmd->add_option("--out", outPath, "config file to write (mode 0600)")->required();
    enrollCmd->add_option("--db", dbPath, "kiosk database (default: carekiosk.db beside --out)");
    enrollCmd->add_option("--team", options.team,
                          "optional team tag of the kiosk's place, e.g. finance (a-z, 0-9, _ -)");
    enrollCmd->add_option("--pin", options.pinnedPublicKey,
                          "optional pin of the collector's public key, sha256//<base64>; "
                          "connections to any other key are refused");
    std::string pinConfig;
    auto* setPin = app.add_subcommand(
        "set-pin", "Set the admin PIN (4-8 digits, read from standard input; only a hash is kept)");
    setPin->add_option("--config", pinConfig, "kiosk config file")->required();
    std::string contentConfig;
    std::string contentFile;
    auto* setContent = app.add_subcommand(
        "set-content",
        "Set the site's question set and content (reasons, buddy options, support resources, "
        "\"you said, we did\", languages, timings) from a JSON file; the kiosk picks it up on "
        "restart or with Reload config in its admin panel");
    setContent->add_option("--config", contentConfig, "kiosk config file")->required();
    setContent->add_option("--content", contentFile, "site content JSON file")->required();
    std::string checkConfig;
    std::string checkRoot;
    auto* check = app.add_subcommand("check",
                                     "Check this kiosk is ready: config, clock, collector, "
                                     "TLS, token, display, touch, disk");
    check->add_option("--config", checkConfig,
                      "kiosk config file (default: /etc/carekiosk/kiosk.json under --root)");
    check->add_option("--root", checkRoot,
                      "also check the software installed under this root (/ on a kiosk)");

    provisioning::InstallOptions installOptions;
    std::string installRoot = "/";
    auto* installCmd = app.add_subcommand(
        "install",
        "Install the kiosk service: a systemd unit that runs carekiosk fullscreen under cage as "
        "a dedicated user, restarted on exit and by a watchdog");
    installCmd->add_option("--root", installRoot,
                           "write the files under this directory instead of / (tests, images)");
    installCmd->add_option("--user", installOptions.user, "the kiosk's system user");
    installCmd->add_option("--tty", installOptions.tty, "virtual terminal to run on");
    installCmd->add_option("--watchdog-seconds", installOptions.watchdogSeconds,
                           "restart the kiosk when its UI is stuck this long");

    std::string unenrollConfig = "/etc/carekiosk/kiosk.json";
    auto* unenrollCmd = app.add_subcommand(
        "unenroll",
        "Upload everything pending, tell the collector, and wipe this kiosk's token (stop the "
        "kiosk service first)");
    unenrollCmd->add_option("--config", unenrollConfig, "kiosk config file");
    std::string resendConfig = "/etc/carekiosk/kiosk.json";
    auto* resendCmd = app.add_subcommand(
        "resend",
        "Put the batches the collector refused (set aside, see the admin panel) back in the "
        "queue and upload now, after their cause was fixed");
    resendCmd->add_option("--config", resendConfig, "kiosk config file");
    CLI11_PARSE(app, argc, argv);

    if (installCmd->parsed()) {
        installOptions.root = installRoot;
        auto written = provisioning::install(installOptions);
        if (!written) {
            return fail(written.error());
        }
        for (const auto& path : written.value()) {
            std::printf("wrote %s\n", path.c_str());
        }
        if (installRoot == "/") {
            std::printf(
                "next: systemd-sysusers && systemctl daemon-reload && systemctl enable "
                "carekiosk.service\n"
                "then enrol (carekiosk-provision enroll --out /etc/carekiosk/kiosk.json --db "
                "/var/lib/carekiosk/carekiosk.db ...) and: systemctl start carekiosk\n");
        }
        return 0;
    }

    if (unenrollCmd->parsed()) {
        auto config = core::loadKioskConfigFile(unenrollConfig);
        if (!config) {
            return fail(config.error());
        }
        auto sender = upload::makeCurlSender(upload::tlsOptionsFor(config.value()));
        core::SystemRandom random;
        core::SystemClock clock;
        auto outcome = provisioning::unenroll(unenrollConfig, *sender, random, clock);
        if (!outcome) {
            return fail(outcome.error());
        }
        std::printf("uploaded %lld check-ins first; %s; the token is wiped from %s\n",
                    static_cast<long long>(outcome->uploaded),
                    outcome->alreadyRevoked ? "the collector had already revoked this kiosk"
                                            : "the collector has unenrolled this kiosk",
                    unenrollConfig.c_str());
        return 0;
    }

    if (resendCmd->parsed()) {
        auto config = core::loadKioskConfigFile(resendConfig);
        if (!config) {
            return fail(config.error());
        }
        auto sender = upload::makeCurlSender(upload::tlsOptionsFor(config.value()));
        core::SystemRandom random;
        core::SystemClock clock;
        auto outcome = provisioning::resendSetAside(resendConfig, *sender, random, clock);
        if (!outcome) {
            return fail(outcome.error());
        }
        std::printf("put %lld set-aside batches back in the queue; uploaded %lld check-ins\n",
                    static_cast<long long>(outcome->batches),
                    static_cast<long long>(outcome->uploaded));
        if (outcome->uploadError) {
            std::printf("the upload stopped: %s (the kiosk keeps trying)\n",
                        outcome->uploadError->message.c_str());
            return 1;
        }
        return 0;
    }

    if (check->parsed()) {
        core::SystemClock clock;
        provisioning::CheckOptions checkOptions;
        checkOptions.installRoot = checkRoot;
        checkOptions.configPath = !checkConfig.empty()
                                      ? std::filesystem::path(checkConfig)
                                      : std::filesystem::path(checkRoot.empty() ? "/" : checkRoot) /
                                            provisioning::kConfigPath;
        const auto lines = provisioning::runChecks(checkOptions, clock, upload::makeCurlSender);
        bool allOk = true;
        for (const auto& line : lines) {
            std::printf("%-7s %-19s %s\n", line.ok ? "ok" : "FAILED", line.name.c_str(),
                        line.detail.c_str());
            allOk = allOk && line.ok;
        }
        return allOk ? 0 : 1;
    }

    if (setContent->parsed()) {
        if (auto s = provisioning::setSiteContent(contentConfig, contentFile); !s) {
            return fail(s.error());
        }
        std::printf("site content from %s set in %s\n", contentFile.c_str(), contentConfig.c_str());
        return 0;
    }

    if (setPin->parsed()) {
        std::string pin;
        std::getline(std::cin, pin);
        if (auto s = provisioning::setAdminPin(pinConfig, pin); !s) {
            return fail(s.error());
        }
        std::printf("admin PIN set in %s\n", pinConfig.c_str());
        return 0;
    }

    options.caFile = caFile;
    options.configPath = outPath;
    options.databasePath = dbPath;
    upload::TlsOptions tls;
    tls.caFile = caFile;
    tls.pinnedPublicKey = options.pinnedPublicKey;
    auto sender = upload::makeCurlSender(tls);
    auto config = provisioning::enroll(options, *sender);
    if (!config) {
        return fail(config.error());
    }
    std::printf("enrolled %s at site %s (%s); config written to %s\n", config->deviceId.c_str(),
                config->siteId.c_str(), config->siteName.c_str(), outPath.c_str());
    return 0;
}
