/* Unit tests for host/config.c: cfg_load, cfg_validate, cfg_find. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

static char tmpdir[PATH_MAX];
static char ini_path[PATH_MAX + 32];

/* ---- helpers ------------------------------------------------------------ */

static void write_file(const char *path, const char *text, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Writes tmpdir/NAME and returns its path (static buffer ini_path). */
static const char *write_ini(const char *name, const char *text)
{
	snprintf(ini_path, sizeof ini_path, "%s/%s", tmpdir, name);
	write_file(ini_path, text, strlen(text));
	return ini_path;
}

static struct cfg *load_ok(const char *text)
{
	struct cfg *c = NULL;
	struct ss_err err = {""};
	const char *path = write_ini("ok.ini", text);
	int rc = cfg_load(path, "/default/plugins", &c, &err);

	if (rc)
		fail_msg("cfg_load failed: %s", err.msg);
	assert_non_null(c);
	return c;
}

/* Loads text expecting failure; err gets the message. */
static void load_bad(const char *text, struct ss_err *err)
{
	struct cfg *c = (struct cfg *)1;
	const char *path = write_ini("bad.ini", text);

	err->msg[0] = '\0';
	assert_int_equal(cfg_load(path, "/default/plugins", &c, err), SS_EINVAL);
	assert_null(c);
	assert_true(err->msg[0] != '\0');
}

/* Asserts that msg contains "INI:LINE: rest". */
static void assert_err_line(const struct ss_err *err, int line, const char *rest)
{
	char want[PATH_MAX + 512];

	snprintf(want, sizeof want, "%s:%d: %s", ini_path, line, rest);
	if (!strstr(err->msg, want))
		fail_msg("expected \"%s\" in:\n%s", want, err->msg);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected \"%s\" in:\n%s", needle, hay);
}

