/*
 * certbot native plugin ABI — the stable C contract between the certbot host and its plugins.
 *
 * A plugin is a shared object that exports one symbol, `certbot_plugin_entry`, a
 * `const cb_plugin` describing itself as static data (from 1.3, a plugin that speaks several ABI
 * majors also exports `certbot_plugin_entries`: see "Negotiation"). The host reads it from the
 * file without loading it (so keep it, its strings and tables constant-initialised), checks
 * `abi_major`, and only then loads the file in a runner process and calls `create` to get an
 * instance.
 * docs/plugin-abi.md holds the numbered rules; this header is the authority on types.
 *
 * Conventions used throughout:
 *  - Every struct that crosses the boundary starts with `struct_size`. Fields are only ever
 *    appended; a reader reads a field only if the writer's struct_size covers it
 *    (CB_HAS_FIELD).
 *  - Strings are UTF-8, NUL-terminated. "borrowed" means: valid only for the duration of the
 *    call that passes it, unless the comment says otherwise. Nothing allocated on one side is
 *    freed on the other: results are handed back through caller-owned sinks (cb_string_sink).
 *  - Functions return cb_status. CB_DECLINED ("not mine") is not CB_ERROR ("I tried and
 *    failed"). On CB_ERROR the plugin should first call host->set_error with one line that names
 *    the thing (file, domain, URL) and says what to do.
 *  - No C++ exception ever crosses this boundary.
 *  - Private key bytes never cross: installers get file paths, authenticators get key
 *    authorizations.
 */
#ifndef CERTBOT_PLUGIN_H
#define CERTBOT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI revision. A host loads a plugin only through an entry whose abi_major it speaks (the
 * plugin may offer one per major: "Negotiation"); minor revisions only append. */
#define CB_ABI_MAJOR 1u
#define CB_ABI_MINOR 3u

/* The one symbol a plugin exports. */
#define CB_ENTRY_SYMBOL "certbot_plugin_entry"

/* True when a struct of the given (provider-declared) size contains FIELD. */
#define CB_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

#if defined(__GNUC__)
#define CB_EXPORT __attribute__((visibility("default")))
#else
#define CB_EXPORT
#endif

typedef enum cb_status {
    CB_OK = 0,
    CB_DECLINED = 1, /* not applicable to me (e.g. a challenge type I do not do); not a failure */
    CB_ERROR = 2     /* failed; the message was given through host->set_error */
} cb_status;

typedef enum cb_log_level {
    CB_LOG_DEBUG = 10,
    CB_LOG_INFO = 20,
    CB_LOG_WARNING = 30,
    CB_LOG_ERROR = 40
} cb_log_level;

/* Plugin kinds (bit set). */
#define CB_KIND_AUTHENTICATOR 0x1u
#define CB_KIND_INSTALLER 0x2u

/* Option flags. */
/* Each flag keeps its comment beside it. */
/* clang-format off */
#define CB_OPT_VALUE 0x0u          /* takes one value: --<plugin>-<name> VALUE (last one wins) */
#define CB_OPT_FLAG 0x1u           /* boolean switch, no value; value reads as "True" when set */
#define CB_OPT_REPEATABLE 0x2u     /* may be given several times; every value is kept, in order */
#define CB_OPT_PER_IDENTIFIER 0x4u /* applies to each -d given after it on the command line
                                      (certbot's -w/-d interleaving); query with an identifier */
#define CB_OPT_IDENTIFIER_MAP 0x8u /* value is a JSON object {"name[,name...]": value} feeding the
                                      plugin's CB_OPT_PER_IDENTIFIER option (--webroot-map) */
#define CB_OPT_HOOK 0x10u          /* (1.1) value is a command the plugin runs with host->run_hook:
                                      the host checks that its program exists and is executable,
                                      like --pre-hook, before anything is ordered (unless
                                      --disable-hook-validation). A 1.0 host ignores the bit. */
#define CB_OPT_REQUIRED 0x20u      /* (1.3) a command that uses the plugin fails, naming the flag,
                                      when the option has no value (and no default). An older
                                      host ignores the bit: check anyway. */
/* clang-format on */

/* Option value types (cb_option_desc.type, 1.3). A 1.3 host checks every value of a typed
 * option (command line, cli.ini, renewal conf, default) before the plugin sees it and fails the
 * command with one line naming the flag and the plugin; the plugin gets the value in the
 * canonical form given here. An older host (or an option of a plugin built before 1.3) passes
 * text unchecked: parse defensively anyway. An unknown type (a later minor's) is a string. */
/* clang-format off */
#define CB_TYPE_STRING 0u /* any text */
#define CB_TYPE_INT 1u    /* a decimal integer in [min_value, max_value] (both 0: any 64-bit
                             value); handed over in canonical form ("7", "-3") */
