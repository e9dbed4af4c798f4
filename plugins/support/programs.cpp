#include "programs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace plugin_support {

namespace {

bool executable_file(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

void append_sink(void* ctx, const char* value) {
    static_cast<std::string*>(ctx)->append(value ? value : "");
}

}  // namespace

ProgramRunner host_runner(const cb_host* host, unsigned timeout_seconds) {
    const auto* service =
        host && CB_HAS_FIELD(host, cb_host, get_extension) && host->get_extension
            ? static_cast<const cb_run_v1*>(host->get_extension(host->ctx, CB_RUN_V1))
            : nullptr;
    if (!service || !CB_HAS_FIELD(service, cb_run_v1, run) || !service->run)
        throw std::runtime_error(std::string("this certbot does not offer the host service ") +
                                 CB_RUN_V1 + "; upgrade certbot");
    void* ctx = host->ctx;
    return [service, ctx, timeout_seconds](const std::vector<std::string>& argv) {
        std::vector<const char*> args;
        for (const auto& a : argv) args.push_back(a.c_str());
        args.push_back(nullptr);
        RunResult r;
        std::string error;
        const cb_status st = service->run(ctx, args.data(), nullptr, timeout_seconds, &append_sink,
                                          &r.output, &r.status, &append_sink, &error);
        if (st != CB_OK) {
            if (r.status == 0) r.status = -1;  // it ran out of time but exited 0 when stopped
            r.output +=
                "\n(" + (error.empty() ? std::string("the host could not run it") : error) + ")";
        }
        return r;
    };
}

std::string find_executable(const std::string& name) {
    if (name.empty()) return std::string();
    if (name.find('/') != std::string::npos) {
        if (!executable_file(name)) return std::string();
        if (name[0] == '/') return name;
        char cwd[4096];  // the host runs only absolute paths: "./sbin/nginx" from here
        return ::getcwd(cwd, sizeof cwd) ? std::string(cwd) + "/" + name : std::string();
    }
    const char* env = std::getenv("PATH");
    std::string path = std::string(env ? env : "") + ":/usr/local/sbin:/usr/sbin:/sbin";
    std::istringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
        if (dir.empty() || dir[0] != '/') continue;  // never a relative directory
        std::string candidate = dir + "/" + name;
        if (executable_file(candidate)) return candidate;
    }
    return std::string();
}

}  // namespace plugin_support
