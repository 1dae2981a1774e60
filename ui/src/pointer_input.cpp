#include "carekiosk/ui/pointer_input.hpp"

#include <imgui.h>

namespace carekiosk::ui {

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
