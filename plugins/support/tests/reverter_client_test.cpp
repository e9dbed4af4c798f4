// The plugins' Reverter is a view of the host's certbot.checkpoint.v1 (reverter.h): it keeps
// nothing itself, and a host without the service is refused by name.
#include "reverter.h"
#include "temp_root.h"

#include <catch2/catch.hpp>

#include <string>

#include "host_services.h"

using plugin_support::Reverter;

TEST_CASE("the plugins' Reverter checkpoints through the host service", "[reverter]") {
    support_test::TempRoot d;
    const certbot::LocalHost host(d / "work");
    d.write("site.conf", "v1\n");
    Reverter rev(host.table());
    CHECK_FALSE(rev.has_temporary());
    rev.add_to_checkpoint({d / "site.conf"}, "note", true);
    rev.register_new_file(d / "made.conf", true);
    rev.write_file(d / "site.conf", "v2\n", true);
    rev.write_file(d / "made.conf", "new\n", true);
    CHECK(rev.has_temporary());
    CHECK_FALSE(rev.has_in_progress());
    // certbot's layout, in the host's work directory.
    CHECK(plugin_support::read_file(d / "work/temp_checkpoint/FILEPATHS") == d / "site.conf\n");
    CHECK(rev.temp_dir() == d / "work/temp_checkpoint");
    rev.revert_temporary();
    CHECK(plugin_support::read_file(d / "site.conf") == "v1\n");
    CHECK_FALSE(plugin_support::file_exists(d / "made.conf"));
    CHECK_FALSE(rev.has_temporary());
    // Permanent changes, finalised, rolled back; one more than there is fails by name.
    rev.add_to_checkpoint({d / "site.conf"}, "", false);
    rev.write_file(d / "site.conf", "v3\n", false);
    rev.finalize_checkpoint("Deployed");
    REQUIRE(rev.checkpoints().size() == 1);
    CHECK_THROWS_WITH(rev.rollback_checkpoints(2), Catch::Contains("Cannot roll back 2"));
    rev.rollback_checkpoints(1);
    CHECK(plugin_support::read_file(d / "site.conf") == "v1\n");
    CHECK(rev.checkpoints().empty());
}

TEST_CASE("the plugins' Reverter refuses a host without certbot.checkpoint.v1", "[reverter]") {
    cb_host old = *certbot::LocalHost("/nonexistent").table();
    old.get_extension = [](void*, const char*) -> const void* { return nullptr; };
    CHECK_THROWS_WITH(Reverter(&old),
                      "this certbot does not offer the host service "
                      "certbot.checkpoint.v1; upgrade certbot");
}
