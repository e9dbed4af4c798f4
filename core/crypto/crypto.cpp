#include "crypto.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <ctime>

#include "base64.h"
#include "cert_builder.h"
#include "cert_dates.h"
#include "ip_address.h"

namespace certbot {

void EvpPkeyDeleter::operator()(EVP_PKEY* p) const {
    EVP_PKEY_free(p);
}

namespace {

// ---------------------------------------------------------------------------------------------
// OpenSSL ownership and error helpers

template <auto F>
struct Fn {
    template <class T>
    void operator()(T* p) const {
        F(p);
    }
};

using BioPtr = std::unique_ptr<BIO, Fn<BIO_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Fn<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Fn<EVP_MD_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Fn<BN_clear_free>>;  // may hold private values
using BnCtxPtr = std::unique_ptr<BN_CTX, Fn<BN_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Fn<ECDSA_SIG_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Fn<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Fn<OSSL_PARAM_free>>;
using X509Ptr = std::unique_ptr<X509, Fn<X509_free>>;
using ReqPtr = std::unique_ptr<X509_REQ, Fn<X509_REQ_free>>;
using NamePtr = std::unique_ptr<X509_NAME, Fn<X509_NAME_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Fn<X509_EXTENSION_free>>;
using GensPtr = std::unique_ptr<GENERAL_NAMES, Fn<GENERAL_NAMES_free>>;
using OctetPtr = std::unique_ptr<ASN1_OCTET_STRING, Fn<ASN1_OCTET_STRING_free>>;
using ObjPtr = std::unique_ptr<ASN1_OBJECT, Fn<ASN1_OBJECT_free>>;
using IntPtr = std::unique_ptr<ASN1_INTEGER, Fn<ASN1_INTEGER_free>>;
using TlsFeaturePtr = std::unique_ptr<TLS_FEATURE, Fn<TLS_FEATURE_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Fn<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Fn<X509_STORE_CTX_free>>;

struct OpensslFree {
    void operator()(void* p) const { OPENSSL_free(p); }
};
struct X509StackFree {
    void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
struct ExtStackFree {
    void operator()(STACK_OF(X509_EXTENSION) * s) const {
        sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free);
    }
};
struct StringStackFree {
    void operator()(STACK_OF(OPENSSL_STRING) * s) const { X509_email_free(s); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;
using ExtStackPtr = std::unique_ptr<STACK_OF(X509_EXTENSION), ExtStackFree>;

// Bound on any PEM/DER/JSON input handed to OpenSSL or RapidJSON here.
constexpr size_t kMaxInput = 1 << 20;

// The most specific reason from OpenSSL's error queue, which is then cleared so that stale
// entries never leak into a later message.
std::string openssl_reason() {
    unsigned long last = 0;
    for (unsigned long e; (e = ERR_get_error()) != 0;) last = e;
    if (last == 0) return "unknown OpenSSL error";
    const char* reason = ERR_reason_error_string(last);
    if (reason != nullptr) return reason;
    char buf[256];
    ERR_error_string_n(last, buf, sizeof buf);
    return buf;
}

Error ossl_error(const std::string& what) {
    return Error(what + ": " + openssl_reason());
}

Result<BioPtr> input_bio(std::string_view data, const char* what) {
    if (data.size() > kMaxInput) {
        return Error(std::string(what) + ": input too large (" + std::to_string(data.size()) +
                     " bytes)");
    }
    BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    if (!bio) return ossl_error(what);
    return bio;
}

std::string bio_string(BIO* bio) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    if (len <= 0 || data == nullptr) return {};
    return std::string(data, static_cast<size_t>(len));
}

const unsigned char* uchars(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// ---------------------------------------------------------------------------------------------
// Curves and algorithms

struct Curve {
    const char* certbot_name;  // --elliptic-curve value
    const char* ossl_name;     // OpenSSL group name
    const char* jwk_crv;       // RFC 7518 §6.2.1.1
    const char* jws_alg;       // RFC 7518 §3.4
    const char* digest;
    size_t size;  // field size in bytes: JWK x/y/d and half an R||S signature
};

constexpr Curve kCurves[] = {
    {"secp256r1", "prime256v1", "P-256", "ES256", "SHA256", 32},
    {"secp384r1", "secp384r1", "P-384", "ES384", "SHA384", 48},
    {"secp521r1", "secp521r1", "P-521", "ES512", "SHA512", 66},
};

const Curve* curve_by_name(std::string_view name) {
    for (const auto& c : kCurves) {
        if (name == c.certbot_name || name == c.ossl_name || name == c.jwk_crv) return &c;
    }
    return nullptr;
}

const Curve* curve_of(const EVP_PKEY* pkey) {
    if (pkey == nullptr || !EVP_PKEY_is_a(pkey, "EC")) return nullptr;
    char name[80];
    size_t len = 0;
    if (EVP_PKEY_get_group_name(pkey, name, sizeof name, &len) != 1) {
        ERR_clear_error();
        return nullptr;
    }
    return curve_by_name(std::string_view(name, len));
}

bool is_rsa_key(const EVP_PKEY* pkey) {
    return pkey != nullptr && EVP_PKEY_is_a(pkey, "RSA");
}

// Only RSA and the named curves above can sign ACME requests and certificates here.
Status check_supported(const EVP_PKEY* pkey, const char* what) {
    if (is_rsa_key(pkey)) return Status::Ok();
    if (EVP_PKEY_is_a(pkey, "EC")) {
        if (curve_of(pkey) != nullptr) return Status::Ok();
        return Error(std::string(what) +
                     ": unsupported elliptic curve (use secp256r1, secp384r1 or secp521r1)");
    }
    return Error(std::string(what) + ": unsupported key type " + EVP_PKEY_get0_type_name(pkey) +
                 " (use an RSA or ECDSA key)");
}

// A BIGNUM parameter as big-endian bytes: minimal (at least one byte, as josepy writes 0) when
// pad == 0, else exactly pad bytes.
std::optional<std::string> bn_param(const EVP_PKEY* pkey, const char* name, size_t pad) {
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) {
        ERR_clear_error();
        return std::nullopt;
    }
    BnPtr bn(raw);
    size_t len = pad != 0 ? pad : static_cast<size_t>(BN_num_bytes(bn.get()));
    if (len == 0) len = 1;
    std::string out(len, '\0');
    if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()),
                     static_cast<int>(len)) < 0) {
        return std::nullopt;
    }
    return out;
}

std::optional<std::string> bn_param_b64(const EVP_PKEY* pkey, const char* name, size_t pad) {
    auto bytes = bn_param(pkey, name, pad);
    if (!bytes) return std::nullopt;
    std::string out = base64url_encode(*bytes);
    OPENSSL_cleanse(bytes->data(), bytes->size());
    return out;
}

