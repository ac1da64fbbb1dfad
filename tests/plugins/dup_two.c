/* With dup_one.c: two files claiming one plugin name. */
#include <salesync/plugin.h>

static int o(ss_ctx *c, const struct ss_api *a, void **s) { (void)c; (void)a; *s = 0; return 0; }
static int y(ss_ctx *c, const struct ss_api *a, void *s) { (void)c; (void)a; (void)s; return 0; }
static void x(void *s) { (void)s; }

static const struct ss_plugin desc = {
    SS_PLUGIN_HEAD, "dup_one", "1", "the second, same name",
    NULL, NULL, NULL, NULL, o, NULL, y, x, NULL,
};

SS_PLUGIN_DEFINE(desc)
