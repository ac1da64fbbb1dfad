/* cmd_control: reset, pause, resume, reload (the daemon's controls, with
 * reset also working alone), and runs and metrics (read from the store). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "control.h"
#include "runner.h"
#include "metrics.h"
#include "store.h"

static const char reset_help[] =
    "Usage: salesync [-c FILE] reset INSTANCE [STREAM]\n"
    "\n"
    "Forget an instance's cursors (all, or one stream's), so its next sync\n"
    "reads everything again. Refused while the instance syncs. Uses the\n"
    "daemon when it runs, the store directly otherwise.\n";

static const char ctl_help[] =
    "Usage: salesync [-c FILE] pause|resume [INSTANCE...]\n"
    "       salesync [-c FILE] reload\n"
    "\n"
    "pause stops the daemon's schedule for the instances (default: all);\n"
    "resume restarts it (an overdue instance runs at once). reload makes\n"
    "the daemon read the configuration again, like SIGHUP: a bad one is\n"
    "reported and the old one kept. These need a running daemon.\n";

static const char runs_help[] =
    "Usage: salesync [-c FILE] runs [INSTANCE] [--limit N]\n"
    "\n"
    "List the most recent runs (default 20), newest first.\n";

static const char metrics_help[] =
    "Usage: salesync [-c FILE] metrics\n"
    "\n"
    "Print run metrics in the Prometheus text format: runs by result,\n"
    "records by kind and change, HTTP requests, retries and 429s, the last\n"
    "run's duration and the last success per instance.\n";

/* One request/answer with the daemon. Returns the answer (caller decrefs)
 * or NULL (err). */
static json_t *ask(struct app *a, json_t *req, struct ss_err *err)
{
	struct sb b = {0};
	json_t *ans = NULL;
	int fd = ctl_connect(a->cfg->socket, err);

	if (fd < 0) {
		json_decref(req);
		return NULL;
	}
	if (ctl_send(fd, req, err) == 0)
		ans = ctl_recv(fd, &b, 60000, err);
	json_decref(req);
	close(fd);
	sb_free(&b);
	return ans;
}

static int answer(json_t *ans, const char *what)
{
	int ok = json_is_true(json_object_get(ans, "ok"));

	if (!ok)
		fprintf(stderr, "salesync: %s: %s\n", what, json_string_value(json_object_get(ans, "error")));
	json_decref(ans);
	return ok ? EXIT_OK : EXIT_FAILED;
}

int cmd_reset(struct app *a, int argc, char **argv)
{
	const char *stream = argc > 2 ? argv[2] : NULL;
	struct store *st;
	struct ss_err e;
	json_t *ans;
	char why[512];
	int rc, fd;

	if (app_wants_help(argc, argv)) {
		fputs(reset_help, stdout);
		return EXIT_OK;
	}
	if (argc < 2 || argc > 3)
		return app_usage_error("reset", "needs INSTANCE and at most one STREAM");
	if ((rc = app_load(a)) != EXIT_OK)
		return rc;
	if (!cfg_instance(a->cfg, argv[1]))
		return app_usage_error("reset", "no instance '%s' in %s", argv[1], a->cfg->path);
	ans = ask(a, json_pack("{s:s, s:s, s:s?}", "cmd", "reset", "instance", argv[1], "stream", stream), &e);
	if (ans)
		rc = answer(ans, "reset");
	else if (run_lock_instance(a->cfg, argv[1], &fd, why, sizeof why) != 0) {
		fprintf(stderr, "salesync: reset: %s\n", why);
		return EXIT_FAILED;
	} else {
		if ((rc = store_open(a->cfg->store, &st, &e)) == 0) {
			rc = store_cursor_reset(st, argv[1], stream, &e);
			store_close(st);
		}
		close(fd);
		if (rc != 0) {
			fprintf(stderr, "salesync: reset: %s\n", e.msg);
			return app_store_exit(rc);
		}
	}
	if (rc == EXIT_OK)
		printf("%s: cursors%s%s reset; the next sync reads everything again\n", argv[1],
		    stream ? " of stream " : "", stream ? stream : "");
	return rc;
}

static int control(struct app *a, int argc, char **argv, const char *cmd)
{
	json_t *names = json_array(), *ans;
	struct ss_err e;
	int rc;

	if (app_wants_help(argc, argv)) {
		fputs(ctl_help, stdout);
		json_decref(names);
		return EXIT_OK;
	}
	if ((rc = app_load(a)) != EXIT_OK) {
		json_decref(names);
		return rc;
	}
	for (int i = 1; i < argc; i++)
		json_array_append_new(names, json_string(argv[i]));
	ans = ask(a, json_pack("{s:s, s:o}", "cmd", cmd, "instances", names), &e);
	if (!ans) {
		fprintf(stderr, "salesync: %s needs a running daemon: %s\n", cmd, e.msg);
		return EXIT_FAILED;
	}
	if (json_is_string(json_object_get(ans, "message")))
		printf("%s\n", json_string_value(json_object_get(ans, "message")));
	else if (json_is_true(json_object_get(ans, "ok")))
		printf("%s: done\n", cmd);
	return answer(ans, cmd);
}

