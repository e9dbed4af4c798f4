// The safety net of "every certbot flag honoured or refused out loud": each flag of certbot 2.1
// (tests/fixtures/certbot-2.1-flags.tsv, from `certbot --help all`) is parsed on its own and must
// either change what the command is told (the Config, or help/version) or be refused with a
// message saying why (a plugin that is not installed). And every Config field the parser fills
// must be read somewhere outside the parser (core, cli/commands, plugins): a flag parsed into a
// field nothing reads is caught too.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "crypto.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"

using namespace certbot;
using namespace certbot::cli;

namespace {

const std::string kSource = CERTBOT_SOURCE_DIR;

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Everything a parse decided, as text: two parses with the same effect give the same text.
std::string effect(const Parsed& p) {
    const Config& c = p.cfg;
    std::ostringstream o;
    auto list = [&](const std::vector<std::string>& v) {
        for (const auto& s : v) o << s << ',';
        o << ';';
    };
    auto opt = [&](const std::optional<bool>& b) { o << (b ? (*b ? "T" : "F") : "-") << ';'; };
    o << p.help << p.help_topic << p.version << ';' << c.verb << ';';
    list(c.domains);
    o << c.cert_name << ';' << c.csr_path << ';' << c.csr_der.size() << ';' << c.server << ';'
      << c.server_set << c.staging << c.dry_run << ';' << c.config_dir << ';' << c.work_dir << ';'
      << c.logs_dir << ';' << c.non_interactive << c.force_interactive << c.verbosity << c.quiet
      << ';' << c.agree_tos << c.email << ';' << c.register_unsafely_without_email << c.eab_kid
      << ';' << c.eab_hmac_key << ';' << c.account << ';' << c.key_type << c.rsa_key_size
      << c.elliptic_curve << c.must_staple << ';';
    opt(c.reuse_key);
    o << c.new_key << ';' << c.authenticator << ';' << c.installer << ';';
    list(c.preferred_challenges);
    o << c.http01_port << ';' << c.http01_address << ';' << c.https_port << ';'
      << c.issuance_timeout << ';';
    for (const auto& [k, v] : c.plugin_options) {
        o << k << '=';
        list(v);
    }
    for (const auto& [k, m] : c.plugin_per_identifier)
        for (const auto& [d, v] : m) o << k << ':' << d << '=' << v << ';';
    o << c.force_renewal << c.keep_until_expiring << c.duplicate << c.expand
      << c.renew_with_new_domains << c.allow_subset_of_names << ';';
    list(c.pre_hooks);
    list(c.post_hooks);
    list(c.deploy_hooks);
    o << c.no_directory_hooks << c.disable_hook_validation << c.no_random_sleep_on_renew
      << c.no_autorenew << c.renewal_workers << ';' << c.no_verify_ssl << c.user_agent << ';'
      << c.user_agent_comment << ';' << c.preferred_chain << ';' << c.eab_hmac_alg << ';'
      << c.config_file << ';' << c.max_log_backups << c.debug << c.debug_challenges
      << c.strict_permissions << c.break_my_certs << ';';
    opt(c.redirect);
    o << c.hsts << c.uir << c.staple_ocsp << c.auto_hsts << ';' << c.cert_path << ';' << c.key_path
      << ';' << c.chain_path << ';' << c.fullchain_path << ';' << c.checkpoints << ';' << c.reason
      << ';';
    opt(c.delete_after_revoke);
    o << c.json_output << c.plugins_init << c.plugins_prepare << c.plugins_authenticators
      << c.plugins_installers;
    return o.str();
}

// stderr of one call, through a temp file.
struct CaptureStderr {
    std::string path;
    int saved = -1;
    explicit CaptureStderr(const std::string& p) : path(p) {
        std::fflush(stderr);
        saved = dup(2);
        FILE* f = std::fopen(path.c_str(), "w");
        REQUIRE(f);
        dup2(fileno(f), 2);
        std::fclose(f);
    }
    std::string done() {
        std::fflush(stderr);
        dup2(saved, 2);
        close(saved);
        return slurp(path);
    }
};

struct Outcome {
    int rc = -1;
    std::string effect, output;
};

struct Fixture {
    std::string dir;
    PluginRegistry reg = PluginRegistry::discover({CERTBOT_PLUGIN_BUILD_DIR});
    Fixture() {
        char tmpl[] = "/tmp/flags_test.XXXXXX";
        REQUIRE(mkdtemp(tmpl));
        dir = tmpl;
        REQUIRE(atomic_write(dir + "/empty.ini", "", 0644));
        auto key = PrivateKey::generate(KeySpec{});
        REQUIRE(key.ok());
        auto csr = make_csr_der(*key, {"a.example"}, false);
        REQUIRE(csr.ok());
        REQUIRE(atomic_write(dir + "/csr.der", *csr, 0644));
    }
    ~Fixture() { (void)remove_tree(dir); }

