/*
 * Unit tests of plugins/ga4/ga4_map.c: GA names, dates, the runReport
 * request body, response mapping and Google's error object.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ga4/ga4_map.h"

static void expect_snake(const char *in, const char *want)
{
	char out[64];

	assert_int_equal(ga4_snake(in, out, sizeof out), 0);
	assert_string_equal(out, want);
}

static void test_snake(void **st)
{
	char tiny[4];

	(void)st;
	expect_snake("sessions", "sessions");
	expect_snake("newUsers", "new_users");
	expect_snake("keyEvents", "key_events");
	expect_snake("screenPageViews", "screen_page_views");
	expect_snake("averageSessionDuration", "average_session_duration");
	expect_snake("sessionGoogleAdsAdGroupName", "session_google_ads_ad_group_name");
	expect_snake("keyEvents:sign_up", "key_events.sign_up");
	expect_snake("customEvent:Plan", "custom_event.plan");
	expect_snake("URLPath", "url_path");
	expect_snake("itemID", "item_id");
	expect_snake("day2Retention", "day2_retention");
	expect_snake("odd-name x", "odd_name_x");
	assert_int_equal(ga4_snake("", tiny, sizeof tiny), -1);
	assert_int_equal(ga4_snake(NULL, tiny, sizeof tiny), -1);
	assert_int_equal(ga4_snake("newUsers", tiny, sizeof tiny), -1);
	assert_int_equal(ga4_snake("abc", tiny, sizeof tiny), 0);
	assert_string_equal(tiny, "abc");
}

static void test_names(void **st)
{
	char out[64];

	(void)st;
	assert_int_equal(ga4_dim_key("sessionDefaultChannelGroup", out, sizeof out), 0);
	assert_string_equal(out, "channel");
	assert_int_equal(ga4_dim_key("sessionCampaignName", out, sizeof out), 0);
	assert_string_equal(out, "campaign");
	assert_int_equal(ga4_dim_key("deviceCategory", out, sizeof out), 0);
	assert_string_equal(out, "device_category");
	assert_int_equal(ga4_dim_key("firstUserDefaultChannelGroup", out, sizeof out), 0);
	assert_string_equal(out, "first_user_default_channel_group");
	assert_int_equal(ga4_metric_name("sessions", out, sizeof out), 0);
	assert_string_equal(out, "web.sessions");
	assert_int_equal(ga4_metric_name("newUsers", out, sizeof out), 0);
	assert_string_equal(out, "web.new_users");
	assert_int_equal(ga4_metric_name("keyEvents", out, sizeof out), 0);
	assert_string_equal(out, "web.key_events");
	assert_int_equal(ga4_metric_name("sessions", out, 5), -1);

	assert_string_equal(ga4_unit("TYPE_SECONDS", "USD"), "s");
	assert_string_equal(ga4_unit("TYPE_MILLISECONDS", NULL), "ms");
	assert_string_equal(ga4_unit("TYPE_CURRENCY", "EUR"), "EUR");
	assert_null(ga4_unit("TYPE_CURRENCY", NULL));
	assert_null(ga4_unit("TYPE_INTEGER", "USD"));
	assert_null(ga4_unit("TYPE_FLOAT", "USD"));
	assert_null(ga4_unit(NULL, "USD"));
}

static void test_days(void **st)
{
	long d, today;
	char out[11];

	(void)st;
	assert_int_equal(ga4_day_parse("19700101", &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(ga4_day_parse("20240115", &d), 0);
	ga4_day_format(d, out);
	assert_string_equal(out, "2024-01-15");
	assert_int_equal(ga4_day_parse("2024-01-15", &today), 0);
	assert_int_equal(today, d);
	assert_int_equal(ga4_day_parse("20240229", &d), 0);
	ga4_day_format(d + 1, out);
	assert_string_equal(out, "2024-03-01");
	assert_int_equal(ga4_day_parse("20230229", &d), -1);
	assert_int_equal(ga4_day_parse("2026-02-30", &d), -1);
	assert_int_equal(ga4_day_parse("20241301", &d), -1);
	assert_int_equal(ga4_day_parse("2024011", &d), -1);
	assert_int_equal(ga4_day_parse("(other)", &d), -1);
	assert_int_equal(ga4_day_parse("2024/01/15", &d), -1);
	assert_int_equal(ga4_day_parse(NULL, &d), -1);
	ga4_day_format(-1, out);
	assert_string_equal(out, "1969-12-31");

	assert_int_equal(ga4_day_resolve("today", today, &d), 0);
	assert_int_equal(d, today);
	assert_int_equal(ga4_day_resolve("yesterday", today, &d), 0);
	assert_int_equal(d, today - 1);
	assert_int_equal(ga4_day_resolve("30daysAgo", today, &d), 0);
	assert_int_equal(d, today - 30);
	assert_int_equal(ga4_day_resolve("0daysAgo", today, &d), 0);
	assert_int_equal(d, today);
	assert_int_equal(ga4_day_resolve("2026-01-01", today, &d), 0);
	ga4_day_format(d, out);
	assert_string_equal(out, "2026-01-01");
	assert_int_equal(ga4_day_resolve("daysAgo", today, &d), -1);
	assert_int_equal(ga4_day_resolve("-3daysAgo", today, &d), -1);
	assert_int_equal(ga4_day_resolve("3daysago", today, &d), -1);
	assert_int_equal(ga4_day_resolve("20260101", today, &d), -1);
	assert_int_equal(ga4_day_resolve("1234567daysAgo", today, &d), -1);
}

static char *g_dims[] = {"date", "sessionDefaultChannelGroup", "deviceCategory"};
static char *g_dkeys[] = {"date", "channel", "device"};
static char *g_mets[] = {"sessions", "keyEvents"};
static char *g_mnames[] = {"web.sessions", "web.conversions"};

static void test_request_body(void **st)
{
	struct ga4_names dims = {3, g_dims, g_dkeys}, mets = {2, g_mets, g_mnames};
	char *body = ga4_request_body("2026-11-01", "today", &dims, &mets, 500, 1000);
	json_t *j, *ob;

	(void)st;
	assert_non_null(body);
	j = json_loads(body, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "dateRanges"), 0), "startDate")), "2026-11-01");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "dateRanges"), 0), "endDate")), "today");
	assert_int_equal(json_array_size(json_object_get(j, "dimensions")), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "metrics"), 1), "name")), "keyEvents");
	assert_int_equal(json_integer_value(json_object_get(j, "limit")), 500);
	assert_int_equal(json_integer_value(json_object_get(j, "offset")), 1000);
	assert_true(json_is_true(json_object_get(j, "returnPropertyQuota")));
	ob = json_object_get(j, "orderBys");
	assert_int_equal(json_array_size(ob), 3);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(ob, 0), "dimension"), "dimensionName")), "date");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(ob, 2), "dimension"), "dimensionName")), "deviceCategory");
	json_decref(j);
	free(body);
}

/* ---- mapping ------------------------------------------------------------- */

