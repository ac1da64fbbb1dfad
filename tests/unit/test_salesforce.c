/*
 * Unit tests of plugins/salesforce/salesforce_map.c: SOQL text, cursors,
 * datetimes, amounts (exact through the host's money parser), error
 * bodies, Sforce-Limit-Info, extra, and the record maps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Unit tests are built without -Isdk: the SDK header by path first, so
 * salesforce_map.h does not look for <salesync/plugin.h>. */
#include "../../sdk/salesync/plugin.h"
#include "norm.h"
#include "salesforce/salesforce_map.h"

static json_t *parse(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);

	if (!j)
		fail_msg("bad test JSON: %s: %s", je.text, text);
	return j;
}

static void test_version(void **st)
{
	char v[16];

	(void)st;
	assert_int_equal(sf_version("62.0", v, sizeof v), 0);
	assert_string_equal(v, "62.0");
	assert_int_equal(sf_version("v66.0", v, sizeof v), 0);
	assert_string_equal(v, "66.0");
	assert_int_equal(sf_version("62", v, sizeof v), -1);
	assert_int_equal(sf_version("62.", v, sizeof v), -1);
	assert_int_equal(sf_version("6x.0", v, sizeof v), -1);
	assert_int_equal(sf_version("62.0/../x", v, sizeof v), -1);
	assert_int_equal(sf_version("", v, sizeof v), -1);
	assert_int_equal(sf_version(NULL, v, sizeof v), -1);
	assert_int_equal(sf_version("123456789.0", v, 8), -1);
}

static void test_fields_ok(void **st)
{
	(void)st;
	assert_true(sf_fields_ok(NULL));
	assert_true(sf_fields_ok(""));
	assert_true(sf_fields_ok("  "));
	assert_true(sf_fields_ok("Region__c"));
	assert_true(sf_fields_ok("Region__c, Owner.Name,Account.Owner.Email"));
	assert_false(sf_fields_ok("a,,b"));
	assert_false(sf_fields_ok("a,"));
	assert_false(sf_fields_ok("Name FROM Lead; x"));
	assert_false(sf_fields_ok("Id) FROM User WHERE (Id"));
	assert_false(sf_fields_ok("1abc"));
	assert_false(sf_fields_ok("Owner."));
	assert_false(sf_fields_ok("Owner..Name"));
	assert_false(sf_fields_ok("Name'"));
}

static void test_id_ok(void **st)
{
	(void)st;
	assert_true(sf_id_ok("00Q5g00000AbCdEEAV"));
	assert_true(sf_id_ok("00Q5g00000AbCdE"));
	assert_false(sf_id_ok("00Q5g00000AbCdEEA"));
	assert_false(sf_id_ok("00Q5g00000AbCd' OR Id != '"));
	assert_false(sf_id_ok(""));
	assert_false(sf_id_ok(NULL));
}

static void dt(const char *in, const char *want)
{
	char out[64];
	int rc = sf_soql_datetime(in, out, sizeof out);

	if (!want) {
		assert_int_equal(rc, -1);
		return;
	}
	assert_int_equal(rc, 0);
	assert_string_equal(out, want);
}

static void test_soql_datetime(void **st)
{
	(void)st;
	dt("2024-01-15T10:30:00.000+0000", "2024-01-15T10:30:00Z");
	dt("2024-01-15T10:30:00.000Z", "2024-01-15T10:30:00Z");
	dt("2024-01-15T10:30:00Z", "2024-01-15T10:30:00Z");
	dt("2024-01-15T10:30:00+00:00", "2024-01-15T10:30:00Z");
	dt("2024-01-15T10:30:00.120+0000", "2024-01-15T10:30:00.120Z");
	dt("2024-01-15T10:30:00.000+0100", "2024-01-15T10:30:00+01:00");
	dt("2024-01-15T10:30:00-05:30", "2024-01-15T10:30:00-05:30");
	dt("2024-01-15", NULL);
	dt("2024-01-15T10:30:00", NULL);
	dt("2024-01-15T10:30:00.+0000", NULL);
	dt("2024-01-15T10:30:00+000", NULL);
	dt("2024-01-15T10:30:00+0000 OR Id != null", NULL);
	dt("2024-01-15 10:30:00Z", NULL);
	dt("", NULL);
	dt(NULL, NULL);
}

