// delete, reconfigure, update_symlinks: managing existing lineages, as certbot's cert_manager
// and main.reconfigure do.
#include <unistd.h>

#include "account.h"
#include "commands.h"
#include "fsutil.h"
#include "log.h"
#include "prompt.h"
#include "renewal.h"
#include "session.h"
#include "storage.h"

namespace certbot {

namespace {

// Lineage names in renewal/ (certbot's renewal_conf_files), sorted.
Result<std::vector<std::string>> lineage_names(const std::string& config_dir) {
    auto paths = renewal_conf_paths(config_dir);
    if (!paths) return paths.error();
    std::vector<std::string> out;
    for (const auto& p : *paths) out.push_back(lineage_name_of(p));
    return out;
}

// certbot's get_certnames: --cert-name, else a choice on the terminal, else an error naming
// --cert-name.
Result<std::vector<std::string>> chosen_names(const Config& cfg, const std::string& verb,
                                              bool allow_multiple) {
    if (!cfg.cert_name.empty()) {
        CB_TRY(validate_lineage_name(cfg.cert_name));
        return std::vector<std::string>{cfg.cert_name};
    }
    auto all = lineage_names(cfg.config_dir);
    if (!all) return all.error();
    if (all->empty()) return Error("No existing certificates found.");
    if (!cfg.interactive())
        return Error("Which certificate" + std::string(allow_multiple ? "(s)" : "") +
                         " would you like to " + verb +
                         "? Name it with --cert-name (see `certbot "
                         "certificates`)",
                     kExitUsage);
    auto picked = ask_numbers("Which certificate" + std::string(allow_multiple ? "(s)" : "") +
                                  " would you like to " + verb + "?",
                              *all, allow_multiple);
    if (picked.empty()) return Error("User ended interaction.");
    std::vector<std::string> out;
    for (size_t i : picked) out.push_back((*all)[i]);
    return out;
}

std::string renewal_conf(const Config& cfg, const std::string& name) {
    return cfg.config_dir + "/renewal/" + name + ".conf";
}

// The [renewalparams] section as text, to tell whether reconfigure changed anything.
std::string params_text(const Lineage& l) {
    ConfigObj only;
    if (const Section* p = l.conf.root().find_section("renewalparams"))
        only.root().section("renewalparams") = *p;
    auto text = only.serialize();
    return text ? *text : std::string();
}

}  // namespace

int cmd_delete(const Config& cfg, const PluginRegistry&) {
    auto session = Session::open(cfg);
    if (!session) return fail(session.error());
    auto names = chosen_names(cfg, "delete", true);
    if (!names) return fail(names.error());
    auto half_made = [&](const std::string& n) {  // no conf, but live/ or archive/ is there
        return access((cfg.config_dir + "/live/" + n).c_str(), F_OK) == 0 ||
               access((cfg.config_dir + "/archive/" + n).c_str(), F_OK) == 0;
    };
    for (const auto& n : *names)
        if (access(renewal_conf(cfg, n).c_str(), F_OK) != 0 && !half_made(n))
            return fail(Error("No certificate found with name " + n + " (expected " +
                                  renewal_conf(cfg, n) + "); see `certbot certificates`",
                              kExitUsage));
    std::string msg = "The following certificate(s) are selected for deletion:\n";
    for (const auto& n : *names) msg += "\n  * " + n;
    msg +=
        "\n\nWARNING: Before continuing, ensure that the listed certificates are not being used "
        "by any installed server software (e.g. Apache, nginx, mail servers). Deleting a "
        "certificate that is still being used will cause the server software to stop working. "
        "See https://certbot.org/deleting-certs for information on deleting certificates "
        "safely.\n\nAre you sure you want to delete the above certificate(s)?";
    if (cfg.interactive() && !ask_yes_no(msg, true)) {
        log::out("Deletion of certificate(s) canceled.");
        return kExitOk;
    }
    for (const auto& n : *names) {
        if (auto st = delete_lineage(cfg.config_dir, n); !st) return fail(st.error());
        log::out("Deleted all files relating to certificate " + n + ".");
    }
    return kExitOk;
}

// certbot 2.3+ reconfigure: the lineage's stored options overridden by the command line are
// tried with a dry-run renewal, and saved to the renewal conf only if that succeeds.
int cmd_reconfigure(const Config& cli, const PluginRegistry& plugins) {
    if (!cli.domains.empty())
        return fail(Error(
            "You have specified domains, but reconfigure cannot change the domains of a "
            "certificate; use certonly --cert-name NAME -d ... for that, or drop -d and name the "
            "certificate with --cert-name",
            kExitUsage));
    auto session = Session::open(cli);
    if (!session) return fail(session.error());
    auto names = chosen_names(cli, "reconfigure", false);
    if (!names) return fail(names.error());
    const std::string name = names->front();
    if (access(renewal_conf(cli, name).c_str(), F_OK) != 0)
        return fail(Error("An existing certificate with name " + name +
                              " could not be found. Run `certbot certificates` to list available "
                              "certificates.",
                          kExitUsage));
    auto lineage = load_lineage(cli.config_dir, name);
    if (!lineage) return fail(lineage.error());
    const std::string before = params_text(*lineage);
    // What is saved if the dry run works (the names order the stored webroot_map).
    auto cfg = config_for_lineage(*lineage, cli, plugins);
    if (!cfg) return fail(cfg.error());
    const Section* stored = lineage->conf.root().find_section("renewalparams");
    for (const char* key : {"account", "server"}) {
        const std::string now = std::string(key) == "server" ? cfg->server : cfg->account;
        if (stored && stored->get(key) && now != *stored->get(key))
            return fail(Error(
                "Using reconfigure to change the ACME account or server is not supported; use "
                "renew --cert-name " +
                    name + " --force-renewal with the new --" + key + " instead",
                kExitUsage));
    }

    Config dry_cli = cli;
    dry_cli.dry_run = true;
    dry_cli.non_interactive = true;  // as renew would run it
    dry_cli.force_interactive = false;
    auto dry = config_for_lineage(*lineage, dry_cli, plugins);
    if (!dry) return fail(dry.error());
    log::out("Simulating renewal of an existing certificate for " + name +
             " with the new settings");
    auto http = ca_http_client(*dry);
    auto result = issue_with_hooks(*dry, plugins, &*lineage, {*http});
    if (!result)
        return fail(result.error().context("The dry run with the new settings failed; " + name +
                                           "'s renewal configuration was not changed"));
    if (auto st = save_renewal_options(*lineage, *cfg, plugins); !st) return fail(st.error());
    log::out(params_text(*lineage) == before
                 ? "\nNo changes were made to the renewal configuration."
                 : "\nSuccessfully updated configuration.\nChanges will apply when the "
                   "certificate renews.");
    return kExitOk;
}

// certbot's update_live_symlinks: every lineage's live links to its archive_dir.
int cmd_update_symlinks(const Config& cfg, const PluginRegistry&) {
    auto session = Session::open(cfg);
    if (!session) return fail(session.error());
    auto names = lineage_names(cfg.config_dir);
    if (!names) return fail(names.error());
    int status = kExitOk;
    for (const auto& n : *names) {
        if (auto st = update_symlinks(cfg.config_dir, renewal_conf(cfg, n)); !st) {
            log::error(st.error().message);
            status = kExitFailure;
        }
    }
    return status;
}

}  // namespace certbot