struct got {
	int n, skipped, fail_at;
	char line[16][200];
};

static int on_emit(void *ud, const struct ga4_metric *m)
{
	struct got *g = ud;

	if (g->fail_at && g->n + 1 == g->fail_at)
		return -10;
	if (g->n < 16)
		snprintf(g->line[g->n], sizeof g->line[0], "%s=%s %s..%s %s %s", m->name, m->value,
		    m->start, m->end, m->dims, m->unit ? m->unit : "-");
	g->n++;
	return 0;
}

static void on_skip(void *ud, size_t row, const char *why)
{
	struct got *g = ud;

	(void)row;
	(void)why;
	g->skipped++;
}

static int map(const char *text, struct got *g, struct ga4_page *page, char *err, size_t n)
{
	struct ga4_names dims = {3, g_dims, g_dkeys}, mets = {2, g_mets, g_mnames};
	struct ga4_sink sink = {on_emit, on_skip, g};
	json_t *j = json_loads(text, 0, NULL);
	int rc;

	assert_non_null(j);
	rc = ga4_map_report(j, &dims, &mets, &sink, page, err, n);
	json_decref(j);
	return rc;
}

static const char report[] =
    "{\"dimensionHeaders\":[{\"name\":\"sessionDefaultChannelGroup\"},{\"name\":\"date\"},"
    "{\"name\":\"country\"}],"
    "\"metricHeaders\":[{\"name\":\"sessions\",\"type\":\"TYPE_INTEGER\"},"
    "{\"name\":\"purchaseRevenue\",\"type\":\"TYPE_CURRENCY\"}],"
    "\"rows\":[{\"dimensionValues\":[{\"value\":\"Organic Search\"},{\"value\":\"20261130\"},"
    "{\"value\":\"Germany\"}],\"metricValues\":[{\"value\":\"123\"},{\"value\":\"45.5\"}]},"
    "{\"dimensionValues\":[{\"value\":\"Direct\"},{\"value\":\"(other)\"},{\"value\":\"X\"}],"
    "\"metricValues\":[{\"value\":\"1\"},{\"value\":\"2\"}]},"
    "{\"dimensionValues\":[{\"value\":\"Direct\"},{\"value\":\"20261201\"},"
    "{\"value\":\"France\"}],\"metricValues\":[{\"value\":\"7\"}]}],"
    "\"rowCount\":62,\"metadata\":{\"currencyCode\":\"EUR\",\"timeZone\":\"Europe/Berlin\"},"
    "\"kind\":\"analyticsData#runReport\"}";

