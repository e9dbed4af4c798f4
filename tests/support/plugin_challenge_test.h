// An http-01 challenge for the plugin host tests (fixed token and key authorization).
#pragma once

#include <certbot/plugin.h>

namespace certbot::test {

inline cb_challenge http01_challenge(const char* identifier) {
    cb_challenge c{};
    c.struct_size = sizeof c;
    c.type = "http-01";
    c.identifier = identifier;
    c.token = "tok";
    c.key_authorization = "tok.thumb";
    c.validation = "tok.thumb";
    c.validation_name = "/.well-known/acme-challenge/tok";
    return c;
}

}  // namespace certbot::test
