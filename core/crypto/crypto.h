// Keys, JWS/JWK, CSRs and certificates on top of OpenSSL 3 (EVP and OSSL_PARAM APIs only).
//
// Everything that can fail returns Result/Status with a one-line message naming what failed.
// No function here logs, and no message ever contains key material: callers may log errors freely.
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "result.h"

namespace certbot {

// ---------------------------------------------------------------------------------------------
// Keys

// What key to generate (certbot's --key-type, --rsa-key-size, --elliptic-curve).
struct KeySpec {
    enum class Type { Ecdsa, Rsa };
    Type type = Type::Ecdsa;
    int rsa_bits = 2048;              // 2048..8192
    std::string curve = "secp256r1";  // secp256r1, secp384r1, secp521r1 (also P-256/prime256v1...)
};

struct EvpPkeyDeleter {
    void operator()(EVP_PKEY* p) const;
};

// Move-only owner of an EVP_PKEY holding an RSA or a named-curve EC private key. A PrivateKey
// obtained from generate/from_pem/private_key_from_jwk_json is always valid; a default-constructed
// or moved-from one is empty (get() == nullptr) and must not be used for anything else.
class PrivateKey {
  public:
    PrivateKey() = default;
    // Takes ownership; callers normally use the factories below.
    explicit PrivateKey(EVP_PKEY* owned) : pkey_(owned) {}
    PrivateKey(PrivateKey&&) noexcept = default;
    PrivateKey& operator=(PrivateKey&&) noexcept = default;
    PrivateKey(const PrivateKey&) = delete;
    PrivateKey& operator=(const PrivateKey&) = delete;

    static Result<PrivateKey> generate(const KeySpec& spec);
    // PKCS#8 ("BEGIN PRIVATE KEY"), SEC1 ("BEGIN EC PRIVATE KEY", an "EC PARAMETERS" block
    // before it is fine) or PKCS#1 ("BEGIN RSA PRIVATE KEY"). Encrypted keys are refused, never
    // prompted for.
    static Result<PrivateKey> from_pem(std::string_view pem);

    // PKCS#8 PEM, unencrypted (what Python certbot writes to privkey.pem).
    Result<std::string> to_pem() const;
    // SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY"), with its trailing newline.
    std::string public_pem() const;

    bool is_ec() const;
    bool is_rsa() const;
    // "ES256" (P-256), "ES384" (P-384), "ES512" (P-521) or "RS256" (RFC 7518 §3.1).
    std::string jws_alg() const;
    // The spec this key satisfies: type, rsa_bits (RSA) or curve ("secp256r1"...) (EC).
    KeySpec spec() const;

    EVP_PKEY* get() const { return pkey_.get(); }
    explicit operator bool() const { return pkey_ != nullptr; }

