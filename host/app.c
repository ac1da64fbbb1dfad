/* app: configuration + plugins, loaded and validated once for a command. */
#include "app.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int app_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "salesync %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'salesync %s --help'.\n", cmd);
	return EXIT_USAGE;
}

int app_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

int app_store_exit(int code)
{
	return code == SS_ERETRY ? EXIT_LOCKED : EXIT_STORE;
}

static int load_plugins(struct cfg *c, struct ldr_set *plugins)
{
	int bad = 0;

	for (size_t i = 0; i < c->ninst; i++) {
		struct cfg_instance *in = &c->inst[i];
		const struct ldr_plugin *lp;
		struct ss_err e;

		if (ldr_load(plugins, c->plugin_dir, in->plugin, &e) != 0) {
			fprintf(stderr, "%s:%d: [%s] %s\n", c->path, in->plugin_line, in->name, e.msg);
			bad = 1;
			continue;
		}
		lp = ldr_find(plugins, in->plugin);
		if (cfg_validate(c, in, lp->desc, &e) != 0) {
			fprintf(stderr, "%s\n", e.msg);
			bad = 1;
		}
	}
	return bad ? EXIT_CONFIG : EXIT_OK;
}

int app_load_config(const char *path, struct cfg **cfg, struct ldr_set *plugins)
{
	struct ss_err e;

	if (cfg_load(path, SS_PLUGIN_DIR, cfg, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		return EXIT_CONFIG;
	}
	return load_plugins(*cfg, plugins);
}

int app_load(struct app *a)
{
	struct ss_err e;
	char *path;
	int rc;

	path = a->config_arg ? xstrdup(a->config_arg) : cfg_find(&e);
	if (!path) {
		fprintf(stderr, "salesync: %s\n", e.msg);
		return EXIT_CONFIG;
	}
	rc = app_load_config(path, &a->cfg, &a->plugins);
	free(path);
	if (a->cfg && !a->verbose && !a->quiet)
		log_set_level(a->cfg->log_level);
	return rc;
}

void app_free(struct app *a)
{
	ldr_free(&a->plugins);
	cfg_free(a->cfg);
	a->cfg = NULL;
}

int app_pick(struct app *a, int argc, char **argv, struct cfg_instance ***out, size_t *n)
{
	struct cfg_instance **v = xcalloc(a->cfg->ninst + (size_t)argc + 1, sizeof *v);
	size_t k = 0;

	if (argc == 0) {
		for (size_t i = 0; i < a->cfg->ninst; i++) {
			if (a->cfg->inst[i].enabled)
				v[k++] = &a->cfg->inst[i];
		}
	}
	for (int i = 0; i < argc; i++) {
		struct cfg_instance *in = cfg_instance(a->cfg, argv[i]);
		int dup = 0;
		if (!in) {
			fprintf(stderr, "salesync: no instance '%s' in %s (sections:", argv[i], a->cfg->path);
			for (size_t j = 0; j < a->cfg->ninst; j++)
				fprintf(stderr, " %s", a->cfg->inst[j].name);
			fprintf(stderr, ")\n");
			free(v);
			return EXIT_USAGE;
		}
		for (size_t j = 0; j < k; j++)
			dup |= v[j] == in;
		if (!dup)
			v[k++] = in;
	}
	*out = v;
	*n = k;
	return EXIT_OK;
}
