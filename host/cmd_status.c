/* cmd_status: `salesync status`: per instance, the last run and cursor age. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
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
	printf("store: %s\n", a->cfg->store);
	for (size_t i = 0; i < n; i++)
		show(st, inst[i]);
	store_close(st);
	free(inst);
	return EXIT_OK;
}
