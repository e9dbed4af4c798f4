#include "tls_alpn.h"

#include "hex.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <algorithm>
#include <stdexcept>

namespace standalone {
namespace {

// RFC 8737 §6.1: id-pe-acmeIdentifier.
constexpr const char* kAcmeIdentifierOid = "1.3.6.1.5.5.7.1.31";
constexpr long kValidBefore = 60L * 60;          // one hour of clock skew
constexpr long kValidAfter = 7L * 24 * 60 * 60;  // a validation takes minutes

[[noreturn]] void openssl_fail(const std::string& what) {
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    char buf[256] = "unknown error";
    if (code != 0) ERR_error_string_n(code, buf, sizeof(buf));
    throw std::runtime_error("Could not build the tls-alpn-01 certificate: " + what + " (" + buf +
                             ").");
}

template <class T, void (*F)(T*)>
struct Free {
    void operator()(T* p) const { F(p); }
};
using Asn1Object = std::unique_ptr<ASN1_OBJECT, Free<ASN1_OBJECT, ASN1_OBJECT_free>>;
using OctetString =
    std::unique_ptr<ASN1_OCTET_STRING, Free<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, Free<X509_EXTENSION, X509_EXTENSION_free>>;
using Bignum = std::unique_ptr<BIGNUM, Free<BIGNUM, BN_free>>;
using GeneralNames = std::unique_ptr<GENERAL_NAMES, Free<GENERAL_NAMES, GENERAL_NAMES_free>>;

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool from_hex(const std::string& hex, Sha256& out) {
    if (hex.size() != out.size() * 2) return false;
    for (size_t i = 0; i < out.size(); ++i) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = static_cast<unsigned char>(hi * 16 + lo);
    }
    return true;
}

void add_san(X509* cert, const std::string& identifier) {
    // Built by hand, not from a "DNS:..." config string, so nothing in the name can add a
    // second entry. RFC 8738 §6: for an IP identifier the one entry is an iPAddress.
    unsigned char ip[16];
    int ip_len = 0;
    if (inet_pton(AF_INET, identifier.c_str(), ip) == 1)
        ip_len = 4;
    else if (inet_pton(AF_INET6, identifier.c_str(), ip) == 1)
        ip_len = 16;
    GeneralNames names(sk_GENERAL_NAME_new_null());
    GENERAL_NAME* name = GENERAL_NAME_new();
    ASN1_STRING* value = ip_len ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
    const bool set = value && (ip_len ? ASN1_OCTET_STRING_set(value, ip, ip_len)
                                      : ASN1_STRING_set(value, identifier.data(),
                                                        static_cast<int>(identifier.size())));
    if (!names || !name || !set) {
        GENERAL_NAME_free(name);
        ASN1_STRING_free(value);
        openssl_fail("subjectAltName");
    }
    GENERAL_NAME_set0_value(name, ip_len ? GEN_IPADD : GEN_DNS, value);
    if (!sk_GENERAL_NAME_push(names.get(), name)) {
        GENERAL_NAME_free(name);
        openssl_fail("subjectAltName");
    }
    if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1)
        openssl_fail("subjectAltName");
}

void add_acme_identifier(X509* cert, const Sha256& digest) {
    // extnValue wraps the DER of Authorization ::= OCTET STRING (SIZE (32)).
    unsigned char der[2 + 32] = {V_ASN1_OCTET_STRING, 32};
    std::copy(digest.begin(), digest.end(), der + 2);
    Asn1Object oid(OBJ_txt2obj(kAcmeIdentifierOid, 1));
    OctetString value(ASN1_OCTET_STRING_new());
    if (!oid || !value || !ASN1_OCTET_STRING_set(value.get(), der, sizeof(der)))
        openssl_fail("acmeIdentifier");
    Extension ext(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 1 /* critical */, value.get()));
    if (!ext || !X509_add_ext(cert, ext.get(), -1)) openssl_fail("acmeIdentifier");
}

}  // namespace

Sha256 sha256(const std::string& data) {
    Sha256 out{};
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
    return out;
}

std::string to_hex(const Sha256& digest) {
    return certbot::common::hex(digest.data(), digest.size());
}

Sha256 alpn_digest(const std::string& identifier, const std::string& key_authorization,
                   const std::string& validation) {
    Sha256 from_validation{};
    bool have_validation = !validation.empty() && from_hex(validation, from_validation);
    if (!validation.empty() && !have_validation)
        throw std::runtime_error("The tls-alpn-01 validation for " + identifier +
                                 " is not a hex SHA-256 digest.");
    if (key_authorization.empty()) {
        if (!have_validation)
            throw std::runtime_error("No key authorization for the tls-alpn-01 challenge of " +
                                     identifier + ".");
        return from_validation;
    }
    Sha256 digest = sha256(key_authorization);
    if (have_validation && digest != from_validation)
        throw std::runtime_error("The tls-alpn-01 validation for " + identifier +
                                 " does not match the SHA-256 of its key authorization.");
    return digest;
}

AlpnCert make_alpn_cert(const std::string& identifier, const Sha256& digest) {
    AlpnCert out;
    out.key.reset(EVP_EC_gen("P-256"));
    if (!out.key) openssl_fail("key generation");
    out.cert.reset(X509_new());
    X509* cert = out.cert.get();
    if (!cert || !X509_set_version(cert, 2)) openssl_fail("certificate");

    unsigned char serial_bytes[16];
    if (RAND_bytes(serial_bytes, sizeof(serial_bytes)) != 1) openssl_fail("serial number");
    serial_bytes[0] &= 0x7f;  // positive
    Bignum serial(BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr));
    if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)))
        openssl_fail("serial number");
    if (!X509_gmtime_adj(X509_getm_notBefore(cert), -kValidBefore) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert), kValidAfter))
        openssl_fail("validity");

    // certbot's acme library names the domain in the subject too; a common name is at most
    // 64 characters (RFC 5280 ub-common-name), so a longer name is only in the SAN.
    // An IP address goes only into the SAN (RFC 8738 §6: a single iPAddress).
    X509_NAME* subject = X509_get_subject_name(cert);
    unsigned char ip[16];
    const bool is_ip = inet_pton(AF_INET, identifier.c_str(), ip) == 1 ||
                       inet_pton(AF_INET6, identifier.c_str(), ip) == 1;
    if (!is_ip && identifier.size() <= 64 &&
        !X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                    reinterpret_cast<const unsigned char*>(identifier.c_str()), -1,
                                    -1, 0))
        openssl_fail("subject");
    if (!X509_set_issuer_name(cert, subject)) openssl_fail("issuer");
    if (!X509_set_pubkey(cert, out.key.get())) openssl_fail("public key");
    add_san(cert, identifier);
    add_acme_identifier(cert, digest);
    if (X509_sign(cert, out.key.get(), EVP_sha256()) <= 0) openssl_fail("signature");
    return out;
}

}  // namespace standalone
