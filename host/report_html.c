/*
 * report_html: the report as one self-contained HTML page. Inline CSS
 * (screen and print), inline SVG charts drawn here (funnel, weekly new
 * leads, pipeline by stage and forecast by month per currency, quota
 * attainment), tables for the rest. No scripts, fonts, images or links
 * outside the page. Every string that comes from the data goes through
 * report_html_escape(); numbers are formatted here.
 */
#include "report_html.h"

#include <stdlib.h>
#include <string.h>

#include "norm.h"
#include "report.h"
#include "report_text.h"
#include "util.h"

/* Follow-up rows shown per owner (the JSON output has all of them). */
#define HTML_QUEUE_ROWS 10
#define HTML_STALLED_ROWS 25

static const char css[] =
	":root{--ink:#1f2933;--muted:#5f6b7a;--line:#dde3ea;--bg:#f4f6f9;--card:#fff;"
	"--a:#2563c9;--a2:#a9c4f0;--warn:#c2410c;--ok:#15803d}"
	"*{box-sizing:border-box}"
	"body{margin:0;background:var(--bg);color:var(--ink);"
	"font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,"
	"sans-serif}"
	"main{max-width:1160px;margin:0 auto;padding:20px 24px 40px}"
	"header h1{font-size:24px;margin:8px 0 2px}"
	"header p{margin:2px 0;color:var(--muted)}"
	"nav{margin:10px 0 0;font-size:13px}nav a{color:var(--a);margin-right:12px;"
	"text-decoration:none;white-space:nowrap}"
	"section{background:var(--card);border:1px solid var(--line);border-radius:8px;"
	"padding:14px 20px 16px;margin:16px 0}"
	"h2{font-size:18px;margin:0 0 2px}h3{font-size:14px;margin:14px 0 6px}"
	".when{color:var(--muted);margin:0 0 10px;font-size:13px}"
	".kpis{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0 12px}"
	".kpi{border:1px solid var(--line);border-radius:6px;padding:6px 12px;min-width:130px}"
	".kpi b{display:block;font-size:18px}.kpi span{color:var(--muted);font-size:12px}"
	"table{border-collapse:collapse;width:100%;margin:6px 0 4px;"
	"font-variant-numeric:tabular-nums}"
	"th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;"
	"vertical-align:top}"
	"th{font-size:12px;color:var(--muted);font-weight:600;background:#f8fafc}"
	"td.n,th.n{text-align:right;white-space:nowrap}"
	"tr.sum td{font-weight:600;border-top:2px solid var(--line)}"
	"tr.group td{background:#eef3fb;font-weight:600}"
	"tr.more td{color:var(--muted);font-style:italic}"
	".charts{display:flex;flex-wrap:wrap;gap:12px}"
	"figure{margin:6px 0;flex:0 1 520px;max-width:520px;break-inside:avoid}"
	"figcaption{font-size:12px;color:var(--muted);margin:2px 0 4px}"
	"svg.chart{width:100%;height:auto;display:block}"
	"svg text{font-size:11px;fill:var(--ink)}svg .lbl{fill:var(--muted)}"
	".note{color:var(--muted);font-size:12px;margin:8px 0 0}"
	".na{color:var(--warn)}.tag{font-size:11px;color:var(--warn)}"
	"@media print{body{background:#fff;font-size:11px}main{max-width:none;padding:0}"
	"nav{display:none}section{border:0;border-top:1px solid var(--line);border-radius:0;"
	"padding:8px 0;margin:8px 0}section,figure,table{break-inside:auto}"
	"tr,figure{break-inside:avoid}h2{break-after:avoid}}";

/* ---- output helpers ----------------------------------------------------- */

char *report_html_escape(const char *s)
{
	struct sb b = {0};

	for (; s && *s; s++) {
		switch (*s) {
		case '&': sb_adds(&b, "&amp;"); break;
		case '<': sb_adds(&b, "&lt;"); break;
		case '>': sb_adds(&b, "&gt;"); break;
		case '"': sb_adds(&b, "&quot;"); break;
		case '\'': sb_adds(&b, "&#39;"); break;
		default: sb_addc(&b, *s); break;
		}
	}
	return b.buf ? b.buf : xstrdup("");
}

/* Appends s escaped. */
static void esc(struct sb *b, const char *s)
{
	char *e = report_html_escape(s);

	sb_adds(b, e);
	free(e);
}

/* Appends an owned string escaped, then frees it. */
static void esc_own(struct sb *b, char *s)
{
	esc(b, s);
	free(s);
}

/* <td class="n">text</td> with text owned and escaped. */
static void td_n(struct sb *b, char *s)
{
	sb_adds(b, "<td class=\"n\">");
	esc_own(b, s);
	sb_adds(b, "</td>");
}

static void td(struct sb *b, const char *s)
{
	sb_adds(b, "<td>");
	esc(b, s ? s : "-");
	sb_adds(b, "</td>");
}

static void td_int(struct sb *b, json_int_t v)
{
	sb_addf(b, "<td class=\"n\">%lld</td>", (long long)v);
}

static char *money(const json_t *amounts)
{
	return report_money_list(amounts);
}

/* "as of 2026-12-01 00:00 UTC"-style text: fmt with one %s, the time of iso. */
static char *at_time(const char *fmt, const char *iso)
{
	char *t = report_text_time(iso);
	char *r = xasprintf(fmt, t);

	free(t);
	return r;
}

