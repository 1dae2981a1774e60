#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char* argv[]) {
    // Every test renders with SDL's offscreen video driver and the software
    // renderer, so the suite needs no display or GPU, and no GL driver is loaded
    // and unloaded behind LeakSanitizer's back. Values already set win.
    setenv("SDL_VIDEODRIVER", "offscreen", 0);
    setenv("SDL_RENDER_DRIVER", "software", 0);
    setenv("SDL_FRAMEBUFFER_ACCELERATION", "0", 0);
    setenv("SDL_AUDIODRIVER", "dummy", 0);
    Catch::Session session;
    // --store postgres: collector tests store into PostgreSQL instead of
    // SQLite (see testing::TestDatabase); ctest runs them both ways.
    std::string store;
    session.cli(session.cli() | Catch::clara::Opt(store, "sqlite|postgres")["--store"](
                                    "the collector store the tests use (default sqlite)"));
    if (const int rc = session.applyCommandLine(argc, argv); rc != 0) {
        return rc;
    }
    if (store == "postgres" || store == "sqlite") {
        setenv("CAREKIOSK_TEST_STORE", store.c_str(), 1);
    } else if (!store.empty()) {
        std::fprintf(stderr, "--store must be sqlite or postgres (got %s)\n", store.c_str());
        return 2;
    }
    return session.run();
}
