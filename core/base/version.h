// This program's version, for --version, the user agent, the log and renewal confs.
#pragma once

namespace certbot {

// The project version from CMake (CERTBOT_VERSION is defined for version.cpp only).
const char* certbot_version();

// The version of Python certbot whose command line and store this client implements: what
// `--version` leads with (scripts gate features on it) and the renewal confs' `version`.
const char* certbot_surface_version();

}  // namespace certbot
