/* main: salesync's command line: global options, then one command. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "daemon.h"
#include "log.h"

static const char usage[] =
    "Usage: salesync [-c FILE] [-v|-q] COMMAND [ARGS]\n"
    "\n"
    "salesync syncs sales tools (CRM, spreadsheets, analytics, training) into one\n"
    "store of reps, leads, deals and metrics, through one plugin per tool.\n"
    "\n"
    "Commands:\n"
    "  sync [INSTANCE...] [--full]  sync now (default: every enabled instance)\n"
    "  check [INSTANCE...]          validate the configuration and credentials\n"
    "  plugins [NAME]               list plugins, or one plugin's options\n"
    "  status [INSTANCE...]         last run, result, counts and cursor age\n"
    "  export KIND [...]            write reps, leads, deals, metrics or people as\n"
    "                               CSV/JSONL\n"
    "  report [...]                 the sales-ops report: text, JSON or HTML\n"
    "\n"
    "Options:\n"
    "  -c, --config FILE  configuration (default: ./salesync.ini, then\n"
    "                     $XDG_CONFIG_HOME/salesync/salesync.ini, then\n"
    "                     /etc/salesync/salesync.ini)\n"
    "  -v, --verbose      debug logging\n"
    "  -q, --quiet        errors only, no progress\n"
    "  -h, --help         this help; 'salesync COMMAND --help' for a command\n"
    "  -V, --version      print the version\n";

static const struct {
	const char *name;
	int (*fn)(struct app *, int, char **);
} commands[] = {
    {"sync", cmd_sync}, {"check", cmd_check}, {"plugins", cmd_plugins},
    {"status", cmd_status}, {"export", cmd_export}, {"report", cmd_report},
    {"plugin-test", cmd_plugintest}, {"daemon", cmd_daemon}, {"reset", cmd_reset},
    {"pause", cmd_pause}, {"resume", cmd_resume}, {"reload", cmd_reload}, {"runs", cmd_runs},
    {"metrics", cmd_metrics},
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'}, {"verbose", no_argument, NULL, 'v'},
	    {"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
	struct app a = {0};
	int c, rc;

	while ((c = getopt_long(argc, argv, "+c:vqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': a.config_arg = optarg; break;
		case 'v': a.verbose = 1; log_set_level(SS_LOG_DEBUG); break;
		case 'q': a.quiet = 1; log_set_level(SS_LOG_ERROR); break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		case 'V': printf("salesync %s (plugin ABI %d.%d)\n", SS_VERSION, SS_ABI_MAJOR, SS_ABI_MINOR); return EXIT_OK;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			rc = commands[i].fn(&a, argc - optind, argv + optind);
			app_free(&a);
			return rc;
		}
	}
	if (strcmp(argv[optind], "help") == 0) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	fprintf(stderr, "salesync: unknown command '%s'\n", argv[optind]);
	fputs(usage, stderr);
	return EXIT_USAGE;
}
