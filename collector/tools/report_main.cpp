// carekiosk-report: managers' summaries from the collector.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "carekiosk/collector/report_format.hpp"
#include "carekiosk/core/wire.hpp"
#include "carekiosk/upload/http_sender.hpp"

using namespace carekiosk;

int main(int argc, char** argv) {
    CLI::App app{"carekiosk report: summaries of check-ins for managers"};
    app.require_subcommand(1);
    std::string server;
    std::string token;
    std::string site;
    std::string caFile;
    std::string from;
    std::string to;
    bool csv = false;
    auto* summary = app.add_subcommand("summary", "Per-day check-ins for one site");
    summary->add_option("--server", server, "collector URL, https://host:port")->required();
    summary->add_option("--token", token, "manager token")->required()->envname("CAREKIOSK_TOKEN");
    summary->add_option("--site", site, "site id")->required();
    summary->add_option("--ca", caFile, "CA file that signs the collector's certificate")
        ->check(CLI::ExistingFile);
    summary->add_option("--from", from, "first day, YYYY-MM-DD (default: 29 days before --to)");
    summary->add_option("--to", to, "last day, YYYY-MM-DD (default: today, UTC)");
    summary->add_flag("--csv", csv, "print CSV instead of a table");
    CLI11_PARSE(app, argc, argv);

    const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())
                           .time_since_epoch()
                           .count();
    if (to.empty()) {
        to = core::formatDate(today);
    }
    auto toDay = core::parseDate(to, "--to");
    if (!toDay) {
        std::fprintf(stderr, "carekiosk-report: %s\n", toDay.error().message.c_str());
        return 2;
    }
    if (from.empty()) {
        from = core::formatDate(toDay.value() - 29);
    }
    if (auto fromDay = core::parseDate(from, "--from"); !fromDay) {
        std::fprintf(stderr, "carekiosk-report: %s\n", fromDay.error().message.c_str());
        return 2;
    }

    upload::TlsOptions tls;
    tls.caFile = caFile.empty() ? "/etc/ssl/certs/ca-certificates.crt" : caFile;
    auto sender = upload::makeCurlSender(tls);
    upload::HttpRequest request;
    request.url = server + "/v1/summary?site=" + site + "&from=" + from + "&to=" + to;
    request.bearerToken = token;
    auto response = sender->send(request);
    if (!response) {
        std::fprintf(stderr, "carekiosk-report: %s\n", response.error().message.c_str());
        return 1;
    }
    if (response->status != 200) {
        std::fprintf(stderr, "carekiosk-report: the collector answered HTTP %ld: %s\n",
                     response->status, core::errorMessageFromBody(response->body).c_str());
        return 1;
    }
    auto parsed = core::decodeSiteSummary(response->body);
    if (!parsed) {
        std::fprintf(stderr, "carekiosk-report: unexpected answer from the collector: %s\n",
                     parsed.error().message.c_str());
        return 1;
    }
    const std::string text = csv ? collector::formatSummaryCsv(parsed.value())
                                 : collector::formatSummaryTable(parsed.value());
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
}
