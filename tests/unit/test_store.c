/* Unit tests for host/store_sqlite.c (through store.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"

/* ---- fixture ------------------------------------------------------------ */

struct fx {
	char dir[64];
	char *path;
	struct store *st;
	struct ss_err err;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);

	snprintf(f->dir, sizeof f->dir, "/tmp/ss-test-store-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->path = xasprintf("%s/salesync.db", f->dir);
	*state = f;
	return 0;
}

/* setup + an open store */
static int setup_open(void **state)
{
	struct fx *f;

	if (setup(state))
		return -1;
	f = *state;
	if (store_open(f->path, &f->st, &f->err) != 0) {
		fprintf(stderr, "store_open: %s\n", f->err.msg);
		return -1;
	}
	return 0;
}

static void rm_f(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	unlink(p);
	free(p);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->st);
	rm_f(f->dir, "salesync.db");
	rm_f(f->dir, "salesync.db-wal");
	rm_f(f->dir, "salesync.db-shm");
	rm_f(f->dir, "other.db");
	rm_f(f->dir, "text.db");
	rmdir(f->dir);
	free(f->path);
	free(f);
	return 0;
}

/* A raw connection for checking what is (or is not) committed. */
static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Column names of a table, comma-separated. */
static char *raw_columns(sqlite3 *db, const char *table)
{
	struct sb b = {0};
	sqlite3_stmt *s;
	char *sql = xasprintf("SELECT name FROM pragma_table_info('%s') ORDER BY cid", table);

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW)
		sb_addf(&b, "%s%s", b.len ? "," : "", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	free(sql);
	return b.buf ? b.buf : xstrdup("");
}

/* ---- export collector --------------------------------------------------- */

/* Rows as "v|v|v" lines (NULL as ~), types as one letter each. */
struct rows {
	struct sb text;
	struct sb types;
	struct sb header;
	int n;
	int stop_after; /* return 7 after this many rows (0: never) */
};

static int collect(void *ud, int ncol, const char *const *names, const char *const *values,
    const enum store_type *types)
{
	static const char tc[] = "NIRTJ";
	struct rows *r = ud;

	if (r->n == 0) {
		for (int i = 0; i < ncol; i++)
			sb_addf(&r->header, "%s%s", i ? "," : "", names[i]);
	}
	for (int i = 0; i < ncol; i++) {
		sb_addf(&r->text, "%s%s", i ? "|" : "", values[i] ? values[i] : "~");
		/* NULL values must come with the NULL type and vice versa. */
		assert_true((values[i] == NULL) == (types[i] == STORE_T_NULL));
		sb_addc(&r->types, tc[types[i]]);
	}
	sb_addc(&r->text, '\n');
	sb_addc(&r->types, '\n');
	r->n++;
	return r->stop_after && r->n >= r->stop_after ? 7 : 0;
}

static void rows_free(struct rows *r)
{
	sb_free(&r->text);
	sb_free(&r->types);
	sb_free(&r->header);
	memset(r, 0, sizeof *r);
}

static const char *rows_text(struct rows *r)
{
	return r->text.buf ? r->text.buf : "";
}

static void export_all(struct fx *f, enum store_kind kind, const char *source, int del,
    struct rows *r)
{
	int rc = store_export(f->st, kind, source, del, collect, r, &f->err);

	if (rc != 0)
		fail_msg("store_export: %d %s", rc, f->err.msg);
}

/* ---- helpers for records ------------------------------------------------ */

static void put_rep(struct fx *f, const char *source, const struct ss_rep *r,
    struct store_counts *c)
{
	int rc = store_upsert_rep(f->st, source, r, c, &f->err);

	if (rc != 0)
		fail_msg("store_upsert_rep: %d %s", rc, f->err.msg);
}

static void assert_counts(const struct store_counts *c, int64_t ins, int64_t upd,
    int64_t unch, int64_t del)
{
	if (c->inserted != ins || c->updated != upd || c->unchanged != unch || c->deleted != del)
		fail_msg("counts %lld/%lld/%lld/%lld, want %lld/%lld/%lld/%lld",
		    (long long)c->inserted, (long long)c->updated, (long long)c->unchanged,
		    (long long)c->deleted, (long long)ins, (long long)upd, (long long)unch,
		    (long long)del);
}

/* ---- tests: open, schema, errors ---------------------------------------- */

static void test_kind_names(void **state)
{
	enum store_kind k;

	(void)state;
	assert_string_equal(store_kind_names[STORE_REPS], "reps");
	assert_string_equal(store_kind_names[STORE_LEADS], "leads");
	assert_string_equal(store_kind_names[STORE_DEALS], "deals");
	assert_string_equal(store_kind_names[STORE_METRICS], "metrics");
	assert_int_equal(store_kind_parse("deals", &k), 0);
	assert_int_equal(k, STORE_DEALS);
	assert_int_equal(store_kind_parse("metrics", &k), 0);
	assert_int_equal(k, STORE_METRICS);
	assert_int_equal(store_kind_parse("users", &k), SS_EINVAL);
	assert_int_equal(store_kind_parse(NULL, &k), SS_EINVAL);
}

