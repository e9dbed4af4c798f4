// Renewal hooks (--pre-hook, --post-hook, --deploy-hook and the executables in
// <config-dir>/renewal-hooks/{pre,deploy,post}), with the behaviour of certbot 2.1's
// certbot/_internal/hooks.py:
//
// - Pre hooks run before a certificate is actually obtained/renewed, never when nothing is due.
//   Directory pre hooks first (name order), then the --pre-hook commands. A command already run in
//   this process is skipped ("Pre-hook command already run, skipping: X"), so a pre hook shared by
//   several lineages runs once; a --pre-hook equal to a directory hook's path runs once too.
// - Deploy hooks run once per renewed lineage: directory deploy hooks first, then the lineage's
//   deploy/renew hook (skipped if it names a directory hook that already ran). RENEWED_LINEAGE and
//   RENEWED_DOMAINS are passed in the environment. Dry run: skipped, each logged.
// - Post hooks are saved up and run once at the end, only if a renewal was attempted: directory
//   post hooks first, then the commands in the order they were first seen, each once.
// - Pre and post hooks DO run in --dry-run (certbot: "they may be necessary to accurately simulate
//   renewal"); deploy hooks do not.
// - A hook exiting non-zero does not stop anything: it is logged ("Hook 'pre-hook' reported error
//   code N") and the remaining hooks still run. Here it is also returned as an Error so the caller
//   can count it.
//
// Hooks run through `/bin/sh -c` (the user wrote a shell command line). Data (lineage path,
// domains) reaches a hook only through environment variables, never pasted into the command.
// Directory hooks are run by their quoted path, so odd file names are never parsed by the shell.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "result.h"

namespace certbot {

struct HookConfig {
    std::string config_dir;               // renewal-hooks/{pre,deploy,post} live here
    std::vector<std::string> pre_hooks;   // --pre-hook commands (from the CLI and/or renewal confs)
    std::vector<std::string> post_hooks;  // --post-hook commands
    // Certbot runs directory hooks only for the `renew` verb: set this to
    // (verb == "renew" && !--no-directory-hooks).
    bool directory_hooks = true;
    // certbot 5.3: renewal-hooks/deploy also runs when certonly/run obtains a certificate (the
    // pre and post directories stay renew-only). Set to !--no-directory-hooks there.
    bool deploy_directory_hooks = false;
    bool dry_run = false;  // deploy hooks are skipped; pre and post hooks still run (as certbot)
};

// Creates renewal-hooks/{pre,deploy,post} under config_dir (0755, umask applies) if missing —
// certbot does this on every run.
Status ensure_hook_dirs(const std::string& config_dir);

// Full paths of the hooks in <config_dir>/renewal-hooks/<kind> (kind: "pre", "deploy", "post"),
// sorted by name: regular files (symlinks followed) that are executable, without backups
// (is_hook_backup_name). A non-executable file is skipped with a warning; a missing directory
// gives no hooks. A hook or a hook directory that others could change (fsutil.h others_can_change)
// is refused: an error is logged and the message appended to *refused.
std::vector<std::string> list_hook_dir(const std::string& config_dir, const std::string& kind,
                                       std::vector<std::string>* refused = nullptr);

// Backup files editors and Debian's dpkg/ucf leave in hook directories ("~", ".dpkg-old",
// ".dpkg-dist", ".dpkg-new", ".dpkg-tmp", ".ucf-*"): never run as hooks.
bool is_hook_backup_name(const std::string& name);

// A hook named by path (a directory hook, or the first word of a command): it and its directory
// must be trusted. A bare name found in $PATH is not checked.
Status check_hook_trust(const std::string& hook_path);

// Certbot's validate_hook: the first word of COMMAND must be an executable — a path (containing
// '/') to an executable file, or a name found in $PATH (also trying /usr/sbin, /usr/local/bin and
// /usr/local/sbin like certbot's PATH surgery). An empty command is fine. FLAG_NAME is the flag
// for the error message ("--pre-hook"; certbot's short "pre" is accepted and expanded). The error
// (kExitUsage) names the flag and the command and mentions --disable-hook-validation; callers skip
// validation when that flag is given.
Status validate_hook(const std::string& command, const std::string& flag_name);

// The hooks of one certbot run. All methods are thread-safe; hook processes are serialized (one
// at a time), and run_pre_hooks returns only after the pre hooks have finished, so parallel
// renewals never start before e.g. a web server was stopped.
class HookRunner {
  public:
    explicit HookRunner(HookConfig cfg);

    // Call before each renewal/issuance that actually happens. Runs the directory pre hooks, the
    // configured --pre-hook commands and LINEAGE_PRE_HOOKS (pre_hook of the lineage's renewal
    // conf), each command at most once per runner. Marks that an attempt was made (post hooks
    // run only then). Error: one or more hooks failed (all were still run).
    Status run_pre_hooks();
    Status run_pre_hooks(const std::vector<std::string>& lineage_pre_hooks);

    // Deploy hooks for one renewed lineage: the directory deploy hooks, then COMMANDS (the
    // lineage's renew_hook / --deploy-hook), each once, with RENEWED_LINEAGE=<live dir> and
    // RENEWED_DOMAINS="a.com b.com". In dry-run nothing runs ("Dry run: skipping deploy hook
    // command: X"). Error: one or more hooks failed (all were still run).
    Status run_deploy_hooks(const std::vector<std::string>& commands,
                            const std::string& lineage_live_dir,
                            const std::vector<std::string>& domains);

    // Records a post hook command (a renewal conf's post_hook) of a lineage whose renewal was
    // attempted, to run at the end. Duplicates are dropped, first-seen order kept. Marks that an
    // attempt was made.
    void add_post_hook(const std::string& command);

    // Runs the post hooks once (later calls do nothing): directory post hooks, then the
    // --post-hook commands, then the recorded ones, each distinct command once, with
    // RENEWED_DOMAINS and FAILED_DOMAINS (space-separated) in the environment. Does nothing if no
    // renewal was attempted (neither run_pre_hooks nor add_post_hook was called), like certbot.
    // Runs in dry-run too. Error: one or more hooks failed (all were still run).
    Status run_post_hooks(const std::vector<std::string>& renewed_domains,
                          const std::vector<std::string>& failed_domains);

    // True once run_pre_hooks was called (whether or not there was any hook to run).
    bool pre_hooks_ran() const;

  private:
    using Env = std::vector<std::pair<std::string, std::string>>;
    struct Failures;
    // One hook: COMMAND is what the user sees (and what dedup compares), run via the shell.
    void run_one(const char* hook_name, const std::string& command, bool is_path, Env env,
                 Failures& failures);
    const std::vector<std::string>& dir_hooks(const std::string& kind);

    HookConfig cfg_;
    std::string path_env_;  // $PATH for hooks, with certbot's standard binary dirs appended
    mutable std::mutex mu_;
    bool attempted_ = false;   // a renewal was attempted: post hooks are due
    bool pre_called_ = false;  // run_pre_hooks was called
    bool post_ran_ = false;
    std::set<std::string> executed_pre_;
    std::vector<std::string> saved_post_;
    std::map<std::string, std::vector<std::string>> dir_cache_;  // kind -> listed once per run
    std::map<std::string, std::vector<std::string>> refused_;    // kind -> untrusted hooks
};

}  // namespace certbot
