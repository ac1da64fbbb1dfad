/*
 * csv: the plugin for the spreadsheets every sales team keeps.
 *
 * One instance reads one file of one kind (leads, deals, reps or metrics).
 * The header row names the columns; each is matched to a field of the
 * common model by a list of usual spreadsheet names (compared without
 * case, spaces or punctuation) or by `map.<field> = <header>` in the INI.
 * Cells are converted the way the host wants them: dates to ISO 8601,
 * amounts to plain decimal text (never through a double), booleans and
 * probabilities to numbers. Columns no field claims go to `extra` (leads,
 * deals) or to `dims` (metrics), so nothing in the sheet is lost.
 *
 * The file is read whole on each sync unless its size and mtime (and the
 * options that shape the records) match the stream's cursor: re-reading is
 * safe because the host's upserts are idempotent.
 *
 * Everything is static except the entry made by SS_PLUGIN_DEFINE.
 */
#include <salesync/plugin.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "csv_read.h"

#define MAXF 24            /* fields of the largest kind table */
#define NOOFF ((size_t)-1) /* pseudo field: not a member of the record */
#define PROGRESS_EVERY 4096
#define CANCEL_EVERY 1024
#define BAD 1              /* row converter result: c->why says why */

/* ---- small helpers ------------------------------------------------------ */

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

static int streq_ci(const char *a, const char *b)
{
	while (*a && *b && lower((unsigned char)*a) == lower((unsigned char)*b)) {
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

/* Length of a blank at s: ASCII space or tab, NBSP, thin space U+2009 or
 * narrow NBSP U+202F (all three used as digit group separators). */
static size_t blank_at(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] == ' ' || u[0] == '\t')
		return 1;
	if (u[0] == 0xC2 && u[1] == 0xA0)
		return 2;
	if (u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0x89 || u[2] == 0xAF))
		return 3;
	return 0;
}

static const char *skip_blanks(const char *p)
{
	size_t n;

	while ((n = blank_at(p)) > 0)
		p += n;
	return p;
}

/* Trims blanks in place; NULL for an empty result. */
static char *trim(char *s)
{
	char *e;

	s = (char *)skip_blanks(s);
	e = s + strlen(s);
	while (e > s) {
		if (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')
			e--;
		else if (e - s >= 2 && (unsigned char)e[-2] == 0xC2 && (unsigned char)e[-1] == 0xA0)
			e -= 2;
		else if (e - s >= 3 && (unsigned char)e[-3] == 0xE2 && (unsigned char)e[-2] == 0x80 &&
		    ((unsigned char)e[-1] == 0x89 || (unsigned char)e[-1] == 0xAF))
			e -= 3;
		else
			break;
	}
	*e = '\0';
	return *s ? s : NULL;
}

/* A short, UTF-8-safe rendering of a cell for messages. */
static const char *shown(const char *v, char out[64])
{
	size_t n = strlen(v);

	if (n < 48) {
		memcpy(out, v, n + 1);
		return out;
	}
	n = 44;
	while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
		n--;
	memcpy(out, v, n);
	memcpy(out + n, "...", 4);
	return out;
}

/* Header comparison key: ASCII letters and digits lower-cased, other ASCII
 * dropped, other bytes kept ("E-mail Address" -> "emailaddress"). */
static void header_key(const char *s, char *out, size_t outsz)
{
	size_t n = 0;

	for (; *s && n + 1 < outsz; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x80 || is_digit(c) || is_alpha(c))
			out[n++] = (char)lower(c);
	}
	out[n] = '\0';
}

/* Growable byte buffer. */
struct sbuf {
	char *p;
	size_t len, cap;
};

static int sb_grow(struct sbuf *b, size_t n)
{
	size_t cap;
	char *np;

	if (b->len + n + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	np = realloc(b->p, cap);
	if (!np)
		return -1;
	b->p = np;
	b->cap = cap;
	return 0;
}

static int sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (sb_grow(b, n) < 0)
		return -1;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int sb_adds(struct sbuf *b, const char *s)
{
	return sb_add(b, s, strlen(s));
}

static void sb_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

/* Appends s as a JSON string literal (s is valid UTF-8). */
static int sb_json_str(struct sbuf *b, const char *s)
{
	const char *run = s;

	if (sb_add(b, "\"", 1) < 0)
		return -1;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (sb_add(b, run, (size_t)(s - run)) < 0)
			return -1;
		switch (c) {
		case '"': memcpy(esc, "\\\"", 3); break;
		case '\\': memcpy(esc, "\\\\", 3); break;
		case '\n': memcpy(esc, "\\n", 3); break;
		case '\r': memcpy(esc, "\\r", 3); break;
		case '\t': memcpy(esc, "\\t", 3); break;
		default: snprintf(esc, sizeof(esc), "\\u%04x", c); break;
		}
		if (sb_adds(b, esc) < 0)
			return -1;
		run = s + 1;
	}
	if (sb_add(b, run, (size_t)(s - run)) < 0 || sb_add(b, "\"", 1) < 0)
		return -1;
	return 0;
}

/* ---- dates -------------------------------------------------------------- */

enum date_order { ORDER_MDY, ORDER_DMY, ORDER_YMD };

static const char *const month_abbr[12] = {"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const month_full[12] = {"january", "february", "march", "april", "may",
	"june", "july", "august", "september", "october", "november", "december"};