const char* digest_for(const EVP_PKEY* pkey) {
    if (const Curve* c = curve_of(pkey)) return c->digest;
    if (is_rsa_key(pkey)) return "SHA256";
    return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Signatures

Result<std::string> sign_with(EVP_PKEY* pkey, std::string_view data) {
    const char* md = digest_for(pkey);
    if (md == nullptr) return Error("signing: unsupported key");
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx ||
        EVP_DigestSignInit_ex(ctx.get(), nullptr, md, nullptr, nullptr, pkey, nullptr) != 1) {
        return ossl_error("signing: initializing the signature");
    }
    size_t len = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &len, uchars(data), data.size()) != 1) {
        return ossl_error("signing");
    }
    std::string der(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &len, uchars(data),
                       data.size()) != 1) {
        return ossl_error("signing");
    }
    der.resize(len);
    const Curve* curve = curve_of(pkey);
    if (curve == nullptr) return der;  // RSA: the PKCS#1 v1.5 signature is already JWS form

    // RFC 7518 §3.4: ECDSA signatures are R||S, each left-padded to the field size.
    const unsigned char* p = uchars(der);
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig) return ossl_error("signing: decoding the ECDSA signature");
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    std::string out(2 * curve->size, '\0');
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    if (BN_bn2binpad(r, o, static_cast<int>(curve->size)) < 0 ||
        BN_bn2binpad(s, o + curve->size, static_cast<int>(curve->size)) < 0) {
        return Error("signing: ECDSA signature component larger than the curve");
    }
    return out;
}

bool verify_with(EVP_PKEY* pkey, std::string_view data, std::string_view signature) {
    const char* md = digest_for(pkey);
    if (md == nullptr) return false;
    std::string der;
    if (const Curve* curve = curve_of(pkey)) {
        if (signature.size() != 2 * curve->size) return false;
        BnPtr r(BN_bin2bn(uchars(signature), static_cast<int>(curve->size), nullptr));
        BnPtr s(BN_bin2bn(uchars(signature) + curve->size, static_cast<int>(curve->size), nullptr));
        EcdsaSigPtr sig(ECDSA_SIG_new());
        if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
            ERR_clear_error();
            return false;
        }
        r.release();  // owned by sig now
        s.release();
        unsigned char* buf = nullptr;
        int len = i2d_ECDSA_SIG(sig.get(), &buf);
        if (len <= 0) {
            ERR_clear_error();
            return false;
        }
        std::unique_ptr<unsigned char, OpensslFree> owned(buf);
        der.assign(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
    } else {
        der.assign(signature);
    }
    MdCtxPtr ctx(EVP_MD_CTX_new());
    bool ok =
        ctx &&
        EVP_DigestVerifyInit_ex(ctx.get(), nullptr, md, nullptr, nullptr, pkey, nullptr) == 1 &&
        EVP_DigestVerify(ctx.get(), uchars(der), der.size(), uchars(data), data.size()) == 1;
    ERR_clear_error();
    return ok;
}

// ---------------------------------------------------------------------------------------------
// Key import from components

Result<PkeyPtr> pkey_fromdata(const char* type, OSSL_PARAM_BLD* bld) {
    ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) != 1) {
        return ossl_error(std::string("JWK: building the ") + type + " key");
    }
    return PkeyPtr(raw);
}

BnPtr bn_from(std::string_view bytes) {
    return BnPtr(BN_bin2bn(uchars(bytes), static_cast<int>(bytes.size()), nullptr));
}

struct Cleansed {
    std::string s;
    ~Cleansed() { OPENSSL_cleanse(s.data(), s.size()); }
};

// A base64url member of a JWK object, decoded.
Result<std::string> jwk_member(const rapidjson::Value& obj, const char* name) {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd()) return Error(std::string("JWK: member \"") + name + "\" is missing");
    if (!it->value.IsString()) {
        return Error(std::string("JWK: member \"") + name + "\" is not a string");
    }
    auto bytes =
        base64url_decode(std::string_view(it->value.GetString(), it->value.GetStringLength()));
    if (!bytes) return Error(std::string("JWK: member \"") + name + "\" is not valid base64url");
    if (bytes->empty()) return Error(std::string("JWK: member \"") + name + "\" is empty");
    return bytes;
}

// Left-pads an EC coordinate to the field size; a longer value cannot be on the curve.
Result<std::string> fixed_size(std::string bytes, size_t size, const char* name) {
    if (bytes.size() > size) {
        return Error(std::string("JWK: member \"") + name + "\" is longer than the curve allows");
    }
    return std::string(size - bytes.size(), '\0') + bytes;
}

Result<PrivateKey> ec_from_jwk(const rapidjson::Value& obj) {
    auto crv = obj.FindMember("crv");
    if (crv == obj.MemberEnd() || !crv->value.IsString()) {
        return Error("JWK: EC key has no \"crv\" member");
    }
    std::string crv_name(crv->value.GetString(), crv->value.GetStringLength());
    const Curve* curve = nullptr;
    for (const auto& c : kCurves) {
        if (crv_name == c.jwk_crv) curve = &c;
    }
    if (curve == nullptr) {
        return Error("JWK: unsupported curve \"" + crv_name + "\" (use P-256, P-384 or P-521)");
    }
    auto x = jwk_member(obj, "x");
    if (!x) return x.error();
    auto y = jwk_member(obj, "y");
    if (!y) return y.error();
    auto d = jwk_member(obj, "d");
    if (!d) return d.error();
    Cleansed secret{std::move(*d)};
    auto xs = fixed_size(std::move(*x), curve->size, "x");
    if (!xs) return xs.error();
    auto ys = fixed_size(std::move(*y), curve->size, "y");
    if (!ys) return ys.error();
    if (secret.s.size() > curve->size) {
        return Error("JWK: member \"d\" is longer than the curve allows");
    }
    std::string point = "\x04" + *xs + *ys;  // SEC1 uncompressed point
    BnPtr priv = bn_from(secret.s);
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!priv || !bld ||
        OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->ossl_name,
                                        0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get()) != 1) {
        return ossl_error("JWK: collecting EC key parameters");
    }
    auto pkey = pkey_fromdata("EC", bld.get());
    if (!pkey) return pkey.error();
    // The point must be on the curve and equal d*G.
    PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey->get(), nullptr));
    if (!check || EVP_PKEY_pairwise_check(check.get()) != 1) {
        ERR_clear_error();
        return Error("JWK: EC private key \"d\" does not match the public point x, y");
    }
    return PrivateKey(pkey->release());
}

// The CRT parameters must agree with n, e and d (RFC 8017 §3.2). OpenSSL's own pairwise check
// applies SP 800-56B key-generation rules that older, valid keys can fail, so check the algebra.
Status check_rsa_components(const BIGNUM* n, const BIGNUM* e, const BIGNUM* d, const BIGNUM* p,
                            const BIGNUM* q, const BIGNUM* dp, const BIGNUM* dq, const BIGNUM* qi) {
    BnCtxPtr ctx(BN_CTX_new());
    BnPtr t(BN_new()), pm1(BN_dup(p)), qm1(BN_dup(q));
    if (!ctx || !t || !pm1 || !qm1 || BN_sub_word(pm1.get(), 1) != 1 ||
        BN_sub_word(qm1.get(), 1) != 1) {
        return ossl_error("JWK: checking the RSA key");
    }
    auto eq = [&](const BIGNUM* want) { return BN_cmp(t.get(), want) == 0; };
    const Error mismatch("JWK: RSA parameters are inconsistent (n, e, d, p, q, dp, dq, qi)");
    if (BN_mul(t.get(), p, q, ctx.get()) != 1 || !eq(n)) return mismatch;
    if (BN_mod(t.get(), d, pm1.get(), ctx.get()) != 1 || !eq(dp)) return mismatch;
    if (BN_mod(t.get(), d, qm1.get(), ctx.get()) != 1 || !eq(dq)) return mismatch;
    if (BN_mod_mul(t.get(), e, dp, pm1.get(), ctx.get()) != 1 || !BN_is_one(t.get())) {
        return mismatch;
    }
    if (BN_mod_mul(t.get(), e, dq, qm1.get(), ctx.get()) != 1 || !BN_is_one(t.get())) {
        return mismatch;
    }
    if (BN_mod_mul(t.get(), qi, q, p, ctx.get()) != 1 || !BN_is_one(t.get())) return mismatch;
    return Status::Ok();
}

