/* metrics: run metrics in the Prometheus text format, from the runs table. */
#include "metrics.h"

#include <stdio.h>

struct metric_q {
	const char *name, *type, *help, *sql;
	int nlabels;
	const char *labels[3];
};

struct sample_ctx {
	const struct metric_q *m;
	struct sb *out;
};

static int print_sample(void *ud, int ncol, const char *const *names, const char *const *v,
    const enum store_type *types)
{
	struct sample_ctx *c = ud;

	(void)names;
	(void)types;
	sb_addf(c->out, "%s{", c->m->name);
	for (int i = 0; i < c->m->nlabels; i++)
		sb_addf(c->out, "%s%s=\"%s\"", i ? "," : "", c->m->labels[i], v[i] ? v[i] : "");
	sb_addf(c->out, "} %s\n", v[ncol - 1] ? v[ncol - 1] : "0");
	return 0;
}


int mtr_write(struct store *st, struct sb *out, struct ss_err *err)
{
	static const struct metric_q q[] = {
	    {"salesync_runs_total", "counter", "Runs by instance and result.",
	        "SELECT instance, status, count(*) FROM runs WHERE status <> 'running'"
	        " GROUP BY instance, status ORDER BY 1, 2", 2, {"instance", "status"}},
	    {"salesync_records_total", "counter", "Records written by runs, by kind and change.",
	        "SELECT instance, kind, change, n FROM ("
	        " SELECT instance, 'reps' kind, 'inserted' change, sum(reps_inserted) n FROM runs GROUP BY instance"
	        " UNION ALL SELECT instance, 'reps', 'updated', sum(reps_updated) FROM runs GROUP BY instance"
	        " UNION ALL SELECT instance, 'reps', 'deleted', sum(reps_deleted) FROM runs GROUP BY instance"
	        " UNION ALL SELECT instance, 'leads', 'inserted', sum(leads_inserted) FROM runs GROUP BY instance"
	        " UNION ALL SELECT instance, 'leads', 'updated', sum(leads_updated) FROM runs GROUP BY instance"
	        " UNION ALL SELECT instance, 'leads', 'deleted', sum(leads_deleted) FROM runs GROUP BY instance"
	        " UNION ALL SELECT instance, 'deals', 'inserted', sum(deals_inserted) FROM runs GROUP BY instance"
	        " UNION ALL SELECT instance, 'deals', 'updated', sum(deals_updated) FROM runs GROUP BY instance"
	        " UNION ALL SELECT instance, 'deals', 'deleted', sum(deals_deleted) FROM runs GROUP BY instance"
	        " UNION ALL SELECT instance, 'metrics', 'inserted', sum(metrics_inserted) FROM runs GROUP BY instance"
	        " UNION ALL SELECT instance, 'metrics', 'updated', sum(metrics_updated) FROM runs GROUP BY instance"
	        ") ORDER BY 1, 2, 3", 3, {"instance", "kind", "change"}},
	    {"salesync_http_requests_total", "counter", "HTTP requests sent.",
	        "SELECT instance, sum(requests) FROM runs GROUP BY instance ORDER BY 1", 1, {"instance"}},
	    {"salesync_http_retries_total", "counter", "HTTP retries.",
	        "SELECT instance, sum(retries) FROM runs GROUP BY instance ORDER BY 1", 1, {"instance"}},
	    {"salesync_http_throttled_total", "counter", "HTTP 429 answers.",
	        "SELECT instance, sum(throttled) FROM runs GROUP BY instance ORDER BY 1", 1, {"instance"}},
	    {"salesync_last_run_duration_seconds", "gauge", "Duration of the last finished run.",
	        "SELECT instance, printf('%.3f', (julianday(finished_at) - julianday(started_at)) * 86400)"
	        " FROM runs r WHERE id = (SELECT max(id) FROM runs WHERE instance = r.instance"
	        " AND finished_at IS NOT NULL AND finished_at <> '') ORDER BY 1", 1, {"instance"}},
	    {"salesync_last_success_timestamp_seconds", "gauge", "End of the last successful run (Unix time).",
	        "SELECT instance, CAST(strftime('%s', max(finished_at)) AS INTEGER) FROM runs"
	        " WHERE status = 'ok' GROUP BY instance ORDER BY 1", 1, {"instance"}},
	};
	int rc = 0;

	sb_adds(out, "");
	for (size_t i = 0; i < sizeof q / sizeof q[0] && rc == 0; i++) {
		struct sample_ctx c = {&q[i], out};
		sb_addf(out, "# HELP %s %s\n# TYPE %s %s\n", q[i].name, q[i].help, q[i].name, q[i].type);
		rc = store_query(st, q[i].sql, NULL, 0, print_sample, &c, err);
	}
	return rc;
}
