// Private keys leave a node only sealed with the fleet key: AES-256-GCM (NIST SP 800-38D) through
// OpenSSL's EVP interface, a fresh random 96-bit nonce per sealing, and associated data that
// binds the ciphertext to where it belongs (a lineage's name and version), so a sealed key moved
// to another lineage or version in etcd does not open. The fleet key is 32 random bytes in a file
// every node holds (`head -c 32 /dev/urandom > FILE`), raw or base64.
#pragma once

#include <string>
#include <string_view>

#include "result.h"

namespace certbot {

constexpr size_t kFleetKeyBytes = 32;

// Reads the fleet key file: exactly 32 bytes, or their base64 (44 characters, a trailing newline
// allowed). Refuses a file that is not a regular file or that group or others may read or write
// (it must be 0600 or 0400, like a private key).
Result<std::string> load_fleet_key(const std::string& path);

// "certbot-fleet-sealed-v1:" + base64(nonce || ciphertext || tag).
Result<std::string> seal(std::string_view key, std::string_view plaintext, std::string_view aad);
// The inverse; fails (saying: wrong fleet key or altered data) when the tag does not verify.
Result<std::string> unseal(std::string_view key, std::string_view sealed, std::string_view aad);

// The associated data of a lineage's private key: its name and version.
std::string lineage_key_aad(const std::string& lineage, int version);

}  // namespace certbot
