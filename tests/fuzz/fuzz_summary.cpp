// libFuzzer harness: the summary query parameters (GET /v1/summary?site=&from=&to=
// and the dashboard's), split from one input at '&'. Never a crash; an accepted
// date must format back to the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "carekiosk/core/checkin.hpp"
#include "carekiosk/core/wire.hpp"

using namespace carekiosk;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    std::string parts[3];
    std::size_t start = 0;
    for (int i = 0; i < 3; ++i) {
        const auto end = input.find('&', start);
        parts[i] = input.substr(std::min(start, input.size()),
                                end == std::string::npos ? std::string::npos : end - start);
        start = end == std::string::npos ? input.size() : end + 1;
    }
    (void)core::validateSiteId(parts[0], "site");
    for (int i = 1; i < 3; ++i) {
        if (auto day = core::parseDate(parts[i], i == 1 ? "from" : "to"); day) {
            if (core::formatDate(day.value()) != parts[i]) {
                std::abort();  // an accepted date must be exactly its own text
            }
        }
    }
    return 0;
}
