// carekiosk-provision: enrol a kiosk with a collector.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "carekiosk/provisioning/check.hpp"
#include "carekiosk/provisioning/enroll.hpp"

using namespace carekiosk;

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
    auto* check = app.add_subcommand("check",
                                     "Check this kiosk is ready: config, clock, collector, "
                                     "TLS, token, display, touch, disk");
    check->add_option("--config", checkConfig, "kiosk config file")->required();
    CLI11_PARSE(app, argc, argv);

    if (check->parsed()) {
        core::SystemClock clock;
        const auto lines = provisioning::runChecks({checkConfig}, clock, upload::makeCurlSender);
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
            std::fprintf(stderr, "carekiosk-provision: %s\n", s.error().message.c_str());
            return s.error().code == core::ErrorCode::InvalidInput ? 2 : 1;
        }
        std::printf("site content from %s set in %s\n", contentFile.c_str(), contentConfig.c_str());
        return 0;
    }

    if (setPin->parsed()) {
        std::string pin;
        std::getline(std::cin, pin);
        if (auto s = provisioning::setAdminPin(pinConfig, pin); !s) {
            std::fprintf(stderr, "carekiosk-provision: %s\n", s.error().message.c_str());
            return s.error().code == core::ErrorCode::InvalidInput ? 2 : 1;
        }
        std::printf("admin PIN set in %s\n", pinConfig.c_str());
        return 0;
    }

    options.caFile = caFile;
    options.configPath = outPath;
    options.databasePath = dbPath;
    upload::TlsOptions tls;
    tls.caFile = caFile;
    auto sender = upload::makeCurlSender(tls);
    auto config = provisioning::enroll(options, *sender);
    if (!config) {
        std::fprintf(stderr, "carekiosk-provision: %s\n", config.error().message.c_str());
        return config.error().code == core::ErrorCode::InvalidInput ? 2 : 1;
    }
    std::printf("enrolled %s at site %s (%s); config written to %s\n", config->deviceId.c_str(),
                config->siteId.c_str(), config->siteName.c_str(), outPath.c_str());
    return 0;
}
