/*
 * cmd_plugintest: `salesync plugin-test`, the plugin test kit. It runs a
 * plugin through the host exactly as `sync` does, against scratch stores,
 * and checks the contract a connector must keep: a sane descriptor; check
 * passing with good and failing clearly with wrong credentials; a full
 * sync that checkpoints and emits no record twice; an incremental sync
 * right after that changes nothing; and a sync interrupted after a
 * checkpoint and resumed that ends with exactly the store of an
 * uninterrupted one (no duplicates, no gaps: ties on the cursor included).
 */
#include <getopt.h>
#include <stdarg.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "export.h"
#include "log.h"
#include "runner.h"

static const char help[] =
    "Usage: salesync plugin-test PLUGIN.so --config FILE [--instance NAME] [--seed N]\n"
    "\n"
    "Check a plugin against the salesync plugin contract, using the instance\n"
    "NAME of FILE (default: the first instance of that plugin) and scratch\n"
    "stores in a temporary directory; your store is not touched. Point the\n"
    "instance at a test account or a fake server: the kit syncs it several\n"
    "times, and rotated OAuth2 refresh tokens are kept only in the scratch\n"
    "directory.\n"
    "\n"
    "  --config FILE    the INI file with the instance to test\n"
    "  --instance NAME  the instance (section) to use\n"
    "  --seed N         which checkpoints to interrupt when there are many\n"
    "\n"
    "Exit status: 0 when every check passes, 1 when one fails, 2 usage,\n"
    "78 when the plugin or the configuration is refused.\n";

struct kit {
	struct cfg *cfg;
	struct cfg_instance *inst;
	const struct ss_plugin *plugin;
	struct ldr_set plugins;
	char dir[256];
	char tokens[300];
	int passed, failed;
};

static void result(struct kit *k, int ok, const char *fmt, ...) SS_PRINTF(3, 4);
static void result(struct kit *k, int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%-5s ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		k->passed++;
	else
		k->failed++;
}

static void skip(const char *fmt, ...) SS_PRINTF(1, 2);
static void skip(const char *fmt, ...)
{
	va_list ap;

	printf("%-5s ", "skip");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Runs the instance once against `store`; the outcome in *res. */
static int run(struct kit *k, const char *store, enum wrk_mode mode, const struct ctx_probe *probe,
    struct run_result *res)
{
	struct cfg c = *k->cfg;
	struct cfg_instance *one[1] = {k->inst};
	struct run_request req = {0};
	struct ss_err e;

	c.store = (char *)store;
	/* One credential, one rotation history: every scratch store shares
	 * the tokens directory, or a rotated refresh token would be lost
	 * between them. */
	c.tokens_dir = k->tokens;
	req.cfg = &c;
	req.plugins = &k->plugins;
	req.inst = one;
	req.n = 1;
	req.mode = mode;
	req.quiet = 1;
	req.probe = probe;
	if (run_all(&req, res, &e) != 0) {
		snprintf(res->status, sizeof res->status, "failed");
		snprintf(res->error, sizeof res->error, "%s", e.msg);
		return -1;
	}
	return strcmp(res->status, "ok") == 0 ? 0 : -1;
}

static int read_run(const char *store, int64_t id, struct store_run *r)
{
	struct store *st;
	struct ss_err e;
	int rc;

	memset(r, 0, sizeof *r);
	if (id <= 0 || store_open(store, &st, &e) != 0)
		return -1;
	rc = store_run_get(st, id, r, &e);
	store_close(st);
	return rc;
}

static int64_t total(const struct store_run *r, int what)
{
	int64_t n = 0;

	for (int i = 0; i < STORE_NKINDS; i++) {
		const struct store_counts *c = &r->counts[i];
		n += what == 0 ? c->inserted + c->updated + c->unchanged :
		     what == 1 ? c->inserted + c->updated + c->deleted : 0;
	}
	return n;
}

/* The four record tables as CSV text, in key order. */
static char *dump(const char *store)
{
	struct exp_options o = {EXP_CSV, 0};
	struct store *st;
	struct ss_err e;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (store_open(store, &st, &e) != 0)
		return xstrdup("");
	f = open_memstream(&buf, &len);
	for (int kind = 0; kind < STORE_NKINDS; kind++) {
		fprintf(f, "== %s\n", store_kind_names[kind]);
		exp_write(st, (enum store_kind)kind, NULL, 1, &o, f, &e);
	}
	fclose(f);
	store_close(st);
	return buf;
}

/* First line that differs between two dumps, for the report. */
static void first_difference(const char *a, const char *b, char *out, size_t n)
{
	while (*a && *b) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
		if (la != lb || strncmp(a, b, la) != 0) {
			snprintf(out, n, "uninterrupted has \"%.*s\", resumed has \"%.*s\"",
			    (int)(la > 120 ? 120 : la), a, (int)(lb > 120 ? 120 : lb), b);
			return;
		}
		a += la + (a[la] == '\n');
		b += lb + (b[lb] == '\n');
	}
	snprintf(out, n, "%s has more rows, from \"%.120s\"", *a ? "uninterrupted" : "resumed",
	    *a ? a : b);
}