static void test_open_creates_schema(void **state)
{
	struct fx *f = *state;
	sqlite3 *db;
	char *cols;

	assert_int_equal(store_schema_version(), 3);
	assert_int_equal(store_open(f->path, &f->st, &f->err), 0);
	assert_non_null(f->st);
	assert_false(store_in_tx(f->st));

	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), store_schema_version());
	{
		sqlite3_stmt *s;
		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), 0);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
		sqlite3_finalize(s);
	}
	cols = raw_columns(db, "reps");
	assert_string_equal(cols, "source,id,email,name,team,active,created_at,updated_at,deleted");
	free(cols);
	cols = raw_columns(db, "leads");
	assert_string_equal(cols, "source,id,email,first_name,last_name,company,title,phone,"
	    "status,status_raw,channel,owner_id,created_at,updated_at,last_activity_at,"
	    "converted_at,deleted,extra");
	free(cols);
	cols = raw_columns(db, "deals");
	assert_string_equal(cols, "source,id,name,amount_minor,currency,stage,stage_raw,"
	    "probability,close_date,owner_id,lead_id,created_at,updated_at,closed_at,deleted,"
	    "extra");
	free(cols);
	cols = raw_columns(db, "metrics");
	assert_string_equal(cols, "source,name,value,unit,period_start,period_end,dims,"
	    "rep_email,updated_at");
	free(cols);
	cols = raw_columns(db, "cursors");
	assert_string_equal(cols, "source,stream,value,updated_at");
	free(cols);
	cols = raw_columns(db, "runs");
	assert_string_equal(cols, "id,instance,plugin,mode,started_at,finished_at,status,"
	    "reps_inserted,reps_updated,reps_unchanged,reps_deleted,"
	    "leads_inserted,leads_updated,leads_unchanged,leads_deleted,"
	    "deals_inserted,deals_updated,deals_unchanged,deals_deleted,"
	    "metrics_inserted,metrics_updated,metrics_unchanged,metrics_deleted,"
	    "skipped,requests,error,bytes,retries,throttled,wait_ms");
	free(cols);
	/* The indexes reports rely on. */
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
	    " AND name IN ('reps_email', 'leads_email', 'leads_owner', 'deals_owner',"
	    " 'metrics_key')"), 5);
	sqlite3_close(db);
}

static void test_reopen(void **state)
{
	struct fx *f = *state;
	struct ss_rep r = SS_REP_INIT;
	struct store_counts c = {0};
	struct rows rows = {0};

	assert_int_equal(store_open(f->path, &f->st, &f->err), 0);
	r.id = "u1";
	r.email = "a@x.io";
	put_rep(f, "crm", &r, &c);
	store_close(f->st);
	f->st = NULL;

	assert_int_equal(store_open(f->path, &f->st, &f->err), 0);
	export_all(f, STORE_REPS, NULL, 0, &rows);
	assert_int_equal(rows.n, 1);
	assert_string_equal(rows_text(&rows), "crm|u1|a@x.io|~|~|~|~|~|0\n");
	rows_free(&rows);
	/* Re-emitting after the reopen is unchanged (statements re-prepared). */
	memset(&c, 0, sizeof c);
	put_rep(f, "crm", &r, &c);
	assert_counts(&c, 0, 0, 1, 0);
	store_close(f->st);
	f->st = NULL;

	/* A second open of the same file at the same time works too. */
	{
		struct store *a = NULL, *b = NULL;
		assert_int_equal(store_open(f->path, &a, &f->err), 0);
		assert_int_equal(store_open(f->path, &b, &f->err), 0);
		store_close(a);
		store_close(b);
	}
}

static void test_migrate_empty_db(void **state)
{
	struct fx *f = *state;
	sqlite3 *db;

	/* An existing, empty SQLite file (user_version 0) gets the schema. */
	db = raw_open(f->path);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 0", NULL, NULL, NULL), 0);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 0);
	sqlite3_close(db);
	{
		FILE *fp = fopen(f->path, "ab"); /* an empty file is a valid empty DB */
		assert_non_null(fp);
		fclose(fp);
	}
	assert_int_equal(store_open(f->path, &f->st, &f->err), 0);
	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
	    " AND name IN ('reps','leads','deals','metrics','cursors','runs')"), 6);
	sqlite3_close(db);
}

static void test_newer_schema_refused(void **state)
{
	struct fx *f = *state;
	sqlite3 *db;
	int rc;

	assert_int_equal(store_open(f->path, &f->st, &f->err), 0);
	store_close(f->st);
	f->st = NULL;
	db = raw_open(f->path);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), 0);
	sqlite3_close(db);

	f->err.msg[0] = '\0';
	rc = store_open(f->path, &f->st, &f->err);
	assert_true(rc < 0);
	assert_null(f->st);
	assert_non_null(strstr(f->err.msg, f->path));
	assert_non_null(strstr(f->err.msg, "99"));
	assert_non_null(strstr(f->err.msg, "newer"));
}

static void test_not_sqlite(void **state)
{
	struct fx *f = *state;
	char *path = xasprintf("%s/text.db", f->dir);
	char *want;
	FILE *fp = fopen(path, "w");
	int rc;

	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("source,id,email\ncrm,1,a@x.io\n", fp);
	fclose(fp);
	rc = store_open(path, &f->st, &f->err);
	assert_true(rc < 0);
	assert_int_not_equal(rc, SS_ERETRY);
	assert_null(f->st);
	want = xasprintf("%s is not a salesync store (not an SQLite database)", path);
	assert_string_equal(f->err.msg, want);
	free(want);
	free(path);
}

static void test_foreign_sqlite_refused(void **state)
{
	struct fx *f = *state;
	char *path = xasprintf("%s/other.db", f->dir);
	sqlite3 *db = raw_open(path);
	int rc;

	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), 0);
	sqlite3_close(db);
	rc = store_open(path, &f->st, &f->err);
	assert_true(rc < 0);
	assert_non_null(strstr(f->err.msg, path));
	assert_non_null(strstr(f->err.msg, "not a salesync store"));
	/* It was not touched. */
	db = raw_open(path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_schema"), 1);
	sqlite3_close(db);
	free(path);
}

