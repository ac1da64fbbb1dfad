/*
 * store_sqlite: the embedded SQLite implementation of store.h.
 *
 * One struct store is one connection. The hot paths (upserts, seen
 * tracking) use statements prepared once and cached in the struct; the
 * schema is created and migrated by the list in `migrations` below, keyed
 * on PRAGMA user_version.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

const char *const store_kind_names[STORE_NKINDS] = {"reps", "leads", "deals", "metrics"};

/* Marks the file as ours ("SSYN"), so another application's SQLite file
 * is refused rather than migrated. */
#define STORE_APPLICATION_ID 0x5353594e

#define BUSY_TIMEOUT_MS 5000

/* Pieces of the unified views (migration 2). The golden value of field F
 * of the rows of view V with g's email. */
#define GOLDEN(V, F) \
	"  (SELECT r." F " FROM " V " r WHERE r.email = g.email AND ifnull(r." F ", '') <> ''" \
	" ORDER BY r.rank, r.recency DESC, r.source, r.id LIMIT 1) AS " F
/* The instances of g's email, sorted and comma-separated. */
#define INSTANCES(V) \
	"  (SELECT group_concat(source, ',') FROM (SELECT DISTINCT r.source FROM " V " r" \
	" WHERE r.email = g.email ORDER BY r.source)) AS instances"
/* Its records as "source:id", comma-separated, sorted. */
#define KEYS(V) \
	"  (SELECT group_concat(k, ',') FROM (SELECT r.source || ':' || r.id AS k FROM " V " r" \
	" WHERE r.email = g.email ORDER BY r.source, r.id)) AS record_keys"

/*
 * Schema migrations. Entry i takes the schema from version i to i + 1;
 * adding version 2 is appending one SQL string. Each runs in the same
 * transaction as the user_version bump.
 */