static int count_lines(const char *s)
{
	int n = *s ? 1 : 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ss-test-config-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- cfg_load: good files ----------------------------------------------- */

static void test_defaults(void **state)
{
	struct cfg *c = load_ok("; just an instance\n[csv]\n");
	char want[PATH_MAX + 64];

	(void)state;
	assert_string_equal(c->path, ini_path);
	assert_string_equal(c->dir, tmpdir);
	snprintf(want, sizeof want, "%s/salesync.db", tmpdir);
	assert_string_equal(c->store, want);
	snprintf(want, sizeof want, "%s/salesync.db.sock", tmpdir);
	assert_string_equal(c->socket, want);
	assert_string_equal(c->plugin_dir, "/default/plugins");
	assert_int_equal(c->jobs, 2);
	assert_int_equal(c->log_level, SS_LOG_INFO);
	assert_int_equal(c->ninst, 1);

	struct cfg_instance *in = cfg_instance(c, "csv");
	assert_non_null(in);
	assert_ptr_equal(in, &c->inst[0]);
	assert_null(cfg_instance(c, "nope"));
	assert_string_equal(in->name, "csv");
	assert_string_equal(in->plugin, "csv");
	assert_int_equal(in->line, 2);
	assert_int_equal(in->plugin_line, 2);
	assert_int_equal(in->enabled, 1);
	assert_int_equal(in->every, 0);
	assert_int_equal(in->timeout, 0);
	assert_null(in->rate_limit);
	assert_null(in->currency);
	assert_int_equal(in->nkv, 0);
	assert_non_null(in->status_map);
	assert_null(in->status_map[0].raw);
	assert_non_null(in->stage_map);
	assert_null(in->stage_map[0].raw);
	assert_null(cfg_get(in, "path"));
	cfg_free(c);
}

static void test_empty_file(void **state)
{
	struct cfg *c;

	(void)state;
	c = load_ok("");
	assert_int_equal(c->ninst, 0);
	cfg_free(c);
	c = load_ok("# comment only\n\n[salesync]\njobs = 4\n");
	assert_int_equal(c->ninst, 0);
	assert_int_equal(c->jobs, 4);
	cfg_free(c);
	cfg_free(NULL);
}

static void test_full_file(void **state)
{
	struct cfg *c = load_ok(
	    "\xEF\xBB\xBF[salesync]\n"
	    "store = /var/lib/salesync/s.db\n"
	    "plugin_dir = /opt/plugins\n"
	    "jobs = 8\n"
	    "log_level = debug\n"
	    "socket = /run/salesync.sock\n"
	    "\n"
	    "[leads.eu-1]\n"
	    "plugin = csv\n"
	    "enabled = no\n"
	    "every = 1h30m\n"
	    "timeout = 90\n"
	    "rate_limit = 10/s\n"
	    "currency = eur\n"
	    "path = leads.csv\n"
	    "map.email = E-Mail\n"
	    "  indented = kept as a key\n"
	    "url: http://example.com/a=b\n");
	struct cfg_instance *in;

	(void)state;
	assert_string_equal(c->store, "/var/lib/salesync/s.db");
	assert_string_equal(c->plugin_dir, "/opt/plugins");
	assert_string_equal(c->socket, "/run/salesync.sock");
	assert_int_equal(c->jobs, 8);
	assert_int_equal(c->log_level, SS_LOG_DEBUG);
	in = cfg_instance(c, "leads.eu-1");
	assert_non_null(in);
	assert_int_equal(in->line, 8);
	assert_string_equal(in->plugin, "csv");
	assert_int_equal(in->plugin_line, 9);
	assert_int_equal(in->enabled, 0);
	assert_int_equal(in->every, 5400);
	assert_int_equal(in->timeout, 90);
	assert_string_equal(in->rate_limit, "10/s");
	assert_string_equal(in->currency, "EUR");
	/* host keys are not in kv; the rest are, in file order */
	assert_int_equal(in->nkv, 4);
	assert_string_equal(in->kv[0].key, "path");
	assert_string_equal(in->kv[0].value, "leads.csv"); /* resolved by cfg_validate */
	assert_int_equal(in->kv[0].line, 15);
	assert_string_equal(in->kv[1].key, "map.email");
	assert_string_equal(in->kv[1].value, "E-Mail");
	assert_string_equal(in->kv[2].key, "indented");
	assert_string_equal(in->kv[3].key, "url");
	assert_string_equal(in->kv[3].value, "http://example.com/a=b");
	assert_null(cfg_get(in, "plugin"));
	assert_string_equal(cfg_get(in, "map.email"), "E-Mail");
	cfg_free(c);
}

static void test_relative_paths(void **state)
{
	struct cfg *c;
	struct ss_err err;
	char want[PATH_MAX + 64], cwd[PATH_MAX];

	(void)state;
	c = load_ok("[salesync]\nstore = data/s.db\nplugin_dir = ./plugins\nsocket = run/s.sock\n");
	snprintf(want, sizeof want, "%s/data/s.db", tmpdir);
	assert_string_equal(c->store, want);
	snprintf(want, sizeof want, "%s/plugins", tmpdir);
	assert_string_equal(c->plugin_dir, want);
	snprintf(want, sizeof want, "%s/run/s.sock", tmpdir);
	assert_string_equal(c->socket, want);
	cfg_free(c);

	/* socket follows a relative store by default */
	c = load_ok("[salesync]\nstore = x.db\n");
	snprintf(want, sizeof want, "%s/x.db.sock", tmpdir);
	assert_string_equal(c->socket, want);
	cfg_free(c);

	/* a config path given relative to the cwd still gets an absolute dir */
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(tmpdir), 0);
	assert_int_equal(mkdir("sub", 0700), 0);
	write_file("sub/rel.ini", "[salesync]\nstore = s.db\n", 24);
	c = NULL;
	int rc = cfg_load("sub/rel.ini", "/p", &c, &err);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(rc, 0);
	assert_string_equal(c->path, "sub/rel.ini");
	snprintf(want, sizeof want, "%s/sub", tmpdir);
	assert_string_equal(c->dir, want);
	snprintf(want, sizeof want, "%s/sub/s.db", tmpdir);
	assert_string_equal(c->store, want);
	cfg_free(c);
}

/* ---- cfg_load: bad files ------------------------------------------------ */

static void test_missing_file(void **state)
{
	struct cfg *c = (struct cfg *)1;
	struct ss_err err;
	char path[PATH_MAX + 32], want[PATH_MAX + 128];

	(void)state;
	snprintf(path, sizeof path, "%s/does-not-exist.ini", tmpdir);
	assert_int_equal(cfg_load(path, "/p", &c, &err), SS_EIO);
	assert_null(c);
	snprintf(want, sizeof want, "cannot read config %s: %s", path, strerror(ENOENT));
	assert_string_equal(err.msg, want);

	/* a directory is not a config either */
	assert_int_equal(cfg_load(tmpdir, "/p", &c, &err), SS_EIO);
	assert_contains(err.msg, "cannot read config ");
}

