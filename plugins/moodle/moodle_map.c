/*
 * moodle_map: Moodle web-service responses to numbers and texts, without
 * I/O (see moodle_map.h).
 */
#include "moodle_map.h"

#include <salesync/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPEN_END "9999-12-31T00:00:00Z"

static void copy_str(char *dst, size_t n, json_t *v)
{
	snprintf(dst, n, "%s", json_is_string(v) ? json_string_value(v) : "");
}

int moodle_exception(json_t *j, struct moodle_exc *e)
{
	memset(e, 0, sizeof *e);
	if (!json_is_object(j) || !json_is_string(json_object_get(j, "exception")))
		return 0;
	copy_str(e->exception, sizeof e->exception, json_object_get(j, "exception"));
	copy_str(e->errorcode, sizeof e->errorcode, json_object_get(j, "errorcode"));
	copy_str(e->message, sizeof e->message, json_object_get(j, "message"));
	copy_str(e->debuginfo, sizeof e->debuginfo, json_object_get(j, "debuginfo"));
	return 1;
}

enum moodle_exc_kind moodle_exception_kind(const struct moodle_exc *e)
{
	static const char *const token[] = {"invalidtoken", "invalidtimedtoken", "invalidiptoken",
	    "usernotfullysetup", "suspended", NULL};
	static const char *const access[] = {"accessexception", "nopermissions",
	    "requireloginerror", "servicerequireslogin", "servicenotavailable", "forcepasswordchange",
	    NULL};

	for (int i = 0; token[i]; i++) {
		if (strcmp(e->errorcode, token[i]) == 0)
			return MOODLE_EXC_TOKEN;
	}
	for (int i = 0; access[i]; i++) {
		if (strcmp(e->errorcode, access[i]) == 0)
			return MOODLE_EXC_ACCESS;
	}
	if (strcmp(e->exception, "webservice_access_exception") == 0 ||
	    strcmp(e->exception, "required_capability_exception") == 0)
		return MOODLE_EXC_ACCESS;
	if (strcmp(e->errorcode, "nocriteriaset") == 0)
		return MOODLE_EXC_NOCRITERIA;
	if (strcmp(e->errorcode, "usernotenroled") == 0 || strcmp(e->errorcode, "nottracked") == 0)
		return MOODLE_EXC_NOTENROLLED;
	return MOODLE_EXC_OTHER;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int moodle_parse_ids(const char *text, long long **ids, size_t *n, char *err, size_t errsz)
{
	const char *p = text ? text : "";
	long long *v = NULL;
	size_t cnt = 0, out = 0;

	*ids = NULL;
	*n = 0;
	while (*p) {
		char *end;
		long long x;
		long long *nv;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		if (*p < '0' || *p > '9') {
			snprintf(err, errsz, "'%.40s' is not a course id (a number)", p);
			free(v);
			return -1;
		}
		x = strtoll(p, &end, 10);
		if (x <= 0 || (*end && *end != ',' && *end != ' ' && *end != '\t')) {
			snprintf(err, errsz, "'%.40s' is not a course id (a number)", p);
			free(v);
			return -1;
		}
		if (!(nv = realloc(v, (cnt + 1) * sizeof *v))) {
			snprintf(err, errsz, "out of memory");
			free(v);
			return -1;
		}
		v = nv;
		v[cnt++] = x;
		p = end;
	}
	if (cnt == 0) {
		free(v);
		return 0;
	}
	qsort(v, cnt, sizeof *v, cmp_ll);
	for (size_t i = 0; i < cnt; i++) {
		if (out == 0 || v[out - 1] != v[i])
			v[out++] = v[i];
	}
	*ids = v;
	*n = out;
	return 0;
}

int moodle_parse_words(const char *text, char ***words, size_t *n)
{
	const char *p = text ? text : "";
	char **w = NULL;
	size_t cnt = 0;

	*words = NULL;
	*n = 0;
	while (*p) {
		const char *s, *e;
		char **nw;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		s = p;
		while (*p && *p != ',')
			p++;
		e = p;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e == s)
			continue;
		if (!(nw = realloc(w, (cnt + 1) * sizeof *w)))
			goto oom;
		w = nw;
		if (!(w[cnt] = malloc((size_t)(e - s) + 1)))
			goto oom;
		memcpy(w[cnt], s, (size_t)(e - s));
		w[cnt][e - s] = '\0';
		cnt++;
	}
	*words = w;
	*n = cnt;
	return 0;
oom:
	moodle_words_free(w, cnt);
	return -1;
}

void moodle_words_free(char **words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(words[i]);
	free(words);
}

long long moodle_int(json_t *o, const char *key, long long dflt)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	if (json_is_string(v)) {
		char *end;
		long long x = strtoll(json_string_value(v), &end, 10);
		if (end != json_string_value(v) && *end == '\0')
			return x;
	}
	return dflt;
}

int moodle_has_role(json_t *user, char *const *words, size_t n)
{
	json_t *roles = json_object_get(user, "roles"), *r;
	size_t i;

	if (!json_is_array(roles))
		return -1;
	json_array_foreach(roles, i, r) {
		const char *sn = json_string_value(json_object_get(r, "shortname"));
		for (size_t k = 0; sn && k < n; k++) {
			if (strcmp(sn, words[k]) == 0)
				return 1;
		}
	}
	return 0;
}