static const char *const weekdays[] = {"mon", "tue", "tues", "wed", "thu", "thur", "thurs",
	"fri", "sat", "sun", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday", "sunday", NULL};

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int mdays(int y, int m)
{
	static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Reads an ASCII word (letters) into w; returns its length or 0. */
static size_t word_at(const char *p, char w[16])
{
	size_t n = 0;

	while (is_alpha((unsigned char)p[n])) {
		if (n == 15)
			return 0;
		w[n] = (char)lower((unsigned char)p[n]);
		n++;
	}
	w[n] = '\0';
	return n;
}

/* An English month name ("Nov", "Nov.", "November", "Sept") at *pp:
 * 1..12 and *pp advanced, or 0. */
static int month_at(const char **pp)
{
	char w[16];
	size_t n = word_at(*pp, w);
	int m = 0;

	if (n == 0)
		return 0;
	for (int i = 0; i < 12 && !m; i++)
		if (strcmp(w, month_abbr[i]) == 0 || strcmp(w, month_full[i]) == 0)
			m = i + 1;
	if (!m && strcmp(w, "sept") == 0)
		m = 9;
	if (m) {
		*pp += n;
		if (**pp == '.')
			(*pp)++;
	}
	return m;
}

/* Up to 4 digits at *pp: value, *nd digits; -1 if none or more than 4. */
static int num_at(const char **pp, int *nd)
{
	const char *p = *pp;
	int v = 0, n = 0;

	while (is_digit((unsigned char)*p)) {
		if (++n > 4)
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	if (n == 0)
		return -1;
	*nd = n;
	*pp = p;
	return v;
}

static int year_of(int v, int nd)
{
	if (nd == 2)
		return 2000 + v;
	if (nd == 4 && v >= 1000)
		return v;
	return -1;
}

struct dt {
	int y, m, d, hh, mi, ss, has_time;
};

static int valid_date(const struct dt *t)
{
	return t->y >= 1000 && t->y <= 9999 && t->m >= 1 && t->m <= 12 && t->d >= 1 &&
	    t->d <= mdays(t->y, t->m);
}

/* The date part of a cell: numeric with '/', '.' or '-', or with an
 * English month name; an optional leading weekday is skipped. */
static int parse_date_part(const char **pp, enum date_order order, struct dt *t, int *iso)
{
	const char *p = *pp;
	char w[16];
	size_t wn;
	int n1, n2, n3, d1, d2, d3, sep;

	*iso = 0;
	wn = word_at(p, w);
	for (int i = 0; wn && weekdays[i]; i++) {
		if (strcmp(w, weekdays[i]) == 0) {
			p += wn;
			if (*p == '.')
				p++;
			if (*p == ',')
				p++;
			p = skip_blanks(p);
			break;
		}
	}

	if (is_digit((unsigned char)*p)) {
		if ((n1 = num_at(&p, &d1)) < 0)
			return -1;
		sep = *p;
		if (sep == '/' || sep == '.' || sep == '-') {
			p++;
			if (is_digit((unsigned char)*p)) {
				if ((n2 = num_at(&p, &d2)) < 0 || *p != sep)
					return -1;
				p++;
				if ((n3 = num_at(&p, &d3)) < 0 || d2 > 2)
					return -1;
				if (d1 == 4) {
					t->y = n1;
					t->m = n2;
					t->d = n3;
					if (d3 > 2)
						return -1;
					*iso = sep == '-' && d2 == 2 && d3 == 2;
				} else if (order == ORDER_YMD) {
					if (d1 != 2 || d3 > 2)
						return -1;
					t->y = 2000 + n1;
					t->m = n2;
					t->d = n3;
				} else {
					if (d1 > 2 || (t->y = year_of(n3, d3)) < 0)
						return -1;
					t->m = order == ORDER_MDY ? n1 : n2;
					t->d = order == ORDER_MDY ? n2 : n1;
				}
			} else {
				/* 26-Nov-2026 */
				if (d1 > 2 || !(t->m = month_at(&p)) || *p != sep)
					return -1;
				p++;
				if ((n3 = num_at(&p, &d3)) < 0 || (t->y = year_of(n3, d3)) < 0)
					return -1;
				t->d = n1;
			}
		} else if (blank_at(p)) {
			/* 26 Nov 2026 */
			p = skip_blanks(p);
			if (d1 > 2 || !(t->m = month_at(&p)))
				return -1;
			if (*p == ',')
				p++;
			p = skip_blanks(p);
			if ((n3 = num_at(&p, &d3)) < 0 || (t->y = year_of(n3, d3)) < 0)
				return -1;
			t->d = n1;
		} else {
			return -1;
		}
	} else {
		/* Nov 26, 2026 */
		if (!(t->m = month_at(&p)))
			return -1;
		p = skip_blanks(p);
		if (*p == '-')
			p++;
		if ((n2 = num_at(&p, &d2)) < 0 || d2 > 2)
			return -1;
		if (is_alpha((unsigned char)p[0]) && is_alpha((unsigned char)p[1]) &&
		    !is_alpha((unsigned char)p[2])) {
			char sfx[3] = {(char)lower((unsigned char)p[0]), (char)lower((unsigned char)p[1]), 0};

			if (strcmp(sfx, "st") && strcmp(sfx, "nd") && strcmp(sfx, "rd") && strcmp(sfx, "th"))
				return -1;
			p += 2;
		}
		if (*p == ',' || *p == '-')
			p++;
		p = skip_blanks(p);
		if ((n3 = num_at(&p, &d3)) < 0 || (t->y = year_of(n3, d3)) < 0)
			return -1;
		t->d = n2;
	}
	if (!valid_date(t))
		return -1;
	*pp = p;
	return 0;
}

/* H[H]:MM[:SS[.frac]] [AM|PM] */
static int parse_time_part(const char **pp, struct dt *t)
{
	const char *p = *pp;
	int nd, h, mi, s = 0;
	char w[16];
	size_t wn;

	if ((h = num_at(&p, &nd)) < 0 || nd > 2 || *p++ != ':')
		return -1;
	if ((mi = num_at(&p, &nd)) < 0 || nd != 2)
		return -1;
	if (*p == ':') {
		p++;
		if ((s = num_at(&p, &nd)) < 0 || nd != 2)
			return -1;
		if (*p == '.' && is_digit((unsigned char)p[1])) {
			p++;
			while (is_digit((unsigned char)*p))
				p++;
		}
	}
	p = skip_blanks(p);
	wn = word_at(p, w);
	if (wn && (strcmp(w, "am") == 0 || strcmp(w, "pm") == 0)) {
		if (h < 1 || h > 12)
			return -1;
		h = h % 12 + (w[0] == 'p' ? 12 : 0);
		p += wn;
	}
	if (h > 23 || mi > 59 || s > 59)
		return -1;
	t->hh = h;
	t->mi = mi;
	t->ss = s;
	t->has_time = 1;
	*pp = p;
	return 0;
}

static char *put_digits(char *o, int v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		o[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return o + n;
}

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (by hand: this runs per cell). */
static void format_dt(const struct dt *t, char out[32])
{
	char *o = put_digits(out, t->y, 4);

	*o++ = '-';
	o = put_digits(o, t->m, 2);
	*o++ = '-';
	o = put_digits(o, t->d, 2);
	if (t->has_time) {
		*o++ = 'T';
		o = put_digits(o, t->hh, 2);
		*o++ = ':';
		o = put_digits(o, t->mi, 2);
		*o++ = ':';
		o = put_digits(o, t->ss, 2);
		*o++ = 'Z';
	}
	*o = '\0';
}

/*
 * A date or date-time cell to what the host reads: "YYYY-MM-DD", or
 * "YYYY-MM-DDTHH:MM:SSZ" (spreadsheet times carry no zone: taken as UTC).
 * ISO 8601 text with a zone or fraction is passed on unchanged for the
 * host to check. Returns 0 or -1.
 */
static int conv_time(const char *s, enum date_order order, char out[32], struct dt *t)
{
	const char *p = s;
	int iso;

	memset(t, 0, sizeof(*t));
	if (parse_date_part(&p, order, t, &iso) < 0)
		return -1;
	if (*p == '\0') {
		format_dt(t, out);
		return 0;
	}
	if (iso && (*p == 'T' || *p == 't' || *p == ' ')) {
		const char *q = p + 1;

		if (*p == ' ' && parse_time_part(&q, t) == 0 && *skip_blanks(q) == '\0') {
			format_dt(t, out);
			return 0;
		}
		/* 'T', a zone or a fraction: ISO 8601 as it is, for the host */
		for (q = p; *q; q++)
			if (!is_digit((unsigned char)*q) && !strchr(":.+-TtZz ", *q))
				return -1;
		if (strlen(s) >= 32)
			return -1;
		memcpy(out, s, strlen(s) + 1);
		t->has_time = 1;
		return 0;
	}
	if (*p == ' ' || *p == 'T' || *p == ',') {
		p = skip_blanks(p + 1);
		if (parse_time_part(&p, t) < 0 || *skip_blanks(p) != '\0')
			return -1;
		format_dt(t, out);
		return 0;
	}
	return -1;
}

/* A month cell: "2026-03", "2026/03", "03/2026", "Mar 2026",
 * "March 2026", "Mar-26", or a full date (its month). */
static int parse_month(const char *s, enum date_order order, int *y, int *m)
{
	const char *p = s;
	int n1, n2, d1, d2;
	char tmp[32];
	struct dt t;

	if (is_digit((unsigned char)*p)) {
		if ((n1 = num_at(&p, &d1)) >= 0 && (*p == '-' || *p == '/' || *p == '.')) {
			p++;
			if ((n2 = num_at(&p, &d2)) >= 0 && *p == '\0') {
				if (d1 == 4 && d2 <= 2 && n2 >= 1 && n2 <= 12) {
					*y = n1;
					*m = n2;
					return 0;
				}
				if (d1 <= 2 && d2 == 4 && n1 >= 1 && n1 <= 12 && n2 >= 1000) {
					*y = n2;
					*m = n1;
					return 0;
				}
			}
		}
	} else if ((n1 = month_at(&p)) > 0) {
		if (*p == '-' || *p == ',')
			p++;
		p = skip_blanks(p);
		if ((n2 = num_at(&p, &d2)) >= 0 && *p == '\0' && (n2 = year_of(n2, d2)) > 0) {
			*y = n2;
			*m = n1;
			return 0;
		}
	}
	if (conv_time(s, order, tmp, &t) == 0 && t.y) {
		*y = t.y;
		*m = t.m;
		return 0;
	}
	return -1;
}

/* ---- amounts ------------------------------------------------------------ */

/* A currency sign at s: its length, and the code it implies ("" when the
 * sign is shared by several currencies, as $ and ¥ are). */
static size_t symbol_at(const char *s, const char **implied)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] == '$') {
		*implied = "";
		return 1;
	}
	if (u[0] == 0xE2 && u[1] == 0x82 && u[2] == 0xAC) {
		*implied = "EUR";
		return 3;
	}
	if (u[0] == 0xC2 && u[1] == 0xA3) {
		*implied = "GBP";
		return 2;
	}
	if (u[0] == 0xC2 && u[1] == 0xA5) {
		*implied = "";
		return 2;
	}
	return 0;
}

/* Three ASCII letters not followed by a letter: a currency code. */
static int code_at(const char *p, char code[4])
{
	if (!is_alpha((unsigned char)p[0]) || !is_alpha((unsigned char)p[1]) ||
	    !is_alpha((unsigned char)p[2]) || is_alpha((unsigned char)p[3]))
		return 0;
	for (int i = 0; i < 3; i++)
		code[i] = (char)upper((unsigned char)p[i]);
	code[3] = '\0';
	return 1;
}

/*
 * A money cell to plain decimal text "[-]digits[.digits]" in out, with
 * the currency it names (code, €, £) in cur ("" if none). Accepts currency
 * signs and ISO codes before or after the number, a leading '-' or '+',
 * parentheses for negatives, blanks and apostrophes as thousands
 * separators and the other of '.'/',' as thousands separator per `mark`
 * (groups of exactly three digits), and with pct non-NULL a trailing '%'.
 * Returns 0 or -1.
 */
static int conv_amount(const char *s, char mark, char *out, size_t outsz, char cur[4], int *pct)
{
	const char *p = skip_blanks(s), *implied = "";
	char code[4] = "", sym_cur[4] = "";
	char grp = mark == '.' ? ',' : '.';
	int neg = 0, paren = 0, closed = 0, sign = 0, sym = 0, pc = 0;
	char digits[48];
	size_t nd = 0, nint, n;
	int frac = 0;

	if (*p == '(') {
		paren = 1;
		p = skip_blanks(p + 1);
	}
	for (;;) { /* prefix: sign, symbol, code in any order */
		p = skip_blanks(p);
		if ((*p == '-' || *p == '+') && !sign && !paren) {
			sign = 1;
			neg = *p == '-';
			p++;
		} else if (!sym && (n = symbol_at(p, &implied)) > 0) {
			sym = 1;
			memcpy(sym_cur, implied, strlen(implied) + 1);
			p += n;
		} else if (!code[0] && code_at(p, code)) {
			p += 3;
		} else {
			break;
		}
	}

	if (!is_digit((unsigned char)*p) && !(*p == mark && is_digit((unsigned char)p[1])))
		return -1;
	/* integer part, with optional groups of three */
	{
		size_t first = 0;
		int grouped = 0;

		while (is_digit((unsigned char)*p)) {
			if (nd >= sizeof(digits) - 1)
				return -1;
			digits[nd++] = *p++;
			first++;
		}
		for (;;) {
			size_t sl = 0;

			if (*p == grp || *p == '\'')
				sl = 1;
			else
				sl = blank_at(p);
			if (sl == 0)
				break;
			if (is_digit((unsigned char)p[sl]) && is_digit((unsigned char)p[sl + 1]) &&
			    is_digit((unsigned char)p[sl + 2]) && !is_digit((unsigned char)p[sl + 3])) {
				if (nd + 3 >= sizeof(digits) - 1 || first == 0)
					return -1;
				memcpy(digits + nd, p + sl, 3);
				nd += 3;
				p += sl + 3;
				grouped = 1;
			} else if (blank_at(p)) {
				break; /* a blank before a suffix */
			} else {
				return -1; /* "1,5" with mark '.' */
			}
		}
		if (grouped && first > 3)
			return -1;
	}
	nint = nd;
	if (*p == mark) {
		p++;
		while (is_digit((unsigned char)*p)) {
			if (nd >= sizeof(digits) - 1)
				return -1;
			digits[nd++] = *p++;
			frac++;
		}
	}
	for (;;) { /* suffix: %, symbol, code, ')' */
		p = skip_blanks(p);
		if (pct && !pc && *p == '%') {
			pc = 1;
			p++;
		} else if (!sym && (n = symbol_at(p, &implied)) > 0) {
			sym = 1;
			memcpy(sym_cur, implied, strlen(implied) + 1);
			p += n;
		} else if (!code[0] && code_at(p, code)) {
			p += 3;
		} else if (paren && !closed && *p == ')') {
			closed = 1;
			p++;
		} else {
			break;
		}
	}
	if (*p != '\0' || paren != closed)
		return -1;
	if (code[0] && sym_cur[0] && strcmp(code, sym_cur) != 0)
		return -1;
	memcpy(cur, code[0] ? code : sym_cur, 4);
	if (pct)
		*pct = pc;
	neg = neg || paren;

	/* render: strip leading zeros of the integer part; no sign on zero */
	{
		size_t i = 0, o = 0;
		int zero = 1;

		for (size_t k = 0; k < nd; k++)
			if (digits[k] != '0')
				zero = 0;
		if (outsz < nd + 4)
			return -1;
		if (neg && !zero)
			out[o++] = '-';
		while (i + 1 < nint && digits[i] == '0')
			i++;
		if (nint == 0)
			out[o++] = '0';
		for (; i < nint; i++)
			out[o++] = digits[i];
		if (frac > 0) {
			out[o++] = '.';
			for (i = nint; i < nd; i++)
				out[o++] = digits[i];
		}
		out[o] = '\0';
	}
	return 0;
}

/*
 * Multiplies decimal text "[-]I[.F]" by 10^shift into out (75% -> 0.75),
 * dropping trailing fraction zeros; exact, no floating point.
 */
static int dec_scale(const char *in, int shift, char *out, size_t outsz)
{
	char d[96];
	size_t nd = 0, nint = 0, o = 0;
	long pos;
	int neg = 0, zero = 1;
	char ip[96], fp[96];
	size_t ni = 0, nf = 0;

	if (*in == '-') {
		neg = 1;
		in++;
	}
	for (int seen_dot = 0; *in; in++) {
		if (*in == '.') {
			seen_dot = 1;
			continue;
		}
		if (nd >= 40)
			return -1;
		d[nd++] = *in;
		if (!seen_dot)
			nint++;
	}
	pos = (long)nint + shift;
	for (long k = (pos < 0 ? pos : 0); k < (pos > (long)nd ? pos : (long)nd); k++) {
		char c = k >= 0 && k < (long)nd ? d[k] : '0';

		if (k < pos)
			ip[ni++] = c;
		else
			fp[nf++] = c;
	}
	while (nf > 0 && fp[nf - 1] == '0')
		nf--;
	{
		size_t i = 0;

		while (i + 1 < ni && ip[i] == '0')
			i++;
		if (ni + nf + 4 > outsz)
			return -1;
		for (size_t k = i; k < ni; k++)
			if (ip[k] != '0')
				zero = 0;
		for (size_t k = 0; k < nf; k++)
			if (fp[k] != '0')
				zero = 0;
		if (neg && !zero)
			out[o++] = '-';
		if (ni == 0)
			out[o++] = '0';
		for (; i < ni; i++)
			out[o++] = ip[i];
		if (nf > 0) {
			out[o++] = '.';
			memcpy(out + o, fp, nf);
			o += nf;
		}
		out[o] = '\0';
	}
	return 0;
}

/* A currency cell: a code, € or £. */
static int conv_currency(const char *s, char out[4])
{
	const char *implied = "";
	size_t n = symbol_at(s, &implied);

	if (n > 0 && s[n] == '\0' && implied[0]) {
		memcpy(out, implied, 4);
		return 0;
	}
	if (code_at(s, out) && s[3] == '\0')
		return 0;
	return -1;
}

/* "40%", "40 %", "0.4", ",4", or 1 < x <= 100 read as a percentage. */
static int conv_prob(const char *s, double *out)
{
	const char *p = s;
	double v = 0, scale = 1;
	int any = 0;

	while (is_digit((unsigned char)*p)) {
		v = v * 10 + (*p++ - '0');
		any = 1;
	}
	if (*p == '.' || *p == ',') {
		p++;
		while (is_digit((unsigned char)*p)) {
			scale /= 10;
			v += (*p++ - '0') * scale;
			any = 1;
		}
	}
	if (!any)
		return -1;
	p = skip_blanks(p);
	if (*p == '%') {
		v /= 100;
		p++;
	} else if (v > 1) {
		v /= 100;
	}
	if (*skip_blanks(p) != '\0' || v > 1)
		return -1;
	*out = v;
	return 0;
}

static int conv_bool(const char *s, int *out)
{
	static const char *const yes[] = {"yes", "y", "true", "t", "1", "active", "on",
		"enabled", NULL};
	static const char *const no[] = {"no", "n", "false", "f", "0", "inactive", "off",
		"disabled", NULL};

	for (int i = 0; yes[i]; i++)
		if (streq_ci(s, yes[i])) {
			*out = 1;
			return 0;
		}
	for (int i = 0; no[i]; i++)
		if (streq_ci(s, no[i])) {
			*out = 0;
			return 0;
		}
	return -1;
}

/* ---- the model fields and their usual header names ---------------------- */

enum conv {
	CV_TEXT,     /* trimmed text */
	CV_TIME,     /* date or date-time -> ISO 8601 */
	CV_AMOUNT,   /* money -> decimal text (+ currency) */
	CV_CURRENCY, /* ISO 4217 code */
	CV_PROB,     /* double 0..1 */
	CV_BOOL,     /* int 0/1 */
	CV_PSEUDO    /* read by the kind's own code */
};

struct field {
	const char *name;    /* map.<name> */
	const char *name2;   /* another accepted map.<name>, or NULL */
	enum conv conv;
	size_t off;          /* member of the record, or NOOFF */
	const char *aliases; /* header keys (see header_key), best first */
};

enum kind { K_LEADS, K_DEALS, K_REPS, K_METRICS };
static const char *const kind_names[] = {"leads", "deals", "reps", "metrics", NULL};

#define ALIAS_CREATED "created|createdat|createddate|createdon|datecreated|dateadded|" \
	"createdate|added"
#define ALIAS_UPDATED "updated|updatedat|lastmodified|lastmodifieddate|modified|modifiedat|" \
	"modifieddate|lastupdated|updateddate"
#define ALIAS_OWNER "owner|ownerid|repid|rep|salesrep|salesrepid|assignedto|assignee"
#define ALIAS_DELETED "deleted|isdeleted|archived"

#define LF(m) offsetof(struct ss_lead, m)
static const struct field lead_fields[] = {
	{"id", NULL, CV_TEXT, LF(id), "id|leadid|recordid|contactid"},
	{"email", NULL, CV_TEXT, LF(email), "email|emailaddress|workemail|primaryemail|email1"},
	{"first_name", NULL, CV_TEXT, LF(first_name), "firstname|givenname|forename|first"},
	{"last_name", NULL, CV_TEXT, LF(last_name), "lastname|surname|familyname|last"},
	{"company", NULL, CV_TEXT, LF(company),
	    "company|companyname|account|accountname|organization|organisation|org"},
	{"title", NULL, CV_TEXT, LF(title), "title|jobtitle|position|role"},
	{"phone", NULL, CV_TEXT, LF(phone),
	    "phone|phonenumber|telephone|tel|mobile|mobilephone|workphone"},
	{"status", "status_raw", CV_TEXT, LF(status_raw), "status|leadstatus|leadstage|stage"},
	{"channel", NULL, CV_TEXT, LF(channel),
	    "source|leadsource|channel|origin|acquisitionchannel|medium"},
	{"owner_id", NULL, CV_TEXT, LF(owner_id), ALIAS_OWNER "|leadowner"},
	{"created_at", NULL, CV_TIME, LF(created_at), ALIAS_CREATED},
	{"updated_at", NULL, CV_TIME, LF(updated_at), ALIAS_UPDATED},
	{"last_activity_at", NULL, CV_TIME, LF(last_activity_at),
	    "lastactivity|lastactivityat|lastactivitydate|lastcontacted|lastcontact|lasttouch"},
	{"converted_at", NULL, CV_TIME, LF(converted_at),
	    "converted|convertedat|converteddate|convertedon|conversiondate"},
	{"deleted", NULL, CV_BOOL, LF(deleted), ALIAS_DELETED},
	{"name", NULL, CV_PSEUDO, NOOFF, "name|fullname|contactname|leadname"},
	{NULL, NULL, CV_TEXT, 0, NULL}};
enum { LEAD_ID = 0, LEAD_EMAIL = 1, LEAD_FIRST = 2, LEAD_LAST = 3, LEAD_NAME = 15 };

#define DF(m) offsetof(struct ss_deal, m)
static const struct field deal_fields[] = {
	{"id", NULL, CV_TEXT, DF(id), "id|dealid|opportunityid|oppid|recordid"},
	{"name", NULL, CV_TEXT, DF(name), "name|dealname|opportunity|opportunityname|deal|title"},
	{"amount", NULL, CV_AMOUNT, DF(amount),
	    "amount|value|dealvalue|dealamount|dealsize|total|revenue"},
	{"currency", NULL, CV_CURRENCY, DF(currency), "currency|currencycode|curr"},
	{"stage", "stage_raw", CV_TEXT, DF(stage_raw),
	    "stage|dealstage|salesstage|pipelinestage|status"},
	{"probability", NULL, CV_PROB, DF(probability),
	    "probability|winprobability|prob|likelihood|confidence"},
	{"close_date", NULL, CV_TIME, DF(close_date),
	    "closedate|expectedclose|expectedclosedate|closingdate|estimatedclosedate|targetclose"},
	{"owner_id", NULL, CV_TEXT, DF(owner_id), ALIAS_OWNER "|dealowner|opportunityowner"},
	{"lead_id", NULL, CV_TEXT, DF(lead_id), "leadid|lead|contactid|contact|personid"},
	{"created_at", NULL, CV_TIME, DF(created_at), ALIAS_CREATED},
	{"updated_at", NULL, CV_TIME, DF(updated_at), ALIAS_UPDATED},
	{"closed_at", NULL, CV_TIME, DF(closed_at),
	    "closedat|closeddate|dateclosed|closedon|actualclosedate|actualclose"},
	{"deleted", NULL, CV_BOOL, DF(deleted), ALIAS_DELETED},
	{NULL, NULL, CV_TEXT, 0, NULL}};
enum { DEAL_ID = 0, DEAL_AMOUNT = 2, DEAL_CURRENCY = 3 };

#define RF(m) offsetof(struct ss_rep, m)
static const struct field rep_fields[] = {
	{"id", NULL, CV_TEXT, RF(id), "id|repid|ownerid|userid|employeeid|salesrepid|recordid"},
	{"email", NULL, CV_TEXT, RF(email), "email|emailaddress|workemail|repemail"},
	{"name", NULL, CV_TEXT, RF(name), "name|fullname|repname|displayname|rep|salesrep"},
	{"team", NULL, CV_TEXT, RF(team), "team|salesteam|region|territory|group"},
	{"active", NULL, CV_BOOL, RF(active), "active|isactive|enabled|status"},
	{"created_at", NULL, CV_TIME, RF(created_at), ALIAS_CREATED},
	{"updated_at", NULL, CV_TIME, RF(updated_at), ALIAS_UPDATED},
	{"deleted", NULL, CV_BOOL, RF(deleted), ALIAS_DELETED},
	{"first_name", NULL, CV_PSEUDO, NOOFF, "firstname|givenname"},
	{"last_name", NULL, CV_PSEUDO, NOOFF, "lastname|surname|familyname"},
	{NULL, NULL, CV_TEXT, 0, NULL}};
enum { REP_ID = 0, REP_EMAIL = 1, REP_NAME = 2, REP_FIRST = 8, REP_LAST = 9 };

#define MF(m) offsetof(struct ss_metric, m)
static const struct field metric_fields[] = {
	{"name", NULL, CV_PSEUDO, NOOFF, "name|metric|metricname|kpi"},
	{"value", NULL, CV_PSEUDO, NOOFF, "value|amount|quota|target|count|total"},
	{"unit", NULL, CV_TEXT, MF(unit), "unit|units|uom"},
	{"period_start", NULL, CV_PSEUDO, NOOFF, "periodstart|start|startdate|from|period"},
	{"period_end", NULL, CV_PSEUDO, NOOFF, "periodend|end|enddate|to|until"},
	{"month", NULL, CV_PSEUDO, NOOFF, "month|monthstart"},
	{"date", NULL, CV_PSEUDO, NOOFF, "date|day"},
	{"rep_email", NULL, CV_TEXT, MF(rep_email),
	    "repemail|email|emailaddress|rep|owneremail|useremail|learneremail"},
	{"dims", NULL, CV_PSEUDO, NOOFF, "dims|dimensions"},
	{"currency", NULL, CV_CURRENCY, NOOFF, "currency|currencycode"},
	{"updated_at", NULL, CV_TIME, MF(updated_at), ALIAS_UPDATED},
	{NULL, NULL, CV_TEXT, 0, NULL}};
enum {
	MET_NAME = 0, MET_VALUE = 1, MET_START = 3, MET_END = 4, MET_MONTH = 5, MET_DATE = 6,
	MET_DIMS = 8, MET_CURRENCY = 9
};

static const struct field *const kind_fields[] = {lead_fields, deal_fields, rep_fields,
	metric_fields};

/* ---- the descriptor ----------------------------------------------------- */

static const char *const csv_streams[] = {"leads", "deals", "reps", "metrics", NULL};

static const struct ss_option csv_options[] = {
	{"path", SS_OPT_PATH, SS_OPT_REQUIRED, NULL, NULL,
	    "the CSV file; its first row names the columns"},
	{"kind", SS_OPT_ENUM, 0, "leads", "leads|deals|reps|metrics",
	    "what one row of the file is"},
	{"delimiter", SS_OPT_STRING, 0, ",", NULL,
	    "field separator: \",\" \";\" \"|\" or \"tab\""},
	{"on_bad_row", SS_OPT_ENUM, 0, "fail", "skip|fail",
	    "a malformed row fails the run, or is skipped and counted"},
	{"date_order", SS_OPT_ENUM, 0, "mdy", "mdy|dmy|ymd",
	    "how to read ambiguous dates like 03/04/2026 or 03.04.26"},
	{"decimal_mark", SS_OPT_ENUM, 0, ".", ".|,",
	    "decimal mark of amounts; the other of . and , separates thousands"},
	{"batch", SS_OPT_INT, 0, "10000", NULL, "rows per checkpoint"},
	{"map.", SS_OPT_STRING, SS_OPT_PREFIX, NULL, NULL,
	    "map.<field> = <column header>: read that model field from that column"
	    " (empty: ignore the column's default match)"},
	{"metric_name", SS_OPT_STRING, 0, NULL, NULL,
	    "kind = metrics: metric name for rows without a name column"},
	{NULL, SS_OPT_STRING, 0, NULL, NULL, NULL}};

static const struct ss_mapping csv_status_map[] = {
	{"New", "new"},
	{"Open", "new"},
	{"Not contacted", "new"},
	{"Contacted", "working"},
	{"Working", "working"},
	{"In progress", "working"},
	{"Attempted to contact", "working"},
	{"Nurturing", "working"},
	{"Qualified", "qualified"},
	{"Sales qualified", "qualified"},
	{"Not interested", "unqualified"},
	{"Disqualified", "unqualified"},
	{"Unqualified", "unqualified"},
	{"Junk", "unqualified"},
	{"Converted", "converted"},
	{"Customer", "converted"},
	{NULL, NULL}};

static const struct ss_mapping csv_stage_map[] = {
	{"Prospecting", "open"},
	{"Qualification", "open"},
	{"Discovery", "open"},
	{"Needs analysis", "open"},
	{"Demo", "open"},
	{"Proposal", "open"},
	{"Negotiation", "open"},
	{"Closed Won", "won"},
	{"Won", "won"},
	{"Closed Lost", "lost"},
	{"Lost", "lost"},
	{NULL, NULL}};

/* ---- instance state ----------------------------------------------------- */

struct csv {
	/* options */
	char *path;
	enum kind kind;
	char delim;
	int skip_bad;
	enum date_order order;
	char mark;
	long long batch;
	char *metric_name;
	const struct field *fields;
	size_t nfields;
	char *map[MAXF];  /* header from map.<field>; "" disables the default */
	unsigned long cfg_hash;

	/* the file being read */
	FILE *fp;
	struct csvr *rd;
	struct stat st;
	size_t ncols;
	char **headers; /* as written, for messages and extra */
	char **keys;    /* JSON key literal per column ("\"Notes\"") */
	unsigned char *used;
	int col[MAXF];
	int id_from_email;

	/* one row */
	char *vals[MAXF];
	char scratch[MAXF][64];
	char amount_cur[4];
	struct sbuf extra, tmp, idbuf;
	char why[512];
	long line;
};

static void close_file(struct csv *c)
{
	if (c->rd)
		csvr_free(c->rd);
	c->rd = NULL;
	if (c->fp)
		fclose(c->fp);
	c->fp = NULL;
	for (size_t i = 0; i < c->ncols; i++) {
		free(c->headers[i]);
		free(c->keys[i]);
	}
	free(c->headers);
	free(c->keys);
	free(c->used);
	c->headers = NULL;
	c->keys = NULL;
	c->used = NULL;
	c->ncols = 0;
}

static void csv_close(void *state)
{
	struct csv *c = state;

	if (!c)
		return;
	close_file(c);
	free(c->path);
	free(c->metric_name);
	for (size_t i = 0; i < MAXF; i++)
		free(c->map[i]);
	free(c->extra.p);
	free(c->tmp.p);
	free(c->idbuf.p);
	free(c);
}

static unsigned long fnv(unsigned long h, const char *s)
{
	for (; *s; s++)
		h = ((h ^ (unsigned char)*s) * 16777619UL) & 0xFFFFFFFFUL;
	return ((h ^ 0xFF) * 16777619UL) & 0xFFFFFFFFUL;
}

static const struct field *find_field(const struct csv *c, const char *name, size_t *idx)
{
	for (size_t i = 0; i < c->nfields; i++) {
		const struct field *f = &c->fields[i];

		if (strcmp(f->name, name) == 0 || (f->name2 && strcmp(f->name2, name) == 0)) {
			*idx = i;
			return f;
		}
	}
	return NULL;
}

struct map_ud {
	struct csv *c;
	ss_ctx *ctx;
	const struct ss_api *api;
};

static int map_one(void *ud, const char *rest, const char *value)
{
	struct map_ud *m = ud;
	struct csv *c = m->c;
	size_t idx;
	char key[256];

	if (!find_field(c, rest, &idx)) {
		char known[512] = "";
		size_t n = 0;

		for (size_t i = 0; i < c->nfields && n + 1 < sizeof(known); i++)
			n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s", i ? ", " : "",
			    c->fields[i].name);
		return m->api->fail(m->ctx, SS_EINVAL,
		    "map.%s: no field \"%s\" for kind = %s (fields: %s)", rest, rest,
		    kind_names[c->kind], known);
	}
	header_key(value ? value : "", key, sizeof(key));
	if (value && *value && !*key)
		return m->api->fail(m->ctx, SS_EINVAL,
		    "map.%s = %s: a header needs at least one letter or digit", rest, value);
	free(c->map[idx]);
	c->map[idx] = strdup(value ? value : "");
	if (!c->map[idx])
		return m->api->fail(m->ctx, SS_ENOMEM, "out of memory");
	return 0;
}

