/* Unit tests for host/norm.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "norm.h"

static void check_email(const char *in, const char *want)
{
	char *got = norm_email(in);

	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_email(void **state)
{
	(void)state;
	check_email("  Alice.Smith@Example.COM \t", "alice.smith@example.com");
	check_email("bob@x.io", "bob@x.io");
	check_email("\xC3\x89LODIE@EXAMPLE.FR", "\xC3\x89lodie@example.fr"); /* non-ASCII kept */
	check_email("", NULL);
	check_email("   \t\n", NULL);
	check_email(NULL, NULL);
}

static void time_ok(const char *in, const char *want)
{
	char out[21];

	memset(out, 'x', sizeof out);
	if (norm_time(in, out) != 0)
		fail_msg("norm_time(\"%s\") failed, want %s", in, want);
	assert_string_equal(out, want);
}

static void time_bad(const char *in)
{
	char out[21];

	if (norm_time(in, out) != SS_EINVAL)
		fail_msg("norm_time(\"%s\") accepted", in ? in : "NULL");
}

static void test_time_formats(void **state)
{
	(void)state;
	time_ok("2026-11-26T14:37:02Z", "2026-11-26T14:37:02Z");
	time_ok("2026-11-26T14:37:02z", "2026-11-26T14:37:02Z");
	time_ok("2026-11-26T14:37:02", "2026-11-26T14:37:02Z");
	time_ok("2026-11-26 14:37:02", "2026-11-26T14:37:02Z");
	time_ok("2026-11-26 14:37", "2026-11-26T14:37:00Z");
	time_ok("2026-11-26T14:37Z", "2026-11-26T14:37:00Z");
	time_ok("2026-11-26", "2026-11-26T00:00:00Z");
	time_ok("  2026-11-26T14:37:02Z\n", "2026-11-26T14:37:02Z");
	time_ok("2026-11-26T14:37:02.999Z", "2026-11-26T14:37:02Z");
	time_ok("2026-11-26T14:37:02.123456+01:00", "2026-11-26T13:37:02Z");
	time_ok("2026-11-26T14:37:02+02:00", "2026-11-26T12:37:02Z");
	time_ok("2026-11-26T14:37:02+0200", "2026-11-26T12:37:02Z");
	time_ok("2026-11-26T14:37:02+02", "2026-11-26T12:37:02Z");
	time_ok("2026-11-26T14:37:02-05:30", "2026-11-26T20:07:02Z");
	time_ok("2026-11-26T14:37:02+00:00", "2026-11-26T14:37:02Z");
	time_ok("2024-02-29T12:00:00Z", "2024-02-29T12:00:00Z"); /* leap year */
	time_ok("2000-02-29", "2000-02-29T00:00:00Z");             /* 400-year rule */
	time_ok("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z");
	time_ok("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z");
}

static void test_time_offsets_cross_days(void **state)
{
	(void)state;
	/* Forward over midnight, month, year. */
	time_ok("2026-12-31T22:30:00-02:00", "2027-01-01T00:30:00Z");
	time_ok("2026-02-28T23:00:00-03:00", "2026-03-01T02:00:00Z");
	time_ok("2024-02-28T23:00:00-03:00", "2024-02-29T02:00:00Z");
	/* Backward over midnight, month, year. */
	time_ok("2027-01-01T01:00:00+05:00", "2026-12-31T20:00:00Z");
	time_ok("2026-03-01T00:15:00+01:00", "2026-02-28T23:15:00Z");
	time_ok("2024-03-01T00:15:00+0100", "2024-02-29T23:15:00Z");
	time_ok("1970-01-01T00:00:00+01:00", "1969-12-31T23:00:00Z");
}

