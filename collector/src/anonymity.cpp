#include "carekiosk/collector/anonymity.hpp"

#include <algorithm>

namespace carekiosk::collector {

int effectiveMinGroup(int minGroup) {
    return std::max(minGroup, kLowestMinGroup);
}

}  // namespace carekiosk::collector