static void test_cursor_and_soql(void **st)
{
	char ts[64], id[32];
	char *q;

	(void)st;
	assert_int_equal(sf_cursor_split("2024-01-15T10:30:00.000+0000|00Q5g00000AbCdEEAV",
	    ts, sizeof ts, id, sizeof id), 0);
	assert_string_equal(ts, "2024-01-15T10:30:00.000+0000");
	assert_string_equal(id, "00Q5g00000AbCdEEAV");
	assert_int_equal(sf_cursor_split("no bar", ts, sizeof ts, id, sizeof id), -1);
	assert_int_equal(sf_cursor_split("x|0123456789012345678901234567890123", ts, sizeof ts, id,
	    sizeof id), -1);

	q = sf_soql("Lead", "Id, SystemModstamp", NULL, NULL);
	assert_string_equal(q, "SELECT Id, SystemModstamp FROM Lead ORDER BY SystemModstamp, Id");
	free(q);
	q = sf_soql("Lead", "Id", "Region__c, Owner.Name", "2024-01-15T10:30:00.000+0000|00Q5g00000AbCdEEAV");
	assert_string_equal(q, "SELECT Id, Region__c, Owner.Name FROM Lead WHERE SystemModstamp > "
	    "2024-01-15T10:30:00Z OR (SystemModstamp = 2024-01-15T10:30:00Z AND Id > "
	    "'00Q5g00000AbCdEEAV') ORDER BY SystemModstamp, Id");
	free(q);
	q = sf_soql("Lead", "Id", "  ", NULL);
	assert_string_equal(q, "SELECT Id FROM Lead ORDER BY SystemModstamp, Id");
	free(q);
	/* A damaged cursor never reaches the query. */
	assert_null(sf_soql("Lead", "Id", NULL, "2024-01-15T10:30:00.000+0000|x' OR Id != '"));
	assert_null(sf_soql("Lead", "Id", NULL, "yesterday|00Q5g00000AbCdEEAV"));
	assert_null(sf_soql("Lead", "Id", NULL, "garbage"));
}

/* Amount text for a JSON number, then the host's exact money parser. */
static int64_t minor_of(const char *json_number, const char *currency)
{
	char text[64], buf[64];
	json_t *j;
	const char *a;
	int64_t minor = -1;

	snprintf(text, sizeof text, "[%s]", json_number);
	j = parse(text);
	a = sf_amount_text(json_array_get(j, 0), buf, sizeof buf);
	assert_non_null(a);
	assert_int_equal(norm_money(a, currency, &minor), 0);
	json_decref(j);
	return minor;
}

static void test_amounts(void **st)
{
	char buf[64];
	json_t *j;

	(void)st;
	assert_int_equal(minor_of("12345.67", "USD"), 1234567);
	assert_int_equal(minor_of("0.1", "USD"), 10);
	assert_int_equal(minor_of("1005.35", "EUR"), 100535);
	assert_int_equal(minor_of("2500", "USD"), 250000);
	assert_int_equal(minor_of("2500.0", "USD"), 250000);
	assert_int_equal(minor_of("-99.99", "USD"), -9999);
	assert_int_equal(minor_of("1250000.0", "JPY"), 1250000);
	assert_int_equal(minor_of("1234.567", "KWD"), 1234567);
	assert_int_equal(minor_of("9999999999999.99", "USD"), 999999999999999);
	assert_int_equal(minor_of("1e15", "USD"), 100000000000000000);
	assert_int_equal(minor_of("\"42.50\"", "USD"), 4250);

	j = parse("[null, true, 1e15, 123456789012345.6]");
	assert_null(sf_amount_text(json_array_get(j, 0), buf, sizeof buf));
	assert_null(sf_amount_text(json_array_get(j, 1), buf, sizeof buf));
	assert_null(sf_amount_text(json_object_get(j, "x"), buf, sizeof buf));
	assert_string_equal(sf_amount_text(json_array_get(j, 2), buf, sizeof buf), "1000000000000000.00");
	assert_null(strchr(sf_amount_text(json_array_get(j, 3), buf, sizeof buf), 'e'));
	json_decref(j);
}

/* Every amount of up to 15 significant digits survives the trip through a
 * double exactly: a cheap linear congruential sweep over cents. */