static void test_time_epoch(void **state)
{
	(void)state;
	time_ok("0", "1970-01-01T00:00:00Z");
	time_ok("1700000000", "2023-11-14T22:13:20Z");
	time_ok("1700000000123", "2023-11-14T22:13:20Z"); /* ms, truncated */
	time_ok("951782400", "2000-02-29T00:00:00Z");
	time_ok("99999999999", "5138-11-16T09:46:39Z");   /* 11 digits: seconds */
	time_ok("100000000000", "1973-03-03T09:46:40Z");  /* 12 digits: ms */
	time_ok(" 1700000000 ", "2023-11-14T22:13:20Z");
	time_bad("17000000001234"); /* 14 digits */
	time_bad("-1700000000");
	time_bad("1700000000.5");
}

static void test_time_invalid(void **state)
{
	(void)state;
	time_bad(NULL);
	time_bad("");
	time_bad("   ");
	time_bad("junk");
	time_bad("2026-02-30");
	time_bad("2026-02-29");          /* not a leap year */
	time_bad("1900-02-29");          /* century, not leap */
	time_bad("2026-04-31");
	time_bad("2026-13-01");
	time_bad("2026-00-10");
	time_bad("2026-01-00");
	time_bad("2026-01-01T25:00:00Z");
	time_bad("2026-01-01T24:00:00Z");
	time_bad("2026-01-01T12:60:00Z");
	time_bad("2026-01-01T12:00:60Z");
	time_bad("2026-01-01T12Z");
	time_bad("2026-01-01T12:00:00+25:00");
	time_bad("2026-01-01T12:00:00+02:60");
	time_bad("2026-01-01T12:00:00+2");
	time_bad("2026-01-01T12:00:00+020");
	time_bad("2026-01-01T12:00:00.Z");
	time_bad("2026-01-01T12:00:00Zjunk");
	time_bad("2026-01-01X12:00:00");
	time_bad("2026-1-01");
	time_bad("26-01-01");
	time_bad("2026/01/01");
	time_bad("2026-01-01T");
	time_bad("2026-01-01T12:00:");
}

static void test_time_trailing_blank_is_trimmed(void **state)
{
	(void)state;
	time_ok("2026-01-01 ", "2026-01-01T00:00:00Z");
}

static void test_currency_exponent(void **state)
{
	(void)state;
	assert_int_equal(norm_currency_exponent("JPY"), 0);
	assert_int_equal(norm_currency_exponent("KRW"), 0);
	assert_int_equal(norm_currency_exponent("VND"), 0);
	assert_int_equal(norm_currency_exponent("CLP"), 0);
	assert_int_equal(norm_currency_exponent("ISK"), 0);
	assert_int_equal(norm_currency_exponent("XOF"), 0);
	assert_int_equal(norm_currency_exponent("BHD"), 3);
	assert_int_equal(norm_currency_exponent("KWD"), 3);
	assert_int_equal(norm_currency_exponent("OMR"), 3);
	assert_int_equal(norm_currency_exponent("TND"), 3);
	assert_int_equal(norm_currency_exponent("USD"), 2);
	assert_int_equal(norm_currency_exponent("EUR"), 2);
	assert_int_equal(norm_currency_exponent("jpy"), 0);
	assert_int_equal(norm_currency_exponent(NULL), 2);
}

static void money_ok(const char *text, const char *cur, int64_t want)
{
	int64_t got = 42;

	if (norm_money(text, cur, &got) != 0)
		fail_msg("norm_money(\"%s\", %s) failed", text, cur ? cur : "NULL");
	assert_int_equal(got, want);
}

static void money_bad(const char *text, const char *cur)
{
	int64_t got = 42;

	if (norm_money(text, cur, &got) != SS_EINVAL)
		fail_msg("norm_money(\"%s\") accepted: %lld", text ? text : "NULL", (long long)got);
}

