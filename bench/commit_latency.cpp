// Check-in commit latency through the real storage code, against the disk's own
// limit: a raw write + fdatasync of the same bytes on the same filesystem, in
// the same run. Prints p50/p99 of each and the ratio. Timings are printed,
// never asserted.
//
// A commit is what a kiosk pays to thank someone: the row durable, and the
// files left with no order of commits (Journal::NoHistory: the rows waiting
// rewritten in key order, the log checkpointed and emptied). Its cost grows
// with the rows waiting, so as a kiosk that uploads on its schedule, every
// --waiting check-ins a batch is taken and acknowledged, untimed.
//
//   bench_commit_latency [--count N] [--waiting N] [--dir DIR]
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_stats.hpp"
#include "carekiosk/core/wire.hpp"
#include "carekiosk/storage/outbox.hpp"

using namespace carekiosk;
using bench::Clock;
using bench::millisecondsSince;

namespace {

struct Percentiles {
    double p50 = 0;
    double p99 = 0;
};

Percentiles percentiles(const std::vector<double>& ms) {
    return {bench::percentile(ms, 0.50), bench::percentile(ms, 0.99)};
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"check-in commit latency vs raw write + fdatasync"};
    int count = 2000;
    std::string dir = std::filesystem::temp_directory_path() / "carekiosk-bench-commit";
    cli.add_option("--count", count, "commits to time (each side)")->check(CLI::Range(10, 1000000));
    cli.add_option("--dir", dir, "where to write (the filesystem under test)");
    int waiting = 50;
    cli.add_option("--waiting", waiting,
                   "check-ins waiting before an upload takes them (the rows a commit rewrites)")
        ->check(CLI::Range(1, 1000000));
    bool json = false;
    cli.add_flag("--json", json, "print one JSON object (for bench/run) instead of a table");
    CLI11_PARSE(cli, argc, argv);

    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    core::SystemRandom random;
    auto outbox = storage::Outbox::open(std::filesystem::path(dir) / "kiosk.db", random);
    if (!outbox) {
        std::fprintf(stderr, "bench: %s\n", outbox.error().message.c_str());
        return 1;
    }
    const core::CheckIn checkIn{4, "bench-site", 1, 1795845600, {"team", "workload"}};
    // The bytes the baseline writes: the check-in as it travels on the wire.
    const std::string record = core::encodeBatch({std::string(32, 'a'), {checkIn}});

    std::vector<double> ours;
    std::vector<double> raw;
    ours.reserve(static_cast<std::size_t>(count));
    raw.reserve(static_cast<std::size_t>(count));
    const std::string rawPath = std::filesystem::path(dir) / "raw.log";
    const int fd = ::open(rawPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0) {
        std::perror("bench: open");
        return 1;
    }
    // One of ours, then one raw write, and so on: both sides meet the same
    // moments of the disk (a burst of writeback elsewhere, a file growing).
    for (int i = 0; i < count; ++i) {
        auto start = Clock::now();
        if (auto s = outbox->add(checkIn); !s) {
            std::fprintf(stderr, "bench: %s\n", s.error().message.c_str());
            return 1;
        }
        ours.push_back(millisecondsSince(start));
        if ((i + 1) % waiting == 0) {
            auto batch = outbox->nextBatch();
            if (!batch || !batch.value() || !outbox->acknowledge(batch.value()->batchId)) {
                std::fprintf(stderr, "bench: the upload's batch could not be taken\n");
                return 1;
            }
        }
        start = Clock::now();
        if (::write(fd, record.data(), record.size()) != static_cast<ssize_t>(record.size()) ||
            ::fdatasync(fd) != 0) {
            std::perror("bench: write");
            return 1;
        }
        raw.push_back(millisecondsSince(start));
    }
    ::close(fd);
    std::filesystem::remove_all(dir);

    const auto a = percentiles(ours);
    const auto b = percentiles(raw);
    if (json) {
        std::printf(
            "{\"count\": %d, \"waiting\": %d, \"p50_ms\": %.3f, \"p99_ms\": %.3f, "
            "\"baseline_p50_ms\": %.3f, \"baseline_p99_ms\": %.3f}\n",
            count, waiting, a.p50, a.p99, b.p50, b.p99);
        return 0;
    }
    const std::string title = "commit of one check-in (" + std::to_string(count) + " each)";
    std::printf("%-40s %10s %10s\n", title.c_str(), "p50 ms", "p99 ms");
    std::printf("%-40s %10.3f %10.3f\n", "carekiosk Outbox::add (no history)", a.p50, a.p99);
    std::printf("%-40s %10.3f %10.3f\n", "baseline: write + fdatasync", b.p50, b.p99);
    std::printf("%-40s %10.2f %10.2f   (goal: <= 3)\n", "ratio", a.p50 / b.p50, a.p99 / b.p99);
    return 0;
}
