#pragma once
// Touch and mouse input for Dear ImGui 1.86, which has no input queue: a press
// and a release arriving between two frames would cancel out and the tap would
// be lost. PointerInput queues them and applies at most one button transition
// per frame.
//
// One tap, one action. A press acts only on the screen it was aimed at:
//  - a press that arrived before the screen changed, or within the tap
//    guard after (kDefaultTapGuard; the config's tap_guard_ms), is dropped
//    with its release: it was aimed at the old screen (a double tap, a
//    bounce, a tap that was on its way). Nobody reads a new screen and
//    chooses on it that fast, and on this kiosk a stray tap is not harmless:
//    a face tapped is an answer stored;
//  - a touch panel that reports each touch twice, as a finger and as a
//    mouse, has the echo dropped: the other source's next press, if it comes
//    within kEchoWindow and kEchoRadius of the original.
//
// Thread: UI thread only. Times are steady-clock instants from the caller.

#include <chrono>
#include <deque>
#include <optional>

struct ImGuiIO;

namespace carekiosk::ui {

inline constexpr std::chrono::milliseconds kDefaultTapGuard{400};
inline constexpr std::chrono::milliseconds kEchoWindow{150};

struct PointerEvent {
    using Time = std::chrono::steady_clock::time_point;
    enum class Kind { Move, Press, Release, Leave } kind = Kind::Move;
    float x = 0;  // window pixels
    float y = 0;
    enum class Source { Finger, Mouse } source = Source::Mouse;
    Time received{};  // when it arrived
};

class PointerInput {
  public:
    using Time = PointerEvent::Time;

    // Queues one event, or drops it when it is the echo of a tap from the
    // other source (then its release and moves are dropped too).
    void push(PointerEvent event);
    bool hasPending() const { return !queue_.empty(); }
    // How long after a screen change presses are dropped (0: only those that
    // arrived before it), and how near a press must be to another from the
    // other source to be its echo (window pixels: half a touch target).
    void setGuard(std::chrono::milliseconds guard) { guard_ = guard; }
    void setEchoRadius(float pixels) { echoRadius_ = pixels; }
    // The screen changed at `now` (a tap, a timeout, the Still there? prompt).
    void screenChanged(Time now) { changedAt_ = now; }
    // Whether a press arriving now would be dropped.
    bool lockedOut(Time now) const { return changedAt_ && now < *changedAt_ + guard_; }
    // Moves the pointer and applies queued events up to and including the next
    // press or release. Call once per frame before ImGui::NewFrame().
    void applyToFrame(ImGuiIO& io);

  private:
    std::deque<PointerEvent> queue_;
    bool down_ = false;
    float x_ = -1e9f;
    float y_ = -1e9f;
    std::optional<Time> changedAt_;  // the last screen change, if any
    std::chrono::milliseconds guard_ = kDefaultTapGuard;
    float echoRadius_ = 64.0f;
    // Each source's last press, until the other source presses (echo or not).
    std::optional<PointerEvent> lastPress_[2];
    // A source whose current press was dropped as an echo.
    bool dropping_[2] = {false, false};
};

}  // namespace carekiosk::ui
