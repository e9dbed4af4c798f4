#include "seal.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <memory>

#include "base64.h"
#include "fsutil.h"

namespace certbot {

namespace {

constexpr std::string_view kPrefix = "certbot-fleet-sealed-v1:";
constexpr size_t kNonce = 12;  // SP 800-38D §8.2: 96-bit IVs
constexpr size_t kTag = 16;
constexpr size_t kMaxPlain = 1u << 20;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

int as_int(size_t n) {
    return static_cast<int>(n);
}
const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Result<std::string> load_fleet_key(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        return Error("--fleet-key: cannot read " + path +
                         " (make one with: head -c 32 /dev/urandom > FILE; chmod 600 FILE; copy it "
                         "to every node)",
                     kExitUsage);
    if (!S_ISREG(st.st_mode)) return Error("--fleet-key: " + path + " is not a file", kExitUsage);
    if (st.st_mode & 077)
        return Error(
            "--fleet-key: " + path + " may be read or written by group or others; chmod 600 it",
            kExitUsage);
    auto text = read_file(path, 4096);
    if (!text) return Error("--fleet-key: " + text.error().message, kExitUsage);
    if (text->size() == kFleetKeyBytes) return std::move(*text);
    std::string trimmed = *text;
    while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r'))
        trimmed.pop_back();
    if (auto decoded = base64_decode(trimmed); decoded && decoded->size() == kFleetKeyBytes)
        return std::move(*decoded);
    return Error("--fleet-key: " + path + " holds " + std::to_string(text->size()) +
                     " bytes; it must hold 32 random bytes or their base64",
                 kExitUsage);
}

Result<std::string> seal(std::string_view key, std::string_view plaintext, std::string_view aad) {
    if (key.size() != kFleetKeyBytes) return Error("the fleet key must be 32 bytes");
    if (plaintext.size() > kMaxPlain) return Error("refusing to seal more than 1 MiB");
    std::string out(kNonce + plaintext.size() + kTag, '\0');
    auto* buf = reinterpret_cast<unsigned char*>(out.data());
    if (RAND_bytes(buf, as_int(kNonce)) != 1) return Error("no random bytes for a nonce");
    CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    int len = 0;
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key), buf) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), as_int(aad.size())) != 1 ||
        EVP_EncryptUpdate(ctx.get(), buf + kNonce, &len, bytes(plaintext),
                          as_int(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), buf + kNonce + len, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, as_int(kTag),
                            buf + kNonce + plaintext.size()) != 1)
        return Error("AES-256-GCM encryption failed (OpenSSL)");
    return std::string(kPrefix) + base64_encode(out);
}

Result<std::string> unseal(std::string_view key, std::string_view sealed, std::string_view aad) {
    if (key.size() != kFleetKeyBytes) return Error("the fleet key must be 32 bytes");
    if (sealed.substr(0, kPrefix.size()) != kPrefix)
        return Error("not a sealed value (it does not start with \"" + std::string(kPrefix) +
                     "\")");
    if (sealed.size() > kPrefix.size() + (kMaxPlain + kNonce + kTag) * 4 / 3 + 8)
        return Error("a sealed value larger than 1 MiB");
    auto raw = base64_decode(sealed.substr(kPrefix.size()));
    if (!raw) return Error("a sealed value is not valid base64");
    if (raw->size() < kNonce + kTag) return Error("a sealed value is too short");
    const size_t n = raw->size() - kNonce - kTag;
    const auto* in = bytes(*raw);
    std::string plain(n, '\0');
    auto* out = reinterpret_cast<unsigned char*>(plain.data());
    std::string tag = raw->substr(kNonce + n);
    CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    int len = 0;
    if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key), in) != 1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), as_int(aad.size())) != 1 ||
        EVP_DecryptUpdate(ctx.get(), out, &len, in + kNonce, as_int(n)) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, as_int(kTag), tag.data()) != 1)
        return Error("AES-256-GCM decryption failed (OpenSSL)");
    if (EVP_DecryptFinal_ex(ctx.get(), out + len, &len) != 1) {
        OPENSSL_cleanse(plain.data(), plain.size());
        return Error(
            "cannot decrypt a sealed private key: the fleet key differs from the one that "
            "sealed it, or the data was altered (check --fleet-key on this node)");
    }
    return plain;
}

std::string lineage_key_aad(const std::string& lineage, int version) {
    return "certbot-fleet privkey lineage=" + lineage + " version=" + std::to_string(version);
}

}  // namespace certbot
