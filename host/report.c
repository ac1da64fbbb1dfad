/*
 * report: builds the sales-operations report (see report.h for the
 * conventions). Each section is one function: a few read-only queries
 * through store_query(), whose rows arrive as JSON arrays of objects,
 * then aggregation in C where SQL cannot do it simply (ISO weeks,
 * medians, integer money arithmetic, proration).
 *
 * Every query gets the same parameters:
 *   ?1 since   ?2 until   ?3 rep email or NULL   ?7 as of
 * "As of" is the end of the period, or now if that is earlier: snapshots
 * cannot see the future.
 *   ?4 follow-up cutoff (as of - follow_up_hours)
 *   ?5 stall cutoff (as of - stall_days)
 *   ?6 new-rep cutoff (as of - REPORT_NEW_REP_DAYS days)
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "norm.h"
#include "report_html.h"
#include "report_text.h"

/* ---- SQL fragments ------------------------------------------------------ */

/* The owner email of a lead or deal X (report.h: how owners resolve). */
#define OWNER(X) \
	"coalesce((SELECT r.email FROM reps r WHERE r.source = " X ".source AND r.id = " X \
	".owner_id AND ifnull(r.email, '') <> ''), (SELECT CASE WHEN count(DISTINCT r.email) = 1" \
	" THEN min(r.email) END FROM reps r WHERE r.id = " X ".owner_id AND ifnull(r.email, '')" \
	" <> ''), CASE WHEN instr(" X ".owner_id, '@') > 0 THEN lower(trim(" X ".owner_id)) END)"
/* Only X owned by the --rep, if one was given. */
#define REP_FILTER(X) " AND (?3 IS NULL OR " OWNER(X) " = ?3)"
/* A lead still to be worked: not unqualified or converted (an unknown
 * status counts as open, rather than hiding the lead). */
#define OPEN_LEAD(X) \
	" AND " X ".deleted = 0 AND (" X ".status IS NULL OR " X ".status IN ('new', 'working'," \
	" 'qualified'))"
/* When a won/lost deal closed: closed_at, else its close date. */
#define CLOSED(X) "coalesce(" X ".closed_at, " X ".close_date)"
#define CLOSED_IN_PERIOD(X) " AND " CLOSED(X) " >= ?1 AND " CLOSED(X) " < ?2"
/* Open deals that existed at the as-of time. */
#define OPEN_DEAL(X) \
	" AND " X ".deleted = 0 AND " X ".stage = 'open' AND (" X ".created_at IS NULL OR " X \
	".created_at < ?7)"
#define CURRENCY(X) "ifnull(nullif(" X ".currency, ''), 'XXX')"
#define STAGE(X) "ifnull(nullif(trim(" X ".stage_raw), ''), " X ".stage)"
/* A lead's channel, "(none)" if empty. */
#define CHANNEL(E) "ifnull(nullif(trim(" E "), ''), '(none)')"
/* The channel of deal X's lead: same source, else the one lead with that id. */
#define DEAL_CHANNEL(X) \
	"coalesce((SELECT l.channel FROM leads l WHERE l.source = " X ".source AND l.id = " X \
	".lead_id), (SELECT CASE WHEN count(*) = 1 THEN min(l.channel) END FROM leads l" \
	" WHERE l.id = " X ".lead_id))"

#define NPARAM 7

struct rctx {
	struct store *st;
	const struct report_opts *o;
	struct ss_err *err;
	const char *params[NPARAM];
	char fu_cut[21], stall_cut[21], join_cut[21], asof[21];
	int64_t since, until, asof_t; /* epoch seconds */
	int64_t fu_hours, stall_days;
	json_t *reps;         /* email -> {name, team, active, created_at} */
	int rc;               /* first error */
};

/* ---- time --------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

void report_iso(int64_t epoch, char out[21])
{
	int64_t days = floor_div(epoch, 86400), secs = epoch - days * 86400, y;
	unsigned m, d;

	char buf[64];

	util_civil_from_days(days, &y, &m, &d);
	if (y < 0)
		y = 0;
	if (y > 9999)
		y = 9999;
	snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", (int)y, m % 100, d % 100,
	    (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	snprintf(out, 21, "%.20s", buf);
}

/* "2026-W47" of the day `days` (since the epoch) into out (9 bytes). */
static void iso_week(int64_t days, char out[9])
{
	int64_t wd = ((days % 7) + 7 + 3) % 7; /* 0 = Monday; 1970-01-01 was a Thursday */
	int64_t thu = days - wd + 3, y;
	unsigned m, d;

	util_civil_from_days(thu, &y, &m, &d);
	snprintf(out, 9, "%04d-W%02d", (int)y, (int)((thu - util_days_from_civil(y, 1, 1)) / 7 + 1));
}

/* Epoch seconds of ISO text (date-only text is its midnight), or -1. */
static int64_t epoch_of(const char *iso)
{
	char buf[21];

	if (!iso)
		return -1;
	if (strlen(iso) == 10) {
		snprintf(buf, sizeof buf, "%sT00:00:00Z", iso);
		iso = buf;
	}
	return util_iso_to_epoch(iso);
}

int report_parse_time(const char *arg, int is_until, const char *now, char out[21],
    struct ss_err *err)
{
	int64_t secs, t;
	size_t n = arg ? strlen(arg) : 0;

	if (!n)
		return err_set(err, SS_EINVAL, "empty time");
	/* A duration ends in a unit letter and has no '-' or ':'. */
	if (!strpbrk(arg, "-:T ") && arg[n - 1] >= 'a' && arg[n - 1] <= 'z') {
		if (util_parse_duration(arg, &secs) != 0)
			return err_set(err, SS_EINVAL, "'%s' is not a duration (e.g. 30d, 12h, 1d12h)",
			    arg);
		t = util_iso_to_epoch(now);
		if (t < 0)
			return err_set(err, SS_EINVAL, "bad clock '%s'", now);
		report_iso(t - secs, out);
		return 0;
	}
	if (!strpbrk(arg, "-"))
		return err_set(err, SS_EINVAL, "'%s' is neither a duration (30d) nor a date "
		    "(YYYY-MM-DD)", arg);
	if (norm_time(arg, out) != 0)
		return err_set(err, SS_EINVAL, "'%s' is not a date (YYYY-MM-DD) or time "
		    "(YYYY-MM-DDTHH:MM:SSZ)", arg);
	if (is_until && n == 10) /* a day given as the end includes that day */
		report_iso(util_iso_to_epoch(out) + 86400, out);
	return 0;
}

/* ---- integers and money ------------------------------------------------- */

/* round(a * b / c) half away from zero, for c > 0, b >= 0, without
 * overflowing for a * b (the quotient is split off first). */
static int64_t mul_div(int64_t a, int64_t b, int64_t c)
{
	int64_t q = a / c, r = a % c, part = r * b, rq = part / c, rr = part % c;

	if (rr * 2 >= c)
		rq++;
	else if (rr * 2 <= -c)
		rq--;
	return q * b + rq;
}

static int64_t div_round(int64_t a, int64_t c)
{
	return mul_div(a, 1, c);
}

char *report_money(int64_t minor, const char *currency)
{
	int exp = norm_currency_exponent(currency);
	int64_t scale = exp == 0 ? 1 : exp == 3 ? 1000 : 100;
	uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	uint64_t major = mag / (uint64_t)scale, frac = mag % (uint64_t)scale;
	char digits[32], grouped[48];
	size_t n, j = 0;

	n = (size_t)snprintf(digits, sizeof digits, "%llu", (unsigned long long)major);
	for (size_t i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			grouped[j++] = ',';
		grouped[j++] = digits[i];
	}
	grouped[j] = '\0';
	if (exp == 0)
		return xasprintf("%s %s%s", currency, minor < 0 ? "-" : "", grouped);
	return xasprintf("%s %s%s.%0*llu", currency, minor < 0 ? "-" : "", grouped, exp,
	    (unsigned long long)frac);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **report_keys(const json_t *obj)
{
	size_t n = json_object_size(obj), i = 0;
	const char **keys = xcalloc(n + 1, sizeof *keys);
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v)
		keys[i++] = k;
	qsort(keys, i, sizeof *keys, cmp_str);
	return keys;
}

char *report_money_list(const json_t *amounts)
{
	const char **keys = report_keys(amounts);
	struct sb b = {0};

	for (size_t i = 0; keys[i]; i++) {
		char *m = report_money(json_integer_value(json_object_get(amounts, keys[i])), keys[i]);
		sb_addf(&b, "%s%s", i ? " · " : "", m);
		free(m);
	}
	free(keys);
	return b.buf ? b.buf : xstrdup("-");
}

/* ---- JSON helpers ------------------------------------------------------- */

/* A JSON string of s (NULL: null). Invalid UTF-8 bytes become '?'. */
static json_t *jstr(const char *s)
{
	json_t *j;
	char *copy;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	copy = xstrdup(s);
	for (unsigned char *p = (unsigned char *)copy; *p; p++) {
		if (*p >= 0x80)
			*p = '?';
	}
	j = json_string(copy);
	free(copy);
	return j;
}