#define CB_TYPE_BOOL 2u   /* true/false, yes/no, on/off, 1/0 in any case; handed over as "True"
                             or "False" (certbot's spelling) */
#define CB_TYPE_PATH 3u   /* a non-empty file system path; handed over (and stored in the
                             renewal conf) absolute, made so against the working directory as
                             certbot's os.path.abspath does */
#define CB_TYPE_CHOICE 4u /* exactly one of choices */
/* clang-format on */

/* Caller-owned sink: receives a borrowed string, once per value. */
typedef void (*cb_string_sink)(void* sink_ctx, const char* value);

/* A command-line option the plugin adds. Shown in --help, parsed by the host, stored in the
 * renewal configuration as <plugin>_<name with '-' as '_'> and restored on renewal. */
typedef struct cb_option_desc {
    size_t struct_size;
    const char* name;          /* without prefix: "path" for --webroot-path */
    const char* short_alias;   /* "-w" or NULL; only for options certbot itself aliases */
    const char* metavar;       /* the value's name in --help ("DIR"); NULL: the full option
                                  name in capitals (--webroot-path WEBROOT_PATH, as argparse) */
    const char* help;          /* one paragraph; --help appends "(default: <default_value>)" */
    const char* default_value; /* NULL: no default */
    uint32_t flags;            /* CB_OPT_* */

    /* ---- 1.3: read only when the element size (struct_size) covers them; an older plugin's
     * options are strings. Build tables with plugin.hpp's option helpers (C++) or designated
     * initializers (C), so that later appended fields need no source change. ---- */
    /* (type comes last: the 4 bytes of padding after flags are no field, whatever a 1.0 to 1.2
     * plugin left in them.) */
    const char* const* choices; /* CB_TYPE_CHOICE: the allowed values, NULL-terminated (1 to 64);
                                   --help shows them as the metavar {a,b} when metavar is NULL */
    int64_t min_value;          /* CB_TYPE_INT: the smallest and largest value allowed */
    int64_t max_value;
    uint32_t type; /* CB_TYPE_*; 0: a string */
} cb_option_desc;

/* One challenge to answer. All pointers borrowed for the duration of the call. The host has
 * already validated token (base64url alphabet only) and identifier (a DNS name, or from 1.2 an
 * IP address in canonical text form: see identifier_type). */
typedef struct cb_challenge {
    size_t struct_size;
    const char* type;              /* "http-01", "dns-01", "tls-alpn-01" */
    const char* identifier;        /* "example.com"; for a wildcard order "example.com" and
                                      is_wildcard = 1 */
    const char* token;             /* base64url */
    const char* key_authorization; /* token "." base64url(JWK thumbprint), RFC 8555 §8.1 */
    const char* validation;        /* http-01: the file content (= key_authorization);
                                      dns-01: the TXT value, base64url(SHA-256(keyauth));
                                      tls-alpn-01: lowercase hex SHA-256(keyauth) */
    const char* validation_name;   /* http-01: "/.well-known/acme-challenge/<token>";
                                      dns-01: "_acme-challenge.<identifier>";
                                      tls-alpn-01: the SNI the CA sends: the identifier, or for
                                      an IP its reverse name ("1.2.0.192.in-addr.arpa",
                                      RFC 8738 §6) */
    int is_wildcard;
    /* (1.2) "dns" or "ip" (RFC 8738): an "ip" identifier is an IPv4 address or an IPv6 address
     * in RFC 5952 form, and comes only with http-01 or tls-alpn-01 (whose certificate then
     * carries it as an iPAddress SAN). Absent (an older host): "dns". get_chall_pref receives
     * the same identifier text, so a plugin tells the two apart there by parsing it. */
    const char* identifier_type;
} cb_challenge;

