#include "kept_issuance.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "crypto.h"
#include "fsutil.h"
#include "log.h"

namespace certbot {

namespace {

constexpr size_t kMaxPem = 1 << 20;
constexpr char kMagic[] = "certbot-native kept issuance 1";
// The four parts, in the order they are written (the key first, as the directory layout did).
constexpr const char* kParts[4] = {"privkey", "cert", "chain", "fullchain"};

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

bool is_directory(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string issued_root(const std::string& work_dir) {
    return path_join(work_dir, "issued");
}

// An earlier version's layout: a directory of five files.
std::string old_dir(const std::string& work_dir, const std::string& name) {
    return path_join(issued_root(work_dir), name);
}

// Part I of C (kParts' order), const or not.
template <class Cert>
auto* part(Cert& c, int i) {
    decltype(&c.key_pem) parts[4] = {&c.key_pem, &c.cert_pem, &c.chain_pem, &c.fullchain_pem};
    return parts[i];
}

// The file's text: the magic line, "server URL", then each part as "<name> <bytes>\n<bytes>\n".
std::string serialize(const std::string& server, const IssuedCert& issued) {
    std::string out = std::string(kMagic) + "\nserver " + server + "\n";
    for (int i = 0; i < 4; ++i)
        out += std::string(kParts[i]) + " " + std::to_string(part(issued, i)->size()) + "\n" +
               *part(issued, i) + "\n";
    return out;
}

// What a kept issuance holds, in either layout.
struct KeptCopy {
    std::string server;  // empty: unreadable
    IssuedCert issued;
    Status complete = Status::Ok();  // every part there
};

// Splits off the line at POS (without its newline); nullopt at the end of TEXT.
std::optional<std::string> next_line(const std::string& text, size_t& pos) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) return std::nullopt;
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    return line;
}

Result<KeptCopy> parse(const std::string& text) {
    KeptCopy k;
    size_t pos = 0;
    if (next_line(text, pos) != std::string(kMagic))
        return Error("it is not a kept issuance of this version");
    auto server = next_line(text, pos);
    if (!server || server->compare(0, 7, "server ") != 0) return Error("no server line");
    k.server = server->substr(7);
    for (int i = 0; i < 4; ++i) {
        auto head = next_line(text, pos);
        const std::string want = std::string(kParts[i]) + " ";
        if (!head || head->compare(0, want.size(), want) != 0)
            return Error(std::string("no ") + kParts[i] + " part");
        const std::string digits = head->substr(want.size());
        if (digits.empty() || digits.size() > 7 ||
            digits.find_first_not_of("0123456789") != std::string::npos)
            return Error(std::string("a bad length of the ") + kParts[i] + " part");
        const size_t n = std::strtoul(digits.c_str(), nullptr, 10);
        if (n > kMaxPem || text.size() - pos < n + 1 || text[pos + n] != '\n')
            return Error(std::string("the ") + kParts[i] + " part is cut short");
        *part(k.issued, i) = text.substr(pos, n);
        pos += n + 1;
    }
    if (pos != text.size()) return Error("trailing bytes after the last part");
    return k;
}

// An earlier version's directory: "server" plus four PEM files.
KeptCopy read_old(const std::string& dir) {
    KeptCopy k;
    auto read = [&](const char* file) { return read_file(path_join(dir, file), kMaxPem); };
    if (auto s = read("server"); s && !s->empty() && s->back() == '\n')
        k.server = s->substr(0, s->size() - 1);
    const char* files[4] = {"privkey.pem", "cert.pem", "chain.pem", "fullchain.pem"};
    for (int i = 0; i < 4; ++i) {
        auto f = read(files[i]);
        if (!f)
            k.complete = Error("a file is missing or unreadable");
        else
            *part(k.issued, i) = std::move(*f);
    }
    return k;
}

}  // namespace

std::string kept_issuance_path(const std::string& work_dir, const std::string& lineage_name) {
    return path_join(issued_root(work_dir), lineage_name + ".kept");
}