/* A cell with the date part of an ISO time (escaped), or "-". */
static void td_date(struct sb *b, const char *iso)
{
	char *d = iso ? xstrndup(iso, 10) : xstrdup("-");

	sb_adds(b, "<td>");
	esc_own(b, d);
	sb_adds(b, "</td>");
}

static void section_open(struct sb *b, const char *id, int n, const char *title,
    char *when)
{
	sb_addf(b, "<section id=\"%s\"><h2>%d. %s</h2><p class=\"when\">", id, n, title);
	esc_own(b, when);
	sb_adds(b, "</p>\n");
}

static void note(struct sb *b, const json_t *sec)
{
	if (!js(sec, "note"))
		return;
	sb_adds(b, "<p class=\"note\">");
	esc(b, js(sec, "note"));
	sb_adds(b, "</p>\n");
}

static void kpi(struct sb *b, char *value, const char *label)
{
	sb_adds(b, "<div class=\"kpi\"><b>");
	esc_own(b, value);
	sb_adds(b, "</b><span>");
	esc(b, label);
	sb_adds(b, "</span></div>");
}

/* A compact amount for chart labels: 1234567 minor USD -> "12.3k". */
static char *compact(int64_t minor, const char *currency)
{
	int exp = norm_currency_exponent(currency);
	double v = (double)minor / (exp == 0 ? 1.0 : exp == 3 ? 1000.0 : 100.0);

	if (v >= 1e6 || v <= -1e6)
		return xasprintf("%.1fM", v / 1e6);
	if (v >= 1e3 || v <= -1e3)
		return xasprintf("%.1fk", v / 1e3);
	return xasprintf("%.0f", v);
}

/* Labels in charts are cut at n code points. */
static char *cut(const char *s, size_t n)
{
	size_t cp = 0, i = 0;

	if (!s)
		return xstrdup("");
	while (s[i] && cp < n) {
		i++;
		while (((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		cp++;
	}
	if (!s[i])
		return xstrdup(s);
	return xasprintf("%.*s…", (int)i, s);
}

/* ---- charts ------------------------------------------------------------- */

struct bar {
	char *label;  /* owned */
	double value;
	char *text;   /* owned: shown after the bar */
};

/* A horizontal bar chart. max <= 0: the largest value. marker >= 0 draws
 * a dashed line at that value (100% of quota). */
static void svg_hbars(struct sb *b, const char *cls, const char *title, struct bar *bars,
    size_t n, double max, double marker, const char *color)
{
	const int W = 520, LW = 150, TW = 130, RH = 24, TOP = 6;
	int h = TOP * 2 + (int)n * RH + (marker >= 0 ? 14 : 0);
	double area = W - LW - TW;

	for (size_t i = 0; i < n; i++)
		if (bars[i].value > max)
			max = bars[i].value;
	if (max <= 0)
		max = 1;
	sb_addf(b, "<svg class=\"chart %s\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", cls,
	    W, h);
	esc(b, title);
	sb_adds(b, "\"><title>");
	esc(b, title);
	sb_adds(b, "</title>");
	for (size_t i = 0; i < n; i++) {
		int y = TOP + (int)i * RH;
		double w = bars[i].value > 0 ? bars[i].value / max * area : 0;
		char *l = cut(bars[i].label, 22);
		sb_addf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LW - 8, y + 16);
		esc_own(b, l);
		sb_addf(b, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" rx=\"2\""
		    " fill=\"%s\"/>", LW, y + 4, w < 1 && bars[i].value > 0 ? 1.0 : w, RH - 8, color);
		sb_addf(b, "<text class=\"lbl\" x=\"%.1f\" y=\"%d\">", LW + w + 6, y + 16);
		esc(b, bars[i].text);
		sb_adds(b, "</text>");
	}
	if (marker >= 0) {
		double x = LW + marker / max * area;
		sb_addf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#c2410c\""
		    " stroke-dasharray=\"4 3\"/><text class=\"lbl\" x=\"%.1f\" y=\"%d\""
		    " text-anchor=\"middle\">100%%</text>", x, TOP, x, h - 14, x, h - 3);
	}
	sb_adds(b, "</svg>\n");
	for (size_t i = 0; i < n; i++) {
		free(bars[i].label);
		free(bars[i].text);
	}
}

/* A column chart: up to two series (a: light, behind; b: dark, in front),
 * one column per label; atext/btext label the tops of the columns (btext
 * only where it does not collide with atext). */
static void svg_columns(struct sb *b, const char *cls, const char *title, char **labels,
    const double *a, char **atext, const double *bv, char **btext, size_t n)
{
	const int W = 520, H = 200, L = 6, R = 6, TOP = 18, BOT = 30;
	double max = 0, slot = n ? (double)(W - L - R) / (double)n : 1;

	for (size_t i = 0; i < n; i++) {
		if (a[i] > max)
			max = a[i];
		if (bv && bv[i] > max)
			max = bv[i];
	}
	if (max <= 0)
		max = 1;
	sb_addf(b, "<svg class=\"chart %s\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", cls,
	    W, H);
	esc(b, title);
	sb_adds(b, "\"><title>");
	esc(b, title);
	sb_adds(b, "</title>");
	sb_addf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#dde3ea\"/>", L,
	    H - BOT, W - R, H - BOT);
	for (size_t i = 0; i < n; i++) {
		double x = L + slot * (double)i, cw = slot * 0.7 > 56 ? 56 : slot * 0.7;
		double ha = a[i] > 0 ? a[i] / max * (H - TOP - BOT) : 0;
		double cx = x + (slot - cw) / 2;
		sb_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"2\""
		    " fill=\"%s\"/>", cx, H - BOT - ha, cw, ha, bv ? "#a9c4f0" : "#2563c9");
		if (bv) {
			double hb = bv[i] > 0 ? bv[i] / max * (H - TOP - BOT) : 0;
			sb_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"2\""
			    " fill=\"#2563c9\"/>", cx + cw * 0.2, H - BOT - hb, cw * 0.6, hb);
			if (btext && btext[i] && ha - hb >= 16) {
				sb_addf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
				    x + slot / 2, H - BOT - hb - 4);
				esc(b, btext[i]);
				sb_adds(b, "</text>");
			}
		}
		if (atext && atext[i]) {
			sb_addf(b, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
			    bv ? "lbl" : "", x + slot / 2, H - BOT - ha - 4);
			esc(b, atext[i]);
			sb_adds(b, "</text>");
		}
		if (n <= 16 || i % ((n + 15) / 16) == 0) {
			sb_addf(b, "<text class=\"lbl\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">",
			    x + slot / 2, H - BOT + 16);
			esc(b, labels[i]);
			sb_adds(b, "</text>");
		}
	}
	sb_adds(b, "</svg>\n");
}