/* Services the host hands to each plugin instance. Borrowed from create() until destroy().
 * Thread contract: an instance is used by one thread at a time; host functions may be called
 * only from inside a call the host made into the plugin. */
typedef struct cb_host {
    size_t struct_size;
    uint32_t abi_major;
    uint32_t abi_minor;
    void* ctx; /* pass as first argument of every function below */

    void (*log)(void* ctx, int level, const char* message);
    /* The reason for the CB_ERROR about to be returned: one line. */
    void (*set_error)(void* ctx, const char* message);
    /* Values of the plugin's option NAME (short name, as declared). For CB_OPT_PER_IDENTIFIER
     * options pass the identifier (the host resolves -w/-d ordering, the map option and stored
     * maps), else NULL. Calls sink once per value; returns the number of values (0 = unset and
     * no default). */
    size_t (*get_option)(void* ctx, const char* name, const char* identifier, cb_string_sink sink,
                         void* sink_ctx);
    /* Nonzero when a person can answer prompts (a TTY and not --non-interactive). */
    int (*is_interactive)(void* ctx);
    /* Show MESSAGE and wait for the user to press Enter. CB_ERROR when not interactive. */
    cb_status (*pause)(void* ctx, const char* message);
    /* Run a user-supplied hook command exactly as certbot does (/bin/sh -c COMMAND), with ENV
     * (NULL-terminated "NAME=VALUE" strings, borrowed) added to the host's environment. Data
     * goes only through ENV, never into the command string. stdout is passed to out_sink (may
     * be NULL) once, whole; stderr goes to the user's terminal/log. *exit_status receives the
     * exit status (128+signal when killed). CB_ERROR only when the command could not be run. */
    cb_status (*run_hook)(void* ctx, const char* command, const char* const* env,
                          cb_string_sink out_sink, void* out_ctx, int* exit_status);
    /* Directories (borrowed, live as long as the host table). */
    const char* config_dir;
    const char* work_dir;
    const char* logs_dir;
    /* Nonzero for --dry-run (no persistent change to anything but challenge answers). */
    int dry_run;

    /* ---- 1.2: read only when CB_HAS_FIELD(host, cb_host, <field>) ---- */
    const char* host_name;    /* "certbot-native" (borrowed, lives as long as the table) */
    const char* host_version; /* the host's version, e.g. "0.1.0" */
    const char* plugin_path;  /* the absolute path of this plugin's .so file */
    /* The lineage (certificate name) the current call works for, or NULL: set during
     * installer->deploy_cert (and enhance) when the host knows it. Borrowed for the call. */
    const char* (*lineage_name)(void* ctx);
    /* Optional host services by string id ("certbot.<service>.v<N>"): a pointer to the
     * service's table (static, lives as long as the host table) or NULL when this host does
     * not offer it. New services are added this way, with no change to this struct. */
    const void* (*get_extension)(void* ctx, const char* id);
} cb_host;

/* Call contracts. Every function a plugin implements carries tags, in CLAP's manner:
 *   [runner]       called in the plugin's runner process, never in the certbot process; one
 *                  call at a time per instance (docs/plugin-abi.md, "Process model");
 *   [time-limit]   must return within --plugin-timeout (default 600 s), else the runner is
 *                  killed and the call fails naming the plugin; waits in pause/run_hook do not
 *                  count, a certbot.wait.v1 wait does;
 *   [may-block: X] what the call may wait on (network, a child process, a person, the disk);
 *   [cancel]       on SIGINT/SIGTERM the call is stopped within about 100 ms unless it is in
 *                  certbot.wait.v1 (answered "cancelled", 10 s to return);
 *   [always-after: X] the host calls it after X even when X failed or its runner died (then
 *                  on a fresh instance), so it must cope with an instance that never saw X;
 *   [idempotent]   may be called again with the same arguments (after a crash) and must then
 *                  do nothing more.
 * Host functions (cb_host, services) may be called only from inside such a call. */

