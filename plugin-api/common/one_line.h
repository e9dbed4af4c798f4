// A program's output on one line, for an error message: its non-empty lines joined by " | ".
// The core's checkpoint service (undo commands) and the plugins' program runner
// (plugins/support/programs.h) both report output this way; they may not link each other
// (docs/architecture.md, "plugin-api/common/"), so each compiles this inline copy.
#pragma once

#include <sstream>
#include <string>

namespace certbot::common {

inline std::string one_line(const std::string& text) {
    std::istringstream in(text);
    std::string out;
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        if (!out.empty()) out += " | ";
        out += line;
    }
    return out;
}

}  // namespace certbot::common
