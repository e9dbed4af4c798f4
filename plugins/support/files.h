// File helpers the plugins share: atomic writes (temporary file, fsync, rename) for the files
// they write outside a checkpoint (options-ssl-*.conf and their digests, which certbot's
// installers do not register with the reverter either), reads, directories. No dependency on the
// plugin ABI.
#ifndef CERTBOT_PLUGINS_SUPPORT_FILES_H
#define CERTBOT_PLUGINS_SUPPORT_FILES_H

#include <functional>
#include <string>
#include <vector>

namespace plugin_support {

// Writes CONTENT to PATH through a temporary file in the same directory, fsync and rename, through
// a symlink to the file it names; the file keeps the mode and owner of the file it replaces (MODE
// for a new file). The host's checkpoint service writes the same way: both are
// plugin-api/common/durable_write.h write_through_link. Throws naming the file.
void atomic_write(const std::string& path, const std::string& content, unsigned mode = 0644);
std::string read_file(const std::string& path);
// The SHA-256 of DATA in lowercase hex.
std::string sha256_hex(const std::string& data);
// certbot's install_version_controlled_file (certbot/plugins/common.py), for the files an
// installer ships into the config dir (options-ssl-apache.conf, options-ssl-nginx.conf,
// ssl-dhparams.pem): CONTENT, this client's version, is written to DEST when DEST is missing or
// holds a version certbot released (its SHA-256 one of KNOWN_HASHES), and DIGEST records it. A
// DEST edited by hand is kept: the first time this version finds it so (DIGEST does not name this
// version yet), DIGEST is updated and WARN gets a message naming DEST. Throws naming a file.
void install_version_controlled_file(const std::string& dest, const std::string& digest,
                                     const std::string& content,
                                     const std::vector<std::string>& known_hashes,
                                     const std::function<void(const std::string&)>& warn);
// mkdir -p with MODE for the directories it creates.
void make_dirs(const std::string& path, unsigned mode);
bool file_exists(const std::string& path);
// The directory part of PATH ("." without a slash, "/" for a file in the root) and the rest.
std::string dir_of(const std::string& path);
std::string base_of(const std::string& path);

}  // namespace plugin_support

#endif  // CERTBOT_PLUGINS_SUPPORT_FILES_H
