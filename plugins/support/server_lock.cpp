#include "server_lock.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>
#include <vector>

namespace plugin_support {

namespace {

// Live instances per server root in this process.
std::map<std::string, int>& live_instances() {
    static std::map<std::string, int> m;
    return m;
}

// Descriptors kept open: closing any descriptor of the file drops the process's lock that
// another live instance still relies on.
std::vector<int>& leaked() {
    static std::vector<int> v;
    return v;
}

}  // namespace

ServerRootLock::ServerRootLock(const std::string& root) : root_(root) {
    const std::string path = root + "/.certbot.lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd_ < 0)
        throw std::runtime_error("Cannot open the lock file " + path + ": " + std::strerror(errno) +
                                 ". Run certbot with the privileges to modify " + root + ".");
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (::fcntl(fd_, F_SETLK, &fl) != 0) {
        ::close(fd_);
        throw std::runtime_error("Another instance of Certbot is already running: " + path +
                                 " is locked.");
    }
    ++live_instances()[root_];
}

ServerRootLock::~ServerRootLock() {
    if (--live_instances()[root_] == 0) {
        live_instances().erase(root_);
        ::close(fd_);  // closing the last descriptor releases the process's lock
    } else {
        leaked().push_back(fd_);
    }
}

bool ServerRootLock::only_instance() const {
    return live_instances()[root_] == 1;
}

}  // namespace plugin_support
