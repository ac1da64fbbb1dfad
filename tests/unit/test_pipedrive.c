/*
 * Unit tests of plugins/pipedrive/pipedrive_map.c: Pipedrive JSON →
 * records, primary email/phone, exact amounts, probabilities, extra,
 * lookup tables, the tie-safe cursor and the base URL root.
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
 * pipedrive_map.h does not look for <salesync/plugin.h>. */
#include "../../sdk/salesync/plugin.h"
#include "pipedrive/pipedrive_map.h"

static json_t *js(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &e);

	if (!j)
		fail_msg("bad JSON in test: %s: %s", e.text, text);
	return j;
}

static void test_id_text(void **st)
{
	char b[PD_TEXT_MAX];
	json_t *j;
	long long n;

	(void)st;
	j = js("[42, \"abc\", 7.0, 7.5, null, \"\", {\"id\": 9, \"name\": \"x\"}, {\"value\": 11}, 1234567890123]");
	assert_string_equal(pd_id_text(json_array_get(j, 0), b, sizeof b), "42");
	assert_string_equal(pd_id_text(json_array_get(j, 1), b, sizeof b), "abc");
	assert_string_equal(pd_id_text(json_array_get(j, 2), b, sizeof b), "7");
	assert_null(pd_id_text(json_array_get(j, 3), b, sizeof b));
	assert_null(pd_id_text(json_array_get(j, 4), b, sizeof b));
	assert_null(pd_id_text(json_array_get(j, 5), b, sizeof b));
	assert_string_equal(pd_id_text(json_array_get(j, 6), b, sizeof b), "9");
	assert_string_equal(pd_id_text(json_array_get(j, 7), b, sizeof b), "11");
	assert_string_equal(pd_id_text(json_array_get(j, 8), b, sizeof b), "1234567890123");
	assert_null(pd_id_text(NULL, b, sizeof b));
	assert_null(pd_id_text(json_array_get(j, 8), b, 4)); /* does not fit */
	assert_int_equal(pd_id_number(json_array_get(j, 0), &n), 0);
	assert_int_equal(n, 42);
	assert_int_equal(pd_id_number(json_array_get(j, 1), &n), -1);
	json_decref(j);
}

static void test_pick_primary(void **st)
{
	json_t *j;

	(void)st;
	j = js("[{\"value\":\"a@x\",\"primary\":false},{\"value\":\"b@x\",\"primary\":true}]");
	assert_string_equal(pd_pick_primary(j), "b@x");
	json_decref(j);
	j = js("[{\"value\":\"a@x\",\"primary\":false},{\"value\":\"b@x\"}]");
	assert_string_equal(pd_pick_primary(j), "a@x");
	json_decref(j);
	/* An empty primary does not win over a real value. */
	j = js("[{\"value\":\"\",\"primary\":true},{\"value\":\"c@x\",\"primary\":false}]");
	assert_string_equal(pd_pick_primary(j), "c@x");
	json_decref(j);
	j = js("[]");
	assert_null(pd_pick_primary(j));
	json_decref(j);
	assert_null(pd_pick_primary(NULL));
	j = js("\"not a list\"");
	assert_null(pd_pick_primary(j));
	json_decref(j);
}

static void test_amount_text(void **st)
{
	char b[PD_TEXT_MAX];
	json_t *j;

	(void)st;
	j = js("[1234.56, 0.1, 5000, 99999999.99, \"12.50\", null, true, 123456789012345.6, -42.5, 1e21]");
	assert_string_equal(pd_amount_text(json_array_get(j, 0), b, sizeof b), "1234.56");
	assert_string_equal(pd_amount_text(json_array_get(j, 1), b, sizeof b), "0.1");
	assert_string_equal(pd_amount_text(json_array_get(j, 2), b, sizeof b), "5000");
	assert_string_equal(pd_amount_text(json_array_get(j, 3), b, sizeof b), "99999999.99");
	assert_string_equal(pd_amount_text(json_array_get(j, 4), b, sizeof b), "12.50");
	assert_null(pd_amount_text(json_array_get(j, 5), b, sizeof b));
	assert_null(pd_amount_text(json_array_get(j, 6), b, sizeof b));
	/* 16 significant digits: rounded to 15, never printed with noise */
	assert_string_equal(pd_amount_text(json_array_get(j, 7), b, sizeof b), "123456789012346");
	assert_string_equal(pd_amount_text(json_array_get(j, 8), b, sizeof b), "-42.5");
	assert_string_equal(pd_amount_text(json_array_get(j, 9), b, sizeof b), "1e+21");
	json_decref(j);
}