static void test_syntax_errors(void **state)
{
	struct ss_err err;

	(void)state;
	load_bad("[salesync]\njobs = 2\nthis line has no equals sign\n[csv]\npath = x\n[broken\n"
	         "k = v\n[csv2] junk\n",
	    &err);
	assert_err_line(&err, 3, "syntax error");
	assert_err_line(&err, 6, "syntax error");
	assert_err_line(&err, 8, "syntax error");
	assert_int_equal(count_lines(err.msg), 3); /* keys under [broken are not judged */

	load_bad("[csv]\n = value\n", &err);
	assert_err_line(&err, 2, "[csv] syntax error: empty key");

	load_bad("orphan = 1\n[csv]\n", &err);
	assert_err_line(&err, 1, "key 'orphan' outside any section");

	write_file(write_ini("nul.ini", ""), "[csv]\na = b\0c\n", 13);
	{
		struct cfg *c = NULL;
		assert_int_equal(cfg_load(ini_path, "/p", &c, &err), SS_EINVAL);
		assert_err_line(&err, 2, "syntax error: NUL byte");
	}
}

static void test_salesync_keys(void **state)
{
	struct ss_err err;

	(void)state;
	load_bad("[salesync]\njobs = 3\nstroe = x.db\n", &err);
	assert_err_line(&err, 3,
	    "[salesync] unknown key 'stroe' (known: store, plugin_dir, jobs, log_level, socket, "
	    "precedence, log_format, max_backoff, shutdown_grace, user, metrics_listen)");

	load_bad("[salesync]\nmax_backoff = forever\nlog_format = xml\n", &err);
	assert_err_line(&err, 2, "[salesync] max_backoff: expected a duration");
	assert_err_line(&err, 3, "[salesync] log_format: expected one of: text, logfmt, json");

	load_bad("[salesync]\njobs = 0\n", &err);
	assert_err_line(&err, 2, "[salesync] jobs: ");
	load_bad("[salesync]\njobs = two\n", &err);
	assert_err_line(&err, 2, "[salesync] jobs: ");
	load_bad("[salesync]\nlog_level = loud\n", &err);
	assert_err_line(&err, 2, "[salesync] log_level: expected one of: error, warn, info, debug");
	load_bad("[salesync]\nstore =\n", &err);
	assert_err_line(&err, 2, "[salesync] store: empty value");
}

static void test_precedence(void **state)
{
	struct ss_err err;
	struct cfg *c;

	(void)state;
	c = load_ok("[csv]\n");
	assert_int_equal(c->nprecedence, 0);
	assert_null(c->precedence);
	cfg_free(c);

	/* Commas and/or blanks; the instances may come after [salesync]. */
	c = load_ok("[salesync]\nprecedence = crm,sheet  lms\n[sheet]\n[crm]\n[lms]\n");
	assert_int_equal(c->nprecedence, 3);
	assert_string_equal(c->precedence[0], "crm");
	assert_string_equal(c->precedence[1], "sheet");
	assert_string_equal(c->precedence[2], "lms");
	assert_int_equal(c->precedence_line, 2);
	cfg_free(c);

	c = load_ok("[salesync]\nprecedence =\n[a]\n");
	assert_int_equal(c->nprecedence, 0);
	cfg_free(c);

	load_bad("[salesync]\nprecedence = crm, nope\n[crm]\n", &err);
	assert_err_line(&err, 2, "[salesync] precedence: no instance 'nope'");
	load_bad("[salesync]\nprecedence = crm, crm\n[crm]\n", &err);
	assert_err_line(&err, 2, "[salesync] precedence: 'crm' is listed twice");
	load_bad("[salesync]\nprecedence = crm, b/d\n[crm]\n", &err);
	assert_err_line(&err, 2, "[salesync] precedence: 'b/d' is not an instance name");
}

static void test_instance_keys_all_errors(void **state)
{
	struct ss_err err;

	(void)state;
	/* Every problem is reported, each with its own line. */
	load_bad("[csv]\n"
	         "every = soon\n"
	         "timeout = 1h30\n"
	         "enabled = maybe\n"
	         "currency = EURO\n"
	         "plugin = Bad Name\n"
	         "[ok]\n"
	         "enabled = yes\n",
	    &err);
	assert_err_line(&err, 2, "[csv] every: expected a duration");
	assert_contains(err.msg, "got 'soon'");
	assert_err_line(&err, 3, "[csv] timeout: expected a duration");
	assert_err_line(&err, 4, "[csv] enabled: expected a boolean");
	assert_contains(err.msg, "got 'maybe'");
	assert_err_line(&err, 5, "[csv] currency: expected a 3-letter");
	assert_err_line(&err, 6, "[csv] plugin: ");
	assert_int_equal(count_lines(err.msg), 5);
}

