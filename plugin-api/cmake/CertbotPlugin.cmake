# certbot_add_plugin(<target> SOURCES ... [OUTPUT_DIR dir] [LIBS ...])
# Builds a certbot plugin: a MODULE library named <target>.so that exports only
# certbot_plugin_entry (version script) and has no undefined symbols (-z defs).
# Out of tree, find_package(CertbotPlugin CONFIG) includes this file and provides CertbotPlugin::api
# (the headers), which the plugin then links.
function(certbot_add_plugin target)
  cmake_parse_arguments(P "" "OUTPUT_DIR" "SOURCES;LIBS" ${ARGN})
  add_library(${target} MODULE ${P_SOURCES})
  # Every plugin built in one project (certbot's man page lists the in-tree ones).
  set_property(GLOBAL APPEND PROPERTY CERTBOT_PLUGIN_TARGETS ${target})
  set_target_properties(${target} PROPERTIES PREFIX "" CXX_VISIBILITY_PRESET hidden
                        C_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  if(P_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${P_OUTPUT_DIR}")
  endif()
  if(TARGET certbot_plugin_api)
    target_link_libraries(${target} PRIVATE certbot_plugin_api)
  elseif(TARGET CertbotPlugin::api)
    target_link_libraries(${target} PRIVATE CertbotPlugin::api)
  endif()
  target_link_libraries(${target} PRIVATE ${P_LIBS})
  # CMAKE_CURRENT_FUNCTION_LIST_DIR: this file's directory, wherever the function is called.
  set(map "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/certbot-plugin.map")
  target_link_options(${target} PRIVATE "LINKER:--version-script=${map}" "LINKER:-z,defs")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${map}")
  # certbot loads a plugin only from a directory and a file no other user can write (OpenSSH's
  # StrictModes). Under umask 0002 the linker leaves both group-writable, and the build tree's
  # certbot would refuse its own plugins; the build takes group and other write away.
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND chmod go-w "$<TARGET_FILE:${target}>" "$<TARGET_FILE_DIR:${target}>" VERBATIM)
endfunction()