static void test_unwritable_dir(void **state)
{
	struct fx *f = *state;
	char *path = xasprintf("%s/no/such/dir/salesync.db", f->dir);
	int rc;

	rc = store_open(path, &f->st, &f->err);
	assert_true(rc < 0);
	assert_null(f->st);
	assert_non_null(strstr(f->err.msg, path));
	free(path);

	if (geteuid() != 0) { /* root ignores permissions */
		char *ro = xasprintf("%s/ro", f->dir);
		assert_int_equal(mkdir(ro, 0500), 0);
		path = xasprintf("%s/salesync.db", ro);
		rc = store_open(path, &f->st, &f->err);
		assert_true(rc < 0);
		assert_null(f->st);
		assert_non_null(strstr(f->err.msg, path));
		rmdir(ro);
		free(path);
		free(ro);
	}
	assert_int_equal(store_open("", &f->st, &f->err), SS_EINVAL);
}

static void test_locked(void **state)
{
	struct fx *f = *state;
	sqlite3 *db;
	char *want;

	db = raw_open(f->path);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), 0);
	/* Opening an already migrated store needs no write lock. */
	assert_int_equal(store_begin(f->st, &f->err), SS_ERETRY); /* waits the busy timeout */
	want = xasprintf("store %s is locked by another writer", f->path);
	assert_string_equal(f->err.msg, want);
	free(want);
	assert_false(store_in_tx(f->st));
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), 0);
	sqlite3_close(db);
	/* Free again: works. */
	assert_int_equal(store_begin(f->st, &f->err), 0);
	assert_true(store_in_tx(f->st));
	assert_int_equal(store_commit(f->st, &f->err), 0);
	assert_false(store_in_tx(f->st));
}

static void test_tx_misuse(void **state)
{
	struct fx *f = *state;

	assert_int_equal(store_commit(f->st, &f->err), SS_EINVAL);
	assert_int_equal(store_begin(f->st, &f->err), 0);
	assert_int_equal(store_begin(f->st, &f->err), SS_EINVAL);
	store_rollback(f->st);
	assert_false(store_in_tx(f->st));
	store_rollback(f->st); /* harmless without a transaction */
}

/* ---- tests: upserts ----------------------------------------------------- */

static void test_rep_counts(void **state)
{
	struct fx *f = *state;
	struct ss_rep r = SS_REP_INIT;
	struct store_counts c = {0};
	struct rows rows = {0};

	assert_int_equal(store_begin(f->st, &f->err), 0);
	r.id = "o1";
	r.email = "ann@x.io";
	r.name = "Ann";
	r.active = 1;
	r.updated_at = "2026-01-01T00:00:00Z";
	put_rep(f, "crm", &r, &c);
	assert_counts(&c, 1, 0, 0, 0);
	put_rep(f, "crm", &r, &c); /* same: unchanged */
	assert_counts(&c, 1, 0, 1, 0);
	r.name = "Ann B.";
	put_rep(f, "crm", &r, &c); /* changed */
	assert_counts(&c, 1, 1, 1, 0);
	r.team = "EMEA";
	put_rep(f, "crm", &r, &c); /* NULL -> value */
	assert_counts(&c, 1, 2, 1, 0);
	r.team = NULL;
	put_rep(f, "crm", &r, &c); /* value -> NULL */
	assert_counts(&c, 1, 3, 1, 0);
	r.active = -1;
	put_rep(f, "crm", &r, &c); /* 1 -> NULL */
	assert_counts(&c, 1, 4, 1, 0);
	put_rep(f, "crm", &r, &c);
	assert_counts(&c, 1, 4, 2, 0);
	/* Same id, other source: a new record. */
	put_rep(f, "hr", &r, &c);
	assert_counts(&c, 2, 4, 2, 0);
	/* The tool reports it deleted: updated. */
	r.deleted = 1;
	put_rep(f, "crm", &r, &c);
	assert_counts(&c, 2, 5, 2, 0);
	put_rep(f, "crm", &r, &c);
	assert_counts(&c, 2, 5, 3, 0);
	export_all(f, STORE_REPS, "crm", 0, &rows);
	assert_int_equal(rows.n, 0); /* deleted rows hidden */
	rows_free(&rows);
	/* Re-emitted with deleted = 0: back, counted updated. */
	r.deleted = 0;
	put_rep(f, "crm", &r, &c);
	assert_counts(&c, 2, 6, 3, 0);
	assert_int_equal(store_commit(f->st, &f->err), 0);

	export_all(f, STORE_REPS, NULL, 0, &rows);
	assert_string_equal(rows.header.buf,
	    "source,id,email,name,team,active,created_at,updated_at,deleted");
	assert_string_equal(rows_text(&rows),
	    "crm|o1|ann@x.io|Ann B.|~|~|~|2026-01-01T00:00:00Z|0\n"
	    "hr|o1|ann@x.io|Ann B.|~|~|~|2026-01-01T00:00:00Z|0\n");
	assert_string_equal(rows.types.buf, "TTTTNNNTI\nTTTTNNNTI\n");
	rows_free(&rows);

	/* Missing id or source is refused. */
	r.id = NULL;
	assert_int_equal(store_upsert_rep(f->st, "crm", &r, &c, &f->err), SS_EINVAL);
	r.id = "x";
	assert_int_equal(store_upsert_rep(f->st, NULL, &r, &c, &f->err), SS_EINVAL);
	assert_counts(&c, 2, 6, 3, 0);
}

