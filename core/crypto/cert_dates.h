// The validity period of a certificate (and, below, what `certificates` lists), read by walking its
// DER (RFC 5280 §4.1) up to the validity field and no further: what the renewal decision needs, at
// a small fraction of the cost of parse_cert_pem (which decodes the key, names and extensions
// through OpenSSL's provider machinery). `renew` over thousands of lineages reads nothing else from
// certificates that are not due.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace certbot {

struct Validity {
    int64_t not_before = 0;  // unix seconds
    int64_t not_after = 0;
};

// Certificate DER. nullopt unless it is a SEQUENCE holding a tbsCertificate SEQUENCE whose
// fields up to validity are well formed and whose times are UTCTime "YYMMDDHHMMSSZ" or
// GeneralizedTime "YYYYMMDDHHMMSSZ" (the forms RFC 5280 §4.1.2.5 allows).
std::optional<Validity> cert_validity_der(std::string_view der);

// The first "-----BEGIN CERTIFICATE-----" block of a PEM text.
std::optional<Validity> cert_validity_pem(std::string_view pem);

// What `certbot certificates` shows of a certificate, and the parts of ARI's certID, read by
// the same walk over the whole certificate (no OpenSSL decoding; about 1/10 of
// parse_cert_pem's cost). nullopt when the certificate is not in the shape this walk
// understands: not well formed up to the extensions, a key that is neither EC nor RSA, a
// negative serial, a repeated or malformed subjectAltName or authorityKeyIdentifier. The caller
// then falls back to parse_cert_pem, which either reads it or says why not.
struct CertSummary {
    Validity validity;
    std::string serial_hex;          // as CertInfo::serial_hex
    std::string key_type;            // "ECDSA" or "RSA", as CertInfo::key_type
    std::vector<std::string> names;  // as CertInfo::dns_names: dNSNames and IPs, in order
    std::string serial;              // the serialNumber INTEGER's content octets
    std::string authority_key_id;    // keyIdentifier of authorityKeyIdentifier, "" if none
};
std::optional<CertSummary> cert_summary_der(std::string_view der);
std::optional<CertSummary> cert_summary_pem(std::string_view pem);

}  // namespace certbot