static const char *const migrations[] = {
	/* 1: the model, cursors and runs. */
	"CREATE TABLE reps ("
	"  source TEXT NOT NULL,"
	"  id TEXT NOT NULL,"
	"  email TEXT,"
	"  name TEXT,"
	"  team TEXT,"
	"  active INTEGER,"
	"  created_at TEXT,"
	"  updated_at TEXT,"
	"  deleted INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (source, id)"
	");"
	"CREATE INDEX reps_email ON reps (email);"
	"CREATE TABLE leads ("
	"  source TEXT NOT NULL,"
	"  id TEXT NOT NULL,"
	"  email TEXT,"
	"  first_name TEXT,"
	"  last_name TEXT,"
	"  company TEXT,"
	"  title TEXT,"
	"  phone TEXT,"
	"  status TEXT,"
	"  status_raw TEXT,"
	"  channel TEXT,"
	"  owner_id TEXT,"
	"  created_at TEXT,"
	"  updated_at TEXT,"
	"  last_activity_at TEXT,"
	"  converted_at TEXT,"
	"  deleted INTEGER NOT NULL DEFAULT 0,"
	"  extra TEXT,"
	"  PRIMARY KEY (source, id)"
	");"
	"CREATE INDEX leads_email ON leads (email);"
	"CREATE INDEX leads_owner ON leads (source, owner_id);"
	"CREATE TABLE deals ("
	"  source TEXT NOT NULL,"
	"  id TEXT NOT NULL,"
	"  name TEXT,"
	"  amount_minor INTEGER,"
	"  currency TEXT,"
	"  stage TEXT,"
	"  stage_raw TEXT,"
	"  probability REAL,"
	"  close_date TEXT,"
	"  owner_id TEXT,"
	"  lead_id TEXT,"
	"  created_at TEXT,"
	"  updated_at TEXT,"
	"  closed_at TEXT,"
	"  deleted INTEGER NOT NULL DEFAULT 0,"
	"  extra TEXT,"
	"  PRIMARY KEY (source, id)"
	");"
	"CREATE INDEX deals_owner ON deals (source, owner_id);"
	"CREATE INDEX deals_lead ON deals (source, lead_id);"
	/* rep_email is NULL when unknown; the key index coalesces it so two
	 * emits without a rep collide. */
	"CREATE TABLE metrics ("
	"  source TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  value NUMERIC NOT NULL,"
	"  unit TEXT,"
	"  period_start TEXT NOT NULL,"
	"  period_end TEXT NOT NULL,"
	"  dims TEXT NOT NULL DEFAULT '{}',"
	"  rep_email TEXT,"
	"  updated_at TEXT"
	");"
	"CREATE UNIQUE INDEX metrics_key ON metrics"
	"  (source, name, period_start, period_end, dims, ifnull(rep_email, ''));"
	"CREATE INDEX metrics_rep ON metrics (rep_email);"
	"CREATE TABLE cursors ("
	"  source TEXT NOT NULL,"
	"  stream TEXT NOT NULL,"
	"  value TEXT,"
	"  updated_at TEXT NOT NULL,"
	"  PRIMARY KEY (source, stream)"
	");"
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  instance TEXT NOT NULL,"
	"  plugin TEXT NOT NULL,"
	"  mode TEXT NOT NULL,"
	"  started_at TEXT NOT NULL,"
	"  finished_at TEXT,"
	"  status TEXT NOT NULL,"
	"  reps_inserted INTEGER NOT NULL DEFAULT 0,"
	"  reps_updated INTEGER NOT NULL DEFAULT 0,"
	"  reps_unchanged INTEGER NOT NULL DEFAULT 0,"
	"  reps_deleted INTEGER NOT NULL DEFAULT 0,"
	"  leads_inserted INTEGER NOT NULL DEFAULT 0,"
	"  leads_updated INTEGER NOT NULL DEFAULT 0,"
	"  leads_unchanged INTEGER NOT NULL DEFAULT 0,"
	"  leads_deleted INTEGER NOT NULL DEFAULT 0,"
	"  deals_inserted INTEGER NOT NULL DEFAULT 0,"
	"  deals_updated INTEGER NOT NULL DEFAULT 0,"
	"  deals_unchanged INTEGER NOT NULL DEFAULT 0,"
	"  deals_deleted INTEGER NOT NULL DEFAULT 0,"
	"  metrics_inserted INTEGER NOT NULL DEFAULT 0,"
	"  metrics_updated INTEGER NOT NULL DEFAULT 0,"
	"  metrics_unchanged INTEGER NOT NULL DEFAULT 0,"
	"  metrics_deleted INTEGER NOT NULL DEFAULT 0,"
	"  skipped INTEGER NOT NULL DEFAULT 0,"
	"  requests INTEGER NOT NULL DEFAULT 0,"
	"  error TEXT"
	");"
	"CREATE INDEX runs_instance ON runs (instance, id);",

	/* 2: unified people and reps (store.h, "The unified views"). The
	 * precedence of instances comes from [salesync] precedence =, written
	 * by store_set_precedence(); unlisted instances rank after listed
	 * ones. *_records hold the rows that take part, with their rank and
	 * recency; the golden value of a field is that of the first such row,
	 * by rank, then recency (newest first), then source and id, among the
	 * rows where the field is not empty. */
	"CREATE TABLE people_precedence ("
	"  source TEXT PRIMARY KEY,"
	"  rank INTEGER NOT NULL"
	");"
	"CREATE VIEW people_records AS"
	" SELECT l.source, l.id, l.email, l.first_name, l.last_name, l.company, l.title, l.phone,"
	"  l.status, l.channel, l.owner_id, l.created_at, l.updated_at, l.last_activity_at,"
	"  l.converted_at, ifnull(p.rank, 2147483647) AS rank,"
	"  coalesce(l.updated_at, l.created_at, '') AS recency"
	" FROM leads l LEFT JOIN people_precedence p ON p.source = l.source"
	" WHERE l.deleted = 0 AND ifnull(l.email, '') <> '';"
	"CREATE VIEW people AS"
	" SELECT g.email AS email,"
	GOLDEN("people_records", "first_name") ","
	GOLDEN("people_records", "last_name") ","
	GOLDEN("people_records", "company") ","
	GOLDEN("people_records", "title") ","
	GOLDEN("people_records", "phone") ","
	GOLDEN("people_records", "status") ","
	GOLDEN("people_records", "channel") ","
	"  g.n_instances AS n_instances, g.n_records AS n_records,"
	INSTANCES("people_records") ","
	KEYS("people_records") ","
	"  g.created_at AS created_at, g.updated_at AS updated_at,"
	"  g.last_activity_at AS last_activity_at, g.converted_at AS converted_at"
	" FROM (SELECT email, count(DISTINCT source) AS n_instances, count(*) AS n_records,"
	"  min(created_at) AS created_at, max(updated_at) AS updated_at,"
	"  max(last_activity_at) AS last_activity_at, min(converted_at) AS converted_at"
	"  FROM people_records GROUP BY email) g;"
	"CREATE VIEW reps_unified_records AS"
	" SELECT r.source, r.id, r.email, r.name, r.team, r.active, r.created_at, r.updated_at,"
	"  ifnull(p.rank, 2147483647) AS rank, coalesce(r.updated_at, r.created_at, '') AS recency"
	" FROM reps r LEFT JOIN people_precedence p ON p.source = r.source"
	" WHERE r.deleted = 0 AND ifnull(r.email, '') <> '';"
	"CREATE VIEW reps_unified AS"
	" SELECT g.email AS email,"
	GOLDEN("reps_unified_records", "name") ","
	GOLDEN("reps_unified_records", "team") ","
	GOLDEN("reps_unified_records", "active") ","
	"  g.n_instances AS n_instances, g.n_records AS n_records,"
	INSTANCES("reps_unified_records") ","
	KEYS("reps_unified_records") ","
	"  g.created_at AS created_at, g.updated_at AS updated_at"
	" FROM (SELECT email, count(DISTINCT source) AS n_instances, count(*) AS n_records,"
	"  min(created_at) AS created_at, max(updated_at) AS updated_at"
	"  FROM reps_unified_records GROUP BY email) g;",

	/* 3: HTTP counters of a run (struct store_run). */
	"ALTER TABLE runs ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN throttled INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN wait_ms INTEGER NOT NULL DEFAULT 0;",
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/*
 * Cached statements. Upserts bind their record to ?1..?N in the order of
 * the table's columns; the INSERT and the UPDATE of one kind share those
 * numbers, so one bind function serves both.
 */
enum stmt_id {
	S_REP_INS, S_REP_UPD,
	S_LEAD_INS, S_LEAD_UPD,
	S_DEAL_INS, S_DEAL_UPD,
	S_MET_INS, S_MET_UPD,
	S_SEEN,
	S_CURSOR_GET, S_CURSOR_SET, S_CURSOR_DEL, S_CURSOR_DEL_ALL, S_CURSOR_OLDEST,
	S_RUN_PROGRESS,
	S_NSTMT
};

static const char *const stmt_sql[S_NSTMT] = {
	[S_REP_INS] =
	"INSERT INTO reps (source, id, email, name, team, active, created_at, updated_at, deleted)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (source, id) DO NOTHING",
	[S_REP_UPD] =
	"UPDATE reps SET email = ?3, name = ?4, team = ?5, active = ?6, created_at = ?7,"
	" updated_at = ?8, deleted = ?9"
	" WHERE source = ?1 AND id = ?2 AND (email IS NOT ?3 OR name IS NOT ?4 OR team IS NOT ?5"
	" OR active IS NOT ?6 OR created_at IS NOT ?7 OR updated_at IS NOT ?8 OR deleted IS NOT ?9)",
	[S_LEAD_INS] =
	"INSERT INTO leads (source, id, email, first_name, last_name, company, title, phone,"
	" status, status_raw, channel, owner_id, created_at, updated_at, last_activity_at,"
	" converted_at, deleted, extra)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
	" ON CONFLICT (source, id) DO NOTHING",
	[S_LEAD_UPD] =
	"UPDATE leads SET email = ?3, first_name = ?4, last_name = ?5, company = ?6, title = ?7,"
	" phone = ?8, status = ?9, status_raw = ?10, channel = ?11, owner_id = ?12,"
	" created_at = ?13, updated_at = ?14, last_activity_at = ?15, converted_at = ?16,"
	" deleted = ?17, extra = ?18"
	" WHERE source = ?1 AND id = ?2 AND (email IS NOT ?3 OR first_name IS NOT ?4"
	" OR last_name IS NOT ?5 OR company IS NOT ?6 OR title IS NOT ?7 OR phone IS NOT ?8"
	" OR status IS NOT ?9 OR status_raw IS NOT ?10 OR channel IS NOT ?11"
	" OR owner_id IS NOT ?12 OR created_at IS NOT ?13 OR updated_at IS NOT ?14"
	" OR last_activity_at IS NOT ?15 OR converted_at IS NOT ?16 OR deleted IS NOT ?17"
	" OR extra IS NOT ?18)",
	[S_DEAL_INS] =
	"INSERT INTO deals (source, id, name, amount_minor, currency, stage, stage_raw,"
	" probability, close_date, owner_id, lead_id, created_at, updated_at, closed_at,"
	" deleted, extra)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
	" ON CONFLICT (source, id) DO NOTHING",
	[S_DEAL_UPD] =
	"UPDATE deals SET name = ?3, amount_minor = ?4, currency = ?5, stage = ?6,"
	" stage_raw = ?7, probability = ?8, close_date = ?9, owner_id = ?10, lead_id = ?11,"
	" created_at = ?12, updated_at = ?13, closed_at = ?14, deleted = ?15, extra = ?16"
	" WHERE source = ?1 AND id = ?2 AND (name IS NOT ?3 OR amount_minor IS NOT ?4"
	" OR currency IS NOT ?5 OR stage IS NOT ?6 OR stage_raw IS NOT ?7"
	" OR probability IS NOT ?8 OR close_date IS NOT ?9 OR owner_id IS NOT ?10"
	" OR lead_id IS NOT ?11 OR created_at IS NOT ?12 OR updated_at IS NOT ?13"
	" OR closed_at IS NOT ?14 OR deleted IS NOT ?15 OR extra IS NOT ?16)",
	[S_MET_INS] =
	"INSERT INTO metrics (source, name, value, unit, period_start, period_end, dims,"
	" rep_email, updated_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING",
	[S_MET_UPD] =
	"UPDATE metrics SET value = ?3, unit = ?4, rep_email = ?8, updated_at = ?9"
	" WHERE source = ?1 AND name = ?2 AND period_start = ?5 AND period_end = ?6"
	" AND dims = ?7 AND ifnull(rep_email, '') = ifnull(?8, '')"
	" AND (value IS NOT ?3 OR unit IS NOT ?4"
	" OR rep_email IS NOT ?8 OR updated_at IS NOT ?9)",
	[S_SEEN] = "INSERT OR IGNORE INTO temp.store_seen (kind, source, id) VALUES (?1, ?2, ?3)",
	[S_CURSOR_GET] = "SELECT value FROM cursors WHERE source = ?1 AND stream = ?2",
	[S_CURSOR_SET] =
	"INSERT INTO cursors (source, stream, value, updated_at) VALUES (?1, ?2, ?3, ?4)"
	" ON CONFLICT (source, stream) DO UPDATE SET value = excluded.value,"
	" updated_at = excluded.updated_at",
	[S_CURSOR_DEL] = "DELETE FROM cursors WHERE source = ?1 AND stream = ?2",
	[S_CURSOR_DEL_ALL] = "DELETE FROM cursors WHERE source = ?1",
	[S_CURSOR_OLDEST] = "SELECT min(updated_at) FROM cursors WHERE source = ?1",
	[S_RUN_PROGRESS] =
	"UPDATE runs SET reps_inserted = ?2, reps_updated = ?3, reps_unchanged = ?4,"
	" reps_deleted = ?5, leads_inserted = ?6, leads_updated = ?7, leads_unchanged = ?8,"
	" leads_deleted = ?9, deals_inserted = ?10, deals_updated = ?11, deals_unchanged = ?12,"
	" deals_deleted = ?13, metrics_inserted = ?14, metrics_updated = ?15,"
	" metrics_unchanged = ?16, metrics_deleted = ?17, skipped = ?18, requests = ?19,"
	" bytes = ?20, retries = ?21, throttled = ?22, wait_ms = ?23"
	" WHERE id = ?1",
};

struct store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[S_NSTMT];
	int tracking; /* store_track_begin() was called */
};