static void check_descriptor(struct kit *k)
{
	const struct ss_plugin *p = k->plugin;
	int nstreams = 0, nopts = 0, ok = 1;
	char why[256] = "";

	for (const char *const *s = p->streams; s && *s; s++)
		nstreams++;
	for (const struct ss_option *o = p->options; o && o->key; o++, nopts++) {
		const char *sec[] = {"token", "password", "secret", "refresh_token", "api_key", NULL};
		if (!o->help || !*o->help) {
			snprintf(why, sizeof why, "option '%s' has no help text", o->key);
			ok = 0;
		}
		for (int i = 0; sec[i]; i++) {
			if (strstr(o->key, sec[i]) && !(o->flags & SS_OPT_SECRET)) {
				snprintf(why, sizeof why, "option '%s' looks like a secret but is not SS_OPT_SECRET", o->key);
				ok = 0;
			}
		}
	}
	if (!p->version || !*p->version || !p->summary || !*p->summary) {
		snprintf(why, sizeof why, "version and summary must be set");
		ok = 0;
	}
	if (nstreams == 0) {
		snprintf(why, sizeof why, "no streams declared");
		ok = 0;
	}
	if (ok)
		result(k, 1, "descriptor: %s %s, ABI %u.%u, %d stream%s, %d option%s", p->name, p->version,
		    p->abi_major, p->abi_minor, nstreams, nstreams == 1 ? "" : "s", nopts, nopts == 1 ? "" : "s");
	else
		result(k, 0, "descriptor: %s", why);
}

static void check_credentials(struct kit *k, const char *store)
{
	struct run_result res;
	char **saved;
	int nsecret = 0;

	if (!k->plugin->check) {
		skip("check: the plugin has no check callback");
		return;
	}
	run(k, store, WRK_CHECK, NULL, &res);
	result(k, strcmp(res.status, "ok") == 0, "check with the configured credentials%s%s",
	    *res.error ? ": " : "", res.error);
	saved = xcalloc(k->inst->nkv + 1, sizeof *saved);
	for (size_t i = 0; i < k->inst->nkv; i++) {
		if (k->inst->kv[i].secret && !k->inst->kv[i].from_default) {
			saved[i] = k->inst->kv[i].value;
			k->inst->kv[i].value = (char *)"salesync-plugin-test-wrong-credential";
			nsecret++;
		}
	}
	if (nsecret == 0) {
		skip("check with wrong credentials: the instance sets no secret option");
	} else {
		run(k, store, WRK_CHECK, NULL, &res);
		result(k, strcmp(res.status, "ok") != 0 && *res.error,
		    "check with wrong credentials fails clearly: %s",
		    strcmp(res.status, "ok") == 0 ? "it succeeded" : *res.error ? res.error : "(no message)");
	}
	for (size_t i = 0; i < k->inst->nkv; i++) {
		if (saved[i])
			k->inst->kv[i].value = saved[i];
	}
	free(saved);
}