static int pick(const char *v, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (strcmp(v, words[i]) == 0)
			return i;
	return -1;
}

static const char *opt(ss_ctx *ctx, const struct ss_api *api, const char *key, const char *def)
{
	const char *v = api->option(ctx, key);

	return v ? v : def;
}

static int csv_open(ss_ctx *ctx, const struct ss_api *api, void **state)
{
	static const char *const onbad[] = {"fail", "skip", NULL};
	static const char *const orders[] = {"mdy", "dmy", "ymd", NULL};
	struct csv *c = calloc(1, sizeof(*c));
	const char *v;
	char *end;
	struct map_ud ud;
	int i, rc;

	if (!c)
		return api->fail(ctx, SS_ENOMEM, "out of memory");
	*state = NULL;

	v = opt(ctx, api, "path", "");
	if (!*v) {
		rc = api->fail(ctx, SS_EINVAL, "path: a CSV file is required");
		goto fail;
	}
	if (!(c->path = strdup(v))) {
		rc = api->fail(ctx, SS_ENOMEM, "out of memory");
		goto fail;
	}

	v = opt(ctx, api, "kind", "leads");
	if ((i = pick(v, kind_names)) < 0) {
		rc = api->fail(ctx, SS_EINVAL, "kind = %s: expected leads, deals, reps or metrics", v);
		goto fail;
	}
	c->kind = (enum kind)i;
	c->fields = kind_fields[c->kind];
	while (c->fields[c->nfields].name)
		c->nfields++;

	v = opt(ctx, api, "delimiter", ",");
	if (strcmp(v, "tab") == 0 || strcmp(v, "\\t") == 0 || strcmp(v, "\t") == 0)
		c->delim = '\t';
	else if (strcmp(v, ",") == 0 || strcmp(v, ";") == 0 || strcmp(v, "|") == 0)
		c->delim = v[0];
	else {
		rc = api->fail(ctx, SS_EINVAL,
		    "delimiter = %s: expected \",\", \";\", \"|\" or \"tab\"", v);
		goto fail;
	}

	v = opt(ctx, api, "on_bad_row", "fail");
	if ((i = pick(v, onbad)) < 0) {
		rc = api->fail(ctx, SS_EINVAL, "on_bad_row = %s: expected skip or fail", v);
		goto fail;
	}
	c->skip_bad = i == 1;

	v = opt(ctx, api, "date_order", "mdy");
	if ((i = pick(v, orders)) < 0) {
		rc = api->fail(ctx, SS_EINVAL, "date_order = %s: expected mdy, dmy or ymd", v);
		goto fail;
	}
	c->order = (enum date_order)i;

	v = opt(ctx, api, "decimal_mark", ".");
	if (strcmp(v, ".") != 0 && strcmp(v, ",") != 0) {
		rc = api->fail(ctx, SS_EINVAL, "decimal_mark = %s: expected . or ,", v);
		goto fail;
	}
	c->mark = v[0];

	v = opt(ctx, api, "batch", "10000");
	errno = 0;
	c->batch = strtoll(v, &end, 10);
	if (errno || end == v || *end || c->batch < 1) {
		rc = api->fail(ctx, SS_EINVAL, "batch = %s: expected a positive number of rows", v);
		goto fail;
	}

	v = opt(ctx, api, "metric_name", "");
	if (*v && !(c->metric_name = strdup(v))) {
		rc = api->fail(ctx, SS_ENOMEM, "out of memory");
		goto fail;
	}

	ud.c = c;
	ud.ctx = ctx;
	ud.api = api;
	rc = api->option_each(ctx, "map.", map_one, &ud);
	if (rc)
		goto fail;

	/* What the records depend on besides the file: part of the cursor, so
	 * changing e.g. date_order re-reads an unchanged file. */
	{
		unsigned long h = 2166136261UL;
		char small[8] = {c->delim, c->mark, (char)('0' + c->order), 0};

		h = fnv(h, kind_names[c->kind]);
		h = fnv(h, small);
		h = fnv(h, c->metric_name ? c->metric_name : "");
		for (size_t k = 0; k < c->nfields; k++) {
			h = fnv(h, c->map[k] ? c->fields[k].name : "");
			h = fnv(h, c->map[k] ? c->map[k] : "");
		}
		c->cfg_hash = h;
	}
	*state = c;
	return 0;

fail:
	csv_close(c);
	return rc;
}

