// The host side of installer plugins (certbot's IInstaller): deploying a certificate, applying
// enhancements, testing and restarting the server as one transaction that is rolled back on any
// failure; choosing names from the server's configuration; reloading servers after renewal.
// The flow works on the narrow Installer interface so it is unit-testable with a fake.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "configobj.h"
#include "plugin_host.h"
#include "result.h"
#include "storage.h"

namespace certbot {

struct CertPaths {
    std::string cert, key, chain, fullchain;
};

// The installer half of a plugin instance.
class Installer {
  public:
    virtual ~Installer() = default;
    virtual std::string name() const = 0;
    virtual Result<std::vector<std::string>> get_all_names() = 0;
    virtual Result<std::vector<std::string>> supported_enhancements() = 0;
    virtual Status deploy_cert(const std::string& domain, const CertPaths& paths) = 0;
    // false: declined for this domain (not applicable; the plugin said why).
    virtual Result<bool> enhance(const std::string& domain, const std::string& enhancement,
                                 const std::string& options) = 0;
    virtual Status save(const std::string& title, bool temporary) = 0;
    virtual Status rollback_checkpoints(int count) = 0;
    virtual Status recovery_routine() = 0;
    virtual Status config_test() = 0;
    virtual Status restart() = 0;
};

// Creates an instance of cfg.installer with its options from cfg. Usage errors (exit 2) name
// -i/--installer when none is chosen, the plugin is missing or is not an installer.
Result<std::unique_ptr<Installer>> open_installer(const Config& cfg, const PluginRegistry& plugins);

// certbot 5.x installs certificates for DNS names only: Client.deploy_certificate
// (certbot/src/certbot/_internal/client.py) refuses a certificate with an IP address for every
// installer. A usage error naming the installer and the first address in `identifiers`, so run
// and install stop before anything is ordered or edited; Ok when there is none.
Status refuse_ip_install(const std::string& installer, const std::vector<std::string>& identifiers);
// certbot 5.x enhances only DNS names (Client.enhance_config and apply_enhancement take
// san.DNSName), on a server it installed the certificate into, which it never does for a
// certificate with an address (above): `enhance` of a lineage whose IDENTIFIERS hold an IP
// address is a usage error naming the installer, the lineage and the address; Ok when none.
Status refuse_ip_enhance(const std::string& installer, const std::string& lineage,
                         const std::vector<std::string>& identifiers);

// What run, install and enhance do first, before anything is ordered or changed:
// recovery_routine (undo what a crash left half-done), get_all_names (the plugin reads the
// server's configuration and reports what it cannot parse) and config_test (the server accepts
// its configuration as it is now; otherwise the change would be rolled back at the end anyway).
Status prepare_installer(Installer& installer);

// One enhancement to apply to every domain (certbot's enhancement_info).
struct Enhancement {
    std::string flag;     // "--redirect": what the user asked with, for messages
    std::string name;     // "redirect", "ensure-http-header", "staple-ocsp"
    std::string options;  // header name, chain path (staple-ocsp) or empty
    bool requested;       // false: a default (run/install redirect), dropped when unsupported
};

// What cfg asks for, in certbot's order (hsts, redirect, staple-ocsp, uir). redirect_default
// applies when neither --redirect nor --no-redirect was given: certbot 2.x redirects by default
// for run and install, not for enhance.
std::vector<Enhancement> requested_enhancements(const Config& cfg, bool redirect_default,
                                                const std::string& chain_path);

// Drops defaulted enhancements the installer lacks; a requested one it lacks is a usage error
// naming the flag and the installer (checked before anything is ordered or changed).
Result<std::vector<Enhancement>> supported_only(Installer& installer,
                                                std::vector<Enhancement> wanted);

// certbot's installer flow as one transaction: deploy_cert for each domain (when `paths`),
// save("Deployed ACME Certificate"); per enhancement: enhance for each domain, save("Add
// enhancement ...") unless every domain declined it; config_test; restart. On any failure:
// recovery_routine, rollback of the checkpoints saved in this transaction, restart when the server
// may have loaded the new configuration; the error says whether the previous configuration was
// restored.
Status install_transaction(Installer& installer, const std::vector<std::string>& domains,
                           const CertPaths* paths, const std::vector<Enhancement>& enhancements);

// Names from the server's configuration that can go on a certificate (no IPs, no wildcards,
// no single labels such as localhost), de-duplicated, in certbot's order (by parent domain).
std::vector<std::string> certificate_names(const std::vector<std::string>& raw);

// An answer to the numbered list of `names`: numbers separated by commas and/or spaces; blank
// means all of them. Out-of-range or non-numeric entries are an error naming the entry.
Result<std::vector<std::string>> parse_name_choice(const std::string& answer,
                                                   const std::vector<std::string>& names);

// Shows `options` as a numbered list after `question` and reads one answer line: with
// `multiple`, parse_name_choice's syntax; else exactly one number. 'c' cancels (exit 1).
Result<std::vector<std::string>> ask_choice(const std::string& question,
                                            const std::vector<std::string>& options, bool multiple,
                                            std::istream& in, std::ostream& out);

// The names to request when no -d was given: on a terminal, the installer's names as a numbered
// list to choose from; under -n (or with no names found) a usage error naming -d/--domains.
Result<std::vector<std::string>> choose_names(Installer& installer, bool interactive,
                                              std::istream& in, std::ostream& out);

// The installer's own options the user set, as [renewalparams] entries <plugin>_<option>, so
// that renew reloads the same server (-a webroot -i nginx --nginx-server-root DIR). Empty when
// the installer is also the authenticator: renewal_params stores those options already.
std::vector<RenewalParam> installer_renewal_params(const Config& cfg,
                                                   const PluginRegistry& plugins);
// The reverse, for config_for_lineage: options from `params` the command line did not set.
void restore_installer_options(Config& cfg, const Section& params, const PluginRegistry& plugins);

// `certbot renew`: reload each installer named by the renewed lineages once (certbot restarts
// the installer after renewing; the live/ links already point at the new certificate, so no
// deploy_cert is needed). Nothing for dry runs.
Status restart_installers(const std::vector<Config>& renewed, const PluginRegistry& plugins);

}  // namespace certbot
