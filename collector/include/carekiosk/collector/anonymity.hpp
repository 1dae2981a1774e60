#pragma once
// The smallest group: k, below which no group of people is ever described by
// anything the collector publishes. How that is kept: release.hpp (pooling,
// so every count is 0 or at least k) and disclosure.hpp (which score counts
// and reasons may be shown). Pure and thread-safe.

namespace carekiosk::collector {

inline constexpr int kDefaultMinGroup = 5;
inline constexpr int kLowestMinGroup = 3;

// The k actually applied: max(minGroup, kLowestMinGroup).
int effectiveMinGroup(int minGroup);

}  // namespace carekiosk::collector