    Outcome parse_args(std::vector<std::string> args) {
        // Nothing from the machine's own cli.ini: an empty explicit one, and HOME here.
        std::vector<std::string> all = {"certbot"};
        all.insert(all.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : all) argv.push_back(a.data());
        Options opts;
        Parsed parsed;
        Outcome out;
        CaptureStderr cap(dir + "/stderr");
        out.rc = parse(static_cast<int>(argv.size()), argv.data(), reg, opts, parsed);
        out.output = cap.done();
        if (out.rc < 0) out.effect = effect(parsed);
        return out;
    }
};

// A value for a flag that takes one: something valid that differs from the default.
std::string sample(const std::string& flag, const std::string& value_name, const Fixture& f) {
    static const std::map<std::string, std::string> kValues = {
        {"--domains", "b.example"},
        {"--domain", "b.example"},
        {"-d", "b.example"},
        {"--config", ""},  // filled below
        {"-c", ""},
        {"--max-log-backups", "5"},
        {"--issuance-timeout", "30"},
        {"--preferred-challenges", "dns"},
        {"--rsa-key-size", "4096"},
        {"--key-type", "rsa"},
        {"--elliptic-curve", "secp384r1"},
        {"--http-01-port", "8080"},
        {"--https-port", "8443"},
        {"--http-01-address", "127.0.0.1"},
        {"--server", "https://ca.example/dir"},
        {"--reason", "keycompromise"},
        {"--checkpoints", "2"},
        {"-m", "admin@example.org"},
        {"--email", "admin@example.org"},
        {"--webroot-map", "{\"b.example\": \"/srv/b\"}"},
        {"--nginx-sleep-seconds", "2"},
        {"--user-agent", "agent"},
        {"--user-agent-comment", "comment"},
        {"-a", "standalone"},
        {"--authenticator", "standalone"},
        {"-i", "nginx"},
        {"--installer", "nginx"},
        {"--configurator", "nginx"},
    };
    if (flag == "--config" || flag == "-c") return f.dir + "/empty.ini";
    if (flag == "--csr") return f.dir + "/csr.der";
    if (flag == "-w" || flag == "--webroot-path") return f.dir;
    auto it = kValues.find(flag);
    if (it != kValues.end()) return it->second;
    return value_name.empty() ? "" : "sample-" + value_name;
}

// The TSV's flag column: "-d DOMAIN, --domains DOMAIN, --domain DOMAIN" -> (flag, value name).
std::vector<std::pair<std::string, std::string>> spellings(const std::string& column) {
    std::vector<std::pair<std::string, std::string>> out;
    std::stringstream ss(column);
    std::string part;
    while (std::getline(ss, part, ',')) {
        if (part.find_first_not_of(' ') == std::string::npos) continue;
        part = part.substr(part.find_first_not_of(' '));
        if (part[0] != '-') continue;  // the tail of a {a,b} choice list
        const size_t space = part.find(' ');
        std::string value = space == std::string::npos ? "" : part.substr(space + 1);
        if (!value.empty() && value[0] == '{')  // {rsa,ecdsa}: the first choice after the default
            value = column.substr(column.find('{') + 1);
        out.emplace_back(part.substr(0, space), value);
    }
    return out;
}

}  // namespace

// Flags that ask for what this client always does, so they change nothing (docs/user-guide.md,
// "Differences from certbot").
const std::set<std::string> kHonouredByNature = {
    "--no-eff-email",          // this client never shares the address with the EFF
    "--disable-renew-updates"  // renew never changes a server's configuration
};

