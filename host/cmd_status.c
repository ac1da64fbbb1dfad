/* cmd_status: `salesync status`: per instance, the last run and cursor age. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "control.h"
#include "store.h"

static const char help[] =
    "Usage: salesync [-c FILE] status [INSTANCE...]\n"
    "\n"
    "Show, per instance, its last run (when, result, counts, error) and the age\n"
    "of its oldest cursor.\n";

static void fmt_age(const char *iso, char *buf, size_t n)
{
	int64_t t = util_iso_to_epoch(iso);
	int64_t age = (int64_t)time(NULL) - t;

	if (t < 0)
		snprintf(buf, n, "-");
	else if (age < 120)
		snprintf(buf, n, "%llds ago", (long long)age);
	else if (age < 7200)
		snprintf(buf, n, "%lldm ago", (long long)(age / 60));
	else if (age < 172800)
		snprintf(buf, n, "%lldh ago", (long long)(age / 3600));
	else
		snprintf(buf, n, "%lldd ago", (long long)(age / 86400));
}

/* The daemon's view of the instances (state, next run), or NULL. */
static json_t *daemon_status(struct app *a)
{
	struct ss_err e;
	struct sb b = {0};
	json_t *ans = NULL, *req = json_pack("{s:s}", "cmd", "status");
	int fd = ctl_connect(a->cfg->socket, &e);

	if (fd >= 0) {
		if (ctl_send(fd, req, &e) == 0)
			ans = ctl_recv(fd, &b, 10000, &e);
		close(fd);
	}
	json_decref(req);
	sb_free(&b);
	return ans;
}

static void show_daemon(json_t *d, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(d, "instances"), i, v) {
		const char *due = json_string_value(json_object_get(v, "next_due"));
		json_int_t fails = json_integer_value(json_object_get(v, "failures"));
		if (strcmp(json_string_value(json_object_get(v, "instance")), name) != 0)
			continue;
		printf("%-20s   daemon: %s%s%s", "", json_string_value(json_object_get(v, "state")),
		    due ? ", next run " : "", due ? due : "");
		if (fails)
			printf(", %lld failure%s in a row (backing off)", (long long)fails, fails == 1 ? "" : "s");
		printf("\n");
	}
}

static void show(struct store *st, const struct cfg_instance *in)
{
	struct store_run r;
	struct ss_err e;
	char cursor[21] = "", age[32];
	int found = store_run_last(st, in->name, &r, &e);

	store_cursor_oldest(st, in->name, cursor, &e);
	fmt_age(cursor, age, sizeof age);
	printf("%-20s %-10s %s", in->name, in->plugin, in->enabled ? "" : "(disabled) ");
	if (found <= 0) {
		printf("never run\n");
		return;
	}
	printf("last run #%lld %s at %s: %s\n", (long long)r.id, r.mode, r.started_at, r.status);
	for (int k = 0; k < STORE_NKINDS; k++) {
		const struct store_counts *c = &r.counts[k];
		if (c->inserted || c->updated || c->unchanged || c->deleted)
			printf("%-20s   %-7s %lld new, %lld updated, %lld unchanged, %lld deleted\n", "",
			    store_kind_names[k], (long long)c->inserted, (long long)c->updated,
			    (long long)c->unchanged, (long long)c->deleted);
	}
	if (r.requests)
		printf("%-20s   http: %lld requests, %lld KiB, %lld retries, %lld throttled (429), "
		    "%.1f s waiting\n", "", (long long)r.requests, (long long)(r.bytes / 1024),
		    (long long)r.retries, (long long)r.throttled, (double)r.wait_ms / 1000);
	if (r.skipped)
		printf("%-20s   skipped %lld input rows (see the run's log)\n", "", (long long)r.skipped);
	printf("%-20s   cursor: %s%s%s\n", "", *cursor ? cursor : "none", *cursor ? ", " : "",
	    *cursor ? age : "");
	if (*r.error)
		printf("%-20s   error: %s\n", "", r.error);
}

int cmd_status(struct app *a, int argc, char **argv)
{
	struct cfg_instance **inst;
	json_t *d;
	struct store *st;
	struct ss_err e;
	size_t n;
	int rc;

	if (app_wants_help(argc, argv)) {
		fputs(help, stdout);
		return EXIT_OK;
	}
	if ((rc = app_load(a)) != EXIT_OK)
		return rc;
	if (argc > 1) {
		if ((rc = app_pick(a, argc - 1, argv + 1, &inst, &n)) != EXIT_OK)
			return rc;
	} else {
		inst = xcalloc(a->cfg->ninst + 1, sizeof *inst);
		for (n = 0; n < a->cfg->ninst; n++)
			inst[n] = &a->cfg->inst[n];
	}
	if ((rc = store_open(a->cfg->store, &st, &e)) != 0) {
		fprintf(stderr, "salesync: %s\n", e.msg);
		free(inst);
		return app_store_exit(rc);
	}
	d = daemon_status(a);
	printf("store: %s\n", a->cfg->store);
	if (d)
		printf("daemon: running (pid %lld, socket %s)\n",
		    (long long)json_integer_value(json_object_get(d, "pid")), a->cfg->socket);
	else
		printf("daemon: not running\n");
	for (size_t i = 0; i < n; i++) {
		show(st, inst[i]);
		if (d)
			show_daemon(d, inst[i]->name);
	}
	json_decref(d);
	store_close(st);
	free(inst);
	return EXIT_OK;
}
