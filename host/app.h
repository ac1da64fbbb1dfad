/*
 * app: what every command shares: exit codes, loading the configuration
 * with its plugins, and picking instances by name.
 */
#ifndef SS_APP_H
#define SS_APP_H

#include "config.h"
#include "loader.h"

/* Exit codes scripts can rely on (sysexits.h values where one fits). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,    /* a sync or check failed */
	EXIT_USAGE = 2,     /* bad command line */
	EXIT_STORE = 74,    /* the store cannot be opened or written (EX_IOERR) */
	EXIT_LOCKED = 75,   /* the store is locked by another writer; retry (EX_TEMPFAIL) */
	EXIT_CONFIG = 78    /* bad configuration or plugin (EX_CONFIG) */
};

struct app {
	const char *config_arg;  /* -c FILE, or NULL */
	int verbose;
	int quiet;
	struct cfg *cfg;
	struct ldr_set plugins;
};

/*
 * Finds and loads the configuration, loads the plugin of every instance
 * (all of them, enabled or not, so a typo never hides), and validates
 * each instance's options. Prints every problem to stderr and returns
 * EXIT_CONFIG, or EXIT_OK.
 */
int app_load(struct app *a);

/* The same for one path into *cfg (caller frees with cfg_free, also on
 * failure) and plugins (ldr_free). */
int app_load_config(const char *path, struct cfg **cfg, struct ldr_set *plugins);
void app_free(struct app *a);

/*
 * Resolves instance names from argv (none: every enabled instance) into
 * a new array (caller frees) of *n entries. Unknown names are reported and
 * give EXIT_USAGE.
 */
int app_pick(struct app *a, int argc, char **argv, struct cfg_instance ***out, size_t *n);

/* Maps a store error code to an exit code. */
int app_store_exit(int code);

/* Commands: argv[0] is the command's name. Each returns an exit code. */
int cmd_sync(struct app *a, int argc, char **argv);
int cmd_check(struct app *a, int argc, char **argv);
int cmd_plugins(struct app *a, int argc, char **argv);
int cmd_status(struct app *a, int argc, char **argv);
int cmd_export(struct app *a, int argc, char **argv);
int cmd_plugintest(struct app *a, int argc, char **argv);
int cmd_reset(struct app *a, int argc, char **argv);
int cmd_pause(struct app *a, int argc, char **argv);
int cmd_resume(struct app *a, int argc, char **argv);
int cmd_reload(struct app *a, int argc, char **argv);
int cmd_runs(struct app *a, int argc, char **argv);
int cmd_metrics(struct app *a, int argc, char **argv);
int cmd_report(struct app *a, int argc, char **argv);

/* Prints "salesync: msg" and returns EXIT_USAGE, for bad command lines. */
int app_usage_error(const char *cmd, const char *fmt, ...) SS_PRINTF(2, 3);

/* True if argv holds -h or --help before any "--". */
int app_wants_help(int argc, char **argv);

#endif