/* ---- helpers ------------------------------------------------------------ */

int store_schema_version(void)
{
	return NMIGRATIONS;
}

int store_kind_parse(const char *name, enum store_kind *out)
{
	for (int k = 0; name && k < STORE_NKINDS; k++) {
		if (strcmp(name, store_kind_names[k]) == 0) {
			*out = (enum store_kind)k;
			return 0;
		}
	}
	return SS_EINVAL;
}

static int is_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY;
}

static int locked_err(struct store *st, struct ss_err *err)
{
	return err_set(err, SS_ERETRY, "store %s is locked by another writer", st->path);
}

/* Reports the connection's last error as `code`, prefixed by `what`. */
static int db_err(struct store *st, struct ss_err *err, int code, const char *what)
{
	return err_set(err, code, "store %s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

/* The cached statement `id`, prepared on first use, reset and unbound. */
static sqlite3_stmt *stmt_get(struct store *st, enum stmt_id id, struct ss_err *err)
{
	sqlite3_stmt *s = st->stmt[id];

	if (!s) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s,
		        NULL) != SQLITE_OK) {
			db_err(st, err, SS_ESTORE, "prepare");
			return NULL;
		}
		st->stmt[id] = s;
	}
	return s;
}

/* Runs a cached statement that returns no rows. Returns the SQLite code
 * (SQLITE_DONE on success); the statement is reset, bindings cleared. */
