#pragma once
// Colours and sizes. Calm, high-contrast, large. Pure data and arithmetic (no
// ImGui), so contrast rules can be tested without a window.

#include <array>
#include <cstdint>
#include <string>

namespace carekiosk::ui {

struct Rgb {
    std::uint8_t r, g, b;
};

// WCAG 2.x relative luminance and contrast ratio (1..21).
double relativeLuminance(Rgb colour);
double contrastRatio(Rgb a, Rgb b);

struct Palette {
    Rgb background{0xF6, 0xF3, 0xEE};  // warm off-white
    Rgb text{0x1F, 0x2A, 0x33};        // near-black slate
    Rgb mutedText{0x4A, 0x55, 0x5F};   // secondary copy, still >= 4.5:1
    Rgb accent{0x1D, 0x5C, 0x63};      // deep teal for primary buttons
    Rgb accentText{0xFF, 0xFF, 0xFF};
    Rgb buttonSecondary{0xE3, 0xDD, 0xD3};
    Rgb card{0xEA, 0xE4, 0xDA};   // message cards; text and mutedText stay >= 4.5:1
    Rgb field{0xFF, 0xFF, 0xFF};  // text fields
    Rgb faceOutline{0x1F, 0x2A, 0x33};
    // The quiet-hours clock: dark, so the screen gives off little light.
    Rgb quietBackground{0x10, 0x14, 0x18};
    Rgb quietText{0x9A, 0xA4, 0xAE};
    // One fill per face, 1 (struggling) .. 5 (great). The faces also differ in
    // shape and word, so colour is never the only cue.
    std::array<Rgb, 5> faces{{{0x9F, 0xB4, 0xD8},
                              {0xB9, 0xCF, 0xE4},
                              {0xE6, 0xE1, 0xC8},
                              {0xBF, 0xE0, 0xC3},
                              {0xF7, 0xD6, 0x7C}}};
};

// Sizes derived from the window and the display's density, so the layout
// scales from 800x480 to 4K and touch targets stay at least 15 mm wide.
struct Metrics {
    float scale = 1.0f;        // 1.0 at 1080 px on the short side
    float bodyPx = 40.0f;      // body text
    float titlePx = 68.0f;     // screen titles
    float margin = 48.0f;      // outer margin
    float minTarget = 120.0f;  // smallest touch target edge
    // The on-screen keyboard's keys may shrink to 15 mm (and 64 px), below
    // the comfortable minTarget: forty keys must fit under the form.
    float minKey = 64.0f;
    // Controls sit at or below this y. On a portrait or physically tall panel
    // (mounted for standing and seated people alike) the top third holds only
    // text: a person in a wheelchair or a child cannot reach it. 0 elsewhere.
    float reachTop = 0.0f;
};
// A landscape panel this tall (from its DPI) counts as tall.
inline constexpr float kTallPanelMillimetres = 450.0f;
inline constexpr float kFallbackDpi = 96.0f;  // when the display does not say
inline constexpr float kMinTargetMillimetres = 15.0f;
// `dpi` <= 0 means unknown (kFallbackDpi is used).
Metrics metricsFor(int width, int height, float dpi = 0.0f);
// 15 mm in pixels at `dpi` (or at kFallbackDpi when unknown).
float minTargetPixels(float dpi);

// The UI font: DejaVu Sans from Debian's fonts-dejavu-core.
inline constexpr const char* kDefaultFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

}  // namespace carekiosk::ui