Result<PrivateKey> rsa_from_jwk(const rapidjson::Value& obj) {
    if (obj.HasMember("oth")) return Error("JWK: multi-prime RSA keys are not supported");
    static constexpr const char* kNames[] = {"n", "e", "d", "p", "q", "dp", "dq", "qi"};
    static constexpr const char* kParams[] = {
        OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
        OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
        OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    BnPtr bn[8];
    for (int i = 0; i < 8; ++i) {
        auto bytes = jwk_member(obj, kNames[i]);
        if (!bytes) {
            if (i >= 3 && !obj.HasMember(kNames[i])) {
                return Error(std::string("JWK: RSA key lacks \"") + kNames[i] +
                             "\" (p, q, dp, dq, qi are required)");
            }
            return bytes.error();
        }
        Cleansed secret{std::move(*bytes)};
        bn[i] = bn_from(secret.s);
        if (!bn[i]) return ossl_error("JWK: reading RSA parameters");
    }
    if (BN_num_bits(bn[0].get()) < 1024) return Error("JWK: RSA modulus is shorter than 1024 bits");
    CB_TRY(check_rsa_components(bn[0].get(), bn[1].get(), bn[2].get(), bn[3].get(), bn[4].get(),
                                bn[5].get(), bn[6].get(), bn[7].get()));
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld) return ossl_error("JWK: collecting RSA key parameters");
    for (int i = 0; i < 8; ++i) {
        if (OSSL_PARAM_BLD_push_BN(bld.get(), kParams[i], bn[i].get()) != 1) {
            return ossl_error("JWK: collecting RSA key parameters");
        }
    }
    auto pkey = pkey_fromdata("RSA", bld.get());
    if (!pkey) return pkey.error();
    return PrivateKey(pkey->release());
}

// Python json.dumps layout ("{"k": "v", ...}") for members whose values need no escaping
// (base64url text and fixed names).
std::string python_json_object(const std::vector<std::pair<const char*, std::string>>& members) {
    std::string out = "{";
    for (size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out += ", ";
        out += '"';
        out += members[i].first;
        out += "\": \"";
        out += members[i].second;
        out += '"';
    }
    out += '}';
    return out;
}

// ---------------------------------------------------------------------------------------------
// X.509 helpers

Result<X509Ptr> read_first_cert(std::string_view pem) {
    if (pem.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos &&
        pem.find("-----BEGIN X509 CERTIFICATE-----") == std::string_view::npos) {
        return Error("reading certificate PEM: no BEGIN CERTIFICATE block found");
    }
    auto bio = input_bio(pem, "reading certificate PEM");
    if (!bio) return bio.error();
    X509Ptr cert(PEM_read_bio_X509(bio->get(), nullptr, nullptr, nullptr));
    if (!cert)
        return Error("reading certificate PEM: malformed certificate (" + openssl_reason() + ")");
    ERR_clear_error();
    return cert;
}

Result<std::string> cert_to_pem(X509* cert) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
        return ossl_error("writing certificate PEM");
    }
    return bio_string(bio.get());
}

std::string name_rfc2253(const X509_NAME* name) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    // RFC 2253 layout, but keep UTF-8 as it is instead of escaping every high byte.
    if (!bio ||
        X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
        ERR_clear_error();
        return {};
    }
    return bio_string(bio.get());
}

std::string name_cn(const X509_NAME* name) {
    int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (idx < 0) return {};
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len < 0) {
        ERR_clear_error();
        return {};
    }
    std::unique_ptr<unsigned char, OpensslFree> owned(utf8);
    return std::string(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
}

std::vector<std::string> dns_names_of(const GENERAL_NAMES* gens) {
    std::vector<std::string> out;
    for (int i = 0; gens != nullptr && i < sk_GENERAL_NAME_num(gens); ++i) {
        const GENERAL_NAME* gen = sk_GENERAL_NAME_value(gens, i);
        int type = 0;
        const auto* str = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(gen, &type));
        if (str == nullptr) continue;
        if (type == GEN_IPADD) {
            // RFC 8738 §7 / RFC 5280 §4.2.1.6: 4 or 16 octets, shown in canonical text (RFC 5952).
            auto ip = ip_from_bytes(ASN1_STRING_get0_data(str),
                                    static_cast<size_t>(ASN1_STRING_length(str)));
            if (ip) out.push_back(format_ip_address(*ip));
            continue;
        }
        if (type != GEN_DNS) continue;
        out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(str)),
                         static_cast<size_t>(ASN1_STRING_length(str)));
    }
    return out;
}

std::string public_pem_of(EVP_PKEY* pkey) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey) != 1) {
        ERR_clear_error();
        return {};
    }
    return bio_string(bio.get());
}

// Names go into IA5String dNSName entries: printable ASCII only.
Status check_dns_names(const std::vector<std::string>& names, const char* what) {
    if (names.empty()) return Error(std::string(what) + ": no domain names given");
    for (const auto& n : names) {
        if (n.empty() || n.size() > 253) {
            return Error(std::string(what) + ": invalid domain name length (" +
                         std::to_string(n.size()) + ")");
        }
        for (char c : n) {
            if (c <= 0x20 || c >= 0x7f) {
                return Error(std::string(what) + ": domain name contains a non-printable or " +
                             "non-ASCII character");
            }
        }
    }
    return Status::Ok();
}

Result<ExtPtr> san_extension(const std::vector<std::string>& names) {
    GensPtr gens(GENERAL_NAMES_new());
    if (!gens) return ossl_error("building subjectAltName");
    for (const auto& n : names) {
        // An IP identifier is an iPAddress GeneralName (RFC 8738 §7): its 4 or 16 octets, never a
        // dNSName; anything else is a dNSName (IA5String).
        const auto ip = parse_ip_address(n);
        ASN1_STRING* value = ip ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
        const bool set = value != nullptr &&
                         (ip ? ASN1_OCTET_STRING_set(value, ip->bytes, static_cast<int>(ip->size()))
                             : ASN1_STRING_set(value, n.data(), static_cast<int>(n.size()))) == 1;
        GENERAL_NAME* gen = set ? GENERAL_NAME_new() : nullptr;
        if (gen == nullptr) {
            ASN1_STRING_free(value);
            return ossl_error("building subjectAltName");
        }
        GENERAL_NAME_set0_value(gen, ip ? GEN_IPADD : GEN_DNS, value);
        if (sk_GENERAL_NAME_push(gens.get(), gen) <= 0) {
            GENERAL_NAME_free(gen);
            return ossl_error("building subjectAltName");
        }
    }
    ExtPtr ext(X509V3_EXT_i2d(NID_subject_alt_name, 0, gens.get()));
    if (!ext) return ossl_error("building subjectAltName");
    return ext;
}