static void test_duplicates(void **state)
{
	struct ss_err err;

	(void)state;
	load_bad("[csv]\npath = a\nkind = leads\npath = b\n", &err);
	assert_err_line(&err, 4, "[csv] duplicate key 'path' (first at line 2)");

	load_bad("[salesync]\njobs = 1\n\n[salesync]\n", &err);
	assert_err_line(&err, 4, "duplicate section [salesync] (first at line 1)");

	load_bad("[csv]\npath = a\n[other]\n[csv]\npath = b\n", &err);
	assert_err_line(&err, 4, "duplicate section [csv] (first at line 1)");
	assert_int_equal(count_lines(err.msg), 1);

	/* the same key in two sections is fine */
	struct cfg *c = load_ok("[a]\npath = 1\n[b]\npath = 2\n");
	assert_string_equal(cfg_get(cfg_instance(c, "a"), "path"), "1");
	assert_string_equal(cfg_get(cfg_instance(c, "b"), "path"), "2");
	cfg_free(c);
}

static void test_section_names(void **state)
{
	struct ss_err err;
	struct cfg *c;

	(void)state;
	load_bad("[has space]\npath = x\n", &err);
	assert_err_line(&err, 1, "bad section name [has space]");
	load_bad("[]\n", &err);
	assert_err_line(&err, 1, "bad section name []");
	load_bad("[ok]\n[csv/1]\n", &err);
	assert_err_line(&err, 2, "bad section name [csv/1]");

	/* long names are kept whole (inih itself would cut them at 49) */
	c = load_ok("[a-very-long-instance-name-that-is-longer-than-fifty-characters.x_1]\n");
	assert_non_null(cfg_instance(c,
	    "a-very-long-instance-name-that-is-longer-than-fifty-characters.x_1"));
	cfg_free(c);
}

/* ---- expansion ---------------------------------------------------------- */

static void test_env_expansion(void **state)
{
	struct cfg *c;
	struct ss_err err;

	(void)state;
	setenv("SS_TEST_TOKEN", "tok-123", 1);
	setenv("SS_TEST_HOST", "crm.example", 1);
	setenv("SS_TEST_EVERY", "15m", 1);
	c = load_ok("[x]\n"
	            "token = ${SS_TEST_TOKEN}\n"
	            "url = https://${SS_TEST_HOST}/api?t=${SS_TEST_TOKEN}\n"
	            "price = $5 and $ { not a ref } $\n"
	            "every = ${SS_TEST_EVERY}\n");
	struct cfg_instance *in = &c->inst[0];
	assert_string_equal(cfg_get(in, "token"), "tok-123");
	assert_string_equal(cfg_get(in, "url"), "https://crm.example/api?t=tok-123");
	assert_string_equal(cfg_get(in, "price"), "$5 and $ { not a ref } $");
	assert_int_equal(in->every, 900);
	cfg_free(c);

	unsetenv("SS_TEST_UNSET");
	load_bad("[x]\na = 1\ntoken = pre-${SS_TEST_TOKEN}-${SS_TEST_UNSET}\n", &err);
	assert_err_line(&err, 3, "[x] token: environment variable SS_TEST_UNSET is not set");
	assert_null(strstr(err.msg, "tok-123"));

	load_bad("[x]\ntoken = ${SS_TEST_TOKEN\n", &err);
	assert_err_line(&err, 2, "[x] token: unterminated ${");
	load_bad("[x]\ntoken = a${1bad}b\n", &err);
	assert_err_line(&err, 2, "[x] token: bad ${...} reference");
	assert_null(strstr(err.msg, "1bad"));
	unsetenv("SS_TEST_TOKEN");
	unsetenv("SS_TEST_HOST");
	unsetenv("SS_TEST_EVERY");
}

static void test_file_values(void **state)
{
	char p[PATH_MAX + 64], text[PATH_MAX * 2];
	struct cfg *c;
	struct ss_err err;

	(void)state;
	snprintf(p, sizeof p, "%s/secret.txt", tmpdir);
	write_file(p, "s3cr;et value\n", 14);
	snprintf(p, sizeof p, "%s/crlf.txt", tmpdir);
	write_file(p, "line1\nline2\r\n", 13);
	snprintf(p, sizeof p, "%s/nonl.txt", tmpdir);
	write_file(p, "no newline", 10);
	setenv("SS_TEST_DIR", tmpdir, 1);
	snprintf(text, sizeof text,
	    "[x]\n"
	    "password = file:%s/secret.txt\n"
	    "rel = file:crlf.txt\n"
	    "env = file:${SS_TEST_DIR}/nonl.txt\n"
	    "notfile = prefix file:x\n",
	    tmpdir);
	c = load_ok(text);
	struct cfg_instance *in = &c->inst[0];
	assert_string_equal(cfg_get(in, "password"), "s3cr;et value");
	assert_string_equal(cfg_get(in, "rel"), "line1\nline2");
	assert_string_equal(cfg_get(in, "env"), "no newline");
	assert_string_equal(cfg_get(in, "notfile"), "prefix file:x");
	cfg_free(c);
	unsetenv("SS_TEST_DIR");

	load_bad("[x]\n\npassword = file:missing.txt\n", &err);
	snprintf(text, sizeof text, "[x] password: cannot read %s/missing.txt: %s", tmpdir,
	    strerror(ENOENT));
	assert_err_line(&err, 3, text);
}

