// Base64 and hex codecs. base64url without padding is the JOSE encoding (RFC 7515 §2, RFC 4648 §5):
// every JWS field, JWK member and ACME token is in it, so the decoder is strict and the alphabet
// check (is_base64url) is what callers use to vet tokens from the server before they reach a path.
#pragma once

#include <string>
#include <string_view>

#include "result.h"

namespace certbot {

// base64url without '=' padding (RFC 7515 §2).
std::string base64url_encode(std::string_view bytes);

// Strict inverse of base64url_encode: rejects '=', whitespace, characters outside [A-Za-z0-9_-],
// an impossible length (4n+1) and non-zero trailing bits (so every text has one decoding).
Result<std::string> base64url_decode(std::string_view text);

// True if s is non-empty and consists only of [A-Za-z0-9_-] (RFC 8555 §8.1: token alphabet).
bool is_base64url(std::string_view s);

// Standard base64 with '=' padding (RFC 4648 §4), as inside PEM.
std::string base64_encode(std::string_view bytes);

// Standard base64 (RFC 4648 §4). ASCII whitespace (PEM line breaks) is skipped; '=' padding is
// optional but, if present, must be complete and only at the end; anything else is rejected.
Result<std::string> base64_decode(std::string_view text);

// Lowercase hex, two characters per byte.
std::string hex_encode(std::string_view bytes);

}  // namespace certbot