std::string kept_issuance_where(const std::string& work_dir, const std::string& name) {
    const std::string file = kept_issuance_path(work_dir, name);
    return exists(file) || !is_directory(old_dir(work_dir, name)) ? file : old_dir(work_dir, name);
}

bool has_kept_issuance(const std::string& work_dir, const std::string& name) {
    if (exists(kept_issuance_path(work_dir, name))) return true;
    // The old layout wrote "server" last: with it, every file is there.
    const std::string dir = old_dir(work_dir, name);
    return is_directory(dir) && exists(path_join(dir, "privkey.pem")) &&
           exists(path_join(dir, "server"));
}

Result<std::string> keep_issuance(const std::string& work_dir, const std::string& name,
                                  const std::string& server, const IssuedCert& issued) {
    const std::string root = issued_root(work_dir);
    // Made once per work dir; its entry in the work dir made durable then, so that the files
    // fsynced into it cannot vanish with it.
    const bool created = !exists(root);
    CB_TRY(make_dirs(root, 0700));
    if (created) CB_TRY(fsync_dir(work_dir));
    // One file, 0600 from the first byte: fsynced before its rename, the directory after it
    // (two fsyncs; the directory layout took seven).
    const std::string path = kept_issuance_path(work_dir, name);
    CB_TRY(atomic_write(path, serialize(server, issued), 0600));
    return path;
}

std::optional<IssuedCert> take_kept_issuance(const std::string& work_dir, const std::string& name,
                                             const std::string& server,
                                             const std::vector<std::string>& domains, int64_t now) {
    const std::string file = kept_issuance_path(work_dir, name);
    const std::string where = kept_issuance_where(work_dir, name);
    Result<KeptCopy> copy = Error("none");
    if (where == file) {
        if (!exists(file)) return std::nullopt;
        auto text = read_file(file, 4 * kMaxPem + 4096);
        copy = text ? parse(*text) : Result<KeptCopy>(text.error());
    } else {
        copy = read_old(where);
    }
    if (copy && copy->server != server) {
        log::info("A certificate kept in " + where + " is from another server than " + server +
                  "; ordering a new one (the kept one stays)");
        return std::nullopt;
    }
    Status usable = copy ? copy->complete : Status(copy.error());
    std::optional<PrivateKey> pk;
    if (usable) {
        if (auto k = PrivateKey::from_pem(copy->issued.key_pem); !k) {
            usable = k.error();
        } else {
            pk = std::move(*k);
            auto parts = split_pem_chain(copy->issued.fullchain_pem);
            usable = parts ? verify_issued_chain(*parts, *pk, domains, now) : Status(parts.error());
        }
    }
    if (!usable) {
        // Kept for other names (the request changed) is still someone's certificate; anything
        // else (expired, damaged) can never be used.
        const bool other_names =
            usable.error().message.find("but the order was for") != std::string::npos;
        if (other_names) {
            log::info("The certificate kept in " + where + " is for other names (" +
                      usable.error().message + "); ordering a new one (the kept one stays)");
        } else {
            log::warning("Removing the certificate kept in " + where +
                         ", which cannot be used any more: " + usable.error().message);
            forget_kept_issuance(work_dir, name);
        }
        return std::nullopt;
    }
    IssuedCert issued = std::move(copy->issued);
    issued.domains = domains;
    return issued;
}

void forget_kept_issuance(const std::string& work_dir, const std::string& name) {
    const std::string file = kept_issuance_path(work_dir, name);
    if (::unlink(file.c_str()) != 0 && errno != ENOENT)
        log::warning("cannot remove " + file + ": " + std::strerror(errno));
    const std::string dir = old_dir(work_dir, name);
    if (!is_directory(dir)) return;
    if (auto st = remove_tree(dir); !st)
        log::warning("cannot remove " + dir + ": " + st.error().message);
}

}  // namespace certbot