static int stmt_run(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static void bind_tristate(sqlite3_stmt *s, int i, int v)
{
	if (v < 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int(s, i, v != 0);
}

/* Runs SQL without results (may be several statements). */
static int exec(struct store *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL);
}

/* One integer from a single-row query, or an SQLite error code < 0 as
 * -rc (so callers can tell). */
static int query_int(struct store *st, const char *sql, int64_t *out)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

/* ---- open / close / migrate --------------------------------------------- */

/* The directory part of path ("." if none); caller frees. */
static char *parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* Maps an SQLite failure at open time to a message naming the path. */
static int open_err(struct store *st, int rc, struct ss_err *err, const char *what)
{
	int prim = rc & 0xff;

	if (prim == SQLITE_NOTADB)
		return err_set(err, SS_EIO, "%s is not a salesync store (not an SQLite database)",
		    st->path);
	if (is_busy(rc))
		return locked_err(st, err);
	if (prim == SQLITE_CANTOPEN || prim == SQLITE_READONLY || prim == SQLITE_PERM) {
		char *dir = parent_dir(st->path);
		struct stat sb;
		int e = st->db ? sqlite3_system_errno(st->db) : 0;

		if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
			err_set(err, SS_EIO, "cannot open store %s: directory %s does not exist",
			    st->path, dir);
		else if (access(dir, W_OK | X_OK) != 0)
			err_set(err, SS_EIO, "cannot open store %s: directory %s is not writable "
			    "(the store needs to create files beside the database)", st->path, dir);
		else if (stat(st->path, &sb) == 0 && access(st->path, R_OK | W_OK) != 0)
			err_set(err, SS_EIO, "cannot open store %s: the file is not writable",
			    st->path);
		else
			err_set(err, SS_EIO, "cannot open store %s: %s%s%s", st->path,
			    st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc), e ? ": " : "",
			    e ? strerror(e) : "");
		free(dir);
		return SS_EIO;
	}
	return err_set(err, SS_EIO, "cannot open store %s: %s: %s", st->path, what,
	    st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
}

static int migrate(struct store *st, struct ss_err *err)
{
	int64_t version, appid, ntables;
	int rc;

	rc = query_int(st, "PRAGMA user_version", &version);
	if (rc != SQLITE_OK)
		return open_err(st, rc, err, "reading the schema version");
	if (version > NMIGRATIONS)
		return err_set(err, SS_EIO, "store %s has schema version %lld, newer than this "
		    "build's %d: use a newer salesync", st->path, (long long)version, NMIGRATIONS);
	if (version == NMIGRATIONS)
		goto check_app;

	rc = exec(st, "BEGIN IMMEDIATE");
	if (rc != SQLITE_OK)
		return open_err(st, rc, err, "starting the migration");
	/* Re-read under the write lock: another process may have migrated. */
	rc = query_int(st, "PRAGMA user_version", &version);
	if (rc != SQLITE_OK)
		goto fail;
	if (version == 0) {
		rc = query_int(st, "SELECT count(*) FROM sqlite_schema", &ntables);
		if (rc != SQLITE_OK)
			goto fail;
		if (ntables > 0) {
			exec(st, "ROLLBACK");
			return err_set(err, SS_EIO, "%s is not a salesync store (an SQLite database "
			    "of another application)", st->path);
		}
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA application_id = %d", STORE_APPLICATION_ID);
		rc = exec(st, sql);
		if (rc != SQLITE_OK)
			goto fail;
	}
	for (int64_t v = version; v < NMIGRATIONS; v++) {
		rc = exec(st, migrations[v]);
		if (rc != SQLITE_OK)
			goto fail;
	}
	{
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", NMIGRATIONS);
		rc = exec(st, sql);
		if (rc != SQLITE_OK)
			goto fail;
	}
	rc = exec(st, "COMMIT");
	if (rc != SQLITE_OK)
		goto fail;

check_app:
	rc = query_int(st, "PRAGMA application_id", &appid);
	if (rc != SQLITE_OK)
		return open_err(st, rc, err, "reading the application id");
	if (appid != STORE_APPLICATION_ID)
		return err_set(err, SS_EIO, "%s is not a salesync store (an SQLite database of "
		    "another application)", st->path);
	return 0;

fail:
	{
		int ret = open_err(st, rc, err, "migrating the schema");
		if (!sqlite3_get_autocommit(st->db))
			exec(st, "ROLLBACK");
		return ret;
	}
}

int store_open(const char *path, struct store **out, struct ss_err *err)
{
	struct store *st;
	char *mode = NULL;
	int rc;

	*out = NULL;
	if (!path || !*path)
		return err_set(err, SS_EINVAL, "store path is empty");
	st = xcalloc(1, sizeof *st);
	st->path = xstrdup(path);

	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		rc = open_err(st, rc, err, "open");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	if (sqlite3_db_readonly(st->db, "main") == 1) {
		rc = open_err(st, SQLITE_READONLY, err, "open");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);

	/* Reading the journal mode is the first access to the file: a file
	 * that is not SQLite fails here. */
	{
		sqlite3_stmt *s;
		rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
		if (rc == SQLITE_OK) {
			rc = sqlite3_step(s);
			if (rc == SQLITE_ROW) {
				const unsigned char *m = sqlite3_column_text(s, 0);
				mode = xstrdup(m ? (const char *)m : "");
				rc = SQLITE_OK;
			}
			sqlite3_finalize(s);
		}
		if (rc != SQLITE_OK) {
			rc = open_err(st, rc, err, "setting WAL mode");
			goto fail;
		}
		/* ":memory:" databases cannot be WAL; that is fine for them. */
		if (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0) {
			rc = err_set(err, SS_EIO, "cannot open store %s: WAL mode refused (journal mode "
			    "is \"%s\")", path, mode);
			goto fail;
		}
		free(mode);
		mode = NULL;
	}
	/* WAL + NORMAL is atomic and consistent (a power cut may lose the last
	 * commits, never half of one). The page cache stays small (2 MiB) and
	 * the seen-tracking table of a full sync goes to a temporary file, so
	 * a worker's memory does not grow with the record count (a 32 MiB
	 * cache was ~9% faster on a 1M-row import but tripled peak RSS). */
	rc = exec(st, "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -2048;"
	    " PRAGMA temp_store = FILE");
	if (rc != SQLITE_OK) {
		rc = open_err(st, rc, err, "setting synchronous mode");
		goto fail;
	}
	rc = migrate(st, err);
	if (rc < 0)
		goto fail;
	*out = st;
	return 0;

fail:
	free(mode);
	store_close(st);
	return rc;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < S_NSTMT; i++)
		sqlite3_finalize(st->stmt[i]);
	if (st->db) {
		if (!sqlite3_get_autocommit(st->db))
			exec(st, "ROLLBACK");
		sqlite3_close_v2(st->db);
	}
	free(st->path);
	free(st);
}

/* ---- transactions ------------------------------------------------------- */

int store_begin(struct store *st, struct ss_err *err)
{
	int rc;

	if (!sqlite3_get_autocommit(st->db))
		return err_set(err, SS_EINVAL, "store %s: a transaction is already open", st->path);
	rc = exec(st, "BEGIN IMMEDIATE");
	if (rc == SQLITE_OK)
		return 0;
	if (is_busy(rc))
		return locked_err(st, err);
	return db_err(st, err, SS_ESTORE, "begin");
}

int store_commit(struct store *st, struct ss_err *err)
{
	int rc;

	if (sqlite3_get_autocommit(st->db))
		return err_set(err, SS_EINVAL, "store %s: commit without a transaction", st->path);
	rc = exec(st, "COMMIT");
	if (rc == SQLITE_OK)
		return 0;
	if (is_busy(rc))
		return locked_err(st, err);
	db_err(st, err, SS_ESTORE, "commit");
	if (!sqlite3_get_autocommit(st->db))
		exec(st, "ROLLBACK");
	return SS_ESTORE;
}

void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		exec(st, "ROLLBACK");
	/* A tracking table created inside the rolled-back transaction is gone:
	 * recreate it (keys noted in committed transactions stay). */
	if (st->tracking)
		exec(st, "CREATE TEMP TABLE IF NOT EXISTS store_seen (kind INTEGER NOT NULL,"
		    " source TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (kind, source, id))"
		    " WITHOUT ROWID");
}

int store_in_tx(struct store *st)
{
	return !sqlite3_get_autocommit(st->db);
}

/* ---- upserts ------------------------------------------------------------ */

/* Notes a key while seen-tracking is on. */
static int note_seen(struct store *st, enum store_kind kind, const char *source,
    const char *id, struct ss_err *err)
{
	sqlite3_stmt *s;

	if (!st->tracking)
		return 0;
	s = stmt_get(st, S_SEEN, err);
	if (!s)
		return SS_ESTORE;
	sqlite3_bind_int(s, 1, (int)kind);
	sqlite3_bind_text(s, 2, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, id, -1, SQLITE_STATIC);
	if (stmt_run(s) != SQLITE_DONE)
		return db_err(st, err, SS_ESTORE, "noting a seen key");
	return 0;
}

typedef void (*bind_fn)(sqlite3_stmt *s, const char *source, const void *rec,
    const void *extra);

/*
 * The shared upsert: INSERT … ON CONFLICT DO NOTHING, and if nothing was
 * inserted, an UPDATE that only matches when a column differs. Binds rec
 * to both with `bind`.
 */
static int upsert(struct store *st, enum store_kind kind, enum stmt_id ins, enum stmt_id upd,
    bind_fn bind, const char *source, const char *id, const void *rec, const void *extra,
    struct store_counts *c, struct ss_err *err)
{
	sqlite3_stmt *s;
	int rc;

