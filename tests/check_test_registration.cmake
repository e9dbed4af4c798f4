# ctest check (tests.every-catch-case-registered-strictly): no CMakeLists.txt calls
# catch_discover_tests directly. certbot_discover_tests (top-level CMakeLists.txt) adds
# --warn NoTests, so that a ctest entry matching no Catch2 case fails; a direct call would let
# such an entry pass having run nothing. Run with -DSOURCE_DIR=<repository root>.
file(GLOB_RECURSE lists "${SOURCE_DIR}/CMakeLists.txt" "${SOURCE_DIR}/*/CMakeLists.txt")
set(bad "")
set(n 0)
foreach(f IN LISTS lists)
  # Build directories (build*/, a package build's debian/build/) and .git are skipped by their
  # path inside the repository: the repository itself may lie below a directory named build*
  # (packaging/build-debs.sh builds in /build/<dir>/, where matching the whole path skipped all).
  file(RELATIVE_PATH rel "${SOURCE_DIR}" "${f}")
  if(rel MATCHES "^(build[^/]*|\\.git|debian)/" OR rel STREQUAL "CMakeLists.txt")
    continue()
  endif()
  math(EXPR n "${n} + 1")
  file(STRINGS "${f}" lines REGEX "catch_discover_tests[ \t]*\\(")
  if(lines)
    list(APPEND bad "${f}")
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "catch_discover_tests called directly (use certbot_discover_tests): ${bad}")
endif()
if(n EQUAL 0)
  message(FATAL_ERROR "no CMakeLists.txt below ${SOURCE_DIR} was checked")
endif()
message(STATUS "${n} CMakeLists.txt files checked: every Catch2 executable uses certbot_discover_tests")