static void test_amounts_exact_sweep(void **st)
{
	uint64_t x = 88172645463325252ull;

	(void)st;
	for (int i = 0; i < 20000; i++) {
		char text[64];
		int64_t cents, got;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		cents = (int64_t)(x % 1000000000000000ull) * (i % 2 ? 1 : -1);
		if (i % 3 == 0)
			cents %= 100000; /* small amounts too */
		snprintf(text, sizeof text, "%s%lld.%02lld", cents < 0 ? "-" : "",
		    (long long)(llabs(cents) / 100), (long long)(llabs(cents) % 100));
		got = minor_of(text, "USD");
		if (got != cents)
			fail_msg("%s came back as %lld minor units", text, (long long)got);
	}
}

static void test_probability_and_stage(void **st)
{
	json_t *j = parse("[10.0, 0, 100, 150, -5, null, \"50\"]");
	json_t *r;

	(void)st;
	assert_true(sf_probability(json_array_get(j, 0)) > 0.0999 && sf_probability(json_array_get(j, 0)) < 0.1001);
	assert_true(sf_probability(json_array_get(j, 1)) == 0.0);
	assert_true(sf_probability(json_array_get(j, 2)) == 1.0);
	assert_true(sf_probability(json_array_get(j, 3)) == 1.0);
	assert_true(sf_probability(json_array_get(j, 4)) == 0.0);
	assert_true(sf_probability(json_array_get(j, 5)) < 0);
	assert_true(sf_probability(json_array_get(j, 6)) < 0);
	json_decref(j);

	r = parse("{\"IsClosed\": true, \"IsWon\": true}");
	assert_string_equal(sf_stage(r), "won");
	json_decref(r);
	r = parse("{\"IsClosed\": true, \"IsWon\": false}");
	assert_string_equal(sf_stage(r), "lost");
	json_decref(r);
	r = parse("{\"IsClosed\": false, \"IsWon\": false}");
	assert_string_equal(sf_stage(r), "open");
	json_decref(r);
	r = parse("{\"IsClosed\": null}");
	assert_null(sf_stage(r));
	json_decref(r);
}

static void err(const char *body, const char *code, const char *msg)
{
	char c[64], m[128];

	sf_error_parse(body, body ? strlen(body) : 0, c, sizeof c, m, sizeof m);
	assert_string_equal(c, code);
	assert_string_equal(m, msg);
}

static void test_error_parse(void **st)
{
	(void)st;
	err("[{\"message\":\"Session expired or invalid\",\"errorCode\":\"INVALID_SESSION_ID\"}]",
	    "INVALID_SESSION_ID", "Session expired or invalid");
	err("[{\"message\":\"TotalRequests Limit exceeded.\",\"errorCode\":\"REQUEST_LIMIT_EXCEEDED\"},"
	    "{\"message\":\"second\",\"errorCode\":\"X\"}]", "REQUEST_LIMIT_EXCEEDED",
	    "TotalRequests Limit exceeded.");
	err("[{\"message\":\"\\nFoo\\n^\\nERROR at Row:1\",\"errorCode\":\"INVALID_FIELD\"}]",
	    "INVALID_FIELD", " Foo ^ ERROR at Row:1");
	err("{\"error\":\"invalid_grant\",\"error_description\":\"expired access/refresh token\"}",
	    "invalid_grant", "expired access/refresh token");
	err("<html>\n<h1>Maintenance</h1></html>", "", "<html> <h1>Maintenance</h1></html>");
	err("", "", "");
	err(NULL, "", "");
}

static void test_limit_info(void **st)
{
	long u = 0, m = 0;

	(void)st;
	assert_int_equal(sf_limit_info("api-usage=18/15000", &u, &m), 0);
	assert_int_equal(u, 18);
	assert_int_equal(m, 15000);
	assert_int_equal(sf_limit_info("per-app-api-usage=17/250(appName=sample), api-usage=25/5000",
	    &u, &m), 0);
	assert_int_equal(u, 25);
	assert_int_equal(m, 5000);
	assert_int_equal(sf_limit_info("per-app-api-usage=17/250(appName=sample)", &u, &m), -1);
	assert_int_equal(sf_limit_info("api-usage=x/1", &u, &m), -1);
	assert_int_equal(sf_limit_info("api-usage=1/0", &u, &m), -1);
	assert_int_equal(sf_limit_info(NULL, &u, &m), -1);
}

