/* cmd_export: `salesync export KIND`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "export.h"

static const char help[] =
    "Usage: salesync [-c FILE] export KIND [--format csv|jsonl] [--source INSTANCE]\n"
    "                                [--include-deleted] [--bom] [-o FILE]\n"
    "       salesync [-c FILE] export people [--format csv|jsonl] [--bom] [-o FILE]\n"
    "       salesync [-c FILE] export reps --unified [--format csv|jsonl] [--bom] [-o FILE]\n"
    "\n"
    "Write the unified store's reps, leads, deals or metrics, with the model's\n"
    "field names as columns (CSV) or keys (JSON Lines).\n"
    "\n"
    "people (or leads --unified) writes one row per person: leads of every\n"
    "instance joined by email, with the golden record (per field, the most\n"
    "recently updated non-empty value; instances in [salesync] precedence = win\n"
    "first). reps --unified does the same for reps.\n"
    "\n"
    "  --unified           people and reps joined across instances by email\n"
    "  --format FMT        csv (default; RFC 4180, CRLF, cells that would run as\n"
    "                      spreadsheet formulas are prefixed with ') or jsonl\n"
    "  --source INSTANCE   only records of that instance\n"
    "  --include-deleted   also records marked deleted\n"
    "  --bom               start CSV with a UTF-8 byte order mark (older Excel)\n"
    "  -o, --output FILE   write to FILE instead of standard output\n";

int cmd_export(struct app *a, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, 'f'}, {"source", required_argument, NULL, 's'},
	    {"include-deleted", no_argument, NULL, 'd'}, {"bom", no_argument, NULL, 'b'},
	    {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
	    {"unified", no_argument, NULL, 'U'}, {NULL, 0, NULL, 0}};
	struct exp_options o = {EXP_CSV, 0};
	const char *source = NULL, *output = NULL;
	int include_deleted = 0, unified = 0, people = 0, c, rc;
	enum store_kind kind;
	struct store *st;
	struct ss_err e;
	FILE *out = stdout;

	optind = 0; /* glibc: 0 re-initializes, after main's own getopt */
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "csv") == 0)
				o.format = EXP_CSV;
			else if (strcmp(optarg, "jsonl") == 0)
				o.format = EXP_JSONL;
			else
				return app_usage_error("export", "--format must be csv or jsonl, not '%s'", optarg);
			break;
		case 's': source = optarg; break;
		case 'd': include_deleted = 1; break;
		case 'b': o.bom = 1; break;
		case 'o': output = optarg; break;
		case 'U': unified = 1; break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: return app_usage_error("export", "unknown option");
		}
	}
	if (argc - optind != 1)
		return app_usage_error("export", "needs one KIND: reps, leads, deals or metrics");
	people = strcmp(argv[optind], "people") == 0;
	if (people) {
		kind = STORE_LEADS;
		unified = 1;
	} else if (store_kind_parse(argv[optind], &kind) != 0) {
		return app_usage_error("export", "unknown KIND '%s': use reps, leads, deals, metrics "
		    "or people", argv[optind]);
	}
	if (unified && kind != STORE_LEADS && kind != STORE_REPS)
		return app_usage_error("export", "--unified applies to people (leads) and reps only");
	if (unified && (source || include_deleted))
		return app_usage_error("export", "--source and --include-deleted do not apply to "
		    "unified %s", kind == STORE_REPS ? "reps" : "people");
	if ((rc = app_load(a)) != EXIT_OK)
		return rc;
	if (source && !cfg_instance(a->cfg, source))
		return app_usage_error("export", "no instance '%s' in %s", source, a->cfg->path);
	if ((rc = store_open(a->cfg->store, &st, &e)) != 0) {
		fprintf(stderr, "salesync: %s\n", e.msg);
		return app_store_exit(rc);
	}
	if (output && !(out = fopen(output, "w"))) {
		perror(output);
		store_close(st);
		return EXIT_FAILED;
	}
	if (unified) {
		rc = store_set_precedence(st, (const char *const *)a->cfg->precedence,
		    a->cfg->nprecedence, &e);
		if (rc == 0)
			rc = exp_write_unified(st, kind == STORE_REPS ? STORE_REPS_UNIFIED : STORE_PEOPLE,
			    &o, out, &e);
	} else {
		rc = exp_write(st, kind, source, include_deleted, &o, out, &e);
	}
	if (fflush(out) != 0 && rc == 0)
		rc = err_set(&e, SS_EIO, "write error on output");
	if (out != stdout)
		fclose(out);
	store_close(st);
	if (rc != 0) {
		fprintf(stderr, "salesync: export: %s\n", e.msg);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}