	s = stmt_get(st, ins, err);
	if (!s)
		return SS_ESTORE;
	bind(s, source, rec, extra);
	rc = stmt_run(s);
	if (rc != SQLITE_DONE)
		return err_set(err, SS_ESTORE, "store %s: inserting %s %s: %s", st->path,
		    store_kind_names[kind], id ? id : "", sqlite3_errmsg(st->db));
	if (sqlite3_changes(st->db) == 1) {
		c->inserted++;
	} else {
		s = stmt_get(st, upd, err);
		if (!s)
			return SS_ESTORE;
		bind(s, source, rec, extra);
		rc = stmt_run(s);
		if (rc != SQLITE_DONE)
			return err_set(err, SS_ESTORE, "store %s: updating %s %s: %s", st->path,
			    store_kind_names[kind], id ? id : "", sqlite3_errmsg(st->db));
		if (sqlite3_changes(st->db) > 0)
			c->updated++;
		else
			c->unchanged++;
	}
	if (kind != STORE_METRICS)
		return note_seen(st, kind, source, id, err);
	return 0;
}

static int check_key(struct store *st, enum store_kind kind, const char *source,
    const char *id, struct ss_err *err)
{
	if (!source || !*source)
		return err_set(err, SS_EINVAL, "store %s: %s without source", st->path,
		    store_kind_names[kind]);
	if (!id || !*id)
		return err_set(err, SS_EINVAL, "store %s: %s without %s", st->path,
		    store_kind_names[kind], kind == STORE_METRICS ? "name" : "id");
	return 0;
}

static void bind_rep(sqlite3_stmt *s, const char *source, const void *rec, const void *extra)
{
	const struct ss_rep *r = rec;

	(void)extra;
	bind_text(s, 1, source);
	bind_text(s, 2, r->id);
	bind_text(s, 3, r->email);
	bind_text(s, 4, r->name);
	bind_text(s, 5, r->team);
	bind_tristate(s, 6, r->active);
	bind_text(s, 7, r->created_at);
	bind_text(s, 8, r->updated_at);
	sqlite3_bind_int(s, 9, r->deleted != 0);
}

int store_upsert_rep(struct store *st, const char *source, const struct ss_rep *r,
    struct store_counts *c, struct ss_err *err)
{
	int rc = check_key(st, STORE_REPS, source, r->id, err);

	if (rc < 0)
		return rc;
	return upsert(st, STORE_REPS, S_REP_INS, S_REP_UPD, bind_rep, source, r->id, r, NULL, c,
	    err);
}

static void bind_lead(sqlite3_stmt *s, const char *source, const void *rec, const void *extra)
{
	const struct ss_lead *l = rec;

	(void)extra;
	bind_text(s, 1, source);
	bind_text(s, 2, l->id);
	bind_text(s, 3, l->email);
	bind_text(s, 4, l->first_name);
	bind_text(s, 5, l->last_name);
	bind_text(s, 6, l->company);
	bind_text(s, 7, l->title);
	bind_text(s, 8, l->phone);
	bind_text(s, 9, l->status);
	bind_text(s, 10, l->status_raw);
	bind_text(s, 11, l->channel);
	bind_text(s, 12, l->owner_id);
	bind_text(s, 13, l->created_at);
	bind_text(s, 14, l->updated_at);
	bind_text(s, 15, l->last_activity_at);
	bind_text(s, 16, l->converted_at);
	sqlite3_bind_int(s, 17, l->deleted != 0);
	bind_text(s, 18, l->extra);
}

int store_upsert_lead(struct store *st, const char *source, const struct ss_lead *l,
    struct store_counts *c, struct ss_err *err)
{
	int rc = check_key(st, STORE_LEADS, source, l->id, err);

	if (rc < 0)
		return rc;
	return upsert(st, STORE_LEADS, S_LEAD_INS, S_LEAD_UPD, bind_lead, source, l->id, l, NULL,
	    c, err);
}

static void bind_deal(sqlite3_stmt *s, const char *source, const void *rec, const void *extra)
{
	const struct ss_deal *d = rec;
	const int64_t *amount = extra;

	bind_text(s, 1, source);
	bind_text(s, 2, d->id);
	bind_text(s, 3, d->name);
	if (amount)
		sqlite3_bind_int64(s, 4, *amount);
	else
		sqlite3_bind_null(s, 4);
	bind_text(s, 5, d->currency);
	bind_text(s, 6, d->stage);
	bind_text(s, 7, d->stage_raw);
	if (d->probability >= 0) /* false for NaN too */
		sqlite3_bind_double(s, 8, d->probability);
	else
		sqlite3_bind_null(s, 8);
	bind_text(s, 9, d->close_date);
	bind_text(s, 10, d->owner_id);
	bind_text(s, 11, d->lead_id);
	bind_text(s, 12, d->created_at);
	bind_text(s, 13, d->updated_at);
	bind_text(s, 14, d->closed_at);
	sqlite3_bind_int(s, 15, d->deleted != 0);
	bind_text(s, 16, d->extra);
}

int store_upsert_deal(struct store *st, const char *source, const struct ss_deal *d,
    const int64_t *amount_minor, struct store_counts *c, struct ss_err *err)
{
	int rc = check_key(st, STORE_DEALS, source, d->id, err);

	if (rc < 0)
		return rc;
	return upsert(st, STORE_DEALS, S_DEAL_INS, S_DEAL_UPD, bind_deal, source, d->id, d,
	    amount_minor, c, err);
}

struct metric_value {
	int is_int;
	int64_t ival;
	double dval;
};

static void bind_metric(sqlite3_stmt *s, const char *source, const void *rec,
    const void *extra)
{
	const struct ss_metric *m = rec;
	const struct metric_value *v = extra;

	bind_text(s, 1, source);
	bind_text(s, 2, m->name);
	if (v->is_int)
		sqlite3_bind_int64(s, 3, v->ival);
	else
		sqlite3_bind_double(s, 3, v->dval);
	bind_text(s, 4, m->unit);
	bind_text(s, 5, m->period_start);
	bind_text(s, 6, m->period_end);
	bind_text(s, 7, m->dims ? m->dims : "{}");
	bind_text(s, 8, m->rep_email);
	bind_text(s, 9, m->updated_at);
}

int store_upsert_metric(struct store *st, const char *source, const struct ss_metric *m,
    int is_int, int64_t ival, double dval, struct store_counts *c, struct ss_err *err)
{
	struct metric_value v = {is_int, ival, dval};
	int rc = check_key(st, STORE_METRICS, source, m->name, err);

	if (rc < 0)
		return rc;
	if (!m->period_start || !m->period_end)
		return err_set(err, SS_EINVAL, "store %s: metric %s without period", st->path,
		    m->name);
	return upsert(st, STORE_METRICS, S_MET_INS, S_MET_UPD, bind_metric, source, m->name, m,
	    &v, c, err);
}

/* ---- seen tracking ------------------------------------------------------ */