static void test_long_value(void **state)
{
	size_t n = 70000;
	char *text = malloc(2 * n + 64), *big = malloc(n + 1);
	struct cfg *c;

	(void)state;
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	big[n] = '\0';
	/* 10 000 characters, then a 70 000 one (more than 64 KiB) */
	snprintf(text, 2 * n + 64, "[x]\nv10k = %.10000s\nv70k = %s\nafter = 1\n", big, big);
	c = load_ok(text);
	const char *v = cfg_get(&c->inst[0], "v10k");
	assert_non_null(v);
	assert_int_equal(strlen(v), 10000);
	assert_memory_equal(v, big, 10000);
	v = cfg_get(&c->inst[0], "v70k");
	assert_non_null(v);
	assert_int_equal(strlen(v), n);
	assert_string_equal(v, big);
	assert_string_equal(cfg_get(&c->inst[0], "after"), "1");
	assert_int_equal(c->inst[0].kv[2].line, 4); /* line numbers stay right */
	cfg_free(c);
	free(text);
	free(big);
}

static void test_line_too_long(void **state)
{
	size_t n = (1u << 20) + 10;
	char *text = malloc(n + 64);
	struct ss_err err;
	int k;

	(void)state;
	k = snprintf(text, n + 64, "[x]\nhuge = ");
	memset(text + k, 'q', n);
	snprintf(text + k + n, 64, "\nok = 1\nbad\n");
	load_bad(text, &err);
	assert_err_line(&err, 2, "line too long");
	assert_err_line(&err, 4, "syntax error"); /* counting stays right after it */
	assert_int_equal(count_lines(err.msg), 2);
	free(text);
}

static void test_semicolon_values(void **state)
{
	struct cfg *c;

	(void)state;
	c = load_ok("[x]\n"
	            "; a comment line\n"
	            "# another\n"
	            "password = pa;ss ;word # not a comment\n"
	            "quoted = \"kept\"\n");
	assert_string_equal(cfg_get(&c->inst[0], "password"), "pa;ss ;word # not a comment");
	assert_string_equal(cfg_get(&c->inst[0], "quoted"), "\"kept\"");
	assert_int_equal(c->inst[0].kv[0].line, 4);
	cfg_free(c);
}

static void test_mapping_overrides(void **state)
{
	struct cfg *c;
	struct ss_err err;
	struct cfg_instance *in;

	(void)state;
	c = load_ok("[crm]\n"
	            "status.Hot Lead = working\n"
	            "stage.Closed Won = won\n"
	            "status.Dead = unqualified\n"
	            "stage.Closed Lost = lost\n");
	in = &c->inst[0];
	assert_string_equal(in->status_map[0].raw, "Hot Lead");
	assert_string_equal(in->status_map[0].normalized, "working");
	assert_string_equal(in->status_map[1].raw, "Dead");
	assert_string_equal(in->status_map[1].normalized, "unqualified");
	assert_null(in->status_map[2].raw);
	assert_string_equal(in->stage_map[0].raw, "Closed Won");
	assert_string_equal(in->stage_map[0].normalized, "won");
	assert_string_equal(in->stage_map[1].raw, "Closed Lost");
	assert_null(in->stage_map[2].raw);
	assert_int_equal(in->nkv, 4); /* overrides are kept in kv, too */
	cfg_free(c);

	load_bad("[crm]\nstatus.Hot = hot\nstage.Won = closed\nstatus. = new\n", &err);
	assert_err_line(&err, 2, "[crm] status.Hot: 'hot' is not a lead status");
	assert_contains(err.msg, "new, working, qualified, unqualified, converted");
	assert_err_line(&err, 3, "[crm] stage.Won: 'closed' is not a deal stage (open, won, lost)");
	assert_err_line(&err, 4, "[crm] status.: ");

	load_bad("[crm]\nstatus.Hot = working\nstatus.HOT = new\n", &err);
	assert_err_line(&err, 3, "[crm] status.HOT: same raw value as status.Hot at line 2");
}

