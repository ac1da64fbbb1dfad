/* report_text: plain-text rendering of the report document. */
#include "report_text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

/* ---- small formatting --------------------------------------------------- */

char *report_text_time(const char *iso)
{
	if (!iso)
		return xstrdup("-");
	if (strlen(iso) < 16)
		return xstrdup(iso);
	return xasprintf("%.10s %.5s UTC", iso, iso + 11);
}

char *report_text_period(const char *since, const char *until)
{
	int64_t a = util_iso_to_epoch(since), b = util_iso_to_epoch(until);
	char last[21];

	if (a >= 0 && b > a && a % 86400 == 0 && b % 86400 == 0) {
		report_iso(b - 86400, last);
		if (b - a == 86400)
			return xasprintf("%.10s", since);
		return xasprintf("%.10s to %.10s", since, last);
	}
	return xasprintf("%.10s %.5s to %.10s %.5s UTC", since ? since : "", since ? since + 11 : "",
	    until ? until : "", until ? until + 11 : "");
}

char *report_text_pct(const json_t *share)
{
	if (!json_is_number(share))
		return xstrdup("-");
	return xasprintf("%.1f%%", json_number_value(share) * 100.0);
}

char *report_text_num(const json_t *v)
{
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%.1f", json_real_value(v));
	return xstrdup("-");
}

/* ---- tables ------------------------------------------------------------- */

/* Number of UTF-8 code points in s. */
static size_t u8len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* A table of text cells: rows of ncol owned strings; column 0 left
 * aligned, the others right aligned unless left[i]. */
struct table {
	int ncol;
	char **cells; /* nrow × ncol */
	size_t nrow;
	int left[16];
};

static void t_row(struct table *t, ...)
{
	va_list ap;

	t->cells = xrealloc(t->cells, (t->nrow + 1) * (size_t)t->ncol * sizeof *t->cells);
	va_start(ap, t);
	for (int i = 0; i < t->ncol; i++) {
		const char *s = va_arg(ap, const char *);
		t->cells[t->nrow * (size_t)t->ncol + (size_t)i] = xstrdup(s ? s : "-");
	}
	va_end(ap);
	t->nrow++;
}

/* Like t_row but takes ownership of the strings. */
static void t_row_own(struct table *t, char **cells)
{
	t->cells = xrealloc(t->cells, (t->nrow + 1) * (size_t)t->ncol * sizeof *t->cells);
	for (int i = 0; i < t->ncol; i++)
		t->cells[t->nrow * (size_t)t->ncol + (size_t)i] = cells[i] ? cells[i] : xstrdup("-");
	t->nrow++;
}

/* Cells wider than this are cut with "…". */
#define CELL_MAX 34

