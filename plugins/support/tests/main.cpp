// Catch2 main for the plugin support tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
