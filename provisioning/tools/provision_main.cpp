// carekiosk-provision: enrol a kiosk with a collector.
#include <CLI/CLI.hpp>
#include <cstdio>

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
    CLI11_PARSE(app, argc, argv);

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