int store_track_begin(struct store *st, struct ss_err *err)
{
	int rc;

	/* The cached insert refers to the old table: drop it first. */
	sqlite3_finalize(st->stmt[S_SEEN]);
	st->stmt[S_SEEN] = NULL;
	rc = exec(st, "DROP TABLE IF EXISTS temp.store_seen");
	if (rc == SQLITE_OK)
		rc = exec(st, "CREATE TEMP TABLE store_seen (kind INTEGER NOT NULL,"
		    " source TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (kind, source, id))"
		    " WITHOUT ROWID");
	if (rc != SQLITE_OK)
		return db_err(st, err, SS_ESTORE, "starting seen-tracking");
	st->tracking = 1;
	return 0;
}

int store_mark_unseen(struct store *st, const char *source, struct store_counts *c,
    struct ss_err *err)
{
	static const char *const sql[3] = {
		"UPDATE reps SET deleted = 1 WHERE source = ?1 AND deleted = 0 AND NOT EXISTS"
		" (SELECT 1 FROM temp.store_seen s WHERE s.kind = 0 AND s.source = reps.source"
		" AND s.id = reps.id)",
		"UPDATE leads SET deleted = 1 WHERE source = ?1 AND deleted = 0 AND NOT EXISTS"
		" (SELECT 1 FROM temp.store_seen s WHERE s.kind = 1 AND s.source = leads.source"
		" AND s.id = leads.id)",
		"UPDATE deals SET deleted = 1 WHERE source = ?1 AND deleted = 0 AND NOT EXISTS"
		" (SELECT 1 FROM temp.store_seen s WHERE s.kind = 2 AND s.source = deals.source"
		" AND s.id = deals.id)",
	};

	if (!st->tracking)
		return err_set(err, SS_EINVAL, "store %s: store_mark_unseen without "
		    "store_track_begin", st->path);
	if (sqlite3_get_autocommit(st->db))
		return err_set(err, SS_EINVAL, "store %s: store_mark_unseen outside a "
		    "transaction", st->path);
	for (int k = 0; k < 3; k++) {
		sqlite3_stmt *s;
		int rc = sqlite3_prepare_v2(st->db, sql[k], -1, &s, NULL);

		if (rc != SQLITE_OK)
			return db_err(st, err, SS_ESTORE, "marking unseen records deleted");
		sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE)
			return db_err(st, err, SS_ESTORE, "marking unseen records deleted");
		c[k].deleted += sqlite3_changes(st->db);
	}
	return 0;
}

/* ---- cursors ------------------------------------------------------------ */

int store_cursor_get(struct store *st, const char *source, const char *stream,
    char **value, struct ss_err *err)
{
	sqlite3_stmt *s = stmt_get(st, S_CURSOR_GET, err);
	int rc;

	*value = NULL;
	if (!s)
		return SS_ESTORE;
	bind_text(s, 1, source);
	bind_text(s, 2, stream);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(s, 0);
		*value = v ? xstrdup((const char *)v) : NULL;
		rc = SQLITE_DONE;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return db_err(st, err, SS_ESTORE, "reading a cursor");
	return 0;
}