/* The funnel: centred bars for created, reached qualified, converted. */
static void svg_funnel(struct sb *b, const json_t *total)
{
	const int W = 520, RH = 40, TOP = 6;
	const char *names[3] = {"New leads", "Reached qualified", "Converted"};
	json_int_t v[3] = {ji(total, "leads"), ji(total, "qualified"), ji(total, "converted")};
	double max = v[0] > 0 ? (double)v[0] : 1;

	sb_addf(b, "<svg class=\"chart chart-funnel\" viewBox=\"0 0 %d %d\" role=\"img\""
	    " aria-label=\"Lead funnel\"><title>Lead funnel</title>", W, TOP * 2 + 3 * RH);
	for (int i = 0; i < 3; i++) {
		double w = (double)v[i] / max * 500;
		double x = (W - (w < 2 ? 2 : w)) / 2;
		int y = TOP + i * RH;
		char *pct = v[0] ? xasprintf(" (%.1f%%)", (double)v[i] * 100.0 / (double)v[0]) :
		    xstrdup("");
		sb_addf(b, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" rx=\"3\""
		    " fill=\"%s\"/>", x, y + 4, w < 2 ? 2 : w, RH - 12, i == 0 ? "#d3e1f8" : i == 1 ?
		    "#a9c4f0" : "#7fa6e6");
		sb_addf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s: %lld%s</text>", W / 2,
		    y + RH / 2 + 3, names[i], (long long)v[i], i ? pct : "");
		free(pct);
	}
	sb_adds(b, "</svg>\n");
}

/* ---- sections ----------------------------------------------------------- */

static char *fu_title(const json_t *s)
{
	char *t = report_text_time(js(s, "as_of"));
	char *r = xasprintf("as of %s · open leads with no activity, or none in the last %lld "
	    "hours", t, (long long)ji(s, "follow_up_hours"));

	free(t);
	return r;
}

static void h_follow_up(struct sb *b, const json_t *s)
{
	size_t i, j;
	json_t *g, *l;

	section_open(b, "follow-up", 1, "Follow-up queue", fu_title(s));
	sb_adds(b, "<div class=\"kpis\">");
	kpi(b, xasprintf("%lld", (long long)ji(s, "total")), "leads waiting");
	kpi(b, xasprintf("%lld", (long long)ji(s, "no_activity")), "no activity yet");
	kpi(b, xasprintf("%lld", (long long)ji(s, "stale")), "idle too long");
	kpi(b, xasprintf("%zu", json_array_size(jo(s, "owners"))), "owners");
	sb_adds(b, "</div>\n<table id=\"follow-up-queue\"><thead><tr><th>Lead</th><th>Company</th>"
	    "<th>Status</th><th>Channel</th><th>Created</th><th>Last activity</th>"
	    "<th class=\"n\">Waiting</th></tr></thead><tbody>\n");
	json_array_foreach(jo(s, "owners"), i, g) {
		sb_adds(b, "<tr class=\"group\"><td colspan=\"7\">");
		esc(b, js(g, "name"));
		if (js(g, "owner")) {
			sb_adds(b, " &lt;");
			esc(b, js(g, "owner"));
			sb_adds(b, "&gt;");
		}
		sb_addf(b, " · %lld lead%s</td></tr>\n", (long long)ji(g, "count"),
		    ji(g, "count") == 1 ? "" : "s");
		json_array_foreach(jo(g, "leads"), j, l) {
			json_int_t h = ji(l, "hours_waiting");
			if (j >= HTML_QUEUE_ROWS)
				break;
			sb_adds(b, "<tr><td>");
			esc(b, js(l, "name") && *js(l, "name") ? js(l, "name") : js(l, "email"));
			sb_adds(b, " <span class=\"lbl\">(");
			esc(b, js(l, "id"));
			sb_adds(b, ")</span></td>");
			td(b, js(l, "company"));
			td(b, js(l, "status"));
			td(b, js(l, "channel"));
			td_date(b, js(l, "created_at"));
			if (js(l, "last_activity_at"))
				td_date(b, js(l, "last_activity_at"));
			else
				sb_adds(b, "<td class=\"na\">none</td>");
			if (!json_is_integer(jo(l, "hours_waiting")))
				sb_adds(b, "<td class=\"n\">?</td>");
			else if (h >= 72)
				sb_addf(b, "<td class=\"n\">%lld d</td>", (long long)(h / 24));
			else
				sb_addf(b, "<td class=\"n\">%lld h</td>", (long long)h);
			sb_adds(b, "</tr>\n");
		}
		if (ji(g, "count") > HTML_QUEUE_ROWS)
			sb_addf(b, "<tr class=\"more\"><td colspan=\"7\">… and %lld more (all of them in "
			    "--format json)</td></tr>\n", (long long)(ji(g, "count") - HTML_QUEUE_ROWS));
	}
	sb_adds(b, "</tbody></table>\n");
	note(b, s);
	sb_adds(b, "</section>\n");
}

