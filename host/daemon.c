/* daemon: the scheduler, the control socket server, reload and shutdown. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <jansson.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "metrics_http.h"
#include "runner.h"
#include "store.h"

#define MAX_CLIENTS 64
#define CLIENT_IDLE_SECONDS 30

static const char help[] =
    "Usage: salesync [-c FILE] daemon\n"
    "\n"
    "Run in the foreground (systemd starts it; logs go to stderr): sync every\n"
    "enabled instance on its `every =` schedule, at most `jobs` at once, and\n"
    "serve the control socket (`socket =`, default STORE.sock) that sync,\n"
    "status, reset, pause, resume and reload use. SIGHUP reloads the\n"
    "configuration (a bad one keeps the old); SIGTERM or SIGINT stop it,\n"
    "giving running syncs shutdown_grace to reach a checkpoint.\n";

/* A loaded configuration with its plugins. The daemon keeps an old one
 * alive after a reload while syncs that started under it still run. */
struct gen {
	struct cfg *cfg;
	struct ldr_set plugins;
	int refs;
	struct gen *next;
};

struct slot {
	char *name;
	struct cfg_instance *inst;  /* in d->gen, or NULL if removed by a reload */
	double next_due;            /* wall clock; 0: not scheduled */
	int failures;
	int paused;
	int want, want_full;        /* asked for on demand */
	struct run_job *job;
	struct gen *job_gen;
	struct run_request req;     /* must outlive the job */
	struct cfg_instance *one[1];
	struct run_result res;
	double progress_sent;
};

struct client {
	int fd;
	struct sb in;
	double last;
	json_t *waiting;            /* sync --wait: instance name → result or null */
};

struct daemon {
	const char *config_path;
	struct gen *gen, *retired;
	struct slot **slots;        /* each allocated alone: jobs keep &slot->req */
	size_t nslots;
	struct store *st;
	int lfd;
	int lock_fd;
	char *socket_path;
	struct client clients[MAX_CLIENTS];
	size_t nclients;
	int stopping;
	double stop_deadline;
	struct mhttp *metrics;      /* metrics_listen, or NULL */
};

static int sigpipe_fds[2] = {-1, -1};

static void on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	if (write(sigpipe_fds[1], &c, 1) < 0) {
		/* A full pipe already holds a wake-up. */
	}
	errno = saved;
}

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void iso(double t, char out[21])
{
	time_t s = (time_t)t;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- configurations ------------------------------------------------------ */

static struct gen *gen_load(const char *path)
{
	struct gen *g = xcalloc(1, sizeof *g);

	if (app_load_config(path, &g->cfg, &g->plugins) != EXIT_OK) {
		ldr_free(&g->plugins);
		cfg_free(g->cfg);
		free(g);
		return NULL;
	}
	return g;
}

static void gen_free(struct gen *g)
{
	ldr_free(&g->plugins);
	cfg_free(g->cfg);
	free(g);
}

static void gen_release(struct daemon *d, struct gen *g)
{
	struct gen **pp;

	if (--g->refs > 0 || g == d->gen)
		return;
	for (pp = &d->retired; *pp; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			gen_free(g);
			return;
		}
	}
}

static struct slot *slot_find(struct daemon *d, const char *name)
{
	for (size_t i = 0; i < d->nslots; i++) {
		if (strcmp(d->slots[i]->name, name) == 0)
			return d->slots[i];
	}
	return NULL;
}

/* First runs spread over a few seconds, so a restart does not start every
 * instance in the same instant. */
static double jitter(int64_t every)
{
	double span = every > 100 ? 10 : (double)every / 10;
	return span * ((double)random() / ((double)RAND_MAX + 1.0));
}

/* Points the slots at g's instances, keeping state of instances that
 * stay; slots of removed instances live on while their run finishes. */
static void bind_slots(struct daemon *d, struct gen *g)
{
	double now = wall();

	for (size_t i = 0; i < d->nslots; i++)
		d->slots[i]->inst = NULL;
	for (size_t i = 0; i < g->cfg->ninst; i++) {
		struct cfg_instance *in = &g->cfg->inst[i];
		struct slot *s = slot_find(d, in->name);
		if (!s) {
			d->slots = xrealloc(d->slots, (d->nslots + 1) * sizeof *d->slots);
			s = d->slots[d->nslots++] = xcalloc(1, sizeof *s);
			s->name = xstrdup(in->name);
		}
		if (in->every > 0 && (!s->next_due || (s->inst == NULL && !s->job)))
			s->next_due = now + jitter(in->every);
		if (in->every <= 0)
			s->next_due = 0;
		s->inst = in;
	}
}