// An extension whose extnValue is the given DER.
Result<ExtPtr> raw_extension(const ASN1_OBJECT* obj, bool critical, std::string_view der) {
    OctetPtr octets(ASN1_OCTET_STRING_new());
    if (!octets ||
        ASN1_OCTET_STRING_set(octets.get(), uchars(der), static_cast<int>(der.size())) != 1) {
        return ossl_error("building a certificate extension");
    }
    ExtPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, obj, critical ? 1 : 0, octets.get()));
    if (!ext) return ossl_error("building a certificate extension");
    return ext;
}

// RFC 7633 TLS feature extension with status_request (5): "OCSP must-staple".
Result<ExtPtr> must_staple_extension() {
    static constexpr char kDer[] = {0x30, 0x03, 0x02, 0x01, 0x05};  // SEQUENCE { INTEGER 5 }
    return raw_extension(OBJ_nid2obj(NID_tlsfeature), false, std::string_view(kDer, sizeof kDer));
}

bool has_must_staple(const STACK_OF(X509_EXTENSION) * exts) {
    TlsFeaturePtr features(
        static_cast<TLS_FEATURE*>(X509V3_get_d2i(exts, NID_tlsfeature, nullptr, nullptr)));
    if (!features) return false;
    for (int i = 0; i < sk_ASN1_INTEGER_num(features.get()); ++i) {
        if (ASN1_INTEGER_get(sk_ASN1_INTEGER_value(features.get(), i)) == 5) return true;
    }
    return false;
}

Status add_common_name(X509_NAME* name, const std::string& cn, const char* what) {
    if (X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8, uchars(cn),
                                   static_cast<int>(cn.size()), -1, 0) != 1) {
        return ossl_error(std::string(what) + ": setting the common name");
    }
    return Status::Ok();
}

// RFC 5280 §4.1.2.6 ub-common-name: a CN longer than 64 characters cannot be encoded.
constexpr size_t kMaxCommonName = 64;

int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

Result<int64_t> asn1_time_unix(const ASN1_TIME* t) {
    std::tm tm{};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return ossl_error("reading certificate time");
    return days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 +
           tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

Result<IntPtr> serial_integer(const std::string& hex) {
    BnPtr bn(BN_new());
    if (!bn) return ossl_error("certificate serial");
    if (hex.empty()) {
        unsigned char bytes[16];
        if (RAND_bytes(bytes, sizeof bytes) != 1) return ossl_error("random certificate serial");
        bytes[0] = static_cast<unsigned char>((bytes[0] & 0x7f) | 0x40);  // positive, 127 bits
        if (BN_bin2bn(bytes, sizeof bytes, bn.get()) == nullptr) return ossl_error("serial");
    } else {
        BIGNUM* raw = bn.get();
        if (hex.size() > 40 || BN_hex2bn(&raw, hex.c_str()) != static_cast<int>(hex.size())) {
            ERR_clear_error();
            return Error("certificate serial \"" + hex + "\" is not a hex number of <= 20 bytes");
        }
    }
    IntPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
    if (!serial) return ossl_error("certificate serial");
    return serial;
}

Status add_conf_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
    ExtPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
        return ossl_error(std::string("adding certificate extension ") + OBJ_nid2sn(nid));
    }
    return Status::Ok();
}

Status add_extension(X509* cert, Result<ExtPtr> ext) {
    if (!ext) return ext.error();
    if (X509_add_ext(cert, ext->get(), -1) != 1) return ossl_error("adding certificate extension");
    return Status::Ok();
}

struct ExtraExtension {
    const ASN1_OBJECT* obj;
    bool critical;
    std::string der;
};

