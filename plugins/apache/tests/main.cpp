// Catch2 main for the apache plugin tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
