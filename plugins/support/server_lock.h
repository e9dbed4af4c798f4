// certbot's lock on a server's configuration root (lock_dir_until_exit): an fcntl write lock on
// <root>/.certbot.lock held for the life of the plugin instance, so two certbot runs (either
// implementation) never edit the same configuration at once. No dependency on the plugin ABI.
#ifndef CERTBOT_PLUGINS_SUPPORT_SERVER_LOCK_H
#define CERTBOT_PLUGINS_SUPPORT_SERVER_LOCK_H

#include <string>

namespace plugin_support {

class ServerRootLock {
  public:
    // Throws when another process holds the lock or the file cannot be opened.
    explicit ServerRootLock(const std::string& root);
    ~ServerRootLock();
    ServerRootLock(const ServerRootLock&) = delete;
    ServerRootLock& operator=(const ServerRootLock&) = delete;
    // fcntl locks are per process: a second instance in this process (authenticator and
    // installer) shares the lock and must not "recover" the first one's challenge files.
    bool only_instance() const;

  private:
    std::string root_;
    int fd_ = -1;
};

}  // namespace plugin_support

#endif  // CERTBOT_PLUGINS_SUPPORT_SERVER_LOCK_H
