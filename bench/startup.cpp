// Start-up to first frame presented: starts the kiosk with NOTIFY_SOCKET set,
// as systemd does, and times until its READY=1, which the kiosk sends only
// after its first frame is on screen. Prints one JSON object.
//
//   bench_startup --kiosk PATH --config FILE [--runs 5] [--size 1920x1080]
//
// The kiosk runs on SDL's offscreen driver and software renderer (set in the
// environment by bench/run); each run is stopped with SIGTERM once it is ready.
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
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

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

// One start: milliseconds until READY=1, or a negative number on failure.
double timeOneStart(const std::string& kiosk, const std::string& config, const std::string& size,
                    const std::string& socketPath) {
    std::filesystem::remove(socketPath);
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socketPath.c_str(), sizeof address.sun_path - 1);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        std::perror("bench_startup: notify socket");
        return -1;
    }
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
        env.emplace_back(*e);
    }
    env.push_back("NOTIFY_SOCKET=" + socketPath);
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
        ::close(fd);
        return -1;
    }
    double ms = -1;
    const auto deadline = start + std::chrono::seconds(30);
    while (Clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 1000) <= 0) {
            continue;
        }
        char message[512] = {};
        const auto n = ::recv(fd, message, sizeof message - 1, 0);
        if (n > 0 && std::strstr(message, "READY=1")) {
            ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
            break;
        }
    }
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(fd);
    std::filesystem::remove(socketPath);
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
    const std::string socketPath = (std::filesystem::temp_directory_path() /
                                    ("carekiosk-notify-" + std::to_string(::getpid())))
                                       .string();
    std::vector<double> times;
    for (int i = 0; i < runs; ++i) {
        const double ms = timeOneStart(kiosk, config, size, socketPath);
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