int store_cursor_set(struct store *st, const char *source, const char *stream,
    const char *value, struct ss_err *err)
{
	sqlite3_stmt *s;
	char now[21];
	int rc;

	if (!value) /* no cursor is the same as a deleted one */
		return store_cursor_reset(st, source, stream, err);
	s = stmt_get(st, S_CURSOR_SET, err);
	if (!s)
		return SS_ESTORE;
	util_now_iso(now);
	bind_text(s, 1, source);
	bind_text(s, 2, stream);
	bind_text(s, 3, value);
	bind_text(s, 4, now);
	rc = stmt_run(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (is_busy(rc))
		return locked_err(st, err);
	return db_err(st, err, SS_ESTORE, "writing a cursor");
}

int store_cursor_reset(struct store *st, const char *source, const char *stream,
    struct ss_err *err)
{
	sqlite3_stmt *s = stmt_get(st, stream ? S_CURSOR_DEL : S_CURSOR_DEL_ALL, err);
	int rc;

	if (!s)
		return SS_ESTORE;
	bind_text(s, 1, source);
	if (stream)
		bind_text(s, 2, stream);
	rc = stmt_run(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (is_busy(rc))
		return locked_err(st, err);
	return db_err(st, err, SS_ESTORE, "deleting cursors");
}

int store_cursor_oldest(struct store *st, const char *source, char buf[21],
    struct ss_err *err)
{
	sqlite3_stmt *s = stmt_get(st, S_CURSOR_OLDEST, err);
	int rc;

	buf[0] = '\0';
	if (!s)
		return SS_ESTORE;
	bind_text(s, 1, source);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(s, 0);
		if (v)
			snprintf(buf, 21, "%s", (const char *)v);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return db_err(st, err, SS_ESTORE, "reading cursors");
	return 0;
}

/* ---- runs --------------------------------------------------------------- */

#define RUN_COLUMNS \
	"id, instance, plugin, mode, started_at, finished_at, status," \
	" reps_inserted, reps_updated, reps_unchanged, reps_deleted," \
	" leads_inserted, leads_updated, leads_unchanged, leads_deleted," \
	" deals_inserted, deals_updated, deals_unchanged, deals_deleted," \
	" metrics_inserted, metrics_updated, metrics_unchanged, metrics_deleted," \
	" skipped, requests, error, bytes, retries, throttled, wait_ms"

static void copy_col(char *dst, size_t n, sqlite3_stmt *s, int col)
{
	const unsigned char *v = sqlite3_column_text(s, col);

	snprintf(dst, n, "%s", v ? (const char *)v : "");
}

static void read_run(sqlite3_stmt *s, struct store_run *r)
{
	int col = 7;

	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(s, 0);
	copy_col(r->instance, sizeof r->instance, s, 1);
	copy_col(r->plugin, sizeof r->plugin, s, 2);
	copy_col(r->mode, sizeof r->mode, s, 3);
	copy_col(r->started_at, sizeof r->started_at, s, 4);
	copy_col(r->finished_at, sizeof r->finished_at, s, 5);
	copy_col(r->status, sizeof r->status, s, 6);
	for (int k = 0; k < STORE_NKINDS; k++) {
		r->counts[k].inserted = sqlite3_column_int64(s, col++);
		r->counts[k].updated = sqlite3_column_int64(s, col++);
		r->counts[k].unchanged = sqlite3_column_int64(s, col++);
		r->counts[k].deleted = sqlite3_column_int64(s, col++);
	}
	r->skipped = sqlite3_column_int64(s, col++);
	r->requests = sqlite3_column_int64(s, col++);
	copy_col(r->error, sizeof r->error, s, col++);
	r->bytes = sqlite3_column_int64(s, col++);
	r->retries = sqlite3_column_int64(s, col++);
	r->throttled = sqlite3_column_int64(s, col++);
	r->wait_ms = sqlite3_column_int64(s, col);
}

int store_run_start(struct store *st, const char *instance, const char *plugin,
    const char *mode, int64_t *id, struct ss_err *err)
{
	sqlite3_stmt *s;
	char now[21];
	int rc;

	rc = sqlite3_prepare_v2(st->db, "INSERT INTO runs (instance, plugin, mode, started_at,"
	    " status) VALUES (?1, ?2, ?3, ?4, 'running')", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return db_err(st, err, SS_ESTORE, "starting a run");
	util_now_iso(now);
	bind_text(s, 1, instance ? instance : "");
	bind_text(s, 2, plugin ? plugin : "");
	bind_text(s, 3, mode ? mode : "sync");
	bind_text(s, 4, now);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		if (is_busy(rc))
			return locked_err(st, err);
		return db_err(st, err, SS_ESTORE, "starting a run");
	}
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_run_progress(struct store *st, const struct store_run *r, struct ss_err *err)
{
	sqlite3_stmt *s = stmt_get(st, S_RUN_PROGRESS, err);
	int rc, col = 2;

	if (!s)
		return SS_ESTORE;
	sqlite3_bind_int64(s, 1, r->id);
	for (int k = 0; k < STORE_NKINDS; k++) {
		sqlite3_bind_int64(s, col++, r->counts[k].inserted);
		sqlite3_bind_int64(s, col++, r->counts[k].updated);
		sqlite3_bind_int64(s, col++, r->counts[k].unchanged);
		sqlite3_bind_int64(s, col++, r->counts[k].deleted);
	}
	sqlite3_bind_int64(s, col++, r->skipped);
	sqlite3_bind_int64(s, col++, r->requests);
	sqlite3_bind_int64(s, col++, r->bytes);
	sqlite3_bind_int64(s, col++, r->retries);
	sqlite3_bind_int64(s, col++, r->throttled);
	sqlite3_bind_int64(s, col, r->wait_ms);
	rc = stmt_run(s);
	if (rc != SQLITE_DONE) {
		if (is_busy(rc))
			return locked_err(st, err);
		return db_err(st, err, SS_ESTORE, "writing run progress");
	}
	if (sqlite3_changes(st->db) == 0)
		return err_set(err, SS_EINVAL, "store %s: no run %lld", st->path, (long long)r->id);
	return 0;
}

int store_run_finish(struct store *st, int64_t id, const char *status, const char *error,
    struct ss_err *err)
{
	sqlite3_stmt *s;
	char now[21];
	int rc;

	rc = sqlite3_prepare_v2(st->db, "UPDATE runs SET status = ?2, finished_at = ?3,"
	    " error = ?4 WHERE id = ?1", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return db_err(st, err, SS_ESTORE, "finishing a run");
	util_now_iso(now);
	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, status ? status : "failed");
	bind_text(s, 3, now);
	bind_text(s, 4, error);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		if (is_busy(rc))
			return locked_err(st, err);
		return db_err(st, err, SS_ESTORE, "finishing a run");
	}
	if (sqlite3_changes(st->db) == 0)
		return err_set(err, SS_EINVAL, "store %s: no run %lld", st->path, (long long)id);
	return 0;
}

/* Runs a one-row query of runs with ?1 bound to instance (if not NULL)
 * or id; 1 found (into *r), 0 not found, < 0 error. */
static int run_query(struct store *st, const char *sql, int64_t id, const char *instance,
    struct store_run *r, struct ss_err *err)
{
	sqlite3_stmt *s;
	int rc, found = 0;

	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return db_err(st, err, SS_ESTORE, "reading runs");
	if (instance)
		bind_text(s, 1, instance);
	else
		sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		read_run(s, r);
		found = 1;
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_err(st, err, SS_ESTORE, "reading runs");
	return found;
}

int store_run_get(struct store *st, int64_t id, struct store_run *r, struct ss_err *err)
{
	int rc = run_query(st, "SELECT " RUN_COLUMNS " FROM runs WHERE id = ?1", id, NULL, r,
	    err);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return err_set(err, SS_EINVAL, "store %s: no run %lld", st->path, (long long)id);
	return 0;
}

int store_run_last(struct store *st, const char *instance, struct store_run *r,
    struct ss_err *err)
{
	return run_query(st, "SELECT " RUN_COLUMNS " FROM runs WHERE instance = ?1"
	    " ORDER BY id DESC LIMIT 1", 0, instance ? instance : "", r, err);
}

/* ---- export ------------------------------------------------------------- */

static const char *const rep_cols[] = {
	"source", "id", "email", "name", "team", "active", "created_at", "updated_at", "deleted",
	NULL
};
static const char *const lead_cols[] = {
	"source", "id", "email", "first_name", "last_name", "company", "title", "phone",
	"status", "status_raw", "channel", "owner_id", "created_at", "updated_at",
	"last_activity_at", "converted_at", "deleted", "extra", NULL
};
static const char *const deal_cols[] = {
	"source", "id", "name", "amount_minor", "currency", "stage", "stage_raw", "probability",
	"close_date", "owner_id", "lead_id", "created_at", "updated_at", "closed_at", "deleted",
	"extra", NULL
};
static const char *const metric_cols[] = {
	"source", "name", "value", "unit", "period_start", "period_end", "dims", "rep_email",
	"updated_at", NULL
};
static const char *const *const export_cols[STORE_NKINDS] = {
	rep_cols, lead_cols, deal_cols, metric_cols
};

int store_export(struct store *st, enum store_kind kind, const char *source,
    int include_deleted, store_row_fn fn, void *ud, struct ss_err *err)
{
	const char *const *cols;
	const char *values[32];
	enum store_type types[32];
	int json_col[32];
	struct sb sql = {0};
	sqlite3_stmt *s = NULL;
	int ncol, rc, ret = 0;

	if ((int)kind < 0 || kind >= STORE_NKINDS)
		return err_set(err, SS_EINVAL, "store %s: no such record kind", st->path);
	cols = export_cols[kind];
	sb_adds(&sql, "SELECT ");
	for (ncol = 0; cols[ncol]; ncol++) {
		sb_addf(&sql, "%s%s", ncol ? ", " : "", cols[ncol]);
		json_col[ncol] = strcmp(cols[ncol], "extra") == 0 || strcmp(cols[ncol], "dims") == 0;
	}
	sb_addf(&sql, " FROM %s WHERE (?1 IS NULL OR source = ?1)", store_kind_names[kind]);
	if (kind == STORE_METRICS) {
		sb_adds(&sql, " ORDER BY source, name, period_start, dims, rep_email, period_end");
	} else {
		if (!include_deleted)
			sb_adds(&sql, " AND deleted = 0");
		sb_adds(&sql, " ORDER BY source, id");
	}
	rc = sqlite3_prepare_v2(st->db, sql.buf, -1, &s, NULL);
	sb_free(&sql);
	if (rc != SQLITE_OK)
		return db_err(st, err, SS_ESTORE, "export");
	bind_text(s, 1, source);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (int i = 0; i < ncol; i++) {
			switch (sqlite3_column_type(s, i)) {
			case SQLITE_INTEGER: types[i] = STORE_T_INT; break;
			case SQLITE_FLOAT: types[i] = STORE_T_REAL; break;
			case SQLITE_NULL: types[i] = STORE_T_NULL; break;
			default: types[i] = json_col[i] ? STORE_T_JSON : STORE_T_TEXT; break;
			}
			/* After the type is read: column_text converts in place. */
			values[i] = (const char *)sqlite3_column_text(s, i);
			if (types[i] == STORE_T_NULL)
				values[i] = NULL;
		}
		ret = fn(ud, ncol, cols, values, types);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_err(st, err, SS_ESTORE, "export");
	sqlite3_finalize(s);
	return ret;
}

/* ---- read-only queries, unified views ----------------------------------- */

/* Steps s to the end, calling fn per row with the statement's column
 * names and the values' types (text is never reported as JSON). */
static int rows_run(struct store *st, sqlite3_stmt *s, store_row_fn fn, void *ud,
    const char *what, struct ss_err *err)
{
	int ncol = sqlite3_column_count(s), rc, ret = 0;
	const char **names = xcalloc((size_t)ncol + 1, sizeof *names);
	const char **values = xcalloc((size_t)ncol + 1, sizeof *values);
	enum store_type *types = xcalloc((size_t)ncol + 1, sizeof *types);

	for (int i = 0; i < ncol; i++)
		names[i] = sqlite3_column_name(s, i);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (int i = 0; i < ncol; i++) {
			switch (sqlite3_column_type(s, i)) {
			case SQLITE_INTEGER: types[i] = STORE_T_INT; break;
			case SQLITE_FLOAT: types[i] = STORE_T_REAL; break;
			case SQLITE_NULL: types[i] = STORE_T_NULL; break;
			default: types[i] = STORE_T_TEXT; break;
			}
			values[i] = (const char *)sqlite3_column_text(s, i);
			if (types[i] == STORE_T_NULL)
				values[i] = NULL;
		}
		ret = fn(ud, ncol, names, values, types);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		if (is_busy(rc))
			ret = locked_err(st, err);
		else
			ret = db_err(st, err, SS_ESTORE, what);
	}
	free(names);
	free(values);
	free(types);
	return ret;
}

/* True if sql starts (after blanks) with one of the read-only keywords. */
static int starts_read_only(const char *sql)
{
	static const char *const kw[] = {"SELECT", "WITH", "VALUES", NULL};

	while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r')
		sql++;
	for (int i = 0; kw[i]; i++) {
		size_t n = strlen(kw[i]), j = 0;
		char next;
		while (j < n && sql[j] && (sql[j] & ~0x20) == kw[i][j])
			j++;
		if (j < n)
			continue;
		next = sql[n];
		if (next == ' ' || next == '\t' || next == '\n' || next == '\r' || next == '(' ||
		    next == '\0')
			return 1;
	}
	return 0;
}

int store_query(struct store *st, const char *sql, const char *const *params, int nparams,
    store_row_fn fn, void *ud, struct ss_err *err)
{
	sqlite3_stmt *s = NULL;
	const char *tail = NULL;
	int rc;

	if (!sql || !starts_read_only(sql))
		return err_set(err, SS_EINVAL, "store %s: query must start with SELECT, WITH or "
		    "VALUES", st->path);
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, &tail);
	if (rc != SQLITE_OK)
		return db_err(st, err, SS_EINVAL, "query");
	while (tail && (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r' ||
	    *tail == ';'))
		tail++;
	if (!s || (tail && *tail) || !sqlite3_stmt_readonly(s)) {
		sqlite3_finalize(s);
		return err_set(err, SS_EINVAL, "store %s: query must be one read-only statement",
		    st->path);
	}
	if (nparams > sqlite3_bind_parameter_count(s))
		nparams = sqlite3_bind_parameter_count(s);
	for (int i = 0; i < nparams; i++)
		bind_text(s, i + 1, params[i]);
	rc = rows_run(st, s, fn, ud, "query", err);
	sqlite3_finalize(s);
	return rc;
}

