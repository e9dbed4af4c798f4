// Checkpoints of configuration files, in certbot's reverter layout so either implementation can
// roll back the other's changes:
//
//   <work_dir>/temp_checkpoint/          changes for a challenge (undone by cleanup)
//   <work_dir>/backups/IN_PROGRESS/      permanent changes not yet finalised by save(title)
//   <work_dir>/backups/<unix time>/      finalised checkpoints, newest rolled back first
//
// Each checkpoint directory holds the original bytes of every file changed ("<basename>_<n>"),
// FILEPATHS (the original paths, line n), NEW_FILES (files created, deleted on rollback),
// COMMANDS (undo commands, one CSV row each, run newest first before the files are restored, as
// certbot's reverter does: apache's `a2dismod -f ssl`) and CHANGES_SINCE (notes). A file is copied
// once per checkpoint, before its first change, and the copy is on disk (fsync) before the change
// is written, so a crash at any point leaves a checkpoint that restores the files byte for byte.
//
// Our addition, WRITTEN ("<sha256> <path>" lines; certbot ignores the file and removes it with the
// checkpoint): the content of each file as this client wrote it (write_file, before the write)
// and as it was when the checkpoint was finalised; it exists (maybe empty) from the checkpoint's
// first entry. Restoring a checkpoint first checks that every file it names still holds one of
// those contents or its original (for a file it created: one of those or nothing): a file edited
// by hand since is not overwritten; the restore is refused naming the file and saying how to
// proceed. Checkpoints without WRITTEN (certbot's) are restored unchecked.
//
// No dependency on the plugin ABI beyond the program runner it is given.
#ifndef CERTBOT_PLUGINS_SUPPORT_REVERTER_H
#define CERTBOT_PLUGINS_SUPPORT_REVERTER_H

#include <string>
#include <vector>

#include "programs.h"

namespace plugin_support {

// Writes CONTENT to PATH through a temporary file in the same directory, fsync and rename; the
// file keeps the mode and owner of the file it replaces (MODE for a new file).
void atomic_write(const std::string& path, const std::string& content, unsigned mode = 0644);
std::string read_file(const std::string& path);
// mkdir -p with MODE for the directories it creates.
void make_dirs(const std::string& path, unsigned mode);
bool file_exists(const std::string& path);
// The directory part of PATH ("." without a slash, "/" for a file in the root) and the rest.
std::string dir_of(const std::string& path);
std::string base_of(const std::string& path);

class Reverter {
  public:
    // RUN runs the undo commands (host_runner: the host's certbot.run.v1).
    Reverter(std::string work_dir, ProgramRunner run);

    // Copies FILES (those not already in the checkpoint) before they are changed.
    void add_to_checkpoint(const std::vector<std::string>& files, const std::string& note,
                           bool temporary);
    // Records a file about to be created, so rolling back deletes it.
    void register_new_file(const std::string& path, bool temporary);
    // Writes CONTENT to PATH (atomic_write), recording it in WRITTEN first: a checkpoint that a
    // crash left unfinalised can then tell this content from a later hand edit.
    void write_file(const std::string& path, const std::string& content, bool temporary,
                    unsigned mode = 0644);
    // Records ARGV (ARGV[0] a program looked up in PATH and the sbin directories) to run when the
    // checkpoint is undone.
    void register_undo_command(const std::vector<std::string>& argv, bool temporary);
    // Undo commands that failed during the last restore, one line each ("" when none).
    const std::vector<std::string>& undo_failures() const { return undo_failures_; }
    // IN_PROGRESS becomes backups/<time> with TITLE on top of its notes.
    void finalize_checkpoint(const std::string& title);
    bool has_temporary() const;
    bool has_in_progress() const;
    // Restores the temporary checkpoint and deletes it.
    void revert_temporary();
    // Restores IN_PROGRESS (permanent changes not yet finalised) and deletes it.
    void revert_in_progress();
    // Undoes everything not finalised: the temporary checkpoint and IN_PROGRESS.
    void recovery_routine();
    // Restores the N newest finalised checkpoints, newest first. Throws when there are fewer.
    void rollback_checkpoints(int n);
    // Finalised checkpoints, oldest first.
    std::vector<std::string> checkpoints() const;

    std::string temp_dir() const { return work_ + "/temp_checkpoint"; }
    std::string backup_dir() const { return work_ + "/backups"; }
    std::string in_progress_dir() const { return backup_dir() + "/IN_PROGRESS"; }

    // The file name WRITTEN (see above) and the content fingerprint it records.
    static constexpr const char* kWritten = "WRITTEN";
    static std::string fingerprint(const std::string& path);

  private:
    void restore(const std::string& dir);
    // Throws, restoring nothing, when DIRS (newest first) cannot be restored in turn without
    // overwriting a file changed since this client wrote it.
    void check_unedited(const std::vector<std::string>& dirs) const;
    void open_checkpoint(const std::string& dir);
    void record_written(const std::string& dir, const std::string& path, const std::string& digest);

    std::string work_;
    ProgramRunner run_;
    std::vector<std::string> undo_failures_;
};

// certbot's COMMANDS rows (Python's csv module, excel dialect): a field with a comma, quote or line
// break is quoted, quotes doubled; rows end in CRLF.
std::string csv_row(const std::vector<std::string>& fields);
std::vector<std::vector<std::string>> parse_csv(const std::string& text);

}  // namespace plugin_support

#endif  // CERTBOT_PLUGINS_SUPPORT_REVERTER_H
