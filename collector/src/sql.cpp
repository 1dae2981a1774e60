#include "carekiosk/collector/sql.hpp"

namespace carekiosk::collector::sql {

std::string numberPlaceholders(std::string_view sql) {
    std::string out;
    out.reserve(sql.size() + 16);
    int next = 1;
    bool quoted = false;
    for (char c : sql) {
        if (c == '\'') {
            quoted = !quoted;  // '' inside a literal toggles twice: still quoted
        }
        if (c == '?' && !quoted) {
            out += '$' + std::to_string(next++);
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace carekiosk::collector::sql
