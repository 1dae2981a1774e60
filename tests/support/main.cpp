#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>

int main(int argc, char* argv[]) {
    // Every test renders with SDL's offscreen video driver and the software
    // renderer, so the suite needs no display or GPU, and no GL driver is loaded
    // and unloaded behind LeakSanitizer's back. Values already set win.
    setenv("SDL_VIDEODRIVER", "offscreen", 0);
    setenv("SDL_RENDER_DRIVER", "software", 0);
    setenv("SDL_FRAMEBUFFER_ACCELERATION", "0", 0);
    setenv("SDL_AUDIODRIVER", "dummy", 0);
    return Catch::Session().run(argc, argv);
}
