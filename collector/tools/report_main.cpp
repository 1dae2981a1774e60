// carekiosk-report: managers' summaries from the collector.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "carekiosk/collector/buddy_inbox.hpp"
#include "carekiosk/collector/charts.hpp"
#include "carekiosk/collector/report_format.hpp"
#include "carekiosk/core/checkin.hpp"
#include "carekiosk/core/wire.hpp"
#include "carekiosk/upload/http_sender.hpp"

using namespace carekiosk;

namespace {

int fail(const std::string& message) {
    std::fprintf(stderr, "carekiosk-report: %s\n", message.c_str());
    return 1;
}

int writeKeyPair(const std::string& path) {
    auto pair = collector::makeBuddyKeyPair();
    if (!pair) {
        return fail(pair.error().message);
    }
    // O_EXCL: never overwrite a key that sealed requests may still need.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return fail("cannot create " + path + " (" + std::strerror(errno) +
                    "); choose a new file: an existing key is never overwritten");
    }
    const std::string text = pair->secretKeyBase64 + "\n";
    const bool written =
        ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
        ::fsync(fd) == 0;
    ::close(fd);
    if (!written) {
        ::unlink(path.c_str());
        return fail("cannot write " + path);
    }
    std::printf("secret key written to %s (keep it with the buddy coordinator only)\n",
                path.c_str());
    std::printf("public key: %s\n", pair->publicKeyBase64.c_str());
    std::printf(
        "give it to the collector: carekiosk-collector admin set-buddy-key --db DB "
        "--public-key %s\n",
        pair->publicKeyBase64.c_str());
    return 0;
}

int showBuddies(const std::string& server, const std::string& token, const std::string& keyFile,
                const std::string& site, const std::string& caFile, bool markHandled) {
    std::ifstream in(keyFile);
    std::string secretKey;
    std::getline(in, secretKey);
    upload::TlsOptions tls;
    tls.caFile = caFile.empty() ? "/etc/ssl/certs/ca-certificates.crt" : caFile;
    auto sender = upload::makeCurlSender(tls);
    upload::HttpRequest request;
    request.url = server + "/v1/buddy-requests" + (site.empty() ? "" : "?site=" + site);
    request.bearerToken = token;
    auto response = sender->send(request);
    if (!response) {
        return fail(response.error().message);
    }
    if (response->status != 200) {
        return fail("the collector answered HTTP " + std::to_string(response->status) + ": " +
                    core::errorMessageFromBody(response->body));
    }
    auto inbox = core::decodeBuddyRequestList(response->body);
    if (!inbox) {
        return fail("unexpected answer from the collector: " + inbox.error().message);
    }
    if (inbox->requests.empty()) {
        std::printf("no buddy requests waiting\n");
        return 0;
    }
    std::vector<std::string> opened;
    for (const auto& sealed : inbox->requests) {
        auto buddy = collector::openBuddyRequest(sealed, secretKey);
        if (!buddy) {
            std::fprintf(stderr, "carekiosk-report: %s\n", buddy.error().message.c_str());
            continue;
        }
        std::string times;
        for (const auto& t : buddy->times) {
            times += (times.empty() ? "" : ", ") + t;
        }
        std::printf("%s  site %s  %s  %s  %s <%s>\n", sealed.id.substr(0, 8).c_str(),
                    buddy->siteId.c_str(), buddy->kind.c_str(),
                    times.empty() ? "any time" : times.c_str(), buddy->firstName.c_str(),
                    buddy->contact.c_str());
        opened.push_back(sealed.id);
    }
    if (markHandled && !opened.empty()) {
        upload::HttpRequest handled;
        handled.method = "POST";
        handled.url = server + "/v1/buddy-requests/handled";
        handled.bearerToken = token;
        handled.body = core::encodeIdList({opened});
        auto answer = sender->send(handled);
        if (!answer || answer->status != 200) {
            return fail(
                "could not mark them handled: " +
                (answer ? core::errorMessageFromBody(answer->body) : answer.error().message));
        }
        std::printf("%zu marked handled\n", opened.size());
    }
    return opened.size() == inbox->requests.size() ? 0 : 1;
}

int postMessage(const std::string& server, const std::string& token, const std::string& site,
                const std::string& text, std::string from, std::string to,
                const std::string& caFile) {
    const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())
                           .time_since_epoch()
                           .count();
    core::PostedMessage message{site, text, today, today + 30};
    if (!from.empty()) {
        auto day = core::parseDate(from, "--from");
        if (!day) {
            return fail(day.error().message);
        }
        message.fromDay = day.value();
        message.toDay = day.value() + 30;
    }
    if (!to.empty()) {
        auto day = core::parseDate(to, "--to");
        if (!day) {
            return fail(day.error().message);
        }
        message.toDay = day.value();
    }
    upload::TlsOptions tls;
    tls.caFile = caFile.empty() ? "/etc/ssl/certs/ca-certificates.crt" : caFile;
    auto sender = upload::makeCurlSender(tls);
    upload::HttpRequest request;
    request.method = "POST";
    request.url = server + "/v1/messages";
    request.bearerToken = token;
    request.body = core::encodePostedMessage(message);
    auto response = sender->send(request);
    if (!response) {
        return fail(response.error().message);
    }
    if (response->status != 201) {
        return fail("the collector refused the message (HTTP " + std::to_string(response->status) +
                    "): " + core::errorMessageFromBody(response->body));
    }
    std::printf("posted to %s for %s to %s; kiosks show it from their next upload\n", site.c_str(),
                core::formatDate(message.fromDay).c_str(), core::formatDate(message.toDay).c_str());
    return 0;
}