/* ---- header ------------------------------------------------------------- */

static int open_file(struct csv *c, ss_ctx *ctx, const struct ss_api *api)
{
	struct csvr_opts o = {c->delim, 0, 0, 0};
	int fd = open(c->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return api->fail(ctx, SS_EIO, "%s: %s", c->path, strerror(errno));
	if (fstat(fd, &c->st) < 0) {
		int e = errno;

		close(fd);
		return api->fail(ctx, SS_EIO, "%s: %s", c->path, strerror(e));
	}
	if (!S_ISREG(c->st.st_mode)) {
		close(fd);
		return api->fail(ctx, SS_EIO, "%s: not a regular file", c->path);
	}
	c->fp = fdopen(fd, "rb");
	if (!c->fp) {
		close(fd);
		return api->fail(ctx, SS_EIO, "%s: %s", c->path, strerror(errno));
	}
	c->rd = csvr_new(c->fp, &o);
	if (!c->rd)
		return api->fail(ctx, SS_ENOMEM, "%s: out of memory", c->path);
	return 0;
}

/* Maps csv_read's fatal results onto SDK codes with file:line. */
static int read_failed(struct csv *c, ss_ctx *ctx, const struct ss_api *api, int r)
{
	int code = r == CSVR_EIO ? SS_EIO : r == CSVR_ENOMEM ? SS_ENOMEM : SS_EPARSE;

	return api->fail(ctx, code, "%s:%ld: %s", c->path, csvr_error_line(c->rd),
	    csvr_error(c->rd));
}

static int all_blank(const struct csvr *rd)
{
	for (size_t i = 0; i < csvr_count(rd); i++) {
		const char *s = skip_blanks(csvr_field(rd, i));

		if (*s && *s != '\r' && *s != '\n')
			return 0;
	}
	return 1;
}

static void columns_list(const struct csv *c, char *out, size_t n)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < c->ncols && o + 1 < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%s\"%s\"", i ? ", " : "", c->headers[i]);
	if (o >= n && n > 4)
		memcpy(out + n - 4, "...", 4);
}

