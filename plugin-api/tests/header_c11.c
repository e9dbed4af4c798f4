/* Compile test: the C ABI header is valid C11 on its own, with -Wpedantic -Werror. */
#include <certbot/plugin.h>

static const char* const kTypes[] = {"http-01", NULL};
static const char* const kModes[] = {"fast", "slow", NULL};
static const cb_option_desc kOpts[] = {{.struct_size = sizeof(cb_option_desc),
                                        .name = "path",
                                        .short_alias = "-w",
                                        .metavar = "PATH",
                                        .help = "where",
                                        .flags = CB_OPT_PER_IDENTIFIER,
                                        .type = CB_TYPE_PATH},
                                       {.struct_size = sizeof(cb_option_desc),
                                        .name = "mode",
                                        .help = "how",
                                        .default_value = "fast",
                                        .flags = CB_OPT_VALUE | CB_OPT_REQUIRED,
                                        .type = CB_TYPE_CHOICE,
                                        .choices = kModes}};

static cb_status create(const cb_host* host, void** out) {
    (void)host;
    *out = NULL;
    return CB_OK;
}
static void destroy(void* self) {
    (void)self;
}

const cb_plugin certbot_header_test_entry = {sizeof(cb_plugin),
                                             CB_ABI_MAJOR,
                                             CB_ABI_MINOR,
                                             "c-test",
                                             "compile test",
                                             "0",
                                             CB_KIND_AUTHENTICATOR,
                                             kTypes,
                                             kOpts,
                                             1,
                                             create,
                                             destroy,
                                             NULL,
                                             NULL,
                                             0,
                                             NULL};

int certbot_header_test_has_field(void) {
    return CB_HAS_FIELD(&certbot_header_test_entry, cb_plugin, installer);
}
