/*
 * store: the unified store. The interface the rest of the host uses; the
 * embedded SQLite implementation is store_sqlite.c. Tables and columns are
 * the model's (README, "The model"). Records handed in here are already
 * normalized (norm.h); the store only persists and counts.
 *
 * A struct store is one connection: never share it across fork(); a
 * worker process opens its own.
 */
#ifndef SS_STORE_H
#define SS_STORE_H

#include <stdint.h>

#include "util.h"

struct store;

/* Record kinds, also the export/table names. */
enum store_kind { STORE_REPS = 0, STORE_LEADS, STORE_DEALS, STORE_METRICS, STORE_NKINDS };
extern const char *const store_kind_names[STORE_NKINDS]; /* "reps", … */
int store_kind_parse(const char *name, enum store_kind *out);

struct store_counts {
	int64_t inserted, updated, unchanged, deleted;
};

/*
 * Opens (creating if needed) the store at `path`, sets WAL and a busy
 * timeout, and creates or migrates the schema (PRAGMA user_version).
 * Errors name the path: not writable, not a SQLite database, newer schema
 * than this build knows, locked. SS_ERETRY means "locked by another
 * writer, try later". The caller owns *out; free with store_close().
 */
int store_open(const char *path, struct store **out, struct ss_err *err);
void store_close(struct store *st);

/* Schema version this build writes. */
int store_schema_version(void);

/* Transactions. begin is BEGIN IMMEDIATE (takes the write lock now, so a
 * locked store is reported at once rather than mid-batch). */
int store_begin(struct store *st, struct ss_err *err);
int store_commit(struct store *st, struct ss_err *err);
void store_rollback(struct store *st);
int store_in_tx(struct store *st);

/*
 * Upserts keyed by (source, id) (metrics: by source, name, period_start,
 * period_end, dims, rep_email). Adds 1 to exactly one of c->inserted,
 * c->updated, c->unchanged. A record that was deleted = 1 and is emitted
 * again with deleted = 0 comes back (updated). Strings NULL = SQL NULL.
 * Deal: amount_minor NULL means unknown amount. probability < 0 = NULL.
 * Rep/lead active < 0 = NULL.
 * While seen-tracking is on (store_track_begin), each key is also noted.
 */
int store_upsert_rep(struct store *st, const char *source, const struct ss_rep *r,
    struct store_counts *c, struct ss_err *err);
int store_upsert_lead(struct store *st, const char *source, const struct ss_lead *l,
    struct store_counts *c, struct ss_err *err);
int store_upsert_deal(struct store *st, const char *source, const struct ss_deal *d,
    const int64_t *amount_minor, struct store_counts *c, struct ss_err *err);
/* value is numeric: integer when is_int, else dval. dims canonical JSON. */
int store_upsert_metric(struct store *st, const char *source, const struct ss_metric *m,
    int is_int, int64_t ival, double dval, struct store_counts *c, struct ss_err *err);

/*
 * Full-sync bookkeeping: store_track_begin() starts noting every key
 * upserted on this connection (in a temporary table); store_mark_unseen()
 * sets deleted = 1 on every not-yet-deleted rep/lead/deal of `source` that
 * was not noted, adding the numbers to c[kind].deleted (c has STORE_NKINDS
 * entries). Metrics are not soft-deleted (they have no deleted column).
 * Must be called inside a transaction.
 */
int store_track_begin(struct store *st, struct ss_err *err);
int store_mark_unseen(struct store *st, const char *source, struct store_counts *c,
    struct ss_err *err);

/* Cursors. get: *value is a new string (caller frees) or NULL if none. */
int store_cursor_get(struct store *st, const char *source, const char *stream,
    char **value, struct ss_err *err);
int store_cursor_set(struct store *st, const char *source, const char *stream,
    const char *value, struct ss_err *err);
/* Deletes all cursors of source (stream NULL) or one stream. */
int store_cursor_reset(struct store *st, const char *source, const char *stream,
    struct ss_err *err);

/* Runs. status: "running", "ok", "failed", "partial", "cancelled". */
struct store_run {
	int64_t id;
	char instance[128];
	char plugin[64];
	char mode[8];            /* "sync", "full", "check" */
	char started_at[21];
	char finished_at[21];    /* "" while running */
	char status[12];
	struct store_counts counts[STORE_NKINDS];
	int64_t skipped;
	int64_t requests;        /* HTTP requests sent (with retries, token requests) */
	int64_t bytes;           /* HTTP response body bytes */
	int64_t retries;         /* HTTP retries */
	int64_t throttled;       /* HTTP 429 answers */
	int64_t wait_ms;         /* time spent waiting on rate limits and backoff */
	char error[1024];        /* "" if none */
};