/* used[] values: which kind of match claimed a column */
enum { UNUSED = 0, BY_DEFAULT = 1, BY_MAP = 2 };

/* The first column whose header key is `key`; with skip_defaulted, not one
 * another field already took by its usual name. (A column named in map.*
 * still serves the field it is named after: map.id = Email keeps email.) */
static int find_col(const struct csv *c, const char *key, int skip_defaulted)
{
	char k[256];

	for (size_t j = 0; j < c->ncols; j++) {
		if (skip_defaulted && c->used[j] == BY_DEFAULT)
			continue;
		header_key(c->headers[j], k, sizeof(k));
		if (strcmp(k, key) == 0)
			return (int)j;
	}
	return -1;
}

static int claim_default(struct csv *c, size_t i)
{
	const char *a = c->fields[i].aliases;

	while (*a) {
		const char *bar = strchr(a, '|');
		size_t n = bar ? (size_t)(bar - a) : strlen(a);
		char key[64];
		int j;

		if (n < sizeof(key)) {
			memcpy(key, a, n);
			key[n] = '\0';
			if ((j = find_col(c, key, 1)) >= 0) {
				c->col[i] = j;
				if (c->used[j] == UNUSED)
					c->used[j] = BY_DEFAULT;
				return 0;
			}
		}
		a += n + (bar ? 1 : 0);
	}
	return 0;
}

