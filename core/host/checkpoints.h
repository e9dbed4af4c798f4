// The checkpoints behind the certbot.checkpoint.v1 host service (plugin.h, "Host services"):
// installers name the files they will change and the host keeps them, so no plugin carries a
// reverter of its own.
//
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
// Failures throw std::runtime_error with one line naming the file or checkpoint.
#pragma once

#include <string>
#include <vector>

namespace certbot {

class Checkpoints {
  public:
    explicit Checkpoints(std::string work_dir);

    // Copies FILES (those not already in the checkpoint) before they are changed.
    void add_to_checkpoint(const std::vector<std::string>& files, const std::string& note,
                           bool temporary);
    // Records a file about to be created, so rolling back deletes it.
    void register_new_file(const std::string& path, bool temporary);
    // Writes CONTENT to PATH (write_keeping), recording it in WRITTEN first: a checkpoint that a
    // crash left unfinalised can then tell this content from a later hand edit.
    void write_file(const std::string& path, const std::string& content, bool temporary,
                    unsigned mode = 0644);
    // Records ARGV (ARGV[0] a program looked up in PATH and the sbin directories) to run when the
    // checkpoint is undone.
    void register_undo_command(const std::vector<std::string>& argv, bool temporary);
    // Undo commands that failed during the last restore, one line each.
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
    std::vector<std::string> undo_failures_;
};

// Writes CONTENT to TARGET atomically through a symlink to the file it names, as an editor would,
// keeping the mode and owner of the file it replaces (MODE for a new file): the plugins' own files
// are written the same way (plugin-api/common/durable_write.h write_through_link). Throws naming
// the file.
void write_keeping(const std::string& target, const std::string& content, unsigned mode);

// certbot's COMMANDS rows (Python's csv module, excel dialect): a field with a comma, quote or line
// break is quoted, quotes doubled; rows end in CRLF.
std::string csv_row(const std::vector<std::string>& fields);
std::vector<std::vector<std::string>> parse_csv(const std::string& text);

}  // namespace certbot
