#pragma once
// Small helpers the benchmark programs share. Header-only; not part of the product.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
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

// A batch id (32 lowercase hex characters) from a seeded generator, so that a
// benchmark's data is the same on every run.
inline std::string hexId(std::mt19937_64& random) {
    char id[33];
    std::snprintf(id, sizeof id, "%016llx%016llx", static_cast<unsigned long long>(random()),
                  static_cast<unsigned long long>(random()));
    return id;
}

inline double millisecondsSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace carekiosk::bench