/* JSON keys for extra (leads, deals: the header as written) or dims
 * (metrics: lower-case words joined by '_'). Empty and repeated headers
 * get "column N" and " (2)" so no cell overwrites another. */
static int make_keys(struct csv *c)
{
	struct sbuf b = {NULL, 0, 0};

	for (size_t j = 0; j < c->ncols; j++) {
		char name[512];
		const char *h = c->headers[j];

		if (c->kind == K_METRICS) {
			size_t o = 0;
			int us = 0;

			for (; *h && o + 2 < sizeof(name); h++) {
				unsigned char ch = (unsigned char)*h;

				if (ch >= 0x80 || is_alpha(ch) || is_digit(ch)) {
					if (us && o)
						name[o++] = '_';
					us = 0;
					name[o++] = (char)lower(ch);
				} else {
					us = 1;
				}
			}
			name[o] = '\0';
			if (!o)
				snprintf(name, sizeof(name), "column_%zu", j + 1);
		} else if (!*h) {
			snprintf(name, sizeof(name), "column %zu", j + 1);
		} else {
			snprintf(name, sizeof(name), "%s", h);
		}
		/* unique among the earlier keys */
		{
			char base[512];
			int dup = 1;

			snprintf(base, sizeof(base), "%s", name);
			for (;;) {
				int clash = 0;

				sb_reset(&b);
				if (sb_json_str(&b, name) < 0)
					goto nomem;
				for (size_t k = 0; k < j && !clash; k++)
					clash = strcmp(c->keys[k], b.p) == 0;
				if (!clash)
					break;
				snprintf(name, sizeof(name), "%.480s (%d)", base, ++dup);
			}
		}
		c->keys[j] = strdup(b.p);
		if (!c->keys[j])
			goto nomem;
	}
	free(b.p);
	return 0;
nomem:
	free(b.p);
	return -1;
}

/*
 * Reads the header row and matches columns to fields: first the map.*
 * overrides, then each field's usual names in order. Checks that what the
 * kind needs is there; the message names the file and what is missing.
 */
static int read_header(struct csv *c, ss_ctx *ctx, const struct ss_api *api)
{
	char cols[600];
	int r;

	do {
		r = csvr_read(c->rd);
		if (r == CSVR_END)
			return api->fail(ctx, SS_EPARSE, "%s: the file is empty (no header row)",
			    c->path);
		if (r < 0)
			return read_failed(c, ctx, api, r);
	} while (all_blank(c->rd));

	c->ncols = csvr_count(c->rd);
	c->headers = calloc(c->ncols, sizeof(char *));
	c->keys = calloc(c->ncols, sizeof(char *));
	c->used = calloc(c->ncols, 1);
	if (!c->headers || !c->keys || !c->used) {
		c->ncols = 0;
		return api->fail(ctx, SS_ENOMEM, "%s: out of memory", c->path);
	}
	for (size_t j = 0; j < c->ncols; j++) {
		char *h = trim(csvr_field(c->rd, j));

		c->headers[j] = strdup(h ? h : "");
		if (!c->headers[j])
			return api->fail(ctx, SS_ENOMEM, "%s: out of memory", c->path);
	}
	if (make_keys(c) < 0)
		return api->fail(ctx, SS_ENOMEM, "%s: out of memory", c->path);
	columns_list(c, cols, sizeof(cols));

	for (size_t i = 0; i < MAXF; i++)
		c->col[i] = -1;
	for (size_t i = 0; i < c->nfields; i++) {
		char key[256];
		int j;

		if (!c->map[i] || !*c->map[i])
			continue;
		header_key(c->map[i], key, sizeof(key));
		if ((j = find_col(c, key, 0)) < 0)
			return api->fail(ctx, SS_EINVAL,
			    "%s: map.%s = %s: no such column (columns: %s)", c->path,
			    c->fields[i].name, c->map[i], cols);
		c->col[i] = j;
		c->used[j] = BY_MAP;
	}
	for (size_t i = 0; i < c->nfields; i++)
		if (!c->map[i])
			claim_default(c, i);

	/* leads: a "Name" column only when there is no first/last name */
	if (c->kind == K_LEADS && !c->map[LEAD_NAME] && c->col[LEAD_NAME] >= 0 &&
	    (c->col[LEAD_FIRST] >= 0 || c->col[LEAD_LAST] >= 0)) {
		if (c->used[c->col[LEAD_NAME]] == BY_DEFAULT)
			c->used[c->col[LEAD_NAME]] = UNUSED;
		c->col[LEAD_NAME] = -1;
	}

	c->id_from_email = 0;
	switch (c->kind) {
	case K_LEADS:
	case K_REPS:
		if (c->col[0] < 0) {
			if (c->col[1] < 0)
				return api->fail(ctx, SS_EPARSE,
				    "%s: no id column (such as \"Id\", \"%s ID\" or \"Record ID\") "
				    "and no email column to use instead; set map.id (columns: %s)",
				    c->path, c->kind == K_LEADS ? "Lead" : "Rep", cols);
			c->id_from_email = 1;
			api->log(ctx, SS_LOG_INFO, "%s: no id column; using the email as the id",
			    c->path);
		}
		break;
	case K_DEALS:
		if (c->col[DEAL_ID] < 0)
			return api->fail(ctx, SS_EPARSE,
			    "%s: no id column (such as \"Id\", \"Deal ID\" or \"Opportunity ID\"); "
			    "set map.id (columns: %s)",
			    c->path, cols);
		break;
	case K_METRICS:
		if (c->col[MET_NAME] < 0 && !c->metric_name)
			return api->fail(ctx, SS_EPARSE,
			    "%s: no metric name column (\"Name\", \"Metric\") and no metric_name "
			    "option (columns: %s)",
			    c->path, cols);
		if (c->col[MET_VALUE] < 0)
			return api->fail(ctx, SS_EPARSE,
			    "%s: no value column (\"Value\", \"Amount\", \"Quota\", \"Count\"); set "
			    "map.value (columns: %s)",
			    c->path, cols);
		if (c->col[MET_START] < 0 && c->col[MET_MONTH] < 0 && c->col[MET_DATE] < 0)
			return api->fail(ctx, SS_EPARSE,
			    "%s: no period column (\"Period start\", \"Month\" or \"Date\"); set "
			    "map.period_start, map.month or map.date (columns: %s)",
			    c->path, cols);
		break;
	}

	for (size_t i = 0; i < c->nfields; i++)
		if (c->col[i] >= 0)
			api->log(ctx, SS_LOG_DEBUG, "%s: column \"%s\" -> %s", c->path,
			    c->headers[c->col[i]], c->fields[i].name);
	for (size_t j = 0; j < c->ncols; j++)
		if (!c->used[j])
			api->log(ctx, SS_LOG_DEBUG, "%s: column \"%s\" -> %s", c->path,
			    c->headers[j],
			    c->kind == K_METRICS ? "dims" : c->kind == K_REPS ? "(ignored)" : "extra");
	return 0;
}

/* ---- rows --------------------------------------------------------------- */

static int bad(struct csv *c, const char *fmt, ...) SS_PRINTF(2, 3);
static int bad(struct csv *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return BAD;
}

static const char *hdr(const struct csv *c, size_t i)
{
	return c->headers[c->col[i]];
}

static void set_str(void *rec, size_t off, const char *v)
{
	memcpy((char *)rec + off, &v, sizeof(v));
}

