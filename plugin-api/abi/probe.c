/* The ABI probe: one exported function that reaches every type of certbot/plugin.h, so that
 * abidw/abidiff (libabigail) see the whole plugin ABI in one small shared object built with
 * debug info. check-abi.sh builds it against a header and compares it with the baseline. */
#include <certbot/plugin.h>

CB_EXPORT void cb_abi_probe(const cb_plugin* plugin, const cb_host* host,
                            const cb_authenticator* authenticator, const cb_installer* installer,
                            const cb_option_desc* option, const cb_challenge* challenge,
                            cb_status status, cb_log_level level);

void cb_abi_probe(const cb_plugin* plugin, const cb_host* host,
                  const cb_authenticator* authenticator, const cb_installer* installer,
                  const cb_option_desc* option, const cb_challenge* challenge, cb_status status,
                  cb_log_level level) {
    (void)plugin;
    (void)host;
    (void)authenticator;
    (void)installer;
    (void)option;
    (void)challenge;
    (void)status;
    (void)level;
}
