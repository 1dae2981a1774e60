// libFuzzer harness: the collector's batch parser (POST /v1/batches bodies) and
// the other wire decoders a client can reach. Whatever the bytes, decoding
// must not crash, anything accepted must survive encode -> decode unchanged, and
// decodeBatch's fast path must agree with the tree decoder.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "carekiosk/core/wire.hpp"

using namespace carekiosk;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    // The fast path and the tree decoder agree on every input: the same batch,
    // or the same error.
    {
        auto fast = core::decodeBatch(text);
        auto tree = core::detail::decodeBatchFromTree(text);
        if (static_cast<bool>(fast) != static_cast<bool>(tree)) {
            std::abort();
        }
        if (fast && (fast->batchId != tree->batchId || fast->checkIns != tree->checkIns)) {
            std::abort();
        }
        if (!fast && (fast.error().message != tree.error().message ||
                      fast.error().field != tree.error().field)) {
            std::abort();
        }
    }
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