static void jset(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v ? v : json_null());
}

/* x rounded half away from zero to an integer (no libm needed). */
static int64_t round_i64(double x)
{
	return (int64_t)(x + (x >= 0 ? 0.5 : -0.5));
}

/* A real rounded to `digits` decimals. */
static json_t *jreal(double v, int digits)
{
	double f = 1;

	while (digits-- > 0)
		f *= 10;
	return json_real((double)round_i64(v * f) / f);
}

/* obj[key] += v (obj holds integers). */
static void jadd(json_t *obj, const char *key, int64_t v)
{
	json_t *cur = json_object_get(obj, key);

	if (cur)
		json_integer_set(cur, json_integer_value(cur) + v);
	else
		json_object_set_new(obj, key, json_integer(v));
}

/* obj[key], created as a new empty object (or array if arr) when missing. */
static json_t *jsub(json_t *obj, const char *key, int arr)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		v = arr ? json_array() : json_object();
		json_object_set_new(obj, key, v);
	}
	return v;
}

/* A copy of obj with its keys in sorted order (the amounts objects). */
static json_t *jsorted(const json_t *obj)
{
	const char **keys = report_keys(obj);
	json_t *o = json_object();

	for (size_t i = 0; keys[i]; i++)
		json_object_set(o, keys[i], json_object_get(obj, keys[i]));
	free(keys);
	return o;
}

/* Row accessors over query results. */
static const char *rs(const json_t *row, const char *k)
{
	return json_string_value(json_object_get(row, k));
}

static int64_t ri(const json_t *row, const char *k)
{
	const json_t *v = json_object_get(row, k);
	int64_t n = 0;

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (int64_t)json_real_value(v);
	if (json_is_string(v) && util_parse_int64(json_string_value(v), &n) == 0)
		return n;
	return 0;
}

static int rnull(const json_t *row, const char *k)
{
	return json_is_null(json_object_get(row, k)) || !json_object_get(row, k);
}

static double rd(const json_t *row, const char *k)
{
	const json_t *v = json_object_get(row, k);

	if (json_is_string(v))
		return strtod(json_string_value(v), NULL);
	return json_number_value(v);
}

/* ---- queries ------------------------------------------------------------ */

static int collect_row(void *ud, int ncol, const char *const *names,
    const char *const *values, const enum store_type *types)
{
	json_t *arr = ud, *row = json_object();

	for (int i = 0; i < ncol; i++) {
		json_t *v;
		switch (types[i]) {
		case STORE_T_NULL: v = json_null(); break;
		case STORE_T_INT: v = json_integer(strtoll(values[i], NULL, 10)); break;
		case STORE_T_REAL: v = json_real(strtod(values[i], NULL)); break;
		default: v = jstr(values[i]); break;
		}
		jset(row, names[i], v);
	}
	json_array_append_new(arr, row);
	return 0;
}

/* All rows of sql as an array of objects (new reference), or NULL after
 * an error (then c->rc is set). */
static json_t *query(struct rctx *c, const char *sql)
{
	json_t *rows;
	int rc;

	if (c->rc)
		return NULL;
	rows = json_array();
	rc = store_query(c->st, sql, c->params, NPARAM, collect_row, rows, c->err);
	if (rc != 0) {
		c->rc = rc;
		json_decref(rows);
		return NULL;
	}
	return rows;
}

/* ---- statistics --------------------------------------------------------- */

struct vals {
	int64_t *v;
	size_t n, cap;
};

static void vals_add(struct vals *a, int64_t x)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = xrealloc(a->v, a->cap * sizeof *a->v);
	}
	a->v[a->n++] = x;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Median (mean of the two middle values when n is even) and 90th
 * percentile (nearest rank: the ceil(0.9 n)-th smallest value), divided
 * by unit, rounded to 0.1; null when there are no values. */
static void vals_stats(struct vals *a, double unit, json_t *into, const char *median_key,
    const char *p90_key)
{
	if (a->n == 0) {
		jset(into, median_key, json_null());
		if (p90_key)
			jset(into, p90_key, json_null());
		return;
	}
	qsort(a->v, a->n, sizeof *a->v, cmp_i64);
	jset(into, median_key, jreal(((double)a->v[(a->n - 1) / 2] + (double)a->v[a->n / 2]) /
	    2 / unit, 1));
	if (p90_key)
		jset(into, p90_key, jreal((double)a->v[(9 * a->n + 9) / 10 - 1] / unit, 1));
}

static double vals_mean(const struct vals *a)
{
	double s = 0;

	for (size_t i = 0; i < a->n; i++)
		s += (double)a->v[i];
	return a->n ? s / (double)a->n : 0;
}

/* ---- reps --------------------------------------------------------------- */

/* The unified reps (all of them, deleted ones excluded by the view). */
static void load_reps(struct rctx *c)
{
	json_t *rows = query(c, "SELECT email, name, team, active, created_at FROM reps_unified"
	    " ORDER BY email");
	size_t i;
	json_t *row;

	c->reps = json_object();
	json_array_foreach(rows, i, row)
		json_object_set(c->reps, rs(row, "email"), row);
	json_decref(rows);
}

/* The display name of a rep email (the email itself if unknown). */
static const char *rep_name(struct rctx *c, const char *email)
{
	const char *n = rs(json_object_get(c->reps, email), "name");

	return n ? n : email;
}

/* ---- period ------------------------------------------------------------- */

static json_t *sec_period(struct rctx *c)
{
	json_t *p = json_object();

	jset(p, "since", jstr(c->o->since));
	jset(p, "until", jstr(c->o->until));
	jset(p, "days", jreal((double)(c->until - c->since) / 86400.0, 2));
	jset(p, "as_of", jstr(c->asof));
	jset(p, "generated_at", jstr(c->o->now));
	jset(p, "rep", jstr(c->o->rep));
	jset(p, "follow_up_hours", json_integer(c->fu_hours));
	jset(p, "stall_days", json_integer(c->stall_days));
	jset(p, "note", jstr("Flow figures count what falls in [since, until); snapshot figures "
	    "(follow_up, pipeline, forecast, bottlenecks, training) are as of 'as_of' (until, or "
	    "generated_at if earlier) from the records as last synced. Money is integer minor units per currency, never mixed."));
	return p;
}

/* ---- follow-up queue ---------------------------------------------------- */

static const char sql_follow_up[] =
	"SELECT l.source, l.id, l.email, l.first_name, l.last_name, l.company, l.status,"
	" l.channel, l.owner_id, l.created_at, l.last_activity_at, " OWNER("l") " AS owner"
	" FROM leads l WHERE 1" OPEN_LEAD("l")
	" AND (l.created_at IS NULL OR l.created_at < ?7)"
	" AND (l.last_activity_at IS NULL OR l.last_activity_at < ?4)" REP_FILTER("l")
	" ORDER BY coalesce(l.last_activity_at, l.created_at) IS NULL,"
	" coalesce(l.last_activity_at, l.created_at), l.source, l.id";

/* Key and display name of a record's owner: its email, or a label. */
static void owner_of(struct rctx *c, const json_t *row, char **key, char **name)
{
	const char *email = rs(row, "owner"), *id = rs(row, "owner_id");

	if (email) {
		*key = xstrdup(email);
		*name = xstrdup(rep_name(c, email));
	} else if (id && *id) {
		*key = xasprintf("?%s:%s", rs(row, "source"), id);
		*name = xasprintf("unknown rep '%s' (%s)", id, rs(row, "source"));
	} else {
		*key = xstrdup("");
		*name = xstrdup("(unassigned)");
	}
}

