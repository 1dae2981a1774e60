#include "carekiosk/ui/pointer_input.hpp"

#include <imgui.h>

#include <cmath>

namespace carekiosk::ui {

void PointerInput::push(PointerEvent event) {
    const auto self = static_cast<std::size_t>(event.source);
    const auto other = 1 - self;
    if (event.kind == PointerEvent::Kind::Press) {
        // An echo is the other source's next press, within milliseconds at
        // the same spot. Any press from this source answers the other's last
        // one: its echo (then dropped) or not (then it had none).
        auto& original = lastPress_[other];
        dropping_[self] = original && event.received - original->received < kEchoWindow &&
                          std::hypot(event.x - original->x, event.y - original->y) < echoRadius_;
        original.reset();
        if (dropping_[self]) {
            return;
        }
        lastPress_[self] = event;
    } else if (dropping_[self]) {
        if (event.kind == PointerEvent::Kind::Release) {
            dropping_[self] = false;
        }
        return;
    }
    queue_.push_back(event);
}

void PointerInput::applyToFrame(ImGuiIO& io) {
    while (!queue_.empty()) {
        const PointerEvent event = queue_.front();
        queue_.pop_front();
        if (event.kind == PointerEvent::Kind::Leave) {
            // A finger lifted: nothing hovers any more.
            x_ = -FLT_MAX;
            y_ = -FLT_MAX;
            continue;
        }
        if (event.kind == PointerEvent::Kind::Press && !down_ && changedAt_ &&
            event.received < *changedAt_ + guard_) {
            // Aimed at the screen before this one: dropped. Its release then
            // finds the button up and is no transition either.
            continue;
        }
        x_ = event.x;
        y_ = event.y;
        const bool transition = (event.kind == PointerEvent::Kind::Press && !down_) ||
                                (event.kind == PointerEvent::Kind::Release && down_);
        if (transition) {
            down_ = event.kind == PointerEvent::Kind::Press;
            break;  // the next transition waits for the next frame
        }
    }
    io.MousePos = ImVec2(x_, y_);
    io.MouseDown[0] = down_;
}

}  // namespace carekiosk::ui
