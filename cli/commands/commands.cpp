#include "commands.h"

#include "log.h"

namespace certbot {

int fail(const Error& e) {
    log::error(e.message);
    return e.exit_code;
}

}  // namespace certbot
