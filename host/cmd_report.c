/* cmd_report: `salesync report`: the sales-operations report (report.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "norm.h"
#include "report.h"

static const char help[] =
    "Usage: salesync [-c FILE] report [--since WHEN] [--until WHEN]\n"
    "                                [--format text|json|html] [-o FILE] [--rep EMAIL]\n"
    "                                [--follow-up-hours N] [--stall-days N]\n"
    "\n"
    "Answer the weekly sales-operations questions from the store: follow-up queue,\n"
    "speed to lead, funnel, pipeline and forecast, targets, bottlenecks, onboarding\n"
    "and training, channels, data health.\n"
    "\n"
    "  --since WHEN           start of the period (default: 30d before --until)\n"
    "  --until WHEN           end of the period, excluded (default: now); snapshot\n"
    "                         sections are measured at this time (or now if earlier)\n"
    "                         WHEN: a duration (30d, 12h, 1d12h) back from --until\n"
    "                         (for --until: back from now), a day YYYY-MM-DD (as\n"
    "                         --until: that day included), or a UTC time\n"
    "                         YYYY-MM-DDTHH:MM:SSZ\n"
    "  --format FMT           text (default), json (one key per section) or html\n"
    "                         (one self-contained page with charts)\n"
    "  -o, --out FILE         write to FILE instead of standard output\n"
    "  --rep EMAIL            only the leads, deals, quotas and training of one rep\n"
    "  --follow-up-hours N    a lead idle this long needs a follow-up (default 48)\n"
    "  --stall-days N         an open deal not updated this long is stalled (default 14)\n";

/* True if email is a rep (reps table) or has metrics (quotas, training). */
static int found_row(void *ud, int ncol, const char *const *names, const char *const *values,
    const enum store_type *types)
{
	(void)ncol;
	(void)names;
	(void)values;
	(void)types;
	*(int *)ud = 1;
	return 0;
}

static int rep_known(struct store *st, const char *email, struct ss_err *e)
{
	const char *params[1] = {email};
	int found = 0;
	int rc = store_query(st, "SELECT 1 FROM reps WHERE email = ?1 AND deleted = 0"
	    " UNION ALL SELECT 1 FROM metrics WHERE rep_email = ?1 LIMIT 1", params, 1,
	    found_row, &found, e);

	return rc < 0 ? rc : found;
}

static int parse_positive(const char *opt, const char *v, int64_t *out)
{
	if (util_parse_int64(v, out) != 0 || *out < 1 || *out > 100000)
		return app_usage_error("report", "%s needs a whole number from 1 to 100000, not '%s'",
		    opt, v);
	return 0;
}

int cmd_report(struct app *a, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"since", required_argument, NULL, 's'}, {"until", required_argument, NULL, 'u'},
	    {"format", required_argument, NULL, 'f'}, {"out", required_argument, NULL, 'o'},
	    {"output", required_argument, NULL, 'o'}, {"rep", required_argument, NULL, 'r'},
	    {"follow-up-hours", required_argument, NULL, 'F'},
	    {"stall-days", required_argument, NULL, 'S'}, {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	struct report_opts o = {0};
	enum report_format fmt = REPORT_TEXT;
	const char *since = NULL, *until = NULL, *output = NULL, *rep = NULL;
	const char **names = NULL;
	char *rep_norm = NULL;
	struct store *st = NULL;
	struct ss_err e;
	FILE *out = stdout;
	int c, rc;

	optind = 0; /* glibc: 0 re-initializes, after main's own getopt */
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 's': since = optarg; break;
		case 'u': until = optarg; break;
		case 'o': output = optarg; break;
		case 'r': rep = optarg; break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				fmt = REPORT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				fmt = REPORT_JSON;
			else if (strcmp(optarg, "html") == 0)
				fmt = REPORT_HTML;
			else
				return app_usage_error("report", "--format must be text, json or html, not '%s'",
				    optarg);
			break;
		case 'F':
			if (parse_positive("--follow-up-hours", optarg, &o.follow_up_hours))
				return EXIT_USAGE;
			break;
		case 'S':
			if (parse_positive("--stall-days", optarg, &o.stall_days))
				return EXIT_USAGE;
			break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: return app_usage_error("report", "unknown option");
		}
	}
	if (optind < argc)
		return app_usage_error("report", "unexpected argument '%s'", argv[optind]);

	util_now_iso(o.now);
	if (report_parse_time(until ? until : "0s", 1, o.now, o.until, &e) != 0)
		return app_usage_error("report", "--until: %s", e.msg);
	if (report_parse_time(since ? since : "30d", 0, until ? o.until : o.now, o.since, &e) != 0)
		return app_usage_error("report", "--since: %s", e.msg);
	if (strcmp(o.since, o.until) >= 0)
		return app_usage_error("report", "the period is empty: --since %s is not before "
		    "--until %s", o.since, o.until);
	if (rep) {
		rep_norm = norm_email(rep);
		if (!rep_norm)
			return app_usage_error("report", "--rep needs an email");
		o.rep = rep_norm;
	}

	if ((rc = app_load(a)) != EXIT_OK)
		goto done;
	if ((rc = store_open(a->cfg->store, &st, &e)) != 0) {
		fprintf(stderr, "salesync: %s\n", e.msg);
		rc = app_store_exit(rc);
		goto done;
	}
	if (o.rep) {
		rc = rep_known(st, o.rep, &e);
		if (rc < 0) {
			fprintf(stderr, "salesync: report: %s\n", e.msg);
			rc = app_store_exit(rc);
			goto done;
		}
		if (rc == 0) {
			rc = app_usage_error("report", "no rep with email '%s' in the store", o.rep);
			goto done;
		}
	}
	names = xcalloc(a->cfg->ninst + 1, sizeof *names);
	for (size_t i = 0; i < a->cfg->ninst; i++)
		names[i] = a->cfg->inst[i].name;
	o.instances = names;
	o.ninstances = a->cfg->ninst;

	if (output && !(out = fopen(output, "w"))) {
		perror(output);
		rc = EXIT_FAILED;
		goto done;
	}
	rc = report_write(st, &o, fmt, out, &e);
	if (fflush(out) != 0 && rc == 0)
		rc = err_set(&e, SS_EIO, "write error on output");
	if (out != stdout && fclose(out) != 0 && rc == 0)
		rc = err_set(&e, SS_EIO, "write error on %s", output);
	if (rc != 0) {
		fprintf(stderr, "salesync: report: %s\n", e.msg);
		rc = rc == SS_EIO ? EXIT_FAILED : app_store_exit(rc);
	} else {
		rc = EXIT_OK;
	}
done:
	store_close(st);
	free(names);
	free(rep_norm);
	return rc;
}
