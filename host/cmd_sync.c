/* cmd_sync: `salesync sync` and `salesync check`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "control.h"
#include "runner.h"
#include "store.h"

static const char sync_help[] =
    "Usage: salesync [-c FILE] sync [--full] [--no-fork] [INSTANCE...]\n"
    "\n"
    "Sync the named instances now (default: every enabled instance), each in\n"
    "its own worker process, up to `jobs` at once. Progress goes to stderr, one\n"
    "summary line per instance to stdout.\n"
    "\n"
    "  --full      ignore cursors, re-read everything, and mark records the tool\n"
    "              no longer has as deleted\n"
    "  --no-fork   run plugins inside this process (for debugging with gdb)\n"
    "  -h, --help  show this help\n"
    "\n"
    "Exit status: 0 all runs ok, 1 a run failed or ended partial, 2 usage,\n"
    "74 store unusable, 75 store locked by another writer, 78 bad configuration.\n";

static const char check_help[] =
    "Usage: salesync [-c FILE] check [--no-fork] [INSTANCE...]\n"
    "\n"
    "Validate the configuration and every instance's plugin and options; then,\n"
    "for plugins that support it, test each named (default: enabled) instance's\n"
    "credentials or inputs with one cheap call.\n"
    "\n"
    "Exit status: 0 all good, 1 a check failed, 78 bad configuration.\n";

static void print_counts(const struct store_run *r)
{
	int first = 1;

	for (int k = 0; k < STORE_NKINDS; k++) {
		const struct store_counts *c = &r->counts[k];
		if (!c->inserted && !c->updated && !c->unchanged && !c->deleted)
			continue;
		printf("%s%s %lld new, %lld updated, %lld unchanged, %lld deleted", first ? "" : "; ",
		    store_kind_names[k], (long long)c->inserted, (long long)c->updated,
		    (long long)c->unchanged, (long long)c->deleted);
		first = 0;
	}
	if (first)
		printf("nothing changed");
	if (r->skipped)
		printf("; %lld skipped", (long long)r->skipped);
	if (r->requests)
		printf("; %lld requests", (long long)r->requests);
	if (r->retries)
		printf(", %lld retries", (long long)r->retries);
}

static void print_summary(struct app *a, struct cfg_instance **inst, size_t n,
    const struct run_result *res)
{
	struct store *st = NULL;
	struct ss_err e;

	if (store_open(a->cfg->store, &st, &e) != 0)
		st = NULL;
	for (size_t i = 0; i < n; i++) {
		struct store_run r;
		printf("%-20s %-9s %6.1fs  ", inst[i]->name, res[i].status, res[i].seconds);
		if (st && res[i].run_id > 0 && store_run_get(st, res[i].run_id, &r, &e) == 0)
			print_counts(&r);
		printf("\n");
		if (*res[i].error)
			printf("%-20s error: %s\n", "", res[i].error);
	}
	fflush(stdout);
	store_close(st);
}

/*
 * Asks the running daemon to sync inst and waits for the results, so a
 * CLI sync never overlaps the daemon's own runs. Returns 0 with res
 * filled, or -1 when no daemon answers (the caller syncs by itself).
 */
static int via_daemon(struct app *a, struct cfg_instance **inst, size_t n, int full,
    struct run_result *res)
{
	struct ss_err e;
	struct sb buf = {0};
	json_t *req, *names, *msg;
	int fd = ctl_connect(a->cfg->socket, &e), rc = -1;