Result<std::string> build_cert(const CertParams& params, const PrivateKey& subject_key,
                               const PrivateKey& signer_key, std::string_view issuer_cert_pem,
                               const std::vector<ExtraExtension>& extra) {
    if (!subject_key || !signer_key) return Error("issuing certificate: missing key");
    if (!params.dns_names.empty()) CB_TRY(check_dns_names(params.dns_names, "issuing certificate"));
    X509Ptr issuer;
    if (!issuer_cert_pem.empty()) {
        auto parsed = read_first_cert(issuer_cert_pem);
        if (!parsed) return parsed.error().context("issuing certificate: issuer");
        issuer = std::move(*parsed);
    }
    X509Ptr cert(X509_new());
    if (!cert || X509_set_version(cert.get(), 2) != 1) return ossl_error("issuing certificate");
    auto serial = serial_integer(params.serial_hex);
    if (!serial) return serial.error();
    if (X509_set_serialNumber(cert.get(), serial->get()) != 1) {
        return ossl_error("issuing certificate: serial");
    }
    const int64_t not_before =
        params.not_before != 0 ? params.not_before : static_cast<int64_t>(std::time(nullptr));
    const int64_t not_after = params.not_after != 0 ? params.not_after : not_before + 90 * 86400;
    if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(not_before)) ==
            nullptr ||
        ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(not_after)) == nullptr) {
        return ossl_error("issuing certificate: validity");
    }
    std::string cn = params.common_name;
    if (cn.empty() && !params.dns_names.empty() &&
        params.dns_names.front().size() <= kMaxCommonName) {
        cn = params.dns_names.front();
    }
    NamePtr subject(X509_NAME_new());
    if (!subject) return ossl_error("issuing certificate: subject");
    if (!cn.empty()) CB_TRY(add_common_name(subject.get(), cn, "issuing certificate"));
    if (X509_set_subject_name(cert.get(), subject.get()) != 1 ||
        X509_set_issuer_name(cert.get(),
                             issuer ? X509_get_subject_name(issuer.get()) : subject.get()) != 1 ||
        X509_set_pubkey(cert.get(), subject_key.get()) != 1) {
        return ossl_error("issuing certificate: names and key");
    }

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer.get() : cert.get(), cert.get(), nullptr, nullptr, 0);
    CB_TRY(add_conf_extension(cert.get(), &ctx, NID_basic_constraints,
                              params.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE"));
    if (params.is_ca) {
        CB_TRY(add_conf_extension(cert.get(), &ctx, NID_key_usage,
                                  "critical,keyCertSign,cRLSign,digitalSignature"));
    } else if (issuer) {
        // A self-signed leaf carries no keyUsage, so that OpenSSL still treats it as its own
        // trust anchor (a keyUsage without keyCertSign would make it "not self-signed").
        CB_TRY(add_conf_extension(cert.get(), &ctx, NID_key_usage,
                                  subject_key.is_rsa() ? "critical,digitalSignature,keyEncipherment"
                                                       : "critical,digitalSignature"));
    }
    if (!params.is_ca) {
        CB_TRY(add_conf_extension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth,clientAuth"));
    }
    CB_TRY(add_conf_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
    if (issuer) {
        CB_TRY(add_conf_extension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always"));
    }
    if (!params.dns_names.empty())
        CB_TRY(add_extension(cert.get(), san_extension(params.dns_names)));
    for (const auto& url : params.ocsp_urls) {
        for (char c : url) {
            if (c <= 0x20 || c >= 0x7f || c == ',') {
                return Error("issuing certificate: OCSP URL \"" + url + "\" has a bad character");
            }
        }
        CB_TRY(add_conf_extension(cert.get(), &ctx, NID_info_access, "OCSP;URI:" + url));
    }
    if (params.must_staple) CB_TRY(add_extension(cert.get(), must_staple_extension()));
    for (const auto& e : extra)
        CB_TRY(add_extension(cert.get(), raw_extension(e.obj, e.critical, e.der)));

    if (X509_sign(cert.get(), signer_key.get(), EVP_sha256()) <= 0) {
        return ossl_error("issuing certificate: signing");
    }
    return cert_to_pem(cert.get());
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// PrivateKey

Result<PrivateKey> PrivateKey::generate(const KeySpec& spec) {
    PkeyCtxPtr ctx;
    if (spec.type == KeySpec::Type::Rsa) {
        if (spec.rsa_bits < 2048 || spec.rsa_bits > 8192) {
            return Error("RSA key size " + std::to_string(spec.rsa_bits) +
                             " is not supported (use 2048 to 8192 bits)",
                         kExitUsage);
        }
        ctx.reset(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
        if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
            EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), spec.rsa_bits) != 1) {
            return ossl_error("generating an RSA key");
        }
    } else {
        const Curve* curve = curve_by_name(spec.curve);
        if (curve == nullptr) {
            return Error("elliptic curve \"" + spec.curve +
                             "\" is not supported (use secp256r1, secp384r1 or secp521r1)",
                         kExitUsage);
        }
        ctx.reset(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
        if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
            EVP_PKEY_CTX_set_group_name(ctx.get(), curve->ossl_name) != 1) {
            return ossl_error(std::string("generating an ECDSA key on ") + curve->certbot_name);
        }
    }
    EVP_PKEY* raw = nullptr;
    if (EVP_PKEY_generate(ctx.get(), &raw) != 1) return ossl_error("generating a key");
    return PrivateKey(raw);
}

namespace {
// Never prompt for a pass phrase: an encrypted key is an error, not a question on the terminal.
int no_passphrase(char*, int, int, void*) {
    return -1;
}
}  // namespace

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
    if (pem.find("ENCRYPTED") != std::string_view::npos) {
        return Error("reading private key PEM: the key is encrypted; use an unencrypted key");
    }
    if (pem.find("PRIVATE KEY-----") == std::string_view::npos) {
        return Error(
            "reading private key PEM: no BEGIN PRIVATE KEY, EC PRIVATE KEY or "
            "RSA PRIVATE KEY block found");
    }
    auto bio = input_bio(pem, "reading private key PEM");
    if (!bio) return bio.error();
    EVP_PKEY* raw =
        PEM_read_bio_PrivateKey_ex(bio->get(), nullptr, no_passphrase, nullptr, nullptr, nullptr);
    if (raw == nullptr) {
        return Error("reading private key PEM: malformed key (" + openssl_reason() + ")");
    }
    ERR_clear_error();
    PrivateKey key(raw);
    CB_TRY(check_supported(key.get(), "reading private key PEM"));
    return key;
}

Result<std::string> PrivateKey::to_pem() const {
    if (!pkey_) return Error("writing private key PEM: no key");
    // Secure-heap BIO: the buffer holding key material is cleansed when freed.
    BioPtr bio(BIO_new(BIO_s_secmem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr,
                                         nullptr) != 1) {
        return ossl_error("writing private key PEM");
    }
    return bio_string(bio.get());
}

std::string PrivateKey::public_pem() const {
    return pkey_ ? public_pem_of(pkey_.get()) : "";
}

bool PrivateKey::is_ec() const {
    return pkey_ && EVP_PKEY_is_a(pkey_.get(), "EC");
}

bool PrivateKey::is_rsa() const {
    return is_rsa_key(pkey_.get());
}

std::string PrivateKey::jws_alg() const {
    if (const Curve* c = curve_of(pkey_.get())) return c->jws_alg;
    if (is_rsa()) return "RS256";
    return {};
}

KeySpec PrivateKey::spec() const {
    KeySpec spec;
    if (is_rsa()) {
        spec.type = KeySpec::Type::Rsa;
        spec.rsa_bits = EVP_PKEY_get_bits(pkey_.get());
    } else if (const Curve* c = curve_of(pkey_.get())) {
        spec.type = KeySpec::Type::Ecdsa;
        spec.curve = c->certbot_name;
    }
    return spec;
}

// ---------------------------------------------------------------------------------------------
// JWK

std::string jwk_public_json(const PrivateKey& key) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    if (const Curve* c = curve_of(key.get())) {
        auto x = bn_param_b64(key.get(), OSSL_PKEY_PARAM_EC_PUB_X, c->size);
        auto y = bn_param_b64(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, c->size);
        if (!x || !y) return {};
        w.StartObject();
        w.Key("crv");
        w.String(c->jwk_crv);
        w.Key("kty");
        w.String("EC");
        w.Key("x");
        w.String(x->c_str());
        w.Key("y");
        w.String(y->c_str());
        w.EndObject();
    } else if (key.is_rsa()) {
        auto n = bn_param_b64(key.get(), OSSL_PKEY_PARAM_RSA_N, 0);
        auto e = bn_param_b64(key.get(), OSSL_PKEY_PARAM_RSA_E, 0);
        if (!n || !e) return {};
        w.StartObject();
        w.Key("e");
        w.String(e->c_str());
        w.Key("kty");
        w.String("RSA");
        w.Key("n");
        w.String(n->c_str());
        w.EndObject();
    } else {
        return {};
    }
    return std::string(sb.GetString(), sb.GetSize());
}

std::string jwk_thumbprint_of_json(std::string_view canonical_json) {
    return base64url_encode(sha256(canonical_json));
}

std::string jwk_thumbprint(const PrivateKey& key) {
    std::string json = jwk_public_json(key);
    return json.empty() ? std::string() : jwk_thumbprint_of_json(json);
}

Result<std::string> jwk_private_json_certbot(const PrivateKey& key) {
    std::vector<std::pair<const char*, std::string>> members;
    struct Wipe {
        std::vector<std::pair<const char*, std::string>>& m;
        ~Wipe() {
            for (auto& kv : m) OPENSSL_cleanse(kv.second.data(), kv.second.size());
        }
    } wipe{members};
    if (const Curve* c = curve_of(key.get())) {
        // josepy JWKEC: d, x, y (each padded to the field size), then crv, kty.
        const std::pair<const char*, const char*> params[] = {{"d", OSSL_PKEY_PARAM_PRIV_KEY},
                                                              {"x", OSSL_PKEY_PARAM_EC_PUB_X},
                                                              {"y", OSSL_PKEY_PARAM_EC_PUB_Y}};
        for (const auto& [name, param] : params) {
            auto v = bn_param_b64(key.get(), param, c->size);
            if (!v) return Error(std::string("writing EC JWK: key has no \"") + name + "\"");
            members.emplace_back(name, std::move(*v));
        }
        members.emplace_back("crv", c->jwk_crv);
        members.emplace_back("kty", "EC");
    } else if (key.is_rsa()) {
        // josepy JWKRSA: n, e, d, p, q, dp, dq, qi (minimal big-endian), then kty.
        const std::pair<const char*, const char*> params[] = {
            {"n", OSSL_PKEY_PARAM_RSA_N},          {"e", OSSL_PKEY_PARAM_RSA_E},
            {"d", OSSL_PKEY_PARAM_RSA_D},          {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
            {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},    {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
            {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2}, {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1}};
        for (const auto& [name, param] : params) {
            auto v = bn_param_b64(key.get(), param, 0);
            if (!v) return Error(std::string("writing RSA JWK: key has no \"") + name + "\"");
            members.emplace_back(name, std::move(*v));
        }
        members.emplace_back("kty", "RSA");
    } else {
        return Error("writing JWK: unsupported or missing key");
    }
    return python_json_object(members);
}

Result<PrivateKey> private_key_from_jwk_json(std::string_view json) {
    if (json.size() > kMaxInput) return Error("JWK: input too large");
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError()) {
        return Error("JWK: not valid JSON (error at offset " +
                     std::to_string(doc.GetErrorOffset()) + ")");
    }
    if (!doc.IsObject()) return Error("JWK: not a JSON object");
    auto kty = doc.FindMember("kty");
    if (kty == doc.MemberEnd() || !kty->value.IsString()) {
        return Error("JWK: member \"kty\" is missing");
    }
    std::string_view type(kty->value.GetString(), kty->value.GetStringLength());
    if (type == "EC") return ec_from_jwk(doc);
    if (type == "RSA") return rsa_from_jwk(doc);
    return Error("JWK: unsupported key type \"" + std::string(type) + "\" (use RSA or EC)");
}

// ---------------------------------------------------------------------------------------------
// JWS, MACs, digests

Result<std::string> sign_raw(const PrivateKey& key, std::string_view data) {
    if (!key) return Error("signing: no key");
    return sign_with(key.get(), data);
}

bool verify_raw(const PrivateKey& key, std::string_view data, std::string_view signature) {
    return key && verify_with(key.get(), data, signature);
}

bool verify_raw_public_pem(std::string_view public_pem, std::string_view data,
                           std::string_view signature) {
    auto bio = input_bio(public_pem, "reading public key PEM");
    if (!bio) return false;
    PkeyPtr pkey(PEM_read_bio_PUBKEY(bio->get(), nullptr, nullptr, nullptr));
    if (!pkey) {
        ERR_clear_error();
        return false;
    }
    return verify_with(pkey.get(), data, signature);
}

Result<std::string> jws_sign(const PrivateKey& key, std::string_view protected_header_json,
                             std::string_view payload) {
    if (!key) return Error("JWS: no key");
    // RFC 7515 §4.1.1: "alg" is required, and a header naming another algorithm than the key's
    // would only earn a confusing badSignatureAlgorithm from the server (RFC 8555 §6.2).
    rapidjson::Document header;
    header.Parse(protected_header_json.data(), protected_header_json.size());
    if (header.HasParseError() || !header.IsObject()) {
        return Error("JWS: protected header is not a JSON object");
    }
    auto alg = header.FindMember("alg");
    if (alg == header.MemberEnd() || !alg->value.IsString()) {
        return Error("JWS: protected header has no \"alg\"");
    }
    std::string want = key.jws_alg();
    if (want != std::string_view(alg->value.GetString(), alg->value.GetStringLength())) {
        return Error("JWS: protected header alg \"" + std::string(alg->value.GetString()) +
                     "\" does not match the key (" + want + ")");
    }
    std::string protected_b64 = base64url_encode(protected_header_json);
    std::string payload_b64 = base64url_encode(payload);
    auto sig = sign_raw(key, protected_b64 + "." + payload_b64);
    if (!sig) return sig.error().context("JWS");
    std::string sig_b64 = base64url_encode(*sig);

    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("protected");
    w.String(protected_b64.c_str(), static_cast<rapidjson::SizeType>(protected_b64.size()));
    w.Key("payload");
    w.String(payload_b64.c_str(), static_cast<rapidjson::SizeType>(payload_b64.size()));
    w.Key("signature");
    w.String(sig_b64.c_str(), static_cast<rapidjson::SizeType>(sig_b64.size()));
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

namespace {
const char* hmac_digest(std::string_view alg) {
    if (alg == "HS256") return "SHA256";
    if (alg == "HS384") return "SHA384";
    if (alg == "HS512") return "SHA512";
    return nullptr;
}
}  // namespace

bool is_hmac_alg(std::string_view alg) {
    return hmac_digest(alg) != nullptr;
}

std::string hmac(std::string_view alg, std::string_view key, std::string_view data) {
    const char* md = hmac_digest(alg);
    if (md == nullptr) return {};
    unsigned char out[EVP_MAX_MD_SIZE];
    size_t len = 0;
    static const unsigned char kEmpty = 0;
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, md, nullptr, key.empty() ? &kEmpty : uchars(key),
                  key.size(), data.empty() ? &kEmpty : uchars(data), data.size(), out, sizeof out,
                  &len) == nullptr) {
        ERR_clear_error();
        return {};
    }
    return std::string(reinterpret_cast<char*>(out), len);
}

namespace {
std::string digest(const EVP_MD* md, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) {
        ERR_clear_error();
        return {};
    }
    return std::string(reinterpret_cast<char*>(out), len);
}
}  // namespace

