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
#include <ctime>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "crypto.h"
#include "flags.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "renewal.h"
#include "storage.h"

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

std::string text(const std::string& s) {
    return s;
}
std::string text(bool b) {
    return b ? "T" : "F";
}
std::string text(int n) {
    return std::to_string(n);
}
std::string text(const std::optional<bool>& b) {
    return b ? text(*b) : "-";
}
std::string text(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += s + ",";
    return out;
}
std::string text(const std::map<std::string, std::vector<std::string>>& m) {
    std::string out;
    for (const auto& [k, v] : m) out += k + "=" + text(v) + ";";
    return out;
}
std::string text(const std::map<std::string, std::map<std::string, std::string>>& m) {
    std::string out;
    for (const auto& [k, per] : m)
        for (const auto& [d, v] : per) out += k + ":" + d + "=" + v + ";";
    return out;
}

// Everything a parse decided, by Config field name: two parses with the same effect give the
// same map, and the flag table's consumers (flags.h) name keys of it.
using Effect = std::map<std::string, std::string>;

Effect effect(const Parsed& p) {
    const Config& c = p.cfg;
    Effect e;
    e["help"] = text(p.help) + p.help_topic;
    e["version"] = text(p.version);
#define FIELD(name) e[#name] = text(c.name)
    FIELD(verb);
    FIELD(domains);
    FIELD(cert_name);
    FIELD(csr_path);
    e["csr_der"] = std::to_string(c.csr_der.size());
    FIELD(server);
    FIELD(server_set);
    FIELD(staging);
    FIELD(dry_run);
    FIELD(config_dir);
    FIELD(work_dir);
    FIELD(logs_dir);
    FIELD(non_interactive);
    FIELD(force_interactive);
    FIELD(verbosity);
    FIELD(quiet);
    FIELD(agree_tos);
    FIELD(email);
    FIELD(register_unsafely_without_email);
    FIELD(eab_kid);
    FIELD(eab_hmac_key);
    FIELD(account);
    FIELD(key_type);
    FIELD(rsa_key_size);
    FIELD(elliptic_curve);
    FIELD(must_staple);
    FIELD(reuse_key);
    FIELD(new_key);
    FIELD(authenticator);
    FIELD(installer);
    FIELD(preferred_challenges);
    FIELD(http01_port);
    FIELD(http01_address);
    FIELD(https_port);
    FIELD(issuance_timeout);
    FIELD(plugin_options);
    FIELD(plugin_per_identifier);
    FIELD(force_renewal);
    FIELD(keep_until_expiring);
    FIELD(duplicate);
    FIELD(expand);
    FIELD(renew_with_new_domains);
    FIELD(allow_subset_of_names);
    FIELD(pre_hooks);
    FIELD(post_hooks);
    FIELD(deploy_hooks);
    FIELD(no_directory_hooks);
    FIELD(disable_hook_validation);
    FIELD(no_random_sleep_on_renew);
    FIELD(no_autorenew);
    FIELD(renewal_workers);
    FIELD(hook_timeout);
    FIELD(plugin_timeout);
    FIELD(no_verify_ssl);
    FIELD(user_agent);
    FIELD(user_agent_comment);
    FIELD(preferred_chain);
    FIELD(preferred_profile);
    FIELD(required_profile);
    FIELD(eab_hmac_alg);
    FIELD(max_log_backups);
    FIELD(debug);
    FIELD(debug_challenges);
    FIELD(strict_permissions);
    FIELD(break_my_certs);
    FIELD(redirect);
    FIELD(hsts);
    FIELD(uir);
    FIELD(staple_ocsp);
    FIELD(auto_hsts);
    FIELD(cert_path);
    FIELD(key_path);
    FIELD(fullchain_path);
    FIELD(chain_path);
    FIELD(checkpoints);
    FIELD(reason);
    FIELD(delete_after_revoke);
    FIELD(json_output);
    // Fleet mode (core/base/config.h FleetOptions), one key per member.
    e["fleet.etcd"] = c.fleet.etcd;
    e["fleet.prefix"] = c.fleet.prefix;
    e["fleet.etcd_cacert"] = c.fleet.etcd_cacert;
    e["fleet.etcd_cert"] = c.fleet.etcd_cert;
    e["fleet.etcd_key"] = c.fleet.etcd_key;
    e["fleet.key_file"] = c.fleet.key_file;
    e["fleet.action"] = c.fleet.action;
    FIELD(plugins_init);
    FIELD(plugins_prepare);
    FIELD(plugins_authenticators);
    FIELD(plugins_installers);
    FIELD(plugins_check);
#undef FIELD
    return e;
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
    Effect effect;
    std::string output;
};