static void test_extra(void **st)
{
	static const char *const mapped[] = {"Id", "Account.Name", NULL};
	json_t *r = parse("{\"attributes\":{\"type\":\"Contact\",\"url\":\"/x\"},\"Id\":\"003A\","
	    "\"Account\":{\"attributes\":{\"type\":\"Account\"},\"Name\":\"Acme\",\"Industry\":\"Retail\"},"
	    "\"Discount__c\":0.1,\"Seats__c\":12,\"Empty__c\":null,\"VIP__c\":true,"
	    "\"Note__c\":\"Zoë \\\"quoted\\\"\",\"Owner\":null}");
	char *x = sf_extra(r, mapped, "Contact");

	(void)st;
	assert_string_equal(x, "{\"Account.Industry\":\"Retail\",\"Discount__c\":\"0.1\","
	    "\"Note__c\":\"Zoë \\\"quoted\\\"\",\"Seats__c\":12,\"VIP__c\":true,\"sobject\":\"Contact\"}");
	free(x);
	json_decref(r);
	r = parse("{\"Id\":\"003A\",\"Other\":null}");
	assert_null(sf_extra(r, mapped, NULL));
	json_decref(r);
}

static void test_map_lead_and_contact(void **st)
{
	struct sf_scratch sc = {{0}, NULL};
	struct ss_lead l = SS_LEAD_INIT;
	json_t *r = parse("{\"attributes\":{\"type\":\"Lead\"},\"Id\":\"00Q5g00000AbCdEEAV\","
	    "\"FirstName\":\"Zoë\",\"LastName\":\"O'Brien\",\"Email\":\"Zoe@Acme.IO\",\"Company\":\"Acme\","
	    "\"Title\":null,\"Phone\":null,\"MobilePhone\":\"+44 7700 900000\",\"Status\":\"Closed - Converted\","
	    "\"LeadSource\":\"Web\",\"OwnerId\":\"0055g00000AbCdEAAV\",\"IsConverted\":true,"
	    "\"ConvertedDate\":\"2024-02-01\",\"ConvertedOpportunityId\":\"0065g00000AbCdEAAV\","
	    "\"CreatedDate\":\"2024-01-15T10:30:00.000+0000\",\"LastModifiedDate\":\"2024-02-01T08:00:00.000+0000\","
	    "\"SystemModstamp\":\"2024-02-01T08:00:00.000+0000\",\"LastActivityDate\":\"2024-01-31\","
	    "\"IsDeleted\":false}");

	(void)st;
	sf_map_lead(r, &l, &sc);
	assert_string_equal(l.id, "00Q5g00000AbCdEEAV");
	assert_string_equal(l.first_name, "Zoë");
	assert_string_equal(l.last_name, "O'Brien");
	assert_null(l.title);
	assert_string_equal(l.phone, "+44 7700 900000");
	assert_string_equal(l.status, "converted");
	assert_string_equal(l.status_raw, "Closed - Converted");
	assert_string_equal(l.channel, "Web");
	assert_string_equal(l.converted_at, "2024-02-01");
	assert_string_equal(l.last_activity_at, "2024-01-31");
	assert_string_equal(l.updated_at, "2024-02-01T08:00:00.000+0000");
	assert_int_equal(l.deleted, 0);
	assert_string_equal(l.extra, "{\"ConvertedOpportunityId\":\"0065g00000AbCdEAAV\","
	    "\"IsConverted\":true,\"MobilePhone\":\"+44 7700 900000\",\"sobject\":\"Lead\"}");
	sf_scratch_free(&sc);
	json_decref(r);

	/* Not converted: the host maps Status; deleted comes from IsDeleted. */
	r = parse("{\"Id\":\"00Q5g00000AbCdFEAV\",\"Status\":\"Working - Contacted\","
	    "\"IsConverted\":false,\"ConvertedDate\":null,\"IsDeleted\":true}");
	memset(&l, 0, sizeof l);
	sf_map_lead(r, &l, &sc);
	assert_null(l.status);
	assert_null(l.converted_at);
	assert_int_equal(l.deleted, 1);
	sf_scratch_free(&sc);
	json_decref(r);

	r = parse("{\"Id\":\"0035g00000AbCdEAAV\",\"FirstName\":\"Mei\",\"Email\":null,"
	    "\"AccountId\":\"0015g00000AbCdEAAV\",\"Account\":{\"attributes\":{\"type\":\"Account\"},"
	    "\"Name\":\"Globex Ltd.\"},\"LeadSource\":\"Partner Referral\",\"IsDeleted\":false}");
	memset(&l, 0, sizeof l);
	sf_map_contact(r, &l, &sc);
	assert_string_equal(l.company, "Globex Ltd.");
	assert_null(l.email);
	assert_null(l.status);
	assert_string_equal(l.channel, "Partner Referral");
	assert_string_equal(l.extra, "{\"AccountId\":\"0015g00000AbCdEAAV\",\"sobject\":\"Contact\"}");
	sf_scratch_free(&sc);
	json_decref(r);

	r = parse("{\"Id\":\"0035g00000AbCdFAAV\",\"Account\":null}");
	memset(&l, 0, sizeof l);
	sf_map_contact(r, &l, &sc);
	assert_null(l.company);
	sf_scratch_free(&sc);
	json_decref(r);
}

