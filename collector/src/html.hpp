#pragma once
// Private helpers for the collector's HTML pages (fleet, dashboard).

#include <string>

namespace carekiosk::collector::html {

// `value` with `decimals` digits after the point, e.g. "3.8" (SVG coordinates
// and figures on the pages).
std::string number(double value, int decimals = 1);

// Text safe inside HTML elements and attribute values.
std::string escape(const std::string& text);

// The start of a page: doctype, viewport, title and the shared stylesheet
// plus `extraCss`. No scripts: the pages work without JavaScript.
std::string pageStart(const std::string& title, const std::string& extraCss = {});

}  // namespace carekiosk::collector::html