static json_t *sec_follow_up(struct rctx *c)
{
	json_t *s = json_object(), *owners = json_array(), *byowner = json_object();
	json_t *rows = query(c, sql_follow_up), *row;
	int64_t never = 0, stale = 0;
	size_t i;

	jset(s, "as_of", jstr(c->asof));
	jset(s, "follow_up_hours", json_integer(c->fu_hours));
	json_array_foreach(rows, i, row) {
		json_t *lead = json_object(), *grp;
		const char *first = rs(row, "first_name"), *last = rs(row, "last_name");
		const char *act = rs(row, "last_activity_at"), *since = act ? act : rs(row, "created_at");
		char *key, *name, *full;
		int64_t t = epoch_of(since);

		owner_of(c, row, &key, &name);
		grp = json_object_get(byowner, key);
		if (!grp) {
			grp = json_object();
			jset(grp, "owner", jstr(rs(row, "owner")));
			jset(grp, "name", jstr(name));
			jset(grp, "count", json_integer(0));
			jset(grp, "oldest_hours", json_null());
			jset(grp, "leads", json_array());
			json_object_set(byowner, key, grp);
			json_array_append_new(owners, grp);
		}
		full = xasprintf("%s%s%s", first ? first : "", first && last ? " " : "",
		    last ? last : "");
		jset(lead, "source", jstr(rs(row, "source")));
		jset(lead, "id", jstr(rs(row, "id")));
		jset(lead, "name", jstr(full));
		jset(lead, "email", jstr(rs(row, "email")));
		jset(lead, "company", jstr(rs(row, "company")));
		jset(lead, "status", jstr(rs(row, "status")));
		jset(lead, "channel", jstr(rs(row, "channel")));
		jset(lead, "created_at", jstr(rs(row, "created_at")));
		jset(lead, "last_activity_at", jstr(act));
		jset(lead, "waiting_since", jstr(since));
		jset(lead, "hours_waiting", t < 0 ? json_null() : json_integer(floor_div(c->asof_t - t,
		    3600)));
		jset(lead, "reason", jstr(act ? "stale" : "no_activity"));
		json_array_append_new(json_object_get(grp, "leads"), lead);
		jadd(grp, "count", 1);
		if (t >= 0 && json_is_null(json_object_get(grp, "oldest_hours")))
			jset(grp, "oldest_hours", json_integer(floor_div(c->asof_t - t, 3600)));
		if (act)
			stale++;
		else
			never++;
		free(full);
		free(key);
		free(name);
	}
	jset(s, "total", json_integer((json_int_t)json_array_size(rows)));
	jset(s, "no_activity", json_integer(never));
	jset(s, "stale", json_integer(stale));
	jset(s, "owners", owners);
	jset(s, "note", jstr("Open leads (status new, working, qualified or unknown) with no "
	    "recorded activity, or whose last activity is older than follow_up_hours at as_of; "
	    "grouped by owner, oldest waiting first."));
	json_decref(byowner);
	json_decref(rows);
	return s;
}

/* ---- speed to lead ------------------------------------------------------ */

static const char sql_speed[] =
	"SELECT l.source, l.owner_id, l.created_at, l.last_activity_at, " OWNER("l") " AS owner"
	" FROM leads l WHERE l.deleted = 0 AND l.created_at >= ?1 AND l.created_at < ?2"
	REP_FILTER("l") " ORDER BY owner IS NULL, owner, ifnull(l.owner_id, '') = '', l.source,"
	" l.owner_id, l.created_at";

struct speed {
	int64_t leads, with, without, before;
	struct vals secs;
};

static json_t *speed_json(struct speed *sp)
{
	json_t *o = json_object();

	jset(o, "leads", json_integer(sp->leads));
	jset(o, "with_activity", json_integer(sp->with));
	jset(o, "without_activity", json_integer(sp->without));
	jset(o, "activity_before_creation", json_integer(sp->before));
	vals_stats(&sp->secs, 3600.0, o, "median_hours", "p90_hours");
	free(sp->secs.v);
	return o;
}

static void speed_add(struct speed *sp, int64_t created, int64_t act)
{
	sp->leads++;
	if (act < 0 || created < 0) {
		sp->without++;
	} else if (act < created) {
		sp->before++;
	} else {
		sp->with++;
		vals_add(&sp->secs, act - created);
	}
}

static json_t *sec_speed(struct rctx *c)
{
	json_t *s = json_object(), *reps = json_array(), *rows = query(c, sql_speed), *row;
	struct speed all = {0}, one = {0};
	char *cur = NULL, *cur_name = NULL;
	size_t i;

	jset(s, "since", jstr(c->o->since));
	jset(s, "until", jstr(c->o->until));
	/* Rows come ordered by owner: close a group when the owner changes. */
	for (i = 0; i <= json_array_size(rows); i++) {
		row = json_array_get(rows, i);
		char *key = NULL, *name = NULL;
		if (row)
			owner_of(c, row, &key, &name);
		if (cur && (!row || strcmp(cur, key) != 0)) {
			json_t *r = speed_json(&one);
			json_t *o = json_object();
			jset(o, "rep", jstr(*cur && *cur != '?' ? cur : NULL));
			jset(o, "name", jstr(cur_name));
			json_object_update(o, r);
			json_decref(r);
			json_array_append_new(reps, o);
			memset(&one, 0, sizeof one);
			free(cur);
			free(cur_name);
			cur = NULL;
			cur_name = NULL;
		}
		if (!row)
			break;
		if (!cur) {
			cur = key;
			cur_name = name;
		} else {
			free(key);
			free(name);
		}
		speed_add(&all, epoch_of(rs(row, "created_at")), epoch_of(rs(row, "last_activity_at")));
		speed_add(&one, epoch_of(rs(row, "created_at")), epoch_of(rs(row, "last_activity_at")));
	}
	jset(s, "overall", speed_json(&all));
	jset(s, "reps", reps);
	jset(s, "note", jstr("Hours from a lead's creation to its first recorded activity, for "
	    "leads created in the period. The model keeps one activity time per lead, "
	    "last_activity_at, so that is the only activity timestamp used: for a lead touched "
	    "more than once it overstates the time to first touch. Median; p90 is the nearest-rank "
	    "90th percentile."));
	json_decref(rows);
	return s;
}

/* ---- funnel ------------------------------------------------------------- */

static const char sql_funnel[] =
	"SELECT lower(" CHANNEL("l.channel") ") AS k, min(" CHANNEL("l.channel") ") AS channel,"
	" substr(l.created_at, 1, 10) AS day, count(*) AS leads,"
	" sum(CASE WHEN l.status IN ('qualified', 'converted') OR l.converted_at IS NOT NULL"
	" THEN 1 ELSE 0 END) AS qualified,"
	" sum(CASE WHEN l.status = 'converted' OR l.converted_at IS NOT NULL THEN 1 ELSE 0 END)"
	" AS converted"
	" FROM leads l WHERE l.deleted = 0 AND l.created_at >= ?1 AND l.created_at < ?2"
	REP_FILTER("l") " GROUP BY k, day ORDER BY k, day";

static int cmp_channel(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int64_t lx = ri(x, "leads"), ly = ri(y, "leads");

	if (lx != ly)
		return lx > ly ? -1 : 1;
	return strcmp(rs(x, "channel"), rs(y, "channel"));
}

/* Sorts an array of objects with qsort's cmp. */
static void jarray_sort(json_t *arr, int (*cmp)(const void *, const void *))
{
	size_t n = json_array_size(arr);
	json_t **v = xcalloc(n + 1, sizeof *v);

	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof *v, cmp);
	json_array_clear(arr);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
}

static void add_shares(json_t *o)
{
	int64_t n = ri(o, "leads");

	jset(o, "qualified_share", n ? jreal((double)ri(o, "qualified") / (double)n, 4) :
	    json_null());
	jset(o, "converted_share", n ? jreal((double)ri(o, "converted") / (double)n, 4) :
	    json_null());
}

static json_t *sec_funnel(struct rctx *c)
{
	json_t *s = json_object(), *weeks = json_array(), *chans = json_array();
	json_t *bykey = json_object(), *total = json_object(), *rows = query(c, sql_funnel), *row;
	json_t *tweek;
	size_t i, nweeks;
	int64_t first_day = floor_div(c->since, 86400), last_day = floor_div(c->until - 1, 86400);
	int64_t first_mon = first_day - ((first_day % 7) + 7 + 3) % 7;
	char wk[9];

	jset(s, "since", jstr(c->o->since));
	jset(s, "until", jstr(c->o->until));
	/* Every ISO week the period touches, empty ones included. */
	for (int64_t d = first_mon; d <= last_day && c->until > c->since; d += 7) {
		iso_week(d, wk);
		json_array_append_new(weeks, jstr(wk));
	}
	nweeks = json_array_size(weeks);
	jset(total, "channel", jstr("(all)"));
	jset(total, "leads", json_integer(0));
	tweek = jsub(total, "by_week", 1);
	for (i = 0; i < nweeks; i++)
		json_array_append_new(tweek, json_integer(0));
	jset(total, "qualified", json_integer(0));
	jset(total, "converted", json_integer(0));
	json_array_foreach(rows, i, row) {
		const char *k = rs(row, "k");
		json_t *ch = json_object_get(bykey, k), *bw;
		int64_t day = floor_div(epoch_of(rs(row, "day")), 86400), w = (day - first_mon) / 7;

		if (!ch) {
			ch = json_object();
			jset(ch, "channel", jstr(rs(row, "channel")));
			jset(ch, "leads", json_integer(0));
			bw = jsub(ch, "by_week", 1);
			for (size_t j = 0; j < nweeks; j++)
				json_array_append_new(bw, json_integer(0));
			jset(ch, "qualified", json_integer(0));
			jset(ch, "converted", json_integer(0));
			json_object_set_new(bykey, k, ch);
			json_array_append(chans, ch);
		}
		bw = json_object_get(ch, "by_week");
		if (w >= 0 && (size_t)w < nweeks) {
			json_t *cell = json_array_get(bw, (size_t)w), *tcell = json_array_get(tweek, (size_t)w);
			json_integer_set(cell, json_integer_value(cell) + ri(row, "leads"));
			json_integer_set(tcell, json_integer_value(tcell) + ri(row, "leads"));
		}
		jadd(ch, "leads", ri(row, "leads"));
		jadd(ch, "qualified", ri(row, "qualified"));
		jadd(ch, "converted", ri(row, "converted"));
		jadd(total, "leads", ri(row, "leads"));
		jadd(total, "qualified", ri(row, "qualified"));
		jadd(total, "converted", ri(row, "converted"));
	}
	jarray_sort(chans, cmp_channel);
	json_array_foreach(chans, i, row)
		add_shares(row);
	add_shares(total);
	jset(s, "weeks", weeks);
	jset(s, "channels", chans);
	jset(s, "total", total);
	jset(s, "note", jstr("Leads created in the period by channel and ISO week of creation. "
	    "'qualified' counts leads now qualified or converted, 'converted' those now converted "
	    "(or with converted_at): the store keeps each lead's current status, not its history, "
	    "so a lead qualified and later disqualified is not counted."));
	json_decref(bykey);
	json_decref(rows);
	return s;
}