static void test_money(void **state)
{
	(void)state;
	money_ok("12500.00", "USD", 1250000);
	money_ok("12", "EUR", 1200);
	money_ok("-1234.5", "USD", -123450);
	money_ok("+0.99", "USD", 99);
	money_ok("0", "USD", 0);
	money_ok("-0.00", "USD", 0);
	money_ok(".5", "USD", 50);
	money_ok("5.", "USD", 500);
	money_ok("  7.25 ", "USD", 725);
	money_ok("1.234", NULL, 123);                /* NULL currency: 2 digits */
	/* Rounding half away from zero on the first extra digit. */
	money_ok("1.005", "USD", 101);
	money_ok("1.0049999", "USD", 100);
	money_ok("-1.005", "USD", -101);
	money_ok("-1.0049", "USD", -100);
	money_ok("0.995", "USD", 100);
	money_ok("9.999", "USD", 1000);
	/* Exponent 0 and 3. */
	money_ok("1500", "JPY", 1500);
	money_ok("1500.5", "JPY", 1501);
	money_ok("1500.49", "JPY", 1500);
	money_ok("-1500.5", "JPY", -1501);
	money_ok("1.5", "BHD", 1500);
	money_ok("1.2345", "BHD", 1235);
	money_ok("0.001", "KWD", 1);
	/* Limits: exactly int64, and one past. */
	money_ok("92233720368547758.07", "USD", INT64_MAX);
	money_ok("-92233720368547758.08", "USD", INT64_MIN);
	money_ok("9223372036854775807", "JPY", INT64_MAX);
	money_bad("92233720368547758.08", "USD");
	money_bad("92233720368547758.075", "USD");    /* rounds past the max */
	money_bad("-92233720368547758.09", "USD");
	money_bad("9223372036854775808", "JPY");
	money_ok("92233720368547758", "USD", INT64_C(9223372036854775800));
	money_bad("92233720368547759", "USD");      /* x100 overflows */
	money_bad("99999999999999999999999", "USD");
	/* Rejected forms. */
	money_bad("1,234.00", "USD");
	money_bad("$12", "USD");
	money_bad("12 USD", "USD");
	money_bad("1 234", "USD");
	money_bad("", "USD");
	money_bad("   ", "USD");
	money_bad(".", "USD");
	money_bad("-", "USD");
	money_bad("+", "USD");
	money_bad("1e3", "USD");
	money_bad("1.2.3", "USD");
	money_bad("--1", "USD");
	money_bad("0x10", "USD");
	money_bad(NULL, "USD");
}

static void test_currency(void **state)
{
	char out[4];

	(void)state;
	assert_int_equal(norm_currency("usd", out), 0);
	assert_string_equal(out, "USD");
	assert_int_equal(norm_currency("EuR", out), 0);
	assert_string_equal(out, "EUR");
	assert_int_equal(norm_currency("US", out), SS_EINVAL);
	assert_int_equal(norm_currency("USDX", out), SS_EINVAL);
	assert_int_equal(norm_currency("U$D", out), SS_EINVAL);
	assert_int_equal(norm_currency("", out), SS_EINVAL);
	assert_int_equal(norm_currency(NULL, out), SS_EINVAL);
}