static void test_map_opportunity_and_user(void **st)
{
	struct sf_scratch sc = {{0}, NULL};
	struct ss_deal d = SS_DEAL_INIT;
	struct ss_rep u = SS_REP_INIT;
	json_t *r = parse("{\"Id\":\"0065g00000AbCdEAAV\",\"Name\":\"Big deal\",\"Amount\":25000.1,"
	    "\"CurrencyIsoCode\":\"EUR\",\"StageName\":\"Closed Won\",\"Probability\":100.0,"
	    "\"CloseDate\":\"2024-03-01\",\"IsClosed\":true,\"IsWon\":true,\"OwnerId\":\"0055g00000AbCdEAAV\","
	    "\"Discount__c\":0.15,\"IsDeleted\":false}");

	(void)st;
	sf_map_opportunity(r, &d, &sc);
	assert_string_equal(d.amount, "25000.1");
	assert_string_equal(d.currency, "EUR");
	assert_string_equal(d.stage, "won");
	assert_string_equal(d.stage_raw, "Closed Won");
	assert_true(d.probability == 1.0);
	assert_string_equal(d.close_date, "2024-03-01");
	assert_string_equal(d.closed_at, "2024-03-01");
	assert_null(d.lead_id);
	assert_string_equal(d.extra, "{\"Discount__c\":\"0.15\",\"IsClosed\":true,\"IsWon\":true}");
	sf_scratch_free(&sc);
	json_decref(r);

	r = parse("{\"Id\":\"0065g00000AbCdFAAV\",\"Amount\":null,\"StageName\":\"Prospecting\","
	    "\"Probability\":null,\"IsClosed\":false,\"IsWon\":false,\"CloseDate\":\"2024-03-01\"}");
	d = (struct ss_deal)SS_DEAL_INIT;
	sf_map_opportunity(r, &d, &sc);
	assert_null(d.amount);
	assert_null(d.currency);
	assert_string_equal(d.stage, "open");
	assert_true(d.probability < 0);
	assert_null(d.closed_at);
	sf_scratch_free(&sc);
	json_decref(r);

	r = parse("{\"Id\":\"0055g00000AbCdEAAV\",\"Name\":\"Ana Ruiz\",\"Email\":\"Ana@Acme.io\","
	    "\"IsActive\":false,\"Department\":\"East\",\"CreatedDate\":\"2023-01-01T00:00:00.000+0000\"}");
	sf_map_user(r, &u);
	assert_string_equal(u.name, "Ana Ruiz");
	assert_string_equal(u.team, "East");
	assert_int_equal(u.active, 0);
	assert_int_equal(u.deleted, 0);
	json_decref(r);
}

static void test_buf(void **st)
{
	struct sf_buf b = {0};
	char *s;

	(void)st;
	for (int i = 0; i < 1000; i++)
		sf_buf_addf(&b, "%d,", i);
	sf_buf_add(&b, "end");
	s = sf_buf_take(&b);
	assert_non_null(s);
	assert_true(strlen(s) > 3000);
	assert_string_equal(s + strlen(s) - 7, "999,end");
	free(s);
	assert_null(b.s);
	s = sf_buf_take(&b);
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_fields_ok),
		cmocka_unit_test(test_id_ok),
		cmocka_unit_test(test_soql_datetime),
		cmocka_unit_test(test_cursor_and_soql),
		cmocka_unit_test(test_amounts),
		cmocka_unit_test(test_amounts_exact_sweep),
		cmocka_unit_test(test_probability_and_stage),
		cmocka_unit_test(test_error_parse),
		cmocka_unit_test(test_limit_info),
		cmocka_unit_test(test_extra),
		cmocka_unit_test(test_map_lead_and_contact),
		cmocka_unit_test(test_map_opportunity_and_user),
		cmocka_unit_test(test_buf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
