// File helpers the plugins share: atomic writes (temporary file, fsync, rename) for the files
// they write outside a checkpoint (options-ssl-*.conf and their digests, which certbot's
// installers do not register with the reverter either), reads, directories. No dependency on the
// plugin ABI.
#ifndef CERTBOT_PLUGINS_SUPPORT_FILES_H
#define CERTBOT_PLUGINS_SUPPORT_FILES_H

#include <string>

namespace plugin_support {

// Writes CONTENT to PATH through a temporary file in the same directory, fsync and rename, through
// a symlink to the file it names; the file keeps the mode and owner of the file it replaces (MODE
// for a new file). The host's checkpoint service writes the same way: both are
// plugin-api/common/durable_write.h write_through_link. Throws naming the file.
void atomic_write(const std::string& path, const std::string& content, unsigned mode = 0644);
std::string read_file(const std::string& path);
// mkdir -p with MODE for the directories it creates.
void make_dirs(const std::string& path, unsigned mode);
bool file_exists(const std::string& path);
// The directory part of PATH ("." without a slash, "/" for a file in the root) and the rest.
std::string dir_of(const std::string& path);
std::string base_of(const std::string& path);

}  // namespace plugin_support

#endif  // CERTBOT_PLUGINS_SUPPORT_FILES_H
