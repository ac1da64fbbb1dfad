/*
 * hubspot_floor: the floor the hubspot benchmark compares salesync with.
 * It pulls every contact from a HubSpot(-like) API the plainest way there
 * is: libcurl (one handle, keep-alive), jansson, and one prepared SQLite
 * statement run for each record of a page inside one transaction per page;
 * strictly sequential, no retries, no normalization. Same list requests as
 * the plugin makes (limit 100, the same properties, active then archived).
 *
 *     hubspot_floor BASE_URL TOKEN STORE.db
 *
 * Prints the number of contacts stored. Built by bench/hubspot.sh:
 *     cc -O2 -o hubspot_floor hubspot_floor.c -lcurl -ljansson -lsqlite3
 */
#include <curl/curl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROPS "email,firstname,lastname,company,jobtitle,phone,mobilephone,hubspot_owner_id," \
	"createdate,lastmodifieddate,hs_analytics_source,notes_last_updated," \
	"hs_lifecyclestage_customer_date,lifecyclestage,hs_lead_status"

static const char *const cols[] = {"email", "firstname", "lastname", "company", "jobtitle",
    "phone", "hubspot_owner_id", "createdate", "lastmodifieddate", "hs_lead_status",
    "lifecyclestage", "hs_analytics_source", NULL};

struct buf {
	char *p;
	size_t n, cap;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;
	size_t add = size * nmemb;

	if (b->n + add + 1 > b->cap) {
		size_t cap = (b->n + add + 1) * 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return 0;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, data, add);
	b->n += add;
	b->p[b->n] = '\0';
	return add;
}

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "hubspot_floor: %s: %s\n", what, detail);
	exit(1);
}

int main(int argc, char **argv)
{
	struct curl_slist *hdr = NULL;
	struct buf body = {0};
	sqlite3_stmt *ins;
	char url[1024], auth[512], after[64] = "";
	long long stored = 0;
	sqlite3 *db;
	CURL *c;

	if (argc != 4) {
		fprintf(stderr, "usage: hubspot_floor BASE_URL TOKEN STORE.db\n");
		return 2;
	}
	if (sqlite3_open(argv[3], &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	        "CREATE TABLE IF NOT EXISTS contacts (id TEXT PRIMARY KEY, email TEXT,"
	        " firstname TEXT, lastname TEXT, company TEXT, jobtitle TEXT, phone TEXT,"
	        " owner TEXT, created TEXT, updated TEXT, status TEXT, lifecycle TEXT,"
	        " source TEXT, archived INTEGER)", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO contacts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
	        " ?9, ?10, ?11, ?12, ?13, ?14) ON CONFLICT (id) DO UPDATE SET email = excluded.email,"
	        " firstname = excluded.firstname, lastname = excluded.lastname,"
	        " company = excluded.company, jobtitle = excluded.jobtitle, phone = excluded.phone,"
	        " owner = excluded.owner, created = excluded.created, updated = excluded.updated,"
	        " status = excluded.status, lifecycle = excluded.lifecycle, source = excluded.source,"
	        " archived = excluded.archived", -1, &ins, NULL) != SQLITE_OK)
		die(argv[3], sqlite3_errmsg(db));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = curl_easy_init();
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", argv[2]);
	hdr = curl_slist_append(hdr, auth);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	for (int archived = 0; archived <= 1; archived++) {
		after[0] = '\0';
		do {
			json_error_t je;
			json_t *j, *res, *rec, *next;
			long status = 0;
			size_t i;

			snprintf(url, sizeof url, "%s/crm/v3/objects/contacts?limit=100&properties=%s"
			    "&archived=%s%s%s", argv[1], PROPS, archived ? "true" : "false",
			    *after ? "&after=" : "", after);
			body.n = 0;
			curl_easy_setopt(c, CURLOPT_URL, url);
			if (curl_easy_perform(c) != CURLE_OK)
				die(url, "request failed");
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
			if (status != 200)
				die(url, body.p ? body.p : "no body");
			if (!(j = json_loadb(body.p, body.n, 0, &je)))
				die(url, je.text);
			res = json_object_get(j, "results");
			sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
			json_array_foreach(res, i, rec) {
				json_t *props = json_object_get(rec, "properties");
				sqlite3_bind_text(ins, 1, json_string_value(json_object_get(rec, "id")), -1,
				    SQLITE_STATIC);
				for (int k = 0; cols[k]; k++)
					sqlite3_bind_text(ins, k + 2,
					    json_string_value(json_object_get(props, cols[k])), -1,
					    SQLITE_STATIC);
				sqlite3_bind_int(ins, 14, json_is_true(json_object_get(rec, "archived")));
				if (sqlite3_step(ins) != SQLITE_DONE)
					die("insert", sqlite3_errmsg(db));
				sqlite3_reset(ins);
				stored++;
			}
			if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
				die("commit", sqlite3_errmsg(db));
			next = json_object_get(json_object_get(json_object_get(j, "paging"), "next"),
			    "after");
			snprintf(after, sizeof after, "%s",
			    json_is_string(next) ? json_string_value(next) : "");
			json_decref(j);
		} while (*after);
	}
	printf("%lld\n", stored);
	sqlite3_finalize(ins);
	sqlite3_close(db);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	free(body.p);
	return 0;
}