static void test_number(void **state)
{
	int is_int = -1;
	int64_t iv = 0;
	double dv = 0;

	(void)state;
	assert_int_equal(norm_number("42", &is_int, &iv, &dv), 0);
	assert_int_equal(is_int, 1);
	assert_int_equal(iv, 42);
	assert_int_equal(norm_number("-7", &is_int, &iv, &dv), 0);
	assert_int_equal(is_int, 1);
	assert_int_equal(iv, -7);
	assert_int_equal(norm_number("+3", &is_int, &iv, &dv), 0);
	assert_int_equal(iv, 3);
	assert_int_equal(norm_number("9223372036854775807", &is_int, &iv, &dv), 0);
	assert_int_equal(is_int, 1);
	assert_int_equal(iv, INT64_MAX);
	assert_int_equal(norm_number("-9223372036854775808", &is_int, &iv, &dv), 0);
	assert_int_equal(is_int, 1);
	assert_int_equal(iv, INT64_MIN);
	/* Too big for int64: a double. */
	assert_int_equal(norm_number("9223372036854775808", &is_int, &iv, &dv), 0);
	assert_int_equal(is_int, 0);
	assert_true(dv > 9.2e18 && dv < 9.3e18);
	assert_int_equal(norm_number("0.75", &is_int, &iv, &dv), 0);
	assert_int_equal(is_int, 0);
	assert_true(dv == 0.75);
	assert_int_equal(norm_number("1.0", &is_int, &iv, &dv), 0);
	assert_int_equal(is_int, 0);
	assert_true(dv == 1.0);
	assert_int_equal(norm_number("-2.5e3", &is_int, &iv, &dv), 0);
	assert_int_equal(is_int, 0);
	assert_true(dv == -2500.0);
	assert_int_equal(norm_number(" 5 ", &is_int, &iv, &dv), 0);
	assert_int_equal(is_int, 1);
	assert_int_equal(iv, 5);

	assert_int_equal(norm_number("", &is_int, &iv, &dv), SS_EINVAL);
	assert_int_equal(norm_number("  ", &is_int, &iv, &dv), SS_EINVAL);
	assert_int_equal(norm_number(NULL, &is_int, &iv, &dv), SS_EINVAL);
	assert_int_equal(norm_number("abc", &is_int, &iv, &dv), SS_EINVAL);
	assert_int_equal(norm_number("12abc", &is_int, &iv, &dv), SS_EINVAL);
	assert_int_equal(norm_number("1 2", &is_int, &iv, &dv), SS_EINVAL);
	assert_int_equal(norm_number("NaN", &is_int, &iv, &dv), SS_EINVAL);
	assert_int_equal(norm_number("nan", &is_int, &iv, &dv), SS_EINVAL);
	assert_int_equal(norm_number("inf", &is_int, &iv, &dv), SS_EINVAL);
	assert_int_equal(norm_number("-Infinity", &is_int, &iv, &dv), SS_EINVAL);
	assert_int_equal(norm_number("1e999", &is_int, &iv, &dv), SS_EINVAL);
	assert_int_equal(norm_number("0x1A", &is_int, &iv, &dv), SS_EINVAL);
	assert_int_equal(norm_number("-", &is_int, &iv, &dv), SS_EINVAL);
	assert_int_equal(norm_number(".", &is_int, &iv, &dv), SS_EINVAL);
	assert_int_equal(norm_number("1,5", &is_int, &iv, &dv), SS_EINVAL);
}

static void dims_ok(const char *in, const char *want)
{
	struct ss_err err = {{0}};
	char *got = norm_dims(in, &err);

	if (!got)
		fail_msg("norm_dims(%s) failed: %s", in ? in : "NULL", err.msg);
	assert_string_equal(got, want);
	free(got);
}

static void dims_bad(const char *in)
{
	struct ss_err err = {{0}};
	char *got = norm_dims(in, &err);

	if (got)
		fail_msg("norm_dims(%s) accepted: %s", in, got);
	assert_true(err.msg[0] != '\0');
}

static void test_dims(void **state)
{
	(void)state;
	dims_ok(NULL, "{}");
	dims_ok("", "{}");
	dims_ok("  ", "{}");
	dims_ok("{}", "{}");
	dims_ok("{ \"b\" : 1, \"a\": \"x\" }", "{\"a\":\"x\",\"b\":1}");
	dims_ok("{\"channel\":\"ads\",\"campaign\":\"spring\"}",
	    "{\"campaign\":\"spring\",\"channel\":\"ads\"}");
	dims_ok("{\"z\":{\"y\":1,\"x\":2}}", "{\"z\":{\"x\":2,\"y\":1}}");
	dims_ok("{\"k\":\"caf\xC3\xA9\"}", "{\"k\":\"caf\xC3\xA9\"}");
	dims_bad("[1,2]");
	dims_bad("\"str\"");
	dims_bad("42");
	dims_bad("{bad json}");
	dims_bad("{\"a\":1,\"a\":2}");
	assert_null(norm_dims("[]", NULL)); /* err may be NULL */
}

