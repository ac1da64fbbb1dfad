/*
 * Unit tests of plugins/moodle/moodle_map.c: Moodle's error object, id
 * lists, users, courses, completion responses and ratios.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moodle/moodle_map.h"

static json_t *js(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);

	if (!j)
		fail_msg("bad test JSON: %s: %s", je.text, text);
	return j;
}

static enum moodle_exc_kind kind_of(const char *text, int *is_exc)
{
	struct moodle_exc e;
	json_t *j = js(text);

	*is_exc = moodle_exception(j, &e);
	json_decref(j);
	return moodle_exception_kind(&e);
}

static void test_exceptions(void **st)
{
	struct moodle_exc e;
	json_t *j;
	int is;

	(void)st;
	j = js("{\"exception\":\"moodle_exception\",\"errorcode\":\"invalidtoken\","
	    "\"message\":\"Invalid token - token not found\",\"debuginfo\":\"d\"}");
	assert_int_equal(moodle_exception(j, &e), 1);
	assert_string_equal(e.exception, "moodle_exception");
	assert_string_equal(e.errorcode, "invalidtoken");
	assert_string_equal(e.message, "Invalid token - token not found");
	assert_string_equal(e.debuginfo, "d");
	assert_int_equal(moodle_exception_kind(&e), MOODLE_EXC_TOKEN);
	json_decref(j);

	assert_int_equal(kind_of("{\"exception\":\"webservice_access_exception\",\"errorcode\":"
	    "\"accessexception\",\"message\":\"Access control exception\"}", &is), MOODLE_EXC_ACCESS);
	assert_int_equal(is, 1);
	assert_int_equal(kind_of("{\"exception\":\"required_capability_exception\",\"errorcode\":"
	    "\"x\",\"message\":\"m\"}", &is), MOODLE_EXC_ACCESS);
	assert_int_equal(kind_of("{\"exception\":\"moodle_exception\",\"errorcode\":"
	    "\"nocriteriaset\",\"message\":\"m\"}", &is), MOODLE_EXC_NOCRITERIA);
	assert_int_equal(kind_of("{\"exception\":\"moodle_exception\",\"errorcode\":"
	    "\"usernotenroled\",\"message\":\"m\"}", &is), MOODLE_EXC_NOTENROLLED);
	assert_int_equal(kind_of("{\"exception\":\"moodle_exception\",\"errorcode\":"
	    "\"nottracked\",\"message\":\"m\"}", &is), MOODLE_EXC_NOTENROLLED);
	assert_int_equal(kind_of("{\"exception\":\"invalid_parameter_exception\",\"errorcode\":"
	    "\"invalidparameter\",\"message\":\"m\"}", &is), MOODLE_EXC_OTHER);
	/* successful answers are not exceptions: a list, a site-info object */
	kind_of("[]", &is);
	assert_int_equal(is, 0);
	kind_of("{\"sitename\":\"x\",\"exception\":null}", &is);
	assert_int_equal(is, 0);
}