/* Authenticator interface (certbot's IAuthenticator). */
typedef struct cb_authenticator {
    size_t struct_size;
    /* Challenge types this plugin can answer for IDENTIFIER (a DNS name or, from 1.2, an IP
     * address: certbot 5.3's get_chall_pref(identifier)), most preferred first, via sink.
     * CB_DECLINED when it cannot do anything for that identifier.
     * [runner] [time-limit] [may-block: nothing; answer from configuration] */
    cb_status (*get_chall_pref)(void* self, const char* identifier, cb_string_sink sink,
                                void* sink_ctx);
    /* Make every challenge answerable. On CB_ERROR the host still calls cleanup with the same
     * array, so cleanup must cope with a partial perform.
     * [runner] [time-limit] [cancel] [may-block: network, child processes, a person (pause),
     * DNS propagation through certbot.wait.v1] */
    cb_status (*perform)(void* self, const cb_challenge* challenges, size_t count);
    /* Undo everything perform did (files, records, listeners).
     * [runner] [time-limit: with a 10 s grace after a signal] [always-after: perform]
     * [idempotent] [may-block: network, child processes] */
    cb_status (*cleanup)(void* self, const cb_challenge* challenges, size_t count);
} cb_authenticator;

/* Installer interface (certbot's IInstaller). */
typedef struct cb_installer {
    size_t struct_size;
    /* Every name the server's configuration serves; fail with "file:line: what" on anything
     * unparsable. [runner] [time-limit] [may-block: disk, child processes] */
    cb_status (*get_all_names)(void* self, cb_string_sink sink, void* sink_ctx);
    /* Paths are borrowed; the key is a path, never bytes. chain_path may be NULL.
     * [runner] [time-limit] [cancel] [may-block: disk, child processes] */
    cb_status (*deploy_cert)(void* self, const char* domain, const char* cert_path,
                             const char* key_path, const char* chain_path,
                             const char* fullchain_path);
    /* enhancement: "redirect", "ensure-http-header", "staple-ocsp"; options: NULL or a
     * header name such as "Strict-Transport-Security". CB_DECLINED when unsupported.
     * [runner] [time-limit] [cancel] [may-block: disk, child processes] */
    cb_status (*enhance)(void* self, const char* domain, const char* enhancement,
                         const char* options);
    /* [runner] [time-limit] [may-block: nothing; answer from the plugin's own data] */
    cb_status (*supported_enhancements)(void* self, cb_string_sink sink, void* sink_ctx);
    /* Finalise a checkpoint; temporary != 0 for challenge-time changes.
     * [runner] [time-limit] [may-block: disk] */
    cb_status (*save)(void* self, const char* title, int temporary);
    /* Restore the files of the COUNT newest checkpoints; fail naming how many exist.
     * [runner] [time-limit: with a 10 s grace after a signal] [always-after: a failed
     * transaction call] [may-block: disk, child processes] */
    cb_status (*rollback_checkpoints)(void* self, int count);
    /* Undo every change not finalised by save (after a crash or failure).
     * [runner] [time-limit: with a 10 s grace after a signal] [always-after: a failed
     * transaction call] [idempotent] [may-block: disk, child processes] */
    cb_status (*recovery_routine)(void* self);
    /* The server accepts the configuration on disk. [runner] [time-limit] [may-block: child
     * processes] */
    cb_status (*config_test)(void* self);
    /* CB_OK only when the server runs the configuration on disk. [runner] [time-limit]
     * [may-block: child processes, network (checking what is served)] */
    cb_status (*restart)(void* self);
} cb_installer;