static void test_lead_counts_and_export(void **state)
{
	struct fx *f = *state;
	struct ss_lead l = SS_LEAD_INIT;
	struct store_counts c = {0};
	struct rows rows = {0};

	assert_int_equal(store_begin(f->st, &f->err), 0);
	l.id = "L2";
	l.email = "zed@y.io";
	l.first_name = "Zed";
	l.status = "new";
	l.status_raw = "Open - Not Contacted";
	l.extra = "{\"score\":5}";
	assert_int_equal(store_upsert_lead(f->st, "crm", &l, &c, &f->err), 0);
	l.id = "L1";
	l.extra = NULL;
	l.owner_id = "o1";
	assert_int_equal(store_upsert_lead(f->st, "crm", &l, &c, &f->err), 0);
	assert_counts(&c, 2, 0, 0, 0);
	assert_int_equal(store_upsert_lead(f->st, "crm", &l, &c, &f->err), 0);
	assert_counts(&c, 2, 0, 1, 0);
	l.extra = "{}"; /* NULL -> {} is a change */
	assert_int_equal(store_upsert_lead(f->st, "crm", &l, &c, &f->err), 0);
	assert_counts(&c, 2, 1, 1, 0);
	l.last_activity_at = "2026-02-01T10:00:00Z";
	l.converted_at = "2026-02-02T10:00:00Z";
	l.status = "converted";
	assert_int_equal(store_upsert_lead(f->st, "crm", &l, &c, &f->err), 0);
	assert_counts(&c, 2, 2, 1, 0);
	assert_int_equal(store_commit(f->st, &f->err), 0);

	export_all(f, STORE_LEADS, NULL, 0, &rows);
	assert_int_equal(rows.n, 2);
	assert_string_equal(rows.header.buf, "source,id,email,first_name,last_name,company,title,"
	    "phone,status,status_raw,channel,owner_id,created_at,updated_at,last_activity_at,"
	    "converted_at,deleted,extra");
	assert_string_equal(rows_text(&rows),
	    "crm|L1|zed@y.io|Zed|~|~|~|~|converted|Open - Not Contacted|~|o1|~|~|"
	    "2026-02-01T10:00:00Z|2026-02-02T10:00:00Z|0|{}\n"
	    "crm|L2|zed@y.io|Zed|~|~|~|~|new|Open - Not Contacted|~|~|~|~|~|~|0|{\"score\":5}\n");
	assert_string_equal(rows.types.buf,
	    "TTTTNNNNTTNTNNTTIJ\n"
	    "TTTTNNNNTTNNNNNNIJ\n");
	rows_free(&rows);
}

static void test_deal_counts_and_export(void **state)
{
	struct fx *f = *state;
	struct ss_deal d = SS_DEAL_INIT;
	struct store_counts c = {0};
	struct rows rows = {0};
	int64_t amount = 1250000;

	assert_int_equal(store_begin(f->st, &f->err), 0);
	d.id = "D1";
	d.name = "Big one";
	d.currency = "USD";
	d.stage = "open";
	d.stage_raw = "Negotiation";
	d.probability = 0.25;
	assert_int_equal(store_upsert_deal(f->st, "crm", &d, &amount, &c, &f->err), 0);
	assert_counts(&c, 1, 0, 0, 0);
	assert_int_equal(store_upsert_deal(f->st, "crm", &d, &amount, &c, &f->err), 0);
	assert_counts(&c, 1, 0, 1, 0);
	amount = 1250001;
	assert_int_equal(store_upsert_deal(f->st, "crm", &d, &amount, &c, &f->err), 0);
	assert_counts(&c, 1, 1, 1, 0);
	/* Unknown amount and probability are NULL; a change from a value. */
	d.probability = -1;
	assert_int_equal(store_upsert_deal(f->st, "crm", &d, NULL, &c, &f->err), 0);
	assert_counts(&c, 1, 2, 1, 0);
	assert_int_equal(store_upsert_deal(f->st, "crm", &d, NULL, &c, &f->err), 0);
	assert_counts(&c, 1, 2, 2, 0);
	d.id = "D0";
	d.probability = 1;
	d.extra = "{\"a\":[1,2]}";
	amount = -5;
	assert_int_equal(store_upsert_deal(f->st, "crm", &d, &amount, &c, &f->err), 0);
	assert_counts(&c, 2, 2, 2, 0);
	assert_int_equal(store_commit(f->st, &f->err), 0);

	export_all(f, STORE_DEALS, "crm", 0, &rows);
	assert_string_equal(rows.header.buf, "source,id,name,amount_minor,currency,stage,"
	    "stage_raw,probability,close_date,owner_id,lead_id,created_at,updated_at,closed_at,"
	    "deleted,extra");
	assert_string_equal(rows_text(&rows),
	    "crm|D0|Big one|-5|USD|open|Negotiation|1.0|~|~|~|~|~|~|0|{\"a\":[1,2]}\n"
	    "crm|D1|Big one|~|USD|open|Negotiation|~|~|~|~|~|~|~|0|~\n");
	assert_string_equal(rows.types.buf,
	    "TTTITTTRNNNNNNIJ\n"
	    "TTTNTTTNNNNNNNIN\n");
	rows_free(&rows);
}

static void put_metric(struct fx *f, const char *source, const struct ss_metric *m,
    int is_int, int64_t iv, double dv, struct store_counts *c)
{
	int rc = store_upsert_metric(f->st, source, m, is_int, iv, dv, c, &f->err);

	if (rc != 0)
		fail_msg("store_upsert_metric: %d %s", rc, f->err.msg);
}

