// Frame time of every staff screen and tap-to-next-screen latency, at a given
// size on SDL's software renderer (the worst case: no GPU), driven by real SDL
// events through the app's normal loop. Prints one JSON object on stdout.
//
//   bench_frames [--size 1920x1080] [--frames 30] [--taps 20]
//
// Frame time: per screen, after it settles, a pointer move is pushed and the
// time until the next frame is presented is taken, `--frames` times. Tap
// latency: from pushing a tap on "Check in" until the next screen's first frame
// is presented, then back, `--taps` times.
#include <SDL.h>
#include <sodium.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "bench_stats.hpp"
#include "carekiosk/core/clock.hpp"
#include "carekiosk/kiosk/kiosk_app.hpp"
#include "carekiosk/kiosk/screen_tour.hpp"
#include "carekiosk/kiosk/tap_driver.hpp"

using namespace carekiosk;
using bench::Clock;
using bench::millisecondsSince;
using bench::percentile;

namespace {

// Pushes a pointer move (something ImGui redraws for) and times the frame it causes.
double timeOneFrame(kiosk::KioskApp& app, int x) {
    SDL_Event move{};
    move.type = SDL_MOUSEMOTION;
    move.motion.x = x;
    move.motion.y = 5;
    move.motion.windowID = SDL_GetWindowID(app.window());
    const auto before = app.framesRendered();
    const auto start = Clock::now();
    SDL_PushEvent(&move);
    kiosk::pumpUntil(
        app, [&] { return app.framesRendered() > before; }, start + std::chrono::seconds(5));
    return millisecondsSince(start);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"carekiosk frame time and tap latency benchmark"};
    std::string size = "1920x1080";
    int frames = 30;
    int taps = 20;
    cli.add_option("--size", size, "window size WIDTHxHEIGHT");
    cli.add_option("--frames", frames, "frames timed per screen")->check(CLI::Range(1, 10000));
    cli.add_option("--taps", taps, "taps timed")->check(CLI::Range(1, 10000));
    CLI11_PARSE(cli, argc, argv);
    int width = 0;
    int height = 0;
    if (std::sscanf(size.c_str(), "%dx%d", &width, &height) != 2 || width < 320 || height < 240) {
        std::fprintf(stderr, "bench_frames: --size must be WIDTHxHEIGHT, e.g. 1920x1080\n");
        return 2;
    }
    setenv("SDL_VIDEODRIVER", "offscreen", 0);
    setenv("SDL_RENDER_DRIVER", "software", 0);
    setenv("SDL_FRAMEBUFFER_ACCELERATION", "0", 0);
    if (sodium_init() < 0) {
        return 1;
    }
    // A throwaway kiosk: its own database, a buddy key so the buddy screens
    // show, a cooldown longer than the tour, never reaching a collector.
    const auto dir = std::filesystem::temp_directory_path() /
                     ("carekiosk-bench-frames-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    unsigned char publicKey[crypto_box_PUBLICKEYBYTES];
    unsigned char secretKey[crypto_box_SECRETKEYBYTES];
    crypto_box_keypair(publicKey, secretKey);
    char base64[128];
    sodium_bin2base64(base64, sizeof base64, publicKey, sizeof publicKey,
                      sodium_base64_VARIANT_ORIGINAL);
    kiosk::KioskOptions options;
    options.config.serverUrl = "https://127.0.0.1:9";
    options.config.caFile = (dir / "ca.pem").string();
    options.config.deviceId = "bench";
    options.config.deviceToken = "bench";
    options.config.siteId = "bench";
    options.config.siteName = "Bench office";
    options.config.databasePath = (dir / "kiosk.db").string();
    options.config.uploadIntervalSeconds = 86400;
    options.config.cooldownSeconds = 600;
    // Tap latency is the time to draw the next screen; the deliberate 400 ms
    // guard after a screen change (tap_guard_ms: double taps are dropped)
    // would otherwise be measured instead.
    options.config.tapGuardMs = 0;
    options.config.buddyPublicKey = base64;
    options.width = width;
    options.height = height;
    options.forceWindowed = true;
    core::SystemClock clock;
    core::SystemRandom random;
    auto app = kiosk::KioskApp::create(options, clock, random);
    if (!app) {
        std::fprintf(stderr, "bench_frames: %s\n", app.error().message.c_str());
        return 1;
    }
    kiosk::KioskApp& kioskApp = *app.value();

    // Tap latency first, on a fresh app: Check in -> pulse, Back -> welcome.
    std::vector<double> tapMs;
    for (int i = 0; i < taps; ++i) {
        for (const auto& [from, id, to] :
             {std::tuple{ui::Screen::Welcome, "welcome.start", ui::Screen::Pulse},
              std::tuple{ui::Screen::Pulse, "pulse.back", ui::Screen::Welcome}}) {
            if (auto shown =
                    kiosk::waitForScreen(kioskApp, from, Clock::now() + std::chrono::seconds(10));
                !shown) {
                std::fprintf(stderr, "bench_frames: %s\n", shown.error().message.c_str());
                return 1;
            }
            kiosk::pumpUntil(
                kioskApp, [&] { return kioskApp.settled(); },
                Clock::now() + std::chrono::seconds(5));
            const auto before = kioskApp.framesRendered();
            const auto start = Clock::now();
            if (auto tapped = kiosk::injectTap(kioskApp, id, kiosk::PointerKind::Touch); !tapped) {
                std::fprintf(stderr, "bench_frames: %s\n", tapped.error().message.c_str());
                return 1;
            }
            kiosk::pumpUntil(
                kioskApp,
                [&] { return kioskApp.screen() == to && kioskApp.framesRendered() > before; },
                start + std::chrono::seconds(10));
            tapMs.push_back(millisecondsSince(start));
        }
    }

    std::map<std::string, std::vector<double>> perScreen;
    std::vector<double> all;
    auto stop = [&](const std::string& name) -> core::Status {
        auto& samples = perScreen[name];
        for (int i = 0; i < frames; ++i) {
            samples.push_back(timeOneFrame(kioskApp, 5 + i % 20));
        }
        all.insert(all.end(), samples.begin(), samples.end());
        return {};
    };
    if (auto toured = kiosk::tourStaffScreens(kioskApp, "en", kiosk::PointerKind::Touch, stop);
        !toured) {
        std::fprintf(stderr, "bench_frames: the tour stopped: %s\n",
                     toured.error().message.c_str());
        return 1;
    }
    std::string screens;
    for (const auto& [name, samples] : perScreen) {
        char line[160];
        std::snprintf(line, sizeof line, "%s\"%s\": {\"p50_ms\": %.2f, \"p99_ms\": %.2f}",
                      screens.empty() ? "" : ", ", name.c_str(), percentile(samples, 0.5),
                      percentile(samples, 0.99));
        screens += line;
    }
    std::printf(
        "{\"size\": \"%dx%d\", \"frame_p50_ms\": %.2f, \"frame_p99_ms\": %.2f, "
        "\"tap_p50_ms\": %.2f, \"tap_p99_ms\": %.2f, \"screens\": {%s}}\n",
        width, height, percentile(all, 0.5), percentile(all, 0.99), percentile(tapMs, 0.5),
        percentile(tapMs, 0.99), screens.c_str());
    app.value().reset();
    std::filesystem::remove_all(dir);
    return 0;
}