std::string sha256(std::string_view data) {
    return digest(EVP_sha256(), data);
}

std::string md5_hex(std::string_view data) {
    return hex_encode(digest(EVP_md5(), data));
}

std::string certbot_account_id(const PrivateKey& key) {
    // certbot/_internal/account.py: md5(public_bytes(PEM, SubjectPublicKeyInfo)).hexdigest().
    return md5_hex(key.public_pem());
}

// ---------------------------------------------------------------------------------------------
// CSRs

Result<std::string> make_csr_der(const PrivateKey& key, const std::vector<std::string>& dns_names,
                                 bool must_staple) {
    if (!key) return Error("making CSR: no key");
    CB_TRY(check_dns_names(dns_names, "making CSR"));
    ReqPtr req(X509_REQ_new());
    if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1) {
        return ossl_error("making CSR");
    }
    // No IP address in the commonName: certbot 5.3 (and the CA/B Forum's deprecation of CN)
    // leave the address to the SAN; a DNS name first still becomes the CN as before.
    if (dns_names.front().size() <= kMaxCommonName && !is_ip_address(dns_names.front())) {
        CB_TRY(
            add_common_name(X509_REQ_get_subject_name(req.get()), dns_names.front(), "making CSR"));
    }
    if (X509_REQ_set_pubkey(req.get(), key.get()) != 1) return ossl_error("making CSR: public key");

    ExtStackPtr exts(sk_X509_EXTENSION_new_null());
    if (!exts) return ossl_error("making CSR");
    auto push = [&](Result<ExtPtr> ext) -> Status {
        if (!ext) return ext.error().context("making CSR");
        if (sk_X509_EXTENSION_push(exts.get(), ext->get()) <= 0) return ossl_error("making CSR");
        ext->release();  // owned by the stack now
        return Status::Ok();
    };
    CB_TRY(push(san_extension(dns_names)));
    if (must_staple) CB_TRY(push(must_staple_extension()));
    if (X509_REQ_add_extensions(req.get(), exts.get()) != 1) {
        return ossl_error("making CSR: extensions");
    }
    if (X509_REQ_sign(req.get(), key.get(), EVP_sha256()) <= 0) {
        return ossl_error("making CSR: signing");
    }
    int len = i2d_X509_REQ(req.get(), nullptr);
    if (len <= 0) return ossl_error("making CSR: encoding");
    std::string der(static_cast<size_t>(len), '\0');
    auto* p = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_X509_REQ(req.get(), &p) != len) return ossl_error("making CSR: encoding");
    return der;
}

