#include "prompt.h"

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

}  // namespace certbot