/* Inserts a "running" row; *id gets its id. Autocommits (own tx). */
int store_run_start(struct store *st, const char *instance, const char *plugin,
    const char *mode, int64_t *id, struct ss_err *err);
/* Writes counts/skipped/requests of r into run r->id (no tx of its own:
 * inside the caller's transaction if one is open). */
int store_run_progress(struct store *st, const struct store_run *r, struct ss_err *err);
/* Sets status, finished_at = now, and error (NULL = none). Autocommits if
 * no transaction is open. */
int store_run_finish(struct store *st, int64_t id, const char *status,
    const char *error, struct ss_err *err);
/* Reads one run by id. SS_EINVAL if no such run. */
int store_run_get(struct store *st, int64_t id, struct store_run *r, struct ss_err *err);
/* The newest run of instance; returns 1 if found, 0 if none, <0 error. */
int store_run_last(struct store *st, const char *instance, struct store_run *r,
    struct ss_err *err);
/* Oldest updated_at among the instance's cursors ("" if none) into buf. */
int store_cursor_oldest(struct store *st, const char *source, char buf[21],
    struct ss_err *err);

/*
 * Export: calls fn once per row of `kind` in (source, id) order (metrics:
 * source, name, period_start, dims, rep_email), with the model's column
 * names (same array every call) and values as text (NULL for SQL NULL) and
 * their types. source NULL: all sources. Deleted rows only with
 * include_deleted. Stops and returns fn's value if non-zero.
 */
enum store_type { STORE_T_NULL = 0, STORE_T_INT, STORE_T_REAL, STORE_T_TEXT, STORE_T_JSON };
typedef int (*store_row_fn)(void *ud, int ncol, const char *const *names,
    const char *const *values, const enum store_type *types);
int store_export(struct store *st, enum store_kind kind, const char *source,
    int include_deleted, store_row_fn fn, void *ud, struct ss_err *err);

/*
 * Read-only queries for reports. Runs one SELECT (or WITH … SELECT, or
 * VALUES) statement with params[0..nparams-1] bound as text to ?1..?N
 * (a NULL entry binds SQL NULL), and calls fn once per row like
 * store_export: column names as the statement names them, values as text
 * (NULL for SQL NULL) and their types (never STORE_T_JSON: JSON columns
 * come as STORE_T_TEXT). Names and values are borrowed for the call only.
 * Refused with SS_EINVAL before anything runs: SQL that is not a single
 * statement, that does not start with SELECT, WITH or VALUES, or that
 * SQLite says could write. Stops and returns fn's value if non-zero.
 */
int store_query(struct store *st, const char *sql, const char *const *params, int nparams,
    store_row_fn fn, void *ud, struct ss_err *err);

/*
 * Starts a read transaction (BEGIN DEFERRED plus a first read), so that a
 * series of store_query() calls sees one snapshot while a sync commits
 * beside it. End it with store_rollback(). SS_EINVAL if a transaction is
 * already open.
 */
int store_begin_read(struct store *st, struct ss_err *err);

/*
 * The unified views (schema version 2), one row per normalized email:
 *   people        leads of every instance joined by email: the golden
 *                 record (per field the value of the most recently updated
 *                 lead, by updated_at else created_at, that has one; leads
 *                 of instances earlier in the precedence list win first),
 *                 the instances and "source:id" keys it was built from.
 *   reps_unified  the same for reps (CRM owners, LMS learners, …).
 * Deleted records and records without an email take no part.
 */
enum store_unified { STORE_PEOPLE = 0, STORE_REPS_UNIFIED };

/* Calls fn once per row of the view in email order, as store_export. */
int store_export_unified(struct store *st, enum store_unified which, store_row_fn fn,
    void *ud, struct ss_err *err);

/*
 * Sets the precedence of instances for the golden records (the
 * people_precedence table the views read): sources[0] first. Writes only
 * if the stored list differs (so readers normally write nothing); n = 0
 * clears it. Must be called outside a transaction.
 */
int store_set_precedence(struct store *st, const char *const *sources, size_t n,
    struct ss_err *err);

#endif
