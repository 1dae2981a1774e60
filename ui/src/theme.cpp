#include "carekiosk/ui/theme.hpp"

#include <algorithm>
#include <cmath>

namespace carekiosk::ui {

double relativeLuminance(Rgb c) {
    auto channel = [](std::uint8_t v) {
        const double s = v / 255.0;
        return s <= 0.03928 ? s / 12.92 : std::pow((s + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

double contrastRatio(Rgb a, Rgb b) {
    const double la = relativeLuminance(a);
    const double lb = relativeLuminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

float minTargetPixels(float dpi) {
    const float d = dpi > 0 ? dpi : kFallbackDpi;
    return std::ceil(kMinTargetMillimetres / 25.4f * d);
}

Metrics metricsFor(int width, int height, float dpi) {
    Metrics m;
    const float shortSide = static_cast<float>(std::max(1, std::min(width, height)));
    m.scale = shortSide / 1080.0f;
    // Body text never below 20 px, even on an 800x480 panel.
    m.bodyPx = std::max(20.0f, std::round(40.0f * m.scale));
    m.titlePx = std::max(30.0f, std::round(68.0f * m.scale));
    m.margin = std::round(48.0f * m.scale);
    // At least 64 px and 15 mm on the real glass, and a comfortable size for the screen.
    m.minTarget = std::max({64.0f, minTargetPixels(dpi), std::round(120.0f * m.scale)});
    m.minKey = std::max(64.0f, minTargetPixels(dpi));
    const float heightMm = static_cast<float>(height) / (dpi > 0 ? dpi : kFallbackDpi) * 25.4f;
    if (height > width || heightMm >= kTallPanelMillimetres) {
        m.reachTop = std::round(static_cast<float>(height) / 3.0f);
    }
    return m;
}

}  // namespace carekiosk::ui