const char *moodle_first_group(json_t *user)
{
	json_t *groups = json_object_get(user, "groups"), *g;
	const char *best = NULL;
	long long best_id = 0;
	size_t i;

	json_array_foreach(groups, i, g) {
		const char *name = json_string_value(json_object_get(g, "name"));
		long long id = moodle_int(g, "id", 0);
		if (name && *name && (!best || id < best_id)) {
			best = name;
			best_id = id;
		}
	}
	return best;
}

int moodle_user_name(json_t *user, char *out, size_t n)
{
	const char *full = json_string_value(json_object_get(user, "fullname"));
	const char *first = json_string_value(json_object_get(user, "firstname"));
	const char *last = json_string_value(json_object_get(user, "lastname"));

	if (full && *full) {
		snprintf(out, n, "%s", full);
		return 0;
	}
	if ((first && *first) || (last && *last)) {
		snprintf(out, n, "%s%s%s", first ? first : "", first && *first && last && *last ? " " : "",
		    last ? last : "");
		return 0;
	}
	return -1;
}

int moodle_user_active(json_t *user)
{
	json_t *s = json_object_get(user, "suspended");

	if (!s || json_is_null(s))
		return -1;
	return moodle_int(user, "suspended", 0) ? 0 : 1;
}

/* Calendar arithmetic: the SDK's. */
static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
	int64_t yy;

	ss_civil_from_days(z, &yy, m, d);
	*y = (long long)yy;
}

void moodle_iso(long long epoch, char out[21])
{
	long long days = epoch / 86400, secs = epoch % 86400, y;
	unsigned m, d;
	char buf[64];
	size_t n;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		snprintf(out, 21, "%s", y < 0 ? "0000-01-01T00:00:00Z" : OPEN_END);
		return;
	}
	snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", y, m, d, secs / 3600,
	    secs / 60 % 60, secs % 60);
	n = strlen(buf);
	if (n > 20)
		n = 20;
	memcpy(out, buf, n);
	out[n] = '\0';
}

void moodle_course_period(json_t *course, char start[21], char end[21])
{
	long long s = moodle_int(course, "startdate", 0), e = moodle_int(course, "enddate", 0);

	if (s <= 0)
		s = moodle_int(course, "timecreated", 0);
	if (s < 0)
		s = 0;
	moodle_iso(s, start);
	if (e > s)
		moodle_iso(e, end);
	else
		snprintf(end, 21, "%s", OPEN_END);
}

int moodle_course_completion(json_t *resp, struct moodle_progress *p)
{
	json_t *cs = json_object_get(resp, "completionstatus"), *items, *it;
	size_t i, n = 0, done = 0;
	long long first = 0, latest = 0;

	memset(p, 0, sizeof *p);
	if (!json_is_object(cs))
		return -1;
	items = json_object_get(cs, "completions");
	json_array_foreach(items, i, it) {
		n++;
		if (json_is_true(json_object_get(it, "complete"))) {
			long long t = moodle_int(it, "timecompleted", 0);
			done++;
			if (t > 0 && (first == 0 || t < first))
				first = t;
			if (t > latest)
				latest = t;
		}
	}
	p->completed = moodle_int(cs, "completed", 0) != 0;
	if (p->completed) {
		p->known = 1;
		p->progress = 1;
		p->completed_at = moodle_int(cs, "aggregation", 1) == 2 ? first : latest;
		return 0;
	}
	if (n == 0)
		return 0;
	p->known = 1;
	p->progress = (double)done / (double)n;
	return 0;
}

int moodle_activities_completion(json_t *resp, struct moodle_progress *p)
{
	json_t *st = json_object_get(resp, "statuses"), *it;
	size_t i, n = 0, done = 0;
	long long latest = 0;

	memset(p, 0, sizeof *p);
	if (!json_is_array(st))
		return -1;
	json_array_foreach(st, i, it) {
		long long state = moodle_int(it, "state", 0);
		if (moodle_int(it, "tracking", 0) == 0)
			continue;
		n++;
		/* 1 complete, 2 complete-pass; 0 incomplete, 3 complete-fail */
		if (state == 1 || state == 2) {
			long long t = moodle_int(it, "timecompleted", 0);
			done++;
			if (t > latest)
				latest = t;
		}
	}
	if (n == 0)
		return 0;
	p->known = 1;
	p->progress = (double)done / (double)n;
	p->completed = done == n;
	p->completed_at = p->completed ? latest : 0;
	return 0;
}

void moodle_ratio_text(double v, char out[16])
{
	long q;
	size_t len;

	if (!(v > 0)) {
		snprintf(out, 16, "0");
		return;
	}
	if (v >= 1) {
		snprintf(out, 16, "1");
		return;
	}
	/* four decimals by integer arithmetic (no locale); never rounded to
	 * 0 or 1, which would say "not started" or "complete" */
	q = (long)(v * 10000 + 0.5);
	if (q >= 10000)
		q = 9999;
	if (q < 1)
		q = 1;
	snprintf(out, 16, "0.%04ld", q);
	len = strlen(out);
	while (out[len - 1] == '0')
		out[--len] = '\0';
}
