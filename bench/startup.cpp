// Start-up to first frame presented: starts the kiosk with NOTIFY_SOCKET set,
// as systemd does, and times until its READY=1, which the kiosk sends only
// after its first frame is on screen. Prints one JSON object.
//
//   bench_startup --kiosk PATH --config FILE [--runs 5] [--size 1920x1080]
//
// The kiosk runs on SDL's offscreen driver and software renderer (set in the
// environment by bench/run); each run is stopped with SIGTERM once it is ready.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "support/notify_socket.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

// One start: milliseconds until READY=1, or a negative number on failure.
double timeOneStart(const std::string& kiosk, const std::string& config, const std::string& size) {
    // A fresh socket per start, in a short directory under /tmp (its path must fit
    // in sun_path; see tests/support/notify_socket.hpp).
    const carekiosk::testing::NotifySocket notify;
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
        env.emplace_back(*e);
    }
    env.push_back("NOTIFY_SOCKET=" + notify.path());
    std::vector<char*> envp;
    for (auto& e : env) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);
    std::vector<std::string> args = {kiosk, "--config", config, "--windowed", size};
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    const auto start = Clock::now();
    pid_t pid = 0;
    if (posix_spawn(&pid, kiosk.c_str(), nullptr, nullptr, argv.data(), envp.data()) != 0) {
        std::perror("bench_startup: spawn");
        return -1;
    }
    double ms = -1;
    const auto deadline = start + std::chrono::seconds(30);
    while (Clock::now() < deadline) {
        const auto message = notify.receive(std::chrono::milliseconds(1000));
        if (message && message->find("READY=1") != std::string::npos) {
            ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
            break;
        }
    }
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return ms;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"carekiosk start-up to first frame presented"};
    std::string kiosk;
    std::string config;
    std::string size = "1920x1080";
    int runs = 5;
    cli.add_option("--kiosk", kiosk, "the carekiosk executable")->required();
    cli.add_option("--config", config, "kiosk config file")->required();
    cli.add_option("--size", size, "window size WIDTHxHEIGHT");
    cli.add_option("--runs", runs, "starts to time (the median is printed)")
        ->check(CLI::Range(1, 1000));
    CLI11_PARSE(cli, argc, argv);
    std::vector<double> times;
    for (int i = 0; i < runs; ++i) {
        double ms = -1;
        try {
            ms = timeOneStart(kiosk, config, size);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "bench_startup: %s\n", e.what());
            return 1;
        }
        if (ms < 0) {
            std::fprintf(stderr, "bench_startup: the kiosk did not report ready within 30 s\n");
            return 1;
        }
        times.push_back(ms);
    }
    std::sort(times.begin(), times.end());
    std::printf("{\"runs\": %d, \"median_ms\": %.1f, \"min_ms\": %.1f, \"max_ms\": %.1f}\n", runs,
                times[times.size() / 2], times.front(), times.back());
    return 0;
}
