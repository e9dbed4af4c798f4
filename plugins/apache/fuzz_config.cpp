// libFuzzer target for what the apache plugin does itself with a configuration (augeas parses the
// text; the rest is ours): the apache2ctl -D DUMP_RUN_CFG / DUMP_MODULES output it reads, the
// virtual hosts, addresses and names it extracts from the tree, ${VAR} expansion, fnmatch globs,
// and the edits of a deploy. The input is a site file for sites-enabled/, optionally followed by a
// line "#--ctl--" and the text apache2ctl answers for DUMP_RUN_CFG and DUMP_MODULES.
// Invariants:
//  - nothing but a refusal (an exception, which the plugin's ABI boundary turns into an error)
//    comes out of any input: no crash, no sanitizer report;
//  - after a deploy, the tree loads again with the same apache2ctl answers (an edit never writes
//    syntax augeas rejects or a tree the configurator refuses).
// The unit tests call the same function over testdata/corpus, so ctest replays it on every build.
#include "apache_configurator.h"
#include "host_services.h"

#include <stdlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

void write(const std::string& path, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// A scratch Debian-like tree, removed at the end of the input.
struct Scratch {
    std::string path;
    Scratch() {
        std::string tmpl = std::filesystem::temp_directory_path().string() + "/apache-fuzz-XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        if (!::mkdtemp(buf.data())) std::abort();
        path = buf.data();
    }
    ~Scratch() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
};

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t nl = s.find('\n', start);
        if (nl == std::string::npos) nl = s.size();
        out.push_back(s.substr(start, nl - start));
        start = nl + 1;
    }
    return out;
}

}  // namespace

// Inputs that reached a saved deploy (the replay test checks the corpus gets that far).
size_t apache_fuzz_deploys = 0;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 64 * 1024) return 0;  // augeas is slow on huge inputs; the structure is what counts
    const std::string input(reinterpret_cast<const char*>(data), size);
    const std::string marker = "\n#--ctl--\n";
    const size_t cut = input.find(marker);
    const std::string site = input.substr(0, cut);
    const std::string ctl = cut == std::string::npos ? "" : input.substr(cut + marker.size());

    // Ours without augeas: globs and addresses over the input's lines.
    const auto lines = lines_of(site);
    for (size_t i = 0; i + 1 < lines.size() && i < 64; ++i) {
        (void)apacheconf::fnmatch(lines[i], lines[i + 1]);
        (void)apacheconf::Addr::parse(lines[i]);
    }

    Scratch dir;
    const std::string root = dir.path + "/apache2";
    write(root + "/apache2.conf",
          "IncludeOptional mods-enabled/*.load\nInclude ports.conf\n"
          "IncludeOptional sites-enabled/*.conf\n");
    write(root + "/ports.conf", "Listen 80\n<IfModule ssl_module>\n\tListen 443\n</IfModule>\n");
    write(root + "/mods-available/ssl.load", "# ssl\n");
    write(root + "/sites-available/fuzz.conf", site);
    std::filesystem::create_directories(root + "/sites-enabled");
    std::filesystem::create_directories(root + "/mods-enabled");
    std::filesystem::create_symlink("../sites-available/fuzz.conf",
                                    root + "/sites-enabled/fuzz.conf");

    apacheconf::Options opts;
    opts.server_root = root;
    opts.config_dir = dir.path + "/le";
    opts.work_dir = dir.path + "/work";
    apacheconf::Environment env;
    env.ctl = [&ctl](const std::vector<std::string>& args) {
        const std::string& what = args.back();
        if (what == "DUMP_RUN_CFG" || what == "DUMP_MODULES") return apacheconf::CtlResult{0, ctl};
        return apacheconf::CtlResult{0, ""};
    };
    env.run = [](const std::vector<std::string>& argv) {
        return apacheconf::CtlResult{1, argv[0] + " is not run by the fuzz target"};
    };
    const certbot::LocalHost host(opts.work_dir);  // checkpoints, as the plugin's runner keeps them
    env.host = host.table();

    std::vector<std::string> names;
    try {
        apacheconf::Configurator c(opts, env);
        names = c.all_names();
        // Deploy to the first name the tree offers that is not a wildcard, then write the result.
        auto name = std::find_if(names.begin(), names.end(),
                                 [](const std::string& n) { return n.rfind("*.", 0) != 0; });
        if (name == names.end()) return 0;
        c.deploy_cert(*name, "/le/live/f/cert.pem", "/le/live/f/privkey.pem",
                      "/le/live/f/chain.pem", "/le/live/f/fullchain.pem");
        c.save("Deployed", false);
        ++apache_fuzz_deploys;
    } catch (const std::exception&) {
        return 0;  // refused: the plugin reports it as an error
    }
    // What was written must load again, with the same apache2ctl answers: a refusal now is an
    // edit of ours that broke the configuration.
    try {
        apacheconf::Configurator again(opts, env);
        again.parser().check_parsing_errors();
    } catch (const std::exception&) {
        std::abort();
    }
    return 0;
}