static void test_metric_replace(void **state)
{
	struct fx *f = *state;
	struct ss_metric m = SS_METRIC_INIT;
	struct store_counts c = {0};
	struct rows rows = {0};

	assert_int_equal(store_begin(f->st, &f->err), 0);
	m.name = "web.sessions";
	m.period_start = "2026-01-01T00:00:00Z";
	m.period_end = "2026-01-02T00:00:00Z";
	m.dims = "{\"channel\":\"ads\"}";
	put_metric(f, "ga", &m, 1, 10, 0, &c);
	assert_counts(&c, 1, 0, 0, 0);
	put_metric(f, "ga", &m, 1, 10, 0, &c); /* same value: unchanged */
	assert_counts(&c, 1, 0, 1, 0);
	put_metric(f, "ga", &m, 1, 12, 0, &c); /* replaces, never adds */
	assert_counts(&c, 1, 1, 1, 0);
	put_metric(f, "ga", &m, 0, 0, 12.0, &c); /* 12.0 == 12 */
	assert_counts(&c, 1, 1, 2, 0);
	/* rep_email NULL twice: the same key. */
	m.dims = "{}";
	put_metric(f, "ga", &m, 0, 0, 0.5, &c);
	assert_counts(&c, 2, 1, 2, 0);
	put_metric(f, "ga", &m, 0, 0, 0.75, &c);
	assert_counts(&c, 2, 2, 2, 0);
	m.dims = NULL; /* NULL dims is {} */
	put_metric(f, "ga", &m, 0, 0, 0.75, &c);
	assert_counts(&c, 2, 2, 3, 0);
	/* With a rep: another key, and again the same one. */
	m.rep_email = "ann@x.io";
	put_metric(f, "ga", &m, 1, 3, 0, &c);
	assert_counts(&c, 3, 2, 3, 0);
	put_metric(f, "ga", &m, 1, 4, 0, &c);
	assert_counts(&c, 3, 3, 3, 0);
	/* Another period: a new key. */
	m.period_end = "2026-01-03T00:00:00Z";
	put_metric(f, "ga", &m, 1, 4, 0, &c);
	assert_counts(&c, 4, 3, 3, 0);
	/* unit/updated_at changes count as updates. */
	m.unit = "sessions";
	put_metric(f, "ga", &m, 1, 4, 0, &c);
	assert_counts(&c, 4, 4, 3, 0);
	assert_int_equal(store_commit(f->st, &f->err), 0);

	export_all(f, STORE_METRICS, NULL, 0, &rows);
	assert_int_equal(rows.n, 4);
	assert_string_equal(rows.header.buf, "source,name,value,unit,period_start,period_end,"
	    "dims,rep_email,updated_at");
	/* Ordered by source, name, period_start, dims (as text), rep_email. */
	assert_string_equal(rows_text(&rows),
	    "ga|web.sessions|12|~|2026-01-01T00:00:00Z|2026-01-02T00:00:00Z|"
	    "{\"channel\":\"ads\"}|~|~\n"
	    "ga|web.sessions|0.75|~|2026-01-01T00:00:00Z|2026-01-02T00:00:00Z|{}|~|~\n"
	    "ga|web.sessions|4|~|2026-01-01T00:00:00Z|2026-01-02T00:00:00Z|{}|ann@x.io|~\n"
	    "ga|web.sessions|4|sessions|2026-01-01T00:00:00Z|2026-01-03T00:00:00Z|{}|ann@x.io|~\n");
	assert_string_equal(rows.types.buf,
	    "TTINTTJNN\n"
	    "TTRNTTJNN\n"
	    "TTINTTJTN\n"
	    "TTITTTJTN\n");
	rows_free(&rows);

	/* Missing required parts. */
	m.period_start = NULL;
	assert_int_equal(store_upsert_metric(f->st, "ga", &m, 1, 1, 0, &c, &f->err), SS_EINVAL);
	m.period_start = "2026-01-01T00:00:00Z";
	m.name = NULL;
	assert_int_equal(store_upsert_metric(f->st, "ga", &m, 1, 1, 0, &c, &f->err), SS_EINVAL);
	assert_counts(&c, 4, 4, 3, 0);
}

static void test_rollback_leaves_nothing(void **state)
{
	struct fx *f = *state;
	struct ss_rep r = SS_REP_INIT;
	struct ss_metric m = SS_METRIC_INIT;
	struct store_counts c = {0};
	struct rows rows = {0};
	char *v = NULL;

	assert_int_equal(store_begin(f->st, &f->err), 0);
	r.id = "a";
	put_rep(f, "crm", &r, &c);
	m.name = "x";
	m.period_start = m.period_end = "2026-01-01T00:00:00Z";
	assert_int_equal(store_upsert_metric(f->st, "crm", &m, 1, 1, 0, &c, &f->err), 0);
	assert_int_equal(store_cursor_set(f->st, "crm", "reps", "c1", &f->err), 0);
	store_rollback(f->st);
	assert_false(store_in_tx(f->st));

	for (int k = 0; k < STORE_NKINDS; k++) {
		export_all(f, (enum store_kind)k, NULL, 1, &rows);
		assert_int_equal(rows.n, 0);
		rows_free(&rows);
	}
	assert_int_equal(store_cursor_get(f->st, "crm", "reps", &v, &f->err), 0);
	assert_null(v);
	/* And the same record is an insert again afterwards. */
	memset(&c, 0, sizeof c);
	assert_int_equal(store_begin(f->st, &f->err), 0);
	put_rep(f, "crm", &r, &c);
	assert_int_equal(store_commit(f->st, &f->err), 0);
	assert_counts(&c, 1, 0, 0, 0);
}