/* ---- pipeline ----------------------------------------------------------- */

static const char sql_pipeline[] =
	"SELECT " STAGE("d") " AS stage, " CURRENCY("d") " AS currency, count(*) AS n,"
	" ifnull(sum(d.amount_minor), 0) AS amount, count(*) - count(d.amount_minor) AS no_amount,"
	" total(d.probability) AS psum, count(d.probability) AS pn"
	" FROM deals d WHERE 1" OPEN_DEAL("d") REP_FILTER("d") " GROUP BY 1, 2 ORDER BY 1, 2";

static const char sql_closed[] =
	"SELECT d.stage, " CURRENCY("d") " AS currency, d.amount_minor, d.created_at, "
	CLOSED("d") " AS closed FROM deals d WHERE d.deleted = 0 AND d.stage IN ('won', 'lost')"
	CLOSED_IN_PERIOD("d") REP_FILTER("d");

static int cmp_stage(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	double px = rd(x, "_p"), py = rd(y, "_p");

	if (px != py)
		return px < py ? -1 : 1;
	return strcmp(rs(x, "stage"), rs(y, "stage"));
}

/* Open deals by stage, stages ordered by their mean probability (early
 * stages first), then name: the store has no stage order of its own. */
static json_t *pipeline_stages(struct rctx *c, json_t *total)
{
	json_t *stages = json_array(), *bykey = json_object(), *rows = query(c, sql_pipeline);
	json_t *row, *psum = json_object(), *pn = json_object();
	size_t i;

	jset(total, "count", json_integer(0));
	jset(total, "amounts", json_object());
	jset(total, "no_amount", json_integer(0));
	json_array_foreach(rows, i, row) {
		const char *k = rs(row, "stage");
		json_t *st = json_object_get(bykey, k);

		if (!st) {
			st = json_object();
			jset(st, "stage", jstr(k));
			jset(st, "count", json_integer(0));
			jset(st, "amounts", json_object());
			jset(st, "no_amount", json_integer(0));
			json_object_set_new(bykey, k, st);
			json_array_append(stages, st);
		}
		jadd(st, "count", ri(row, "n"));
		jadd(st, "no_amount", ri(row, "no_amount"));
		if (ri(row, "n") > ri(row, "no_amount")) {
			jadd(json_object_get(st, "amounts"), rs(row, "currency"), ri(row, "amount"));
			jadd(json_object_get(total, "amounts"), rs(row, "currency"), ri(row, "amount"));
		}
		jadd(total, "count", ri(row, "n"));
		jadd(total, "no_amount", ri(row, "no_amount"));
		/* mean probability ×1e6 as an integer sum, for ordering only */
		jadd(psum, k, (int64_t)round_i64(rd(row, "psum") * 1e6));
		jadd(pn, k, ri(row, "pn"));
	}
	json_array_foreach(stages, i, row) {
		const char *k = rs(row, "stage");
		int64_t n = json_integer_value(json_object_get(pn, k));
		jset(row, "_p", json_real(n ? (double)json_integer_value(json_object_get(psum, k)) /
		    (double)n : 2e6));
		jset(row, "amounts", jsorted(json_object_get(row, "amounts")));
	}
	jarray_sort(stages, cmp_stage);
	json_array_foreach(stages, i, row)
		json_object_del(row, "_p");
	jset(total, "amounts", jsorted(json_object_get(total, "amounts")));
	json_decref(psum);
	json_decref(pn);
	json_decref(bykey);
	json_decref(rows);
	return stages;
}

static json_t *closed_in_period(struct rctx *c)
{
	json_t *o = json_object(), *won_amt = json_object(), *won_n = json_object();
	json_t *avg = json_object(), *cyc = json_object(), *rows = query(c, sql_closed), *row;
	struct vals days = {0};
	int64_t won = 0, lost = 0;
	size_t i;
	const char *k;
	json_t *v;

	json_array_foreach(rows, i, row) {
		if (strcmp(rs(row, "stage"), "won") == 0) {
			int64_t cr = epoch_of(rs(row, "created_at")), cl = epoch_of(rs(row, "closed"));
			won++;
			if (!rnull(row, "amount_minor")) {
				jadd(won_amt, rs(row, "currency"), ri(row, "amount_minor"));
				jadd(won_n, rs(row, "currency"), 1);
			}
			if (cr >= 0 && cl >= cr)
				vals_add(&days, cl - cr);
		} else {
			lost++;
		}
	}
	json_object_foreach(won_amt, k, v)
		jset(avg, k, json_integer(div_round(json_integer_value(v),
		    json_integer_value(json_object_get(won_n, k)))));
	jset(o, "since", jstr(c->o->since));
	jset(o, "until", jstr(c->o->until));
	jset(o, "won", json_integer(won));
	jset(o, "lost", json_integer(lost));
	jset(o, "win_rate", won + lost ? jreal((double)won / (double)(won + lost), 4) : json_null());
	jset(o, "won_amounts", jsorted(won_amt));
	jset(o, "avg_deal_size", jsorted(avg));
	jset(cyc, "deals", json_integer((json_int_t)days.n));
	jset(cyc, "mean_days", days.n ? jreal(vals_mean(&days) / 86400.0, 1) : json_null());
	vals_stats(&days, 86400.0, cyc, "median_days", NULL);
	jset(o, "cycle", cyc);
	jset(o, "note", jstr("Deals won or lost with a close time in the period (closed_at, else "
	    "close_date). win_rate = won / (won + lost) by count; avg_deal_size = won amount / won "
	    "deals with an amount, per currency; cycle = days from created_at to close, won deals."));
	free(days.v);
	json_decref(won_amt);
	json_decref(won_n);
	json_decref(avg);
	json_decref(rows);
	return o;
}

static json_t *sec_pipeline(struct rctx *c)
{
	json_t *s = json_object(), *total = json_object();

	jset(s, "as_of", jstr(c->asof));
	jset(s, "stages", pipeline_stages(c, total));
	jset(s, "total", total);
	jset(s, "closed", closed_in_period(c));
	jset(s, "note", jstr("Open deals as of as_of, by the tool's own stage name (stage_raw), "
	    "stages ordered by mean probability. Amounts in minor units per currency; no_amount "
	    "counts deals without an amount."));
	return s;
}

/* ---- forecast ----------------------------------------------------------- */

static const char sql_forecast[] =
	"SELECT ifnull(substr(d.close_date, 1, 7), '(none)') AS month, " CURRENCY("d")
	" AS currency, d.amount_minor, d.probability"
	" FROM deals d WHERE 1" OPEN_DEAL("d") REP_FILTER("d") " ORDER BY month";

/* amount × probability in minor units: the probability is taken once as
 * basis points (an integer 0..10000), then only integer arithmetic. */
static int64_t weighted(int64_t amount, double probability)
{
	int64_t bp = (int64_t)round_i64(probability * 10000.0);

	if (bp < 0)
		bp = 0;
	if (bp > 10000)
		bp = 10000;
	return mul_div(amount, bp, 10000);
}

static int cmp_month(const void *a, const void *b)
{
	const char *x = rs(*(json_t *const *)a, "month"), *y = rs(*(json_t *const *)b, "month");

	if ((x[0] == '(') != (y[0] == '('))
		return x[0] == '(' ? 1 : -1;
	return strcmp(x, y);
}