static void test_probability(void **st)
{
	json_t *j = js("[70, null, 150, -5, 0, 12.5]");

	(void)st;
	assert_true(pd_probability(json_array_get(j, 0), 20) == 0.7);
	assert_true(pd_probability(json_array_get(j, 1), 20) == 0.2);
	assert_true(pd_probability(json_array_get(j, 1), -1) < 0);
	assert_true(pd_probability(json_array_get(j, 2), 50) == 0.5); /* out of range: the stage's */
	assert_true(pd_probability(json_array_get(j, 3), -1) < 0);
	assert_true(pd_probability(json_array_get(j, 4), 80) == 0.0);  /* 0 is a real value */
	assert_true(pd_probability(json_array_get(j, 5), -1) == 0.125);
	assert_true(pd_probability(NULL, 100) == 1.0);
	json_decref(j);
}

static void test_extra(void **st)
{
	static const char *const mapped[] = {"id", "name", NULL};
	json_t *j;
	char *x;

	(void)st;
	j = js("{\"id\":1,\"name\":\"n\",\"org_id\":3,\"gone\":null,\"amount\":1234.56,"
	       "\"custom_fields\":{\"d4de1c1518b4531717c676029a45911c340390a6\":\"Gold\","
	       "\"9b3a1f0c2e4d5a6b7c8d9e0f1a2b3c4d5e6f7a8b\":null,"
	       "\"5f2e8a1b3c4d6e7f8091a2b3c4d5e6f708192a3b\":{\"value\":0.1,\"currency\":\"EUR\"},"
	       "\"org_id\":\"clash\"},"
	       "\"tags\":[1.5,2]}");
	x = pd_extra(j, mapped);
	assert_non_null(x);
	assert_string_equal(x,
	    "{\"5f2e8a1b3c4d6e7f8091a2b3c4d5e6f708192a3b\":{\"currency\":\"EUR\",\"value\":\"0.1\"},"
	    "\"amount\":\"1234.56\",\"custom_fields.org_id\":\"clash\","
	    "\"d4de1c1518b4531717c676029a45911c340390a6\":\"Gold\",\"org_id\":3,\"tags\":[\"1.5\",2]}");
	free(x);
	json_decref(j);
	/* Nothing left: NULL, not "{}". */
	j = js("{\"id\":1,\"name\":null,\"custom_fields\":{\"k\":null}}");
	assert_null(pd_extra(j, mapped));
	json_decref(j);
}

static void test_table(void **st)
{
	struct pd_table t = {0};
	const struct pd_entry *e;
	json_t *j;

	(void)st;
	j = js("[{\"id\":3,\"name\":\"Proposal\",\"deal_probability\":50},"
	       "{\"id\":1,\"name\":\"Lead In\",\"deal_probability\":null},"
	       "{\"name\":\"no id\"},{\"id\":2,\"name\":\"Won?\",\"deal_probability\":100}]");
	assert_int_equal(pd_table_add_stages(&t, j), 3);
	json_decref(j);
	e = pd_table_find(&t, 3);
	assert_non_null(e);
	assert_string_equal(e->name, "Proposal");
	assert_true(e->percent == 50);
	e = pd_table_find(&t, 1);
	assert_non_null(e);
	assert_true(e->percent < 0);
	assert_null(pd_table_find(&t, 4));
	/* replace, and remember an unknown one */
	assert_int_equal(pd_table_put(&t, 3, "Proposal Made", 60), 0);
	assert_int_equal(pd_table_put(&t, 99, NULL, -1), 0);
	assert_string_equal(pd_table_find(&t, 3)->name, "Proposal Made");
	assert_null(pd_table_find(&t, 99)->name);
	assert_int_equal((int)t.n, 4);
	for (long long i = 1000; i > 900; i--)
		assert_int_equal(pd_table_put(&t, i, "x", -1), 0);
	assert_non_null(pd_table_find(&t, 950));
	pd_table_free(&t);
	assert_null(pd_table_find(&t, 3));
}