static void t_print(struct table *t, FILE *out, const char *indent)
{
	size_t w[16] = {0};

	for (size_t r = 0; r < t->nrow; r++) {
		for (int i = 0; i < t->ncol; i++) {
			size_t n = u8len(t->cells[r * (size_t)t->ncol + (size_t)i]);
			if (n > CELL_MAX && (i == 0 || t->left[i]))
				n = CELL_MAX;
			if (n > w[i])
				w[i] = n;
		}
	}
	for (size_t r = 0; r < t->nrow; r++) {
		struct sb line = {0};
		sb_adds(&line, indent);
		for (int i = 0; i < t->ncol; i++) {
			const char *s = t->cells[r * (size_t)t->ncol + (size_t)i];
			size_t n = u8len(s), pad;
			int left = i == 0 || t->left[i];
			if (i)
				sb_adds(&line, "  ");
			if (n > CELL_MAX && left) {
				/* cut at a code point boundary */
				size_t cp = 0, b = 0;
				while (s[b] && cp < CELL_MAX - 1) {
					b++;
					while (((unsigned char)s[b] & 0xC0) == 0x80)
						b++;
					cp++;
				}
				sb_add(&line, s, b);
				sb_adds(&line, "…");
				n = CELL_MAX;
				s = "";
			}
			pad = w[i] > n ? w[i] - n : 0;
			if (!left)
				for (size_t k = 0; k < pad; k++)
					sb_addc(&line, ' ');
			sb_adds(&line, s);
			if (left && i < t->ncol - 1)
				for (size_t k = 0; k < pad; k++)
					sb_addc(&line, ' ');
		}
		while (line.len && line.buf[line.len - 1] == ' ')
			line.buf[--line.len] = '\0';
		fprintf(out, "%s\n", line.buf);
		sb_free(&line);
	}
	for (size_t i = 0; i < t->nrow * (size_t)t->ncol; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrow = 0;
}

static void heading(FILE *out, int n, const char *title, const char *when)
{
	fprintf(out, "\n%d. %s — %s\n", n, title, when);
}

/* Writes "   label text…" wrapped at 88 columns, continuation lines
 * indented under the text. */
static void para(FILE *out, const char *label, const char *n)
{
	struct sb b = {0};
	size_t col, ind;

	if (!n)
		return;
	sb_addf(&b, "   %s", label);
	col = ind = 3 + u8len(label);
	for (const char *p = n; *p;) {
		size_t wl = strcspn(p, " ");
		if (col + 1 + wl > 88 && col > ind) {
			sb_addc(&b, '\n');
			for (size_t k = 0; k <= ind; k++)
				sb_addc(&b, ' ');
			col = ind + 1;
		} else {
			sb_addc(&b, ' ');
			col++;
		}
		sb_add(&b, p, wl);
		col += wl;
		p += wl;
		while (*p == ' ')
			p++;
	}
	fprintf(out, "%s\n", b.buf);
	sb_free(&b);
}

static void note(FILE *out, const json_t *sec)
{
	para(out, "Note:", js(sec, "note"));
}

static char *money(const json_t *amounts)
{
	return report_money_list(amounts);
}

/* ---- sections ----------------------------------------------------------- */

/* A waiting time in hours as "50 h", or "12 d" from 72 h on. */
static char *waiting(const json_t *hours)
{
	json_int_t h = json_integer_value(hours);

	if (!json_is_integer(hours))
		return xstrdup("?");
	if (h >= 72)
		return xasprintf("%lld d", (long long)(h / 24));
	return xasprintf("%lld h", (long long)h);
}

static void t_follow_up(const json_t *s, FILE *out)
{
	char *when = report_text_time(js(s, "as_of"));
	char *title = xasprintf("as of %s; open leads with no activity, or none in the last "
	    "%lld h", when, (long long)ji(s, "follow_up_hours"));
	struct table t = {.ncol = 6, .left = {0, 1, 1, 1, 1, 0}};
	size_t i, j;
	json_t *g, *l;

	heading(out, 1, "Follow-up queue", title);
	fprintf(out, "   %lld lead%s waiting: %lld with no activity yet, %lld idle for more than "
	    "%lld h\n", (long long)ji(s, "total"), ji(s, "total") == 1 ? "" : "s",
	    (long long)ji(s, "no_activity"), (long long)ji(s, "stale"),
	    (long long)ji(s, "follow_up_hours"));
	json_array_foreach(jo(s, "owners"), i, g) {
		const char *email = js(g, "owner");
		fprintf(out, "\n   %s%s%s%s: %lld lead%s", js(g, "name"), email ? " <" : "",
		    email ? email : "", email ? ">" : "", (long long)ji(g, "count"),
		    ji(g, "count") == 1 ? "" : "s");
		if (json_is_integer(jo(g, "oldest_hours"))) {
			char *w = waiting(jo(g, "oldest_hours"));
			fprintf(out, ", oldest waiting %s", w);
			free(w);
		}
		fputs("\n", out);
		t_row(&t, "waiting", "lead", "company", "status", "channel", "last activity");
		json_array_foreach(jo(g, "leads"), j, l) {
			if (j >= REPORT_TEXT_ROWS)
				break;
			char *cells[6];
			const char *name = js(l, "name");
			cells[0] = waiting(jo(l, "hours_waiting"));
			cells[1] = xasprintf("%s (%s)", name && *name ? name :
			    js(l, "email") ? js(l, "email") : "?", js(l, "id"));
			cells[2] = xstrdup(js(l, "company") ? js(l, "company") : "-");
			cells[3] = xstrdup(js(l, "status") ? js(l, "status") : "?");
			cells[4] = xstrdup(js(l, "channel") ? js(l, "channel") : "-");
			cells[5] = js(l, "last_activity_at") ?
			    xasprintf("%.10s", js(l, "last_activity_at")) : xstrdup("none");
			t_row_own(&t, cells);
		}
		t_print(&t, out, "     ");
		if (ji(g, "count") > REPORT_TEXT_ROWS)
			fprintf(out, "     … and %lld more (all of them in --format json or html)\n",
			    (long long)(ji(g, "count") - REPORT_TEXT_ROWS));
	}
	note(out, s);
	free(when);
	free(title);
}

static void speed_cells(const json_t *o, char **cells)
{
	cells[1] = xasprintf("%lld", (long long)ji(o, "leads"));
	cells[2] = xasprintf("%lld", (long long)ji(o, "with_activity"));
	cells[3] = report_text_num(jo(o, "median_hours"));
	cells[4] = report_text_num(jo(o, "p90_hours"));
	cells[5] = xasprintf("%lld", (long long)ji(o, "without_activity"));
}

static void t_speed(const json_t *s, FILE *out)
{
	char *p = report_text_period(js(s, "since"), js(s, "until"));
	char *title = xasprintf("leads created %s", p);
	struct table t = {.ncol = 6};
	char *cells[6];
	size_t i;
	json_t *r;

	heading(out, 2, "Speed to lead", title);
	t_row(&t, "rep", "leads", "with activity", "median h", "p90 h", "no activity");
	json_array_foreach(jo(s, "reps"), i, r) {
		cells[0] = xstrdup(js(r, "name"));
		speed_cells(r, cells);
		t_row_own(&t, cells);
	}
	cells[0] = xstrdup("all");
	speed_cells(jo(s, "overall"), cells);
	t_row_own(&t, cells);
	t_print(&t, out, "   ");
	note(out, s);
	free(p);
	free(title);
}

static void t_funnel(const json_t *s, FILE *out)
{
	char *p = report_text_period(js(s, "since"), js(s, "until"));
	char *title = xasprintf("leads created %s", p);
	const json_t *chans = jo(s, "channels"), *weeks = jo(s, "weeks");
	struct table t = {.ncol = 6};
	char *cells[16];
	size_t i, ncol;
	json_t *c, *w;

	heading(out, 3, "Funnel", title);
	t_row(&t, "channel", "leads", "qualified", "share", "converted", "share");
	json_array_foreach(chans, i, c) {
		cells[0] = xstrdup(js(c, "channel"));
		cells[1] = xasprintf("%lld", (long long)ji(c, "leads"));
		cells[2] = xasprintf("%lld", (long long)ji(c, "qualified"));
		cells[3] = report_text_pct(jo(c, "qualified_share"));
		cells[4] = xasprintf("%lld", (long long)ji(c, "converted"));
		cells[5] = report_text_pct(jo(c, "converted_share"));
		t_row_own(&t, cells);
	}
	c = (json_t *)jo(s, "total");
	cells[0] = xstrdup("all channels");
	cells[1] = xasprintf("%lld", (long long)ji(c, "leads"));
	cells[2] = xasprintf("%lld", (long long)ji(c, "qualified"));
	cells[3] = report_text_pct(jo(c, "qualified_share"));
	cells[4] = xasprintf("%lld", (long long)ji(c, "converted"));
	cells[5] = report_text_pct(jo(c, "converted_share"));
	t_row_own(&t, cells);
	t_print(&t, out, "   ");

	/* New leads per ISO week: weeks down, the top channels across. */
	ncol = json_array_size(chans);
	if (ncol > 6)
		ncol = 6;
	fputs("\n   New leads by ISO week of creation:\n", out);
	struct table wt = {.ncol = (int)ncol + 2};
	cells[0] = xstrdup("week");
	cells[1] = xstrdup("all");
	for (i = 0; i < ncol; i++)
		cells[i + 2] = xstrdup(js(json_array_get(chans, i), "channel"));
	t_row_own(&wt, cells);
	json_array_foreach(weeks, i, w) {
		cells[0] = xstrdup(json_string_value(w));
		cells[1] = report_text_num(json_array_get(jo(jo(s, "total"), "by_week"), i));
		for (size_t k = 0; k < ncol; k++)
			cells[k + 2] = report_text_num(json_array_get(jo(json_array_get(chans, k),
			    "by_week"), i));
		t_row_own(&wt, cells);
	}
	t_print(&wt, out, "   ");
	if (json_array_size(chans) > ncol)
		fprintf(out, "   (%zu more channels in --format json or html)\n",
		    json_array_size(chans) - ncol);
	note(out, s);
	free(p);
	free(title);
}

static void t_pipeline(const json_t *s, FILE *out)
{
	char *when = report_text_time(js(s, "as_of"));
	char *title = xasprintf("open deals as of %s", when);
	const json_t *cl = jo(s, "closed"), *cyc = jo(cl, "cycle");
	struct table t = {.ncol = 4};
	char *cells[4], *p, *a, *b, *r;
	size_t i;
	json_t *st;

	heading(out, 4, "Pipeline", title);
	t_row(&t, "stage", "deals", "amount", "no amount");
	json_array_foreach(jo(s, "stages"), i, st) {
		cells[0] = xstrdup(js(st, "stage"));
		cells[1] = xasprintf("%lld", (long long)ji(st, "count"));
		cells[2] = money(jo(st, "amounts"));
		cells[3] = xasprintf("%lld", (long long)ji(st, "no_amount"));
		t_row_own(&t, cells);
	}
	st = (json_t *)jo(s, "total");
	cells[0] = xstrdup("all open");
	cells[1] = xasprintf("%lld", (long long)ji(st, "count"));
	cells[2] = money(jo(st, "amounts"));
	cells[3] = xasprintf("%lld", (long long)ji(st, "no_amount"));
	t_row_own(&t, cells);
	t_print(&t, out, "   ");

	p = report_text_period(js(cl, "since"), js(cl, "until"));
	r = report_text_pct(jo(cl, "win_rate"));
	a = money(jo(cl, "won_amounts"));
	b = money(jo(cl, "avg_deal_size"));
	fprintf(out, "\n   Closed %s: %lld won, %lld lost, win rate %s\n", p,
	    (long long)ji(cl, "won"), (long long)ji(cl, "lost"), r);
	fprintf(out, "   Won: %s; average won deal: %s\n", a, b);
	free(a);
	free(b);
	a = report_text_num(jo(cyc, "median_days"));
	b = report_text_num(jo(cyc, "mean_days"));
	fprintf(out, "   Sales cycle (created to won): median %s days, mean %s days, over %lld "
	    "won deal%s\n", a, b, (long long)ji(cyc, "deals"), ji(cyc, "deals") == 1 ? "" : "s");
	note(out, s);
	note(out, cl);
	free(a);
	free(b);
	free(p);
	free(r);
	free(when);
	free(title);
}

static void t_forecast(const json_t *s, FILE *out)
{
	char *when = report_text_time(js(s, "as_of"));
	char *title = xasprintf("open deals by close month, as of %s", when);
	struct table t = {.ncol = 5};
	char *cells[5];
	size_t i;
	json_t *m;

	heading(out, 5, "Forecast", title);
	t_row(&t, "close month", "deals", "amount", "weighted (amount x probability)", "");
	json_array_foreach(jo(s, "months"), i, m) {
		cells[0] = xstrdup(js(m, "month"));
		cells[1] = xasprintf("%lld", (long long)ji(m, "count"));
		cells[2] = money(jo(m, "amounts"));
		cells[3] = money(jo(m, "weighted"));
		cells[4] = xstrdup(json_is_true(jo(m, "past")) ? "overdue" : "");
		t_row_own(&t, cells);
	}
	m = (json_t *)jo(s, "total");
	cells[0] = xstrdup("all");
	cells[1] = xasprintf("%lld", (long long)ji(m, "count"));
	cells[2] = money(jo(m, "amounts"));
	cells[3] = money(jo(m, "weighted"));
	cells[4] = ji(m, "no_probability") ?
	    xasprintf("%lld without probability", (long long)ji(m, "no_probability")) : xstrdup("");
	t_row_own(&t, cells);
	t_print(&t, out, "   ");
	note(out, s);
	free(when);
	free(title);
}

static void target_cells(const json_t *e, const char *name, const char *team, char **cells)
{
	struct sb att = {0};
	const char **keys = report_keys(jo(e, "attainment"));

	for (size_t i = 0; keys[i]; i++) {
		char *p = report_text_pct(jo(jo(e, "attainment"), keys[i]));
		sb_addf(&att, "%s%s %s", i ? " · " : "", keys[i], p);
		free(p);
	}
	free(keys);
	cells[0] = xstrdup(name);
	cells[1] = xstrdup(team ? team : "-");
	cells[2] = xasprintf("%lld", (long long)ji(e, "won_deals"));
	cells[3] = money(jo(e, "won"));
	cells[4] = money(jo(e, "quota"));
	cells[5] = att.buf ? att.buf : xstrdup("-");
}

static void t_targets(const json_t *s, FILE *out)
{
	char *p = report_text_period(js(s, "since"), js(s, "until"));
	struct table t = {.ncol = 6, .left = {0, 1}};
	char *cells[6];
	size_t i;
	json_t *e;

	heading(out, 6, "Targets", p);
	t_row(&t, "rep", "team", "won deals", "won", "quota", "attainment");
	json_array_foreach(jo(s, "reps"), i, e) {
		target_cells(e, js(e, "name"), js(e, "team"), cells);
		t_row_own(&t, cells);
	}
	json_array_foreach(jo(s, "teams"), i, e) {
		char *n = xasprintf("team %s", js(e, "team"));
		target_cells(e, n, "", cells);
		t_row_own(&t, cells);
		free(n);
	}
	e = (json_t *)jo(s, "unassigned");
	if (ji(e, "won_deals") || json_object_size(jo(e, "quota"))) {
		target_cells(e, "(no known rep)", "", cells);
		t_row_own(&t, cells);
	}
	target_cells(jo(s, "total"), "all", "", cells);
	t_row_own(&t, cells);
	t_print(&t, out, "   ");
	note(out, s);
	free(p);
}

static void t_bottlenecks(const json_t *s, FILE *out)
{
	char *when = report_text_time(js(s, "as_of"));
	char *title = xasprintf("open deals as of %s, stalled = no update for more than %lld days",
	    when, (long long)ji(s, "stall_days"));
	struct table t = {.ncol = 5};
	char *cells[5];
	size_t i;
	json_t *e;

	heading(out, 7, "Bottlenecks", title);
	t_row(&t, "stage", "open", "stalled", "stalled amount", "median days since update");
	json_array_foreach(jo(s, "stages"), i, e) {
		cells[0] = xstrdup(js(e, "stage"));
		cells[1] = xasprintf("%lld", (long long)ji(e, "open"));
		cells[2] = xasprintf("%lld", (long long)ji(e, "stalled"));
		cells[3] = money(jo(e, "stalled_amounts"));
		cells[4] = report_text_num(jo(e, "median_days_since_update"));
		t_row_own(&t, cells);
	}
	t_print(&t, out, "   ");
	{
		char *m = xasprintf("%s.", js(s, "median_days_in_stage"));
		para(out, "Median days in stage:", m);
		free(m);
	}
	if (json_array_size(jo(s, "stalled_deals"))) {
		struct table d = {.ncol = 5, .left = {0, 1, 1}};
		fputs("\n   Stalled deals, longest without an update first:\n", out);
		t_row(&d, "deal", "stage", "owner", "amount", "days");
		json_array_foreach(jo(s, "stalled_deals"), i, e) {
			if (i >= REPORT_TEXT_ROWS)
				break;
			cells[0] = xasprintf("%s (%s)", js(e, "name") ? js(e, "name") : "?", js(e, "id"));
			cells[1] = xstrdup(js(e, "stage"));
			cells[2] = xstrdup(js(e, "owner_name"));
			cells[3] = json_is_integer(jo(e, "amount_minor")) ?
			    report_money(ji(e, "amount_minor"), js(e, "currency")) : xstrdup("-");
			cells[4] = xasprintf("%lld", (long long)ji(e, "days_since_update"));
			t_row_own(&d, cells);
		}
		t_print(&d, out, "     ");
		if (json_array_size(jo(s, "stalled_deals")) > REPORT_TEXT_ROWS)
			fprintf(out, "     … and %zu more\n",
			    json_array_size(jo(s, "stalled_deals")) - REPORT_TEXT_ROWS);
	}
	note(out, s);
	free(when);
	free(title);
}

static void group_line(FILE *out, const char *label, const json_t *g)
{
	char *w = money(jo(g, "won"));

	fprintf(out, "   %-16s %lld rep%s: %lld leads, %lld won / %lld lost deals, won %s\n",
	    label, (long long)ji(g, "reps"), ji(g, "reps") == 1 ? "" : "s",
	    (long long)ji(g, "leads"), (long long)ji(g, "won_deals"),
	    (long long)ji(g, "lost_deals"), w);
	free(w);
}

static void t_training(const json_t *s, FILE *out)
{
	char *when = report_text_time(js(s, "as_of"));
	char *title = xasprintf("as of %s", when);
	const json_t *nr = jo(s, "new_reps");
	struct table t = {.ncol = 5};
	char *cells[5], *since;
	size_t i;
	json_t *e;

	heading(out, 8, "Onboarding and training", title);
	t_row(&t, "rep", "courses", "completed", "completion", "avg progress");
	json_array_foreach(jo(s, "reps"), i, e) {
		cells[0] = xstrdup(js(e, "name"));
		cells[1] = xasprintf("%lld", (long long)ji(e, "courses"));
		cells[2] = xasprintf("%lld", (long long)ji(e, "completed"));
		cells[3] = report_text_pct(jo(e, "completion"));
		cells[4] = report_text_pct(jo(e, "avg_progress"));
		t_row_own(&t, cells);
	}
	t_print(&t, out, "   ");
	since = report_text_time(js(nr, "joined_since"));
	fprintf(out, "\n   Reps who joined in the last %lld days (since %s), results since "
	    "joining:\n", (long long)ji(nr, "days"), since);
	group_line(out, "trained:", jo(nr, "trained"));
	group_line(out, "not yet trained:", jo(nr, "not_yet_trained"));
	if (ji(nr, "join_date_unknown"))
		fprintf(out, "   %lld rep%s without a join date (created_at) could not be placed.\n",
		    (long long)ji(nr, "join_date_unknown"), ji(nr, "join_date_unknown") == 1 ? "" : "s");
	note(out, s);
	free(since);
	free(when);
	free(title);
}

static void t_channels(const json_t *s, FILE *out)
{
	char *p = report_text_period(js(s, "since"), js(s, "until"));
	struct table t = {.ncol = 7};
	char *cells[7];
	size_t i;
	json_t *e;

	heading(out, 9, "Channels", p);
	t_row(&t, "channel", "sessions", "conversions", "conv. rate", "leads", "won deals", "won");
	json_array_foreach(jo(s, "channels"), i, e) {
		cells[0] = xstrdup(js(e, "channel"));
		cells[1] = report_text_num(jo(e, "sessions"));
		cells[2] = report_text_num(jo(e, "conversions"));
		cells[3] = report_text_pct(jo(e, "conversion_rate"));
		cells[4] = xasprintf("%lld", (long long)ji(e, "leads"));
		cells[5] = xasprintf("%lld", (long long)ji(e, "won_deals"));
		cells[6] = money(jo(e, "won"));
		t_row_own(&t, cells);
	}
	t_print(&t, out, "   ");
	note(out, s);
	free(p);
}

static void t_health(const json_t *s, FILE *out)
{
	char *when = report_text_time(js(s, "generated_at"));
	char *title = xasprintf("store-wide, at %s", when);
	struct table t = {.ncol = 8, .left = {0, 1, 0, 1}};
	char *cells[8];
	size_t i;
	json_t *e;

	heading(out, 10, "Data health", title);
	t_row(&t, "instance", "last successful sync", "age h", "last run", "reps", "leads", "deals",
	    "metrics");
	json_array_foreach(jo(s, "instances"), i, e) {
		const json_t *rec = jo(e, "records");
		cells[0] = xasprintf("%s%s", js(e, "instance"),
		    json_is_true(jo(e, "configured")) ? "" : " (not configured)");
		cells[1] = js(e, "last_success") ? report_text_time(js(e, "last_success")) :
		    xstrdup("never");
		cells[2] = report_text_num(jo(e, "age_hours"));
		cells[3] = xstrdup(js(e, "last_status") ? js(e, "last_status") : "-");
		cells[4] = xasprintf("%lld", (long long)ji(rec, "reps"));
		cells[5] = xasprintf("%lld", (long long)ji(rec, "leads"));
		cells[6] = xasprintf("%lld", (long long)ji(rec, "deals"));
		cells[7] = xasprintf("%lld", (long long)ji(rec, "metrics"));
		t_row_own(&t, cells);
	}
	t_print(&t, out, "   ");
	{
		char *a = xasprintf("%lld unified by email, %lld of them in more than one tool; reps "
		    "in more than one tool: %lld.", (long long)ji(s, "people"),
		    (long long)ji(s, "people_in_several_tools"),
		    (long long)ji(s, "reps_in_several_tools"));
		char *b = xasprintf("%lld leads without email, %lld leads without owner, %lld deals "
		    "without owner, %lld deals whose owner is no known rep.",
		    (long long)ji(s, "leads_without_email"), (long long)ji(s, "leads_without_owner"),
		    (long long)ji(s, "deals_without_owner"),
		    (long long)ji(s, "deals_with_unknown_owner"));
		para(out, "People:", a);
		para(out, "Gaps:", b);
		free(a);
		free(b);
	}
	note(out, s);
	free(when);
	free(title);
}

int report_text_write(const json_t *r, FILE *out)
{
	const json_t *p = jo(r, "period");
	char *period = report_text_period(js(p, "since"), js(p, "until"));
	char *asof = report_text_time(js(p, "as_of"));
	char *days = report_text_num(jo(p, "days"));

	fprintf(out, "salesync report: %s (%s days)%s%s\n", period, days,
	    js(p, "rep") ? ", rep " : ", all reps", js(p, "rep") ? js(p, "rep") : "");
	free(days);
	fprintf(out, "Snapshot sections are as of %s, from the records as last synced.\n"
	    "Money is summed per currency and never converted.\n", asof);
	free(period);
	free(asof);
	t_follow_up(jo(r, "follow_up"), out);
	t_speed(jo(r, "speed_to_lead"), out);
	t_funnel(jo(r, "funnel"), out);
	t_pipeline(jo(r, "pipeline"), out);
	t_forecast(jo(r, "forecast"), out);
	t_targets(jo(r, "targets"), out);
	t_bottlenecks(jo(r, "bottlenecks"), out);
	t_training(jo(r, "training"), out);
	t_channels(jo(r, "channels"), out);
	t_health(jo(r, "data_health"), out);
	return ferror(out) ? SS_EIO : 0;
}
