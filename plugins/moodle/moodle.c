/*
 * moodle: the team's training platform, through Moodle's web services
 * (REST server, JSON format, token in `wstoken`).
 *
 * A sync walks the configured courses (default: every visible course):
 *   1. core_course_get_courses: the courses, their dates and whether
 *      completion tracking is on;
 *   2. core_enrol_get_enrolled_users, paged with limitfrom/limitnumber:
 *      the learners (role `student` by default); each becomes a rep (id =
 *      Moodle user id, team from department, institution, group or cohort
 *      if asked) and gets training.enrolled = 1 per course;
 *   3. per learner of a course with completion tracking:
 *      core_completion_get_course_completion_status, or, for a course
 *      without completion criteria, core_completion_get_activities_
 *      completion_status: training.progress (0..1) and, once complete,
 *      training.completed = 1 on the day of completion.
 * Metrics carry rep_email and dims {"course": <label>}.
 *
 * Moodle has no "changed since": every sync reads everything again, and
 * the host's idempotent upserts count what really changed. Step 3 is the
 * expensive one (one call per learner and course), so the cursor records
 * the courses a pass has finished: a pass that is interrupted (timeout,
 * crash) resumes with the courses it had not finished, if it started less
 * than a day ago.
 *
 * Moodle answers errors with HTTP 200 and {"exception", "errorcode",
 * "message"}: every response is checked for it.
 */
#include <salesync/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "moodle_map.h"

#define STREAM "training"
#define WS_PATH "/webservice/rest/server.php"
#define CHECKPOINT_EVERY 50     /* completion calls between commits */
#define RESUME_MAX_AGE 86400    /* seconds an interrupted pass stays resumable */
#define MAX_IDS_PER_CALL 40     /* ids in one query; beyond, fetch all and filter */
#define WS_HANDLED 1            /* ws_call: an expected exception, in *exc */
#define NQ 48
#define USERFIELDS "id,fullname,firstname,lastname,email,department,institution,suspended,roles,groups"

enum team_from { TEAM_NONE, TEAM_DEPARTMENT, TEAM_INSTITUTION, TEAM_GROUP, TEAM_COHORT };
enum label { LABEL_SHORTNAME, LABEL_FULLNAME, LABEL_IDNUMBER, LABEL_ID };
enum cmode { CM_CRITERIA, CM_ACTIVITIES, CM_NONE };

struct course {
	long long id;
	char *label;
	char *dims;            /* {"course":"<label>"} */
	char start[21], end[21];
	enum cmode mode;
	int resume_done;       /* finished by the interrupted pass being resumed */
	long long *users;      /* learners with an email, in Moodle's order */
	size_t nusers, cap;
};

/* One learner as seen in one course (a user of several courses is seen
 * several times; reps are made from the first sighting). */
struct seen {
	long long id;
	size_t seq;
	char *email, *name, *field, *group;
	int active;
};

struct member {
	long long user, cohort;
	const char *name; /* borrowed from moodle.cohort_names */
};

struct moodle {
	/* options */
	long long *want;
	size_t nwant;
	char **roles;
	size_t nroles;
	enum team_from team_from;
	long long *cohort_ids;
	size_t ncohort_ids;
	enum label label;
	long long page_size;
	int only_active;
	/* one sync */
	ss_ctx *ctx;
	const struct ss_api *api;
	struct course *courses;
	size_t ncourses;
	struct seen *seen;
	size_t nseen, seencap;
	struct member *members;
	size_t nmembers;
	char **cohort_names;
	size_t ncohort_names;
	int warned_roles;
	long long page_first; /* id of the first user of a course's first page */
};

/* ---- small helpers --------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static int has_id(const long long *ids, size_t n, long long id)
{
	return n && bsearch(&id, ids, n, sizeof *ids, cmp_ll) != NULL;
}

static int streq_ci(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
		if (x != y)
			return 0;
	}
	return *a == *b;
}

/* Query parameters with their own storage (names such as options[3][name]). */
struct query {
	struct ss_http_param p[NQ + 1];
	char names[NQ][48];
	char values[NQ][160];
	size_t n;
};

static void q_add(struct query *q, const char *name, const char *value)
{
	if (q->n >= NQ)
		return;
	snprintf(q->names[q->n], sizeof q->names[q->n], "%s", name);
	snprintf(q->values[q->n], sizeof q->values[q->n], "%s", value);
	q->p[q->n].name = q->names[q->n];
	q->p[q->n].value = q->values[q->n];
	q->n++;
	q->p[q->n].name = NULL;
	q->p[q->n].value = NULL;
}

static void q_addll(struct query *q, const char *name, long long v)
{
	char b[32];

	snprintf(b, sizeof b, "%lld", v);
	q_add(q, name, b);
}

/* options[i][name] = name, options[i][value] = value */
static void q_option(struct query *q, int i, const char *name, const char *value)
{
	char k[48];

	snprintf(k, sizeof k, "options[%d][name]", i);
	q_add(q, k, name);
	snprintf(k, sizeof k, "options[%d][value]", i);
	q_add(q, k, value);
}

