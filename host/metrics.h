/*
 * metrics: run metrics in the Prometheus text format (runs by result,
 * records by kind and change, HTTP requests, retries and 429s, the last
 * run's duration, the last success per instance), computed from the runs
 * table. Printed by `salesync metrics` and served by the daemon's
 * metrics_listen endpoint.
 */
#ifndef SS_METRICS_H
#define SS_METRICS_H

#include "store.h"

/* Appends the exposition text to out. */
int mtr_write(struct store *st, struct sb *out, struct ss_err *err);

#endif
