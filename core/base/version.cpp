#include "version.h"

namespace certbot {

const char* certbot_version() {
    return CERTBOT_VERSION;
}

}  // namespace certbot