static void reload(struct daemon *d, char *why, size_t whylen)
{
	struct gen *g = gen_load(d->config_path);

	if (!g) {
		snprintf(why, whylen, "the new configuration of %s is invalid (see the log); "
		    "keeping the old one", d->config_path);
		log_msg(SS_LOG_ERROR, NULL, "reload: %s", why);
		return;
	}
	if (strcmp(g->cfg->store, d->gen->cfg->store) != 0 ||
	    strcmp(g->cfg->socket, d->gen->cfg->socket) != 0)
		log_msg(SS_LOG_WARN, NULL, "reload: store and socket changes take effect at the next start");
	if (d->gen->refs > 0) {
		d->gen->next = d->retired;
		d->retired = d->gen;
	} else {
		gen_free(d->gen);
	}
	d->gen = g;
	bind_slots(d, g);
	if (!d->stopping)
		log_set_level(g->cfg->log_level);
	snprintf(why, whylen, "reloaded %s: %zu instances", d->config_path, g->cfg->ninst);
	log_msg(SS_LOG_INFO, NULL, "%s", why);
}

/* ---- runs ------------------------------------------------------------------ */

static size_t running(const struct daemon *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nslots; i++)
		n += d->slots[i]->job != NULL;
	return n;
}

static void notify(struct daemon *d, const char *name, json_t *event);

static void start(struct daemon *d, struct slot *s, double now)
{
	int full = s->want_full;

	memset(&s->req, 0, sizeof s->req);
	s->one[0] = s->inst;
	s->req.cfg = d->gen->cfg;
	s->req.plugins = &d->gen->plugins;
	s->req.inst = s->one;
	s->req.n = 1;
	s->req.mode = full ? WRK_FULL : WRK_SYNC;
	s->req.quiet = 1;
	s->want = s->want_full = 0;
	s->job = run_job_start(&s->req, s->inst, d->st, &s->res);
	if (!s->job) {
		/* Not started: most likely a CLI sync holds the instance. */
		log_msg(SS_LOG_WARN, s->name, "not started: %s", s->res.error);
		if (s->inst->every > 0)
			s->next_due = now + (s->inst->every < 60 ? (double)s->inst->every : 60);
		notify(d, s->name, json_pack("{s:s, s:s, s:s, s:s}", "event", "finished", "instance",
		    s->name, "status", "failed", "error", s->res.error));
		return;
	}
	s->job_gen = d->gen;
	d->gen->refs++;
	s->progress_sent = 0;
	log_msg(SS_LOG_INFO, s->name, "run #%lld started (%s)", (long long)s->res.run_id,
	    full ? "full" : "incremental");
	notify(d, s->name, json_pack("{s:s, s:s, s:I}", "event", "started", "instance", s->name,
	    "run", (json_int_t)s->res.run_id));
}

static void start_due(struct daemon *d, double now)
{
	for (size_t i = 0; i < d->nslots && running(d) < (size_t)d->gen->cfg->jobs; i++) {
		struct slot *s = d->slots[i];
		int due;
		if (s->job || !s->inst)
			continue;
		due = !s->paused && s->inst->enabled && s->next_due > 0 && s->next_due <= now;
		if (s->want || due)
			start(d, s, now);
	}
}

/* A failing instance waits twice as long after each failure, up to
 * max_backoff; one success resets it. */