static void speed_row(struct sb *b, const char *name, const json_t *o, int sum)
{
	sb_adds(b, sum ? "<tr class=\"sum\">" : "<tr>");
	td(b, name);
	td_int(b, ji(o, "leads"));
	td_int(b, ji(o, "with_activity"));
	td_n(b, report_text_num(jo(o, "median_hours")));
	td_n(b, report_text_num(jo(o, "p90_hours")));
	td_int(b, ji(o, "without_activity"));
	sb_adds(b, "</tr>\n");
}

static void h_speed(struct sb *b, const json_t *s)
{
	char *p = report_text_period(js(s, "since"), js(s, "until"));
	size_t i;
	json_t *r;

	section_open(b, "speed-to-lead", 2, "Speed to lead", xasprintf("leads created %s", p));
	sb_adds(b, "<div class=\"kpis\">");
	kpi(b, report_text_num(jo(jo(s, "overall"), "median_hours")), "median hours to first touch");
	kpi(b, report_text_num(jo(jo(s, "overall"), "p90_hours")), "90th percentile, hours");
	kpi(b, xasprintf("%lld", (long long)ji(jo(s, "overall"), "without_activity")),
	    "leads not touched yet");
	sb_adds(b, "</div>\n<table id=\"speed-table\"><thead><tr><th>Rep</th><th class=\"n\">Leads"
	    "</th><th class=\"n\">With activity</th><th class=\"n\">Median h</th><th class=\"n\">"
	    "p90 h</th><th class=\"n\">No activity</th></tr></thead><tbody>\n");
	json_array_foreach(jo(s, "reps"), i, r)
		speed_row(b, js(r, "name"), r, 0);
	speed_row(b, "All reps", jo(s, "overall"), 1);
	sb_adds(b, "</tbody></table>\n");
	note(b, s);
	sb_adds(b, "</section>\n");
	free(p);
}

static void h_funnel(struct sb *b, const json_t *s)
{
	char *p = report_text_period(js(s, "since"), js(s, "until"));
	const json_t *weeks = jo(s, "weeks"), *total = jo(s, "total");
	size_t n = json_array_size(weeks), i;
	double *v = xcalloc(n + 1, sizeof *v);
	char **labels = xcalloc(n + 1, sizeof *labels), **txt = xcalloc(n + 1, sizeof *txt);
	json_t *c;

	section_open(b, "funnel", 3, "Funnel", xasprintf("leads created %s", p));
	sb_adds(b, "<div class=\"charts\"><figure><figcaption>Leads created, and how many are now "
	    "qualified or converted</figcaption>");
	svg_funnel(b, total);
	sb_adds(b, "</figure><figure><figcaption>New leads by ISO week</figcaption>");
	for (i = 0; i < n; i++) {
		const char *w = json_string_value(json_array_get(weeks, i));
		v[i] = (double)json_integer_value(json_array_get(jo(total, "by_week"), i));
		labels[i] = xstrdup(w && strlen(w) > 5 ? w + 5 : w ? w : "");
		txt[i] = xasprintf("%.0f", v[i]);
	}
	svg_columns(b, "chart-weeks", "New leads by ISO week", labels, v, txt, NULL, NULL, n);
	sb_adds(b, "</figure></div>\n<table id=\"funnel-table\"><thead><tr><th>Channel</th>"
	    "<th class=\"n\">Leads</th><th class=\"n\">Qualified</th><th class=\"n\">Share</th>"
	    "<th class=\"n\">Converted</th><th class=\"n\">Share</th></tr></thead><tbody>\n");
	json_array_foreach(jo(s, "channels"), i, c) {
		sb_adds(b, "<tr>");
		td(b, js(c, "channel"));
		td_int(b, ji(c, "leads"));
		td_int(b, ji(c, "qualified"));
		td_n(b, report_text_pct(jo(c, "qualified_share")));
		td_int(b, ji(c, "converted"));
		td_n(b, report_text_pct(jo(c, "converted_share")));
		sb_adds(b, "</tr>\n");
	}
	sb_adds(b, "<tr class=\"sum\"><td>All channels</td>");
	td_int(b, ji(total, "leads"));
	td_int(b, ji(total, "qualified"));
	td_n(b, report_text_pct(jo(total, "qualified_share")));
	td_int(b, ji(total, "converted"));
	td_n(b, report_text_pct(jo(total, "converted_share")));
	sb_adds(b, "</tr></tbody></table>\n");
	note(b, s);
	sb_adds(b, "</section>\n");
	for (i = 0; i < n; i++) {
		free(labels[i]);
		free(txt[i]);
	}
	free(labels);
	free(txt);
	free(v);
	free(p);
}

