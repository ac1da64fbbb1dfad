/* retry: backoff, Retry-After, token bucket: arithmetic only. */
#include "retry.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double rty_backoff(int attempt, double base, double cap, double rnd)
{
	double ceiling = base;

	for (int i = 1; i < attempt && ceiling < cap; i++)
		ceiling *= 2;
	if (ceiling > cap)
		ceiling = cap;
	return ceiling * rnd;
}

static int month_index(const char *m)
{
	static const char *const names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	for (int i = 0; i < 12; i++) {
		if (strncmp(m, names[i], 3) == 0)
			return i + 1;
	}
	return 0;
}

/* HTTP dates, RFC 9110 §5.6.7: IMF-fixdate, RFC 850, asctime. */
static int64_t http_date(const char *s)
{
	char wd[16], mon[4];
	int d, y, h, mi, sec, m;

	if (sscanf(s, "%15[A-Za-z], %d %3s %d %d:%d:%d GMT", wd, &d, mon, &y, &h, &mi, &sec) == 7 ||
	    sscanf(s, "%15[A-Za-z], %d-%3s-%d %d:%d:%d GMT", wd, &d, mon, &y, &h, &mi, &sec) == 7) {
		if (y < 100)
			y += y < 70 ? 2000 : 1900;
	} else if (sscanf(s, "%15[A-Za-z] %3s %d %d:%d:%d %d", wd, mon, &d, &h, &mi, &sec, &y) != 7) {
		return -1;
	}
	if (!(m = month_index(mon)) || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    sec < 0 || sec > 60 || y < 1970 || y > 9999)
		return -1;
	return util_epoch(y, m, d, h, mi, sec);
}

double rty_retry_after(const char *value, int64_t now)
{
	const char *p = value;
	int64_t t;

	if (!value)
		return -1;
	while (isspace((unsigned char)*p))
		p++;
	if (isdigit((unsigned char)*p)) {
		char *end;
		double v = strtod(p, &end);
		while (isspace((unsigned char)*end))
			end++;
		return *end ? -1 : v;
	}
	if ((t = http_date(p)) < 0)
		return -1;
	return t > now ? (double)(t - now) : 0;
}

int rty_bucket_parse(struct rty_bucket *b, const char *spec, double now)
{
	double n, w = 1;
	char unit = 's';
	int consumed = 0;

	memset(b, 0, sizeof *b);
	b->last = now;
	if (!spec || !*spec)
		return 0;
	if (sscanf(spec, "%lf/%n", &n, &consumed) != 1 || consumed == 0 || n <= 0)
		return SS_EINVAL;
	spec += consumed;
	if (isdigit((unsigned char)*spec)) {
		char *end;
		w = strtod(spec, &end);
		spec = end;
	}
	if (*spec) {
		unit = *spec++;
		if (*spec)
			return SS_EINVAL;
	}
	switch (unit) {
	case 's': break;
	case 'm': w *= 60; break;
	case 'h': w *= 3600; break;
	case 'd': w *= 86400; break;
	default: return SS_EINVAL;
	}
	if (w <= 0)
		return SS_EINVAL;
	b->capacity = n;
	b->window = w;
	b->tokens = n;
	return 0;
}

static void refill(struct rty_bucket *b, double now)
{
	if (now > b->last) {
		b->tokens += (now - b->last) * b->capacity / b->window;
		if (b->tokens > b->capacity)
			b->tokens = b->capacity;
		b->last = now;
	}
}

double rty_bucket_wait(struct rty_bucket *b, double now)
{
	double wait = b->blocked_until > now ? b->blocked_until - now : 0;

	if (b->capacity > 0) {
		refill(b, now);
		if (b->tokens < 1) {
			double need = (1 - b->tokens) * b->window / b->capacity;
			if (need > wait)
				wait = need;
		}
	}
	return wait;
}

void rty_bucket_take(struct rty_bucket *b, double now)
{
	if (b->capacity > 0) {
		refill(b, now);
		b->tokens -= 1;
	}
}

void rty_bucket_observe(struct rty_bucket *b, double now, int64_t remaining, double reset)
{
	if (remaining != 0)
		return;
	if (reset < 0)
		reset = b->window > 0 ? b->window : 1;
	if (now + reset > b->blocked_until)
		b->blocked_until = now + reset;
}

double rty_reset_seconds(const char *value, int64_t now)
{
	char *end;
	double v;

	if (!value || !*value)
		return -1;
	v = strtod(value, &end);
	if (end == value || *end)
		return -1;
	if (v > 1e9)
		return v > (double)now ? v - (double)now : 0;
	return v < 0 ? 0 : v;
}