/* The exported entry: static data plus constructors. */
typedef struct cb_plugin {
    size_t struct_size;
    uint32_t abi_major; /* CB_ABI_MAJOR the plugin was built against */
    uint32_t abi_minor;
    const char* name;        /* "webroot": selects --webroot, -a webroot, option prefix */
    const char* description; /* one line */
    const char* version;     /* the plugin's own version */
    uint32_t kinds;          /* CB_KIND_* */
    const char* const* challenge_types; /* NULL-terminated, e.g. {"http-01", NULL} */
    const cb_option_desc* options;
    size_t option_count;
    /* Create an instance. HOST is borrowed until destroy. On CB_ERROR (e.g. the server software
     * is not installed) the plugin has called host->set_error and *out_self is untouched.
     * [runner] [time-limit] [may-block: disk; no network, no prompts] */
    cb_status (*create)(const cb_host* host, void** out_self);
    /* After every successful create, also after a failed call. [runner] [time-limit]
     * [may-block: nothing long: free what create made] */
    void (*destroy)(void* self);
    /* NULL unless kinds has the matching bit. Borrowed: static data. */
    const cb_authenticator* authenticator;
    const cb_installer* installer;

    /* ---- 1.2: a host reads these only when struct_size covers them (a 1.0/1.1 plugin: 0) ---- */
    uint32_t exclusive; /* CB_EXCLUSIVE_* bits: what must never run twice at once */
    /* With CB_EXCLUSIVE_PORT: the option (one of the plugin's own, or a global such as
     * "http-01-port") whose value is the port this plugin binds. Two instances binding the same
     * port, of this or any other plugin, never run at the same time. */
    const char* exclusive_port_option;
} cb_plugin;

/* Exclusivity (cb_plugin.exclusive, 1.2). The host serialises the instances concerned. */
/* clang-format off */
#define CB_EXCLUSIVE_INSTANCE 0x1u    /* never two instances of this plugin at once */
#define CB_EXCLUSIVE_INTERACTIVE 0x2u /* the same, but only while a person is answering prompts */
#define CB_EXCLUSIVE_PORT 0x4u        /* binds the port named by exclusive_port_option */
/* clang-format on */

/* ---- Negotiation (1.3): a plugin that speaks several ABI majors ----
 * The part of an entry that every major keeps: the first four fields of cb_plugin, in this
 * layout in every major, so a host reads them from an entry of any major. */
typedef struct cb_plugin_head {
    size_t struct_size;
    uint32_t abi_major;
    uint32_t abi_minor;
    const char* name;
} cb_plugin_head;

/* The optional second export: a NULL-terminated array (at most 16 entries) of pointers to the
 * plugin's entries, one per ABI major it speaks, each in the layout of its own major and each
 * starting with cb_plugin_head (same name in all). The host takes the entry of the highest
 * major it speaks among these and certbot_plugin_entry; a plugin none of whose majors it speaks
 * is refused with one line naming the file and both sides' versions. Static data, like the
 * entry: the host reads it from the file without loading it. A plugin that speaks one major
 * does not export it. Export certbot_plugin_entry in the oldest major you speak: hosts older
 * than 1.3 know only that symbol.
 *
 *   CB_EXPORT const void* const certbot_plugin_entries[] = {&entry_2, &certbot_plugin_entry,
 *                                                           NULL};
 */
#define CB_ENTRIES_SYMBOL "certbot_plugin_entries"
#define CB_MAX_ENTRIES 16

/* ---- Host services: optional tables found with host->get_extension(ctx, ID) (1.2 hosts) ----
 * Each table starts with struct_size and only grows by appending; a NULL answer means this
 * host lacks the service. The tables are static and live as long as the host table; their
 * functions take host->ctx and may be called only from inside a call the host made into the
 * plugin (rule 10), like the functions of cb_host. A function that fails returns CB_ERROR and
 * passes one line naming the file or program and what to do to ERROR (may be NULL), once. */

/* Receives one key/value pair (both borrowed for the call). */
typedef void (*cb_pair_sink)(void* sink_ctx, const char* key, const char* value);