/* The currencies used in any "amounts"-like object of the array's items. */
static const char **currencies(const json_t *arr, const char *k1, const char *k2)
{
	json_t *set = json_object(), *e;
	const char **keys, *k;
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, e) {
		json_object_foreach((json_t *)jo(e, k1), k, v)
			json_object_set_new(set, k, json_true());
		if (k2)
			json_object_foreach((json_t *)jo(e, k2), k, v)
				json_object_set_new(set, k, json_true());
	}
	keys = report_keys(set);
	/* keys point into set: copy them out before freeing it */
	for (i = 0; keys[i]; i++)
		keys[i] = xstrdup(keys[i]);
	json_decref(set);
	return keys;
}

static void free_keys(const char **keys)
{
	for (size_t i = 0; keys[i]; i++)
		free((char *)keys[i]);
	free(keys);
}

static void h_pipeline(struct sb *b, const json_t *s)
{
	const json_t *stages = jo(s, "stages"), *cl = jo(s, "closed"), *cyc = jo(cl, "cycle");
	const char **curs = currencies(stages, "amounts", NULL);
	char *p;
	size_t i, j, n = json_array_size(stages);
	json_t *st;

	section_open(b, "pipeline", 4, "Pipeline", at_time("open deals as of %s",
	    js(s, "as_of")));
	sb_adds(b, "<div class=\"charts\">");
	for (j = 0; curs[j]; j++) {
		struct bar *bars = xcalloc(n + 1, sizeof *bars);
		char *title = xasprintf("Open pipeline by stage, %s", curs[j]);
		json_array_foreach(stages, i, st) {
			json_int_t a = ji(jo(st, "amounts"), curs[j]);
			bars[i].label = xstrdup(js(st, "stage"));
			bars[i].value = (double)a;
			bars[i].text = report_money(a, curs[j]);
		}
		sb_adds(b, "<figure><figcaption>");
		esc(b, title);
		sb_adds(b, "</figcaption>");
		svg_hbars(b, "chart-pipeline", title, bars, n, 0, -1, "#2563c9");
		sb_adds(b, "</figure>");
		free(bars);
		free(title);
	}
	sb_adds(b, "</div>\n<table id=\"pipeline-table\"><thead><tr><th>Stage</th><th class=\"n\">"
	    "Deals</th><th class=\"n\">Amount</th><th class=\"n\">Without amount</th></tr></thead>"
	    "<tbody>\n");
	json_array_foreach(stages, i, st) {
		sb_adds(b, "<tr>");
		td(b, js(st, "stage"));
		td_int(b, ji(st, "count"));
		td_n(b, money(jo(st, "amounts")));
		td_int(b, ji(st, "no_amount"));
		sb_adds(b, "</tr>\n");
	}
	st = (json_t *)jo(s, "total");
	sb_adds(b, "<tr class=\"sum\"><td>All open deals</td>");
	td_int(b, ji(st, "count"));
	td_n(b, money(jo(st, "amounts")));
	td_int(b, ji(st, "no_amount"));
	sb_adds(b, "</tr></tbody></table>\n");
	note(b, s);

	p = report_text_period(js(cl, "since"), js(cl, "until"));
	sb_adds(b, "<h3>Deals closed ");
	esc_own(b, p);
	sb_adds(b, "</h3><div class=\"kpis\">");
	kpi(b, xasprintf("%lld", (long long)ji(cl, "won")), "won");
	kpi(b, xasprintf("%lld", (long long)ji(cl, "lost")), "lost");
	kpi(b, report_text_pct(jo(cl, "win_rate")), "win rate (by count)");
	kpi(b, money(jo(cl, "won_amounts")), "won amount");
	kpi(b, money(jo(cl, "avg_deal_size")), "average won deal");
	kpi(b, report_text_num(jo(cyc, "median_days")), "median sales cycle, days");
	kpi(b, report_text_num(jo(cyc, "mean_days")), "mean sales cycle, days");
	sb_adds(b, "</div>");
	note(b, cl);
	sb_adds(b, "</section>\n");
	free_keys(curs);
}