static void test_map_report(void **st)
{
	struct got g = {0};
	struct ga4_page page;
	char err[128], want[11];
	long d;

	(void)st;
	assert_int_equal(map(report, &g, &page, err, sizeof err), 0);
	assert_int_equal(page.rows, 3);
	assert_int_equal(page.row_count, 62);
	assert_int_equal(ga4_day_parse("20261201", &d), 0);
	assert_int_equal(page.last_day, d);
	ga4_day_format(page.last_day, want);
	assert_string_equal(want, "2026-12-01");
	/* renamed dims by GA name (channel), default snake_case for others,
	 * sorted keys; the metric not in the renames gets web.<snake> */
	assert_int_equal(g.n, 3);
	assert_string_equal(g.line[0], "web.sessions=123 2026-11-30..2026-12-01 "
	    "{\"channel\":\"Organic Search\",\"country\":\"Germany\"} -");
	assert_string_equal(g.line[1], "web.purchase_revenue=45.5 2026-11-30..2026-12-01 "
	    "{\"channel\":\"Organic Search\",\"country\":\"Germany\"} EUR");
	assert_string_equal(g.line[2], "web.sessions=7 2026-12-01..2026-12-02 "
	    "{\"channel\":\"Direct\",\"country\":\"France\"} -");
	/* the (other) row and the missing revenue value */
	assert_int_equal(g.skipped, 2);
}

static void test_map_empty_and_bad(void **st)
{
	struct got g = {0};
	struct ga4_page page;
	char err[128];

	(void)st;
	/* no data: rows and rowCount left out */
	assert_int_equal(map("{\"dimensionHeaders\":[{\"name\":\"date\"}],\"metricHeaders\":"
	    "[{\"name\":\"sessions\",\"type\":\"TYPE_INTEGER\"}],\"kind\":\"analyticsData#runReport\"}",
	    &g, &page, err, sizeof err), 0);
	assert_int_equal(page.rows, 0);
	assert_int_equal(page.row_count, 0);
	assert_int_equal(page.last_day, -1);
	assert_int_equal(g.n, 0);
	assert_int_equal(map("{\"rows\":[]}", &g, &page, err, sizeof err), 0);
	/* rowCount as a string (int64 in JSON) */
	assert_int_equal(map("{\"rowCount\":\"12\"}", &g, &page, err, sizeof err), 0);
	assert_int_equal(page.row_count, 12);
	/* rows without a date dimension */
	assert_int_equal(map("{\"dimensionHeaders\":[{\"name\":\"country\"}],\"metricHeaders\":"
	    "[{\"name\":\"sessions\"}],\"rows\":[{\"dimensionValues\":[{\"value\":\"X\"}],"
	    "\"metricValues\":[{\"value\":\"1\"}]}]}", &g, &page, err, sizeof err), GA4_EPARSE);
	assert_non_null(strstr(err, "no date dimension"));
	assert_int_equal(map("{\"rows\":{}}", &g, &page, err, sizeof err), GA4_EPARSE);
	assert_int_equal(map("{\"dimensionHeaders\":[{}]}", &g, &page, err, sizeof err), GA4_EPARSE);
	assert_int_equal(map("[1]", &g, &page, err, sizeof err), GA4_EPARSE);
}

