/*
 * Unit tests of plugins/hubspot/hubspot_map.c: HubSpot records → model
 * records, stages from pipeline metadata, times, cursors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "../sdk/salesync/plugin.h"
#include "hubspot/hubspot_map.h"

static json_t *js(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (!j)
		fail_msg("bad test JSON: %s: %s", e.text, text);
	return j;
}

static int64_t ms_of(const char *s)
{
	int64_t ms = -42;

	assert_int_equal(hs_parse_time_ms(s, &ms), 0);
	return ms;
}

/* ---- times ---------------------------------------------------------------- */

static void test_times(void **st)
{
	int64_t ms;

	(void)st;
	assert_true(ms_of("1970-01-01T00:00:00Z") == 0);
	assert_true(ms_of("2024-09-11T13:27:39.356Z") == 1726061259356LL);
	assert_true(ms_of("2024-09-11T15:27:39.356+02:00") == 1726061259356LL);
	assert_true(ms_of("2024-09-11T08:27:39.356-0500") == 1726061259356LL);
	assert_true(ms_of("2024-09-11T13:27:39.35612Z") == 1726061259356LL);
	assert_true(ms_of("2024-09-11T13:27:39.3Z") == 1726061259300LL);
	assert_true(ms_of("2024-09-11T13:27Z") == 1726061220000LL);
	assert_true(ms_of("2024-02-29") == 1709164800000LL);
	assert_true(ms_of("1726061259356") == 1726061259356LL);
	assert_int_equal(hs_parse_time_ms("2023-02-29T00:00:00Z", &ms), -1);
	assert_int_equal(hs_parse_time_ms("2024-13-01T00:00:00Z", &ms), -1);
	assert_int_equal(hs_parse_time_ms("2024-09-11T13:27:39.Z", &ms), -1);
	assert_int_equal(hs_parse_time_ms("2024-09-11T13:27:39Zjunk", &ms), -1);
	assert_int_equal(hs_parse_time_ms("yesterday", &ms), -1);
	assert_int_equal(hs_parse_time_ms("", &ms), -1);
	assert_int_equal(hs_parse_time_ms(NULL, &ms), -1);

	assert_int_equal(hs_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", &ms), 0);
	assert_true(ms == 784111777000LL);
	assert_int_equal(hs_parse_http_date("Wed, 02 Dec 2026 04:03:41 GMT", &ms), 0);
	assert_true(ms == 1796184221000LL);
	assert_int_equal(hs_parse_http_date("Sun, 31 Nov 1994 08:49:37 GMT", &ms), -1);
	assert_int_equal(hs_parse_http_date("1994-11-06", &ms), -1);
}

static void test_durations_bools(void **st)
{
	int64_t s;

	(void)st;
	assert_int_equal(hs_parse_duration("30s", &s), 0);
	assert_true(s == 30);
	assert_int_equal(hs_parse_duration("1h30m", &s), 0);
	assert_true(s == 5400);
	assert_int_equal(hs_parse_duration("90", &s), 0);
	assert_true(s == 90);
	assert_int_equal(hs_parse_duration("0s", &s), 0);
	assert_true(s == 0);
	assert_int_equal(hs_parse_duration("2d", &s), 0);
	assert_true(s == 172800);
	assert_int_equal(hs_parse_duration("5x", &s), -1);
	assert_int_equal(hs_parse_duration("", &s), -1);
	assert_int_equal(hs_parse_bool("Yes"), 1);
	assert_int_equal(hs_parse_bool("off"), 0);
	assert_int_equal(hs_parse_bool("maybe"), -1);
	assert_int_equal(hs_parse_bool(NULL), -1);
}

static void test_values(void **st)
{
	char buf[32];
	json_t *j = js("{\"a\": \"x\", \"e\": \"\", \"n\": null, \"i\": 12345678901, \"f\": 1.5}");

	(void)st;
	assert_string_equal(hs_str(j, "a"), "x");
	assert_null(hs_str(j, "e"));
	assert_null(hs_str(j, "n"));
	assert_null(hs_str(j, "i"));
	assert_null(hs_str(j, "missing"));
	assert_string_equal(hs_id_text(json_object_get(j, "i"), buf, sizeof buf), "12345678901");
	assert_string_equal(hs_id_text(json_object_get(j, "a"), buf, sizeof buf), "x");
	assert_null(hs_id_text(json_object_get(j, "f"), buf, sizeof buf));
	json_decref(j);

	assert_true(hs_is_decimal("12500.00"));
	assert_true(hs_is_decimal("-3"));
	assert_true(hs_is_decimal(".5"));
	assert_true(hs_is_decimal("7."));
	assert_false(hs_is_decimal(""));
	assert_false(hs_is_decimal("."));
	assert_false(hs_is_decimal("1,200.00"));
	assert_false(hs_is_decimal("1e5"));
	assert_false(hs_is_decimal(" 5"));
	assert_false(hs_is_decimal(NULL));

	assert_string_equal(hs_channel_label("PAID_SEARCH"), "Paid search");
	assert_string_equal(hs_channel_label("OFFLINE"), "Offline sources");
	assert_string_equal(hs_channel_label("Trade show"), "Trade show");
	assert_null(hs_channel_label(NULL));
}

static void test_strs(void **st)
{
	struct hs_strs l = {0};
	char *joined;

	(void)st;
	assert_int_equal(hs_strs_add_csv(&l, " a, b ,,a,c "), 0);
	assert_int_equal(l.n, 3);
	assert_true(hs_strs_has(&l, "b"));
	assert_false(hs_strs_has(&l, "d"));
	joined = hs_strs_join(&l);
	assert_string_equal(joined, "a,b,c");
	free(joined);
	hs_strs_clear(&l);
	joined = hs_strs_join(&l);
	assert_string_equal(joined, "");
	free(joined);
}

/* ---- stages --------------------------------------------------------------- */

static const char *const pipelines_json =
    "{\"results\": ["
    " {\"id\": \"default\", \"label\": \"Sales Pipeline\", \"stages\": ["
    "  {\"id\": \"qualifiedtobuy\", \"label\": \"Qualified To Buy\","
    "   \"metadata\": {\"isClosed\": \"false\", \"probability\": \"0.4\"}},"
    "  {\"id\": \"closedwon\", \"label\": \"Closed Won\","
    "   \"metadata\": {\"isClosed\": \"true\", \"probability\": \"1.0\"}},"
    "  {\"id\": \"closedlost\", \"label\": \"Closed Lost\","
    "   \"metadata\": {\"isClosed\": \"true\", \"probability\": \"0.0\"}}]},"
    " {\"id\": \"764512\", \"label\": \"Renewals\", \"stages\": ["
    "  {\"id\": \"1011\", \"label\": \"Closed - pending signature\","
    "   \"metadata\": {\"isClosed\": false, \"probability\": 0.7}},"
    "  {\"id\": \"1012\", \"label\": \"Signed\","
    "   \"metadata\": {\"isClosed\": true, \"probability\": 1}},"
    "  {\"id\": 1013, \"label\": \"Gone quiet\","
    "   \"metadata\": {\"isClosed\": \"true\", \"probability\": \"0\"}},"
    "  {\"id\": \"1015\", \"label\": \"Half closed\","
    "   \"metadata\": {\"isClosed\": \"true\", \"probability\": \"0.5\"}},"
    "  {\"id\": \"1016\", \"label\": \"No metadata\"},"
    "  {\"id\": \"qualifiedtobuy\", \"label\": \"Renewal qualified\","
    "   \"metadata\": {\"isClosed\": \"false\", \"probability\": \"0.3\"}}]}]}";

static void test_stages(void **st)
{
	struct hs_stages s = {0};
	const struct hs_stage *x;
	json_t *j = js(pipelines_json);

	(void)st;
	assert_int_equal(hs_stages_parse(j, &s), 0);
	assert_int_equal(s.n, 9);
	x = hs_stages_find(&s, "default", "closedwon");
	assert_non_null(x);
	assert_string_equal(x->stage, "won");
	assert_true(x->probability == 1.0);
	assert_string_equal(hs_stages_find(&s, "default", "closedlost")->stage, "lost");
	/* Labels that would mislead a guess by name: the metadata decides. */
	x = hs_stages_find(&s, "764512", "1011");
	assert_string_equal(x->label, "Closed - pending signature");
	assert_string_equal(x->stage, "open");
	assert_true(x->probability == 0.7);
	assert_string_equal(hs_stages_find(&s, "764512", "1012")->stage, "won");
	assert_string_equal(hs_stages_find(&s, "764512", "1013")->stage, "lost");
	assert_null(hs_stages_find(&s, "764512", "1015")->stage);
	assert_null(hs_stages_find(&s, "764512", "1016")->stage);
	assert_true(hs_stages_find(&s, "764512", "1016")->probability < 0);
	/* The same stage id in two pipelines: the deal's pipeline picks. */
	assert_string_equal(hs_stages_find(&s, "764512", "qualifiedtobuy")->label,
	    "Renewal qualified");
	assert_string_equal(hs_stages_find(&s, "default", "qualifiedtobuy")->label,
	    "Qualified To Buy");
	/* An unknown pipeline still finds the stage by id. */
	assert_string_equal(hs_stages_find(&s, "gone", "closedwon")->stage, "won");
	assert_null(hs_stages_find(&s, "default", "nope"));
	assert_null(hs_stages_find(&s, "default", NULL));
	json_decref(j);
	j = js("{\"status\": \"error\"}");
	assert_int_equal(hs_stages_parse(j, &s), -1);
	assert_int_equal(s.n, 0);
	json_decref(j);
	hs_stages_free(&s);
}

/* ---- records -------------------------------------------------------------- */

static void test_contact(void **st)
{
	struct hs_strs status = {0}, extra = {0};
	struct hs_map_opts o = {&status, &extra, NULL};
	struct ss_lead l = SS_LEAD_INIT;
	struct hs_rec x;
	const char *why = NULL;
	json_t *j = js("{\"id\": \"100451\", \"archived\": false,"
	    " \"createdAt\": \"2024-01-17T19:55:04.281Z\", \"updatedAt\": \"2024-09-11T13:27:39.356Z\","
	    " \"properties\": {\"email\": \"  Ana.Ruiz@ACME.io \", \"firstname\": \"Zoë\","
	    "  \"lastname\": \"Ruiz\", \"company\": null, \"jobtitle\": \"\", \"phone\": null,"
	    "  \"mobilephone\": \"+44 7700 900123\", \"hs_lead_status\": null,"
	    "  \"lifecyclestage\": \"customer\", \"hubspot_owner_id\": \"41629779\","
	    "  \"lastmodifieddate\": \"2024-09-11T13:27:39.356Z\","
	    "  \"hs_analytics_source\": \"PAID_SEARCH\", \"industry_segment\": null,"
	    "  \"nps_score\": \"9\"}}");

	(void)st;
	assert_int_equal(hs_strs_add_csv(&status, "hs_lead_status,lifecyclestage"), 0);
	assert_int_equal(hs_strs_add_csv(&extra, "nps_score,industry_segment,not_there"), 0);
	assert_int_equal(hs_map_contact(j, &o, &l, &x, &why), 0);
	assert_string_equal(l.id, "100451");
	assert_string_equal(l.email, "  Ana.Ruiz@ACME.io "); /* the host normalizes */
	assert_string_equal(l.first_name, "Zoë");
	assert_null(l.company);
	assert_null(l.title);
	assert_string_equal(l.phone, "+44 7700 900123");
	assert_string_equal(l.status_raw, "customer"); /* first non-empty */
	assert_string_equal(l.channel, "Paid search");
	assert_string_equal(l.owner_id, "41629779");
	assert_string_equal(l.created_at, "2024-01-17T19:55:04.281Z"); /* createdAt */
	assert_string_equal(l.updated_at, "2024-09-11T13:27:39.356Z");
	assert_int_equal(l.deleted, 0);
	assert_true(x.modified_ms == 1726061259356LL);
	assert_string_equal(l.extra, "{\"industry_segment\":null,\"nps_score\":\"9\"}");
	hs_rec_free(&x);
	json_decref(j);

	/* Archived, no email, numeric id, nothing for extra. */
	j = js("{\"id\": 77, \"archived\": true, \"properties\": {}}");
	l = (struct ss_lead)SS_LEAD_INIT;
	hs_strs_clear(&extra);
	assert_int_equal(hs_map_contact(j, &o, &l, &x, &why), 0);
	assert_string_equal(l.id, "77");
	assert_null(l.email);
	assert_int_equal(l.deleted, 1);
	assert_null(l.extra);
	assert_true(x.modified_ms == -1);
	hs_rec_free(&x);
	json_decref(j);

	j = js("{\"properties\": {\"email\": \"a@b.c\"}}");
	assert_int_equal(hs_map_contact(j, &o, &l, &x, &why), -1);
	assert_string_equal(why, "a contact without id");
	hs_rec_free(&x);
	json_decref(j);
	j = js("[1]");
	assert_int_equal(hs_map_contact(j, &o, &l, &x, &why), -1);
	hs_rec_free(&x);
	json_decref(j);
	hs_strs_clear(&status);
}

static void test_long_value(void **st)
{
	struct hs_strs extra = {0};
	struct hs_map_opts o = {NULL, &extra, NULL};
	struct ss_lead l = SS_LEAD_INIT;
	struct hs_rec x;
	const char *why;
	size_t n = 70000;
	char *big = malloc(n + 1);
	json_t *j;

	(void)st;
	memset(big, 'z', n);
	big[n] = '\0';
	j = json_pack("{s:s,s:{s:s,s:s}}", "id", "5", "properties", "jobtitle", big, "notes_long",
	    big);
	assert_int_equal(hs_strs_add_csv(&extra, "notes_long"), 0);
	assert_int_equal(hs_map_contact(j, &o, &l, &x, &why), 0);
	assert_int_equal(strlen(l.title), n);
	assert_true(strlen(l.extra) > n);
	hs_rec_free(&x);
	json_decref(j);
	free(big);
	hs_strs_clear(&extra);
}

static void test_deal(void **st)
{
	static const struct ss_mapping ov[] = {{"closed - PENDING signature", "won"},
	    {"1014", "lost"}, {NULL, NULL}};
	struct hs_strs extra = {0};
	struct hs_map_opts o = {NULL, &extra, NULL};
	struct hs_stages stages = {0};
	struct ss_deal d = SS_DEAL_INIT;
	struct hs_rec x;
	const char *why;
	json_t *p = js(pipelines_json), *j;

	(void)st;
	assert_int_equal(hs_stages_parse(p, &stages), 0);
	j = js("{\"id\": \"87654321098\", \"archived\": false,"
	    " \"properties\": {\"dealname\": \"Q1 Enterprise\", \"amount\": \"50000.00\","
	    "  \"dealstage\": \"closedwon\", \"pipeline\": \"default\","
	    "  \"closedate\": \"2024-03-31T00:00:00.000Z\", \"hubspot_owner_id\": \"41629779\","
	    "  \"hs_lastmodifieddate\": \"2024-01-15T14:22:10.456Z\","
	    "  \"createdate\": \"2024-01-10T09:15:30.234Z\", \"deal_currency_code\": \"EUR\"},"
	    " \"associations\": {\"contacts\": {\"results\": [{\"id\": \"1000\", \"type\": \"a\"},"
	    "  {\"id\": \"999\", \"type\": \"b\"}, {\"id\": \"1000\", \"type\": \"c\"}]}}}");
	assert_int_equal(hs_map_deal(j, &o, &stages, &d, &x, &why), 0);
	assert_string_equal(d.id, "87654321098");
	assert_string_equal(d.name, "Q1 Enterprise");
	assert_string_equal(d.amount, "50000.00");
	assert_string_equal(d.currency, "EUR");
	assert_string_equal(d.stage, "won");
	assert_string_equal(d.stage_raw, "Closed Won");
	assert_true(d.probability == 1.0);
	assert_string_equal(d.closed_at, "2024-03-31T00:00:00.000Z");
	assert_string_equal(d.lead_id, "999"); /* the lowest, as a number */
	assert_string_equal(d.created_at, "2024-01-10T09:15:30.234Z");
	assert_true(x.modified_ms == 1705328530456LL);
	assert_string_equal(d.extra, "{\"dealstage\":\"closedwon\",\"pipeline\":\"default\","
	    "\"pipeline_label\":\"Sales Pipeline\"}");
	hs_rec_free(&x);
	json_decref(j);

	/* Open stage with a misleading label; null amount; no associations. */
	d = (struct ss_deal)SS_DEAL_INIT;
	j = js("{\"id\": \"2\", \"properties\": {\"amount\": null, \"dealstage\": \"1011\","
	    " \"pipeline\": \"764512\", \"closedate\": \"2024-05-01\"}}");
	assert_int_equal(hs_map_deal(j, &o, &stages, &d, &x, &why), 0);
	assert_null(d.amount);
	assert_string_equal(d.stage, "open");
	assert_string_equal(d.stage_raw, "Closed - pending signature");
	assert_null(d.closed_at);
	assert_string_equal(d.close_date, "2024-05-01");
	assert_null(d.lead_id);
	hs_rec_free(&x);
	/* The instance's stage.RAW override wins, by label or by id. */
	o.stage_overrides = ov;
	d = (struct ss_deal)SS_DEAL_INIT;
	assert_int_equal(hs_map_deal(j, &o, &stages, &d, &x, &why), 0);
	assert_string_equal(d.stage, "won");
	assert_string_equal(d.closed_at, "2024-05-01");
	hs_rec_free(&x);
	json_decref(j);
	o.stage_overrides = NULL;

	/* Unknown stage: raw id, no stage (the host maps it); amounts that are
	 * empty, numbers, or not plain decimals. */
	d = (struct ss_deal)SS_DEAL_INIT;
	j = js("{\"id\": \"3\", \"properties\": {\"amount\": \"\", \"dealstage\": \"closedlost_old\","
	    " \"industry_segment\": \"SMB\"}}");
	assert_int_equal(hs_strs_add_csv(&extra, "industry_segment"), 0);
	assert_int_equal(hs_map_deal(j, &o, &stages, &d, &x, &why), 0);
	assert_null(d.amount);
	assert_null(d.stage);
	assert_string_equal(d.stage_raw, "closedlost_old");
	assert_true(d.probability < 0);
	assert_string_equal(d.extra, "{\"dealstage\":\"closedlost_old\",\"industry_segment\":\"SMB\"}");
	hs_rec_free(&x);
	json_decref(j);

	d = (struct ss_deal)SS_DEAL_INIT;
	j = js("{\"id\": \"4\", \"properties\": {\"amount\": 1234567890123.45}}");
	assert_int_equal(hs_map_deal(j, &o, &stages, &d, &x, &why), 0);
	assert_string_equal(d.amount, "1234567890123.45");
	hs_rec_free(&x);
	json_decref(j);

	d = (struct ss_deal)SS_DEAL_INIT;
	j = js("{\"id\": \"5\", \"properties\": {\"amount\": \"1,200.50\"}}");
	assert_int_equal(hs_map_deal(j, &o, &stages, &d, &x, &why), 0);
	assert_null(d.amount);
	assert_string_equal(d.extra, "{\"amount_raw\":\"1,200.50\"}");
	hs_rec_free(&x);
	json_decref(j);

	j = js("{\"properties\": {}}");
	assert_int_equal(hs_map_deal(j, &o, &stages, &d, &x, &why), -1);
	assert_string_equal(why, "a deal without id");
	hs_rec_free(&x);
	json_decref(j);
	hs_strs_clear(&extra);
	hs_stages_free(&stages);
	json_decref(p);
}

static void test_owner(void **st)
{
	struct ss_rep r = SS_REP_INIT;
	struct hs_rec x;
	const char *why;
	json_t *j = js("{\"id\": \"41629779\", \"email\": \"rep@acme.io\", \"type\": \"PERSON\","
	    " \"firstName\": \"Sam\", \"lastName\": \"Lee\", \"userId\": 9586504,"
	    " \"createdAt\": \"2019-12-25T13:01:35.228Z\", \"updatedAt\": \"2023-08-22T13:40:26.790Z\","
	    " \"archived\": false, \"teams\": [{\"id\": \"1\", \"name\": \"West\", \"primary\": false},"
	    "  {\"id\": \"2\", \"name\": \"East\", \"primary\": true}]}");

	(void)st;
	assert_int_equal(hs_map_owner(j, &r, &x, &why), 0);
	assert_string_equal(r.id, "41629779");
	assert_string_equal(r.name, "Sam Lee");
	assert_string_equal(r.team, "East");
	assert_int_equal(r.active, 1);
	assert_int_equal(r.deleted, 0);
	assert_string_equal(r.created_at, "2019-12-25T13:01:35.228Z");
	hs_rec_free(&x);
	json_decref(j);

	r = (struct ss_rep)SS_REP_INIT;
	j = js("{\"id\": \"5\", \"lastName\": \"Queue\", \"userId\": null,"
	    " \"userIdIncludingInactive\": 7, \"teams\": [{\"name\": \"Only\"}]}");
	assert_int_equal(hs_map_owner(j, &r, &x, &why), 0);
	assert_string_equal(r.name, "Queue");
	assert_string_equal(r.team, "Only");
	assert_int_equal(r.active, 0);
	hs_rec_free(&x);
	json_decref(j);

	r = (struct ss_rep)SS_REP_INIT;
	j = js("{\"id\": \"6\", \"archived\": true, \"userId\": 3}");
	assert_int_equal(hs_map_owner(j, &r, &x, &why), 0);
	assert_null(r.name);
	assert_null(r.team);
	assert_int_equal(r.active, 0);
	assert_int_equal(r.deleted, 1);
	hs_rec_free(&x);
	json_decref(j);

	j = js("{\"id\": \"7\"}");
	r = (struct ss_rep)SS_REP_INIT;
	assert_int_equal(hs_map_owner(j, &r, &x, &why), 0);
	assert_int_equal(r.active, -1);
	hs_rec_free(&x);
	json_decref(j);
}

static void test_assoc(void **st)
{
	char buf[32];
	json_t *j = js("[{\"toObjectId\": 1003}, {\"toObjectId\": \"201\"}, {\"x\": 1},"
	    " {\"toObjectId\": 99999}]");

	(void)st;
	assert_string_equal(hs_assoc_lowest(j, buf, sizeof buf), "201");
	json_decref(j);
	j = js("[]");
	assert_null(hs_assoc_lowest(j, buf, sizeof buf));
	json_decref(j);
	assert_null(hs_assoc_lowest(NULL, buf, sizeof buf));
}

/* ---- cursors -------------------------------------------------------------- */

static void roundtrip(const char *text)
{
	struct hs_cursor c;
	char *out;

	assert_int_equal(hs_cursor_parse(text, &c), 0);
	out = hs_cursor_format(&c, 64);
	assert_string_equal(out, text);
	free(out);
	hs_cursor_free(&c);
}

static void test_cursor(void **st)
{
	struct hs_cursor c;
	char *out;

	(void)st;
	roundtrip("list:1726061229356:a:");
	roundtrip("list:1726061229356:x:10233");
	roundtrip("1726061259356");
	roundtrip("1726061259356:*");
	roundtrip("1726061259356:101,77,5");

	assert_int_equal(hs_cursor_parse("1726061259356:101,77", &c), 0);
	assert_false(c.list);
	assert_true(c.t == 1726061259356LL);
	assert_int_equal(c.seen.n, 2);
	assert_true(hs_strs_has(&c.seen, "77"));
	/* Too many tie ids for the cursor: the tie group is fetched again. */
	out = hs_cursor_format(&c, 1);
	assert_string_equal(out, "1726061259356");
	free(out);
	hs_cursor_free(&c);

	assert_int_equal(hs_cursor_parse("list:5:a:", &c), 0);
	assert_true(c.list && !c.archived && c.t == 5 && c.after[0] == '\0');
	hs_cursor_free(&c);

	assert_int_equal(hs_cursor_parse("2026-11-01T10:00:00Z|A0001", &c), -1);
	assert_int_equal(hs_cursor_parse("list:x:a:", &c), -1);
	assert_int_equal(hs_cursor_parse("list:5:q:", &c), -1);
	assert_int_equal(hs_cursor_parse("17:", &c), -1);
	assert_int_equal(hs_cursor_parse("17x", &c), -1);
	assert_int_equal(hs_cursor_parse("", &c), -1);
	assert_int_equal(hs_cursor_parse(NULL, &c), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_durations_bools),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_strs),
		cmocka_unit_test(test_stages),
		cmocka_unit_test(test_contact),
		cmocka_unit_test(test_long_value),
		cmocka_unit_test(test_deal),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_assoc),
		cmocka_unit_test(test_cursor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