// Writes the dashboard's three charts as SVG files into `dir`; 0 on success.
int writeCharts(const std::filesystem::path& dir, const core::SiteSummary& summary) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) {
        std::fprintf(stderr, "carekiosk-report: --svg: cannot create %s: %s\n", dir.c_str(),
                     error.message().c_str());
        return 1;
    }
    const std::pair<const char*, std::string> charts[] = {
        {"trend.svg", collector::trendSvg(summary)},
        {"distribution.svg", collector::distributionSvg(summary)},
        {"reasons.svg", collector::reasonsSvg(summary)}};
    for (const auto& [name, svg] : charts) {
        std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
        out << svg;
        out.close();
        if (!out) {
            std::fprintf(stderr, "carekiosk-report: --svg: cannot write %s\n",
                         (dir / name).c_str());
            return 1;
        }
        std::fprintf(stderr, "wrote %s\n", (dir / name).c_str());
    }
    return 0;
}

}  // namespace

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
    std::string by = "day";
    std::string team;
    std::string svgDir;
    auto* summary = app.add_subcommand(
        "summary", "Check-ins for one site by day, week or month, as a table, CSV or SVG charts");
    summary->add_option("--server", server, "collector URL, https://host:port")->required();
    summary->add_option("--token", token, "manager token")->required()->envname("CAREKIOSK_TOKEN");
    summary->add_option("--site", site, "site id")->required();
    summary->add_option("--ca", caFile, "CA file that signs the collector's certificate")
        ->check(CLI::ExistingFile);
    summary->add_option("--from", from, "first day, YYYY-MM-DD (default: 29 days before --to)");
    summary->add_option("--to", to, "last day, YYYY-MM-DD (default: today, UTC)");
    summary->add_option("--by", by, "day, week (ISO) or month (whole weeks); default day")
        ->check(CLI::IsMember({"day", "week", "month"}));
    summary->add_option("--team", team, "only the check-ins of kiosks tagged with this team");
    summary->add_flag("--csv", csv, "print CSV instead of a table");
    summary->add_option("--svg", svgDir,
                        "also write trend.svg, distribution.svg and reasons.svg into this folder "
                        "(created if missing)");

    std::string keyFile;
    auto* keygen = app.add_subcommand(
        "keygen",
        "Create the organisation's keypair for buddy requests: the secret key goes to FILE "
        "(mode 0600, keep it with the buddy coordinator), the public key is printed for "
        "carekiosk-collector admin set-buddy-key");
    keygen->add_option("--secret-key", keyFile, "file to write the secret key to (must not exist)")
        ->required();

    std::string text;
    auto* message = app.add_subcommand(
        "message",
        "Post a \"you said, we did\" message for a site and a date range; the site's kiosks "
        "show it on their welcome screen from their next upload");
    message->add_option("--server", server, "collector URL, https://host:port")->required();
    message->add_option("--token", token, "manager token")->required()->envname("CAREKIOSK_TOKEN");
    message->add_option("--site", site, "site id")->required();
    message->add_option("--text", text, "the message, up to 300 characters")->required();
    message->add_option("--from", from, "first day to show it, YYYY-MM-DD (default: today)");
    message->add_option("--to", to, "last day to show it, YYYY-MM-DD (default: 30 days on)");
    message->add_option("--ca", caFile, "CA file that signs the collector's certificate")
        ->check(CLI::ExistingFile);

    bool markHandled = false;
    auto* buddies = app.add_subcommand(
        "buddies",
        "The buddy coordinator's inbox: fetch waiting buddy requests, open them here with the "
        "secret key (the collector cannot), and print them");
    buddies->add_option("--server", server, "collector URL, https://host:port")->required();
    buddies->add_option("--token", token, "coordinator token")
        ->required()
        ->envname("CAREKIOSK_TOKEN");
    buddies->add_option("--key", keyFile, "secret key file from keygen")
        ->required()
        ->check(CLI::ExistingFile);
    buddies->add_option("--site", site, "only this site");
    buddies->add_option("--ca", caFile, "CA file that signs the collector's certificate")
        ->check(CLI::ExistingFile);
    buddies->add_flag("--mark-handled", markHandled,
                      "after printing, mark them handled (deleted after the retention period)");
    CLI11_PARSE(app, argc, argv);

    if (keygen->parsed()) {
        return writeKeyPair(keyFile);
    }
    if (buddies->parsed()) {
        return showBuddies(server, token, keyFile, site, caFile, markHandled);
    }
    if (message->parsed()) {
        return postMessage(server, token, site, text, from, to, caFile);
    }

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

    if (!team.empty()) {
        if (auto valid = core::validateOptionId(team, "--team"); !valid) {
            std::fprintf(stderr, "carekiosk-report: %s\n", valid.error().message.c_str());
            return 2;
        }
    }
    upload::TlsOptions tls;
    tls.caFile = caFile.empty() ? "/etc/ssl/certs/ca-certificates.crt" : caFile;
    auto sender = upload::makeCurlSender(tls);
    upload::HttpRequest request;
    request.url = server + "/v1/summary?site=" + site + "&from=" + from + "&to=" + to +
                  "&period=" + by + (team.empty() ? std::string() : "&team=" + team);
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
    const std::string output = csv ? collector::formatSummaryCsv(parsed.value())
                                   : collector::formatSummaryTable(parsed.value());
    std::fwrite(output.data(), 1, output.size(), stdout);
    if (!svgDir.empty()) {
        return writeCharts(svgDir, parsed.value());
    }
    return 0;
}
