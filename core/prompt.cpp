#include "prompt.h"

#include <algorithm>
#include <iostream>

namespace certbot {

namespace {

const char* kFrame =
    "- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -";

}  // namespace

std::vector<size_t> parse_numbers(const std::string& answer, size_t count, bool allow_multiple) {
    std::vector<size_t> out;
    std::string token;
    auto flush = [&]() -> bool {
        if (token.empty()) return true;
        if (token.size() > 6 || token.find_first_not_of("0123456789") != std::string::npos)
            return false;
        size_t n = std::stoul(token);
        token.clear();
        if (n < 1 || n > count) return false;
        if (std::find(out.begin(), out.end(), n - 1) == out.end()) out.push_back(n - 1);
        return true;
    };
    for (char c : answer) {
        if (c == ',' || c == ' ' || c == '\t' || c == '\r') {
            if (!flush()) return {};
        } else {
            token += c;
        }
    }
    if (!flush()) return {};
    if (out.empty() && allow_multiple) {
        for (size_t i = 0; i < count; ++i) out.push_back(i);
    }
    if (!allow_multiple && out.size() != 1) return {};
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<size_t> ask_numbers(const std::string& question,
                                const std::vector<std::string>& choices, bool allow_multiple) {
    std::cout << kFrame << "\n" << question << "\n" << kFrame << "\n";
    for (size_t i = 0; i < choices.size(); ++i) std::cout << i + 1 << ": " << choices[i] << "\n";
    std::cout << kFrame << "\n";
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (allow_multiple)
            std::cout << "Select the appropriate numbers separated by commas and/or spaces, or "
                         "leave input blank to select all options shown (Enter 'c' to cancel): ";
        else
            std::cout << "Select the appropriate number [1-" << choices.size()
                      << "] then [enter] (press 'c' to cancel): ";
        std::cout << std::flush;
        std::string line;
        if (!std::getline(std::cin, line)) return {};
        if (line == "c" || line == "C") return {};
        auto picked = parse_numbers(line, choices.size(), allow_multiple);
        if (!picked.empty()) return picked;
        std::cout << "** Invalid input **\n";
    }
    return {};
}

}  // namespace certbot
