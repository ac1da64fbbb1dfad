/*
 * norm: normalization of emitted values. Everything here is locale- and
 * timezone-independent: ASCII-only case folding, a hand-written ISO 8601
 * parser with civil-days arithmetic, and integer-only money parsing.
 */
#include "norm.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

const char *const norm_lead_statuses[] = {
	"new", "working", "qualified", "unqualified", "converted", NULL
};
const char *const norm_deal_stages[] = {"open", "won", "lost", NULL};

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static char to_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* Trims surrounding blanks: *start and *len describe what is left. */
static void trim(const char *in, const char **start, size_t *len)
{
	const char *b = in, *e = in + strlen(in);

	while (b < e && is_blank(*b))
		b++;
	while (e > b && is_blank(e[-1]))
		e--;
	*start = b;
	*len = (size_t)(e - b);
}

/* Case-insensitive ASCII comparison of a (n bytes) with NUL-terminated b. */
static int caseeq_n(const char *a, size_t n, const char *b)
{
	for (size_t i = 0; i < n; i++) {
		if (!b[i] || to_lower(a[i]) != to_lower(b[i]))
			return 0;
	}
	return b[n] == '\0';
}

char *norm_email(const char *in)
{
	const char *s;
	size_t n;
	char *out;

	if (!in)
		return NULL;
	trim(in, &s, &n);
	if (n == 0)
		return NULL;
	out = xstrndup(s, n);
	for (size_t i = 0; i < n; i++)
		out[i] = to_lower(out[i]);
	return out;
}