/* Converts the mapped cells of the row into rec (a struct ss_*). */
static int fill(struct csv *c, void *rec)
{
	char sh[64];

	c->amount_cur[0] = '\0';
	for (size_t i = 0; i < c->nfields; i++) {
		const struct field *f = &c->fields[i];
		char *v = c->vals[i];
		struct dt t;
		double d;
		int b;

		if (!v || f->conv == CV_PSEUDO)
			continue;
		switch (f->conv) {
		case CV_TEXT:
			set_str(rec, f->off, v);
			break;
		case CV_TIME:
			if (conv_time(v, c->order, c->scratch[i], &t) < 0)
				return bad(c, "column \"%s\": not a date: \"%s\"", hdr(c, i), shown(v, sh));
			set_str(rec, f->off, c->scratch[i]);
			break;
		case CV_AMOUNT:
			if (conv_amount(v, c->mark, c->scratch[i], sizeof(c->scratch[i]), c->amount_cur,
			    NULL) < 0)
				return bad(c, "column \"%s\": not an amount (decimal mark '%c'): \"%s\"",
				    hdr(c, i), c->mark, shown(v, sh));
			set_str(rec, f->off, c->scratch[i]);
			break;
		case CV_CURRENCY:
			if (conv_currency(v, c->scratch[i]) < 0)
				return bad(c, "column \"%s\": not a currency code: \"%s\"", hdr(c, i),
				    shown(v, sh));
			if (f->off != NOOFF)
				set_str(rec, f->off, c->scratch[i]);
			break;
		case CV_PROB:
			if (conv_prob(v, &d) < 0)
				return bad(c, "column \"%s\": not a probability: \"%s\"", hdr(c, i),
				    shown(v, sh));
			memcpy((char *)rec + f->off, &d, sizeof(d));
			break;
		case CV_BOOL:
			if (conv_bool(v, &b) < 0)
				return bad(c, "column \"%s\": not yes/no: \"%s\"", hdr(c, i), shown(v, sh));
			memcpy((char *)rec + f->off, &b, sizeof(b));
			break;
		case CV_PSEUDO:
			break;
		}
	}
	return 0;
}

/* `extra`: the unmapped, non-empty cells as a JSON object, or NULL. */
static int build_extra(struct csv *c, const char **out)
{
	int any = 0;

	*out = NULL;
	sb_reset(&c->extra);
	for (size_t j = 0; j < c->ncols; j++) {
		char *v;

		if (c->used[j] || !(v = trim(csvr_field(c->rd, j))))
			continue;
		if (sb_add(&c->extra, any ? "," : "{", 1) < 0 || sb_adds(&c->extra, c->keys[j]) < 0 ||
		    sb_add(&c->extra, ":", 1) < 0 || sb_json_str(&c->extra, v) < 0)
			return SS_ENOMEM;
		any = 1;
	}
	if (any) {
		if (sb_add(&c->extra, "}", 1) < 0)
			return SS_ENOMEM;
		*out = c->extra.p;
	}
	return 0;
}

/* The id from an email cell: trimmed (already) and lower-cased. */
static const char *email_id(struct csv *c, const char *email)
{
	sb_reset(&c->idbuf);
	if (sb_adds(&c->idbuf, email) < 0)
		return NULL;
	for (char *p = c->idbuf.p; *p; p++)
		*p = (char)lower((unsigned char)*p);
	return c->idbuf.p;
}

static int emitted(struct csv *c, int rc)
{
	if (rc == SS_EINVAL)
		return bad(c, "the host refused the record (its log line says why)");
	return rc;
}

static int row_lead(struct csv *c, ss_ctx *ctx, const struct ss_api *api)
{
	struct ss_lead l = SS_LEAD_INIT;
	int rc;

	if ((rc = fill(c, &l)) != 0)
		return rc;
	if (c->vals[LEAD_NAME]) {
		/* "Ada Lovelace": first word -> first_name, the rest -> last_name */
		char *n = c->vals[LEAD_NAME], *sp = n;

		while (*sp && !blank_at(sp))
			sp++;
		if (*sp) {
			*sp = '\0';
			sp = trim(sp + 1);
		} else {
			sp = NULL;
		}
		if (!l.first_name)
			l.first_name = n;
		if (!l.last_name)
			l.last_name = sp;
	}
	if (!l.id && c->id_from_email) {
		if (!l.email)
			return bad(c, "no id: the email cell is empty");
		if (!(l.id = email_id(c, l.email)))
			return SS_ENOMEM;
	}
	if (!l.id)
		return bad(c, "column \"%s\" (the id) is empty", hdr(c, LEAD_ID));
	if ((rc = build_extra(c, &l.extra)) != 0)
		return rc;
	return emitted(c, api->emit_lead(ctx, &l));
}

static int row_deal(struct csv *c, ss_ctx *ctx, const struct ss_api *api)
{
	struct ss_deal d = SS_DEAL_INIT;
	int rc;

	if ((rc = fill(c, &d)) != 0)
		return rc;
	if (!d.id)
		return bad(c, "column \"%s\" (the id) is empty", hdr(c, DEAL_ID));
	if (c->amount_cur[0]) {
		if (d.currency && strcmp(d.currency, c->amount_cur) != 0)
			return bad(c, "column \"%s\" says %s but the amount is in %s",
			    hdr(c, DEAL_CURRENCY), d.currency, c->amount_cur);
		d.currency = c->amount_cur;
	}
	if ((rc = build_extra(c, &d.extra)) != 0)
		return rc;
	return emitted(c, api->emit_deal(ctx, &d));
}

static int row_rep(struct csv *c, ss_ctx *ctx, const struct ss_api *api)
{
	struct ss_rep r = SS_REP_INIT;
	int rc;

	if ((rc = fill(c, &r)) != 0)
		return rc;
	if (!r.name && (c->vals[REP_FIRST] || c->vals[REP_LAST])) {
		sb_reset(&c->tmp);
		if (c->vals[REP_FIRST] && sb_adds(&c->tmp, c->vals[REP_FIRST]) < 0)
			return SS_ENOMEM;
		if (c->vals[REP_FIRST] && c->vals[REP_LAST] && sb_add(&c->tmp, " ", 1) < 0)
			return SS_ENOMEM;
		if (c->vals[REP_LAST] && sb_adds(&c->tmp, c->vals[REP_LAST]) < 0)
			return SS_ENOMEM;
		r.name = c->tmp.p;
	}
	if (!r.id && c->id_from_email) {
		if (!r.email)
			return bad(c, "no id: the email cell is empty");
		if (!(r.id = email_id(c, r.email)))
			return SS_ENOMEM;
	}
	if (!r.id)
		return bad(c, "column \"%s\" (the id) is empty", hdr(c, REP_ID));
	return emitted(c, api->emit_rep(ctx, &r));
}

static void next_day(int *y, int *m, int *d)
{
	if (++*d > mdays(*y, *m)) {
		*d = 1;
		if (++*m > 12) {
			*m = 1;
			++*y;
		}
	}
}

/* The metric's period, half-open: [start, end). */
static int metric_period(struct csv *c, char start[32], char end[32])
{
	char sh[64];
	struct dt t;
	int y, m;

	if (c->col[MET_START] >= 0) {
		const char *s = c->vals[MET_START], *e = c->vals[MET_END];

		if (!s)
			return bad(c, "column \"%s\" (period start) is empty", hdr(c, MET_START));
		if (parse_month(s, c->order, &y, &m) == 0 && conv_time(s, c->order, start, &t) < 0) {
			/* "2026-03", "Mar 2026": the month */
			snprintf(start, 32, "%04d-%02d-01", y, m);
			if (++m > 12) {
				m = 1;
				y++;
			}
			snprintf(end, 32, "%04d-%02d-01", y, m);
			if (e && conv_time(e, c->order, end, &t) < 0)
				return bad(c, "column \"%s\": not a date: \"%s\"", hdr(c, MET_END),
				    shown(e, sh));
			return 0;
		}
		if (conv_time(s, c->order, start, &t) < 0)
			return bad(c, "column \"%s\": not a date or month: \"%s\"", hdr(c, MET_START),
			    shown(s, sh));
		if (e) {
			if (conv_time(e, c->order, end, &t) < 0)
				return bad(c, "column \"%s\": not a date: \"%s\"", hdr(c, MET_END),
				    shown(e, sh));
			return 0;
		}
		if (t.has_time)
			return bad(c, "column \"%s\" has a time but there is no period end",
			    hdr(c, MET_START));
		next_day(&t.y, &t.m, &t.d);
		format_dt(&t, end);
		return 0;
	}
	if (c->col[MET_MONTH] >= 0) {
		const char *s = c->vals[MET_MONTH];

		if (!s)
			return bad(c, "column \"%s\" (the month) is empty", hdr(c, MET_MONTH));
		if (parse_month(s, c->order, &y, &m) < 0)
			return bad(c, "column \"%s\": not a month: \"%s\"", hdr(c, MET_MONTH),
			    shown(s, sh));
		snprintf(start, 32, "%04d-%02d-01", y, m);
		if (++m > 12) {
			m = 1;
			y++;
		}
		snprintf(end, 32, "%04d-%02d-01", y, m);
		return 0;
	}
	{
		const char *s = c->vals[MET_DATE];

		if (!s)
			return bad(c, "column \"%s\" (the date) is empty", hdr(c, MET_DATE));
		if (conv_time(s, c->order, start, &t) < 0 || t.has_time)
			return bad(c, "column \"%s\": not a date: \"%s\"", hdr(c, MET_DATE),
			    shown(s, sh));
		next_day(&t.y, &t.m, &t.d);
		format_dt(&t, end);
		return 0;
	}
}

