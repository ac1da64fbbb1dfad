/*
 * util: small helpers every host module uses: the error buffer, allocation
 * that aborts on exhaustion, and parsers for the value types of the INI file.
 */
#ifndef SS_UTIL_H
#define SS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "../sdk/salesync/plugin.h"

/*
 * One way to report errors inside the host: functions return 0 or a
 * negative SS_E* code and write the human-readable detail into a caller
 * owned struct ss_err (may be NULL when the caller does not care).
 */
struct ss_err {
	char msg[2048];
};

/* Formats into e->msg (if e) and returns code. */
int err_set(struct ss_err *e, int code, const char *fmt, ...) SS_PRINTF(3, 4);

/* Allocation that aborts the process on exhaustion: a sync worker or a CLI
 * run has nothing useful to do without memory. Caller frees with free(). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);           /* NULL in, NULL out */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) SS_PRINTF(1, 2);

/* Parsers: 0 on success, SS_EINVAL if `s` is not of the type. */
int util_parse_int64(const char *s, int64_t *out);
int util_parse_bool(const char *s, int *out);          /* true/false yes/no on/off 1/0 */
int util_parse_duration(const char *s, int64_t *secs);  /* 90, 30s, 15m, 1h, 1d, 1h30m */

/* Current UTC time as "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21 bytes). */
void util_now_iso(char buf[21]);
/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t util_days_from_civil(int64_t y, unsigned m, unsigned d);
void util_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Seconds since the epoch of a UTC civil time (fields not range-checked). */
int64_t util_epoch(int y, int mo, int d, int h, int mi, int s);
/* Seconds since the epoch for a "YYYY-MM-DDTHH:MM:SSZ" text, or -1. */
int64_t util_iso_to_epoch(const char *iso);

/* Case-insensitive ASCII comparison (locale-independent). */
int util_strcaseeq(const char *a, const char *b);

/* Growable string buffer (git's strbuf, minimal). buf is always
 * NUL-terminated once anything was added; free with sb_free(). */
struct sb {
	char *buf;
	size_t len, cap;
};
void sb_add(struct sb *b, const char *s, size_t n);
void sb_adds(struct sb *b, const char *s);
void sb_addc(struct sb *b, char c);
void sb_addf(struct sb *b, const char *fmt, ...) SS_PRINTF(2, 3);
void sb_reset(struct sb *b);
void sb_free(struct sb *b);

#endif
