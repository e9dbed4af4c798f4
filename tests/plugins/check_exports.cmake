# cmake -DPLUGIN=<file.so> [-DNM=<nm>] -P check_exports.cmake
# Fails unless the shared object's dynamic symbol table defines exactly one symbol,
# certbot_plugin_entry (plugin ABI rule 1: version script, nothing else leaks).
if(NOT PLUGIN)
  message(FATAL_ERROR "usage: cmake -DPLUGIN=<file.so> [-DNM=<nm>] -P check_exports.cmake")
endif()
if(NOT NM)
  set(NM nm)
endif()
execute_process(COMMAND "${NM}" -D --defined-only "${PLUGIN}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} -D --defined-only ${PLUGIN} failed (${rc}): ${err}")
endif()
string(REGEX MATCHALL "[^\n]+" lines "${out}")
set(symbols "")
foreach(line IN LISTS lines)
  # "<address> <type> <name>"
  string(REGEX REPLACE "^[0-9a-fA-F]* *[A-Za-z] +" "" name "${line}")
  list(APPEND symbols "${name}")
endforeach()
if(NOT symbols STREQUAL "certbot_plugin_entry")
  list(LENGTH symbols count)
  message(FATAL_ERROR "${PLUGIN} must export exactly certbot_plugin_entry; "
                      "it defines ${count} dynamic symbols: ${symbols}")
endif()
message(STATUS "${PLUGIN}: exports only certbot_plugin_entry")