static void test_map_emit_error_stops(void **st)
{
	struct got g = {0};
	struct ga4_page page;
	char err[128];

	(void)st;
	g.fail_at = 2;
	assert_int_equal(map(report, &g, &page, err, sizeof err), -10);
	assert_int_equal(g.n, 1);
}

/* ---- errors -------------------------------------------------------------- */

static enum ga4_quota quota(long status, const char *body)
{
	struct ga4_error e;

	assert_int_equal(ga4_parse_error(body, strlen(body), &e), 0);
	return ga4_quota_kind(status, &e);
}

static void test_errors(void **st)
{
	struct ga4_error e;
	const char *b = "{\"error\":{\"code\":403,\"message\":\"User does not have sufficient "
	    "permissions for this property.\",\"status\":\"PERMISSION_DENIED\"}}";

	(void)st;
	assert_int_equal(ga4_parse_error(b, strlen(b), &e), 0);
	assert_int_equal(e.code, 403);
	assert_string_equal(e.status, "PERMISSION_DENIED");
	assert_string_equal(e.message, "User does not have sufficient permissions for this property.");
	assert_string_equal(e.reason, "");
	assert_int_equal(ga4_quota_kind(403, &e), GA4_NOT_QUOTA);
	assert_int_equal(ga4_parse_error("{\"error\":\"invalid_grant\"}", 25, &e), -1);
	assert_int_equal(ga4_parse_error("<html>", 6, &e), -1);
	assert_int_equal(ga4_parse_error(NULL, 0, &e), -1);

	assert_int_equal(quota(429, "{\"error\":{\"code\":429,\"message\":\"Exhausted property tokens "
	    "per day quota.\",\"status\":\"RESOURCE_EXHAUSTED\"}}"), GA4_QUOTA_SPENT);
	assert_int_equal(quota(429, "{\"error\":{\"code\":429,\"message\":\"Exhausted concurrent "
	    "requests quota.\",\"status\":\"RESOURCE_EXHAUSTED\"}}"), GA4_QUOTA_BUSY);
	assert_int_equal(quota(403, "{\"error\":{\"code\":403,\"message\":\"Quota exceeded for quota "
	    "metric 'Requests'\",\"status\":\"PERMISSION_DENIED\"}}"), GA4_QUOTA_SPENT);
	assert_int_equal(quota(403, "{\"error\":{\"code\":403,\"message\":\"x\",\"errors\":"
	    "[{\"reason\":\"rateLimitExceeded\"}]}}"), GA4_QUOTA_SPENT);
	assert_int_equal(quota(403, "{\"error\":{\"code\":403,\"message\":\"x\",\"status\":"
	    "\"PERMISSION_DENIED\",\"details\":[{\"reason\":\"RATE_LIMIT_EXCEEDED\"}]}}"),
	    GA4_QUOTA_SPENT);
	/* a 429 that is not Google's quota error: the host's retries */
	assert_int_equal(quota(429, "{\"error\":{\"code\":429,\"message\":\"slow down\"}}"),
	    GA4_NOT_QUOTA);
	assert_int_equal(quota(400, "{\"error\":{\"code\":400,\"message\":\"Field foo is not a valid "
	    "metric.\",\"status\":\"INVALID_ARGUMENT\"}}"), GA4_NOT_QUOTA);
	assert_int_equal(ga4_quota_kind(429, NULL), GA4_NOT_QUOTA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snake),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_request_body),
		cmocka_unit_test(test_map_report),
		cmocka_unit_test(test_map_empty_and_bad),
		cmocka_unit_test(test_map_emit_error_stops),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
