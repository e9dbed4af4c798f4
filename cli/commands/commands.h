// The subcommands. Each returns the process exit status (result.h ExitCode); an error reaches
// the user through fail().
#pragma once

#include "config.h"
#include "plugin_host.h"
#include "renewal.h"
#include "version.h"

namespace certbot {

class Fleet;
class HookRunner;

// The one place where a command turns an error into output and an exit status: the error's
// one line on stderr (and in the log), and its exit code.
int fail(const Error& e);

int cmd_certonly(const Config& cfg, const PluginRegistry& plugins);
int cmd_renew(const Config& cfg, const PluginRegistry& plugins);
// Versions another node renewed reach this node's servers as if renewed here (docs/fleet.md):
// each lineage's deploy hooks run; returns their configs, for restart_installers.
std::vector<Config> deploy_from_fleet(const Config& cli, const PluginRegistry& plugins,
                                      const std::vector<std::string>& names, HookRunner& hooks);
int cmd_certificates(const Config& cfg, const PluginRegistry& plugins);
int cmd_plugins(const Config& cfg, const PluginRegistry& plugins);

// certonly's obtain step, shared with run: finds the lineage the request belongs to (by
// --cert-name or the same names) and, unless it is not yet due, orders a certificate with the
// pre/deploy/post hooks around it, through `ca` (renewal.h CaLink). Needs an open Session.
// issued = false: the existing certificate was kept (result names it).
struct Obtained {
    IssueResult result;
    bool issued = false;
};
// In fleet mode (`fleet` not null) the lineage's lock is held while it is obtained (a node
// holding it is waited for) and what was issued is published (docs/fleet.md).
Result<Obtained> obtain_with_hooks(const Config& cfg, const PluginRegistry& plugins, CaLink ca,
                                   Fleet* fleet = nullptr);

// Obtain and install (cmd_install.cpp).
int cmd_run(const Config& cfg, const PluginRegistry& plugins);
int cmd_install(const Config& cfg, const PluginRegistry& plugins);
int cmd_enhance(const Config& cfg, const PluginRegistry& plugins);
int cmd_rollback(const Config& cfg, const PluginRegistry& plugins);

// Lineage management (cmd_lineage.cpp).
int cmd_delete(const Config& cfg, const PluginRegistry& plugins);
int cmd_reconfigure(const Config& cfg, const PluginRegistry& plugins);
int cmd_update_symlinks(const Config& cfg, const PluginRegistry& plugins);

// Accounts (cmd_account.cpp) and revocation (cmd_revoke.cpp).
int cmd_register(const Config& cfg, const PluginRegistry& plugins);
int cmd_update_account(const Config& cfg, const PluginRegistry& plugins);
int cmd_show_account(const Config& cfg, const PluginRegistry& plugins);
int cmd_unregister(const Config& cfg, const PluginRegistry& plugins);
int cmd_revoke(const Config& cfg, const PluginRegistry& plugins);

// Fleet mode (cmd_fleet.cpp, docs/fleet.md): `certbot fleet status`.
int cmd_fleet(const Config& cfg, const PluginRegistry& plugins);

}  // namespace certbot