static json_t *sec_forecast(struct rctx *c)
{
	json_t *s = json_object(), *months = json_array(), *bykey = json_object();
	json_t *total = json_object(), *rows = query(c, sql_forecast), *row;
	char asof_month[8];
	size_t i;

	snprintf(asof_month, sizeof asof_month, "%.7s", c->asof);
	jset(total, "count", json_integer(0));
	jset(total, "amounts", json_object());
	jset(total, "weighted", json_object());
	jset(total, "no_probability", json_integer(0));
	json_array_foreach(rows, i, row) {
		const char *m = rs(row, "month"), *cur = rs(row, "currency");
		json_t *mo = json_object_get(bykey, m);

		if (!mo) {
			mo = json_object();
			jset(mo, "month", jstr(m));
			jset(mo, "past", json_boolean(m[0] != '(' && strcmp(m, asof_month) < 0));
			jset(mo, "count", json_integer(0));
			jset(mo, "amounts", json_object());
			jset(mo, "weighted", json_object());
			jset(mo, "no_probability", json_integer(0));
			json_object_set_new(bykey, m, mo);
			json_array_append(months, mo);
		}
		jadd(mo, "count", 1);
		jadd(total, "count", 1);
		if (rnull(row, "amount_minor"))
			continue;
		jadd(json_object_get(mo, "amounts"), cur, ri(row, "amount_minor"));
		jadd(json_object_get(total, "amounts"), cur, ri(row, "amount_minor"));
		if (rnull(row, "probability")) {
			jadd(mo, "no_probability", 1);
			jadd(total, "no_probability", 1);
			continue;
		}
		int64_t w = weighted(ri(row, "amount_minor"), rd(row, "probability"));
		jadd(json_object_get(mo, "weighted"), cur, w);
		jadd(json_object_get(total, "weighted"), cur, w);
	}
	jarray_sort(months, cmp_month);
	json_array_foreach(months, i, row) {
		jset(row, "amounts", jsorted(json_object_get(row, "amounts")));
		jset(row, "weighted", jsorted(json_object_get(row, "weighted")));
	}
	jset(total, "amounts", jsorted(json_object_get(total, "amounts")));
	jset(total, "weighted", jsorted(json_object_get(total, "weighted")));
	jset(s, "as_of", jstr(c->asof));
	jset(s, "months", months);
	jset(s, "total", total);
	jset(s, "note", jstr("Open deals as of as_of by close month (close_date; '(none)' without "
	    "one; past = a month before as_of's, overdue). weighted = amount x probability, with "
	    "the probability rounded to basis points and each deal rounded half away from zero to "
	    "a minor unit; deals without a probability are counted in no_probability and left out "
	    "of weighted."));
	json_decref(bykey);
	json_decref(rows);
	return s;
}

/* ---- targets ------------------------------------------------------------ */

static const char sql_won_by_owner[] =
	"SELECT " OWNER("d") " AS owner, d.source, d.owner_id, " CURRENCY("d") " AS currency,"
	" count(*) AS n, ifnull(sum(d.amount_minor), 0) AS amount"
	" FROM deals d WHERE d.deleted = 0 AND d.stage = 'won'" CLOSED_IN_PERIOD("d")
	REP_FILTER("d") " GROUP BY 1, 2, 3, 4";

static const char sql_quotas[] =
	"SELECT m.rep_email, ifnull(json_extract(m.dims, '$.currency'), 'XXX') AS currency,"
	" m.value, m.period_start, m.period_end FROM metrics m"
	" WHERE m.name = 'quota.amount_minor' AND m.period_start < ?2 AND m.period_end > ?1"
	" AND (?3 IS NULL OR m.rep_email = ?3)"
	" ORDER BY m.rep_email, m.period_start";

/* The part of a quota over [ps, pe) that falls in the period, in
 * proportion to the overlap's length, rounded half away from zero. */
static int64_t prorate(struct rctx *c, int64_t value, const char *ps, const char *pe)
{
	int64_t a = epoch_of(ps), b = epoch_of(pe), lo, hi;

	if (a < 0 || b <= a)
		return 0;
	lo = a > c->since ? a : c->since;
	hi = b < c->until ? b : c->until;
	if (hi <= lo)
		return 0;
	if (lo == a && hi == b)
		return value;
	if (b - a > 2000000000) /* keep r × overlap in range: count days */
		return mul_div(value, (hi - lo) / 86400, (b - a) / 86400);
	return mul_div(value, hi - lo, b - a);
}

/* An entry of targets: {rep|team, name, team, won_deals, won, quota}. */
static json_t *target_entry(json_t *index, json_t *list, const char *key, int list_is_reps)
{
	json_t *e = json_object_get(index, key);

	if (!e) {
		e = json_object();
		/* keys in reading order: who first, figures after */
		if (list_is_reps) {
			jset(e, "rep", jstr(key));
			jset(e, "name", json_null());
		}
		jset(e, "team", json_null());
		jset(e, "won_deals", json_integer(0));
		jset(e, "won", json_object());
		jset(e, "quota", json_object());
		json_object_set_new(index, key, e);
		json_array_append(list, e);
	}
	return e;
}

static void target_finish(json_t *e)
{
	json_t *won = json_object_get(e, "won"), *quota = json_object_get(e, "quota");
	json_t *att = json_object();
	const char *k;
	json_t *v;

	json_object_foreach(quota, k, v) {
		int64_t q = json_integer_value(v);
		int64_t w = json_integer_value(json_object_get(won, k));
		jset(att, k, q > 0 ? jreal((double)w / (double)q, 4) : json_null());
	}
	jset(e, "won", jsorted(won));
	jset(e, "quota", jsorted(quota));
	jset(e, "attainment", jsorted(att));
	json_decref(att);
}

static int cmp_rep_entry(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *tx = rs(x, "team"), *ty = rs(y, "team");
	int r = strcmp(tx ? tx : "\x7f", ty ? ty : "\x7f");

	return r ? r : strcmp(rs(x, "name"), rs(y, "name"));
}

static int cmp_team_entry(const void *a, const void *b)
{
	return strcmp(rs(*(json_t *const *)a, "team"), rs(*(json_t *const *)b, "team"));
}

static json_t *sec_targets(struct rctx *c)
{
	json_t *s = json_object(), *reps = json_array(), *teams = json_array();
	json_t *ridx = json_object(), *tidx = json_object(), *total = json_object();
	json_t *unassigned = json_object(), *row, *e;
	json_t *won = query(c, sql_won_by_owner), *quotas = query(c, sql_quotas);
	const char *k;
	size_t i;

	jset(total, "won_deals", json_integer(0));
	jset(total, "won", json_object());
	jset(total, "quota", json_object());
	jset(unassigned, "won_deals", json_integer(0));
	jset(unassigned, "won", json_object());
	jset(unassigned, "quota", json_object());
	/* Every active rep is listed, with or without deals or a quota. */
	json_object_foreach(c->reps, k, row) {
		if ((c->o->rep && strcmp(k, c->o->rep) != 0) ||
		    (!rnull(row, "active") && ri(row, "active") == 0))
			continue;
		target_entry(ridx, reps, k, 1);
	}
	json_array_foreach(won, i, row) {
		const char *owner = rs(row, "owner");
		e = owner ? target_entry(ridx, reps, owner, 1) : unassigned;
		jadd(e, "won_deals", ri(row, "n"));
		jadd(json_object_get(e, "won"), rs(row, "currency"), ri(row, "amount"));
		jadd(total, "won_deals", ri(row, "n"));
		jadd(json_object_get(total, "won"), rs(row, "currency"), ri(row, "amount"));
	}
	json_array_foreach(quotas, i, row) {
		const char *rep = rs(row, "rep_email");
		int64_t q = prorate(c, ri(row, "value"), rs(row, "period_start"), rs(row, "period_end"));
		e = rep ? target_entry(ridx, reps, rep, 1) : unassigned;
		jadd(json_object_get(e, "quota"), rs(row, "currency"), q);
		jadd(json_object_get(total, "quota"), rs(row, "currency"), q);
	}
	/* Names and teams; then team sums. */
	json_object_foreach(ridx, k, e) {
		json_t *info = json_object_get(c->reps, k), *t;
		const char *team = rs(info, "team");
		const char *tk = team ? team : "(no team)";
		jset(e, "rep", jstr(k));
		jset(e, "name", jstr(rep_name(c, k)));
		jset(e, "team", jstr(team));
		if (c->o->rep) /* one rep is not a team */
			continue;
		t = target_entry(tidx, teams, tk, 0);
		jset(t, "team", jstr(tk));
		jadd(t, "won_deals", ri(e, "won_deals"));
		const char *cur;
		json_t *v;
		json_object_foreach(json_object_get(e, "won"), cur, v)
			jadd(json_object_get(t, "won"), cur, json_integer_value(v));
		json_object_foreach(json_object_get(e, "quota"), cur, v)
			jadd(json_object_get(t, "quota"), cur, json_integer_value(v));
	}
	json_array_foreach(reps, i, e)
		target_finish(e);
	json_array_foreach(teams, i, e)
		target_finish(e);
	target_finish(total);
	target_finish(unassigned);
	jarray_sort(reps, cmp_rep_entry);
	jarray_sort(teams, cmp_team_entry);
	jset(s, "since", jstr(c->o->since));
	jset(s, "until", jstr(c->o->until));
	jset(s, "reps", reps);
	jset(s, "teams", teams);
	jset(s, "unassigned", unassigned);
	jset(s, "total", total);
	jset(s, "note", jstr("Won = deals won with a close time in the period, per currency. "
	    "Quota = quota.amount_minor metrics of the rep (dims.currency), each prorated by the "
	    "share of its own period that falls in the report period. attainment = won / quota in "
	    "the same currency; currencies are never converted. 'unassigned' holds won deals whose "
	    "owner is no known rep and quotas without a rep_email."));
	json_decref(ridx);
	json_decref(tidx);
	json_decref(won);
	json_decref(quotas);
	return s;
}

/* ---- bottlenecks -------------------------------------------------------- */

