#pragma once
// Where each touch target ended up on the last frame, by a stable id such as
// "welcome.start" or "pulse.face.3". Tests and the demo driver tap these
// centres; layout tests check they stay inside the window and are large enough.

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace carekiosk::ui {

struct Rect {
    float x = 0, y = 0, w = 0, h = 0;
    float centerX() const { return x + w / 2; }
    float centerY() const { return y + h / 2; }
};

class LayoutReport {
  public:
    void clear() {
        targets_.clear();
        overflows_.clear();
    }
    void add(const std::string& id, Rect rect) { targets_[id] = rect; }
    std::optional<Rect> find(const std::string& id) const {
        auto it = targets_.find(id);
        return it == targets_.end() ? std::nullopt : std::optional<Rect>(it->second);
    }
    const std::map<std::string, Rect>& targets() const { return targets_; }

    // Text that did not fit where it was drawn (even after shrinking and
    // wrapping), by the id of what it labels: a layout bug to fix.
    void addOverflow(const std::string& id) { overflows_.push_back(id); }
    const std::vector<std::string>& overflows() const { return overflows_; }

  private:
    std::map<std::string, Rect> targets_;
    std::vector<std::string> overflows_;
};

}  // namespace carekiosk::ui
