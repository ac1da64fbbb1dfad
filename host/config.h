/*
 * config: the INI file. cfg_load() reads and checks everything the host
 * itself owns ([salesync] and the host keys of each instance section);
 * cfg_validate() later checks an instance's remaining keys against its
 * plugin's option table. Every error names "file:line: ".
 */
#ifndef SS_CONFIG_H
#define SS_CONFIG_H

#include <stdint.h>

#include "util.h"

/* One key = value of an instance section, after ${VAR} / file: expansion. */
struct cfg_kv {
	char *key;
	char *value;
	int line;
	int secret;     /* set by cfg_validate for SS_OPT_SECRET options */
	int from_default; /* added by cfg_validate from the option table */
};

struct cfg_instance {
	char *name;       /* the section name */
	char *plugin;     /* `plugin =`, default: the section name */
	int line;         /* line of the [section] header */
	int plugin_line;  /* line of `plugin =`, or `line` */
	int enabled;      /* `enabled =`, default 1 */
	int64_t every;    /* seconds; 0 = not scheduled */
	int64_t timeout;  /* seconds; 0 = none */
	char *rate_limit; /* `rate_limit =` text as given, or NULL (checked by the HTTP layer) */
	char *currency;   /* `currency =` default currency for deals, or NULL */
	/* Everything else, in file order: plugin options and the mapping
	 * overrides `status.RAW = x` and `stage.RAW = x`. */
	struct cfg_kv *kv;
	size_t nkv;
	/* Mapping overrides parsed from status./stage. keys, NULL-raw-terminated
	 * (never NULL pointers themselves; may be empty). Strings point into kv. */
	struct ss_mapping *status_map;
	struct ss_mapping *stage_map;
};

struct cfg {
	char *path;       /* the file as given */
	char *dir;        /* its directory, for relative paths */
	char *store;      /* absolute or relative-to-dir resolved; default "salesync.db" in dir */
	char *plugin_dir; /* resolved; default: the build/installed plugin dir (see cfg_load) */
	int jobs;         /* default 2 */
	int log_level;    /* SS_LOG_*, default SS_LOG_INFO */
	char *socket;     /* resolved; default: store path + ".sock" */
	char *log_format; /* daemon log lines: text, logfmt or json; NULL: logfmt */
	int64_t max_backoff;    /* seconds; a failing instance's interval grows up to it (1h) */
	int64_t shutdown_grace; /* seconds running syncs get on SIGTERM (30s) */
	char *user;       /* daemon started as root: the user to run as, or NULL */
	char *metrics_listen; /* daemon: "HOST:PORT" for /metrics and /healthz, or NULL */
	const char *tokens_dir; /* not from the INI: where rotated refresh tokens
	                           live; NULL means STORE.tokens (the test kit
	                           points its scratch stores at one shared dir) */
	/* `precedence = a, b`: instances whose values win in the unified
	 * people/reps golden records, first first (each one an instance of this
	 * file, no repeats); NULL/0 if not set. */
	char **precedence;
	size_t nprecedence;
	int precedence_line;
	struct cfg_instance *inst;
	size_t ninst;
};

/*
 * Reads and checks `path`. Values `${NAME}` (whole value, or embedded) are
 * replaced from the environment, an unset variable being an error; a value
 * `file:/some/path` is replaced by that file's content without its trailing
 * newline (relative paths against the INI's directory). Checks: syntax,
 * unknown [salesync] keys, unknown sections-level problems, durations,
 * booleans, jobs >= 1, log_level, duplicate sections or keys, instance
 * names [A-Za-z0-9_.-]+. default_plugin_dir is used when plugin_dir is not
 * set. On success *out is owned by the caller (cfg_free).
 */
int cfg_load(const char *path, const char *default_plugin_dir, struct cfg **out,
    struct ss_err *err);
void cfg_free(struct cfg *c);

/*
 * The config path when -c is not given: ./salesync.ini, then
 * $XDG_CONFIG_HOME/salesync/salesync.ini (XDG_CONFIG_HOME defaulting to
 * ~/.config), then /etc/salesync/salesync.ini; the first that exists.
 * Returns a new string or NULL (err lists the places tried).
 */
char *cfg_find(struct ss_err *err);

/*
 * Checks inst's keys against the plugin's option table: every key must be
 * an option (or match an SS_OPT_PREFIX option, or be a status./stage.
 * override whose value is canonical); values must fit the type (INT, BOOL,
 * DURATION, ENUM choices); SS_OPT_REQUIRED options must be set. Defaults of
 * unset options are appended as kv entries with from_default = 1; PATH
 * values are made relative to the config's directory; secret values are
 * marked and registered with log_add_secret(). Errors: "file:line: [inst]
 * key: message", all problems of the section listed, one per line.
 */
int cfg_validate(const struct cfg *c, struct cfg_instance *inst,
    const struct ss_plugin *plugin, struct ss_err *err);

/* Options the host accepts, besides the plugin's own, in the section of
 * every instance whose plugin uses HTTP (descriptor auth set): base_url,
 * credentials, timeouts, retry budget. NULL-key-terminated. */
extern const struct ss_option cfg_http_options[];

/* The instance's value for key (exact match), or NULL. Borrowed from inst. */
const char *cfg_get(const struct cfg_instance *inst, const char *key);

/*
 * tmpl with each "{key}" replaced by the instance's value for key, or the
 * default in opts (a plugin's option table; may be NULL); a value's
 * trailing '/' are dropped, so "{login_url}/x" never has "//". Returns a
 * new string (caller frees), or NULL with err set when a key has neither.
 */
char *cfg_fill(const struct cfg_instance *inst, const struct ss_option *opts, const char *tmpl,
    struct ss_err *err);

/* The instance named `name`, or NULL. */
struct cfg_instance *cfg_instance(const struct cfg *c, const char *name);

#endif