static const char sql_open_deals[] =
	"SELECT d.source, d.id, d.name, " STAGE("d") " AS stage, " CURRENCY("d") " AS currency,"
	" d.amount_minor, d.probability, coalesce(d.updated_at, d.created_at) AS last_update, "
	OWNER("d") " AS owner, d.owner_id FROM deals d WHERE 1" OPEN_DEAL("d") REP_FILTER("d")
	" ORDER BY coalesce(d.updated_at, d.created_at) IS NULL,"
	" coalesce(d.updated_at, d.created_at), d.source, d.id";

static json_t *sec_bottlenecks(struct rctx *c)
{
	json_t *s = json_object(), *stages = json_array(), *bykey = json_object();
	json_t *stalled = json_array(), *rows = query(c, sql_open_deals), *row, *st;
	json_t *psum = json_object(), *pn = json_object();
	struct vals *ages = NULL;
	size_t i, nst = 0;

	json_array_foreach(rows, i, row) {
		const char *k = rs(row, "stage"), *lu = rs(row, "last_update");
		int64_t t = epoch_of(lu);

		st = json_object_get(bykey, k);
		if (!st) {
			st = json_object();
			jset(st, "stage", jstr(k));
			jset(st, "open", json_integer(0));
			jset(st, "stalled", json_integer(0));
			jset(st, "stalled_amounts", json_object());
			jset(st, "undated", json_integer(0));
			jset(st, "_i", json_integer((json_int_t)nst));
			json_object_set_new(bykey, k, st);
			json_array_append(stages, st);
			ages = xrealloc(ages, (nst + 1) * sizeof *ages);
			memset(&ages[nst++], 0, sizeof *ages);
		}
		jadd(st, "open", 1);
		if (!rnull(row, "probability")) {
			jadd(psum, k, (int64_t)round_i64(rd(row, "probability") * 1e6));
			jadd(pn, k, 1);
		}
		if (t < 0) {
			jadd(st, "undated", 1);
			continue;
		}
		vals_add(&ages[ri(st, "_i")], c->asof_t - t);
		if (c->asof_t - t > c->stall_days * 86400) {
			json_t *d = json_object();
			char *key, *name;
			jadd(st, "stalled", 1);
			if (!rnull(row, "amount_minor"))
				jadd(json_object_get(st, "stalled_amounts"), rs(row, "currency"),
				    ri(row, "amount_minor"));
			owner_of(c, row, &key, &name);
			jset(d, "source", jstr(rs(row, "source")));
			jset(d, "id", jstr(rs(row, "id")));
			jset(d, "name", jstr(rs(row, "name")));
			jset(d, "stage", jstr(k));
			jset(d, "owner", jstr(rs(row, "owner")));
			jset(d, "owner_name", jstr(name));
			jset(d, "currency", jstr(rs(row, "currency")));
			jset(d, "amount_minor", rnull(row, "amount_minor") ? json_null() :
			    json_integer(ri(row, "amount_minor")));
			jset(d, "last_update", jstr(lu));
			jset(d, "days_since_update", json_integer((c->asof_t - t) / 86400));
			json_array_append_new(stalled, d);
			free(key);
			free(name);
		}
	}
	json_array_foreach(stages, i, st) {
		const char *k = rs(st, "stage");
		int64_t n = json_integer_value(json_object_get(pn, k));
		vals_stats(&ages[ri(st, "_i")], 86400.0, st, "median_days_since_update", NULL);
		free(ages[ri(st, "_i")].v);
		json_object_del(st, "_i");
		jset(st, "median_days_in_stage", json_null());
		jset(st, "stalled_amounts", jsorted(json_object_get(st, "stalled_amounts")));
		jset(st, "_p", json_real(n ? (double)json_integer_value(json_object_get(psum, k)) /
		    (double)n : 2e6));
	}
	jarray_sort(stages, cmp_stage);
	json_array_foreach(stages, i, st)
		json_object_del(st, "_p");
	jset(s, "as_of", jstr(c->asof));
	jset(s, "stall_days", json_integer(c->stall_days));
	jset(s, "stages", stages);
	jset(s, "stalled_deals", stalled);
	jset(s, "median_days_in_stage", jstr("not available: the store keeps each deal's current "
	    "stage and last update time only, not its stage history, so the time deals spend in "
	    "a stage before leaving it cannot be computed"));
	jset(s, "note", jstr("Open deals as of as_of with no update (updated_at, else created_at) "
	    "for more than stall_days days, by stage. median_days_since_update is over all open "
	    "deals of the stage: a lower bound of their time in the stage, since any change to a "
	    "deal updates it."));
	free(ages);
	json_decref(psum);
	json_decref(pn);
	json_decref(bykey);
	json_decref(rows);
	return s;
}

/* ---- training ----------------------------------------------------------- */

static const char sql_training[] =
	"SELECT m.rep_email, ifnull(json_extract(m.dims, '$.course'), '(all)') AS course,"
	" m.name, m.value FROM metrics m"
	" WHERE m.name IN ('training.enrolled', 'training.progress', 'training.completed')"
	" AND ifnull(m.rep_email, '') <> '' AND m.period_start < ?7"
	" AND (?3 IS NULL OR m.rep_email = ?3)"
	" ORDER BY m.rep_email, course, m.name, m.period_end DESC, m.updated_at DESC";

static const char sql_new_rep_deals[] =
	"SELECT " OWNER("d") " AS owner, d.stage, " CURRENCY("d") " AS currency, d.amount_minor, "
	CLOSED("d") " AS closed FROM deals d WHERE d.deleted = 0 AND d.stage IN ('won', 'lost')"
	" AND " CLOSED("d") " >= ?6 AND " CLOSED("d") " < ?7" REP_FILTER("d");

static const char sql_new_rep_leads[] =
	"SELECT " OWNER("l") " AS owner, l.created_at FROM leads l WHERE l.deleted = 0"
	" AND l.created_at >= ?6 AND l.created_at < ?7" REP_FILTER("l");

/* Per rep: {courses, completed, progress sum} from the latest value of
 * each (rep, course, metric). */
static json_t *training_by_rep(struct rctx *c)
{
	json_t *byrep = json_object(), *rows = query(c, sql_training), *row;
	char *last = NULL;
	size_t i;

	json_array_foreach(rows, i, row) {
		const char *rep = rs(row, "rep_email"), *course = rs(row, "course");
		const char *name = rs(row, "name");
		char *key = xasprintf("%s\n%s\n%s", rep, course, name);
		json_t *r, *cs, *co;

		if (last && strcmp(last, key) == 0) { /* an older period: superseded */
			free(key);
			continue;
		}
		free(last);
		last = key;
		r = jsub(byrep, rep, 0);
		cs = jsub(r, "courses", 0);
		co = jsub(cs, course, 0);
		if (strcmp(name, "training.completed") == 0)
			jset(co, "completed", json_boolean(rd(row, "value") > 0));
		else if (strcmp(name, "training.progress") == 0)
			jset(co, "progress", json_real(rd(row, "value")));
	}
	free(last);
	json_decref(rows);
	return byrep;
}

/* {courses, completed, completion, avg_progress} of one rep. */
static json_t *training_summary(json_t *courses)
{
	json_t *o = json_object(), *co;
	int64_t n = 0, done = 0;
	double prog = 0;
	const char *k;

	json_object_foreach(courses, k, co) {
		json_t *p = json_object_get(co, "progress");
		int complete = json_is_true(json_object_get(co, "completed")) ||
		    (p && json_real_value(p) >= 1.0);
		n++;
		done += complete;
		prog += complete ? 1.0 : p ? json_real_value(p) : 0.0;
	}
	jset(o, "courses", json_integer(n));
	jset(o, "completed", json_integer(done));
	jset(o, "completion", n ? jreal((double)done / (double)n, 4) : json_null());
	jset(o, "avg_progress", n ? jreal(prog / (double)n, 4) : json_null());
	jset(o, "trained", json_boolean(n > 0 && done == n));
	return o;
}

static json_t *new_group(void)
{
	json_t *g = json_object();

	jset(g, "reps", json_integer(0));
	jset(g, "leads", json_integer(0));
	jset(g, "won_deals", json_integer(0));
	jset(g, "lost_deals", json_integer(0));
	jset(g, "won", json_object());
	return g;
}

