/* Broken on purpose: built for an ABI major the host does not speak. */
#include <salesync/plugin.h>

static int o(ss_ctx *c, const struct ss_api *a, void **s) { (void)c; (void)a; *s = 0; return 0; }
static int y(ss_ctx *c, const struct ss_api *a, void *s) { (void)c; (void)a; (void)s; return 0; }
static void x(void *s) { (void)s; }

static const struct ss_plugin desc = {
    sizeof(struct ss_plugin), 99, 0, "bad_abi", "1", "wrong ABI major",
    NULL, NULL, NULL, NULL, o, NULL, y, x, NULL,
};

SS_PLUGIN_DEFINE(desc)
