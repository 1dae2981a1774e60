#include "html.hpp"

#include <cstdio>

namespace carekiosk::collector::html {

std::string number(double value, int decimals) {
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

std::string escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

std::string pageStart(const std::string& title, const std::string& extraCss) {
    return R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>)" + escape(title) +
           R"(</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1d2733;background:#f7f8fa}
h1{font-size:1.5rem;margin:0 0 .3rem}
h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
p.lead{margin:0 0 1rem;color:#3d4a57}
)" + extraCss +
           R"(
</style></head><body>
)";
}

}  // namespace carekiosk::collector::html