static void test_user(void **st)
{
	struct ss_rep r = SS_REP_INIT;
	struct pd_buf b;
	json_t *j;

	(void)st;
	j = js("{\"id\":7,\"name\":\"Sam Lee\",\"email\":\"Sam@Acme.io\",\"active_flag\":false,"
	       "\"is_deleted\":true,\"created\":\"2018-11-13 09:16:26\",\"modified\":\"2019-01-02 03:04:05\"}");
	assert_int_equal(pd_map_user(j, &b, &r), 0);
	assert_string_equal(r.id, "7");
	assert_string_equal(r.email, "Sam@Acme.io");
	assert_string_equal(r.name, "Sam Lee");
	assert_int_equal(r.active, 0);
	assert_int_equal(r.deleted, 1);
	assert_string_equal(r.created_at, "2018-11-13 09:16:26");
	assert_string_equal(r.updated_at, "2019-01-02 03:04:05");
	pd_buf_free(&b);
	json_decref(j);
	j = js("{\"name\":\"no id\"}");
	assert_int_equal(pd_map_user(j, &b, &r), -1);
	pd_buf_free(&b);
	json_decref(j);
}

static void test_person(void **st)
{
	struct ss_lead l = SS_LEAD_INIT;
	struct pd_table orgs = {0};
	struct pd_buf b;
	json_t *j;

	(void)st;
	assert_int_equal(pd_table_put(&orgs, 3, "Société Générale", -1), 0);
	j = js("{\"id\":1,\"name\":\"Ana Ruiz\",\"first_name\":\"Ana\",\"last_name\":\"Ruiz\","
	       "\"owner_id\":7,\"org_id\":3,\"add_time\":\"2025-01-01T09:00:00Z\","
	       "\"update_time\":\"2025-02-01T10:20:00Z\",\"job_title\":\"CTO\","
	       "\"emails\":[{\"value\":\"old@acme.io\",\"primary\":false},{\"value\":\"Ana@Acme.io\",\"primary\":true}],"
	       "\"phones\":[{\"value\":\"+15550100\",\"primary\":true,\"label\":\"mobile\"}],"
	       "\"is_deleted\":false,\"visible_to\":3,\"label_ids\":[],\"picture_id\":null,"
	       "\"custom_fields\":{\"d4de1c1518b4531717c676029a45911c340390a6\":12.5}}");
	assert_int_equal(pd_map_person(j, &orgs, &b, &l), 0);
	assert_string_equal(l.id, "1");
	assert_string_equal(l.email, "Ana@Acme.io");
	assert_string_equal(l.phone, "+15550100");
	assert_string_equal(l.first_name, "Ana");
	assert_string_equal(l.last_name, "Ruiz");
	assert_string_equal(l.company, "Société Générale");
	assert_string_equal(l.title, "CTO");
	assert_string_equal(l.owner_id, "7");
	assert_string_equal(l.created_at, "2025-01-01T09:00:00Z");
	assert_string_equal(l.updated_at, "2025-02-01T10:20:00Z");
	assert_null(l.status);
	assert_int_equal(l.deleted, 0);
	/* Two emails: both stay in extra; the lone phone is mapped only. */
	assert_string_equal(l.extra,
	    "{\"d4de1c1518b4531717c676029a45911c340390a6\":\"12.5\","
	    "\"emails\":[{\"primary\":false,\"value\":\"old@acme.io\"},{\"primary\":true,\"value\":\"Ana@Acme.io\"}],"
	    "\"label_ids\":[],\"org_id\":3,\"visible_to\":3}");
	pd_buf_free(&b);
	json_decref(j);

	/* Only a full name, no org known, no emails, deleted. */
	j = js("{\"id\":\"2\",\"name\":\"  María José Ødegaard\",\"first_name\":null,\"last_name\":null,"
	       "\"org_id\":4,\"owner_id\":{\"id\":8,\"name\":\"x\"},\"emails\":[],\"phones\":null,"
	       "\"is_deleted\":true}");
	memset(&l, 0, sizeof l);
	l.struct_size = sizeof l;
	assert_int_equal(pd_map_person(j, &orgs, &b, &l), 0);
	assert_string_equal(l.first_name, "María");
	assert_string_equal(l.last_name, "José Ødegaard");
	assert_null(l.company);
	assert_null(l.email);
	assert_null(l.phone);
	assert_string_equal(l.owner_id, "8");
	assert_int_equal(l.deleted, 1);
	assert_string_equal(l.extra, "{\"org_id\":4}"); /* an empty list is no news */
	pd_buf_free(&b);
	json_decref(j);
	pd_table_free(&orgs);
}

