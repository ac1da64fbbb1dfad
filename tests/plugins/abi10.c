/* A plugin as built against ABI 1.0: its descriptor ends after close(),
 * before the 1.1 members. It must keep loading in every 1.x host. */
#include <salesync/plugin.h>

static int o(ss_ctx *c, const struct ss_api *a, void **s) { (void)c; (void)a; *s = 0; return 0; }
static int y(ss_ctx *c, const struct ss_api *a, void *s) { (void)c; (void)a; (void)s; return 0; }
static void x(void *s) { (void)s; }

static const struct ss_plugin desc = {
    offsetof(struct ss_plugin, auth), SS_ABI_MAJOR, 0, "abi10", "1", "built for ABI 1.0",
    NULL, NULL, NULL, NULL, o, NULL, y, x, NULL,
};

SS_PLUGIN_DEFINE(desc)