/* ---- web service calls ----------------------------------------------------- */

static int fail_exception(struct moodle *s, const char *fn, const struct moodle_exc *e,
    enum moodle_exc_kind kind)
{
	const char *dbg = *e->debuginfo ? e->debuginfo : "";
	const char *sep = *dbg ? " - " : "";

	switch (kind) {
	case MOODLE_EXC_TOKEN:
		return s->api->fail(s->ctx, SS_EAUTH, "%s: Moodle refused the token (%s: %s%s%s); check "
		    "`token` (Site administration > Server > Web services > Manage tokens)", fn,
		    e->errorcode, e->message, sep, dbg);
	case MOODLE_EXC_ACCESS:
		return s->api->fail(s->ctx, SS_EAUTH, "%s: Moodle denied access (%s: %s%s%s): the token "
		    "may have expired or be restricted, its external service may lack %s, or its user "
		    "a capability it needs (see the moodle plugin's README)", fn, e->errorcode,
		    e->message, sep, dbg, fn);
	default:
		return s->api->fail(s->ctx, SS_EIO, "%s: Moodle error %s (%s): %s%s%s", fn, e->errorcode,
		    e->exception, e->message, sep, dbg);
	}
}

/* Calls wsfunction fn with the params in q. 0 with *out (caller decrefs);
 * WS_HANDLED with *exc when the answer is one of the exceptions the
 * caller handles (no criteria, not enrolled) and exc is not NULL; else an
 * SS_E* error, explained. */
static int ws_call(struct moodle *s, const char *fn, struct query *q, json_t **out,
    struct moodle_exc *exc)
{
	struct ss_http_request req = SS_HTTP_REQUEST_INIT;
	const struct ss_http_response *r;
	struct query all = {0};
	struct moodle_exc e;
	json_error_t je;
	json_t *j;
	int rc;

	*out = NULL;
	q_add(&all, "wsfunction", fn);
	q_add(&all, "moodlewsrestformat", "json");
	for (size_t i = 0; q && i < q->n; i++)
		q_add(&all, q->names[i], q->values[i]);
	req.url = WS_PATH;
	req.query = all.p;
	if ((rc = s->api->http->request(s->ctx, &req, &r)) != 0)
		return rc;
	if (r->status != 200) {
		const char *hint = r->status == 404 || r->status == 403 ?
		    "; is base_url the Moodle site root (https://lms.example.com) and the REST protocol "
		    "enabled (Site administration > Server > Web services > Manage protocols)?" : "";
		return s->api->fail(s->ctx, r->status == 404 ? SS_EINVAL : SS_EIO,
		    "%s: GET %s: HTTP %ld: %.200s%s", fn, r->url, r->status, r->body, hint);
	}
	j = json_loadb(r->body, r->body_len, 0, &je);
	if (!j)
		return s->api->fail(s->ctx, SS_EPARSE, "%s: GET %s: the answer is not JSON (%s; body "
		    "starts: %.80s); is base_url a Moodle site, with debug messages off?", fn, r->url,
		    je.text, r->body);
	if (moodle_exception(j, &e)) {
		enum moodle_exc_kind kind = moodle_exception_kind(&e);
		json_decref(j);
		if (exc && (kind == MOODLE_EXC_NOCRITERIA || kind == MOODLE_EXC_NOTENROLLED)) {
			*exc = e;
			return WS_HANDLED;
		}
		return fail_exception(s, fn, &e, kind);
	}
	*out = j;
	return 0;
}

/* ---- options ------------------------------------------------------------- */

static void m_close(void *state)
{
	struct moodle *s = state;

	if (!s)
		return;
	free(s->want);
	moodle_words_free(s->roles, s->nroles);
	free(s->cohort_ids);
	free(s);
}

static int is_true(const char *v)
{
	return v && (streq_ci(v, "yes") || streq_ci(v, "true") || streq_ci(v, "on") ||
	                strcmp(v, "1") == 0);
}