static json_t *sec_training(struct rctx *c)
{
	json_t *s = json_object(), *list = json_array(), *byrep = training_by_rep(c);
	json_t *nr = json_object(), *nlist = json_array(), *trained = new_group();
	json_t *untrained = new_group(), *deals = NULL, *leads = NULL, *row, *sum;
	const char *k;
	int64_t unknown_join = 0;
	size_t i;

	/* Reps: every rep known, plus emails that only appear in metrics. */
	json_object_foreach(c->reps, k, row) {
		if (!c->o->rep || strcmp(k, c->o->rep) == 0)
			jsub(byrep, k, 0);
	}
	{
		const char **keys = report_keys(byrep);
		for (i = 0; keys[i]; i++) {
			json_t *e = json_object();
			jset(e, "rep", jstr(keys[i]));
			jset(e, "name", jstr(rep_name(c, keys[i])));
			sum = training_summary(jsub(json_object_get(byrep, keys[i]), "courses", 0));
			json_object_update(e, sum);
			json_decref(sum);
			json_array_append_new(list, e);
		}
		free(keys);
	}
	/* Reps who joined in the last REPORT_NEW_REP_DAYS days. */
	json_object_foreach(c->reps, k, row) {
		const char *joined = rs(row, "created_at");
		if (c->o->rep && strcmp(k, c->o->rep) != 0)
			continue;
		if (!joined) {
			unknown_join++;
			continue;
		}
		if (strcmp(joined, c->join_cut) < 0 || strcmp(joined, c->asof) >= 0)
			continue;
		json_t *e = json_object(), *g;
		jset(e, "rep", jstr(k));
		jset(e, "name", jstr(rep_name(c, k)));
		jset(e, "joined", jstr(joined));
		sum = training_summary(jsub(json_object_get(byrep, k), "courses", 0));
		jset(e, "trained", json_incref(json_object_get(sum, "trained")));
		jset(e, "completion", json_incref(json_object_get(sum, "completion")));
		json_decref(sum);
		jset(e, "leads", json_integer(0));
		jset(e, "won_deals", json_integer(0));
		jset(e, "lost_deals", json_integer(0));
		jset(e, "won", json_object());
		json_object_set_new(nr, k, e);
		g = json_is_true(json_object_get(e, "trained")) ? trained : untrained;
		jadd(g, "reps", 1);
	}
	if (json_object_size(nr) > 0) {
		deals = query(c, sql_new_rep_deals);
		leads = query(c, sql_new_rep_leads);
	}
	json_array_foreach(leads, i, row) {
		json_t *e = rs(row, "owner") ? json_object_get(nr, rs(row, "owner")) : NULL;
		if (e && strcmp(rs(row, "created_at"), rs(e, "joined")) >= 0)
			jadd(e, "leads", 1);
	}
	json_array_foreach(deals, i, row) {
		json_t *e = rs(row, "owner") ? json_object_get(nr, rs(row, "owner")) : NULL;
		if (!e || strcmp(rs(row, "closed"), rs(e, "joined")) < 0)
			continue;
		if (strcmp(rs(row, "stage"), "won") == 0) {
			jadd(e, "won_deals", 1);
			if (!rnull(row, "amount_minor"))
				jadd(json_object_get(e, "won"), rs(row, "currency"), ri(row, "amount_minor"));
		} else {
			jadd(e, "lost_deals", 1);
		}
	}
	{
		const char **keys = report_keys(nr);
		for (i = 0; keys[i]; i++) {
			json_t *e = json_object_get(nr, keys[i]), *v;
			json_t *g = json_is_true(json_object_get(e, "trained")) ? trained : untrained;
			const char *cur;
			jadd(g, "leads", ri(e, "leads"));
			jadd(g, "won_deals", ri(e, "won_deals"));
			jadd(g, "lost_deals", ri(e, "lost_deals"));
			json_object_foreach(json_object_get(e, "won"), cur, v)
				jadd(json_object_get(g, "won"), cur, json_integer_value(v));
			jset(e, "won", jsorted(json_object_get(e, "won")));
			json_array_append(nlist, e);
		}
		free(keys);
	}
	jset(trained, "won", jsorted(json_object_get(trained, "won")));
	jset(untrained, "won", jsorted(json_object_get(untrained, "won")));
	jset(s, "as_of", jstr(c->asof));
	jset(s, "reps", list);
	{
		json_t *n = json_object();
		jset(n, "joined_since", jstr(c->join_cut));
		jset(n, "days", json_integer(REPORT_NEW_REP_DAYS));
		jset(n, "reps", nlist);
		jset(n, "trained", trained);
		jset(n, "not_yet_trained", untrained);
		jset(n, "join_date_unknown", json_integer(unknown_join));
		jset(s, "new_reps", n);
	}
	jset(s, "note", jstr("Per rep, the latest training.* metrics per course (dims.course): a "
	    "course is completed when training.completed > 0 or training.progress >= 1. A rep is "
	    "trained when every course they have is completed. New reps joined (earliest "
	    "created_at of their rep records) in the 90 days before as_of; their results count "
	    "leads created and deals closed since they joined. Reps without created_at are "
	    "counted in join_date_unknown."));
	json_decref(byrep);
	json_decref(nr);
	json_decref(deals);
	json_decref(leads);
	return s;
}

/* ---- channels ----------------------------------------------------------- */

static const char sql_web[] =
	"SELECT lower(" CHANNEL("json_extract(m.dims, '$.channel')") ") AS k,"
	" min(" CHANNEL("json_extract(m.dims, '$.channel')") ") AS channel, m.name,"
	" sum(m.value) AS value FROM metrics m"
	" WHERE m.name IN ('web.sessions', 'web.conversions')"
	" AND m.period_start >= ?1 AND m.period_start < ?2 GROUP BY 1, 3";

static const char sql_leads_by_channel[] =
	"SELECT lower(" CHANNEL("l.channel") ") AS k, min(" CHANNEL("l.channel") ") AS channel,"
	" count(*) AS n FROM leads l WHERE l.deleted = 0 AND l.created_at >= ?1"
	" AND l.created_at < ?2" REP_FILTER("l") " GROUP BY 1";

static const char sql_won_by_channel[] =
	"SELECT lower(" CHANNEL(DEAL_CHANNEL("d")) ") AS k, min(" CHANNEL(DEAL_CHANNEL("d")) ")"
	" AS channel, " CURRENCY("d") " AS currency, count(*) AS n,"
	" ifnull(sum(d.amount_minor), 0) AS amount FROM deals d WHERE d.deleted = 0"
	" AND d.stage = 'won'" CLOSED_IN_PERIOD("d") REP_FILTER("d") " GROUP BY 1, 3";

static json_t *chan_entry(json_t *idx, const json_t *row)
{
	const char *k = rs(row, "k");
	json_t *e = json_object_get(idx, k);

	if (!e) {
		e = json_object();
		jset(e, "channel", jstr(rs(row, "channel")));
		jset(e, "sessions", json_integer(0));
		jset(e, "conversions", json_integer(0));
		jset(e, "leads", json_integer(0));
		jset(e, "won_deals", json_integer(0));
		jset(e, "won", json_object());
		json_object_set_new(idx, k, e);
	}
	return e;
}

/* Adds a metric value (integer or real) to e[key], keeping integers exact. */
static void add_number(json_t *e, const char *key, const json_t *v)
{
	json_t *cur = json_object_get(e, key);

	if (json_is_integer(v) && json_is_integer(cur))
		json_integer_set(cur, json_integer_value(cur) + json_integer_value(v));
	else
		jset(e, key, json_real(json_number_value(cur) + json_number_value(v)));
}

static int cmp_chan(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	double sx = rd(x, "sessions") + (double)ri(x, "leads");
	double sy = rd(y, "sessions") + (double)ri(y, "leads");

	if (sx != sy)
		return sx > sy ? -1 : 1;
	return strcmp(rs(x, "channel"), rs(y, "channel"));
}

static json_t *sec_channels(struct rctx *c)
{
	json_t *s = json_object(), *idx = json_object(), *list = json_array(), *row, *e;
	json_t *web = query(c, sql_web), *leads = query(c, sql_leads_by_channel);
	json_t *won = query(c, sql_won_by_channel);
	const char *k;
	size_t i;

	json_array_foreach(web, i, row) {
		e = chan_entry(idx, row);
		add_number(e, strcmp(rs(row, "name"), "web.sessions") == 0 ? "sessions" : "conversions",
		    json_object_get(row, "value"));
	}
	json_array_foreach(leads, i, row)
		jadd(chan_entry(idx, row), "leads", ri(row, "n"));
	json_array_foreach(won, i, row) {
		e = chan_entry(idx, row);
		jadd(e, "won_deals", ri(row, "n"));
		jadd(json_object_get(e, "won"), rs(row, "currency"), ri(row, "amount"));
	}
	json_object_foreach(idx, k, e) {
		double sess = rd(e, "sessions");
		jset(e, "conversion_rate", sess > 0 ? jreal(rd(e, "conversions") / sess, 4) :
		    json_null());
		jset(e, "won", jsorted(json_object_get(e, "won")));
		json_array_append(list, e);
	}
	jarray_sort(list, cmp_chan);
	jset(s, "since", jstr(c->o->since));
	jset(s, "until", jstr(c->o->until));
	jset(s, "channels", list);
	jset(s, "note", jstr(c->o->rep ?
	    "web.sessions and web.conversions metrics (by dims.channel) whose period starts in the "
	    "period, for the whole site (web metrics have no rep); leads created and deals won in "
	    "the period by the rep, by the lead's channel. Channels match ignoring case." :
	    "web.sessions and web.conversions metrics (by dims.channel) whose period starts in the "
	    "period, beside leads created and deals won in the period by the lead's channel (a "
	    "deal's channel is its lead's). Channels match ignoring case."));
	json_decref(idx);
	json_decref(web);
	json_decref(leads);
	json_decref(won);
	return s;
}

