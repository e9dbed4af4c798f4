// RFC 8737 (tls-alpn-01): the self-signed certificate a validation server presents.
#ifndef CERTBOT_PLUGINS_STANDALONE_TLS_ALPN_H
#define CERTBOT_PLUGINS_STANDALONE_TLS_ALPN_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>
#include <memory>
#include <string>

namespace standalone {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
    void operator()(X509* p) const { X509_free(p); }
};

// A key and the certificate that answers tls-alpn-01 for one identifier.
struct AlpnCert {
    std::unique_ptr<EVP_PKEY, PkeyFree> key;
    std::unique_ptr<X509, X509Free> cert;
};

using Sha256 = std::array<unsigned char, 32>;

// SHA-256 of DATA.
Sha256 sha256(const std::string& data);

// Lowercase hex of DIGEST: the form cb_challenge.validation takes for tls-alpn-01.
std::string to_hex(const Sha256& digest);

// The digest of the key authorization (RFC 8737 §3) that the certificate must carry. The key
// authorization is the source; VALIDATION, when the host gives one, must agree with it. Throws
// std::runtime_error naming IDENTIFIER when neither is usable or they disagree.
Sha256 alpn_digest(const std::string& identifier, const std::string& key_authorization,
                   const std::string& validation);

// A fresh P-256 key and a self-signed certificate for IDENTIFIER with the subjectAltName
// dNSName IDENTIFIER (for an IP address: the iPAddress, RFC 8738 §6) and no other, and the critical
// acmeIdentifier extension (1.3.6.1.5.5.7.1.31) holding the DER OCTET STRING of DIGEST (RFC 8737
// §3). Throws std::runtime_error on an OpenSSL failure.
AlpnCert make_alpn_cert(const std::string& identifier, const Sha256& digest);

}  // namespace standalone

#endif  // CERTBOT_PLUGINS_STANDALONE_TLS_ALPN_H