static void h_forecast(struct sb *b, const json_t *s)
{
	const json_t *months = jo(s, "months");
	const char **curs = currencies(months, "amounts", "weighted");
	size_t n = json_array_size(months), i, j;
	json_t *m;

	section_open(b, "forecast", 5, "Forecast", at_time("open deals by close month, "
	    "as of %s", js(s, "as_of")));
	sb_adds(b, "<div class=\"charts\">");
	for (j = 0; curs[j]; j++) {
		double *a = xcalloc(n + 1, sizeof *a), *w = xcalloc(n + 1, sizeof *w);
		char **labels = xcalloc(n + 1, sizeof *labels), **txt = xcalloc(n + 1, sizeof *txt);
		char **wtxt = xcalloc(n + 1, sizeof *wtxt);
		char *title = xasprintf("Forecast by close month, %s: amount (light) and weighted "
		    "(dark)", curs[j]);
		json_array_foreach(months, i, m) {
			json_int_t wv = ji(jo(m, "weighted"), curs[j]);
			a[i] = (double)ji(jo(m, "amounts"), curs[j]);
			w[i] = (double)wv;
			labels[i] = xstrdup(js(m, "month"));
			txt[i] = compact(ji(jo(m, "amounts"), curs[j]), curs[j]);
			wtxt[i] = compact(wv, curs[j]);
		}
		sb_adds(b, "<figure><figcaption>");
		esc(b, title);
		sb_adds(b, "</figcaption>");
		svg_columns(b, "chart-forecast", title, labels, a, txt, w, wtxt, n);
		sb_adds(b, "</figure>");
		for (i = 0; i < n; i++) {
			free(labels[i]);
			free(txt[i]);
			free(wtxt[i]);
		}
		free(labels);
		free(txt);
		free(wtxt);
		free(a);
		free(w);
		free(title);
	}
	sb_adds(b, "</div>\n<table id=\"forecast-table\"><thead><tr><th>Close month</th>"
	    "<th class=\"n\">Deals</th><th class=\"n\">Amount</th><th class=\"n\">Weighted</th>"
	    "</tr></thead><tbody>\n");
	json_array_foreach(months, i, m) {
		sb_adds(b, "<tr><td>");
		esc(b, js(m, "month"));
		if (json_is_true(jo(m, "past")))
			sb_adds(b, " <span class=\"tag\">overdue</span>");
		sb_adds(b, "</td>");
		td_int(b, ji(m, "count"));
		td_n(b, money(jo(m, "amounts")));
		td_n(b, money(jo(m, "weighted")));
		sb_adds(b, "</tr>\n");
	}
	m = (json_t *)jo(s, "total");
	sb_adds(b, "<tr class=\"sum\"><td>All</td>");
	td_int(b, ji(m, "count"));
	td_n(b, money(jo(m, "amounts")));
	td_n(b, money(jo(m, "weighted")));
	sb_adds(b, "</tr></tbody></table>\n");
	note(b, s);
	sb_adds(b, "</section>\n");
	free_keys(curs);
}

static void target_row(struct sb *b, const json_t *e, const char *name, const char *team,
    int sum)
{
	const char **keys = report_keys(jo(e, "attainment"));
	struct sb att = {0};

	for (size_t i = 0; keys[i]; i++) {
		char *p = report_text_pct(jo(jo(e, "attainment"), keys[i]));
		sb_addf(&att, "%s%s %s", i ? " · " : "", keys[i], p);
		free(p);
	}
	free(keys);
	sb_adds(b, sum ? "<tr class=\"sum\">" : "<tr>");
	td(b, name);
	td(b, team);
	td_int(b, ji(e, "won_deals"));
	td_n(b, money(jo(e, "won")));
	td_n(b, money(jo(e, "quota")));
	td_n(b, att.buf ? att.buf : xstrdup("-"));
	sb_adds(b, "</tr>\n");
}

static void h_targets(struct sb *b, const json_t *s)
{
	const json_t *reps = jo(s, "reps");
	struct bar *bars;
	double max = 120;
	size_t i, nb = 0;
	json_t *e;

	json_array_foreach(reps, i, e)
		nb += json_object_size(jo(e, "attainment"));
	bars = xcalloc(nb + 1, sizeof *bars);
	nb = 0;

	section_open(b, "targets", 6, "Targets", report_text_period(js(s, "since"),
	    js(s, "until")));
	json_array_foreach(reps, i, e) {
		const char *cur;
		json_t *v;
		json_object_foreach((json_t *)jo(e, "attainment"), cur, v) {
			double pct = json_number_value(v) * 100.0;
			if (!json_is_number(v))
				continue;
			bars[nb].label = xasprintf("%s · %s", js(e, "name"), cur);
			bars[nb].value = pct > 300 ? 300 : pct;
			bars[nb].text = xasprintf("%.1f%% of quota", pct);
			if (bars[nb].value > max)
				max = bars[nb].value;
			nb++;
		}
	}
	sb_adds(b, "<figure><figcaption>Quota attainment: won amount / prorated quota, per rep and "
	    "currency (the dashed line is 100%)</figcaption>");
	svg_hbars(b, "chart-quota", "Quota attainment", bars, nb, max, 100, "#15803d");
	sb_adds(b, "</figure>\n<table id=\"targets-table\"><thead><tr><th>Rep</th><th>Team</th>"
	    "<th class=\"n\">Won deals</th><th class=\"n\">Won</th><th class=\"n\">Quota</th>"
	    "<th class=\"n\">Attainment</th></tr></thead><tbody>\n");
	json_array_foreach(reps, i, e)
		target_row(b, e, js(e, "name"), js(e, "team"), 0);
	json_array_foreach(jo(s, "teams"), i, e) {
		char *n = xasprintf("Team %s", js(e, "team"));
		target_row(b, e, n, "", 0);
		free(n);
	}
	e = (json_t *)jo(s, "unassigned");
	if (ji(e, "won_deals") || json_object_size(jo(e, "quota")))
		target_row(b, e, "No known rep", "", 0);
	target_row(b, jo(s, "total"), "All", "", 1);
	sb_adds(b, "</tbody></table>\n");
	note(b, s);
	sb_adds(b, "</section>\n");
	free(bars);
}

static char *stall_title(const json_t *s)
{
	char *t = report_text_time(js(s, "as_of"));
	char *r = xasprintf("open deals as of %s · stalled = no update for more than %lld days",
	    t, (long long)ji(s, "stall_days"));

	free(t);
	return r;
}