/* ---- data health -------------------------------------------------------- */

static const char sql_counts[] =
	"SELECT source, 'reps' AS kind, sum(deleted = 0) AS live, sum(deleted) AS deleted"
	" FROM reps GROUP BY source UNION ALL"
	" SELECT source, 'leads', sum(deleted = 0), sum(deleted) FROM leads GROUP BY source"
	" UNION ALL SELECT source, 'deals', sum(deleted = 0), sum(deleted) FROM deals"
	" GROUP BY source UNION ALL"
	" SELECT source, 'metrics', count(*), 0 FROM metrics GROUP BY source";

static const char sql_runs[] =
	"SELECT i.instance,"
	" (SELECT max(finished_at) FROM runs r WHERE r.instance = i.instance"
	"  AND r.status = 'ok') AS last_success,"
	" (SELECT status FROM runs r WHERE r.instance = i.instance ORDER BY id DESC LIMIT 1)"
	" AS last_status,"
	" (SELECT error FROM runs r WHERE r.instance = i.instance ORDER BY id DESC LIMIT 1)"
	" AS last_error"
	" FROM (SELECT DISTINCT instance FROM runs) i";

static const char sql_health[] =
	"SELECT (SELECT count(*) FROM people) AS people,"
	" (SELECT count(*) FROM people WHERE n_instances > 1) AS people_in_several_tools,"
	" (SELECT count(*) FROM reps_unified WHERE n_instances > 1) AS reps_in_several_tools,"
	" (SELECT count(*) FROM leads WHERE deleted = 0 AND ifnull(trim(email), '') = '')"
	" AS leads_without_email,"
	" (SELECT count(*) FROM leads l WHERE l.deleted = 0 AND ifnull(trim(l.owner_id), '') = '')"
	" AS leads_without_owner,"
	" (SELECT count(*) FROM deals WHERE deleted = 0 AND ifnull(trim(owner_id), '') = '')"
	" AS deals_without_owner,"
	" (SELECT count(*) FROM deals d WHERE d.deleted = 0 AND ifnull(trim(d.owner_id), '') <> ''"
	" AND " OWNER("d") " IS NULL) AS deals_with_unknown_owner";

static json_t *health_entry(json_t *idx, const char *name)
{
	json_t *e = json_object_get(idx, name);

	if (!e) {
		e = json_object();
		jset(e, "instance", jstr(name));
		jset(e, "configured", json_false());
		jset(e, "last_success", json_null());
		jset(e, "age_hours", json_null());
		jset(e, "last_status", json_null());
		jset(e, "last_error", json_null());
		jset(e, "records", json_object());
		jset(e, "deleted", json_object());
		json_object_set_new(idx, name, e);
	}
	return e;
}

static json_t *sec_data_health(struct rctx *c)
{
	json_t *s = json_object(), *idx = json_object(), *list = json_array(), *row, *e;
	json_t *counts = query(c, sql_counts), *runs = query(c, sql_runs);
	json_t *health = query(c, sql_health);
	int64_t now = util_iso_to_epoch(c->o->now);
	const char **keys;
	size_t i;

	for (i = 0; i < c->o->ninstances; i++)
		jset(health_entry(idx, c->o->instances[i]), "configured", json_true());
	json_array_foreach(counts, i, row) {
		e = health_entry(idx, rs(row, "source"));
		jadd(json_object_get(e, "records"), rs(row, "kind"), ri(row, "live"));
		if (strcmp(rs(row, "kind"), "metrics") != 0) /* metrics are never soft-deleted */
			jadd(json_object_get(e, "deleted"), rs(row, "kind"), ri(row, "deleted"));
	}
	json_array_foreach(runs, i, row) {
		const char *ok = rs(row, "last_success");
		int64_t t = epoch_of(ok);
		e = health_entry(idx, rs(row, "instance"));
		jset(e, "last_success", jstr(ok));
		jset(e, "age_hours", t >= 0 && now >= 0 ? jreal((double)(now - t) / 3600.0, 1) :
		    json_null());
		jset(e, "last_status", jstr(rs(row, "last_status")));
		jset(e, "last_error", jstr(rs(row, "last_error")));
	}
	keys = report_keys(idx);
	for (i = 0; keys[i]; i++) {
		e = json_object_get(idx, keys[i]);
		for (int kind = 0; kind < STORE_NKINDS; kind++) {
			json_t *rec = json_object_get(e, "records"), *del = json_object_get(e, "deleted");
			if (!json_object_get(rec, store_kind_names[kind]))
				jset(rec, store_kind_names[kind], json_integer(0));
			if (kind != STORE_METRICS && !json_object_get(del, store_kind_names[kind]))
				jset(del, store_kind_names[kind], json_integer(0));
		}
		jset(e, "records", jsorted(json_object_get(e, "records")));
		jset(e, "deleted", jsorted(json_object_get(e, "deleted")));
		json_array_append(list, e);
	}
	free(keys);
	jset(s, "generated_at", jstr(c->o->now));
	jset(s, "instances", list);
	row = json_array_get(health, 0);
	if (row) {
		const char *k;
		json_t *v;
		json_object_foreach(row, k, v)
			jset(s, k, json_incref(v));
	}
	jset(s, "note", jstr("Store-wide, whatever the period or --rep. last_success is the end "
	    "of the instance's newest successful (ok) sync, age_hours its age at generated_at. "
	    "records counts live records, deleted soft-deleted ones. people_in_several_tools: "
	    "unified people (the people view) whose email appears in leads of more than one "
	    "instance."));
	json_decref(idx);
	json_decref(counts);
	json_decref(runs);
	json_decref(health);
	return s;
}

/* ---- build and write ---------------------------------------------------- */

int report_build(struct store *st, const struct report_opts *o, json_t **out,
    struct ss_err *err)
{
	struct rctx c = {0};
	json_t *r;
	int rc;

	*out = NULL;
	c.st = st;
	c.o = o;
	c.err = err;
	c.since = util_iso_to_epoch(o->since);
	c.until = util_iso_to_epoch(o->until);
	if (c.since < 0 || c.until < 0 || util_iso_to_epoch(o->now) < 0)
		return err_set(err, SS_EINVAL, "report: bad period or clock");
	if (c.until < c.since)
		return err_set(err, SS_EINVAL, "report: the period ends (%s) before it starts (%s)",
		    o->until, o->since);
	c.fu_hours = o->follow_up_hours > 0 ? o->follow_up_hours : REPORT_FOLLOW_UP_HOURS;
	c.stall_days = o->stall_days > 0 ? o->stall_days : REPORT_STALL_DAYS;
	c.asof_t = util_iso_to_epoch(o->now) < c.until ? util_iso_to_epoch(o->now) : c.until;
	report_iso(c.asof_t, c.asof);
	report_iso(c.asof_t - c.fu_hours * 3600, c.fu_cut);
	report_iso(c.asof_t - c.stall_days * 86400, c.stall_cut);
	report_iso(c.asof_t - (int64_t)REPORT_NEW_REP_DAYS * 86400, c.join_cut);
	c.params[0] = o->since;
	c.params[1] = o->until;
	c.params[2] = o->rep;
	c.params[3] = c.fu_cut;
	c.params[4] = c.stall_cut;
	c.params[5] = c.join_cut;
	c.params[6] = c.asof;

	if ((rc = store_begin_read(st, err)) != 0)
		return rc;
	load_reps(&c);
	r = json_object();
	jset(r, "period", sec_period(&c));
	jset(r, "follow_up", sec_follow_up(&c));
	jset(r, "speed_to_lead", sec_speed(&c));
	jset(r, "funnel", sec_funnel(&c));
	jset(r, "pipeline", sec_pipeline(&c));
	jset(r, "forecast", sec_forecast(&c));
	jset(r, "targets", sec_targets(&c));
	jset(r, "bottlenecks", sec_bottlenecks(&c));
	jset(r, "training", sec_training(&c));
	jset(r, "channels", sec_channels(&c));
	jset(r, "data_health", sec_data_health(&c));
	store_rollback(st);
	json_decref(c.reps);
	if (c.rc) {
		json_decref(r);
		return c.rc;
	}
	*out = r;
	return 0;
}

int report_write(struct store *st, const struct report_opts *o, enum report_format f,
    FILE *out, struct ss_err *err)
{
	json_t *r;
	int rc = report_build(st, o, &r, err);

	if (rc != 0)
		return rc;
	switch (f) {
	case REPORT_JSON:
		rc = json_dumpf(r, out, JSON_INDENT(2) | JSON_REAL_PRECISION(12)) == 0 ? 0 : SS_EIO;
		fputc('\n', out);
		break;
	case REPORT_HTML:
		rc = report_html_write(r, out);
		break;
	default:
		rc = report_text_write(r, out);
		break;
	}
	json_decref(r);
	if (rc == 0 && ferror(out))
		rc = SS_EIO;
	if (rc != 0)
		return err_set(err, SS_EIO, "write error on output");
	return 0;
}