/* Returns the number of checkpoints of the full sync, or -1. */
static int64_t check_full_and_again(struct kit *k, const char *store)
{
	struct ctx_probe probe = {0};
	struct run_result res;
	struct store_run r1, r2;
	int64_t recs, checkpoints;

	probe.find_duplicates = 1;
	if (run(k, store, WRK_FULL, &probe, &res) != 0) {
		result(k, 0, "full sync: %s: %s", res.status, res.error);
		return -1;
	}
	read_run(store, res.run_id, &r1);
	recs = total(&r1, 0);
	checkpoints = res.probe.checkpoints;
	result(k, res.probe.duplicates == 0,
	    "full sync: %lld records, %lld checkpoints, %lld requests%s%s", (long long)recs,
	    (long long)res.probe.checkpoints, (long long)r1.requests,
	    res.probe.duplicates ? "; emitted twice in one run: " : ", no record emitted twice",
	    res.probe.duplicates ? res.probe.first_duplicate : "");
	if (res.probe.checkpoints == 0 && (recs > 1000 || r1.requests > 1))
		result(k, 0, "checkpoints: none in a sync of %lld records and %lld requests; a failure "
		    "late in the run would lose all of it (call api->checkpoint after each page)",
		    (long long)recs, (long long)r1.requests);
	if (recs == 0)
		printf("note  the full sync emitted nothing: point the instance at data to test more\n");

	if (run(k, store, WRK_SYNC, NULL, &res) != 0) {
		result(k, 0, "incremental sync right after: %s: %s", res.status, res.error);
		return checkpoints;
	}
	read_run(store, res.run_id, &r2);
	result(k, total(&r2, 1) == 0 && r2.requests <= r1.requests,
	    "incremental sync right after: %lld changed, %lld requests (full sync: %lld)",
	    (long long)total(&r2, 1), (long long)r2.requests, (long long)r1.requests);
	return checkpoints;
}

/* Interrupts a fresh sync right after checkpoint `at`, resumes it, and
 * compares the result with the uninterrupted store. */
static void check_resume(struct kit *k, const char *reference, int64_t at)
{
	struct ctx_probe probe = {0};
	struct run_result res;
	char *store = xasprintf("%s/resume-%lld.db", k->dir, (long long)at);
	char *a, *b, diff[400];

	probe.crash_after_checkpoint = (int)at;
	run(k, store, WRK_SYNC, &probe, &res);
	if (strcmp(res.status, "ok") == 0) {
		skip("interrupt after checkpoint %lld: the run had fewer checkpoints this time", (long long)at);
		free(store);
		return;
	}
	if (run(k, store, WRK_SYNC, NULL, &res) != 0) {
		result(k, 0, "interrupted after checkpoint %lld, the resumed sync failed: %s",
		    (long long)at, res.error);
		free(store);
		return;
	}
	a = dump(reference);
	b = dump(store);
	if (strcmp(a, b) == 0) {
		result(k, 1, "interrupted after checkpoint %lld and resumed: the same store as an "
		    "uninterrupted sync", (long long)at);
	} else {
		first_difference(a, b, diff, sizeof diff);
		result(k, 0, "interrupted after checkpoint %lld and resumed: the store differs from an "
		    "uninterrupted sync (records skipped or repeated around the cursor, e.g. ties): %s",
		    (long long)at, diff);
	}
	free(a);
	free(b);
	free(store);
}

