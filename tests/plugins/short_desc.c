/* Broken on purpose: claims a descriptor smaller than ABI 1.0's. */
#include <salesync/plugin.h>

static int o(ss_ctx *c, const struct ss_api *a, void **s) { (void)c; (void)a; *s = 0; return 0; }
static int y(ss_ctx *c, const struct ss_api *a, void *s) { (void)c; (void)a; (void)s; return 0; }
static void x(void *s) { (void)s; }

static const struct ss_plugin desc = {
    offsetof(struct ss_plugin, options), SS_ABI_MAJOR, SS_ABI_MINOR, "short_desc", "1", "short",
    NULL, NULL, NULL, NULL, o, NULL, y, x, NULL,
};

SS_PLUGIN_DEFINE(desc)