TEST_CASE("every certbot 2.1 flag is honoured or refused out loud", "[cli][flags]") {
    Fixture f;
    const std::vector<std::string> base = {"certonly", "-c", f.dir + "/empty.ini", "-d",
                                           "a.example"};
    setenv("HOME", f.dir.c_str(), 1);  // no ~/.config/letsencrypt/cli.ini
    const Outcome baseline = f.parse_args(base);
    REQUIRE(baseline.rc == -1);
    const Outcome without_config = f.parse_args({"certonly", "-d", "a.example"});
    REQUIRE(without_config.rc == -1);

    // Flags whose plugin this build does not have: refused, naming the plugin.
    const std::regex not_installed("does not appear to be installed");
    std::istringstream tsv(slurp(kSource + "/tests/fixtures/certbot-2.1-flags.tsv"));
    std::string line;
    size_t checked = 0;
    while (std::getline(tsv, line)) {
        if (line.empty() || line[0] == '#') continue;
        const std::string column = line.substr(line.find('\t') + 1);
        for (const auto& [flag, value_name] : spellings(column)) {
            std::vector<std::string> args = base;
            const bool config_flag = flag == "-c" || flag == "--config";
            if (config_flag) args = {"certonly", "-d", "a.example"};
            args.push_back(flag);
            std::string value = sample(flag, value_name, f);
            if (value_name.rfind("rsa,", 0) == 0) value = "rsa";
            if (value_name.rfind("unspecified,", 0) == 0) value = "keycompromise";
            if (!value_name.empty()) args.push_back(value);
            INFO(flag << " " << value);
            const Outcome got = f.parse_args(args);
            INFO("exit " << got.rc << ", output: " << got.output);
            if (got.rc >= 0) {
                // Refused: only because its plugin is not installed, and saying so.
                CHECK(got.rc == kExitUsage);
                CHECK(std::regex_search(got.output, not_installed));
            } else if (kHonouredByNature.count(flag)) {
                CHECK(got.effect == baseline.effect);  // else remove it from the list
            } else if (got.effect == (config_flag ? without_config.effect : baseline.effect)) {
                // Accepted without effect: only with a warning saying it is not supported.
                CHECK(got.output.find("is not supported") != std::string::npos);
            }
            ++checked;
        }
    }
    CHECK(checked > 120);
}

TEST_CASE("every Config field the command line fills is read outside the parser", "[cli][flags]") {
    // The fields of struct Config (core/base/config.h).
    const std::string header = slurp(kSource + "/core/base/config.h");
    const size_t begin = header.find("struct Config {");
    const size_t end = header.find("\n};", begin);
    REQUIRE(begin != std::string::npos);
    std::string body = header.substr(begin, end - begin);
    body = std::regex_replace(body, std::regex("//[^\n]*"), "");
    body = std::regex_replace(body, std::regex("\\{[^{}]*\\}"), "");               // initialisers
    body = std::regex_replace(body, std::regex("<[^<>]*(<[^<>]*>)*[^<>]*>"), "");  // templates
    std::set<std::string> fields;
    const std::regex decl("\n\\s*[A-Za-z_:]+\\s+([^;()]+);");
    for (std::sregex_iterator it(body.begin(), body.end(), decl), e; it != e; ++it) {
        std::stringstream names((*it)[1].str());
        std::string n;
        while (std::getline(names, n, ',')) {
            n = std::regex_replace(n, std::regex("=.*"), "");
            n = std::regex_replace(n, std::regex("[^A-Za-z0-9_]"), "");
            if (!n.empty()) fields.insert(n);
        }
    }
    REQUIRE(fields.count("domains"));
    REQUIRE(fields.count("hsts"));
    REQUIRE(fields.count("plugins_installers"));

    // Every source of the core libraries, the subcommands and the plugins, tests excluded, and
    // cli/main.cpp.
    std::string code;
    for (const char* top : {"/core", "/cli/commands", "/plugins"}) {
        std::vector<std::string> dirs = {kSource + top};
        while (!dirs.empty()) {
            const std::string d = dirs.back();
            dirs.pop_back();
            auto names = list_dir(d);
            REQUIRE(names.ok());
            for (const auto& n : *names) {
                const std::string p = d + "/" + n;
                struct stat st {};
                if (::lstat(p.c_str(), &st) != 0) continue;
                if (S_ISDIR(st.st_mode)) dirs.push_back(p);
                if (!S_ISREG(st.st_mode)) continue;
                const bool source = n.size() > 4 && (n.substr(n.size() - 4) == ".cpp" ||
                                                     n.substr(n.size() - 2) == ".h");
                if (source && n.find("_test") == std::string::npos) code += slurp(p);
            }
        }
    }
    // main() is no parser: what it reads from the Config (e.g. plugin_timeout, applied to every
    // plugin call of the run) counts.
    code += slurp(kSource + "/cli/main.cpp");
    // Read by the command line itself: -c/--config names the cli.ini it loads.
    fields.erase("config_file");
    for (const auto& field : fields) {
        INFO("Config::" << field << " is filled from the command line but nothing reads it");
        const std::regex read("(\\.|->)" + field + "\\b");
        CHECK(std::regex_search(code, read));
    }
}