static void test_many_errors_truncated(void **state)
{
	struct sb text = {0};
	struct ss_err err;

	(void)state;
	sb_adds(&text, "[x]\n");
	for (int i = 0; i < 300; i++)
		sb_addf(&text, "bad line %d\n", i);
	load_bad(text.buf, &err);
	assert_err_line(&err, 2, "syntax error");
	assert_true(strlen(err.msg) < sizeof err.msg);
	assert_contains(err.msg, "more errors)");
	/* every shown line is a whole error line */
	assert_non_null(strstr(err.msg, "\n(and "));
	sb_free(&text);
}

static void test_knobs_restored(void **state)
{
	struct cfg *c;

	(void)state;
	ini_max_line = 200;
	ini_allow_inline_comments = true;
	ini_allow_multiline = true;
	ini_use_stack = true;
	c = load_ok("[x]\na = b ; c\n");
	assert_string_equal(cfg_get(&c->inst[0], "a"), "b ; c");
	cfg_free(c);
	assert_int_equal(ini_max_line, 200);
	assert_true(ini_allow_inline_comments);
	assert_true(ini_allow_multiline);
	assert_true(ini_use_stack);
}

/* The shipped example must stay loadable (run from the source tree). */
static void test_example_file(void **state)
{
	struct cfg *c = NULL;
	struct ss_err err = {""};
	struct cfg_instance *in;

	(void)state;
	if (access("config/salesync.ini.example", R_OK) != 0)
		skip();
	if (cfg_load("config/salesync.ini.example", "/p", &c, &err))
		fail_msg("example: %s", err.msg);
	in = cfg_instance(c, "leads-csv");
	assert_non_null(in);
	assert_string_equal(in->plugin, "csv");
	assert_string_equal(cfg_get(in, "map.email"), "E-mail Address");
	assert_string_equal(in->status_map[1].raw, "Cold Lead");
	assert_non_null(cfg_instance(c, "deals-csv"));
	assert_string_equal(cfg_get(cfg_instance(c, "deals-csv"), "delimiter"), ";");
	cfg_free(c);
}

/* ---- cfg_validate ------------------------------------------------------- */