static void test_vocabularies(void **state)
{
	(void)state;
	assert_string_equal(norm_lead_statuses[0], "new");
	assert_string_equal(norm_lead_statuses[1], "working");
	assert_string_equal(norm_lead_statuses[2], "qualified");
	assert_string_equal(norm_lead_statuses[3], "unqualified");
	assert_string_equal(norm_lead_statuses[4], "converted");
	assert_null(norm_lead_statuses[5]);
	assert_string_equal(norm_deal_stages[0], "open");
	assert_string_equal(norm_deal_stages[1], "won");
	assert_string_equal(norm_deal_stages[2], "lost");
	assert_null(norm_deal_stages[3]);
}

static int in_canon(const char *p, const char *const *canon)
{
	for (int i = 0; canon[i]; i++) {
		if (p == canon[i])
			return 1;
	}
	return 0;
}

static void test_map(void **state)
{
	static const struct ss_mapping defaults[] = {
		{"Closed Won", "won"},
		{"Closed Lost", "lost"},
		{"Negotiation", "open"},
		{"Pending", "open"},
		{NULL, NULL},
	};
	static const struct ss_mapping overrides[] = {
		{" negotiation ", "LOST"}, /* blanks and case on both sides */
		{"Pending", "bogus"},     /* not canonical: skipped */
		{"won", "lost"},          /* beats the canonical word itself */
		{NULL, NULL},
	};
	const char *r;

	(void)state;
	/* Defaults, case-insensitive, blanks ignored. */
	r = norm_map("closed won", NULL, defaults, norm_deal_stages);
	assert_non_null(r);
	assert_string_equal(r, "won");
	assert_true(in_canon(r, norm_deal_stages));
	r = norm_map("  CLOSED LOST\t", NULL, defaults, norm_deal_stages);
	assert_string_equal(r, "lost");
	/* Overrides before defaults. */
	r = norm_map("Negotiation", overrides, defaults, norm_deal_stages);
	assert_string_equal(r, "lost");
	assert_true(in_canon(r, norm_deal_stages));
	r = norm_map("Negotiation", NULL, defaults, norm_deal_stages);
	assert_string_equal(r, "open");
	/* An override with a non-canonical target falls back to the defaults. */
	r = norm_map("pending", overrides, defaults, norm_deal_stages);
	assert_string_equal(r, "open");
	/* Override of a canonical word wins over the word itself. */
	r = norm_map("Won", overrides, defaults, norm_deal_stages);
	assert_string_equal(r, "lost");
	/* Canonical word, any case, when nothing maps it. */
	r = norm_map("WON", NULL, NULL, norm_deal_stages);
	assert_string_equal(r, "won");
	assert_true(in_canon(r, norm_deal_stages));
	r = norm_map(" Qualified ", NULL, NULL, norm_lead_statuses);
	assert_string_equal(r, "qualified");
	assert_true(in_canon(r, norm_lead_statuses));
	/* Unknown. */
	assert_null(norm_map("Something Else", overrides, defaults, norm_deal_stages));
	assert_null(norm_map("qualified", NULL, NULL, norm_deal_stages));
	assert_null(norm_map(NULL, overrides, defaults, norm_deal_stages));
	assert_null(norm_map("", overrides, defaults, norm_deal_stages));
	assert_null(norm_map("  ", NULL, NULL, norm_deal_stages));
	/* Prefix is not a match. */
	assert_null(norm_map("Closed", NULL, defaults, norm_deal_stages));
	assert_null(norm_map("Closed Won Extra", NULL, defaults, norm_deal_stages));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_time_formats),
		cmocka_unit_test(test_time_offsets_cross_days),
		cmocka_unit_test(test_time_epoch),
		cmocka_unit_test(test_time_invalid),
		cmocka_unit_test(test_time_trailing_blank_is_trimmed),
		cmocka_unit_test(test_currency_exponent),
		cmocka_unit_test(test_money),
		cmocka_unit_test(test_currency),
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_dims),
		cmocka_unit_test(test_vocabularies),
		cmocka_unit_test(test_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