/* ---- time --------------------------------------------------------------- */

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Reads exactly n digits at *p into *v and advances; 0 if not digits. */
static int digits(const char **p, int n, int *v)
{
	int x = 0;

	for (int i = 0; i < n; i++) {
		if (!is_digit((*p)[i]))
			return 0;
		x = x * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v = x;
	return 1;
}

static void put_num(char *out, int64_t v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* Formats epoch seconds as "YYYY-MM-DDTHH:MM:SSZ"; SS_EINVAL if the year
 * does not fit four digits. */
static int format_epoch(int64_t t, char out[21])
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400;
	int64_t y;
	unsigned m, d;

	util_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		return SS_EINVAL;
	put_num(out, y, 4);
	out[4] = '-';
	put_num(out + 5, m, 2);
	out[7] = '-';
	put_num(out + 8, d, 2);
	out[10] = 'T';
	put_num(out + 11, secs / 3600, 2);
	out[13] = ':';
	put_num(out + 14, secs / 60 % 60, 2);
	out[16] = ':';
	put_num(out + 17, secs % 60, 2);
	out[19] = 'Z';
	out[20] = '\0';
	return 0;
}

int norm_time(const char *in, char out[21])
{
	const char *s, *p, *end;
	size_t n;
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
	int64_t t;

	if (!in)
		return SS_EINVAL;
	trim(in, &s, &n);
	if (n == 0)
		return SS_EINVAL;
	end = s + n;

	/* Epoch seconds (up to 11 digits) or milliseconds (12-13). */
	p = s;
	while (p < end && is_digit(*p))
		p++;
	if (p == end) {
		if (n > 13)
			return SS_EINVAL;
		t = 0;
		for (p = s; p < end; p++)
			t = t * 10 + (*p - '0');
		if (n >= 12)
			t /= 1000;
		return format_epoch(t, out);
	}

	/* YYYY-MM-DD */
	p = s;
	if (end - p < 10 || !digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
	    *p++ != '-' || !digits(&p, 2, &d))
		return SS_EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > days_in_month(y, (unsigned)mo))
		return SS_EINVAL;

	if (p < end) {
		/* [T ]HH:MM[:SS[.frac]] */
		if (*p != 'T' && *p != 't' && *p != ' ')
			return SS_EINVAL;
		p++;
		if (end - p < 5 || !digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			return SS_EINVAL;
		if (p < end && *p == ':') {
			p++;
			if (end - p < 2 || !digits(&p, 2, &sec))
				return SS_EINVAL;
			if (p < end && *p == '.') {
				const char *f = ++p;
				while (p < end && is_digit(*p))
					p++;
				if (p == f)
					return SS_EINVAL;
			}
		}
		if (h > 23 || mi > 59 || sec > 59)
			return SS_EINVAL;

		/* Z, +HH:MM, +HHMM, +HH or nothing */
		if (p < end && (*p == 'Z' || *p == 'z')) {
			p++;
		} else if (p < end && (*p == '+' || *p == '-')) {
			sign = *p++ == '-' ? -1 : 1;
			if (end - p < 2 || !digits(&p, 2, &oh))
				return SS_EINVAL;
			if (p < end && *p == ':') {
				p++;
				if (end - p < 2 || !digits(&p, 2, &om))
					return SS_EINVAL;
			} else if (end - p >= 2) {
				if (!digits(&p, 2, &om))
					return SS_EINVAL;
			}
			if (oh > 23 || om > 59)
				return SS_EINVAL;
		}
		if (p != end)
			return SS_EINVAL;
	}

	t = util_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= (int64_t)sign * (oh * 3600 + om * 60);
	return format_epoch(t, out);
}

/* ---- money -------------------------------------------------------------- */

int norm_currency_exponent(const char *code)
{
	static const char *const zero[] = {
		"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
		"UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF", NULL
	};
	static const char *const three[] = {
		"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND", NULL
	};
	static const char *const four[] = {"CLF", "UYW", NULL};

	if (!code)
		return 2;
	for (int i = 0; zero[i]; i++) {
		if (util_strcaseeq(code, zero[i]))
			return 0;
	}
	for (int i = 0; three[i]; i++) {
		if (util_strcaseeq(code, three[i]))
			return 3;
	}
	for (int i = 0; four[i]; i++) {
		if (util_strcaseeq(code, four[i]))
			return 4;
	}
	return 2;
}

int norm_money(const char *text, const char *currency, int64_t *minor)
{
	const char *s, *p, *end;
	size_t n;
	int neg = 0, exp, ndigits = 0;
	uint64_t v = 0, limit;

	if (!text)
		return SS_EINVAL;
	trim(text, &s, &n);
	end = s + n;
	p = s;
	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	exp = norm_currency_exponent(currency);

	/* Integer part. */
	while (p < end && is_digit(*p)) {
		unsigned dg = (unsigned)(*p++ - '0');
		if (v > (limit - dg) / 10)
			return SS_EINVAL;
		v = v * 10 + dg;
		ndigits++;
	}
	/* Fraction: the currency's digits are kept, the next one rounds, the
	 * rest only has to be digits. */
	int kept = 0, round_up = 0;
	if (p < end && *p == '.') {
		p++;
		for (int i = 0; p < end && is_digit(*p); p++, i++) {
			unsigned dg = (unsigned)(*p - '0');
			ndigits++;
			if (i < exp) {
				if (v > (limit - dg) / 10)
					return SS_EINVAL;
				v = v * 10 + dg;
				kept++;
			} else if (i == exp) {
				round_up = dg >= 5;
			}
		}
	}
	if (p != end || ndigits == 0)
		return SS_EINVAL;
	for (; kept < exp; kept++) {
		if (v > limit / 10)
			return SS_EINVAL;
		v *= 10;
	}
	if (round_up) {
		if (v >= limit)
			return SS_EINVAL;
		v++;
	}
	if (neg)
		*minor = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*minor = (int64_t)v;
	return 0;
}

int norm_currency(const char *in, char out[4])
{
	if (!in)
		return SS_EINVAL;
	for (int i = 0; i < 3; i++) {
		char c = to_upper(in[i]);
		if (c < 'A' || c > 'Z')
			return SS_EINVAL;
		out[i] = c;
	}
	if (in[3] != '\0')
		return SS_EINVAL;
	out[3] = '\0';
	return 0;
}

/* ---- metric values ------------------------------------------------------ */

int norm_number(const char *text, int *is_int, int64_t *ival, double *dval)
{
	const char *s, *p, *end;
	size_t n;
	char *copy, *stop;
	double dv;
	int neg = 0;

	if (!text)
		return SS_EINVAL;
	trim(text, &s, &n);
	if (n == 0)
		return SS_EINVAL;
	end = s + n;

	/* Integer literal that fits int64? */
	p = s;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (p < end) {
		const char *q = p;
		uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
		int fits = 1;

		while (q < end && is_digit(*q)) {
			unsigned dg = (unsigned)(*q - '0');
			if (v > (limit - dg) / 10)
				fits = 0;
			else
				v = v * 10 + dg;
			q++;
		}
		if (q == end && fits) {
			*is_int = 1;
			*ival = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v)
			            : (int64_t)v;
			return 0;
		}
	}

	/* Plain decimal/exponent notation only: strtod would also take hex,
	 * "inf", "nan" and leading blanks. */
	for (p = s; p < end; p++) {
		if (!is_digit(*p) && *p != '.' && *p != 'e' && *p != 'E' && *p != '+' && *p != '-')
			return SS_EINVAL;
	}
	copy = xstrndup(s, n);
	errno = 0;
	dv = strtod(copy, &stop);
	if (stop == copy || *stop != '\0' || !isfinite(dv)) {
		free(copy);
		return SS_EINVAL;
	}
	free(copy);
	*is_int = 0;
	*dval = dv;
	return 0;
}