static void finished(struct daemon *d, struct slot *s)
{
	double now = wall();
	int ok = strcmp(s->res.status, "ok") == 0;
	int64_t every = s->inst ? s->inst->every : 0;

	if (ok) {
		s->failures = 0;
		log_msg(SS_LOG_INFO, s->name, "run #%lld ok (%.1f s)", (long long)s->res.run_id, s->res.seconds);
	} else {
		s->failures++;
		log_msg(SS_LOG_WARN, s->name, "run #%lld %s: %s", (long long)s->res.run_id, s->res.status,
		    s->res.error);
	}
	if (every > 0) {
		double interval = (double)every;
		for (int i = 0; i < s->failures && interval < (double)d->gen->cfg->max_backoff; i++)
			interval *= 2;
		if (!ok && interval > (double)d->gen->cfg->max_backoff)
			interval = (double)(d->gen->cfg->max_backoff > every ? d->gen->cfg->max_backoff : every);
		s->next_due = now + interval;
	}
	notify(d, s->name, json_pack("{s:s, s:s, s:s, s:I, s:s, s:f}", "event", "finished",
	    "instance", s->name, "status", s->res.status, "run", (json_int_t)s->res.run_id,
	    "error", s->res.error, "seconds", s->res.seconds));
	run_job_free(s->job);
	s->job = NULL;
	gen_release(d, s->job_gen);
	s->job_gen = NULL;
}

/* ---- control socket ------------------------------------------------------- */

static void send_json(struct client *c, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	size_t n, off = 0;

	json_decref(j);
	if (!s || c->fd < 0)
		goto out;
	n = strlen(s);
	s[n++] = '\n';
	while (off < n) {
		ssize_t w = send(c->fd, s + off, n - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* the client went away or stopped reading */
		off += (size_t)w;
	}
out:
	free(s);
}

static void close_client(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	sb_free(&c->in);
	json_decref(c->waiting);
	c->waiting = NULL;
}

static json_t *fail_json(const char *fmt, ...) SS_PRINTF(1, 2);
static json_t *fail_json(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

/* Sends event to every client waiting on instance name; a client whose
 * instances have all finished gets the final answer. */
static void notify(struct daemon *d, const char *name, json_t *event)
{
	int fin = strcmp(json_string_value(json_object_get(event, "event")), "finished") == 0;

	for (size_t i = 0; i < d->nclients; i++) {
		struct client *c = &d->clients[i];
		json_t *slotv;
		const char *k;
		json_t *v;
		int open = 0;

		if (c->fd < 0 || !c->waiting || !(slotv = json_object_get(c->waiting, name)))
			continue;
		send_json(c, json_incref(event));
		if (!fin || !json_is_null(slotv))
			continue;
		json_object_set(c->waiting, name, event);
		json_object_foreach(c->waiting, k, v)
			open += json_is_null(v);
		if (!open) {
			json_t *res = json_array();
			json_object_foreach(c->waiting, k, v)
				json_array_append(res, v);
			send_json(c, json_pack("{s:b, s:b, s:o}", "ok", 1, "done", 1, "results", res));
			close_client(c);
		}
	}
	json_decref(event);
}

static json_t *slot_json(struct daemon *d, struct slot *s)
{
	struct store_run r;
	struct ss_err e;
	char due[21] = "";
	const char *state;
	json_t *j;
	int found;

	if (!s->inst)
		state = "removed";
	else if (s->job)
		state = "running";
	else if (s->paused)
		state = "paused";
	else if (!s->inst->enabled)
		state = "disabled";
	else if (s->failures)
		state = "failing";
	else if (s->inst->every <= 0)
		state = "on demand";
	else
		state = "idle";
	if (s->next_due > 0)
		iso(s->next_due, due);
	j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s?}", "instance", s->name, "plugin",
	    s->inst ? s->inst->plugin : "", "state", state, "every", (json_int_t)(s->inst ? s->inst->every : 0),
	    "failures", (json_int_t)s->failures, "next_due", *due ? due : NULL);
	found = store_run_last(d->st, s->name, &r, &e);
	if (found > 0)
		json_object_set_new(j, "last_run", json_pack("{s:I, s:s, s:s, s:s, s:s}", "run",
		    (json_int_t)r.id, "status", r.status, "started_at", r.started_at, "finished_at",
		    r.finished_at, "error", r.error));
	return j;
}

static int run_row(void *ud, int ncol, const char *const *names, const char *const *v,
    const enum store_type *types)
{
	json_t *o = json_object();

	for (int i = 0; i < ncol; i++) {
		json_t *x = !v[i] ? json_null() : types[i] == STORE_T_INT ?
		    json_integer(strtoll(v[i], NULL, 10)) : json_string(v[i]);
		json_object_set_new(o, names[i], x);
	}
	json_array_append_new(ud, o);
	return 0;
}