static void h_bottlenecks(struct sb *b, const json_t *s)
{
	size_t i;
	json_t *e;

	section_open(b, "bottlenecks", 7, "Bottlenecks", stall_title(s));
	sb_adds(b, "<table id=\"bottlenecks-table\"><thead><tr><th>Stage</th><th class=\"n\">Open"
	    "</th><th class=\"n\">Stalled</th><th class=\"n\">Stalled amount</th>"
	    "<th class=\"n\">Median days since update</th><th class=\"n\">Median days in stage"
	    "</th></tr></thead><tbody>\n");
	json_array_foreach(jo(s, "stages"), i, e) {
		sb_adds(b, "<tr>");
		td(b, js(e, "stage"));
		td_int(b, ji(e, "open"));
		td_int(b, ji(e, "stalled"));
		td_n(b, money(jo(e, "stalled_amounts")));
		td_n(b, report_text_num(jo(e, "median_days_since_update")));
		sb_adds(b, "<td class=\"n na\">not available</td></tr>\n");
	}
	sb_adds(b, "</tbody></table>\n<p class=\"note\"><b>Median days in stage</b>: ");
	esc(b, js(s, "median_days_in_stage"));
	sb_adds(b, ".</p>\n");
	if (json_array_size(jo(s, "stalled_deals"))) {
		sb_adds(b, "<h3>Stalled deals, longest without an update first</h3><table id=\""
		    "stalled-table\"><thead><tr><th>Deal</th><th>Stage</th><th>Owner</th>"
		    "<th class=\"n\">Amount</th><th>Last update</th><th class=\"n\">Days</th></tr>"
		    "</thead><tbody>\n");
		json_array_foreach(jo(s, "stalled_deals"), i, e) {
			if (i >= HTML_STALLED_ROWS)
				break;
			sb_adds(b, "<tr>");
			td(b, js(e, "name") ? js(e, "name") : js(e, "id"));
			td(b, js(e, "stage"));
			td(b, js(e, "owner_name"));
			td_n(b, json_is_integer(jo(e, "amount_minor")) ?
			    report_money(ji(e, "amount_minor"), js(e, "currency")) : xstrdup("-"));
			td_date(b, js(e, "last_update"));
			td_int(b, ji(e, "days_since_update"));
			sb_adds(b, "</tr>\n");
		}
		if (json_array_size(jo(s, "stalled_deals")) > HTML_STALLED_ROWS)
			sb_addf(b, "<tr class=\"more\"><td colspan=\"6\">… and %zu more</td></tr>\n",
			    json_array_size(jo(s, "stalled_deals")) - HTML_STALLED_ROWS);
		sb_adds(b, "</tbody></table>\n");
	}
	note(b, s);
	sb_adds(b, "</section>\n");
}

static void group_row(struct sb *b, const char *label, const json_t *g)
{
	sb_adds(b, "<tr>");
	td(b, label);
	td_int(b, ji(g, "reps"));
	td_int(b, ji(g, "leads"));
	td_int(b, ji(g, "won_deals"));
	td_int(b, ji(g, "lost_deals"));
	td_n(b, money(jo(g, "won")));
	sb_adds(b, "</tr>\n");
}

static void h_training(struct sb *b, const json_t *s)
{
	const json_t *nr = jo(s, "new_reps");
	size_t i;
	json_t *e;

	section_open(b, "training", 8, "Onboarding and training", at_time("as of %s",
	    js(s, "as_of")));
	sb_adds(b, "<table id=\"training-table\"><thead><tr><th>Rep</th><th class=\"n\">Courses"
	    "</th><th class=\"n\">Completed</th><th class=\"n\">Completion</th><th class=\"n\">"
	    "Average progress</th></tr></thead><tbody>\n");
	json_array_foreach(jo(s, "reps"), i, e) {
		sb_adds(b, "<tr>");
		td(b, js(e, "name"));
		td_int(b, ji(e, "courses"));
		td_int(b, ji(e, "completed"));
		td_n(b, report_text_pct(jo(e, "completion")));
		td_n(b, report_text_pct(jo(e, "avg_progress")));
		sb_adds(b, "</tr>\n");
	}
	sb_addf(b, "</tbody></table>\n<h3>Reps who joined in the last %lld days: results since "
	    "joining</h3><table id=\"new-reps-table\"><thead><tr><th>Group</th><th class=\"n\">Reps"
	    "</th><th class=\"n\">Leads</th><th class=\"n\">Won deals</th><th class=\"n\">Lost deals"
	    "</th><th class=\"n\">Won</th></tr></thead><tbody>\n", (long long)ji(nr, "days"));
	group_row(b, "Trained", jo(nr, "trained"));
	group_row(b, "Not yet trained", jo(nr, "not_yet_trained"));
	sb_adds(b, "</tbody></table>\n");
	if (ji(nr, "join_date_unknown"))
		sb_addf(b, "<p class=\"note\">%lld rep%s without a join date (created_at) could not be "
		    "placed.</p>\n", (long long)ji(nr, "join_date_unknown"),
		    ji(nr, "join_date_unknown") == 1 ? "" : "s");
	note(b, s);
	sb_adds(b, "</section>\n");
}

static void h_channels(struct sb *b, const json_t *s)
{
	size_t i;
	json_t *e;

	section_open(b, "channels", 9, "Channels", report_text_period(js(s, "since"),
	    js(s, "until")));
	sb_adds(b, "<table id=\"channels-table\"><thead><tr><th>Channel</th><th class=\"n\">"
	    "Sessions</th><th class=\"n\">Conversions</th><th class=\"n\">Conversion rate</th>"
	    "<th class=\"n\">Leads</th><th class=\"n\">Won deals</th><th class=\"n\">Won</th></tr>"
	    "</thead><tbody>\n");
	json_array_foreach(jo(s, "channels"), i, e) {
		sb_adds(b, "<tr>");
		td(b, js(e, "channel"));
		td_n(b, report_text_num(jo(e, "sessions")));
		td_n(b, report_text_num(jo(e, "conversions")));
		td_n(b, report_text_pct(jo(e, "conversion_rate")));
		td_int(b, ji(e, "leads"));
		td_int(b, ji(e, "won_deals"));
		td_n(b, money(jo(e, "won")));
		sb_adds(b, "</tr>\n");
	}
	sb_adds(b, "</tbody></table>\n");
	note(b, s);
	sb_adds(b, "</section>\n");
}