static int row_metric(struct csv *c, ss_ctx *ctx, const struct ss_api *api)
{
	struct ss_metric mt = SS_METRIC_INIT;
	char start[32], end[32], value[96], sh[64], cur[4] = "";
	const char *vcur = NULL;
	const char *name, *raw = c->vals[MET_VALUE];
	json_t *dims = NULL;
	char *dtext = NULL;
	int rc, pct = 0;
	int64_t minor;
	size_t nlen;

	if ((rc = fill(c, &mt)) != 0)
		return rc;
	name = c->vals[MET_NAME] ? c->vals[MET_NAME] : c->metric_name;
	if (!name)
		return bad(c, "the metric name is empty and there is no metric_name option");
	if (!raw)
		return 0; /* an empty cell is no measurement */
	if ((rc = metric_period(c, start, end)) != 0)
		return rc;

	/* value: a number, an amount, or a percentage */
	if (conv_amount(raw, c->mark, value, sizeof(value), cur, &pct) < 0)
		return bad(c, "column \"%s\": not a number (decimal mark '%c'): \"%s\"",
		    hdr(c, MET_VALUE), c->mark, shown(raw, sh));
	if (pct && dec_scale(value, -2, value, sizeof(value)) < 0)
		return bad(c, "column \"%s\": number too long", hdr(c, MET_VALUE));

	/* dims: the dims column's object, then every unclaimed cell */
	if (c->vals[MET_DIMS]) {
		json_error_t jerr;

		dims = json_loads(c->vals[MET_DIMS], 0, &jerr);
		if (!dims || !json_is_object(dims)) {
			json_decref(dims);
			return bad(c, "column \"%s\": not a JSON object: \"%s\"", hdr(c, MET_DIMS),
			    shown(c->vals[MET_DIMS], sh));
		}
	} else {
		dims = json_object();
	}
	if (!dims)
		return SS_ENOMEM;
	for (size_t j = 0; j < c->ncols; j++) {
		char *v;
		char key[512];
		size_t kl = strlen(c->keys[j]);

		if (c->used[j] || !(v = trim(csvr_field(c->rd, j))))
			continue;
		memcpy(key, c->keys[j] + 1, kl - 2); /* slug keys need no unescaping */
		key[kl - 2] = '\0';
		if (json_object_set_new(dims, key, json_string(v)) < 0)
			goto nomem;
	}
	if (c->vals[MET_CURRENCY] || cur[0]) {
		const char *col = c->vals[MET_CURRENCY] ? c->scratch[MET_CURRENCY] : NULL;

		if (col && cur[0] && strcmp(col, cur) != 0) {
			json_decref(dims);
			return bad(c, "column \"%s\" says %s but the value is in %s",
			    hdr(c, MET_CURRENCY), col, cur);
		}
		vcur = col ? col : cur;
	}
	if (!vcur) {
		json_t *jc = json_object_get(dims, "currency");

		vcur = json_is_string(jc) ? json_string_value(jc) : NULL;
	}
	nlen = strlen(name);
	if (nlen > 13 && strcmp(name + nlen - 13, ".amount_minor") == 0) {
		/* money in the sheet's major units -> integer minor units */
		char code[4];

		if (!vcur || !code_at(vcur, code) || vcur[3]) {
			json_decref(dims);
			return bad(c, "%s needs a currency: a Currency column, or a currency code "
			    "or sign in the value", name);
		}
		if (pct || api->to_minor_units(ctx, value, code, &minor) != 0) {
			json_decref(dims);
			return bad(c, "column \"%s\": not an amount: \"%s\"", hdr(c, MET_VALUE),
			    shown(raw, sh));
		}
		snprintf(value, sizeof(value), "%lld", (long long)minor);
		vcur = code;
		if (json_object_set_new(dims, "currency", json_string(code)) < 0)
			goto nomem;
	} else if (vcur && json_object_set_new(dims, "currency", json_string(vcur)) < 0) {
		goto nomem;
	}
	if (json_object_size(dims) > 0) {
		dtext = json_dumps(dims, JSON_COMPACT | JSON_SORT_KEYS);
		if (!dtext)
			goto nomem;
	}
	json_decref(dims);

	mt.name = name;
	mt.value = value;
	mt.period_start = start;
	mt.period_end = end;
	mt.dims = dtext;
	rc = api->emit_metric(ctx, &mt);
	free(dtext);
	return emitted(c, rc);

nomem:
	json_decref(dims);
	return SS_ENOMEM;
}

/* One data row: BAD (c->why set), 0, or a negative SS_E* code. */
static int do_row(struct csv *c, ss_ctx *ctx, const struct ss_api *api)
{
	size_t n = csvr_count(c->rd);

	if (n != c->ncols)
		return bad(c, "%zu fields where the header has %zu", n, c->ncols);
	for (size_t i = 0; i < c->nfields; i++)
		c->vals[i] = c->col[i] >= 0 ? trim(csvr_field(c->rd, (size_t)c->col[i])) : NULL;
	switch (c->kind) {
	case K_LEADS:
		return row_lead(c, ctx, api);
	case K_DEALS:
		return row_deal(c, ctx, api);
	case K_REPS:
		return row_rep(c, ctx, api);
	case K_METRICS:
		return row_metric(c, ctx, api);
	}
	return SS_EINVAL;
}

/* A malformed row: skipped and counted, or the end of the run. */
static int bad_row(struct csv *c, ss_ctx *ctx, const struct ss_api *api, long line)
{
	if (c->skip_bad) {
		api->skip(ctx, "%s:%ld: %s", c->path, line, c->why);
		return 0;
	}
	return api->fail(ctx, SS_EPARSE, "%s:%ld: %s", c->path, line, c->why);
}

/* ---- callbacks ---------------------------------------------------------- */

static void make_cursor(const struct csv *c, char *out, size_t n)
{
	long long ns = (long long)c->st.st_mtim.tv_sec * 1000000000LL + c->st.st_mtim.tv_nsec;

	snprintf(out, n, "%lld:%lld:%08lx", (long long)c->st.st_size, ns, c->cfg_hash);
}

static int csv_check(ss_ctx *ctx, const struct ss_api *api, void *state)
{
	struct csv *c = state;
	int rc;

	if ((rc = open_file(c, ctx, api)) == 0 && (rc = read_header(c, ctx, api)) == 0) {
		size_t mapped = 0, rest = 0;

		for (size_t i = 0; i < c->nfields; i++)
			mapped += c->col[i] >= 0;
		for (size_t j = 0; j < c->ncols; j++)
			rest += !c->used[j];
		api->log(ctx, SS_LOG_INFO, "%s: %zu columns: %zu mapped, %zu %s", c->path, c->ncols,
		    mapped, rest,
		    c->kind == K_METRICS ? "to dims" : c->kind == K_REPS ? "ignored" : "to extra");
	}
	close_file(c);
	return rc;
}

static int csv_sync(ss_ctx *ctx, const struct ss_api *api, void *state)
{
	struct csv *c = state;
	const char *stream = kind_names[c->kind];
	char cursor[96];
	long long rows = 0, skipped = 0;
	int rc, r;

	if ((rc = open_file(c, ctx, api)) != 0)
		goto out;
	make_cursor(c, cursor, sizeof(cursor));
	if (!api->is_full(ctx)) {
		const char *prev = api->cursor_get(ctx, stream);

		if (prev && strcmp(prev, cursor) == 0) {
			api->log(ctx, SS_LOG_INFO, "%s: unchanged since the last sync; skipped", c->path);
			goto out;
		}
	}
	if ((rc = read_header(c, ctx, api)) != 0)
		goto out;

	for (;;) {
		r = csvr_read(c->rd);
		if (r == CSVR_END)
			break;
		c->line = csvr_line(c->rd);
		if (r < 0 && !csvr_recoverable(r)) {
			rc = read_failed(c, ctx, api, r);
			goto out;
		}
		if (r > 0 && all_blank(c->rd))
			continue;
		rows++;
		if (r < 0) {
			bad(c, "%s", csvr_error(c->rd));
			rc = BAD;
			c->line = csvr_error_line(c->rd);
		} else {
			rc = do_row(c, ctx, api);
		}
		if (rc == BAD) {
			skipped++;
			if ((rc = bad_row(c, ctx, api, c->line)) != 0)
				goto out;
		} else if (rc < 0) {
			if (rc == SS_ENOMEM)
				api->fail(ctx, rc, "%s:%ld: out of memory", c->path, c->line);
			goto out;
		}
		if (rows % c->batch == 0 && (rc = api->checkpoint(ctx)) != 0)
			goto out;
		if (rows % PROGRESS_EVERY == 0)
			api->progress(ctx, stream, rows, -1);
		if (rows % CANCEL_EVERY == 0 && api->cancelled(ctx)) {
			rc = api->fail(ctx, SS_ECANCELLED, "%s: cancelled at line %ld", c->path,
			    c->line);
			goto out;
		}
	}
	api->progress(ctx, stream, rows, rows);
	if ((rc = api->cursor_set(ctx, stream, cursor)) != 0 || (rc = api->checkpoint(ctx)) != 0)
		goto out;
	if (skipped)
		api->log(ctx, SS_LOG_INFO, "%s: %lld rows read, %lld skipped", c->path,
		    rows - skipped, skipped);
	else
		api->log(ctx, SS_LOG_INFO, "%s: %lld rows read", c->path, rows);
out:
	close_file(c);
	return rc;
}

static const struct ss_plugin csv_plugin = {
	SS_PLUGIN_HEAD,
	"csv",
	"0.1.0",
	"CSV spreadsheets of leads, deals, reps or metrics",
	csv_streams,
	csv_options,
	csv_status_map,
	csv_stage_map,
	csv_open,
	csv_check,
	csv_sync,
	csv_close,
	NULL, /* auth: a local file, no HTTP */
};

SS_PLUGIN_DEFINE(csv_plugin)
