/* Unit tests of the retry arithmetic: backoff with full jitter, Retry-After
 * in both forms, the token bucket and the tool's own limit headers, all on
 * a clock the test controls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "retry.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static void test_backoff_doubles_and_caps(void **state)
{
	(void)state;
	/* rnd just under 1 gives the ceiling itself. */
	NEAR(rty_backoff(1, 0.5, 30, 0.999999999999), 0.5 * 0.999999999999);
	NEAR(rty_backoff(2, 0.5, 30, 0.5), 0.5);
	NEAR(rty_backoff(3, 0.5, 30, 0.5), 1.0);
	NEAR(rty_backoff(4, 0.5, 30, 1.0), 4.0);
	NEAR(rty_backoff(10, 0.5, 30, 1.0), 30.0);   /* capped */
	NEAR(rty_backoff(100, 0.5, 30, 1.0), 30.0);  /* no overflow */
	NEAR(rty_backoff(5, 0.5, 30, 0.0), 0.0);     /* full jitter reaches 0 */
}

static void test_retry_after_seconds(void **state)
{
	(void)state;
	NEAR(rty_retry_after("120", 1000), 120);
	NEAR(rty_retry_after(" 7 ", 1000), 7);
	NEAR(rty_retry_after("0", 1000), 0);
	assert_true(rty_retry_after("soon", 1000) < 0);
	assert_true(rty_retry_after("12abc", 1000) < 0);
	assert_true(rty_retry_after(NULL, 1000) < 0);
	assert_true(rty_retry_after("", 1000) < 0);
}

static void test_retry_after_dates(void **state)
{
	/* 2026-10-21T07:28:00Z */
	int64_t t = 1792567680;

	(void)state;
	NEAR(rty_retry_after("Wed, 21 Oct 2026 07:28:30 GMT", t), 30);
	NEAR(rty_retry_after("Wednesday, 21-Oct-26 07:29:00 GMT", t), 60);
	NEAR(rty_retry_after("Wed Oct 21 07:28:10 2026", t), 10);
	/* A date in the past means "now". */
	NEAR(rty_retry_after("Wed, 21 Oct 2026 07:00:00 GMT", t), 0);
	/* Far future: the caller compares with its budget. */
	assert_true(rty_retry_after("Thu, 22 Oct 2026 07:28:00 GMT", t) >= 86400);
	assert_true(rty_retry_after("Wed, 21 Foo 2026 07:28:00 GMT", t) < 0);
}

static void test_bucket_parse(void **state)
{
	struct rty_bucket b;

	(void)state;
	assert_int_equal(rty_bucket_parse(&b, "100/10s", 0), 0);
	NEAR(b.capacity, 100);
	NEAR(b.window, 10);
	assert_int_equal(rty_bucket_parse(&b, "5/s", 0), 0);
	NEAR(b.window, 1);
	assert_int_equal(rty_bucket_parse(&b, "600/1m", 0), 0);
	NEAR(b.window, 60);
	assert_int_equal(rty_bucket_parse(&b, "10000/1d", 0), 0);
	NEAR(b.window, 86400);
	assert_int_equal(rty_bucket_parse(&b, NULL, 0), 0);
	NEAR(b.capacity, 0);
	assert_int_equal(rty_bucket_parse(&b, "fast", 0), SS_EINVAL);
	assert_int_equal(rty_bucket_parse(&b, "10/5x", 0), SS_EINVAL);
	assert_int_equal(rty_bucket_parse(&b, "0/s", 0), SS_EINVAL);
	assert_int_equal(rty_bucket_parse(&b, "10/0s", 0), SS_EINVAL);
}

static void test_bucket_spends_and_refills(void **state)
{
	struct rty_bucket b;
	double now = 1000;

	(void)state;
	assert_int_equal(rty_bucket_parse(&b, "3/10s", now), 0);
	for (int i = 0; i < 3; i++) {
		NEAR(rty_bucket_wait(&b, now), 0);
		rty_bucket_take(&b, now);
	}
	/* Empty: one token comes back every 10/3 s. */
	NEAR(rty_bucket_wait(&b, now), 10.0 / 3);
	now += 10.0 / 3;
	NEAR(rty_bucket_wait(&b, now), 0);
	rty_bucket_take(&b, now);
	/* Never more than capacity after a long idle time. */
	now += 1000;
	for (int i = 0; i < 3; i++)
		rty_bucket_take(&b, now);
	assert_true(rty_bucket_wait(&b, now) > 0);
}

static void test_unlimited_bucket(void **state)
{
	struct rty_bucket b;

	(void)state;
	rty_bucket_parse(&b, "", 0);
	for (int i = 0; i < 10000; i++)
		rty_bucket_take(&b, 0);
	NEAR(rty_bucket_wait(&b, 0), 0);
}

static void test_tool_headers_block(void **state)
{
	struct rty_bucket b;

	(void)state;
	rty_bucket_parse(&b, "", 100);
	rty_bucket_observe(&b, 100, 5, 30);  /* requests left: no wait */
	NEAR(rty_bucket_wait(&b, 100), 0);
	rty_bucket_observe(&b, 100, 0, 30);  /* none left: wait for the reset */
	NEAR(rty_bucket_wait(&b, 100), 30);
	NEAR(rty_bucket_wait(&b, 120), 10);
	NEAR(rty_bucket_wait(&b, 131), 0);
	/* No reset given: one window of the configured limit. */
	rty_bucket_parse(&b, "10/10s", 200);
	rty_bucket_observe(&b, 200, 0, -1);
	NEAR(rty_bucket_wait(&b, 200), 10);
}

static void test_reset_header_forms(void **state)
{
	(void)state;
	NEAR(rty_reset_seconds("30", 1000), 30);
	NEAR(rty_reset_seconds("1792567710", 1792567680), 30); /* epoch */
	NEAR(rty_reset_seconds("1792567000", 1792567680), 0);  /* epoch in the past */
	assert_true(rty_reset_seconds("x", 0) < 0);
	assert_true(rty_reset_seconds(NULL, 0) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_backoff_doubles_and_caps),
	    cmocka_unit_test(test_retry_after_seconds),
	    cmocka_unit_test(test_retry_after_dates),
	    cmocka_unit_test(test_bucket_parse),
	    cmocka_unit_test(test_bucket_spends_and_refills),
	    cmocka_unit_test(test_unlimited_bucket),
	    cmocka_unit_test(test_tool_headers_block),
	    cmocka_unit_test(test_reset_header_forms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
