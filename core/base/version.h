// This program's version, for --version, the user agent, the log and renewal confs.
#pragma once

namespace certbot {

// The project version from CMake (CERTBOT_VERSION is defined for version.cpp only).
const char* certbot_version();

}  // namespace certbot
