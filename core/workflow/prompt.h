// Questions on the terminal: the question goes to an output stream, one line of answer comes
// from an input stream. The streams are the seam: the real terminal is stdout/stdin, unit tests
// pass string streams. Only ask when Config::interactive() says so; under -n a missing answer is
// an error that names the flag providing it (never a prompt).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace certbot {

class Prompt {
  public:
    Prompt(std::istream& in, std::ostream& out) : in_(in), out_(out) {}

    // Writes `question` (no newline added) and reads one line, trimmed of surrounding blanks
    // and a trailing CR. nullopt on end of input (Ctrl-D, closed terminal).
    std::optional<std::string> line(const std::string& question);

    // certbot's yesno: "<question>\n(Y)es/(N)o: " with the labels' first letters in parens.
    // An answer starting with the first letter of yes_label (either case, or 'y') is true, of
    // no_label (or 'n') false; an empty answer gives `default_answer` when set, anything else
    // asks again. nullopt on end of input.
    std::optional<bool> yes_no(const std::string& question, const std::string& yes_label = "Yes",
                               const std::string& no_label = "No",
                               std::optional<bool> default_answer = std::nullopt);

    // certbot's numbered menu: `question` and the choices numbered from 1, then one number
    // (allow_multiple false) or several separated by commas and/or spaces (allow_multiple true;
    // an empty line selects all, as in certbot's checklist). Returns the chosen 0-based indexes
    // in the order of `choices`; empty when the user cancelled ('c', end of input) or after 3
    // invalid answers.
    std::vector<size_t> numbers(const std::string& question,
                                const std::vector<std::string>& choices, bool allow_multiple);

    // Prints a line of information (a notice between questions).
    void notify(const std::string& text);

  private:
    std::istream& in_;
    std::ostream& out_;
};

// The process's terminal: questions on stdout, answers from stdin.
Prompt& terminal_prompt();

// Shorthands on terminal_prompt(), for callers that only need one question.
// Yes/no; `default_yes` on an empty answer, false on end of input.
bool ask_yes_no(const std::string& question, bool default_yes);
// A line of text; empty on end of input.
std::string ask_text(const std::string& question);

// Prompt::numbers on the terminal.
std::vector<size_t> ask_numbers(const std::string& question,
                                const std::vector<std::string>& choices, bool allow_multiple);

// Parses an answer to ask_numbers; nullopt-like empty result for an invalid answer. Exposed for
// tests.
std::vector<size_t> parse_numbers(const std::string& answer, size_t count, bool allow_multiple);

}  // namespace certbot