/* ---- dims --------------------------------------------------------------- */

char *norm_dims(const char *json, struct ss_err *err)
{
	json_error_t jerr;
	json_t *root;
	const char *s;
	size_t n;
	char *out;

	if (!json)
		return xstrdup("{}");
	trim(json, &s, &n);
	if (n == 0)
		return xstrdup("{}");
	root = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		err_set(err, SS_EINVAL, "dims is not valid JSON: %s (at position %d)", jerr.text,
		    jerr.position);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		err_set(err, SS_EINVAL, "dims must be a JSON object");
		return NULL;
	}
	out = json_dumps(root, JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(root);
	if (!out) {
		err_set(err, SS_EINVAL, "dims could not be serialized");
		return NULL;
	}
	/* json_dumps allocates with jansson's allocator: hand back ours. */
	char *copy = xstrdup(out);
	free(out);
	return copy;
}

/* ---- vocabularies ------------------------------------------------------- */

/* The canonical word equal (case-insensitively) to s[0..n), or NULL. */
static const char *canon_word(const char *s, size_t n, const char *const *canon)
{
	for (int i = 0; canon && canon[i]; i++) {
		if (caseeq_n(s, n, canon[i]))
			return canon[i];
	}
	return NULL;
}

/* The canonical word of the first entry of map whose raw equals s[0..n)
 * (case-insensitively, ignoring surrounding blanks) and whose target is a
 * canonical word; NULL if none. An entry mapping to a non-canonical word
 * is skipped, so a bad override falls back to the defaults. */
static const char *map_lookup(const char *s, size_t n, const struct ss_mapping *map,
    const char *const *canon)
{
	for (int i = 0; map && map[i].raw; i++) {
		const char *r, *v, *w;
		size_t rn, vn, k;

		trim(map[i].raw, &r, &rn);
		if (rn != n || !map[i].normalized)
			continue;
		for (k = 0; k < n && to_lower(r[k]) == to_lower(s[k]); k++)
			;
		if (k != n)
			continue;
		trim(map[i].normalized, &v, &vn);
		w = canon_word(v, vn, canon);
		if (w)
			return w;
	}
	return NULL;
}

const char *norm_map(const char *raw, const struct ss_mapping *overrides,
    const struct ss_mapping *defaults, const char *const *canon)
{
	const char *s, *w;
	size_t n;

	if (!raw)
		return NULL;
	trim(raw, &s, &n);
	if (n == 0)
		return NULL;
	w = map_lookup(s, n, overrides, canon);
	if (!w)
		w = map_lookup(s, n, defaults, canon);
	if (!w)
		w = canon_word(s, n, canon);
	return w;
}
