// Catch2 main for the plugin test binary.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
