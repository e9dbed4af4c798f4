// revoke: RFC 8555 §7.6, by account key or by the certificate's own key; then, as certbot 2.x,
// offer to delete the lineage the certificate belongs to.
#include "account.h"
#include "commands.h"
#include "fsutil.h"
#include "log.h"

namespace certbot {

namespace {

// RFC 5280 §5.3.1 CRLReason codes for certbot's --reason names.
int reason_code(const std::string& reason) {
    static const std::pair<const char*, int> kCodes[] = {{"unspecified", 0},
                                                         {"keycompromise", 1},
                                                         {"affiliationchanged", 3},
                                                         {"superseded", 4},
                                                         {"cessationofoperation", 5}};
    for (const auto& [name, code] : kCodes)
        if (reason == name) return code;
    return 0;  // the CLI accepts only the names above
}

// certbot's cert_path_to_lineage: the lineage whose live cert/fullchain link or archive
// directory holds `cert_path`.
std::optional<Lineage> lineage_of(const std::string& config_dir, const std::string& cert_path) {
    auto lineages = list_lineages(config_dir, nullptr);
    if (!lineages) return std::nullopt;
    const std::string path = normalize_path(cert_path);
    for (auto& l : *lineages) {
        if (path == normalize_path(l.cert_path) || path == normalize_path(l.fullchain_path) ||
            dir_name(path) == normalize_path(l.archive_dir))
            return std::move(l);
    }
    return std::nullopt;
}

// After a successful revocation: --delete-after-revoke, or ask on a terminal (default yes), or
// under -n delete (certbot 2.x: "If run in non-interactive mode, deleting happens
// automatically").
Status delete_if_wanted(const Config& cfg, const std::string& cert_path,
                        const std::string& cert_name) {
    bool wanted = cfg.delete_after_revoke.value_or(true);
    if (!cfg.delete_after_revoke && cfg.interactive())
        wanted = terminal_prompt()
                     .yes_no(
                         "Would you like to delete the certificate(s) you just revoked, along "
                         "with all earlier and later versions of the certificate?",
                         "Yes (recommended)", "No", true)
                     .value_or(false);
    if (!wanted) return Status::Ok();
    std::optional<Lineage> lineage;
    if (!cert_name.empty()) {
        auto l = load_lineage(cfg.config_dir, cert_name);
        if (!l) return l.error();
        lineage = std::move(*l);
    } else {
        lineage = lineage_of(cfg.config_dir, cert_path);
        if (!lineage) {
            log::info(cert_path + " belongs to no certificate lineage in " + cfg.config_dir +
                      "; nothing to delete");
            return Status::Ok();
        }
    }
    // Never delete an archive another lineage still uses.
    if (auto all = list_lineages(cfg.config_dir, nullptr)) {
        for (const auto& other : *all) {
            if (other.name != lineage->name &&
                normalize_path(other.archive_dir) == normalize_path(lineage->archive_dir)) {
                log::warning(
                    "Not deleting revoked certificates due to overlapping archive dirs: "
                    "more than one certificate is using " +
                    lineage->archive_dir);
                return Status::Ok();
            }
        }
    }
    CB_TRY(delete_lineage(cfg.config_dir, lineage->name));
    log::out("Deleted all files relating to certificate " + lineage->name + ".");
    return Status::Ok();
}

}  // namespace

int cmd_revoke(const Config& cfg, const PluginRegistry&) {
    if (cfg.cert_path.empty() == cfg.cert_name.empty())
        return fail(
            Error("Exactly one of --cert-path or --cert-name must be specified", kExitUsage));
    std::string cert_path = cfg.cert_path;
    std::string server = cfg.effective_server();
    if (!cfg.cert_name.empty()) {
        // certbot: the lineage's cert and, unless --server is given, its server.
        auto lineage = load_lineage(cfg.config_dir, cfg.cert_name);
        if (!lineage)
            return fail(
                Error(lineage.error().message + " (see `certbot certificates`)", kExitUsage));
        cert_path = lineage->cert_path;
        if (auto s = lineage->renewal_params().get("server"); s && !s->empty() && !cfg.server_set)
            server = *s;
    }
    auto pem = read_file(cert_path, 1 << 20);
    if (!pem) return fail(Error(pem.error().message + "; check --cert-path", kExitUsage));
    auto der = pem_to_der_cert(*pem);
    if (!der) return fail(Error(der.error().message + " in " + cert_path, kExitUsage));

    std::optional<PrivateKey> cert_key;
    if (!cfg.key_path.empty()) {
        auto key_pem = read_file(cfg.key_path, 1 << 20);
        if (!key_pem)
            return fail(Error(key_pem.error().message + "; check --key-path", kExitUsage));
        auto key = PrivateKey::from_pem(*key_pem);
        if (!key) return fail(Error(key.error().message + " in " + cfg.key_path, kExitUsage));
        if (!cert_matches_key(*pem, *key))
            return fail(Error("The key " + cfg.key_path + " is not the key of the certificate " +
                                  cert_path + "; check --key-path",
                              kExitUsage));
        cert_key = std::move(*key);
    }

    auto ca = CaSession::open(cfg, server);
    if (!ca) return fail(ca.error());
    std::optional<ActiveAccount> account;
    if (!cert_key) {
        // certbot signs with the account (registering one if there is none yet).
        auto a = load_or_register_account(*ca->acme, cfg);
        if (!a) return fail(a.error());
        account = std::move(*a);
        ca->acme->set_account(&account->key, account->url);
    }
    log::debug("Revoking " + cert_path + " with " +
               (cert_key ? "the certificate key " + cfg.key_path : std::string("the account key")) +
               ", reason " + cfg.reason);
    if (auto st = ca->acme->revoke(*der, reason_code(cfg.reason), cert_key ? &*cert_key : nullptr);
        !st)
        return fail(st.error());
    log::out(
        "Congratulations! You have successfully revoked the certificate that was located "
        "at " +
        cert_path + ".");
    if (auto st = delete_if_wanted(cfg, cert_path, cfg.cert_name); !st)
        return fail(st.error().context("the certificate is revoked, but deleting it failed"));
    return kExitOk;
}

}  // namespace certbot
