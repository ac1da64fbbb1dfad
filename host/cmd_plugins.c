/* cmd_plugins: `salesync plugins [NAME]`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

static const char help[] =
    "Usage: salesync [-c FILE] plugins [NAME]\n"
    "\n"
    "List the plugins in the plugin directory (from the configuration if one is\n"
    "found, else the installed default), or show one plugin's streams and\n"
    "options with their types, defaults and help.\n";

static const char *type_name(const struct ss_option *o)
{
	static const char *const names[] = {"string", "int", "bool", "duration", "path", "enum"};
	return o->type <= SS_OPT_ENUM ? names[o->type] : "?";
}

static void refused(void *ud, const char *msg)
{
	(void)ud;
	fprintf(stderr, "salesync: %s\n", msg);
}

static void show(const struct ss_plugin *d, const char *path)
{
	printf("%s %s - %s\n  file: %s\n  streams:", d->name, d->version ? d->version : "", d->summary ? d->summary : "", path);
	for (const char *const *s = d->streams; s && *s; s++)
		printf(" %s", *s);
	printf("\n  options (plus the host's: plugin, enabled, every, timeout, rate_limit, currency,\n"
	       "           status.RAW = new|working|qualified|unqualified|converted,\n"
	       "           stage.RAW = open|won|lost):\n");
	for (const struct ss_option *o = d->options; o && o->key; o++) {
		printf("    %s%s  (%s", o->key, (o->flags & SS_OPT_PREFIX) ? "NAME" : "", type_name(o));
		if (o->type == SS_OPT_ENUM)
			printf(": %s", o->choices);
		if (o->flags & SS_OPT_REQUIRED)
			printf(", required");
		if (o->flags & SS_OPT_SECRET)
			printf(", secret");
		if (o->default_value && *o->default_value)
			printf(", default %s", o->default_value);
		printf(")\n        %s\n", o->help ? o->help : "");
	}
	if (d->auth) {
		printf("  HTTP options (the host's, for this plugin's requests):\n");
		for (const struct ss_option *o = cfg_http_options; o->key; o++) {
			printf("    %s  (%s%s%s%s)\n        %s\n", o->key, type_name(o),
			    o->flags & SS_OPT_SECRET ? ", secret" : "",
			    o->default_value ? ", default " : "", o->default_value ? o->default_value : "",
			    o->help);
		}
		printf("  auth:%s%s%s%s%s\n", d->auth->kinds & SS_AUTH_BEARER ? " bearer" : "",
		    d->auth->kinds & SS_AUTH_API_KEY ? " api_key" : "",
		    d->auth->kinds & SS_AUTH_BASIC ? " basic" : "",
		    d->auth->kinds & SS_AUTH_OAUTH2 ? " oauth2" : "",
		    d->auth->kinds & SS_AUTH_JWT ? " jwt" : "");
		if (d->auth->base_url)
			printf("  default base_url: %s\n", d->auth->base_url);
	}
	if (d->status_map && d->status_map->raw) {
		printf("  default status mapping:");
		for (const struct ss_mapping *m = d->status_map; m->raw; m++)
			printf(" %s=%s", m->raw, m->normalized);
		printf("\n");
	}
	if (d->stage_map && d->stage_map->raw) {
		printf("  default stage mapping:");
		for (const struct ss_mapping *m = d->stage_map; m->raw; m++)
			printf(" %s=%s", m->raw, m->normalized);
		printf("\n");
	}
}

int cmd_plugins(struct app *a, int argc, char **argv)
{
	struct ss_err e;
	struct cfg *c = NULL;
	char *path;
	const char *dir = SS_PLUGIN_DIR;
	int rc = EXIT_OK;

	if (app_wants_help(argc, argv)) {
		fputs(help, stdout);
		return EXIT_OK;
	}
	if (argc > 2)
		return app_usage_error("plugins", "takes at most one plugin name");
	/* A config is optional here: listing plugins must work before one
	 * is written. */
	path = a->config_arg ? xstrdup(a->config_arg) : cfg_find(&e);
	if (path) {
		if (cfg_load(path, SS_PLUGIN_DIR, &c, &e) != 0) {
			fprintf(stderr, "%s\n", e.msg);
			free(path);
			return EXIT_CONFIG;
		}
		dir = c->plugin_dir;
		free(path);
	}
	if (ldr_load_all(&a->plugins, dir, refused, NULL, &e) != 0) {
		fprintf(stderr, "salesync: %s\n", e.msg);
		cfg_free(c);
		return EXIT_CONFIG;
	}
	if (argc == 2) {
		const struct ldr_plugin *lp = ldr_find(&a->plugins, argv[1]);
		if (lp)
			show(lp->desc, lp->path);
		else
			rc = app_usage_error("plugins", "no plugin '%s' in %s", argv[1], dir);
	} else {
		for (size_t i = 0; i < a->plugins.n; i++)
			printf("%-12s %-8s %s\n", a->plugins.p[i].desc->name,
			    a->plugins.p[i].desc->version ? a->plugins.p[i].desc->version : "",
			    a->plugins.p[i].desc->summary ? a->plugins.p[i].desc->summary : "");
		if (a->plugins.n == 0)
			fprintf(stderr, "salesync: no plugins in %s\n", dir);
	}
	cfg_free(c);
	return rc;
}