/* The newest runs (of one instance, or all), like `salesync runs`. */
static json_t *runs_json(struct daemon *d, const char *instance, json_int_t limit)
{
	char lim[24];
	const char *params[2];
	json_t *arr = json_array();
	struct ss_err e;
	int n = 0;

	snprintf(lim, sizeof lim, "%lld", (long long)(limit > 0 && limit <= 1000 ? limit : 20));
	if (instance)
		params[n++] = instance;
	params[n++] = lim;
	if (store_query(d->st, instance ?
	        "SELECT id, instance, plugin, mode, started_at, finished_at, status, requests, error"
	        " FROM runs WHERE instance = ?1 ORDER BY id DESC LIMIT ?2" :
	        "SELECT id, instance, plugin, mode, started_at, finished_at, status, requests, error"
	        " FROM runs ORDER BY id DESC LIMIT ?1", params, n, run_row, arr, &e) != 0) {
		json_decref(arr);
		return fail_json("%s", e.msg);
	}
	return json_pack("{s:b, s:o}", "ok", 1, "runs", arr);
}

/* The instances a request names ("instance" or "instances"), or all. */
static int pick(struct daemon *d, json_t *req, struct slot **out, size_t *n, char *bad, size_t badlen)
{
	json_t *list = json_object_get(req, "instances"), *one = json_object_get(req, "instance");
	size_t i;
	json_t *v;

	*n = 0;
	if (json_is_string(one)) {
		list = json_array();
		json_array_append(list, one);
	} else if (json_is_array(list)) {
		json_incref(list);
	} else {
		list = NULL;
	}
	if (!list || json_array_size(list) == 0) {
		for (i = 0; i < d->nslots; i++) {
			if (d->slots[i]->inst)
				out[(*n)++] = d->slots[i];
		}
		json_decref(list);
		return 0;
	}
	json_array_foreach(list, i, v) {
		struct slot *s = json_is_string(v) ? slot_find(d, json_string_value(v)) : NULL;
		if (!s || !s->inst) {
			snprintf(bad, badlen, "no instance '%s'", json_is_string(v) ? json_string_value(v) : "?");
			json_decref(list);
			return -1;
		}
		out[(*n)++] = s;
	}
	json_decref(list);
	return 0;
}

static int lock_free(struct daemon *d, const char *name)
{
	char *path = xasprintf("%s.locks/%s", d->gen->cfg->store, name);
	int fd = open(path, O_RDWR | O_CLOEXEC), ok = 1;

	if (fd >= 0) {
		ok = flock(fd, LOCK_EX | LOCK_NB) == 0;
		close(fd);
	}
	free(path);
	return ok;
}