	if (fd < 0)
		return -1;
	names = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(names, json_string(inst[i]->name));
	req = json_pack("{s:s, s:o, s:b, s:b}", "cmd", "sync", "instances", names, "full", full,
	    "wait", 1);
	rc = ctl_send(fd, req, &e);
	json_decref(req);
	if (rc != 0) {
		rc = -1;
		goto out;
	}
	rc = -1;
	if (!a->quiet)
		fprintf(stderr, "salesync: the daemon (socket %s) runs the sync\n", a->cfg->socket);
	while ((msg = ctl_recv(fd, &buf, -1, &e))) {
		const char *ev = json_string_value(json_object_get(msg, "event"));
		const char *name = json_string_value(json_object_get(msg, "instance"));
		if (json_is_false(json_object_get(msg, "ok"))) {
			fprintf(stderr, "salesync: daemon: %s\n", json_string_value(json_object_get(msg, "error")));
			json_decref(msg);
			rc = -2;
			break;
		}
		if (json_is_true(json_object_get(msg, "done"))) {
			json_decref(msg);
			rc = 0;
			break;
		}
		for (size_t i = 0; ev && name && i < n; i++) {
			if (strcmp(inst[i]->name, name) != 0)
				continue;
			if (!strcmp(ev, "finished")) {
				snprintf(res[i].status, sizeof res[i].status, "%s",
				    json_string_value(json_object_get(msg, "status")));
				snprintf(res[i].error, sizeof res[i].error, "%s",
				    json_string_value(json_object_get(msg, "error")));
				res[i].run_id = json_integer_value(json_object_get(msg, "run"));
				res[i].seconds = json_number_value(json_object_get(msg, "seconds"));
			} else if (!strcmp(ev, "progress") && !a->quiet) {
				fprintf(stderr, "salesync: progress %s: %s %lld\n", name,
				    json_string_value(json_object_get(msg, "stream")),
				    (long long)json_integer_value(json_object_get(msg, "done")));
			}
		}
		json_decref(msg);
	}
	if (rc == -1)
		fprintf(stderr, "salesync: the daemon stopped answering: %s\n", e.msg);
out:
	close(fd);
	sb_free(&buf);
	return rc == -1 ? -2 : rc;
}

static int run(struct app *a, int argc, char **argv, enum wrk_mode mode, const char *help)
{
	static const struct option longopts[] = {
	    {"full", no_argument, NULL, 'f'}, {"no-fork", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct run_request req = {0};
	struct cfg_instance **inst = NULL;
	struct run_result *res;
	struct ss_err e;
	int full = 0, no_fork = 0, c, rc, failed = 0;
	size_t n;

	optind = 0; /* glibc: 0 re-initializes, after main's own getopt */
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (mode == WRK_CHECK)
				return app_usage_error(argv[0], "--full is for sync");
			full = 1;
			break;
		case 'n': no_fork = 1; break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: return app_usage_error(argv[0], "unknown option");
		}
	}
	if ((rc = app_load(a)) != EXIT_OK)
		return rc;
	if ((rc = app_pick(a, argc - optind, argv + optind, &inst, &n)) != EXIT_OK)
		return rc;
	if (n == 0) {
		fprintf(stderr, "salesync: no enabled instances in %s; nothing to do\n", a->cfg->path);
		free(inst);
		return EXIT_OK;
	}
	req.cfg = a->cfg;
	req.plugins = &a->plugins;
	req.inst = inst;
	req.n = n;
	req.mode = mode == WRK_SYNC && full ? WRK_FULL : mode;
	req.no_fork = no_fork;
	req.quiet = a->quiet;
	res = xcalloc(n, sizeof *res);
	if (mode != WRK_CHECK && !no_fork && (rc = via_daemon(a, inst, n, full, res)) != -1) {
		if (rc == 0)
			print_summary(a, inst, n, res);
		for (size_t i = 0; i < n; i++)
			failed |= strcmp(res[i].status, "ok") != 0;
		free(res);
		free(inst);
		return rc != 0 || failed ? EXIT_FAILED : EXIT_OK;
	}
	if ((rc = run_all(&req, res, &e)) != 0) {
		fprintf(stderr, "salesync: %s\n", e.msg);
		free(res);
		free(inst);
		return app_store_exit(rc);
	}
	if (mode == WRK_CHECK) {
		for (size_t i = 0; i < n; i++)
			printf("%-20s %s%s%s\n", inst[i]->name, strcmp(res[i].status, "ok") ? "FAILED" : "ok",
			    *res[i].error ? ": " : "", res[i].error);
	} else {
		print_summary(a, inst, n, res);
	}
	for (size_t i = 0; i < n; i++)
		failed |= strcmp(res[i].status, "ok") != 0;
	free(res);
	free(inst);
	return failed ? EXIT_FAILED : EXIT_OK;
}

int cmd_sync(struct app *a, int argc, char **argv)
{
	return run(a, argc, argv, WRK_SYNC, sync_help);
}

int cmd_check(struct app *a, int argc, char **argv)
{
	return run(a, argc, argv, WRK_CHECK, check_help);
}