#define CB_STATE_DIR_V1 "certbot.state-dir.v1"
typedef struct cb_state_dir_v1 {
    size_t struct_size;
    /* The plugin's own directory for state kept between runs, <work-dir>/plugins/<name>,
     * created mode 0700 when missing: passed to OUT once. */
    cb_status (*path)(void* ctx, cb_string_sink out, void* out_ctx, cb_string_sink error,
                      void* error_ctx);
} cb_state_dir_v1;

#define CB_RUN_V1 "certbot.run.v1"
typedef struct cb_run_v1 {
    size_t struct_size;
    /* Runs a program without a shell: ARGV (NULL-terminated, borrowed) with ARGV[0] an
     * absolute path or a name looked up in PATH, /usr/local/sbin, /usr/sbin and /sbin. ENV
     * (NULL-terminated "NAME=VALUE", may be NULL) is added to the host's environment. stdin is
     * /dev/null; stdout and stderr together (at most 1 MiB) go to OUTPUT once, whole (may be
     * NULL). TIMEOUT_SECONDS > 0 ends the program after that long (SIGTERM, then SIGKILL) and
     * the call fails; it also always ends with the plugin's call (--plugin-timeout).
     * *exit_status: its exit status, 128+N when killed by signal N. CB_ERROR when it could not
     * be started or ran out of time. */
    cb_status (*run)(void* ctx, const char* const* argv, const char* const* env,
                     uint32_t timeout_seconds, cb_string_sink output, void* output_ctx,
                     int* exit_status, cb_string_sink error, void* error_ctx);
} cb_run_v1;

#define CB_WAIT_V1 "certbot.wait.v1"
typedef struct cb_wait_v1 {
    size_t struct_size;
    /* Waits SECONDS (e.g. for DNS changes to propagate), telling the user "Waiting SECONDS
     * seconds for WHAT" (WHAT may be NULL), with a countdown on a terminal. The host keeps the
     * time in its own process. CB_OK: the whole time passed. CB_ERROR, with one line to ERROR,
     * when the wait ended early: on SIGINT/SIGTERM ("cancelled: certbot is stopping"), or a few
     * seconds before the call's time limit (--plugin-timeout) when the wait would outlast it.
     * Contract: only inside a host call (rule 10); the time counts against that call's limit;
     * after CB_ERROR return from the call promptly (the host gives it a grace period, then
     * cleanup follows). */
    cb_status (*wait)(void* ctx, uint32_t seconds, const char* what, cb_string_sink error,
                      void* error_ctx);
} cb_wait_v1;

#define CB_CREDENTIALS_V1 "certbot.credentials.v1"
typedef struct cb_credentials_v1 {
    size_t struct_size;
    /* Reads PATH as certbot reads a credentials file (dns_common.CredentialsConfiguration:
     * "key = value" lines, '#'/';' comments, optional quotes, configobj's inline comments, keys
     * before the first [section]; at most 64 KiB) and calls SINK once per key, in file order.
     * Warns, as certbot does, when other users may read the file ("Unsafe permissions on
     * credentials configuration file"). Values are never logged. CB_ERROR naming the file (and
     * the line) when it is missing, not a regular file, too large or malformed. */
    cb_status (*read)(void* ctx, const char* path, cb_pair_sink sink, void* sink_ctx,
                      cb_string_sink error, void* error_ctx);
} cb_credentials_v1;