/* ---- tests: seen tracking ----------------------------------------------- */

static void test_mark_unseen(void **state)
{
	struct fx *f = *state;
	struct ss_rep r = SS_REP_INIT;
	struct ss_lead l = SS_LEAD_INIT;
	struct ss_deal d = SS_DEAL_INIT;
	struct store_counts c[STORE_NKINDS];
	struct rows rows = {0};
	const char *ids[] = {"a", "b", "c"};

	memset(c, 0, sizeof c);
	assert_int_equal(store_begin(f->st, &f->err), 0);
	for (int i = 0; i < 3; i++) {
		r.id = l.id = d.id = ids[i];
		put_rep(f, "crm", &r, &c[STORE_REPS]);
		put_rep(f, "other", &r, &c[STORE_REPS]);
		assert_int_equal(store_upsert_lead(f->st, "crm", &l, &c[STORE_LEADS], &f->err), 0);
		assert_int_equal(store_upsert_deal(f->st, "crm", &d, NULL, &c[STORE_DEALS],
		    &f->err), 0);
	}
	/* c was already deleted: not counted again. */
	r.id = "c";
	r.deleted = 1;
	put_rep(f, "crm", &r, &c[STORE_REPS]);
	r.deleted = 0;
	assert_int_equal(store_commit(f->st, &f->err), 0);

	/* mark_unseen needs tracking and a transaction. */
	memset(c, 0, sizeof c);
	assert_int_equal(store_begin(f->st, &f->err), 0);
	assert_int_equal(store_mark_unseen(f->st, "crm", c, &f->err), SS_EINVAL);
	store_rollback(f->st);

	/* A full sync that sees rep a, lead b and no deal, in two commits. */
	assert_int_equal(store_track_begin(f->st, &f->err), 0);
	assert_int_equal(store_begin(f->st, &f->err), 0);
	r.id = "a";
	put_rep(f, "crm", &r, &c[STORE_REPS]);
	assert_int_equal(store_commit(f->st, &f->err), 0);
	assert_int_equal(store_mark_unseen(f->st, "crm", c, &f->err), SS_EINVAL); /* no tx */
	assert_int_equal(store_begin(f->st, &f->err), 0);
	l.id = "b";
	assert_int_equal(store_upsert_lead(f->st, "crm", &l, &c[STORE_LEADS], &f->err), 0);
	assert_int_equal(store_mark_unseen(f->st, "crm", c, &f->err), 0);
	assert_int_equal(store_commit(f->st, &f->err), 0);
	assert_counts(&c[STORE_REPS], 0, 0, 1, 1);   /* b (c was deleted already) */
	assert_counts(&c[STORE_LEADS], 0, 0, 1, 2);  /* a, c */
	assert_counts(&c[STORE_DEALS], 0, 0, 0, 3);
	assert_counts(&c[STORE_METRICS], 0, 0, 0, 0);

	export_all(f, STORE_REPS, "crm", 0, &rows);
	assert_string_equal(rows_text(&rows), "crm|a|~|~|~|~|~|~|0\n");
	rows_free(&rows);
	export_all(f, STORE_REPS, "crm", 1, &rows);
	assert_string_equal(rows_text(&rows),
	    "crm|a|~|~|~|~|~|~|0\ncrm|b|~|~|~|~|~|~|1\ncrm|c|~|~|~|~|~|~|1\n");
	rows_free(&rows);
	/* The other source is untouched. */
	export_all(f, STORE_REPS, "other", 0, &rows);
	assert_int_equal(rows.n, 3);
	rows_free(&rows);
	export_all(f, STORE_LEADS, NULL, 0, &rows);
	assert_string_equal(rows_text(&rows), "crm|b|~|~|~|~|~|~|~|~|~|~|~|~|~|~|0|~\n");
	rows_free(&rows);

	/* A new tracking round starts empty; a seen deleted record comes back. */
	memset(c, 0, sizeof c);
	assert_int_equal(store_track_begin(f->st, &f->err), 0);
	assert_int_equal(store_begin(f->st, &f->err), 0);
	r.id = "b";
	put_rep(f, "crm", &r, &c[STORE_REPS]);
	assert_int_equal(store_mark_unseen(f->st, "crm", c, &f->err), 0);
	assert_int_equal(store_commit(f->st, &f->err), 0);
	assert_counts(&c[STORE_REPS], 0, 1, 0, 1); /* b revived, a deleted */
	assert_counts(&c[STORE_LEADS], 0, 0, 0, 1);
	assert_counts(&c[STORE_DEALS], 0, 0, 0, 0);
	export_all(f, STORE_REPS, "crm", 0, &rows);
	assert_string_equal(rows_text(&rows), "crm|b|~|~|~|~|~|~|0\n");
	rows_free(&rows);
}

static void test_tracking_survives_rollback(void **state)
{
	struct fx *f = *state;
	struct ss_rep r = SS_REP_INIT;
	struct store_counts c[STORE_NKINDS];

	memset(c, 0, sizeof c);
	r.id = "a";
	put_rep(f, "crm", &r, &c[STORE_REPS]); /* autocommit */
	r.id = "b";
	put_rep(f, "crm", &r, &c[STORE_REPS]);
	/* track_begin inside a transaction that is rolled back. */
	assert_int_equal(store_begin(f->st, &f->err), 0);
	assert_int_equal(store_track_begin(f->st, &f->err), 0);
	store_rollback(f->st);
	assert_int_equal(store_begin(f->st, &f->err), 0);
	r.id = "a";
	put_rep(f, "crm", &r, &c[STORE_REPS]);
	assert_int_equal(store_mark_unseen(f->st, "crm", c, &f->err), 0);
	assert_int_equal(store_commit(f->st, &f->err), 0);
	assert_counts(&c[STORE_REPS], 2, 0, 1, 1);
}

