#include "prompt.h"

#include <algorithm>
#include <cctype>
#include <iostream>

namespace certbot {

namespace {

// "Agree" -> "(A)gree"
std::string parens_around_first(const std::string& label) {
    if (label.empty()) return label;
    return "(" + label.substr(0, 1) + ")" + label.substr(1);
}

bool starts_with_letter_of(const std::string& answer, const std::string& label, char alias) {
    if (answer.empty()) return false;
    char a = static_cast<char>(std::tolower(static_cast<unsigned char>(answer[0])));
    if (a == alias) return true;
    return !label.empty() && a == std::tolower(static_cast<unsigned char>(label[0]));
}

}  // namespace

std::optional<std::string> Prompt::line(const std::string& question) {
    out_ << question << std::flush;
    std::string text;
    if (!std::getline(in_, text)) {
        out_ << "\n" << std::flush;  // leave the terminal on a fresh line after Ctrl-D
        return std::nullopt;
    }
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos) return std::string();
    return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

std::optional<bool> Prompt::yes_no(const std::string& question, const std::string& yes_label,
                                   const std::string& no_label,
                                   std::optional<bool> default_answer) {
    out_ << question << "\n";
    const std::string choices =
        parens_around_first(yes_label) + "/" + parens_around_first(no_label) + ": ";
    for (;;) {
        auto answer = line(choices);
        if (!answer) return std::nullopt;
        if (answer->empty() && default_answer) return default_answer;
        if (starts_with_letter_of(*answer, yes_label, 'y')) return true;
        if (starts_with_letter_of(*answer, no_label, 'n')) return false;
    }
}

void Prompt::notify(const std::string& text) {
    out_ << text << "\n" << std::flush;
}

Prompt& terminal_prompt() {
    static Prompt prompt(std::cin, std::cout);
    return prompt;
}

bool ask_yes_no(const std::string& question, bool default_yes) {
    return terminal_prompt().yes_no(question, "Yes", "No", default_yes).value_or(false);
}

std::string ask_text(const std::string& question) {
    return terminal_prompt().line(question).value_or("");
}

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

std::vector<size_t> Prompt::numbers(const std::string& question,
                                    const std::vector<std::string>& choices, bool allow_multiple) {
    out_ << kFrame << "\n" << question << "\n" << kFrame << "\n";
    for (size_t i = 0; i < choices.size(); ++i) out_ << i + 1 << ": " << choices[i] << "\n";
    out_ << kFrame << "\n";
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (allow_multiple)
            out_ << "Select the appropriate numbers separated by commas and/or spaces, or "
                    "leave input blank to select all options shown (Enter 'c' to cancel): ";
        else
            out_ << "Select the appropriate number [1-" << choices.size()
                 << "] then [enter] (press 'c' to cancel): ";
        out_ << std::flush;
        std::string line;
        if (!std::getline(in_, line)) return {};
        if (line == "c" || line == "C") return {};
        auto picked = parse_numbers(line, choices.size(), allow_multiple);
        if (!picked.empty()) return picked;
        out_ << "** Invalid input **\n";
    }
    return {};
}

std::vector<size_t> ask_numbers(const std::string& question,
                                const std::vector<std::string>& choices, bool allow_multiple) {
    return terminal_prompt().numbers(question, choices, allow_multiple);
}

}  // namespace certbot
