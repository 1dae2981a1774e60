// libFuzzer harness: the kiosk config parser and site content (what a site
// config from the collector, or a hand-edited file, can contain). Never a
// crash; an accepted config must survive serialize -> parse unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "carekiosk/core/config.hpp"

using namespace carekiosk;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto config = core::parseKioskConfig(text); config) {
        const auto serialized = core::serializeKioskConfig(config.value());
        auto again = core::parseKioskConfig(serialized);
        if (!again || core::serializeKioskConfig(again.value()) != serialized) {
            std::abort();  // an accepted config must round-trip
        }
    }
    (void)core::validateSiteContent(text);
    return 0;
}