/* ---- tests: cursors ----------------------------------------------------- */

static void test_cursors(void **state)
{
	struct fx *f = *state;
	sqlite3 *db = raw_open(f->path);
	char *v = NULL;
	char oldest[21] = "junk";

	assert_int_equal(store_cursor_get(f->st, "crm", "leads", &v, &f->err), 0);
	assert_null(v);
	assert_int_equal(store_cursor_oldest(f->st, "crm", oldest, &f->err), 0);
	assert_string_equal(oldest, "");

	assert_int_equal(store_begin(f->st, &f->err), 0);
	assert_int_equal(store_cursor_set(f->st, "crm", "leads", "2026-01-01T00:00:00Z",
	    &f->err), 0);
	assert_int_equal(store_cursor_set(f->st, "crm", "deals", "page=7", &f->err), 0);
	assert_int_equal(store_cursor_set(f->st, "ga", "sessions", "x", &f->err), 0);
	/* Visible in the transaction, not outside until commit. */
	assert_int_equal(store_cursor_get(f->st, "crm", "deals", &v, &f->err), 0);
	assert_string_equal(v, "page=7");
	free(v);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM cursors"), 0);
	assert_int_equal(store_commit(f->st, &f->err), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM cursors"), 3);

	/* Overwrite. */
	assert_int_equal(store_cursor_set(f->st, "crm", "deals", "page=8", &f->err), 0);
	assert_int_equal(store_cursor_get(f->st, "crm", "deals", &v, &f->err), 0);
	assert_string_equal(v, "page=8");
	free(v);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM cursors"), 3);

	/* oldest: min(updated_at) of the source's cursors. */
	assert_int_equal(sqlite3_exec(db, "UPDATE cursors SET updated_at = "
	    "'2025-05-05T05:05:05Z' WHERE stream = 'leads'", NULL, NULL, NULL), 0);
	assert_int_equal(store_cursor_oldest(f->st, "crm", oldest, &f->err), 0);
	assert_string_equal(oldest, "2025-05-05T05:05:05Z");
	assert_int_equal(store_cursor_oldest(f->st, "ga", oldest, &f->err), 0);
	assert_int_equal(strlen(oldest), 20);
	assert_int_equal(oldest[19], 'Z');
	assert_int_equal(store_cursor_oldest(f->st, "none", oldest, &f->err), 0);
	assert_string_equal(oldest, "");

	/* Reset one stream, then all of a source. */
	assert_int_equal(store_cursor_reset(f->st, "crm", "leads", &f->err), 0);
	assert_int_equal(store_cursor_get(f->st, "crm", "leads", &v, &f->err), 0);
	assert_null(v);
	assert_int_equal(store_cursor_get(f->st, "crm", "deals", &v, &f->err), 0);
	assert_string_equal(v, "page=8");
	free(v);
	assert_int_equal(store_cursor_reset(f->st, "crm", NULL, &f->err), 0);
	assert_int_equal(store_cursor_get(f->st, "crm", "deals", &v, &f->err), 0);
	assert_null(v);
	assert_int_equal(store_cursor_get(f->st, "ga", "sessions", &v, &f->err), 0);
	assert_string_equal(v, "x");
	free(v);
	sqlite3_close(db);
}

/* ---- tests: runs -------------------------------------------------------- */

static void test_runs(void **state)
{
	struct fx *f = *state;
	struct store_run r, got;
	int64_t id1 = 0, id2 = 0, id3 = 0;
	sqlite3 *db = raw_open(f->path);

	assert_int_equal(store_run_last(f->st, "crm", &got, &f->err), 0);
	assert_int_equal(store_run_start(f->st, "crm", "hubspot", "sync", &id1, &f->err), 0);
	assert_true(id1 > 0);
	/* Autocommitted: visible to another connection. */
	assert_int_equal(raw_int(db, "SELECT count(*) FROM runs WHERE status = 'running'"), 1);

	assert_int_equal(store_run_get(f->st, id1, &got, &f->err), 0);
	assert_int_equal(got.id, id1);
	assert_string_equal(got.instance, "crm");
	assert_string_equal(got.plugin, "hubspot");
	assert_string_equal(got.mode, "sync");
	assert_string_equal(got.status, "running");
	assert_int_equal(strlen(got.started_at), 20);
	assert_string_equal(got.finished_at, "");
	assert_string_equal(got.error, "");
	for (int k = 0; k < STORE_NKINDS; k++)
		assert_counts(&got.counts[k], 0, 0, 0, 0);

	/* Progress inside a transaction is part of it. */
	memset(&r, 0, sizeof r);
	r.id = id1;
	for (int k = 0; k < STORE_NKINDS; k++) {
		r.counts[k].inserted = 10 * k + 1;
		r.counts[k].updated = 10 * k + 2;
		r.counts[k].unchanged = 10 * k + 3;
		r.counts[k].deleted = 10 * k + 4;
	}
	r.skipped = 5;
	r.requests = 1234567890123;
	assert_int_equal(store_begin(f->st, &f->err), 0);
	assert_int_equal(store_run_progress(f->st, &r, &f->err), 0);
	assert_int_equal(raw_int(db, "SELECT skipped FROM runs"), 0);
	assert_int_equal(store_commit(f->st, &f->err), 0);
	assert_int_equal(raw_int(db, "SELECT skipped FROM runs"), 5);
	assert_int_equal(raw_int(db, "SELECT deals_unchanged FROM runs"), 23);

	assert_int_equal(store_run_finish(f->st, id1, "ok", NULL, &f->err), 0);
	assert_int_equal(store_run_get(f->st, id1, &got, &f->err), 0);
	assert_string_equal(got.status, "ok");
	assert_int_equal(strlen(got.finished_at), 20);
	assert_string_equal(got.error, "");
	assert_int_equal(got.skipped, 5);
	assert_int_equal(got.requests, 1234567890123);
	for (int k = 0; k < STORE_NKINDS; k++)
		assert_counts(&got.counts[k], 10 * k + 1, 10 * k + 2, 10 * k + 3, 10 * k + 4);

	/* Newest run per instance. */
	assert_int_equal(store_run_start(f->st, "ga", "analytics", "full", &id2, &f->err), 0);
	assert_int_equal(store_run_start(f->st, "crm", "hubspot", "full", &id3, &f->err), 0);
	assert_true(id3 > id2 && id2 > id1);
	assert_int_equal(store_run_finish(f->st, id3, "failed", "HTTP 500 from api", &f->err), 0);
	assert_int_equal(store_run_last(f->st, "crm", &got, &f->err), 1);
	assert_int_equal(got.id, id3);
	assert_string_equal(got.mode, "full");
	assert_string_equal(got.status, "failed");
	assert_string_equal(got.error, "HTTP 500 from api");
	assert_int_equal(store_run_last(f->st, "ga", &got, &f->err), 1);
	assert_int_equal(got.id, id2);
	assert_string_equal(got.status, "running");
	assert_int_equal(store_run_last(f->st, "nope", &got, &f->err), 0);

	/* Unknown run ids. */
	assert_int_equal(store_run_get(f->st, 9999, &got, &f->err), SS_EINVAL);
	r.id = 9999;
	assert_int_equal(store_run_progress(f->st, &r, &f->err), SS_EINVAL);
	assert_int_equal(store_run_finish(f->st, 9999, "ok", NULL, &f->err), SS_EINVAL);
	sqlite3_close(db);
}

/* ---- tests: export ------------------------------------------------------ */

static void test_export_order_filter_stop(void **state)
{
	struct fx *f = *state;
	struct ss_rep r = SS_REP_INIT;
	struct store_counts c = {0};
	struct rows rows = {0};
	const char *srcs[] = {"zeta", "alpha", "mid"};
	const char *ids[] = {"10", "9", "b", "a"};

	assert_int_equal(store_begin(f->st, &f->err), 0);
	for (int s = 0; s < 3; s++) {
		for (int i = 0; i < 4; i++) {
			r.id = ids[i];
			put_rep(f, srcs[s], &r, &c);
		}
	}
	assert_int_equal(store_commit(f->st, &f->err), 0);
	assert_counts(&c, 12, 0, 0, 0);

	export_all(f, STORE_REPS, NULL, 0, &rows);
	assert_int_equal(rows.n, 12);
	assert_string_equal(rows_text(&rows),
	    "alpha|10|~|~|~|~|~|~|0\nalpha|9|~|~|~|~|~|~|0\n"
	    "alpha|a|~|~|~|~|~|~|0\nalpha|b|~|~|~|~|~|~|0\n"
	    "mid|10|~|~|~|~|~|~|0\nmid|9|~|~|~|~|~|~|0\n"
	    "mid|a|~|~|~|~|~|~|0\nmid|b|~|~|~|~|~|~|0\n"
	    "zeta|10|~|~|~|~|~|~|0\nzeta|9|~|~|~|~|~|~|0\n"
	    "zeta|a|~|~|~|~|~|~|0\nzeta|b|~|~|~|~|~|~|0\n");
	rows_free(&rows);

	export_all(f, STORE_REPS, "mid", 0, &rows);
	assert_int_equal(rows.n, 4);
	rows_free(&rows);
	export_all(f, STORE_REPS, "unknown", 0, &rows);
	assert_int_equal(rows.n, 0);
	rows_free(&rows);

	/* fn's non-zero value stops the export and is returned. */
	rows.stop_after = 2;
	assert_int_equal(store_export(f->st, STORE_REPS, NULL, 0, collect, &rows, &f->err), 7);
	assert_int_equal(rows.n, 2);
	rows_free(&rows);
}

static void test_upsert_speed_path(void **state)
{
	struct fx *f = *state;
	struct ss_lead l = SS_LEAD_INIT;
	struct store_counts c = {0};
	char id[32];

	/* 20k inserts then 20k unchanged re-emits in one transaction each:
	 * exercises the cached statements over many resets. */
	assert_int_equal(store_begin(f->st, &f->err), 0);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < 20000; i++) {
			snprintf(id, sizeof id, "L%d", i);
			l.id = id;
			l.email = "x@y.io";
			assert_int_equal(store_upsert_lead(f->st, "csv", &l, &c, &f->err), 0);
		}
	}
	assert_int_equal(store_commit(f->st, &f->err), 0);
	assert_counts(&c, 20000, 0, 20000, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test_setup_teardown(test_open_creates_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_empty_db, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_sqlite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_sqlite_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_tx_misuse, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_rep_counts, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_lead_counts_and_export, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_deal_counts_and_export, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_metric_replace, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_mark_unseen, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_tracking_survives_rollback, setup_open,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cursors, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_runs, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_export_order_filter_stop, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_upsert_speed_path, setup_open, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