namespace {
Result<ReqPtr> read_csr_der(std::string_view der) {
    if (der.empty() || der.size() > kMaxInput) return Error("reading CSR: bad DER length");
    const unsigned char* p = uchars(der);
    ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
    if (!req) return Error("reading CSR DER: malformed CSR (" + openssl_reason() + ")");
    if (p != uchars(der) + der.size()) return Error("reading CSR DER: trailing data after the CSR");
    return req;
}
}  // namespace

Result<CsrInfo> parse_csr_der(std::string_view der) {
    auto req = read_csr_der(der);
    if (!req) return req.error();
    EVP_PKEY* pub = X509_REQ_get0_pubkey(req->get());
    if (pub == nullptr || X509_REQ_verify(req->get(), pub) != 1) {
        return ossl_error("reading CSR: self-signature does not verify");
    }
    CsrInfo info;
    info.common_name = name_cn(X509_REQ_get_subject_name(req->get()));
    info.public_key_pem = public_pem_of(pub);
    ExtStackPtr exts(X509_REQ_get_extensions(req->get()));
    ERR_clear_error();
    if (exts) {
        GensPtr gens(static_cast<GENERAL_NAMES*>(
            X509V3_get_d2i(exts.get(), NID_subject_alt_name, nullptr, nullptr)));
        info.dns_names = dns_names_of(gens.get());
        info.must_staple = has_must_staple(exts.get());
    }
    ERR_clear_error();
    return info;
}

Result<std::string> csr_der_to_pem(std::string_view der) {
    auto req = read_csr_der(der);
    if (!req) return req.error();
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509_REQ(bio.get(), req->get()) != 1) {
        return ossl_error("writing CSR PEM");
    }
    return bio_string(bio.get());
}

Result<std::string> csr_pem_to_der(std::string_view pem) {
    auto bio = input_bio(pem, "reading CSR PEM");
    if (!bio) return bio.error();
    ReqPtr req(PEM_read_bio_X509_REQ(bio->get(), nullptr, nullptr, nullptr));
    if (!req) return ossl_error("reading CSR PEM");
    ERR_clear_error();
    int len = i2d_X509_REQ(req.get(), nullptr);
    if (len <= 0) return ossl_error("encoding CSR");
    std::string der(static_cast<size_t>(len), '\0');
    auto* p = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_X509_REQ(req.get(), &p) != len) return ossl_error("encoding CSR");
    return der;
}

// ---------------------------------------------------------------------------------------------
// Certificates

Result<CertInfo> parse_cert_pem(std::string_view pem) {
    auto cert = read_first_cert(pem);
    if (!cert) return cert.error();
    X509* x = cert->get();
    CertInfo info;

    GensPtr gens(
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
    info.dns_names = dns_names_of(gens.get());

    BnPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr));
    if (!serial) return ossl_error("reading certificate serial");
    std::unique_ptr<char, OpensslFree> hex(BN_bn2hex(serial.get()));
    if (!hex) return ossl_error("reading certificate serial");
    std::string s(hex.get());
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool negative = !s.empty() && s[0] == '-';
    size_t first = s.find_first_not_of('0', negative ? 1 : 0);
    info.serial_hex = first == std::string::npos ? "0" : (negative ? "-" : "") + s.substr(first);

    auto nb = asn1_time_unix(X509_get0_notBefore(x));
    if (!nb) return nb.error();
    auto na = asn1_time_unix(X509_get0_notAfter(x));
    if (!na) return na.error();
    info.not_before = *nb;
    info.not_after = *na;

    info.issuer = name_rfc2253(X509_get_issuer_name(x));
    info.subject = name_rfc2253(X509_get_subject_name(x));
    info.issuer_cn = name_cn(X509_get_issuer_name(x));
    info.subject_cn = name_cn(X509_get_subject_name(x));

    EVP_PKEY* pub = X509_get0_pubkey(x);
    if (pub == nullptr) return ossl_error("reading certificate public key");
    if (EVP_PKEY_is_a(pub, "EC")) {
        info.key_type = "ECDSA";
    } else if (EVP_PKEY_is_a(pub, "RSA")) {
        info.key_type = "RSA";
    } else {
        const char* name = EVP_PKEY_get0_type_name(pub);
        info.key_type = name != nullptr ? name : "unknown";
    }
    info.public_key_pem = public_pem_of(pub);

    std::unique_ptr<STACK_OF(OPENSSL_STRING), StringStackFree> ocsp(X509_get1_ocsp(x));
    for (int i = 0; ocsp && i < sk_OPENSSL_STRING_num(ocsp.get()); ++i) {
        info.ocsp_urls.emplace_back(sk_OPENSSL_STRING_value(ocsp.get(), i));
    }
    ERR_clear_error();
    return info;
}

Result<CertInfo> cert_info_walked(std::string_view pem) {
    auto s = cert_summary_pem(pem);
    if (!s) return parse_cert_pem(pem);
    CertInfo info;
    info.dns_names = std::move(s->names);
    info.serial_hex = std::move(s->serial_hex);
    info.not_before = s->validity.not_before;
    info.not_after = s->validity.not_after;
    info.key_type = std::move(s->key_type);
    return info;
}

Result<std::vector<std::string>> split_pem_chain(std::string_view pem) {
    static constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
    static constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
    if (pem.size() > kMaxInput) return Error("certificate chain: input too large");
    std::vector<std::string> certs;
    size_t pos = 0;
    while (true) {
        while (pos < pem.size() && is_space(pem[pos])) ++pos;
        if (pos == pem.size()) break;
        if (pem.substr(pos, kBegin.size()) != kBegin) {
            return Error("certificate chain: unexpected text at offset " + std::to_string(pos) +
                         " (only PEM certificates and whitespace are allowed)");
        }
        if (certs.size() == kMaxChainCerts) {
            return Error("certificate chain: more than " + std::to_string(kMaxChainCerts) +
                         " certificates");
        }
        const size_t body = pos + kBegin.size();
        const size_t end = pem.find(kEnd, body);
        const std::string n = std::to_string(certs.size() + 1);
        if (end == std::string_view::npos) {
            return Error("certificate chain: certificate " + n + " has no END line");
        }
        // Only base64 and whitespace may sit inside: no PEM headers, no nested BEGIN.
        auto der = base64_decode(pem.substr(body, end - body));
        if (!der) return der.error().context("certificate chain: certificate " + n);
        auto block = der_to_pem_cert(*der);
        if (!block) return block.error().context("certificate chain: certificate " + n);
        certs.push_back(std::move(*block));
        pos = end + kEnd.size();
    }
    if (certs.empty()) return Error("certificate chain: no certificate found");
    return certs;
}

bool cert_matches_key(std::string_view cert_pem, const PrivateKey& key) {
    if (!key) return false;
    auto cert = read_first_cert(cert_pem);
    if (!cert) return false;
    EVP_PKEY* pub = X509_get0_pubkey(cert->get());
    bool match = pub != nullptr && EVP_PKEY_eq(pub, key.get()) == 1;
    ERR_clear_error();
    return match;
}

