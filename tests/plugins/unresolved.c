/* Broken on purpose: calls a host-internal function that the host does not
 * export (plugins must use the service table), so RTLD_NOW refuses it. */
#include <salesync/plugin.h>

int store_begin(void *st, void *err);

static int o(ss_ctx *c, const struct ss_api *a, void **s) { (void)c; (void)a; *s = 0; return store_begin(0, 0); }
static int y(ss_ctx *c, const struct ss_api *a, void *s) { (void)c; (void)a; (void)s; return 0; }
static void x(void *s) { (void)s; }

static const struct ss_plugin desc = {
    SS_PLUGIN_HEAD, "unresolved", "1", "links a host symbol",
    NULL, NULL, NULL, NULL, o, NULL, y, x, NULL,
};

SS_PLUGIN_DEFINE(desc)
