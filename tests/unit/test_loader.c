/* Unit tests of the loader: every refusal names the file and the check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"

static char dir[256];
static char plugdir[300];

static void copy_plugin(const char *name)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	char *cmd = xasprintf("cp %s/testplugins/%s.so %s/ && chmod 755 %s/%s.so", build, name,
	    plugdir, plugdir, name);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "%s/ldr.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(plugdir, sizeof plugdir, "%s/plugins", dir);
	assert_int_equal(mkdir(plugdir, 0755), 0);
	chmod(plugdir, 0755);
	return 0;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf %s", dir);
	(void)state;
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

/* Loads name and expects a refusal mentioning `want` and the file. */
static void expect_refusal(const char *name, const char *want)
{
	struct ldr_set set = {0};
	struct ss_err e = {{0}};
	char *file = xasprintf("%s/%s.so", plugdir, name);

	copy_plugin(name);
	assert_int_equal(ldr_load(&set, plugdir, name, &e), SS_EINVAL);
	if (!strstr(e.msg, want) || !strstr(e.msg, file))
		fail_msg("refusal of %s: got '%s', want '%s' and the file name", name, e.msg, want);
	assert_int_equal(set.n, 0);
	ldr_free(&set);
	free(file);
}

static void test_good_plugin(void **state)
{
	struct ldr_set set = {0};
	struct ss_err e = {{0}};
	const struct ldr_plugin *p;

	(void)state;
	copy_plugin("fixture");
	assert_int_equal(ldr_load(&set, plugdir, "fixture", &e), 0);
	p = ldr_find(&set, "fixture");
	assert_non_null(p);
	assert_string_equal(p->desc->name, "fixture");
	assert_int_equal(p->desc->abi_major, SS_ABI_MAJOR);
	/* Loading again is a no-op, not a duplicate. */
	assert_int_equal(ldr_load(&set, plugdir, "fixture", &e), 0);
	assert_int_equal(set.n, 1);
	ldr_free(&set);
}

static void test_older_minor_loads(void **state)
{
	struct ldr_set set = {0};
	struct ss_err e = {{0}};
	const struct ldr_plugin *p;

	(void)state;
	copy_plugin("abi10");
	assert_int_equal(ldr_load(&set, plugdir, "abi10", &e), 0);
	p = ldr_find(&set, "abi10");
	assert_non_null(p);
	assert_int_equal(p->desc->abi_minor, 0);
	/* Members the plugin never knew read as NULL in the host's copy. */
	assert_null(p->desc->auth);
	ldr_free(&set);
}

static void test_wrong_abi(void **state)
{
	(void)state;
	expect_refusal("bad_abi", "plugin ABI major 99, host ABI major 1");
}

static void test_newer_minor(void **state)
{
	(void)state;
	expect_refusal("new_minor", "plugin needs ABI 1.3, host provides 1.2");
}

static void test_short_descriptor(void **state)
{
	(void)state;
	expect_refusal("short_desc", "descriptor size");
}

static void test_missing_entry(void **state)
{
	(void)state;
	expect_refusal("no_entry", "no entry function");
}

static void test_unresolved_symbol(void **state)
{
	(void)state;
	expect_refusal("unresolved", "undefined symbol: store_begin");
}

static void test_name_mismatch(void **state)
{
	(void)state;
	expect_refusal("dup_two", "calls itself 'dup_one'");
}

static void test_not_found(void **state)
{
	struct ldr_set set = {0};
	struct ss_err e = {{0}};

	(void)state;
	assert_int_equal(ldr_load(&set, plugdir, "nope", &e), SS_EINVAL);
	assert_non_null(strstr(e.msg, "plugin 'nope' not found"));
	assert_int_equal(ldr_load(&set, plugdir, "../evil", &e), SS_EINVAL);
	assert_non_null(strstr(e.msg, "is not [a-z0-9_-]+"));
}

static void test_writable_dir_and_file(void **state)
{
	struct ldr_set set = {0};
	struct ss_err e = {{0}};
	char *file = xasprintf("%s/fixture.so", plugdir);

	(void)state;
	copy_plugin("fixture");
	chmod(plugdir, 0777);
	assert_int_equal(ldr_load(&set, plugdir, "fixture", &e), SS_EINVAL);
	assert_non_null(strstr(e.msg, "plugin directory is writable by others"));
	chmod(plugdir, 0775);
	assert_int_equal(ldr_load(&set, plugdir, "fixture", &e), SS_EINVAL);
	assert_non_null(strstr(e.msg, "writable by its group"));
	chmod(plugdir, 0755);
	chmod(file, 0646);
	assert_int_equal(ldr_load(&set, plugdir, "fixture", &e), SS_EINVAL);
	assert_non_null(strstr(e.msg, "plugin file is writable by others"));
	assert_non_null(strstr(e.msg, file));
	chmod(file, 0755);
	assert_int_equal(ldr_load(&set, plugdir, "fixture", &e), 0);
	ldr_free(&set);
	free(file);
}

struct refusals {
	int n;
	int dup;
};

static void on_refused(void *ud, const char *msg)
{
	struct refusals *r = ud;
	r->n++;
	if (strstr(msg, "duplicate plugin name 'dup_one'"))
		r->dup++;
}

static void test_load_all_duplicates(void **state)
{
	struct ldr_set set = {0};
	struct ss_err e = {{0}};
	struct refusals r = {0, 0};

	(void)state;
	copy_plugin("dup_one");
	copy_plugin("dup_two");
	copy_plugin("fixture");
	copy_plugin("bad_abi");
	assert_int_equal(ldr_load_all(&set, plugdir, on_refused, &r, &e), 0);
	assert_int_equal(set.n, 2); /* dup_one, fixture */
	assert_non_null(ldr_find(&set, "dup_one"));
	assert_non_null(ldr_find(&set, "fixture"));
	assert_int_equal(r.dup, 1);
	assert_int_equal(r.n, 2); /* dup_two, bad_abi */
	ldr_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_good_plugin, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_older_minor_loads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_abi, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_newer_minor, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_short_descriptor, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_entry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unresolved_symbol, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_name_mismatch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_writable_dir_and_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_all_duplicates, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