static int m_open(ss_ctx *ctx, const struct ss_api *api, void **out)
{
	struct moodle *s;
	const char *v;
	char err[160];
	char *end;

	if (!SS_API_HAS(api, http))
		return api->fail(ctx, SS_EUNSUPPORTED, "this host has no HTTP service (SDK 1.1 needed)");
	if (!api->option(ctx, "base_url"))
		return api->fail(ctx, SS_EINVAL, "base_url: required, the Moodle site root, e.g. "
		    "https://lms.example.com");
	if (!api->option(ctx, "token"))
		return api->fail(ctx, SS_EINVAL, "token: required, a web-service token (Site "
		    "administration > Server > Web services > Manage tokens)");
	if (!(s = calloc(1, sizeof *s)))
		return api->fail(ctx, SS_ENOMEM, "out of memory");
	*out = NULL;
	if (moodle_parse_ids(api->option(ctx, "courses"), &s->want, &s->nwant, err, sizeof err) != 0) {
		m_close(s);
		return api->fail(ctx, SS_EINVAL, "courses: %s", err);
	}
	if (moodle_parse_ids(api->option(ctx, "cohorts"), &s->cohort_ids, &s->ncohort_ids, err,
	        sizeof err) != 0) {
		m_close(s);
		return api->fail(ctx, SS_EINVAL, "cohorts: %s", err);
	}
	v = api->option(ctx, "roles");
	if (v && strcmp(v, "*") == 0)
		v = "";
	if (moodle_parse_words(v ? v : "student", &s->roles, &s->nroles) != 0) {
		m_close(s);
		return api->fail(ctx, SS_ENOMEM, "out of memory");
	}
	v = api->option(ctx, "team_from");
	s->team_from = !v || !strcmp(v, "none") ? TEAM_NONE : !strcmp(v, "department") ?
	    TEAM_DEPARTMENT : !strcmp(v, "institution") ? TEAM_INSTITUTION : !strcmp(v, "group") ?
	    TEAM_GROUP : TEAM_COHORT;
	if (s->ncohort_ids && s->team_from != TEAM_COHORT) {
		m_close(s);
		return api->fail(ctx, SS_EINVAL, "cohorts: only used with team_from = cohort");
	}
	v = api->option(ctx, "course_label");
	s->label = !v || !strcmp(v, "shortname") ? LABEL_SHORTNAME : !strcmp(v, "fullname") ?
	    LABEL_FULLNAME : !strcmp(v, "idnumber") ? LABEL_IDNUMBER : LABEL_ID;
	v = api->option(ctx, "page_size");
	s->page_size = v ? strtoll(v, &end, 10) : 100;
	if (!v || *end || s->page_size < 1 || s->page_size > 10000) {
		m_close(s);
		return api->fail(ctx, SS_EINVAL, "page_size: users per request, 1 to 10000");
	}
	s->only_active = is_true(api->option(ctx, "only_active"));
	*out = s;
	return 0;
}

/* ---- check --------------------------------------------------------------- */

static int offers(json_t *functions, const char *fn)
{
	size_t i;
	json_t *f;

	json_array_foreach(functions, i, f) {
		const char *name = json_string_value(json_object_get(f, "name"));
		if (name && strcmp(name, fn) == 0)
			return 1;
	}
	return 0;
}

static const char *str_or(json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "?";
}

static int m_check(ss_ctx *ctx, const struct ss_api *api, void *state)
{
	static const char *const needed[] = {"core_course_get_courses",
	    "core_enrol_get_enrolled_users", "core_completion_get_course_completion_status", NULL};
	static const char *const cohort_fns[] = {"core_cohort_get_cohorts",
	    "core_cohort_get_cohort_members", NULL};
	struct moodle *s = state;
	json_t *j, *fns;
	char missing[400] = "";
	size_t o = 0;
	int rc;

	s->ctx = ctx;
	s->api = api;
	if ((rc = ws_call(s, "core_webservice_get_site_info", NULL, &j, NULL)) != 0)
		return rc;
	fns = json_object_get(j, "functions");
	if (json_is_array(fns)) {
		for (int k = 0; k < 2; k++) {
			const char *const *list = k == 0 ? needed : cohort_fns;
			if (k == 1 && s->team_from != TEAM_COHORT)
				break;
			for (int i = 0; list[i]; i++) {
				if (!offers(fns, list[i]) && o < sizeof missing)
					o += (size_t)snprintf(missing + o, sizeof missing - o, "%s%s",
					    o ? ", " : "", list[i]);
			}
		}
		if (!offers(fns, "core_completion_get_activities_completion_status"))
			api->log(ctx, SS_LOG_WARN, "the token's service lacks "
			    "core_completion_get_activities_completion_status: courses without "
			    "completion criteria will fail");
	}
	if (*missing) {
		json_decref(j);
		return api->fail(ctx, SS_EAUTH, "core_webservice_get_site_info: the token's external "
		    "service lacks %s; add them in Site administration > Server > Web services > "
		    "External services > Functions", missing);
	}
	api->log(ctx, SS_LOG_INFO, "Moodle site \"%s\" (release %s) as %s",
	    str_or(json_object_get(j, "sitename")), str_or(json_object_get(j, "release")),
	    str_or(json_object_get(j, "username")));
	json_decref(j);
	return 0;
}

/* ---- sync state ------------------------------------------------------------ */