static void test_ids_and_words(void **st)
{
	long long *ids;
	size_t n;
	char err[80], **w;

	(void)st;
	assert_int_equal(moodle_parse_ids("5, 3,5 ,12", &ids, &n, err, sizeof err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], 3);
	assert_int_equal(ids[1], 5);
	assert_int_equal(ids[2], 12);
	free(ids);
	assert_int_equal(moodle_parse_ids("", &ids, &n, err, sizeof err), 0);
	assert_int_equal(n, 0);
	assert_null(ids);
	assert_int_equal(moodle_parse_ids(NULL, &ids, &n, err, sizeof err), 0);
	assert_int_equal(moodle_parse_ids("3,x", &ids, &n, err, sizeof err), -1);
	assert_non_null(strstr(err, "'x'"));
	assert_int_equal(moodle_parse_ids("3x", &ids, &n, err, sizeof err), -1);
	assert_int_equal(moodle_parse_ids("0", &ids, &n, err, sizeof err), -1);
	assert_int_equal(moodle_parse_ids("-4", &ids, &n, err, sizeof err), -1);

	assert_int_equal(moodle_parse_words(" student , teacher,,", &w, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(w[0], "student");
	assert_string_equal(w[1], "teacher");
	moodle_words_free(w, n);
	assert_int_equal(moodle_parse_words("", &w, &n), 0);
	assert_int_equal(n, 0);
	moodle_words_free(w, n);
}

static void test_users(void **st)
{
	char *roles[] = {"student", "learner"};
	char name[64];
	json_t *u = js("{\"id\":7,\"fullname\":\"Maya Chen\",\"firstname\":\"Maya\",\"lastname\":"
	    "\"Chen\",\"suspended\":false,\"roles\":[{\"roleid\":3,\"shortname\":\"editingteacher\"},"
	    "{\"roleid\":5,\"shortname\":\"student\"}],\"groups\":[{\"id\":12,\"name\":\"West\"},"
	    "{\"id\":11,\"name\":\"East\"}],\"lastaccess\":\"1700000000\"}");
	json_t *v = js("{\"id\":8,\"firstname\":\"Tom\",\"lastname\":\"\",\"suspended\":1,"
	    "\"roles\":[{\"shortname\":\"teacher\"}]}");
	json_t *w = js("{\"id\":9}");

	(void)st;
	assert_int_equal(moodle_has_role(u, roles, 2), 1);
	assert_int_equal(moodle_has_role(v, roles, 2), 0);
	assert_int_equal(moodle_has_role(w, roles, 2), -1);
	assert_string_equal(moodle_first_group(u), "East");
	assert_null(moodle_first_group(v));
	assert_int_equal(moodle_user_name(u, name, sizeof name), 0);
	assert_string_equal(name, "Maya Chen");
	assert_int_equal(moodle_user_name(v, name, sizeof name), 0);
	assert_string_equal(name, "Tom");
	assert_int_equal(moodle_user_name(w, name, sizeof name), -1);
	assert_int_equal(moodle_user_active(u), 1);
	assert_int_equal(moodle_user_active(v), 0);
	assert_int_equal(moodle_user_active(w), -1);
	assert_int_equal(moodle_int(u, "id", 0), 7);
	assert_int_equal(moodle_int(u, "lastaccess", 0), 1700000000);
	assert_int_equal(moodle_int(u, "suspended", 5), 0);
	assert_int_equal(moodle_int(u, "fullname", -2), -2);
	assert_int_equal(moodle_int(u, "nope", -3), -3);
	json_decref(u);
	json_decref(v);
	json_decref(w);
}

static void test_times(void **st)
{
	char out[21], s[21], e[21];
	json_t *c;

	(void)st;
	moodle_iso(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	moodle_iso(1706781600, out);
	assert_string_equal(out, "2024-02-01T10:00:00Z");
	moodle_iso(-1, out);
	assert_string_equal(out, "1969-12-31T23:59:59Z");
	moodle_iso(253402214400LL, out);
	assert_string_equal(out, "9999-12-31T00:00:00Z");

	c = js("{\"id\":2,\"startdate\":1767571200,\"enddate\":1799107200}");
	moodle_course_period(c, s, e);
	assert_string_equal(s, "2026-01-05T00:00:00Z");
	assert_string_equal(e, "2027-01-05T00:00:00Z");
	json_decref(c);
	c = js("{\"id\":3,\"startdate\":1767571200,\"enddate\":0}");
	moodle_course_period(c, s, e);
	assert_string_equal(e, "9999-12-31T00:00:00Z");
	json_decref(c);
	c = js("{\"id\":4,\"startdate\":0,\"timecreated\":1706781600}");
	moodle_course_period(c, s, e);
	assert_string_equal(s, "2024-02-01T10:00:00Z");
	assert_string_equal(e, "9999-12-31T00:00:00Z");
	json_decref(c);
}

static void test_course_completion(void **st)
{
	struct moodle_progress p;
	json_t *j;

	(void)st;
	/* the sample of the reference: one criterion complete of one, but
	 * the course not (yet) marked complete */
	j = js("{\"completionstatus\":{\"completed\":false,\"aggregation\":1,\"completions\":["
	    "{\"type\":4,\"title\":\"Activity completion\",\"status\":\"Yes\",\"complete\":true,"
	    "\"timecompleted\":1706781600},{\"type\":4,\"complete\":false,\"timecompleted\":null},"
	    "{\"type\":4,\"complete\":false}]},\"warnings\":[]}");
	assert_int_equal(moodle_course_completion(j, &p), 0);
	assert_int_equal(p.known, 1);
	assert_int_equal(p.completed, 0);
	assert_true(p.progress > 0.333 && p.progress < 0.334);
	assert_int_equal(p.completed_at, 0);
	json_decref(j);

	/* all needed: the latest criterion time */
	j = js("{\"completionstatus\":{\"completed\":true,\"aggregation\":1,\"completions\":["
	    "{\"complete\":true,\"timecompleted\":100},{\"complete\":true,\"timecompleted\":300},"
	    "{\"complete\":true,\"timecompleted\":200}]}}");
	assert_int_equal(moodle_course_completion(j, &p), 0);
	assert_int_equal(p.completed, 1);
	assert_true(p.progress == 1.0);
	assert_int_equal(p.completed_at, 300);
	json_decref(j);

	/* any needed: the earliest */
	j = js("{\"completionstatus\":{\"completed\":true,\"aggregation\":2,\"completions\":["
	    "{\"complete\":true,\"timecompleted\":300},{\"complete\":false,\"timecompleted\":null},"
	    "{\"complete\":true,\"timecompleted\":200}]}}");
	assert_int_equal(moodle_course_completion(j, &p), 0);
	assert_int_equal(p.completed_at, 200);
	json_decref(j);

	j = js("{\"completionstatus\":{\"completed\":false,\"aggregation\":1,\"completions\":[]}}");
	assert_int_equal(moodle_course_completion(j, &p), 0);
	assert_int_equal(p.known, 0);
	json_decref(j);
	j = js("{\"statuses\":[]}");
	assert_int_equal(moodle_course_completion(j, &p), -1);
	json_decref(j);
}

static void test_activities(void **st)
{
	struct moodle_progress p;
	json_t *j;

	(void)st;
	j = js("{\"statuses\":[{\"cmid\":1,\"state\":1,\"timecompleted\":500,\"tracking\":1},"
	    "{\"cmid\":2,\"state\":3,\"timecompleted\":600,\"tracking\":2},"
	    "{\"cmid\":3,\"state\":2,\"timecompleted\":700,\"tracking\":2},"
	    "{\"cmid\":4,\"state\":0,\"timecompleted\":0,\"tracking\":2},"
	    "{\"cmid\":5,\"state\":1,\"timecompleted\":900,\"tracking\":0}],\"warnings\":[]}");
	assert_int_equal(moodle_activities_completion(j, &p), 0);
	assert_int_equal(p.known, 1);
	assert_int_equal(p.completed, 0);
	assert_true(p.progress == 0.5);
	json_decref(j);

	j = js("{\"statuses\":[{\"state\":1,\"timecompleted\":500,\"tracking\":1},"
	    "{\"state\":2,\"timecompleted\":700,\"tracking\":2},{\"state\":0,\"tracking\":0}]}");
	assert_int_equal(moodle_activities_completion(j, &p), 0);
	assert_int_equal(p.completed, 1);
	assert_int_equal(p.completed_at, 700);
	json_decref(j);

	j = js("{\"statuses\":[{\"state\":1,\"tracking\":0}]}");
	assert_int_equal(moodle_activities_completion(j, &p), 0);
	assert_int_equal(p.known, 0);
	json_decref(j);
	j = js("{\"completionstatus\":{}}");
	assert_int_equal(moodle_activities_completion(j, &p), -1);
	json_decref(j);
}

static void test_ratio(void **st)
{
	char out[16];

	(void)st;
	moodle_ratio_text(0, out);
	assert_string_equal(out, "0");
	moodle_ratio_text(-1, out);
	assert_string_equal(out, "0");
	moodle_ratio_text(1, out);
	assert_string_equal(out, "1");
	moodle_ratio_text(0.5, out);
	assert_string_equal(out, "0.5");
	moodle_ratio_text(1.0 / 3, out);
	assert_string_equal(out, "0.3333");
	moodle_ratio_text(2.0 / 3, out);
	assert_string_equal(out, "0.6667");
	moodle_ratio_text(0.25, out);
	assert_string_equal(out, "0.25");
	moodle_ratio_text(0.99999, out);
	assert_string_equal(out, "0.9999");
	moodle_ratio_text(0.00001, out);
	assert_string_equal(out, "0.0001");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exceptions),
		cmocka_unit_test(test_ids_and_words),
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_course_completion),
		cmocka_unit_test(test_activities),
		cmocka_unit_test(test_ratio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