static const struct ss_option fake_options[] = {
	{"path", SS_OPT_PATH, SS_OPT_REQUIRED, NULL, NULL, "the CSV file"},
	{"batch", SS_OPT_INT, 0, "100", NULL, "rows per checkpoint"},
	{"header", SS_OPT_BOOL, 0, "yes", NULL, "first row is a header"},
	{"poll", SS_OPT_DURATION, 0, "5m", NULL, "how often"},
	{"kind", SS_OPT_ENUM, 0, "leads", "leads|deals|reps", "record kind"},
	{"out", SS_OPT_PATH, 0, "out/x.csv", NULL, "where to write"},
	{"token", SS_OPT_STRING, SS_OPT_SECRET, NULL, NULL, "API token"},
	{"pin", SS_OPT_INT, SS_OPT_SECRET, NULL, NULL, "a secret number"},
	{"map.", SS_OPT_STRING, SS_OPT_PREFIX, "ignored", NULL, "column mapping"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct ss_plugin fake_plugin = {
	SS_PLUGIN_HEAD, "fake", "1.0", "a fake plugin for tests",
	NULL, fake_options, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

static size_t count_key(const struct cfg_instance *in, const char *key)
{
	size_t n = 0;
	for (size_t i = 0; i < in->nkv; i++)
		n += strcmp(in->kv[i].key, key) == 0;
	return n;
}

static const struct cfg_kv *find_kv(const struct cfg_instance *in, const char *key)
{
	for (size_t i = 0; i < in->nkv; i++) {
		if (strcmp(in->kv[i].key, key) == 0)
			return &in->kv[i];
	}
	return NULL;
}

static void test_validate_ok_defaults(void **state)
{
	struct cfg *c;
	struct ss_err err = {""};
	struct cfg_instance *in;
	char want[PATH_MAX + 64];

	(void)state;
	c = load_ok("[leads]\n"
	            "plugin = fake\n"
	            "path = data/leads.csv\n"
	            "token = tk-unit-secret-1\n"
	            "map.email = E-Mail\n"
	            "map.first_name = First\n"
	            "kind = deals\n"
	            "status.Hot = working\n");
	in = &c->inst[0];
	assert_int_equal(cfg_validate(c, in, &fake_plugin, &err), 0);
	snprintf(want, sizeof want, "%s/data/leads.csv", tmpdir);
	assert_string_equal(cfg_get(in, "path"), want);
	assert_string_equal(cfg_get(in, "kind"), "deals");
	assert_string_equal(cfg_get(in, "batch"), "100");
	assert_string_equal(cfg_get(in, "header"), "yes");
	assert_string_equal(cfg_get(in, "poll"), "5m");
	snprintf(want, sizeof want, "%s/out/x.csv", tmpdir);
	assert_string_equal(cfg_get(in, "out"), want);
	assert_null(cfg_get(in, "map.")); /* no default for PREFIX options */
	assert_null(cfg_get(in, "pin"));
	assert_int_equal(find_kv(in, "batch")->from_default, 1);
	assert_int_equal(find_kv(in, "batch")->line, 1);
	assert_int_equal(find_kv(in, "path")->from_default, 0);
	assert_int_equal(find_kv(in, "token")->secret, 1);
	assert_int_equal(find_kv(in, "path")->secret, 0);
	assert_string_equal(in->status_map[0].raw, "Hot");
	/* the secret was registered with the logger */
	char *red = log_redact("token=tk-unit-secret-1!");
	assert_string_equal(red, "token=***!");
	free(red);

	/* a second validation appends no defaults twice, changes nothing */
	size_t n = in->nkv;
	assert_int_equal(cfg_validate(c, in, &fake_plugin, &err), 0);
	assert_int_equal(in->nkv, n);
	assert_int_equal(count_key(in, "batch"), 1);
	assert_int_equal(count_key(in, "kind"), 1);
	snprintf(want, sizeof want, "%s/data/leads.csv", tmpdir);
	assert_string_equal(cfg_get(in, "path"), want);
	assert_string_equal(in->status_map[0].raw, "Hot");
	cfg_free(c);
}

static void test_validate_errors(void **state)
{
	struct cfg *c;
	struct ss_err err = {""};

	(void)state;
	c = load_ok("[salesync]\n"
	            "jobs = 1\n"
	            "[leads]\n"
	            "plugin = fake\n"
	            "pth = typo.csv\n"
	            "batch = lots\n"
	            "kind = contacts\n"
	            "header = perhaps\n"
	            "poll = often\n"
	            "pin = hunter2-not-a-number\n"
	            "map. = x\n");
	struct cfg_instance *in = cfg_instance(c, "leads");
	assert_int_equal(cfg_validate(c, in, &fake_plugin, &err), SS_EINVAL);
	assert_err_line(&err, 5, "[leads] unknown option 'pth' for plugin 'fake' "
	                         "(see: salesync plugins fake)");
	assert_err_line(&err, 3, "[leads] missing required option 'path'");
	assert_err_line(&err, 6, "[leads] batch: expected an integer; got 'lots'");
	assert_err_line(&err, 7, "[leads] kind: expected one of: leads, deals, reps; got 'contacts'");
	assert_err_line(&err, 8, "[leads] header: expected a boolean");
	assert_err_line(&err, 9, "[leads] poll: expected a duration");
	assert_err_line(&err, 10, "[leads] pin: expected an integer (value not shown: secret");
	assert_err_line(&err, 11, "[leads] map.: ");
	assert_null(strstr(err.msg, "hunter2"));
	assert_int_equal(count_lines(err.msg), 8);
	cfg_free(c);
}

static void test_validate_required_empty_and_no_options(void **state)
{
	struct cfg *c;
	struct ss_err err = {""};
	static const struct ss_plugin bare = {
		SS_PLUGIN_HEAD, "bare", "1.0", "no options",
		NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	};

	(void)state;
	c = load_ok("[a]\npath =\n[b]\nanything = 1\nstage.Won = won\n");
	assert_int_equal(cfg_validate(c, &c->inst[0], &fake_plugin, &err), SS_EINVAL);
	assert_err_line(&err, 2, "[a] path: required option is empty");
	assert_int_equal(cfg_validate(c, &c->inst[1], &bare, &err), SS_EINVAL);
	assert_err_line(&err, 4, "[b] unknown option 'anything' for plugin 'bare'");
	assert_int_equal(count_lines(err.msg), 1); /* the override is fine */
	cfg_free(c);
}

/* ---- cfg_find ----------------------------------------------------------- */

static void restore_env(const char *name, const char *saved)
{
	if (saved)
		setenv(name, saved, 1);
	else
		unsetenv(name);
}

static void test_fill(void **state)
{
	struct cfg_kv kv[] = {{"login_url", "https://test.salesforce.com//", 3, 0, 0},
	    {"region", "eu", 4, 0, 0}};
	struct cfg_instance in = {0};
	const struct ss_option opts[] = {
	    {"login_url", SS_OPT_STRING, 0, "https://login.salesforce.com", NULL, "login host"},
	    {"zone", SS_OPT_STRING, 0, "z1", NULL, "zone"},
	    {"nodefault", SS_OPT_STRING, 0, NULL, NULL, "no default"},
	    {NULL, 0, 0, NULL, NULL, NULL}};
	struct ss_err err = {""};
	char *got;

	(void)state;
	in.name = "crm";
	in.kv = kv;
	in.nkv = 2;
	/* The instance's value, its trailing '/' dropped. */
	got = cfg_fill(&in, opts, "{login_url}/services/oauth2/token", &err);
	assert_string_equal(got, "https://test.salesforce.com/services/oauth2/token");
	free(got);
	/* The default when unset; several keys; text around them. */
	got = cfg_fill(&in, opts, "https://{region}.x/{zone}/t", &err);
	assert_string_equal(got, "https://eu.x/z1/t");
	free(got);
	/* Nothing to fill, and a lone brace, are copied as they are. */
	got = cfg_fill(&in, NULL, "https://a.b/token", &err);
	assert_string_equal(got, "https://a.b/token");
	free(got);
	got = cfg_fill(&in, NULL, "https://a.b/{oops", &err);
	assert_string_equal(got, "https://a.b/{oops");
	free(got);
	/* Neither a value nor a default: an error naming the instance and key. */
	assert_null(cfg_fill(&in, opts, "{nodefault}/x", &err));
	assert_non_null(strstr(err.msg, "[crm] nodefault"));
	assert_null(cfg_fill(&in, NULL, NULL, &err));
}

static void test_find(void **state)
{
	char cwd[PATH_MAX], dir[PATH_MAX + 64], p[PATH_MAX + 128];
	char *old_xdg = getenv("XDG_CONFIG_HOME") ? strdup(getenv("XDG_CONFIG_HOME")) : NULL;
	char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	struct ss_err err = {""};
	char *found;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof cwd));
	snprintf(dir, sizeof dir, "%s/find", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(p, sizeof p, "%s/work", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/xdg", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/xdg/salesync", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/home", dir);
	assert_int_equal(mkdir(p, 0700), 0);

	snprintf(p, sizeof p, "%s/work", dir);
	assert_int_equal(chdir(p), 0);
	snprintf(p, sizeof p, "%s/xdg", dir);
	setenv("XDG_CONFIG_HOME", p, 1);
	snprintf(p, sizeof p, "%s/home", dir);
	setenv("HOME", p, 1);

	/* nothing anywhere (unless this machine has /etc/salesync) */
	found = cfg_find(&err);
	if (access("/etc/salesync/salesync.ini", F_OK) != 0) {
		assert_null(found);
		assert_contains(err.msg, "./salesync.ini");
		snprintf(p, sizeof p, "%s/xdg/salesync/salesync.ini", dir);
		assert_contains(err.msg, p);
		assert_contains(err.msg, "/etc/salesync/salesync.ini");
	}
	free(found);

	/* $XDG_CONFIG_HOME/salesync/salesync.ini */
	snprintf(p, sizeof p, "%s/xdg/salesync/salesync.ini", dir);
	write_file(p, "", 0);
	found = cfg_find(&err);
	assert_non_null(found);
	assert_string_equal(found, p);
	free(found);

	/* ./salesync.ini wins */
	write_file("salesync.ini", "", 0);
	found = cfg_find(&err);
	assert_non_null(found);
	assert_string_equal(found, "./salesync.ini");
	free(found);
	assert_int_equal(unlink("salesync.ini"), 0);

	/* without XDG_CONFIG_HOME: ~/.config */
	unsetenv("XDG_CONFIG_HOME");
	snprintf(p, sizeof p, "%s/home/.config", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/home/.config/salesync", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/home/.config/salesync/salesync.ini", dir);
	write_file(p, "", 0);
	found = cfg_find(&err);
	assert_non_null(found);
	assert_string_equal(found, p);
	free(found);

	assert_int_equal(chdir(cwd), 0);
	restore_env("XDG_CONFIG_HOME", old_xdg);
	restore_env("HOME", old_home);
	free(old_xdg);
	free(old_home);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_salesync_keys),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_instance_keys_all_errors),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_section_names),
		cmocka_unit_test(test_env_expansion),
		cmocka_unit_test(test_file_values),
		cmocka_unit_test(test_long_value),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_semicolon_values),
		cmocka_unit_test(test_mapping_overrides),
		cmocka_unit_test(test_many_errors_truncated),
		cmocka_unit_test(test_knobs_restored),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_validate_ok_defaults),
		cmocka_unit_test(test_validate_errors),
		cmocka_unit_test(test_validate_required_empty_and_no_options),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_find),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
