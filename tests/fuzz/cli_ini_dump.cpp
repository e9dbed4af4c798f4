// Parses each line of a file as a cli.ini of its own and prints one JSON array per line:
// ["key", "value"], ["key", ["a", "b"]] for a list, [] for no entry, or "ERROR". For the
// differential test against ConfigArgParse (tests/integration/cli_ini_differential.sh).
#include <fstream>
#include <iostream>
#include <string>

#include "cli_ini.h"
#include "json.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: cli_ini_dump FILE\n";
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
        auto ini = certbot::parse_cli_ini(line, "line");
        if (!ini) {
            std::cout << "\"ERROR\"\n";
            continue;
        }
        std::cout << "[";
        for (const auto& e : ini->entries) {
            std::cout << certbot::json::quote(e.key) << ", ";
            if (e.list) {
                std::cout << "[";
                for (size_t i = 0; i < e.values.size(); ++i)
                    std::cout << (i ? ", " : "") << certbot::json::quote(e.values[i]);
                std::cout << "]";
            } else {
                std::cout << certbot::json::quote(e.values[0]);
            }
        }
        std::cout << "]\n";
    }
    return 0;
}
