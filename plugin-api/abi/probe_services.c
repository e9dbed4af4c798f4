/* The host services' ABI probe: one exported function per service table of certbot/plugin.h
 * ("Host services"), so that abidw/abidiff see each table. check-abi.sh builds it against
 * today's header and compares it with plugin-abi-services.xml, the tables as first released: a
 * table only grows at its end (rule 2), and a new service adds a function here (an addition,
 * never a break). Not built against the frozen 1.1 header, which has no services. */
#include <certbot/plugin.h>

CB_EXPORT void cb_abi_probe_state_dir(const cb_state_dir_v1* table, cb_pair_sink pair_sink);
CB_EXPORT void cb_abi_probe_run(const cb_run_v1* table);
CB_EXPORT void cb_abi_probe_credentials(const cb_credentials_v1* table);
CB_EXPORT void cb_abi_probe_checkpoint(const cb_checkpoint_v1* table);
CB_EXPORT void cb_abi_probe_wait(const cb_wait_v1* table);

void cb_abi_probe_state_dir(const cb_state_dir_v1* table, cb_pair_sink pair_sink) {
    (void)table;
    (void)pair_sink;
}

void cb_abi_probe_run(const cb_run_v1* table) {
    (void)table;
}

void cb_abi_probe_credentials(const cb_credentials_v1* table) {
    (void)table;
}

void cb_abi_probe_checkpoint(const cb_checkpoint_v1* table) {
    (void)table;
}

void cb_abi_probe_wait(const cb_wait_v1* table) {
    (void)table;
}