int store_begin_read(struct store *st, struct ss_err *err)
{
	int64_t n;
	int rc;

	if (!sqlite3_get_autocommit(st->db))
		return err_set(err, SS_EINVAL, "store %s: a transaction is already open", st->path);
	rc = exec(st, "BEGIN DEFERRED");
	if (rc == SQLITE_OK)
		rc = query_int(st, "SELECT count(*) FROM sqlite_schema", &n);
	if (rc == SQLITE_OK)
		return 0;
	store_rollback(st);
	if (is_busy(rc))
		return locked_err(st, err);
	return err_set(err, SS_ESTORE, "store %s: starting a read: %s", st->path,
	    sqlite3_errstr(rc));
}

int store_export_unified(struct store *st, enum store_unified which, store_row_fn fn,
    void *ud, struct ss_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (which != STORE_PEOPLE && which != STORE_REPS_UNIFIED)
		return err_set(err, SS_EINVAL, "store %s: no such unified view", st->path);
	rc = sqlite3_prepare_v2(st->db, which == STORE_PEOPLE ?
	    "SELECT * FROM people ORDER BY email" : "SELECT * FROM reps_unified ORDER BY email",
	    -1, &s, NULL);
	if (rc != SQLITE_OK)
		return db_err(st, err, SS_ESTORE, "export");
	rc = rows_run(st, s, fn, ud, "export", err);
	sqlite3_finalize(s);
	return rc;
}

int store_set_precedence(struct store *st, const char *const *sources, size_t n,
    struct ss_err *err)
{
	sqlite3_stmt *s;
	size_t i = 0;
	int same = 1, rc;

	/* Compare first: an unchanged list writes nothing. */
	rc = sqlite3_prepare_v2(st->db, "SELECT source FROM people_precedence ORDER BY rank",
	    -1, &s, NULL);
	if (rc != SQLITE_OK)
		return db_err(st, err, SS_ESTORE, "reading the precedence");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(s, 0);
		if (i >= n || !v || strcmp(v, sources[i]) != 0)
			same = 0;
		i++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		if (is_busy(rc))
			return locked_err(st, err);
		return db_err(st, err, SS_ESTORE, "reading the precedence");
	}
	if (same && i == n)
		return 0;
	if ((rc = store_begin(st, err)) < 0)
		return rc;
	rc = exec(st, "DELETE FROM people_precedence");
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->db, "INSERT OR IGNORE INTO people_precedence"
		    " (source, rank) VALUES (?1, ?2)", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		for (i = 0; i < n && rc == SQLITE_OK; i++) {
			bind_text(s, 1, sources[i]);
			sqlite3_bind_int64(s, 2, (sqlite3_int64)i + 1);
			rc = stmt_run(s);
			rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		}
		sqlite3_finalize(s);
	}
	if (rc != SQLITE_OK) {
		db_err(st, err, SS_ESTORE, "writing the precedence");
		store_rollback(st);
		return SS_ESTORE;
	}
	return store_commit(st, err);
}