static void sync_free(struct moodle *s)
{
	for (size_t i = 0; i < s->ncourses; i++) {
		free(s->courses[i].label);
		free(s->courses[i].dims);
		free(s->courses[i].users);
	}
	free(s->courses);
	for (size_t i = 0; i < s->nseen; i++) {
		free(s->seen[i].email);
		free(s->seen[i].name);
		free(s->seen[i].field);
		free(s->seen[i].group);
	}
	free(s->seen);
	free(s->members);
	for (size_t i = 0; i < s->ncohort_names; i++)
		free(s->cohort_names[i]);
	free(s->cohort_names);
	s->courses = NULL;
	s->seen = NULL;
	s->members = NULL;
	s->cohort_names = NULL;
	s->ncourses = s->nseen = s->seencap = s->nmembers = s->ncohort_names = 0;
}

static int cmp_course(const void *a, const void *b)
{
	return cmp_ll(&((const struct course *)a)->id, &((const struct course *)b)->id);
}

static int add_course(struct moodle *s, json_t *c)
{
	struct course *nc = realloc(s->courses, (s->ncourses + 1) * sizeof *nc), *x;
	const char *key = s->label == LABEL_FULLNAME ? "fullname" : s->label == LABEL_IDNUMBER ?
	    "idnumber" : "shortname";
	const char *label = s->label == LABEL_ID ? NULL : json_string_value(json_object_get(c, key));
	char idtext[32];
	json_t *d;

	if (!nc)
		return SS_ENOMEM;
	s->courses = nc;
	x = &s->courses[s->ncourses];
	memset(x, 0, sizeof *x);
	x->id = moodle_int(c, "id", 0);
	snprintf(idtext, sizeof idtext, "%lld", x->id);
	x->label = strdup(label && *label ? label : idtext);
	d = json_pack("{s:s}", "course", x->label ? x->label : idtext);
	x->dims = d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(d);
	if (!x->label || !x->dims) {
		free(x->label);
		free(x->dims);
		return SS_ENOMEM;
	}
	moodle_course_period(c, x->start, x->end);
	x->mode = moodle_int(c, "enablecompletion", 1) ? CM_CRITERIA : CM_NONE;
	s->ncourses++;
	return 0;
}

static int load_courses(struct moodle *s)
{
	struct query q = {0};
	json_t *j, *c;
	size_t i;
	int rc;

	if (s->nwant > 0 && s->nwant <= MAX_IDS_PER_CALL) {
		for (i = 0; i < s->nwant; i++) {
			char k[48];
			snprintf(k, sizeof k, "options[ids][%zu]", i);
			q_addll(&q, k, s->want[i]);
		}
	}
	if ((rc = ws_call(s, "core_course_get_courses", &q, &j, NULL)) != 0)
		return rc;
	if (!json_is_array(j)) {
		json_decref(j);
		return s->api->fail(s->ctx, SS_EPARSE, "core_course_get_courses: expected a list of "
		    "courses");
	}
	json_array_foreach(j, i, c) {
		long long id = moodle_int(c, "id", 0);
		const char *format = json_string_value(json_object_get(c, "format"));

		if (id <= 0 || (format && strcmp(format, "site") == 0))
			continue; /* the site's front page is course 1 */
		if (s->nwant ? !has_id(s->want, s->nwant, id) : moodle_int(c, "visible", 1) == 0)
			continue;
		if ((rc = add_course(s, c)) != 0) {
			json_decref(j);
			return s->api->fail(s->ctx, rc, "out of memory");
		}
	}
	json_decref(j);
	if (s->ncourses > 1)
		qsort(s->courses, s->ncourses, sizeof *s->courses, cmp_course);
	for (i = 0; i < s->nwant; i++) {
		struct course key;
		key.id = s->want[i];
		if (!s->ncourses ||
		    !bsearch(&key, s->courses, s->ncourses, sizeof *s->courses, cmp_course))
			return s->api->fail(s->ctx, SS_EINVAL, "courses: course %lld does not exist, is "
			    "the site page, or is not visible to the token's user", s->want[i]);
	}
	if (s->ncourses == 0)
		s->api->log(s->ctx, SS_LOG_WARN, "no courses to read (no visible course on the site)");
	return 0;
}

/* ---- cohorts (team_from = cohort) ----------------------------------------------- */

static int cmp_member(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = cmp_ll(&x->user, &y->user);

	return c ? c : cmp_ll(&x->cohort, &y->cohort);
}

static int load_members(struct moodle *s, const long long *ids, const char *const *names,
    size_t n)
{
	for (size_t from = 0; from < n; from += MAX_IDS_PER_CALL) {
		struct query q = {0};
		json_t *j, *it;
		size_t i;
		int rc;

		for (i = from; i < n && i < from + MAX_IDS_PER_CALL; i++) {
			char k[48];
			snprintf(k, sizeof k, "cohortids[%zu]", i - from);
			q_addll(&q, k, ids[i]);
		}
		if ((rc = ws_call(s, "core_cohort_get_cohort_members", &q, &j, NULL)) != 0)
			return rc;
		json_array_foreach(j, i, it) {
			long long cid = moodle_int(it, "cohortid", 0);
			const char *name = NULL;
			json_t *u;
			size_t k;

			for (k = 0; k < n && !name; k++) {
				if (ids[k] == cid)
					name = names[k];
			}
			if (!name)
				continue;
			json_array_foreach(json_object_get(it, "userids"), k, u) {
				struct member *nm = realloc(s->members, (s->nmembers + 1) * sizeof *nm);
				if (!nm) {
					json_decref(j);
					return s->api->fail(s->ctx, SS_ENOMEM, "out of memory");
				}
				s->members = nm;
				nm[s->nmembers].user = json_integer_value(u);
				nm[s->nmembers].cohort = cid;
				nm[s->nmembers].name = name;
				s->nmembers++;
			}
		}
		json_decref(j);
	}
	if (s->nmembers > 1)
		qsort(s->members, s->nmembers, sizeof *s->members, cmp_member);
	return 0;
}

