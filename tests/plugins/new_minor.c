/* Broken on purpose: needs a newer ABI minor than the host provides. */
#include <salesync/plugin.h>

static int o(ss_ctx *c, const struct ss_api *a, void **s) { (void)c; (void)a; *s = 0; return 0; }
static int y(ss_ctx *c, const struct ss_api *a, void *s) { (void)c; (void)a; (void)s; return 0; }
static void x(void *s) { (void)s; }

static const struct ss_plugin desc = {
    sizeof(struct ss_plugin), SS_ABI_MAJOR, SS_ABI_MINOR + 1, "new_minor", "1", "too new",
    NULL, NULL, NULL, NULL, o, NULL, y, x, NULL,
};

SS_PLUGIN_DEFINE(desc)
