# ctest check (tests.every-catch-case-registered-strictly): no CMakeLists.txt calls
# catch_discover_tests directly. certbot_discover_tests (top-level CMakeLists.txt) adds
# --warn NoTests, so that a ctest entry matching no Catch2 case fails; a direct call would let
# such an entry pass having run nothing. Run with -DSOURCE_DIR=<repository root>.
file(GLOB_RECURSE lists "${SOURCE_DIR}/CMakeLists.txt" "${SOURCE_DIR}/*/CMakeLists.txt")
set(bad "")
foreach(f IN LISTS lists)
  if(f MATCHES "/(build[^/]*|\\.git)/" OR f STREQUAL "${SOURCE_DIR}/CMakeLists.txt")
    continue()
  endif()
  file(STRINGS "${f}" lines REGEX "catch_discover_tests[ \t]*\\(")
  if(lines)
    list(APPEND bad "${f}")
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "catch_discover_tests called directly (use certbot_discover_tests): ${bad}")
endif()
list(LENGTH lists n)
message(STATUS "${n} CMakeLists.txt files checked: every Catch2 executable uses certbot_discover_tests")
