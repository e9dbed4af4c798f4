// What this client tells the ACME server about itself.
#pragma once

#include <string>

#include "config.h"

namespace certbot {

// The User-Agent of ACME requests: --user-agent as given, else certbot's format with our name:
// "CertbotNative/V (certbot; OS[; --user-agent-comment]) Authenticator/A Installer/I
// (VERB; flags: F) OpenSSL/V" (certbot ends with Py/V).
std::string user_agent(const Config& cfg);

}  // namespace certbot
