/*
 * retry: the pure arithmetic of being a good HTTP citizen: backoff delays
 * with full jitter, Retry-After parsing, a token bucket for `rate_limit =`,
 * and adapting to a tool's remaining/reset headers. No I/O and no clock
 * of its own: callers pass `now`, so tests control time.
 */
#ifndef SS_RETRY_H
#define SS_RETRY_H

#include <stdint.h>

#include "util.h"

/* Backoff before attempt number `attempt` (1 = the first retry): a
 * uniformly random delay in [0, min(cap, base * 2^(attempt-1))] ("full
 * jitter"), with rnd in [0, 1). Seconds. */
double rty_backoff(int attempt, double base, double cap, double rnd);

/*
 * Parses a Retry-After value: delta seconds ("120") or an HTTP date
 * ("Wed, 21 Oct 2026 07:28:00 GMT", also RFC 850 and asctime forms).
 * Returns the seconds to wait from `now` (epoch seconds; a date in the
 * past gives 0), or -1 if the value is neither.
 */
double rty_retry_after(const char *value, int64_t now);

/* A token bucket: `capacity` requests per `window` seconds. */
struct rty_bucket {
	double capacity;   /* 0: unlimited */
	double window;
	double tokens;
	double last;       /* time of the last refill */
	double blocked_until; /* from the tool's own headers */
};

/* Parses "100/10s", "5/s", "600/1m", "10000/1d" into b (full bucket at
 * time now). NULL or "" gives an unlimited bucket. SS_EINVAL otherwise. */
int rty_bucket_parse(struct rty_bucket *b, const char *spec, double now);

/* Seconds to wait before a request may go at time now (0: go now). */
double rty_bucket_wait(struct rty_bucket *b, double now);

/* Takes one token at time now (after waiting rty_bucket_wait). */
void rty_bucket_take(struct rty_bucket *b, double now);

/*
 * Adapts to what the tool said about its own limit: `remaining` requests
 * left (-1 unknown) and `reset` seconds until the window resets (-1
 * unknown). When nothing remains, requests wait until the reset (or one
 * window when the reset is unknown).
 */
void rty_bucket_observe(struct rty_bucket *b, double now, int64_t remaining, double reset);

/* A reset header value: seconds from now, or an epoch timestamp (values
 * above 1e9 are taken as epoch seconds). -1 if not a number. */
double rty_reset_seconds(const char *value, int64_t now);

#endif
