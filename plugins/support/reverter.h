// The installers' checkpoints through the host's certbot.checkpoint.v1 service (plugin.h, "Host
// services"): the plugin names each file before it changes it and the host keeps the copies, in
// certbot's reverter layout under the work directory, so either implementation rolls back the
// other's changes (core/host/checkpoints.h describes the layout, WRITTEN and the refusal to
// overwrite a hand edit). The plugins carry no reverter of their own; this is a thin C++ view of
// the service. Every call throws std::runtime_error with the host's one-line message.
#ifndef CERTBOT_PLUGINS_SUPPORT_REVERTER_H
#define CERTBOT_PLUGINS_SUPPORT_REVERTER_H

#include <certbot/plugin.h>

#include <string>
#include <vector>

#include "files.h"

namespace plugin_support {

class Reverter {
  public:
    // Throws (naming the service and saying to upgrade certbot) when HOST does not offer
    // certbot.checkpoint.v1. HOST is borrowed.
    explicit Reverter(const cb_host* host);

    // Copies FILES (those not already in the checkpoint) before they are changed.
    void add_to_checkpoint(const std::vector<std::string>& files, const std::string& note,
                           bool temporary);
    // Records a file about to be created, so rolling back deletes it.
    void register_new_file(const std::string& path, bool temporary);
    // Writes CONTENT to PATH atomically, the host recording it first (see plugin.h).
    void write_file(const std::string& path, const std::string& content, bool temporary,
                    unsigned mode = 0644);
    // Records ARGV (ARGV[0] a program looked up in PATH and the sbin directories) to run when the
    // checkpoint is undone.
    void register_undo_command(const std::vector<std::string>& argv, bool temporary);
    // Undo commands that failed during the last revert or rollback, one line each.
    const std::vector<std::string>& undo_failures() const { return undo_failures_; }
    // The permanent changes become a finalised checkpoint titled TITLE.
    void finalize_checkpoint(const std::string& title);
    bool has_temporary() const;
    bool has_in_progress() const;
    // Restores the temporary checkpoint and deletes it (nothing there: nothing done).
    void revert_temporary();
    // Restores the permanent changes not yet finalised and deletes them.
    void revert_in_progress();
    // Undoes everything not finalised: the temporary checkpoint and the permanent changes.
    void recovery_routine();
    // Restores the N newest finalised checkpoints, newest first. Throws when there are fewer.
    void rollback_checkpoints(int n);
    // Finalised checkpoints (their directories), oldest first.
    std::vector<std::string> checkpoints() const;
    // The temporary checkpoint's directory, for messages.
    std::string temp_dir() const;

  private:
    uint32_t pending() const;
    void revert(uint32_t which);

    const cb_host* host_;
    const cb_checkpoint_v1* service_;
    std::vector<std::string> undo_failures_;
};

}  // namespace plugin_support

#endif  // CERTBOT_PLUGINS_SUPPORT_REVERTER_H