static void h_health(struct sb *b, const json_t *s)
{
	size_t i;
	json_t *e;

	section_open(b, "data-health", 10, "Data health", at_time("store-wide, at %s",
	    js(s, "generated_at")));
	sb_adds(b, "<table id=\"health-table\"><thead><tr><th>Instance</th><th>Last successful "
	    "sync</th><th class=\"n\">Age, hours</th><th>Last run</th><th class=\"n\">Reps</th>"
	    "<th class=\"n\">Leads</th><th class=\"n\">Deals</th><th class=\"n\">Metrics</th>"
	    "</tr></thead><tbody>\n");
	json_array_foreach(jo(s, "instances"), i, e) {
		const json_t *rec = jo(e, "records");
		sb_adds(b, "<tr><td>");
		esc(b, js(e, "instance"));
		if (!json_is_true(jo(e, "configured")))
			sb_adds(b, " <span class=\"tag\">not configured</span>");
		sb_adds(b, "</td>");
		if (js(e, "last_success"))
			td(b, js(e, "last_success"));
		else
			sb_adds(b, "<td class=\"na\">never</td>");
		td_n(b, report_text_num(jo(e, "age_hours")));
		td(b, js(e, "last_status"));
		td_int(b, ji(rec, "reps"));
		td_int(b, ji(rec, "leads"));
		td_int(b, ji(rec, "deals"));
		td_int(b, ji(rec, "metrics"));
		sb_adds(b, "</tr>\n");
	}
	sb_adds(b, "</tbody></table>\n<div class=\"kpis\">");
	kpi(b, xasprintf("%lld", (long long)ji(s, "people")), "people (unified by email)");
	kpi(b, xasprintf("%lld", (long long)ji(s, "people_in_several_tools")),
	    "people in more than one tool");
	kpi(b, xasprintf("%lld", (long long)ji(s, "reps_in_several_tools")),
	    "reps in more than one tool");
	kpi(b, xasprintf("%lld", (long long)ji(s, "leads_without_email")), "leads without email");
	kpi(b, xasprintf("%lld", (long long)ji(s, "leads_without_owner")), "leads without owner");
	kpi(b, xasprintf("%lld", (long long)ji(s, "deals_without_owner")), "deals without owner");
	kpi(b, xasprintf("%lld", (long long)ji(s, "deals_with_unknown_owner")),
	    "deals whose owner is no known rep");
	sb_adds(b, "</div>\n");
	note(b, s);
	sb_adds(b, "</section>\n");
}

int report_html_write(const json_t *r, FILE *out)
{
	const json_t *p = jo(r, "period");
	char *period = report_text_period(js(p, "since"), js(p, "until"));
	struct sb b = {0};

	sb_adds(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<meta name=\"generator\" content=\"salesync\"><title>Sales-ops report · ");
	esc(&b, period);
	sb_addf(&b, "</title><style>%s</style></head>\n<body><main>\n<header><h1>Sales-ops report"
	    "</h1><p>", css);
	esc(&b, period);
	sb_adds(&b, " · ");
	if (js(p, "rep")) {
		sb_adds(&b, "rep ");
		esc(&b, js(p, "rep"));
	} else {
		sb_adds(&b, "all reps");
	}
	sb_adds(&b, "</p><p>Snapshot sections are as of ");
	esc_own(&b, report_text_time(js(p, "as_of")));
	sb_adds(&b, ", from the records as last synced. Money is summed per currency and never "
	    "converted.</p>\n<nav><a href=\"#follow-up\">Follow-up</a><a href=\"#speed-to-lead\">"
	    "Speed to lead</a><a href=\"#funnel\">Funnel</a><a href=\"#pipeline\">Pipeline</a>"
	    "<a href=\"#forecast\">Forecast</a><a href=\"#targets\">Targets</a>"
	    "<a href=\"#bottlenecks\">Bottlenecks</a><a href=\"#training\">Training</a>"
	    "<a href=\"#channels\">Channels</a><a href=\"#data-health\">Data health</a></nav>"
	    "</header>\n");
	h_follow_up(&b, jo(r, "follow_up"));
	h_speed(&b, jo(r, "speed_to_lead"));
	h_funnel(&b, jo(r, "funnel"));
	h_pipeline(&b, jo(r, "pipeline"));
	h_forecast(&b, jo(r, "forecast"));
	h_targets(&b, jo(r, "targets"));
	h_bottlenecks(&b, jo(r, "bottlenecks"));
	h_training(&b, jo(r, "training"));
	h_channels(&b, jo(r, "channels"));
	h_health(&b, jo(r, "data_health"));
	sb_adds(&b, "<p class=\"note\">Generated by salesync at ");
	esc_own(&b, report_text_time(js(p, "generated_at")));
	sb_adds(&b, ".</p>\n</main></body></html>\n");
	fwrite(b.buf, 1, b.len, out);
	sb_free(&b);
	free(period);
	return ferror(out) ? SS_EIO : 0;
}