int cmd_pause(struct app *a, int argc, char **argv)
{
	return control(a, argc, argv, "pause");
}

int cmd_resume(struct app *a, int argc, char **argv)
{
	return control(a, argc, argv, "resume");
}

int cmd_reload(struct app *a, int argc, char **argv)
{
	if (argc > 1 && !app_wants_help(argc, argv))
		return app_usage_error("reload", "takes no arguments");
	return control(a, argc, argv, "reload");
}

/* ---- runs and metrics ------------------------------------------------------ */

static int print_run(void *ud, int ncol, const char *const *names, const char *const *v,
    const enum store_type *types)
{
	(void)ud;
	(void)ncol;
	(void)names;
	(void)types;
	printf("#%-6s %-20s %-5s %-20s %-9s %8s s  %s new, %s updated, %s deleted%s%s%s%s\n", v[0],
	    v[1], v[2], v[3], v[4], v[5] ? v[5] : "-", v[6], v[7], v[8],
	    v[9] && strcmp(v[9], "0") ? ", requests " : "", v[9] && strcmp(v[9], "0") ? v[9] : "",
	    v[10] && *v[10] ? "\n        error: " : "", v[10] ? v[10] : "");
	return 0;
}

int cmd_runs(struct app *a, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"limit", required_argument, NULL, 'n'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	const char *params[2];
	char limit[24] = "20";
	struct store *st;
	struct ss_err e;
	int c, rc, np = 0;
	int64_t n;

	optind = 0;
	while ((c = getopt_long(argc, argv, "hn:", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (util_parse_int64(optarg, &n) != 0 || n < 1)
				return app_usage_error("runs", "--limit needs a positive number");
			snprintf(limit, sizeof limit, "%lld", (long long)n);
			break;
		case 'h': fputs(runs_help, stdout); return EXIT_OK;
		default: return app_usage_error("runs", "unknown option");
		}
	}
	if (argc - optind > 1)
		return app_usage_error("runs", "takes at most one INSTANCE");
	if ((rc = app_load(a)) != EXIT_OK)
		return rc;
	if ((rc = store_open(a->cfg->store, &st, &e)) != 0) {
		fprintf(stderr, "salesync: %s\n", e.msg);
		return app_store_exit(rc);
	}
	if (argc - optind == 1)
		params[np++] = argv[optind];
	params[np++] = limit;
	printf("%-7s %-20s %-5s %-20s %-9s %10s  %s\n", "run", "instance", "mode", "started", "status",
	    "duration", "records");
	rc = store_query(st,
	    np == 2 ? "SELECT id, instance, mode, started_at, status,"
	              " printf('%.1f', (julianday(finished_at) - julianday(started_at)) * 86400),"
	              " reps_inserted + leads_inserted + deals_inserted + metrics_inserted,"
	              " reps_updated + leads_updated + deals_updated + metrics_updated,"
	              " reps_deleted + leads_deleted + deals_deleted + metrics_deleted, requests, error"
	              " FROM runs WHERE instance = ?1 ORDER BY id DESC LIMIT ?2"
	            : "SELECT id, instance, mode, started_at, status,"
	              " printf('%.1f', (julianday(finished_at) - julianday(started_at)) * 86400),"
	              " reps_inserted + leads_inserted + deals_inserted + metrics_inserted,"
	              " reps_updated + leads_updated + deals_updated + metrics_updated,"
	              " reps_deleted + leads_deleted + deals_deleted + metrics_deleted, requests, error"
	              " FROM runs ORDER BY id DESC LIMIT ?1",
	    params, np, print_run, NULL, &e);
	store_close(st);
	if (rc != 0) {
		fprintf(stderr, "salesync: runs: %s\n", e.msg);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

int cmd_metrics(struct app *a, int argc, char **argv)
{
	struct store *st;
	struct ss_err e;
	struct sb out = {0};
	int rc;

	if (app_wants_help(argc, argv)) {
		fputs(metrics_help, stdout);
		return EXIT_OK;
	}
	if ((rc = app_load(a)) != EXIT_OK)
		return rc;
	if ((rc = store_open(a->cfg->store, &st, &e)) != 0) {
		fprintf(stderr, "salesync: %s\n", e.msg);
		return app_store_exit(rc);
	}
	rc = mtr_write(st, &out, &e);
	store_close(st);
	if (rc != 0) {
		fprintf(stderr, "salesync: metrics: %s\n", e.msg);
		sb_free(&out);
		return EXIT_FAILED;
	}
	fputs(out.buf ? out.buf : "", stdout);
	sb_free(&out);
	return EXIT_OK;
}
