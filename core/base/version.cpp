#include "version.h"

namespace certbot {

const char* certbot_version() {
    return CERTBOT_VERSION;
}

const char* certbot_surface_version() {
    return "2.1.0";
}

}  // namespace certbot