static void handle(struct daemon *d, struct client *c, json_t *req)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	struct slot **sel = xcalloc(d->nslots + 1, sizeof *sel);
	char bad[256];
	size_t n = 0;

	if (!cmd) {
		send_json(c, fail_json("a request needs \"cmd\""));
	} else if (!strcmp(cmd, "ping")) {
		send_json(c, json_pack("{s:b, s:I}", "ok", 1, "pid", (json_int_t)getpid()));
	} else if (!strcmp(cmd, "status")) {
		json_t *arr = json_array();
		for (size_t i = 0; i < d->nslots; i++)
			json_array_append_new(arr, slot_json(d, d->slots[i]));
		send_json(c, json_pack("{s:b, s:I, s:o}", "ok", 1, "pid", (json_int_t)getpid(), "instances", arr));
	} else if (!strcmp(cmd, "runs")) {
		send_json(c, runs_json(d, json_string_value(json_object_get(req, "instance")),
		    json_integer_value(json_object_get(req, "limit"))));
	} else if (!strcmp(cmd, "reload")) {
		reload(d, bad, sizeof bad);
		send_json(c, strstr(bad, "invalid") ? fail_json("%s", bad) : json_pack("{s:b, s:s}", "ok", 1, "message", bad));
	} else if (pick(d, req, sel, &n, bad, sizeof bad) != 0) {
		send_json(c, fail_json("%s", bad));
	} else if (!strcmp(cmd, "sync")) {
		int full = json_is_true(json_object_get(req, "full"));
		int wait = json_is_true(json_object_get(req, "wait"));
		json_t *names = json_array();
		if (d->stopping) {
			send_json(c, fail_json("the daemon is shutting down"));
			json_decref(names);
			goto out;
		}
		if (wait)
			c->waiting = json_object();
		for (size_t i = 0; i < n; i++) {
			if (!json_object_get(req, "instance") && !json_object_get(req, "instances") &&
			    !sel[i]->inst->enabled)
				continue;
			sel[i]->want = 1;
			sel[i]->want_full |= full;
			json_array_append_new(names, json_string(sel[i]->name));
			if (wait)
				json_object_set_new(c->waiting, sel[i]->name, json_null());
		}
		if (!wait || json_array_size(names) == 0) {
			send_json(c, json_pack("{s:b, s:o}", "ok", 1, "queued", names));
			json_decref(c->waiting);
			c->waiting = NULL;
		} else {
			send_json(c, json_pack("{s:b, s:s, s:o}", "ok", 1, "event", "queued", "queued", names));
		}
	} else if (!strcmp(cmd, "pause") || !strcmp(cmd, "resume")) {
		json_t *names = json_array();
		for (size_t i = 0; i < n; i++) {
			sel[i]->paused = cmd[0] == 'p';
			if (!sel[i]->paused && sel[i]->inst->every > 0 && sel[i]->next_due < wall())
				sel[i]->next_due = wall();
			json_array_append_new(names, json_string(sel[i]->name));
		}
		send_json(c, json_pack("{s:b, s:o}", "ok", 1, cmd[0] == 'p' ? "paused" : "resumed", names));
	} else if (!strcmp(cmd, "reset")) {
		const char *stream = json_string_value(json_object_get(req, "stream"));
		struct ss_err e;
		if (!json_is_string(json_object_get(req, "instance"))) {
			send_json(c, fail_json("reset needs \"instance\""));
		} else if (sel[0]->job || !lock_free(d, sel[0]->name)) {
			send_json(c, fail_json("%s is syncing; reset it when the run ends", sel[0]->name));
		} else if (store_cursor_reset(d->st, sel[0]->name, stream, &e) != 0) {
			send_json(c, fail_json("%s", e.msg));
		} else {
			log_msg(SS_LOG_INFO, sel[0]->name, "cursors reset%s%s", stream ? ": " : "", stream ? stream : "");
			send_json(c, json_pack("{s:b, s:s, s:s?}", "ok", 1, "reset", sel[0]->name, "stream", stream));
		}
	} else {
		send_json(c, fail_json("unknown cmd '%s' (ping, status, runs, sync, reset, pause, resume, reload)", cmd));
	}
out:
	free(sel);
}

/* Same user or root only: the socket drives syncs and resets cursors. */
static int peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof cred;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return 0;
	return cred.uid == geteuid() || cred.uid == 0;
}

static void accept_client(struct daemon *d)
{
	int fd = accept4(d->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct client *c = NULL;

	if (fd < 0)
		return;
	if (!peer_allowed(fd)) {
		log_msg(SS_LOG_WARN, NULL, "control: refused a connection from another user");
		close(fd);
		return;
	}
	for (size_t i = 0; i < d->nclients; i++) {
		if (d->clients[i].fd < 0)
			c = &d->clients[i];
	}
	if (!c && d->nclients < MAX_CLIENTS)
		c = &d->clients[d->nclients++];
	if (!c) {
		close(fd);
		return;
	}
	memset(c, 0, sizeof *c);
	c->fd = fd;
	c->last = wall();
}

static void read_client(struct daemon *d, struct client *c)
{
	char buf[4096];
	ssize_t n = read(c->fd, buf, sizeof buf);
	char *nl;

	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		close_client(c);
		return;
	}
	c->last = wall();
	sb_add(&c->in, buf, (size_t)n);
	if (c->in.len > 65536) {
		send_json(c, fail_json("request too long"));
		close_client(c);
		return;
	}
	while (c->fd >= 0 && (nl = memchr(c->in.buf, '\n', c->in.len))) {
		size_t len = (size_t)(nl - c->in.buf);
		json_error_t je;
		json_t *req = json_loadb(c->in.buf, len, 0, &je);
		memmove(c->in.buf, nl + 1, c->in.len - len - 1);
		c->in.len -= len + 1;
		if (!json_is_object(req)) {
			send_json(c, fail_json("malformed request: %s", je.text));
			json_decref(req);
			close_client(c);
			return;
		}
		handle(d, c, req);
		json_decref(req);
	}
}