static void test_deal(void **st)
{
	struct ss_deal d = SS_DEAL_INIT;
	struct pd_table stages = {0};
	struct pd_buf b;
	json_t *j;

	(void)st;
	assert_int_equal(pd_table_put(&stages, 3, "Proposal Made", 50), 0);
	j = js("{\"id\":11,\"title\":\"Big deal\",\"owner_id\":7,\"person_id\":1,\"org_id\":3,"
	       "\"pipeline_id\":1,\"stage_id\":3,\"value\":1234.56,\"currency\":\"EUR\","
	       "\"add_time\":\"2025-01-01T09:00:00Z\",\"update_time\":\"2025-02-01T10:20:00Z\","
	       "\"is_deleted\":false,\"is_archived\":false,\"status\":\"won\",\"probability\":null,"
	       "\"close_time\":null,\"won_time\":\"2025-02-01T10:00:00Z\",\"lost_time\":null,"
	       "\"expected_close_date\":\"2025-03-01\",\"label_ids\":[],"
	       "\"custom_fields\":{\"5f2e8a1b3c4d6e7f8091a2b3c4d5e6f708192a3b\":{\"value\":99.9,\"currency\":\"EUR\"}}}");
	assert_int_equal(pd_map_deal(j, &stages, 0, &b, &d), 0);
	assert_string_equal(d.id, "11");
	assert_string_equal(d.name, "Big deal");
	assert_string_equal(d.amount, "1234.56");
	assert_string_equal(d.currency, "EUR");
	assert_string_equal(d.stage, "won");
	assert_string_equal(d.stage_raw, "Proposal Made");
	assert_true(d.probability == 0.5);
	assert_string_equal(d.close_date, "2025-03-01");
	assert_string_equal(d.owner_id, "7");
	assert_string_equal(d.lead_id, "1");
	assert_string_equal(d.closed_at, "2025-02-01T10:00:00Z");
	assert_int_equal(d.deleted, 0);
	assert_string_equal(d.extra,
	    "{\"5f2e8a1b3c4d6e7f8091a2b3c4d5e6f708192a3b\":{\"currency\":\"EUR\",\"value\":\"99.9\"},"
	    "\"is_archived\":false,\"label_ids\":[],\"org_id\":3,\"pipeline_id\":1,\"stage_id\":3,"
	    "\"won_time\":\"2025-02-01T10:00:00Z\"}");
	pd_buf_free(&b);

	/* Without the amount: value and currency move to extra. */
	memset(&d, 0, sizeof d);
	d.struct_size = sizeof d;
	assert_int_equal(pd_map_deal(j, &stages, PD_DEAL_NO_AMOUNT, &b, &d), 0);
	assert_null(d.amount);
	assert_null(d.currency);
	assert_non_null(strstr(d.extra, "\"currency\":\"EUR\",\"is_archived\""));
	assert_non_null(strstr(d.extra, "\"value\":\"1234.56\""));
	pd_buf_free(&b);
	json_decref(j);

	/* Deleted, unknown stage, own probability, null amount. */
	j = js("{\"id\":12,\"title\":\"x\",\"stage_id\":77,\"value\":null,\"currency\":\"USD\","
	       "\"status\":\"deleted\",\"probability\":35,\"person_id\":null,\"close_time\":\"2025-01-05T00:00:00Z\"}");
	memset(&d, 0, sizeof d);
	d.struct_size = sizeof d;
	assert_int_equal(pd_map_deal(j, &stages, 0, &b, &d), 0);
	assert_null(d.amount);
	assert_null(d.stage);
	assert_null(d.stage_raw);
	assert_null(d.lead_id);
	assert_true(d.probability == 0.35);
	assert_int_equal(d.deleted, 1);
	assert_string_equal(d.closed_at, "2025-01-05T00:00:00Z");
	assert_string_equal(d.extra, "{\"stage_id\":77}");
	pd_buf_free(&b);
	json_decref(j);

	/* Open, stage probability, is_deleted flag. */
	j = js("{\"id\":13,\"stage_id\":3,\"value\":5000,\"status\":\"open\",\"is_deleted\":true}");
	memset(&d, 0, sizeof d);
	d.struct_size = sizeof d;
	assert_int_equal(pd_map_deal(j, &stages, 0, &b, &d), 0);
	assert_string_equal(d.amount, "5000");
	assert_string_equal(d.stage, "open");
	assert_true(d.probability == 0.5);
	assert_int_equal(d.deleted, 1);
	assert_null(d.closed_at);
	pd_buf_free(&b);
	json_decref(j);
	pd_table_free(&stages);
}