static int load_cohorts(struct moodle *s)
{
	struct query q = {0};
	long long *ids = NULL;
	json_t *j, *c;
	size_t i, n = 0;
	int rc;

	/* many ids: ask for every cohort, and keep the configured ones */
	for (i = 0; s->ncohort_ids <= MAX_IDS_PER_CALL && i < s->ncohort_ids; i++) {
		char k[48];
		snprintf(k, sizeof k, "cohortids[%zu]", i);
		q_addll(&q, k, s->cohort_ids[i]);
	}
	if ((rc = ws_call(s, "core_cohort_get_cohorts", &q, &j, NULL)) != 0)
		return rc;
	if (!json_is_array(j)) {
		json_decref(j);
		return s->api->fail(s->ctx, SS_EPARSE, "core_cohort_get_cohorts: expected a list");
	}
	ids = calloc(json_array_size(j) + 1, sizeof *ids);
	s->cohort_names = calloc(json_array_size(j) + 1, sizeof *s->cohort_names);
	if (!ids || !s->cohort_names) {
		free(ids);
		json_decref(j);
		return s->api->fail(s->ctx, SS_ENOMEM, "out of memory");
	}
	json_array_foreach(j, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		long long id = moodle_int(c, "id", 0);
		if (id <= 0 || !name || !*name)
			continue;
		if (s->ncohort_ids && !has_id(s->cohort_ids, s->ncohort_ids, id))
			continue;
		if (!(s->cohort_names[n] = strdup(name)))
			break;
		ids[n++] = id;
	}
	s->ncohort_names = n;
	json_decref(j);
	if (n == 0)
		s->api->log(s->ctx, SS_LOG_WARN, "team_from = cohort, but the token sees no cohorts");
	rc = load_members(s, ids, (const char *const *)s->cohort_names, n);
	free(ids);
	return rc;
}