  private:
    std::unique_ptr<EVP_PKEY, EvpPkeyDeleter> pkey_;
};

// ---------------------------------------------------------------------------------------------
// JWK (RFC 7517/7518) and thumbprints (RFC 7638)

// Canonical public JWK for the thumbprint (RFC 7638 §3): required members only, lexicographic
// order, no whitespace. EC: {"crv":"P-256","kty":"EC","x":..,"y":..} with x/y padded to the field
// size; RSA: {"e":..,"kty":"RSA","n":..} with minimal big-endian n and e. Also usable as the "jwk"
// member of a JWS protected header (RFC 8555 §6.2).
std::string jwk_public_json(const PrivateKey& key);
// base64url(SHA-256(jwk_public_json(key))), e.g. for key authorizations (RFC 8555 §8.1).
std::string jwk_thumbprint(const PrivateKey& key);
// base64url(SHA-256(canonical_json)); the caller vouches that the JSON is canonical.
std::string jwk_thumbprint_of_json(std::string_view canonical_json);

// The account key file Python certbot writes (accounts/<server>/<id>/private_key.json): josepy's
// member order and json.dumps separators. RSA {"n": .., "e": .., "d": .., "p": .., "q": ..,
// "dp": .., "dq": .., "qi": .., "kty": "RSA"}; EC {"d": .., "x": .., "y": .., "crv": "P-256",
// "kty": "EC"}. The result holds private key material.
Result<std::string> jwk_private_json_certbot(const PrivateKey& key);
// Reads a private JWK (any member order, any whitespace, extra members ignored). EC needs crv, x,
// y, d; RSA needs n, e, d, p, q, dp, dq, qi. The key pair is checked for consistency.
Result<PrivateKey> private_key_from_jwk_json(std::string_view json);

// ---------------------------------------------------------------------------------------------
// JWS (RFC 7515 flattened JSON serialization, as ACME uses it: RFC 8555 §6.2)

// Returns {"protected":"<b64u>","payload":"<b64u>","signature":"<b64u>"}. protected_header_json
// is used verbatim (the caller builds alg/nonce/url/jwk-or-kid); payload "" gives the empty
// payload field of POST-as-GET (RFC 8555 §6.3).
Result<std::string> jws_sign(const PrivateKey& key, std::string_view protected_header_json,
                             std::string_view payload);
// Signature over data in JWS form for key.jws_alg(): PKCS#1 v1.5 for RSA, fixed-size R||S for
// ECDSA (RFC 7518 §3.4: 64, 96 or 132 bytes).
Result<std::string> sign_raw(const PrivateKey& key, std::string_view data);
// Verifies a JWS-form signature made by sign_raw (or anyone using the same alg).
bool verify_raw(const PrivateKey& key, std::string_view data, std::string_view signature);
// Same with a key in SubjectPublicKeyInfo PEM; false if the PEM does not parse.
bool verify_raw_public_pem(std::string_view public_pem, std::string_view data,
                           std::string_view signature);

// HMAC for external account binding (RFC 8555 §7.3.4). alg is "HS256", "HS384" or "HS512";
// returns the raw MAC, or "" for any other alg (check with is_hmac_alg first).
std::string hmac(std::string_view alg, std::string_view key, std::string_view data);
bool is_hmac_alg(std::string_view alg);

// Raw SHA-256 digest (32 bytes).
std::string sha256(std::string_view data);
// Lowercase hex MD5 (32 characters); only for certbot's account ids, never for security.
std::string md5_hex(std::string_view data);

// Python certbot's account id: md5 hex of the SubjectPublicKeyInfo PEM text of the account key.
std::string certbot_account_id(const PrivateKey& key);

// ---------------------------------------------------------------------------------------------
// CSRs (RFC 2986) for finalize (RFC 8555 §7.4)

// DER CSR signed with SHA-256: SAN with every name, CN = first name when it fits (<= 64 chars),
// and with must_staple the TLS feature extension status_request (RFC 7633).
Result<std::string> make_csr_der(const PrivateKey& key, const std::vector<std::string>& dns_names,
                                 bool must_staple);

struct CsrInfo {
    std::vector<std::string> dns_names;  // SAN dNSNames, in order
    std::string common_name;             // "" if none
    bool must_staple = false;
    std::string public_key_pem;
};
// Parses and checks the self-signature of a DER CSR.
Result<CsrInfo> parse_csr_der(std::string_view der);
// PEM <-> DER for CSRs ("BEGIN CERTIFICATE REQUEST").
Result<std::string> csr_der_to_pem(std::string_view der);
Result<std::string> csr_pem_to_der(std::string_view pem);

// ---------------------------------------------------------------------------------------------
// Certificates

struct CertInfo {
    std::vector<std::string> dns_names;  // SAN dNSNames, in order
    std::string serial_hex;              // lowercase, no leading zeros (as certbot prints it)
    int64_t not_before = 0;              // unix seconds
    int64_t not_after = 0;
    std::string issuer;      // RFC 2253 form, e.g. "CN=R3,O=Let's Encrypt,C=US"
    std::string subject;     // RFC 2253 form
    std::string issuer_cn;   // issuer commonName ("" if none), for --preferred-chain
    std::string subject_cn;  // subject commonName ("" if none)
    std::string key_type;    // "ECDSA" or "RSA" (certbot certificates' "Key Type")
    std::string public_key_pem;
    std::vector<std::string> ocsp_urls;  // authorityInfoAccess OCSP URIs
};

// Parses the first certificate in the text.
Result<CertInfo> parse_cert_pem(std::string_view pem);
// What a listing or a renewal plan reads of the first certificate in the text (its names,
// serial, dates and key type; the other fields stay empty), through the DER walk of
// cert_dates.h, which does not start OpenSSL's decoders; parse_cert_pem for a certificate the
// walk leaves to it.
Result<CertInfo> cert_info_walked(std::string_view pem);
// Splits a PEM bundle (application/pem-certificate-chain, RFC 8555 §9.1) into normalized
// "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n" blocks, each one parsed and
// re-encoded. Anything but whitespace between blocks, a block that does not parse, no
// certificate at all or more than kMaxChainCerts certificates is an error.
constexpr size_t kMaxChainCerts = 10;
Result<std::vector<std::string>> split_pem_chain(std::string_view pem);
// True if the (first) certificate in cert_pem is for key's public key.
bool cert_matches_key(std::string_view cert_pem, const PrivateKey& key);
// A freshly issued chain (split_pem_chain blocks, leaf first), checked before it is stored: the
// leaf is for the public key (PEM, as PrivateKey::public_pem and CsrInfo give it), its dNSNames are
// exactly names (case-insensitive, any order), it is valid at now (unix seconds; kIssuedClockSlack
// of not-yet-valid is tolerated) and each certificate is issued and signed by the next. The error
// says what is wrong, for "refusing the certificate".
constexpr int64_t kIssuedClockSlack = 300;
Status verify_issued_chain(const std::vector<std::string>& chain, std::string_view public_key_pem,
                           const std::vector<std::string>& names, int64_t now);
inline Status verify_issued_chain(const std::vector<std::string>& chain, const PrivateKey& key,
                                  const std::vector<std::string>& names, int64_t now) {
    return verify_issued_chain(chain, key.public_pem(), names, now);
}
// Verifies leaf -> intermediates (zero or more, may be "") -> root (one or more trust anchors)
// at the current time.
Status verify_chain(std::string_view leaf_pem, std::string_view intermediates_pem,
                    std::string_view root_pem);

Result<std::string> der_to_pem_cert(std::string_view der);
// DER of the first certificate in pem (e.g. for revocation, RFC 8555 §7.6).
Result<std::string> pem_to_der_cert(std::string_view pem);

struct CertExtension {
    bool critical = false;
    std::string value;  // the DER inside extnValue
};
// The extension with the given dotted OID in the first certificate of cert_pem, or nullopt.
Result<std::optional<CertExtension>> find_cert_extension(std::string_view cert_pem,
                                                         std::string_view oid);

// ---------------------------------------------------------------------------------------------
// Certificate making: tls-alpn-01 (the general builder is cert_builder.h)

// RFC 8737 §3: self-signed certificate with SAN = domain and the critical acmeIdentifier
// extension (1.3.6.1.5.5.7.1.31) holding OCTET STRING(SHA-256(key_authorization)), on a fresh
// P-256 key. Returns (certificate PEM, PKCS#8 key PEM).
Result<std::pair<std::string, std::string>> make_tls_alpn_cert(const std::string& domain,
                                                               std::string_view key_authorization);

}  // namespace certbot
