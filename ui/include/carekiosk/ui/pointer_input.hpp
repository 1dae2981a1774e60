#pragma once
// Touch and mouse input for Dear ImGui 1.86, which has no input queue: a press
// and a release arriving between two frames would cancel out and the tap would
// be lost. PointerInput queues them and applies at most one button transition
// per frame. Thread: UI thread only.

#include <deque>

struct ImGuiIO;

namespace carekiosk::ui {

struct PointerEvent {
    enum class Kind { Move, Press, Release, Leave } kind = Kind::Move;
    float x = 0;  // window pixels
    float y = 0;
};

class PointerInput {
  public:
    void push(PointerEvent event) { queue_.push_back(event); }
    bool hasPending() const { return !queue_.empty(); }
    // Moves the pointer and applies queued events up to and including the next
    // press or release. Call once per frame before ImGui::NewFrame().
    void applyToFrame(ImGuiIO& io);

  private:
    std::deque<PointerEvent> queue_;
    bool down_ = false;
    float x_ = -1e9f;
    float y_ = -1e9f;
};

}  // namespace carekiosk::ui