static const char *cohort_of(const struct moodle *s, long long user)
{
	size_t lo = 0, hi = s->nmembers;

	while (lo < hi) { /* the first entry of user: its lowest cohort id */
		size_t mid = lo + (hi - lo) / 2;
		if (s->members[mid].user < user)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nmembers && s->members[lo].user == user ? s->members[lo].name : NULL;
}

/* ---- phase 1: learners, reps, training.enrolled ------------------------------- */

static int emit_metric(struct moodle *s, const struct course *c, const char *name,
    const char *value, const char *start, const char *end, const char *email,
    const char *updated_at)
{
	struct ss_metric m = SS_METRIC_INIT;
	int rc;

	m.name = name;
	m.value = value;
	m.period_start = start;
	m.period_end = end;
	m.dims = c->dims;
	m.rep_email = email;
	m.updated_at = updated_at;
	rc = s->api->emit_metric(s->ctx, &m);
	if (rc == SS_EINVAL) {
		s->api->skip(s->ctx, "course %s: %s of %s was refused", c->label, name, email);
		return 0;
	}
	return rc;
}

static int add_seen(struct moodle *s, json_t *u, long long id, const char *email)
{
	struct seen *x;
	char name[256];
	const char *field = NULL;

	if (s->nseen == s->seencap) {
		size_t cap = s->seencap ? s->seencap * 2 : 64;
		struct seen *ns = realloc(s->seen, cap * sizeof *ns);
		if (!ns)
			return SS_ENOMEM;
		s->seen = ns;
		s->seencap = cap;
	}
	x = &s->seen[s->nseen];
	memset(x, 0, sizeof *x);
	x->id = id;
	x->seq = s->nseen;
	x->active = moodle_user_active(u);
	if (s->team_from == TEAM_DEPARTMENT)
		field = json_string_value(json_object_get(u, "department"));
	else if (s->team_from == TEAM_INSTITUTION)
		field = json_string_value(json_object_get(u, "institution"));
	x->email = dup_or_null(email);
	x->name = moodle_user_name(u, name, sizeof name) == 0 ? dup_or_null(name) : NULL;
	x->field = dup_or_null(field);
	x->group = s->team_from == TEAM_GROUP ? dup_or_null(moodle_first_group(u)) : NULL;
	s->nseen++;
	return 0;
}

static int add_learner(struct course *c, long long id)
{
	if (c->nusers == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		long long *nu = realloc(c->users, cap * sizeof *nu);
		if (!nu)
			return SS_ENOMEM;
		c->users = nu;
		c->cap = cap;
	}
	c->users[c->nusers++] = id;
	return 0;
}

/* One page of core_enrol_get_enrolled_users; *n is the users it held and
 * *first the id of the first one. */
static int learners_page(struct moodle *s, struct course *c, long long from, size_t *n,
    long long *first)
{
	struct query q = {0};
	char b[32];
	json_t *j, *u;
	size_t i;
	int rc = 0;

	q_addll(&q, "courseid", c->id);
	snprintf(b, sizeof b, "%lld", from);
	q_option(&q, 0, "limitfrom", b);
	snprintf(b, sizeof b, "%lld", s->page_size);
	q_option(&q, 1, "limitnumber", b);
	q_option(&q, 2, "sortby", "id");
	q_option(&q, 3, "sortdirection", "ASC");
	q_option(&q, 4, "onlyactive", s->only_active ? "1" : "0");
	q_option(&q, 5, "userfields", USERFIELDS);
	if ((rc = ws_call(s, "core_enrol_get_enrolled_users", &q, &j, NULL)) != 0)
		return rc;
	if (!json_is_array(j)) {
		json_decref(j);
		return s->api->fail(s->ctx, SS_EPARSE, "core_enrol_get_enrolled_users (course %lld): "
		    "expected a list of users", c->id);
	}
	*n = json_array_size(j);
	*first = moodle_int(json_array_get(j, 0), "id", 0);
	if (from > 0 && *n > 0 && *first == s->page_first) {
		json_decref(j);
		return s->api->fail(s->ctx, SS_EPARSE, "core_enrol_get_enrolled_users (course %lld): "
		    "limitfrom %lld gave the first page again; this Moodle does not page enrolled "
		    "users: set page_size larger than the biggest course", c->id, from);
	}
	json_array_foreach(j, i, u) {
		long long id = moodle_int(u, "id", 0);
		const char *email = json_string_value(json_object_get(u, "email"));
		int role = s->nroles ? moodle_has_role(u, s->roles, s->nroles) : 1;

		if (id <= 0 || role == 0)
			continue;
		if (role < 0 && !s->warned_roles) {
			s->warned_roles = 1;
			s->api->log(s->ctx, SS_LOG_WARN, "the token cannot see users' roles: every "
			    "enrolled user counts as a learner (set roles = * to silence this)");
		}
		if ((rc = add_seen(s, u, id, email)) != 0)
			break;
		if (!email || !*email) {
			s->api->skip(s->ctx, "course %s: user %lld has no email the token can see, so no "
			    "training metrics (the token's user needs moodle/course:useremail)", c->label,
			    id);
			continue;
		}
		if ((rc = add_learner(c, id)) != 0)
			break;
		if ((rc = emit_metric(s, c, SS_METRIC_TRAINING_ENROLLED, "1", c->start, c->end, email,
		         NULL)) != 0)
			break;
	}
	json_decref(j);
	if (rc == SS_ENOMEM)
		return s->api->fail(s->ctx, rc, "out of memory");
	return rc;
}

static int read_learners(struct moodle *s, struct course *c)
{
	long long from = 0, first;
	size_t n;
	int rc;

	for (;;) {
		if ((rc = learners_page(s, c, from, &n, &first)) != 0)
			return rc;
		if (from == 0)
			s->page_first = first;
		/* a short page is the last; a long one means the limit was
		 * ignored and every user came at once */
		if ((long long)n != s->page_size)
			break;
		from += (long long)n;
		if (s->api->cancelled(s->ctx))
			return SS_ECANCELLED;
	}
	return s->api->checkpoint(s->ctx);
}

static int cmp_seen(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	int c = cmp_ll(&x->id, &y->id);

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* One rep per user, from their first sighting (courses in id order); the
 * team from the first sighting that has one. Leaves seen[] sorted by id. */
static int emit_reps(struct moodle *s)
{
	size_t i = 0;
	int rc;

	if (s->nseen > 1)
		qsort(s->seen, s->nseen, sizeof *s->seen, cmp_seen);
	while (i < s->nseen) {
		struct ss_rep r = SS_REP_INIT;
		char id[32];
		size_t k = i;

		snprintf(id, sizeof id, "%lld", s->seen[i].id);
		r.id = id;
		r.email = s->seen[i].email;
		r.name = s->seen[i].name;
		r.active = s->seen[i].active;
		for (; k < s->nseen && s->seen[k].id == s->seen[i].id; k++) {
			const char *t = s->team_from == TEAM_GROUP ? s->seen[k].group : s->seen[k].field;
			if (!r.team && t)
				r.team = t;
		}
		if (s->team_from == TEAM_COHORT)
			r.team = cohort_of(s, s->seen[i].id);
		rc = s->api->emit_rep(s->ctx, &r);
		if (rc == SS_EINVAL)
			s->api->skip(s->ctx, "user %s was refused as a rep", id);
		else if (rc != 0)
			return rc;
		i = k;
	}
	return s->api->checkpoint(s->ctx);
}

static const char *email_of(const struct moodle *s, long long id)
{
	size_t lo = 0, hi = s->nseen;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->seen[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nseen && s->seen[lo].id == id ? s->seen[lo].email : NULL;
}

/* ---- phase 2: completion ---------------------------------------------------- */

/* 0 with *p, 1 to skip this user, or an error. */
static int completion(struct moodle *s, struct course *c, long long user,
    struct moodle_progress *p)
{
	struct query q = {0};
	struct moodle_exc e;
	json_t *j = NULL;
	int rc;

	q_addll(&q, "courseid", c->id);
	q_addll(&q, "userid", user);
	if (c->mode == CM_CRITERIA) {
		rc = ws_call(s, "core_completion_get_course_completion_status", &q, &j, &e);
		if (rc == WS_HANDLED && moodle_exception_kind(&e) == MOODLE_EXC_NOCRITERIA) {
			s->api->log(s->ctx, SS_LOG_INFO, "course %s has no completion criteria: progress "
			    "from its activities' completion", c->label);
			c->mode = CM_ACTIVITIES;
		} else if (rc == WS_HANDLED) {
			s->api->log(s->ctx, SS_LOG_INFO, "course %s: user %lld is no longer enrolled (%s)",
			    c->label, user, e.message);
			return 1;
		} else if (rc != 0) {
			return rc;
		} else {
			rc = moodle_course_completion(j, p);
			json_decref(j);
			if (rc != 0)
				return s->api->fail(s->ctx, SS_EPARSE, "core_completion_get_course_"
				    "completion_status (course %lld, user %lld): no completionstatus",
				    c->id, user);
			return 0;
		}
	}
	rc = ws_call(s, "core_completion_get_activities_completion_status", &q, &j, &e);
	if (rc == WS_HANDLED) {
		s->api->log(s->ctx, SS_LOG_INFO, "course %s: user %lld: %s: %s", c->label, user,
		    e.errorcode, e.message);
		return 1;
	}
	if (rc != 0)
		return rc;
	rc = moodle_activities_completion(j, p);
	json_decref(j);
	if (rc != 0)
		return s->api->fail(s->ctx, SS_EPARSE, "core_completion_get_activities_completion_"
		    "status (course %lld, user %lld): no statuses", c->id, user);
	return 0;
}

static int emit_completion(struct moodle *s, const struct course *c, const char *email,
    const struct moodle_progress *p)
{
	char value[16], at[21], day0[21], day1[21];
	const char *upd = NULL;
	int rc;

	if (!p->known)
		return 0;
	if (p->completed && p->completed_at > 0) {
		moodle_iso(p->completed_at, at);
		upd = at;
	}
	moodle_ratio_text(p->progress, value);
	if ((rc = emit_metric(s, c, SS_METRIC_TRAINING_PROGRESS, value, c->start, c->end, email,
	         upd)) != 0 || !p->completed)
		return rc;
	/* completed: on the day of completion (the course's period if the
	 * time is unknown), with the completion time */
	if (p->completed_at > 0) {
		long long d = p->completed_at - ((p->completed_at % 86400) + 86400) % 86400;
		moodle_iso(d, day0);
		moodle_iso(d + 86400, day1);
		return emit_metric(s, c, SS_METRIC_TRAINING_COMPLETED, "1", day0, day1, email, upd);
	}
	return emit_metric(s, c, SS_METRIC_TRAINING_COMPLETED, "1", c->start, c->end, email, NULL);
}

/* The cursor of a pass: "pass:<start epoch>:<finished course ids>", and
 * "done:<start epoch>" once every course is finished. */
static char *pass_cursor(const struct moodle *s, long long started)
{
	size_t cap = 64 + s->ncourses * 21, o;
	char *b = malloc(cap);

	if (!b)
		return NULL;
	o = (size_t)snprintf(b, cap, "pass:%lld:", started);
	for (size_t i = 0; i < s->ncourses; i++) {
		if (s->courses[i].resume_done)
			o += (size_t)snprintf(b + o, cap - o, "%s%lld", b[o - 1] == ':' ? "" : ",",
			    s->courses[i].id);
	}
	return b;
}

/* Marks the courses an interrupted, recent pass finished; returns the
 * pass's start, or now for a new pass. */
static long long resume_pass(struct moodle *s, const char *cursor, long long now)
{
	long long started, *ids = NULL;
	size_t n = 0;
	char *end, err[80];

	if (!cursor || strncmp(cursor, "pass:", 5) != 0)
		return now;
	started = strtoll(cursor + 5, &end, 10);
	if (*end != ':' || started > now || now - started >= RESUME_MAX_AGE)
		return now;
	if (moodle_parse_ids(end + 1, &ids, &n, err, sizeof err) != 0)
		return now;
	for (size_t i = 0; i < s->ncourses; i++) {
		if (has_id(ids, n, s->courses[i].id))
			s->courses[i].resume_done = 1;
	}
	free(ids);
	if (n)
		s->api->log(s->ctx, SS_LOG_INFO, "resuming the pass of %lld s ago: %zu course(s) already "
		    "finished", now - started, n);
	return started;
}

static int course_completions(struct moodle *s, struct course *c)
{
	for (size_t i = 0; i < c->nusers; i++) {
		struct moodle_progress p;
		const char *email = email_of(s, c->users[i]);
		int rc;

		if (!email)
			continue;
		rc = completion(s, c, c->users[i], &p);
		if (rc == 1)
			continue;
		if (rc != 0 || (rc = emit_completion(s, c, email, &p)) != 0)
			return rc;
		if ((i + 1) % CHECKPOINT_EVERY == 0 && (rc = s->api->checkpoint(s->ctx)) != 0)
			return rc;
		if (s->api->cancelled(s->ctx))
			return SS_ECANCELLED;
	}
	return 0;
}

static int sync_all(struct moodle *s)
{
	long long now = (long long)time(NULL), started;
	char *cur;
	int rc;

	if ((rc = load_courses(s)) != 0)
		return rc;
	if (s->team_from == TEAM_COHORT && (rc = load_cohorts(s)) != 0)
		return rc;
	started = resume_pass(s, s->api->cursor_get(s->ctx, STREAM), now);
	for (size_t i = 0; i < s->ncourses; i++) {
		if ((rc = read_learners(s, &s->courses[i])) != 0)
			return rc;
		if (s->api->cancelled(s->ctx))
			return SS_ECANCELLED;
	}
	if ((rc = emit_reps(s)) != 0)
		return rc;
	for (size_t i = 0; i < s->ncourses; i++) {
		struct course *c = &s->courses[i];

		s->api->progress(s->ctx, STREAM, (int64_t)i, (int64_t)s->ncourses);
		if (c->mode != CM_NONE && !c->resume_done && (rc = course_completions(s, c)) != 0)
			return rc;
		c->resume_done = 1;
		if (!(cur = pass_cursor(s, started)))
			return s->api->fail(s->ctx, SS_ENOMEM, "out of memory");
		rc = s->api->cursor_set(s->ctx, STREAM, cur);
		free(cur);
		if (rc != 0 || (rc = s->api->checkpoint(s->ctx)) != 0)
			return rc;
	}
	s->api->progress(s->ctx, STREAM, (int64_t)s->ncourses, (int64_t)s->ncourses);
	{
		char done[40];
		snprintf(done, sizeof done, "done:%lld", started);
		if ((rc = s->api->cursor_set(s->ctx, STREAM, done)) != 0)
			return rc;
	}
	s->api->log(s->ctx, SS_LOG_INFO, "%zu course(s), %zu learner enrolment(s)", s->ncourses,
	    s->nseen);
	return 0;
}

static int m_sync(ss_ctx *ctx, const struct ss_api *api, void *state)
{
	struct moodle *s = state;
	int rc;

	s->ctx = ctx;
	s->api = api;
	s->warned_roles = 0;
	rc = sync_all(s);
	sync_free(s);
	return rc;
}

/* ---- descriptor ---------------------------------------------------------- */

static const char *const streams[] = {STREAM, NULL};

static const struct ss_option options[] = {
    {"courses", SS_OPT_STRING, 0, NULL, NULL,
        "course ids, comma-separated (default: every visible course)"},
    {"roles", SS_OPT_STRING, 0, "student", NULL,
        "role shortnames that make an enrolled user a learner, comma-separated; * for everyone"},
    {"team_from", SS_OPT_ENUM, 0, "none", "none|department|institution|group|cohort",
        "where a rep's team comes from"},
    {"cohorts", SS_OPT_STRING, 0, NULL, NULL,
        "team_from = cohort: the cohort ids that are teams (default: every cohort)"},
    {"course_label", SS_OPT_ENUM, 0, "shortname", "shortname|fullname|idnumber|id",
        "what dims.course holds"},
    {"page_size", SS_OPT_INT, 0, "100", NULL, "enrolled users per request (limitnumber)"},
    {"only_active", SS_OPT_BOOL, 0, "yes", NULL,
        "leave out users whose enrolment is suspended or expired"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

static const struct ss_auth auth = {
    SS_AUTH_API_KEY, NULL, "wstoken", NULL, NULL, NULL, NULL,
};

static const struct ss_plugin moodle_plugin = {
    SS_PLUGIN_HEAD, "moodle", "1.0.0",
    "Moodle (web services): learners as reps, training.* metrics per course",
    streams, options, NULL, NULL, m_open, m_check, m_sync, m_close, &auth,
};

SS_PLUGIN_DEFINE(moodle_plugin)
