// libFuzzer harness: the collector's batch parser (POST /v1/batches bodies) and
// the other wire decoders a client can reach. Whatever the bytes, decoding
// must not crash, and anything accepted must survive encode -> decode unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "carekiosk/core/wire.hpp"

using namespace carekiosk;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto batch = core::decodeBatch(text); batch) {
        auto again = core::decodeBatch(core::encodeBatch(batch.value()));
        if (!again || again->batchId != batch->batchId ||
            again->checkIns.size() != batch->checkIns.size()) {
            std::abort();  // an accepted batch must round-trip
        }
    }
    // The other bodies a client (kiosk, manager, coordinator) may send.
    (void)core::decodeHeartbeat(text);
    (void)core::decodeBuddyRequestList(text);
    (void)core::decodeIdList(text);
    (void)core::decodePostedMessage(text);
    (void)core::decodeEnrollRequest(text);
    return 0;
}