#define CB_CHECKPOINT_V1 "certbot.checkpoint.v1"
/* Which checkpoint a cb_checkpoint_v1 call works on. */
/* clang-format off */
#define CB_CHECKPOINT_TEMPORARY 0x1u   /* challenge-time changes (temp_checkpoint/) */
#define CB_CHECKPOINT_IN_PROGRESS 0x2u /* permanent changes not yet finalised (IN_PROGRESS) */
/* clang-format on */
typedef struct cb_checkpoint_v1 {
    size_t struct_size;
    /* Checkpoints of the files an installer changes, in certbot's reverter layout under the
     * host's work directory (temp_checkpoint/, backups/IN_PROGRESS/, backups/<time>/), so this
     * host and certbot roll back each other's changes. The plugin names every file before it
     * changes it; the host copies it first (synced to disk), so a crash at any point leaves a
     * checkpoint that restores the files byte for byte. WHICH is CB_CHECKPOINT_TEMPORARY or
     * CB_CHECKPOINT_IN_PROGRESS. Restoring refuses (CB_ERROR naming the file) to overwrite a
     * file edited by hand since the host wrote it.
     *
     * add_files: copies each file of PATHS (NULL-terminated, existing files) not already in the
     * checkpoint; NOTE (may be NULL) is added to its notes (CHANGES_SINCE). */
    cb_status (*add_files)(void* ctx, uint32_t which, const char* const* paths, const char* note,
                           cb_string_sink error, void* error_ctx);
    /* PATH is a file about to be created: undoing the checkpoint deletes it. */
    cb_status (*add_new_file)(void* ctx, uint32_t which, const char* path, cb_string_sink error,
                              void* error_ctx);
    /* Writes SIZE bytes of DATA to PATH atomically (temporary file, fsync, rename; through a
     * symlink to the file it names; the replaced file's mode and owner, MODE for a new file),
     * after recording their digest, so a later hand edit is told apart. Name PATH first. */
    cb_status (*write_file)(void* ctx, uint32_t which, const char* path, const char* data,
                            size_t size, uint32_t mode, cb_string_sink error, void* error_ctx);
    /* ARGV (NULL-terminated) runs, newest first, when the checkpoint is undone (certbot's
     * COMMANDS rows, e.g. a2dismod -f ssl). A command that fails is a warning, not an error. */
    cb_status (*add_undo_command)(void* ctx, uint32_t which, const char* const* argv,
                                  cb_string_sink error, void* error_ctx);
    /* The permanent changes become the finalised checkpoint backups/<time>, titled TITLE. */
    cb_status (*finalize)(void* ctx, const char* title, cb_string_sink error, void* error_ctx);
    /* Undoes the checkpoints WHICH names (both bits: certbot's recovery_routine) and deletes
     * them; nothing to undo is CB_OK. Undo commands that failed go to WARNING (may be NULL). */
    cb_status (*revert)(void* ctx, uint32_t which, cb_string_sink warning, void* warning_ctx,
                        cb_string_sink error, void* error_ctx);
    /* Restores the COUNT newest finalised checkpoints, newest first (CB_ERROR, restoring
     * nothing, when fewer exist). */
    cb_status (*rollback)(void* ctx, int count, cb_string_sink warning, void* warning_ctx,
                          cb_string_sink error, void* error_ctx);
    /* The finalised checkpoints' directories, oldest first, to FINALISED (may be NULL); the
     * CB_CHECKPOINT_* bits of the unfinalised ones that exist to *PENDING (may be NULL). */
    cb_status (*list)(void* ctx, cb_string_sink finalised, void* finalised_ctx, uint32_t* pending,
                      cb_string_sink error, void* error_ctx);
} cb_checkpoint_v1;

/* The 1.0 sizes: the smallest tables a 1.x host accepts. Frozen: they never change, whatever
 * is appended later. */
#define CB_PLUGIN_SIZE_1_0 (offsetof(cb_plugin, installer) + sizeof(void*))
#define CB_AUTHENTICATOR_SIZE_1_0 (offsetof(cb_authenticator, cleanup) + sizeof(void*))
#define CB_INSTALLER_SIZE_1_0 (offsetof(cb_installer, restart) + sizeof(void*))
#define CB_OPTION_DESC_SIZE_1_0 (offsetof(cb_option_desc, flags) + sizeof(uint32_t))
#define CB_CHALLENGE_SIZE_1_0 (offsetof(cb_challenge, is_wildcard) + sizeof(int))
#define CB_HOST_SIZE_1_0 (offsetof(cb_host, dry_run) + sizeof(int))

#ifdef __cplusplus
}
#endif

#endif /* CERTBOT_PLUGIN_H */
