// certbot's numbered menus on the terminal. Callers ask only when Config::interactive(); without
// a terminal they take certbot's default or fail naming the flag that answers the question.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace certbot {

// Prints `question` and the choices numbered from 1 and reads one line from stdin. One number
// (allow_multiple false) or several separated by commas and/or spaces (allow_multiple true; an
// empty line selects all, as in certbot's checklist). Returns the chosen 0-based indexes in the
// order of `choices`; empty when the user cancelled ('c', end of input) or after 3 invalid
// answers.
std::vector<size_t> ask_numbers(const std::string& question,
                                const std::vector<std::string>& choices, bool allow_multiple);

// Parses an answer to ask_numbers; nullopt-like empty result for an invalid answer. Exposed for
// tests.
std::vector<size_t> parse_numbers(const std::string& answer, size_t count, bool allow_multiple);

}  // namespace certbot