static char *fmt(const struct pd_cursor *c)
{
	static char buf[4096];
	char *t = pd_cursor_format(c);

	snprintf(buf, sizeof buf, "%s", t ? t : "(null)");
	free(t);
	return buf;
}

static void test_cursor(void **st)
{
	struct pd_cursor c, d;

	(void)st;
	assert_int_equal(pd_cursor_parse(&c, NULL), 0);
	assert_string_equal(fmt(&c), "(null)");
	assert_int_equal(pd_cursor_seen(&c, "2025-01-01T00:00:00Z", "1"), 0);
	assert_int_equal(pd_cursor_advance(&c, "2025-01-01T00:00:00Z", "5"), 0);
	assert_int_equal(pd_cursor_advance(&c, "2025-01-01T00:00:00Z", "3"), 0);
	assert_int_equal(pd_cursor_advance(&c, "2025-01-01T00:00:00Z", "5"), 0); /* no duplicate */
	assert_string_equal(fmt(&c), "2025-01-01T00:00:00Z|5,3");
	assert_int_equal(pd_cursor_advance(&c, "2025-01-01T00:01:00Z", "1"), 0);
	assert_string_equal(fmt(&c), "2025-01-01T00:01:00Z|1");
	/* A record without a time or id does not move the cursor. */
	assert_int_equal(pd_cursor_advance(&c, NULL, "2"), 0);
	assert_int_equal(pd_cursor_advance(&c, "2025-01-01T00:02:00Z", NULL), 0);
	assert_string_equal(fmt(&c), "2025-01-01T00:01:00Z|1");
	pd_cursor_free(&c);

	assert_int_equal(pd_cursor_parse(&c, "2025-01-01T00:00:00Z|5,3,15"), 0);
	assert_int_equal((int)c.nids, 3);
	assert_int_equal(pd_cursor_seen(&c, "2025-01-01T00:00:00Z", "5"), 1);
	assert_int_equal(pd_cursor_seen(&c, "2025-01-01T00:00:00Z", "15"), 1);
	assert_int_equal(pd_cursor_seen(&c, "2025-01-01T00:00:00Z", "1"), 0);  /* not a prefix match */
	assert_int_equal(pd_cursor_seen(&c, "2025-01-01T00:00:00Z", "53"), 0);
	assert_int_equal(pd_cursor_seen(&c, "2025-01-01T00:00:01Z", "5"), 0);  /* another time */
	assert_int_equal(pd_cursor_seen(&c, NULL, "5"), 0);
	assert_int_equal(pd_cursor_copy(&d, &c), 0);
	assert_int_equal(pd_cursor_advance(&d, "2025-01-01T00:00:00Z", "7"), 0);
	assert_string_equal(fmt(&d), "2025-01-01T00:00:00Z|5,3,15,7");
	assert_string_equal(fmt(&c), "2025-01-01T00:00:00Z|5,3,15"); /* the copy is separate */
	pd_cursor_free(&d);
	pd_cursor_free(&c);

	/* "time|" (no ids) and "time" (overflowed: ties come again). */
	assert_int_equal(pd_cursor_parse(&c, "2025-01-01T00:00:00Z|"), 0);
	assert_int_equal(pd_cursor_seen(&c, "2025-01-01T00:00:00Z", "5"), 0);
	assert_string_equal(fmt(&c), "2025-01-01T00:00:00Z|");
	pd_cursor_free(&c);
	assert_int_equal(pd_cursor_parse(&c, "2025-01-01T00:00:00Z"), 0);
	assert_int_equal(c.overflow, 1);
	assert_int_equal(pd_cursor_advance(&c, "2025-01-01T00:00:00Z", "9"), 0);
	assert_string_equal(fmt(&c), "2025-01-01T00:00:00Z");
	assert_int_equal(pd_cursor_advance(&c, "2025-01-01T00:00:05Z", "9"), 0);
	assert_string_equal(fmt(&c), "2025-01-01T00:00:05Z|9");
	pd_cursor_free(&c);

	/* Malformed. */
	assert_int_equal(pd_cursor_parse(&c, "|1,2"), -1);
	assert_string_equal(fmt(&c), "(null)");
	assert_int_equal(pd_cursor_parse(&c,
	    "2025-01-01T00:00:00Z-this-is-far-too-long-to-be-a-time-stamp-at-all-really|1"), -1);
}