/* A stale socket (its daemon was killed) is replaced; a live one means
 * another daemon, which the store lock has already ruled out. */
static int listen_socket(struct daemon *d, struct ss_err *err)
{
	struct sockaddr_un a = {0};
	const char *path = d->gen->cfg->socket;
	int probe;

	if (strlen(path) >= sizeof a.sun_path)
		return err_set(err, SS_EINVAL, "socket path %s is too long", path);
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, path, strlen(path) + 1);
	if ((probe = ctl_connect(path, NULL)) >= 0) {
		close(probe);
		return err_set(err, SS_EINVAL, "another daemon answers on %s", path);
	}
	if (unlink(path) == 0)
		log_msg(SS_LOG_INFO, NULL, "control: replaced the stale socket %s", path);
	if ((d->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return err_set(err, SS_EIO, "socket: %s", strerror(errno));
	{
		mode_t old = umask(0177);
		int rc = bind(d->lfd, (struct sockaddr *)&a, sizeof a);
		umask(old);
		if (rc != 0)
			return err_set(err, errno == ENOENT ? SS_EINVAL : SS_EIO,
			    "cannot create the control socket %s: %s%s", path, strerror(errno),
			    errno == ENOENT ? " (does its directory exist? see socket =)" : "");
	}
	chmod(path, 0600);
	if (listen(d->lfd, 16) != 0)
		return err_set(err, SS_EIO, "listen on %s: %s", path, strerror(errno));
	d->socket_path = xstrdup(path);
	return 0;
}

/* One daemon per store: an flock beside it, held for the daemon's life. */
static int lock_store(struct daemon *d, struct ss_err *err)
{
	char *path = xasprintf("%s.daemon", d->gen->cfg->store);
	char pid[32] = "";
	int rc = 0;

	d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->lock_fd < 0) {
		rc = err_set(err, SS_EIO, "cannot open %s: %s", path, strerror(errno));
	} else if (flock(d->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		ssize_t n = read(d->lock_fd, pid, sizeof pid - 1);
		pid[n > 0 ? n : 0] = '\0';
		rc = err_set(err, SS_ERETRY, "another daemon (process %s) already runs on the store %s",
		    *pid ? pid : "?", d->gen->cfg->store);
	} else if (ftruncate(d->lock_fd, 0) == 0) {
		dprintf(d->lock_fd, "%ld", (long)getpid());
	}
	free(path);
	return rc;
}

/* Started as root with `user =`: drop to that user once the files that
 * need root are open. */
static int drop_privileges(struct daemon *d, struct ss_err *err)
{
	const char *user = d->gen->cfg->user;
	struct passwd *pw;

	if (!user || geteuid() != 0)
		return 0;
	if (!(pw = getpwnam(user)))
		return err_set(err, SS_EINVAL, "user = %s: no such user", user);
	if (chown(d->socket_path, pw->pw_uid, pw->pw_gid) != 0 || initgroups(user, pw->pw_gid) != 0 ||
	    setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
		return err_set(err, SS_EIO, "cannot switch to user %s: %s", user, strerror(errno));
	log_msg(SS_LOG_INFO, NULL, "running as user %s", user);
	return 0;
}

/* ---- the loop ------------------------------------------------------------- */

static int next_timeout_ms(struct daemon *d, double now)
{
	double t = -1;

	for (size_t i = 0; i < d->nslots; i++) {
		struct slot *s = d->slots[i];
		double w = -1;
		if (s->job) {
			w = run_job_wake(s->job);
			if (run_job_fd(s->job) < 0 && (w < 0 || w > 0.05))
				w = 0.05; /* pipe closed: the exit is imminent */
		} else if (!d->stopping && s->inst && (s->want || (!s->paused && s->inst->enabled &&
		               s->next_due > 0))) {
			w = s->want ? 0 : s->next_due - now;
			if (w < 0)
				w = 0;
			if (running(d) >= (size_t)d->gen->cfg->jobs)
				w = -1; /* a finishing run wakes us */
		}
		if (w >= 0 && (t < 0 || w < t))
			t = w;
	}
	for (size_t i = 0; i < d->nclients; i++) {
		struct client *c = &d->clients[i];
		if (c->fd >= 0 && !c->waiting) {
			double w = c->last + CLIENT_IDLE_SECONDS - now;
			if (t < 0 || w < t)
				t = w < 0 ? 0 : w;
		}
	}
	if (d->stopping) {
		double w = d->stop_deadline - now;
		if (t < 0 || w < t)
			t = w < 0 ? 0 : w;
	}
	return t < 0 ? -1 : (int)(t * 1000) + 1;
}

static void begin_stop(struct daemon *d, int sig)
{
	if (d->stopping) {
		/* A second signal: stop now. */
		d->stop_deadline = 0;
		return;
	}
	d->stopping = 1;
	d->stop_deadline = wall() + (double)d->gen->cfg->shutdown_grace;
	log_msg(SS_LOG_INFO, NULL, "%s: stopping; %zu running sync%s get %llds to reach a checkpoint",
	    sig == SIGINT ? "SIGINT" : "SIGTERM", running(d), running(d) == 1 ? "" : "s",
	    (long long)d->gen->cfg->shutdown_grace);
	for (size_t i = 0; i < d->nslots; i++) {
		if (d->slots[i]->job)
			run_job_stop(d->slots[i]->job, 0);
	}
}

static void progress_events(struct daemon *d, struct slot *s, double now)
{
	int64_t done, total;
	const char *stream;

	if (now - s->progress_sent < 1)
		return;
	stream = run_job_progress(s->job, &done, &total);
	if (!*stream)
		return;
	s->progress_sent = now;
	notify(d, s->name, json_pack("{s:s, s:s, s:s, s:I, s:I}", "event", "progress", "instance",
	    s->name, "stream", stream, "done", (json_int_t)done, "total", (json_int_t)total));
}

static void loop(struct daemon *d)
{
	struct pollfd *pfd = NULL;

	while (!d->stopping || running(d) > 0) {
		double now = wall();
		/* Handling input may add clients (accept) or slots (reload):
		 * only those polled this round are looked at. */
		size_t np = 0, nc = d->nclients, ns = d->nslots, cap = 2 + nc + ns;
		int timeout;

		if (!d->stopping)
			start_due(d, now);
		timeout = next_timeout_ms(d, now);
		if (d->metrics) {
			int mt = mhttp_timeout(d->metrics);
			if (mt >= 0 && (timeout < 0 || mt < timeout))
				timeout = mt;
			cap += 64;
		}
		pfd = xrealloc(pfd, cap * sizeof *pfd);
		pfd[np++] = (struct pollfd){sigpipe_fds[0], POLLIN, 0};
		pfd[np++] = (struct pollfd){d->lfd, POLLIN, 0};
		for (size_t i = 0; i < nc; i++)
			pfd[np++] = (struct pollfd){d->clients[i].fd, POLLIN, 0};
		for (size_t i = 0; i < ns; i++)
			pfd[np++] = (struct pollfd){d->slots[i]->job ? run_job_fd(d->slots[i]->job) : -1, POLLIN, 0};
		if (d->metrics)
			np += mhttp_fds(d->metrics, pfd + np, 64);
		if (poll(pfd, np, timeout) < 0 && errno != EINTR)
			break;
		if (d->metrics)
			mhttp_run(d->metrics);
		now = wall();
		if (pfd[0].revents) {
			unsigned char sig[16];
			ssize_t n = read(sigpipe_fds[0], sig, sizeof sig);
			for (ssize_t i = 0; i < n; i++) {
				char why[512];
				if (sig[i] == SIGHUP && !d->stopping)
					reload(d, why, sizeof why);
				else if (sig[i] == SIGTERM || sig[i] == SIGINT)
					begin_stop(d, sig[i]);
			}
		}
		if (pfd[1].revents)
			accept_client(d);
		for (size_t i = 0; i < nc; i++) {
			struct client *c = &d->clients[i];
			if (c->fd >= 0 && pfd[2 + i].revents)
				read_client(d, c);
			if (c->fd >= 0 && !c->waiting && now - c->last > CLIENT_IDLE_SECONDS)
				close_client(c);
		}
		for (size_t i = 0; i < d->nslots; i++) {
			struct slot *s = d->slots[i];
			if (!s->job)
				continue;
			if (i < ns && pfd[2 + nc + i].revents)
				run_job_read(s->job);
			progress_events(d, s, now);
			if (run_job_poll(s->job, d->st))
				finished(d, s);
		}
		if (d->stopping && now >= d->stop_deadline) {
			for (size_t i = 0; i < d->nslots; i++) {
				if (d->slots[i]->job)
					run_job_stop(d->slots[i]->job, 1);
			}
		}
	}
	free(pfd);
}

static void setup_signals(void)
{
	struct sigaction sa;

	if (pipe2(sigpipe_fds, O_CLOEXEC | O_NONBLOCK) != 0)
		return;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int cmd_daemon(struct app *a, int argc, char **argv)
{
	struct daemon d;
	struct ss_err e;
	char *path;
	int rc;

	if (app_wants_help(argc, argv)) {
		fputs(help, stdout);
		return EXIT_OK;
	}
	if (argc > 1)
		return app_usage_error("daemon", "takes no arguments");
	memset(&d, 0, sizeof d);
	d.lfd = d.lock_fd = -1;
	path = a->config_arg ? xstrdup(a->config_arg) : cfg_find(&e);
	if (!path) {
		fprintf(stderr, "salesync: %s\n", e.msg);
		return EXIT_CONFIG;
	}
	d.config_path = path;
	if (!(d.gen = gen_load(path))) {
		free(path);
		return EXIT_CONFIG;
	}
	{
		const char *f = d.gen->cfg->log_format;
		log_set_format(!f || !strcmp(f, "logfmt") ? LOG_LOGFMT : !strcmp(f, "json") ? LOG_JSON : LOG_TEXT);
	}
	if (!a->verbose && !a->quiet)
		log_set_level(d.gen->cfg->log_level);
	srandom((unsigned)getpid() ^ (unsigned)time(NULL));
	if ((rc = lock_store(&d, &e)) != 0 || (rc = store_open(d.gen->cfg->store, &d.st, &e)) != 0 ||
	    (rc = listen_socket(&d, &e)) != 0 || (rc = drop_privileges(&d, &e)) != 0) {
		log_msg(SS_LOG_ERROR, NULL, "%s", e.msg);
		rc = rc == SS_ERETRY ? EXIT_LOCKED : rc == SS_EIO || rc == SS_ESTORE ? EXIT_STORE : EXIT_CONFIG;
		goto out;
	}
	if (d.gen->cfg->metrics_listen &&
	    !(d.metrics = mhttp_start(d.gen->cfg->metrics_listen, d.st, &e))) {
		log_msg(SS_LOG_ERROR, NULL, "%s", e.msg);
		rc = EXIT_CONFIG;
		goto out;
	}
	setup_signals();
	bind_slots(&d, d.gen);
	log_msg(SS_LOG_INFO, NULL, "daemon started: %zu instances, store %s, socket %s (pid %ld)",
	    d.gen->cfg->ninst, d.gen->cfg->store, d.socket_path, (long)getpid());
	loop(&d);
	log_msg(SS_LOG_INFO, NULL, "daemon stopped");
	rc = EXIT_OK;
out:
	mhttp_stop(d.metrics);
	for (size_t i = 0; i < d.nclients; i++)
		close_client(&d.clients[i]);
	for (size_t i = 0; i < d.nslots; i++) {
		run_job_free(d.slots[i]->job);
		free(d.slots[i]->name);
		free(d.slots[i]);
	}
	free(d.slots);
	if (d.lfd >= 0)
		close(d.lfd);
	if (d.socket_path)
		unlink(d.socket_path);
	free(d.socket_path);
	store_close(d.st);
	while (d.retired) {
		struct gen *g = d.retired;
		d.retired = g->next;
		gen_free(g);
	}
	gen_free(d.gen);
	if (d.lock_fd >= 0)
		close(d.lock_fd);
	free(path);
	return rc;
}