struct Fixture {
    std::string dir;
    PluginRegistry reg = PluginRegistry::discover({CERTBOT_PLUGIN_BUILD_DIR});
    Fixture() {
        char tmpl[] = "/tmp/flags_test.XXXXXX";
        REQUIRE(mkdtemp(tmpl));
        dir = tmpl;
        REQUIRE(atomic_write(dir + "/empty.ini", "", 0644));
        // What -c/--config does, seen in the Config: the file it names is read.
        REQUIRE(atomic_write(dir + "/sample.ini", "max-log-backups = 7\n", 0644));
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
        {"--ip-address", "192.0.2.1"},
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
        {"--renewal-workers", "2"},
        {"--hook-timeout", "30"},
        {"--plugin-timeout", "30"},
        {"--verbose-level", "2"},
        {"--eab-hmac-alg", "HS384"},
        {"--preferred-profile", "shortlived"},
        {"--required-profile", "shortlived"},
        {"--standalone-supported-challenges", "dns"},
        {"--account", "0123abcd"},
    };
    if (flag == "--config" || flag == "-c") return f.dir + "/sample.ini";
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

// The flag table's row for a spelling (-d, --domains), or null.
const FlagSpec* row(const std::string& flag) {
    for (const auto& f : flag_table())
        if (flag == "--" + f.name || (f.short_name && flag == std::string("-") + f.short_name))
            return &f;
    return nullptr;
}

// Flags that ask for what this client always does, or that certbot ignores too, so they change
// nothing (flags.h says why for each; docs/user-guide.md, "Differences from certbot").
bool without_effect_by_design(const std::string& flag) {
    const FlagSpec* f = row(flag);
    return f && (f->use == FlagUse::kByNature || f->use == FlagUse::kNoEffect);
}

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
            // Declared: a row of the flag table, a plugin selector, or a plugin's own option.
            bool plugin_flag = false;
            for (const char* k : kKnownPlugins)
                plugin_flag = plugin_flag || flag == std::string("--") + k ||
                              flag.rfind(std::string("--") + k + "-", 0) == 0;
            CHECK((row(flag) || plugin_flag || flag == "-w"));
            const Outcome got = f.parse_args(args);
            INFO("exit " << got.rc << ", output: " << got.output);
            if (got.rc >= 0) {
                // Refused: only because its plugin is not installed, and saying so.
                CHECK(got.rc == kExitUsage);
                CHECK(std::regex_search(got.output, not_installed));
            } else if (without_effect_by_design(flag)) {
                CHECK(got.effect == baseline.effect);  // else the table is wrong about it
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
    // Config's own member functions read its fields by their bare names (effective_server:
    // staging).
    const std::string members = slurp(kSource + "/core/base/config.cpp");
    for (const auto& field : fields) {
        INFO("Config::" << field << " is filled from the command line but nothing reads it");
        const std::regex read("(\\.|->)" + field + "\\b");
        CHECK((std::regex_search(code, read) ||
               std::regex_search(members, std::regex("\\b" + field + "\\b"))));
    }
}

TEST_CASE("every row of the flag table has a consumer or a refusal, and it is true",
          "[cli][flags]") {
    Fixture f;
    // Built-in defaults only: no /etc/letsencrypt/cli.ini nor ~/.config/letsencrypt/cli.ini.
    setenv("CERTBOT_SYSTEM_CLI_INI", "", 1);
    unsetenv("XDG_CONFIG_HOME");
    setenv("HOME", f.dir.c_str(), 1);
    const std::vector<std::string> base = {"certonly", "-c", f.dir + "/empty.ini", "-d",
                                           "a.example"};
    const Outcome baseline = f.parse_args(base);
    REQUIRE(baseline.rc == -1);
    const std::string renewal_source = slurp(kSource + "/core/workflow/renewal.cpp");
    std::set<std::string> names;
    for (const auto& flag : flag_table()) {
        INFO("--" << flag.name);
        CHECK(names.insert(flag.name).second);  // declared once
        CHECK(!flag.help.empty());
        REQUIRE(!flag.consumer.empty());  // a consumer, or why it needs none, or the refusal
        if (!flag.same_as.empty()) CHECK(find_flag(flag.same_as));
        // A stored flag: the renewal conf writer and reader know its key.
        if (!flag.renewal_key.empty())
            CHECK(renewal_source.find('"' + flag.renewal_key + '"') != std::string::npos);
        if (flag.use == FlagUse::kCommandLine) {
            CHECK_FALSE(flag.in_cli_ini);
            continue;  // --help, --version, --config: the command line's own
        }
        std::vector<std::string> args = base;
        args.push_back("--" + flag.name);
        const std::string metavar = flag.type == FlagType::kSwitch ? "" : "VALUE";
        if (!metavar.empty()) args.push_back(sample("--" + flag.name, metavar, f));
        INFO("with " << args.back());
        const Outcome got = f.parse_args(args);
        INFO("exit " << got.rc << ", output: " << got.output);
        REQUIRE(got.rc == -1);  // a valid value is accepted
        switch (flag.use) {
            case FlagUse::kConfig: {
                // Each Config field the table names is changed by the flag.
                for (const std::string& field : flag.fields()) {
                    INFO("Config::" << field);
                    REQUIRE(baseline.effect.count(field));  // else add it to effect()
                    CHECK(got.effect.at(field) != baseline.effect.at(field));
                }
                // The default the help shows is the one the command gets.
                if (!flag.default_value.empty() && flag.type != FlagType::kSwitch &&
                    flag.consumer.find(' ') == std::string::npos)
                    CHECK(baseline.effect.at(flag.consumer) == flag.default_value);
                break;
            }
            case FlagUse::kByNature:
            case FlagUse::kNoEffect:
                CHECK(got.effect == baseline.effect);
                break;
            case FlagUse::kRefused:
                CHECK(got.output.find(flag.consumer) != std::string::npos);
                CHECK(flag.consumer.find("is not supported") != std::string::npos);
                break;
            case FlagUse::kCommandLine:
                break;
        }
    }
    unsetenv("CERTBOT_SYSTEM_CLI_INI");
}

TEST_CASE("every stored flag makes the round trip through a renewal conf", "[cli][flags]") {
    Fixture f;
    setenv("CERTBOT_SYSTEM_CLI_INI", "", 1);
    unsetenv("XDG_CONFIG_HOME");
    setenv("HOME", f.dir.c_str(), 1);
    const std::vector<std::string> base = {"certonly",  "-c", f.dir + "/empty.ini", "-d",
                                           "a.example", "-a", "standalone"};
    const Outcome baseline = f.parse_args(base);
    REQUIRE(baseline.rc == -1);
    // What `renew` starts from: the command line without the flag.
    Options opts;
    Parsed cli;
    {
        std::vector<std::string> all = {"certbot", "renew", "-c", f.dir + "/empty.ini"};
        std::vector<char*> argv;
        for (auto& a : all) argv.push_back(a.data());
        REQUIRE(parse(static_cast<int>(argv.size()), argv.data(), f.reg, opts, cli) == -1);
    }
    const std::string pem = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
    size_t checked = 0;
    for (const auto& flag : flag_table()) {
        if (flag.renewal_key.empty() || !flag.same_as.empty()) continue;  // aliases: their flag's
        INFO("--" << flag.name << " stored as " << flag.renewal_key);
        std::vector<std::string> args = base;
        args.push_back("--" + flag.name);
        if (flag.type != FlagType::kSwitch) args.push_back(sample("--" + flag.name, "VALUE", f));
        // An RSA key size is stored (and matters) with RSA keys only.
        if (flag.name == "rsa-key-size") args.insert(args.end(), {"--key-type", "rsa"});
        const Outcome got = f.parse_args(args);
        REQUIRE(got.rc == -1);
        Parsed parsed;  // the Config itself, for saving
        {
            std::vector<std::string> all = {"certbot"};
            all.insert(all.end(), args.begin(), args.end());
            std::vector<char*> argv;
            for (auto& a : all) argv.push_back(a.data());
            Options o;
            CaptureStderr quiet(f.dir + "/stderr");
            REQUIRE(parse(static_cast<int>(argv.size()), argv.data(), f.reg, o, parsed) == -1);
            (void)quiet.done();
        }
        const std::string config_dir = f.dir + "/store-" + flag.name;
        auto lineage = create_lineage(config_dir, "a.example", pem, pem, "", "KEY", {}, "2.1.0");
        REQUIRE(lineage.ok());
        REQUIRE(save_renewal_options(*lineage, parsed.cfg, f.reg).ok());
        auto loaded = load_lineage(config_dir, "a.example");
        REQUIRE(loaded.ok());
        const Section* params = loaded->conf.root().find_section("renewalparams");
        REQUIRE(params);
        // Written under the table's key (a value or a list).
        CHECK((params->get(flag.renewal_key) || params->get_list(flag.renewal_key)));
        if (flag.use != FlagUse::kConfig) continue;
        // ... and read back into the fields the flag sets, as renew sees them.
        auto restored = renewal_config(*loaded, cli.cfg, f.reg);
        REQUIRE(restored.ok());
        Parsed as_renewed;
        as_renewed.cfg = *restored;
        const Effect e = effect(as_renewed);
        for (const std::string& field : flag.fields()) {
            INFO("Config::" << field);
            if (field == "no_autorenew") {
                // renew reads the stored autorenew itself, when deciding what is due.
                CHECK(should_renew(*loaded, *restored, std::time(nullptr)).reason ==
                      "autorenew is off");
                continue;
            }
            CHECK(e.at(field) == got.effect.at(field));
        }
        ++checked;
    }
    CHECK(checked >= 18);
    unsetenv("CERTBOT_SYSTEM_CLI_INI");
}

TEST_CASE("The hook time limit (--hook-timeout) is set, 0 means none, a negative one is refused",
          "[cli][flags]") {
    Fixture f;
    setenv("HOME", f.dir.c_str(), 1);
    const std::vector<std::string> base = {"renew", "-c", f.dir + "/empty.ini"};
    const Outcome baseline = f.parse_args(base);
    REQUIRE(baseline.rc == -1);
    auto with = [&](const std::string& v) {
        auto args = base;
        args.insert(args.end(), {"--hook-timeout", v});
        return f.parse_args(args);
    };
    const Outcome five = with("5"), none = with("0"), negative = with("-1");
    CHECK(five.rc == -1);
    CHECK(five.effect != baseline.effect);
    CHECK(none.rc == -1);
    CHECK(none.effect != five.effect);
    CHECK(negative.rc == kExitUsage);
    CHECK(negative.output.find("--hook-timeout") != std::string::npos);
}

TEST_CASE("the parser handles every row of the flag table as the row says", "[cli][flags]") {
    for (const auto& problem : flag_table_problems()) FAIL_CHECK(problem);
    CHECK(flag_table_problems().empty());
}

// A value the row's check refuses.
std::string refused_value(const FlagSpec& f) {
    switch (f.check) {
        case FlagCheck::kOneOf:
            return f.type == FlagType::kInt ? "1000" : "bogus";
        case FlagCheck::kRange:
            return std::to_string(f.max < 0x7fffffff ? f.max + 1 : f.min - 1);
        case FlagCheck::kToken:
            return "two words";
        case FlagCheck::kHeaderText:
            return "line\nbreak";
        case FlagCheck::kNone:
            break;
    }
    return "";
}

TEST_CASE("each checked flag refuses a bad value with its row's message", "[cli][flags]") {
    Fixture f;
    setenv("HOME", f.dir.c_str(), 1);
    const std::vector<std::string> base = {"certonly", "-c", f.dir + "/empty.ini", "-d",
                                           "a.example"};
    size_t checked = 0;
    for (const auto& flag : flag_table()) {
        if (flag.check == FlagCheck::kNone) continue;
        const std::string value = refused_value(flag);
        INFO("--" << flag.name << " " << value);
        auto args = base;
        args.insert(args.end(), {"--" + flag.name, value});
        const Outcome got = f.parse_args(args);
        CHECK(got.rc == kExitUsage);
        std::string message = flag.check_message;
        if (auto at = message.find("{}"); at != std::string::npos) message.replace(at, 2, value);
        CHECK(got.output.find(message) != std::string::npos);
        // and the sample value passes it
        args = base;
        args.insert(args.end(), {"--" + flag.name, sample("--" + flag.name, "VALUE", f)});
        CHECK(f.parse_args(args).rc == -1);
        ++checked;
    }
    CHECK(checked >= 16);
}

TEST_CASE("flags that contradict each other or their subcommand are refused", "[cli][flags]") {
    Fixture f;
    setenv("HOME", f.dir.c_str(), 1);
    size_t checked = 0;
    for (const auto& flag : flag_table()) {
        auto with = [&](const std::string& verb, const std::string& name) {
            std::vector<std::string> args = {verb, "-c", f.dir + "/empty.ini", "--" + name};
            if (const FlagSpec* r = find_flag(name); r && r->type != FlagType::kSwitch)
                args.push_back(sample("--" + name, "VALUE", f));
            return args;
        };
        if (!flag.conflicts_with.empty()) {
            INFO("--" << flag.name << " --" << flag.conflicts_with);
            auto args = with("certonly", flag.name);
            auto other = with("certonly", flag.conflicts_with);
            args.insert(args.end(), other.begin() + 3, other.end());
            const Outcome got = f.parse_args(args);
            CHECK(got.rc == kExitUsage);
            CHECK(got.output.find(flag.conflict_message) != std::string::npos);
            // An alias of the other flag (--staging of --test-cert) conflicts the same way.
            for (const auto& alias : flag_table()) {
                const FlagSpec* other_row = find_flag(flag.conflicts_with);
                if (!other_row || !alias.alias_of(*other_row)) continue;
                INFO("alias --" << alias.name);
                args = with("certonly", flag.name);
                args.push_back("--" + alias.name);
                CHECK(f.parse_args(args).output.find(flag.conflict_message) != std::string::npos);
            }
            // The values the row allows conflict with nothing.
            for (const auto& value : flag.conflict_unless) {
                INFO("--" << flag.name << " " << value);
                args = {"certonly", "-c", f.dir + "/empty.ini", "--" + flag.name, value};
                args.insert(args.end(), other.begin() + 3, other.end());
                CHECK(f.parse_args(args).rc == -1);
            }
            ++checked;
        }
        if (!flag.verbs.empty()) {
            INFO("delete --" << flag.name);
            const Outcome got = f.parse_args(with("delete", flag.name));
            CHECK(got.rc == kExitUsage);
            CHECK(got.output.find(flag.verbs_error("delete")) != std::string::npos);
            CHECK(got.output.find("--" + flag.name) != std::string::npos);
            CHECK(f.parse_args(with(flag.verbs[0], flag.name)).rc == -1);
            ++checked;
        }
    }
    CHECK(checked >= 11);
}

TEST_CASE("certbot's set_test_server refusals come from the flag table in certbot's words",
          "[cli][flags]") {
    Fixture f;
    setenv("HOME", f.dir.c_str(), 1);
    setenv("CERTBOT_SYSTEM_CLI_INI", "", 1);  // no /etc/letsencrypt/cli.ini
    unsetenv("XDG_CONFIG_HOME");
    const std::vector<std::string> base = {"-c", f.dir + "/empty.ini", "-d", "a.example"};
    auto run = [&](const std::string& verb, std::vector<std::string> args) {
        args.insert(args.begin(), base.begin(), base.end());
        args.insert(args.begin(), verb);
        return f.parse_args(args);
    };
    const std::string other = "https://ca.example/dir";
    CHECK(run("certonly", {"--staging", "--server", other}).output ==
          "--server value conflicts with --staging\n");
    CHECK(run("certonly", {"--test-cert", "--server", other}).rc == kExitUsage);
    CHECK(run("certonly", {"--staging", "--server", kDefaultServer}).rc == -1);
    CHECK(run("certonly", {"--staging", "--server", kStagingServer}).rc == -1);
    CHECK(run("certonly", {"--dry-run", "--server", other}).rc == -1);  // that CA, for a test
    // The server from a cli.ini: the error says where it was set.
    REQUIRE(atomic_write(f.dir + "/server.ini", "server = " + other + "\n", 0644));
    const Outcome ini = f.parse_args({"certonly", "-c", f.dir + "/server.ini", "--staging"});
    CHECK(ini.rc == kExitUsage);
    CHECK(ini.output ==
          "--server value conflicts with --staging (set in " + f.dir + "/server.ini:1)\n");
    for (const char* verb : {"run", "install", "revoke", "register", "reconfigure"}) {
        INFO(verb);
        const Outcome got = run(verb, {"--dry-run"});
        CHECK(got.rc == kExitUsage);
        CHECK(got.output == std::string("--dry-run currently only works with the 'certonly' or "
                                        "'renew' subcommands ('") +
                                verb + "')\n");
    }
    CHECK(run("certonly", {"--dry-run"}).rc == -1);
    CHECK(run("renew", {"--dry-run"}).rc == -1);
    unsetenv("CERTBOT_SYSTEM_CLI_INI");
}

TEST_CASE(
    "strict permissions: a cli.ini others could change is refused, the flag given on the command "
    "line or in that file",
    "[cli][flags]") {
    Fixture f;
    setenv("HOME", f.dir.c_str(), 1);
    setenv("CERTBOT_SYSTEM_CLI_INI", "", 1);  // no /etc/letsencrypt/cli.ini
    unsetenv("XDG_CONFIG_HOME");
    REQUIRE(atomic_write(f.dir + "/safe.ini", "", 0644));
    REQUIRE(atomic_write(f.dir + "/open.ini", "", 0666));
    REQUIRE(atomic_write(f.dir + "/strict.ini", "strict-permissions = true\n", 0666));
    auto run = [&](std::vector<std::string> args) {
        args.insert(args.begin(), "certificates");
        return f.parse_args(args);
    };
    CHECK(run({"-c", f.dir + "/safe.ini", "--strict-permissions"}).rc == -1);
    CHECK(run({"-c", f.dir + "/open.ini"}).rc == -1);  // without the flag: accepted
    const Outcome open = run({"-c", f.dir + "/open.ini", "--strict-permissions"});
    CHECK(open.rc == kExitUsage);
    CHECK(open.output.find("--strict-permissions: " + f.dir + "/open.ini is owned by uid ") == 0);
    CHECK(open.output.find("with mode 0666") != std::string::npos);
    // Set in the unsafe file itself: the error says so.
    const Outcome self = run({"-c", f.dir + "/strict.ini"});
    CHECK(self.rc == kExitUsage);
    CHECK(self.output.find(f.dir + "/strict.ini is owned by uid ") != std::string::npos);
    CHECK(self.output.find("(set in " + f.dir + "/strict.ini:1)") != std::string::npos);
    unsetenv("CERTBOT_SYSTEM_CLI_INI");
}

TEST_CASE("counted, raised, negated and alias flags set their fields as their rows say",
          "[cli][flags]") {
    Fixture f;
    setenv("HOME", f.dir.c_str(), 1);
    auto parse_cfg = [&](std::vector<std::string> args) {
        std::vector<std::string> all = {"certbot", "certonly", "-c", f.dir + "/empty.ini"};
        all.insert(all.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : all) argv.push_back(a.data());
        Options opts;
        Parsed parsed;
        CaptureStderr quiet(f.dir + "/stderr");
        const int rc = parse(static_cast<int>(argv.size()), argv.data(), f.reg, opts, parsed);
        (void)quiet.done();
        REQUIRE(rc == -1);
        return parsed.cfg;
    };
    CHECK(parse_cfg({"-vvv"}).verbosity == 3);
    CHECK(parse_cfg({"-v", "--verbose"}).verbosity == 2);
    CHECK(parse_cfg({"-v", "--verbose-level", "4"}).verbosity == 4);
    CHECK(parse_cfg({"-vvv", "--verbose-level", "1"}).verbosity == 3);
    // A negation wins over its flag whatever the order, as before the table drove them.
    CHECK(parse_cfg({"--no-reuse-key", "--reuse-key"}).reuse_key == false);
    CHECK(parse_cfg({"--reuse-key"}).reuse_key == true);
    const Config fresh = parse_cfg({"--new-key"});
    CHECK(fresh.reuse_key == false);
    CHECK(fresh.new_key);
    CHECK(parse_cfg({"--no-delete-after-revoke", "--delete-after-revoke"}).delete_after_revoke ==
          false);
    CHECK(parse_cfg({"--no-redirect"}).redirect == false);
    // --renew-hook counts as --deploy-hook given (the renewal conf's stored hook yields to it);
    // --no-reuse-key is no --reuse-key.
    CHECK(parse_cfg({"--renew-hook", "true"}).set_by_user.count("deploy-hook"));
    CHECK_FALSE(parse_cfg({"--no-reuse-key"}).set_by_user.count("reuse-key"));
    // --server sets the server and that it was set.
    const Config server = parse_cfg({"--server", "https://ca.example/dir"});
    CHECK(server.server == "https://ca.example/dir");
    CHECK(server.server_set);
    // Selectors: --configurator fills in only what -a/-i left empty.
    const Config both = parse_cfg({"--configurator", "nginx", "-a", "standalone"});
    CHECK(both.authenticator == "standalone");
    CHECK(both.installer == "nginx");
}
