// certbot/plugin.hpp's Host against host tables of two ABI minors: a plugin built against the 1.2
// header reads the 1.2 services from a 1.2 host and gets the fallbacks, never a read past the
// table, from a host that speaks only 1.0 (docs/plugin-abi.md, "Versioning").
#include <catch2/catch.hpp>

#include <certbot/plugin.hpp>

#include <cstring>

namespace {

const char* lineage_of(void*) {
    return "example.com";
}
int g_service;
const void* extension_of(void*, const char* id) {
    return std::strcmp(id, "certbot.test.v1") == 0 ? &g_service : nullptr;
}

// A 1.2 table, then cut to SIZE the way an older host hands it over: struct_size says SIZE and
// the bytes after it are garbage the plugin must not read.
cb_host table(size_t size) {
    cb_host h{};
    h.abi_major = CB_ABI_MAJOR;
    h.host_name = "certbot-native";
    h.host_version = "9.9";
    h.plugin_path = "/plugins/p.so";
    h.lineage_name = &lineage_of;
    h.get_extension = &extension_of;
    h.struct_size = size;
    std::memset(reinterpret_cast<unsigned char*>(&h) + size, 0xa5, sizeof h - size);
    return h;
}

}  // namespace

TEST_CASE("plugin.hpp reads the 1.2 host services only from a host table that has them",
          "[plugins]") {
    const cb_host current = table(sizeof(cb_host));
    certbot::plugin::Host now(&current);
    CHECK(now.host_name() == "certbot-native");
    CHECK(now.host_version() == "9.9");
    CHECK(now.plugin_path() == "/plugins/p.so");
    CHECK(now.lineage() == "example.com");
    CHECK(now.extension("certbot.test.v1") == &g_service);
    CHECK(now.extension("certbot.other.v1") == nullptr);

    const cb_host old = table(CB_HOST_SIZE_1_0);
    certbot::plugin::Host before(&old);
    CHECK(before.host_name() == "certbot");
    CHECK(before.host_version().empty());
    CHECK(before.plugin_path().empty());
    CHECK(before.lineage().empty());
    CHECK(before.extension("certbot.test.v1") == nullptr);
}