static void test_cursor_overflow(void **st)
{
	struct pd_cursor c;
	char id[16];

	(void)st;
	assert_int_equal(pd_cursor_parse(&c, NULL), 0);
	for (int i = 0; i < PD_CURSOR_MAX_IDS; i++) {
		snprintf(id, sizeof id, "%d", i + 1);
		assert_int_equal(pd_cursor_advance(&c, "2025-01-01T00:00:00Z", id), 0);
	}
	assert_int_equal(c.overflow, 0);
	assert_int_equal((int)c.nids, PD_CURSOR_MAX_IDS);
	assert_int_equal(pd_cursor_advance(&c, "2025-01-01T00:00:00Z", "100000"), 0);
	assert_int_equal(c.overflow, 1);
	assert_string_equal(fmt(&c), "2025-01-01T00:00:00Z");
	assert_int_equal(pd_cursor_seen(&c, "2025-01-01T00:00:00Z", "1"), 0);
	pd_cursor_free(&c);
}

static void test_api_root(void **st)
{
	char b[128];

	(void)st;
	assert_int_equal(pd_api_root(NULL, b, sizeof b), 0);
	assert_int_equal(pd_api_root("https://api.pipedrive.com", b, sizeof b), 0);
	assert_int_equal(pd_api_root("https://acme.pipedrive.com/", b, sizeof b), 0);
	assert_int_equal(pd_api_root("https://acme.pipedrive.com/api/v2", b, sizeof b), 1);
	assert_string_equal(b, "https://acme.pipedrive.com");
	assert_int_equal(pd_api_root("https://acme.pipedrive.com/api/v1/", b, sizeof b), 1);
	assert_string_equal(b, "https://acme.pipedrive.com");
	assert_int_equal(pd_api_root("https://api.pipedrive.com/v1", b, sizeof b), 1);
	assert_string_equal(b, "https://api.pipedrive.com");
	assert_int_equal(pd_api_root("https://proxy.example/pd/api/v2", b, sizeof b), 1);
	assert_string_equal(b, "https://proxy.example/pd");
	assert_int_equal(pd_api_root("https://acme.pipedrive.com/api/v2", b, 8), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_id_text),
	    cmocka_unit_test(test_pick_primary),
	    cmocka_unit_test(test_amount_text),
	    cmocka_unit_test(test_probability),
	    cmocka_unit_test(test_extra),
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_user),
	    cmocka_unit_test(test_person),
	    cmocka_unit_test(test_deal),
	    cmocka_unit_test(test_cursor),
	    cmocka_unit_test(test_cursor_overflow),
	    cmocka_unit_test(test_api_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
