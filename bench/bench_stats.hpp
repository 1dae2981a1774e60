#pragma once
// Small helpers the benchmark programs share. Header-only; not part of the product.

#include <algorithm>
#include <chrono>
#include <vector>

namespace carekiosk::bench {

using Clock = std::chrono::steady_clock;

// The value at fraction `p` (0.5 for the median, 0.99 for p99) of `values`,
// nearest rank; 0 when there are none.
inline double percentile(std::vector<double> values, double p) {
    if (values.empty()) {
        return 0.0;
    }
    std::sort(values.begin(), values.end());
    const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(index, values.size() - 1)];
}

inline double millisecondsSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace carekiosk::bench
