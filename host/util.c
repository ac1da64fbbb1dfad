/* util: error buffer, aborting allocators, value parsers, string buffer. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int err_set(struct ss_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return code;
}

static void *oom(size_t n)
{
	fprintf(stderr, "salesync: out of memory (%zu bytes)\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	return p ? p : oom(n);
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	return p ? p : oom(n * size);
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	return q ? q : oom(n);
}

char *xstrdup(const char *s)
{
	return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return xstrdup("");
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

int util_parse_int64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return SS_EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return SS_EINVAL;
	*out = (int64_t)v;
	return 0;
}

int util_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {"1", "true", "yes", "on", NULL};
	static const char *const no[] = {"0", "false", "no", "off", NULL};

	for (int i = 0; s && yes[i]; i++) {
		if (util_strcaseeq(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (util_strcaseeq(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return SS_EINVAL;
}

int util_parse_duration(const char *s, int64_t *secs)
{
	int64_t total = 0;
	const char *p = s;

	if (!s || !*s)
		return SS_EINVAL;
	while (*p) {
		int64_t n = 0, unit;
		const char *start = p;

		while (isdigit((unsigned char)*p)) {
			if (n > INT64_MAX / 10 - 9)
				return SS_EINVAL;
			n = n * 10 + (*p++ - '0');
		}
		if (p == start)
			return SS_EINVAL;
		switch (*p) {
		case 's': unit = 1; p++; break;
		case 'm': unit = 60; p++; break;
		case 'h': unit = 3600; p++; break;
		case 'd': unit = 86400; p++; break;
		case '\0':
			if (start != s) /* "1h30" is ambiguous */
				return SS_EINVAL;
			unit = 1;
			break;
		default:
			return SS_EINVAL;
		}
		if (n > (INT64_MAX - total) / unit)
			return SS_EINVAL;
		total += n * unit;
	}
	*secs = total;
	return 0;
}

void util_now_iso(char buf[21])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The SDK's inline calendar arithmetic, for the host's own use. */
int64_t util_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	return ss_days_from_civil(y, m, d);
}

void util_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	ss_civil_from_days(z, y, m, d);
}

int64_t util_epoch(int y, int mo, int d, int h, int mi, int s)
{
	return util_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
}

int64_t util_iso_to_epoch(const char *iso)
{
	int y, mo, d, h, mi, s;

	if (!iso || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &s) != 6)
		return -1;
	return util_epoch(y, mo, d, h, mi, s);
}

int util_strcaseeq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	}
	return *a == *b;
}

static void sb_grow(struct sb *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap * 2 : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->buf = xrealloc(b->buf, cap);
	b->cap = cap;
}

void sb_add(struct sb *b, const char *s, size_t n)
{
	sb_grow(b, n);
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void sb_adds(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

void sb_addc(struct sb *b, char c)
{
	sb_add(b, &c, 1);
}

void sb_addf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	sb_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_reset(struct sb *b)
{
	b->len = 0;
	if (b->buf)
		b->buf[0] = '\0';
}

void sb_free(struct sb *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
}