static int setup(struct kit *k, const char *so, const char *config, const char *instance)
{
	char *copy = xstrdup(so), *dir = dirname(copy);
	char *base = xstrdup(basename((char *)so));
	struct ss_err e;
	size_t n = strlen(base);
	int rc = EXIT_CONFIG;

	if (n > 3 && strcmp(base + n - 3, ".so") == 0)
		base[n - 3] = '\0';
	if (cfg_load(config, dir, &k->cfg, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		goto out;
	}
	if (ldr_load(&k->plugins, dir, base, &e) != 0) {
		fprintf(stderr, "salesync: %s\n", e.msg);
		goto out;
	}
	k->plugin = ldr_find(&k->plugins, base)->desc;
	for (size_t i = 0; i < k->cfg->ninst && !k->inst; i++) {
		struct cfg_instance *in = &k->cfg->inst[i];
		if (instance ? strcmp(in->name, instance) == 0 : strcmp(in->plugin, base) == 0)
			k->inst = in;
	}
	if (!k->inst) {
		fprintf(stderr, "salesync: %s has no instance %s%s\n", config, instance ? instance : "of plugin ",
		    instance ? "" : base);
		goto out;
	}
	if (strcmp(k->inst->plugin, base) != 0) {
		fprintf(stderr, "salesync: instance %s uses plugin '%s', not '%s'\n", k->inst->name,
		    k->inst->plugin, base);
		goto out;
	}
	if (cfg_validate(k->cfg, k->inst, k->plugin, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		goto out;
	}
	rc = EXIT_OK;
out:
	free(copy);
	free(base);
	return rc;
}

int cmd_plugintest(struct app *a, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'}, {"instance", required_argument, NULL, 'i'},
	    {"seed", required_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	const char *config = a->config_arg, *instance = NULL;
	struct kit k = {0};
	unsigned seed = 1;
	int64_t ncp;
	char *ref;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'i': instance = optarg; break;
		case 's': seed = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: return app_usage_error("plugin-test", "unknown option");
		}
	}
	if (argc - optind != 1 || !config)
		return app_usage_error("plugin-test", "needs PLUGIN.so and --config FILE");
	if ((rc = setup(&k, argv[optind], config, instance)) != EXIT_OK) {
		ldr_free(&k.plugins);
		cfg_free(k.cfg);
		return rc;
	}
	snprintf(k.dir, sizeof k.dir, "%s/salesync-plugin-test.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(k.dir)) {
		perror(k.dir);
		ldr_free(&k.plugins);
		cfg_free(k.cfg);
		return EXIT_FAILED;
	}
	snprintf(k.tokens, sizeof k.tokens, "%s/tokens", k.dir);
	printf("plugin-test: %s, instance [%s] of %s; scratch stores in %s\n", argv[optind],
	    k.inst->name, config, k.dir);
	ref = xasprintf("%s/reference.db", k.dir);
	check_descriptor(&k);
	result(&k, 1, "config: instance [%s] validates against the option table", k.inst->name);
	check_credentials(&k, ref);
	ncp = check_full_and_again(&k, ref);
	if (ncp < 2) {
		skip("interrupt and resume: the full sync had %lld checkpoint%s, nothing to interrupt "
		    "(test with more data or a smaller batch)", (long long)(ncp < 0 ? 0 : ncp),
		    ncp == 1 ? "" : "s");
	} else if (ncp - 1 <= 5) {
		for (int64_t at = 1; at < ncp; at++)
			check_resume(&k, ref, at);
	} else {
		/* Five distinct checkpoints, picked by a partial shuffle. */
		int64_t *at = xcalloc((size_t)ncp, sizeof *at);
		for (int64_t i = 0; i < ncp - 1; i++)
			at[i] = i + 1;
		srandom(seed);
		printf("note  %lld checkpoints; interrupting after 5 of them (--seed %u)\n",
		    (long long)ncp, seed);
		for (int64_t i = 0; i < 5; i++) {
			int64_t j = i + random() % (ncp - 1 - i), t = at[i];
			at[i] = at[j];
			at[j] = t;
			check_resume(&k, ref, at[i]);
		}
		free(at);
	}
	free(ref);
	printf("%d passed, %d failed\n", k.passed, k.failed);
	{
		char *rm = xasprintf("rm -rf '%s'", k.dir);
		if (system(rm) != 0)
			fprintf(stderr, "salesync: could not remove %s\n", k.dir);
		free(rm);
	}
	ldr_free(&k.plugins);
	cfg_free(k.cfg);
	return k.failed ? EXIT_FAILED : EXIT_OK;
}
