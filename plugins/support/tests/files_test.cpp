// certbot's install_version_controlled_file, as the installers use it for the files they ship
// into the config dir (options-ssl-*.conf, ssl-dhparams.pem).
#include "files.h"
#include "temp_root.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using plugin_support::file_exists;
using plugin_support::install_version_controlled_file;
using plugin_support::read_file;
using plugin_support::sha256_hex;

TEST_CASE("a version-controlled file: installed, updated from a released version, an edit kept",
          "[files]") {
    support_test::TempRoot d;
    const std::string dest = d / "options.conf", digest = d / ".options-digest.txt";
    const std::string old_version = "# version 1\n", current = "# version 2\n";
    const std::vector<std::string> released = {sha256_hex(old_version), sha256_hex(current)};
    std::vector<std::string> warnings;
    auto install = [&] {
        install_version_controlled_file(dest, digest, current, released,
                                        [&](const std::string& m) { warnings.push_back(m); });
    };
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // Missing: written, and the digest names the version.
    install();
    CHECK(read_file(dest) == current);
    CHECK(read_file(digest) == sha256_hex(current));
    // A version certbot released: replaced.
    d.write("options.conf", old_version);
    install();
    CHECK(read_file(dest) == current);
    CHECK(warnings.empty());
    // Edited by hand: kept, said once for this version.
    d.write("options.conf", "# mine\n");
    d.write(".options-digest.txt", sha256_hex(old_version));
    install();
    install();
    CHECK(read_file(dest) == "# mine\n");
    CHECK(read_file(digest) == sha256_hex(current));
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find(dest + " has been manually modified") == 0);
    CHECK(file_exists(dest));
}
