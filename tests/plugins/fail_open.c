/* Broken on purpose: open() refuses every instance. */
#include <salesync/plugin.h>

static int o(ss_ctx *c, const struct ss_api *a, void **s)
{
	(void)s;
	return a->fail(c, SS_EINVAL, "fail_open refuses to open (as designed)");
}
static int y(ss_ctx *c, const struct ss_api *a, void *s) { (void)c; (void)a; (void)s; return 0; }
static void x(void *s) { (void)s; }

static const struct ss_plugin desc = {
    SS_PLUGIN_HEAD, "fail_open", "1", "open fails",
    NULL, NULL, NULL, NULL, o, NULL, y, x, NULL,
};

SS_PLUGIN_DEFINE(desc)
