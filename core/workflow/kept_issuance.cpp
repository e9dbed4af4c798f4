#include "kept_issuance.h"

#include <sys/stat.h>

#include "crypto.h"
#include "fsutil.h"
#include "log.h"

namespace certbot {

namespace {

constexpr size_t kMaxPem = 1 << 20;

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

std::string kept_issuance_dir(const std::string& work_dir, const std::string& lineage_name) {
    return path_join(path_join(work_dir, "issued"), lineage_name);
}

bool has_kept_issuance(const std::string& work_dir, const std::string& name) {
    const std::string dir = kept_issuance_dir(work_dir, name);
    // "server" is written last (keep_issuance): with it, every file is there.
    return exists(path_join(dir, "privkey.pem")) && exists(path_join(dir, "server"));
}

Result<std::string> keep_issuance(const std::string& work_dir, const std::string& name,
                                  const std::string& server, const IssuedCert& issued) {
    const std::string dir = kept_issuance_dir(work_dir, name);
    CB_TRY(make_dirs(dir, 0700));
    // The key first: without it the rest is of no use. Each file is fsynced before its rename,
    // the directory once after the four; "server" (which says the copy is complete) only then.
    const DirSync later = DirSync::kByCaller;
    CB_TRY(atomic_write(path_join(dir, "privkey.pem"), issued.key_pem, 0600, std::nullopt, later));
    CB_TRY(atomic_write(path_join(dir, "cert.pem"), issued.cert_pem, 0644, std::nullopt, later));
    CB_TRY(atomic_write(path_join(dir, "chain.pem"), issued.chain_pem, 0644, std::nullopt, later));
    CB_TRY(atomic_write(path_join(dir, "fullchain.pem"), issued.fullchain_pem, 0644, std::nullopt,
                        later));
    CB_TRY(fsync_dir(dir));
    CB_TRY(atomic_write(path_join(dir, "server"), server + "\n", 0644));
    return dir;
}

std::optional<IssuedCert> take_kept_issuance(const std::string& work_dir, const std::string& name,
                                             const std::string& server,
                                             const std::vector<std::string>& domains, int64_t now) {
    const std::string dir = kept_issuance_dir(work_dir, name);
    if (!exists(dir)) return std::nullopt;
    auto read = [&](const char* file) { return read_file(path_join(dir, file), kMaxPem); };
    auto stored_server = read("server");
    if (!stored_server || *stored_server != server + "\n") {
        log::info("A certificate kept in " + dir + " is from another server than " + server +
                  "; ordering a new one (the kept one stays)");
        return std::nullopt;
    }
    auto key = read("privkey.pem");
    auto cert = read("cert.pem");
    auto chain = read("chain.pem");
    auto fullchain = read("fullchain.pem");
    Status usable = Status::Ok();
    std::optional<PrivateKey> pk;
    if (!key || !cert || !chain || !fullchain) {
        usable = Error("a file is missing or unreadable");
    } else if (auto k = PrivateKey::from_pem(*key); !k) {
        usable = k.error();
    } else {
        pk = std::move(*k);
        auto parts = split_pem_chain(*fullchain);
        usable = parts ? verify_issued_chain(*parts, *pk, domains, now) : Status(parts.error());
    }
    if (!usable) {
        // Kept for other names (the request changed) is still someone's certificate; anything
        // else (expired, damaged) can never be used.
        const bool other_names =
            usable.error().message.find("but the order was for") != std::string::npos;
        if (other_names) {
            log::info("The certificate kept in " + dir + " is for other names (" +
                      usable.error().message + "); ordering a new one (the kept one stays)");
        } else {
            log::warning("Removing the certificate kept in " + dir +
                         ", which cannot be used any more: " + usable.error().message);
            forget_kept_issuance(work_dir, name);
        }
        return std::nullopt;
    }
    IssuedCert issued;
    issued.cert_pem = std::move(*cert);
    issued.chain_pem = std::move(*chain);
    issued.fullchain_pem = std::move(*fullchain);
    issued.key_pem = std::move(*key);
    issued.domains = domains;
    return issued;
}

void forget_kept_issuance(const std::string& work_dir, const std::string& name) {
    const std::string dir = kept_issuance_dir(work_dir, name);
    if (!exists(dir)) return;
    if (auto st = remove_tree(dir); !st)
        log::warning("cannot remove " + dir + ": " + st.error().message);
}

}  // namespace certbot
