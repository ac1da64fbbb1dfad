/* Unit tests for host/jsonscan.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jsonscan.h"
#include "salesync/plugin.h"

/* Finds path in json; want NULL means "must not be found". */
static void check(const char *json, const char *path, const char *want)
{
	const char *v = NULL;
	size_t n = 0;
	int rc = jsn_find(json, strlen(json), path, &v, &n);

	if (!want) {
		assert_int_equal(rc, -1);
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(v, want, n);
}

static void test_hubspot_page(void **state)
{
	const char *page =
	    "{\"results\":[{\"id\":\"1\",\"properties\":{\"email\":\"a@x.io\",\"paging\":\"no\"}},"
	    "{\"id\":\"2\",\"properties\":{\"note\":\"a \\\"quoted\\\" {brace} [x] \\\\\"}}],"
	    "\"paging\":{\"next\":{\"after\":\"201\",\"link\":\"https://api/x?after=201\"}}}";

	(void)state;
	check(page, "paging.next.after", "\"201\"");
	check(page, "paging.next", "{\"after\":\"201\",\"link\":\"https://api/x?after=201\"}");
	/* A member of the same name deeper down is not the top-level one. */
	check(page, "paging", "{\"next\":{\"after\":\"201\",\"link\":\"https://api/x?after=201\"}}");
	check(page, "results.paging", NULL); /* results is an array */
	check(page, "next", NULL);
	check(page, "paging.next.before", NULL);
	check(page, "paging.next.after.x", NULL); /* a string is not an object */
}

static void test_last_page_and_scalars(void **state)
{
	(void)state;
	check("{\"results\":[]}", "paging.next.after", NULL);
	check("{ \"totalSize\" : 12 , \"done\" : false,\n\t\"nextRecordsUrl\" : \"/q/01g-2000\" ,"
	      " \"records\": [] }", "nextRecordsUrl", "\"/q/01g-2000\"");
	check("{\"a\":12,\"b\":-1.5e3}", "b", "-1.5e3");
	check("{\"a\":true}", "a", "true");
	check("{\"a\":null,\"b\":{}}", "b", "{}");
	check("{\"additional_data\":{\"next_cursor\":null}}", "additional_data.next_cursor", "null");
}

static void test_keys_compared_as_written(void **state)
{
	(void)state;
	check("{\"pag\":1,\"paging\":2,\"pagingx\":3}", "paging", "2");
	check("{\"a.b\":1}", "a.b", NULL); /* '.' separates keys */
	check("{\"\\u0061\":1}", "a", NULL);
}

static void test_malformed_or_truncated(void **state)
{
	const char *full = "{\"results\":[{\"id\":\"1\"}],\"paging\":{\"next\":{\"after\":\"2\"}}}";
	const char *v;
	size_t n;

	(void)state;
	check("", "a", NULL);
	check("[1,2]", "a", NULL);
	check("{\"a\" 1}", "a", NULL);
	check("{\"a\":\"unterminated", "a", NULL);
	check("{\"results\":[{\"id\":\"1\"}", "paging", NULL);
	check("{\"a\":12", "a", NULL); /* maybe 123 */
	/* Every truncation of a good page either finds the whole value or
	 * nothing: never a value cut short. */
	for (size_t len = 0; len < strlen(full); len++) {
		if (jsn_find(full, len, "paging.next.after", &v, &n) == 0)
			assert_memory_equal(v, "\"2\"", 3);
	}
	assert_int_equal(jsn_find(NULL, 0, "a", &v, &n), -1);
	assert_int_equal(jsn_find("{}", 2, "", &v, &n), -1);
}

/* The SDK's inline helper for what json_find returns. */
static void test_plain_string(void **state)
{
	char buf[8];

	(void)state;
	assert_string_equal(ss_json_plain_string("\"201\"", 5, buf, sizeof buf), "201");
	assert_string_equal(ss_json_plain_string("\"\"", 2, buf, sizeof buf), "");
	assert_string_equal(ss_json_plain_string("\"1234567\"", 9, buf, sizeof buf), "1234567");
	assert_null(ss_json_plain_string("\"12345678\"", 10, buf, sizeof buf)); /* no room for NUL */
	assert_null(ss_json_plain_string("\"a\\/b\"", 6, buf, sizeof buf));  /* an escape */
	assert_null(ss_json_plain_string("201", 3, buf, sizeof buf));         /* a number */
	assert_null(ss_json_plain_string("null", 4, buf, sizeof buf));
	assert_null(ss_json_plain_string("\"", 1, buf, sizeof buf));
	assert_null(ss_json_plain_string(NULL, 0, buf, sizeof buf));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hubspot_page),
		cmocka_unit_test(test_last_page_and_scalars),
		cmocka_unit_test(test_keys_compared_as_written),
		cmocka_unit_test(test_malformed_or_truncated),
		cmocka_unit_test(test_plain_string),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