Status verify_issued_chain(const std::vector<std::string>& chain, std::string_view public_key_pem,
                           const std::vector<std::string>& names, int64_t now) {
    if (chain.empty()) return Error("it holds no certificate");
    auto leaf = parse_cert_pem(chain[0]);
    if (!leaf) return leaf.error();
    if (leaf->public_key_pem != public_key_pem)
        return Error("its public key is not the key of our certificate request");
    auto folded = [](std::vector<std::string> v) {
        for (auto& n : v)
            std::transform(n.begin(), n.end(), n.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
        return v;
    };
    const auto got = folded(leaf->dns_names), want = folded(names);
    if (got != want) {
        auto list = [](const std::vector<std::string>& v) {
            std::string out;
            for (const auto& n : v) out += (out.empty() ? "" : ", ") + n;
            return out.empty() ? std::string("no name") : out;
        };
        return Error("it names " + list(got) + " but the order was for " + list(want));
    }
    if (leaf->not_after <= now) return Error("it expired before it was issued");
    if (leaf->not_before > now + kIssuedClockSlack)
        return Error("it is not valid until " + std::to_string(leaf->not_before) +
                     " (unix time); if this machine's clock is behind, set it right");
    for (size_t i = 0; i + 1 < chain.size(); ++i) {
        auto subject = read_first_cert(chain[i]);
        auto issuer = read_first_cert(chain[i + 1]);
        if (!subject || !issuer) return Error("a certificate of its chain does not parse");
        const bool issued = X509_check_issued(issuer->get(), subject->get()) == X509_V_OK;
        EVP_PKEY* pub = X509_get0_pubkey(issuer->get());
        const bool signed_by = issued && pub && X509_verify(subject->get(), pub) == 1;
        ERR_clear_error();
        if (!signed_by)
            return Error("its chain does not link up: certificate " + std::to_string(i + 2) +
                         " did not issue certificate " + std::to_string(i + 1));
    }
    return Status::Ok();
}

Status verify_chain(std::string_view leaf_pem, std::string_view intermediates_pem,
                    std::string_view root_pem) {
    auto leaf = read_first_cert(leaf_pem);
    if (!leaf) return leaf.error().context("verifying chain: leaf");

    X509StackPtr untrusted(sk_X509_new_null());
    if (!untrusted) return ossl_error("verifying chain");
    bool has_intermediates = false;
    for (char c : intermediates_pem) has_intermediates = has_intermediates || !is_space(c);
    if (has_intermediates) {
        auto blocks = split_pem_chain(intermediates_pem);
        if (!blocks) return blocks.error().context("verifying chain: intermediates");
        for (const auto& b : *blocks) {
            auto cert = read_first_cert(b);
            if (!cert) return cert.error().context("verifying chain: intermediates");
            if (sk_X509_push(untrusted.get(), cert->get()) <= 0)
                return ossl_error("verifying chain");
            cert->release();
        }
    }

    StorePtr store(X509_STORE_new());
    if (!store) return ossl_error("verifying chain");
    auto roots = split_pem_chain(root_pem);
    if (!roots) return roots.error().context("verifying chain: root");
    for (const auto& b : *roots) {
        auto cert = read_first_cert(b);
        if (!cert) return cert.error().context("verifying chain: root");
        if (X509_STORE_add_cert(store.get(), cert->get()) != 1) {
            return ossl_error("verifying chain: adding root");
        }
    }

    StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf->get(), untrusted.get()) != 1) {
        return ossl_error("verifying chain");
    }
    if (X509_verify_cert(ctx.get()) != 1) {
        int err = X509_STORE_CTX_get_error(ctx.get());
        int depth = X509_STORE_CTX_get_error_depth(ctx.get());
        ERR_clear_error();
        return Error(std::string("certificate chain does not verify: ") +
                     X509_verify_cert_error_string(err) + " (at depth " + std::to_string(depth) +
                     ")");
    }
    return Status::Ok();
}

Result<std::string> der_to_pem_cert(std::string_view der) {
    if (der.empty() || der.size() > kMaxInput) return Error("reading certificate DER: bad length");
    const unsigned char* p = uchars(der);
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert) {
        return Error("reading certificate DER: malformed certificate (" + openssl_reason() + ")");
    }
    if (p != uchars(der) + der.size()) {
        return Error("reading certificate DER: trailing data after the certificate");
    }
    return cert_to_pem(cert.get());
}

Result<std::string> pem_to_der_cert(std::string_view pem) {
    auto cert = read_first_cert(pem);
    if (!cert) return cert.error();
    int len = i2d_X509(cert->get(), nullptr);
    if (len <= 0) return ossl_error("encoding certificate DER");
    std::string der(static_cast<size_t>(len), '\0');
    auto* p = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_X509(cert->get(), &p) != len) return ossl_error("encoding certificate DER");
    return der;
}

Result<std::optional<CertExtension>> find_cert_extension(std::string_view cert_pem,
                                                         std::string_view oid) {
    auto cert = read_first_cert(cert_pem);
    if (!cert) return cert.error();
    ObjPtr obj(OBJ_txt2obj(std::string(oid).c_str(), 1));
    if (!obj) return ossl_error("certificate extension: bad OID \"" + std::string(oid) + "\"");
    int idx = X509_get_ext_by_OBJ(cert->get(), obj.get(), -1);
    if (idx < 0) return std::optional<CertExtension>();
    X509_EXTENSION* ext = X509_get_ext(cert->get(), idx);
    const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
    CertExtension out;
    out.critical = X509_EXTENSION_get_critical(ext) == 1;
    out.value.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<size_t>(ASN1_STRING_length(data)));
    return std::optional<CertExtension>(std::move(out));
}

// ---------------------------------------------------------------------------------------------
// Certificate making

Result<std::string> issue_cert(const CertParams& params, const PrivateKey& subject_key,
                               const PrivateKey& signer_key, std::string_view issuer_cert_pem) {
    return build_cert(params, subject_key, signer_key, issuer_cert_pem, {});
}

Result<std::pair<std::string, std::string>> make_tls_alpn_cert(const std::string& domain,
                                                               std::string_view key_authorization) {
    auto key = PrivateKey::generate(KeySpec{});
    if (!key) return key.error().context("tls-alpn-01 certificate");
    ObjPtr acme_identifier(OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1));  // RFC 8737 §6.1
    if (!acme_identifier) return ossl_error("tls-alpn-01 certificate: acmeIdentifier OID");
    // RFC 8737 §3: Authorization ::= OCTET STRING (SIZE (32)), the SHA-256 of the key
    // authorization, DER-encoded inside the (critical) extension value.
    std::string der = std::string("\x04\x20", 2) + sha256(key_authorization);
    CertParams params;
    params.dns_names = {domain};
    auto cert = build_cert(params, *key, *key, "", {{acme_identifier.get(), true, der}});
    if (!cert) return cert.error().context("tls-alpn-01 certificate for " + domain);
    auto key_pem = key->to_pem();
    if (!key_pem) return key_pem.error();
    return std::make_pair(std::move(*cert), std::move(*key_pem));
}

}  // namespace certbot
