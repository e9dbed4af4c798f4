// The validity period of a certificate, read by walking its DER (RFC 5280 §4.1) up to the
// validity field and no further: what the renewal decision needs, at a small fraction of the
// cost of parse_cert_pem (which decodes the key, names and extensions through OpenSSL's
// provider machinery). `renew` over thousands of lineages reads nothing else from certificates
// that are not due.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

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

}  // namespace certbot
