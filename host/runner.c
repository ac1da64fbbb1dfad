/* runner: fork a worker per instance, watch them, record what happened. */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define KILL_GRACE_SECONDS 3

struct run_job {
	const struct run_request *req;
	struct cfg_instance *inst;
	const struct ss_plugin *plugin;
	struct run_result *res;
	pid_t pid;
	int fd;              /* read end of the worker's report pipe */
	char buf[4096];      /* partial line from the pipe */
	size_t len;
	char stream[64];     /* latest progress */
	int64_t done, total;
	double started, deadline, last_plain;
	int term_sent, kill_sent, timed_out;
	int finished;
	int lock_fd;         /* the instance's run lock, shared with the worker */
};

static volatile sig_atomic_t stop_signals;

static void on_stop(int sig)
{
	(void)sig;
	stop_signals++;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *run_signal_name(int sig, char buf[16])
{
	static const struct { int sig; const char *name; } names[] = {
	    {SIGSEGV, "SIGSEGV"}, {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"}, {SIGFPE, "SIGFPE"},
	    {SIGILL, "SIGILL"}, {SIGKILL, "SIGKILL"}, {SIGTERM, "SIGTERM"}, {SIGINT, "SIGINT"},
	    {SIGPIPE, "SIGPIPE"}, {SIGTRAP, "SIGTRAP"}};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (names[i].sig == sig)
			return names[i].name;
	}
	snprintf(buf, 16, "signal %d", sig);
	return buf;
}

/* ---- in the worker ----------------------------------------------------- */

struct child_report {
	int fd;
	double last;
};

static void write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Progress travels to the parent as "P stream done total\n", at most ten
 * times a second, so a plugin may report per record. */
static void child_progress(void *ud, const char *instance, const char *stream, int64_t done,
    int64_t total)
{
	struct child_report *r = ud;
	char line[160];
	double t = now_s();
	int n;

	(void)instance;
	if (t - r->last < 0.1)
		return;
	r->last = t;
	n = snprintf(line, sizeof line, "P %.60s %lld %lld\n", *stream ? stream : "-",
	    (long long)done, (long long)total);
	if (n > 0)
		write_all(r->fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void child_cancel(int sig)
{
	(void)sig;
	ctx_request_cancel();
}

static void child_main(const struct run_request *req, struct run_job *j, int fd)
{
	struct child_report rep = {fd, 0};
	struct ctx_probe probe = {0};
	struct wrk_job wj = {req->cfg, j->inst, j->plugin, req->mode, j->res->run_id,
	    child_progress, &rep, NULL};
	struct sigaction sa;
	struct ss_err err = {{0}};
	const char *status;

	if (req->probe) {
		probe = *req->probe;
		wj.probe = &probe;
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = child_cancel;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	status = wrk_run(&wj, &err);
	/* The outcome also travels over the pipe, for checks (no run row) and
	 * so the parent can tell a finished worker from one that died. */
	for (char *p = err.msg; *p; p++) {
		if (*p == '\n')
			*p = ' ';
	}
	if (wj.probe)
		dprintf(fd, "C %lld %lld %s\n", (long long)probe.checkpoints,
		    (long long)probe.duplicates, probe.first_duplicate);
	dprintf(fd, "S %s\nE %s\n", status, err.msg);
	_exit(strcmp(status, "ok") == 0 ? 0 : 1);
}

/* ---- in the parent ----------------------------------------------------- */

static void handle_line(struct run_job *j, const char *line)
{
	long long done, total;
	char stream[64];

	if (line[0] == 'P' && sscanf(line, "P %63s %lld %lld", stream, &done, &total) == 3) {
		snprintf(j->stream, sizeof j->stream, "%s", stream);
		j->done = done;
		j->total = total;
	} else if (line[0] == 'S' && line[1] == ' ') {
		snprintf(j->res->status, sizeof j->res->status, "%s", line + 2);
		j->finished = 1;
	} else if (line[0] == 'E' && line[1] == ' ') {
		snprintf(j->res->error, sizeof j->res->error, "%s", line + 2);
	} else if (line[0] == 'C' && sscanf(line, "C %lld %lld", &done, &total) == 2) {
		const char *dup = strchr(strchr(line + 2, ' ') + 1, ' ');
		j->res->probe.checkpoints = done;
		j->res->probe.duplicates = total;
		snprintf(j->res->probe.first_duplicate, sizeof j->res->probe.first_duplicate, "%s",
		    dup ? dup + 1 : "");
	}
}

static void read_reports(struct run_job *j)
{
	ssize_t n;

	while ((n = read(j->fd, j->buf + j->len, sizeof j->buf - 1 - j->len)) > 0) {
		char *start = j->buf, *nl;
		j->len += (size_t)n;
		j->buf[j->len] = '\0';
		while ((nl = strchr(start, '\n'))) {
			*nl = '\0';
			handle_line(j, start);
			start = nl + 1;
		}
		j->len -= (size_t)(start - j->buf);
		memmove(j->buf, start, j->len);
		if (j->len == sizeof j->buf - 1)
			j->len = 0; /* an overlong line: drop it */
	}
	if (n == 0) {
		close(j->fd);
		j->fd = -1;
	}
}

/*
 * One run per instance at a time, across processes (a CLI sync and the
 * daemon): an flock on STORE.locks/INSTANCE, taken here and inherited by
 * the worker, so it is held until both have let go, and released by the
 * kernel whatever happens to them.
 */
int run_lock_instance(const struct cfg *c, const char *instance, int *fd_out, char *why,
    size_t whylen)
{
	char *dir = xasprintf("%s.locks", c->store);
	char *path = xasprintf("%s/%s", dir, instance);
	char pid[32] = "";
	int fd, rc = 0;

	*fd_out = -1;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(why, whylen, "cannot create %s: %s", dir, strerror(errno));
		rc = -1;
	} else if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		snprintf(why, whylen, "cannot open %s: %s", path, strerror(errno));
		rc = -1;
	} else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		ssize_t n = read(fd, pid, sizeof pid - 1);
		pid[n > 0 ? n : 0] = '\0';
		snprintf(why, whylen, "instance %s is already syncing (process %s); not started",
		    instance, *pid ? pid : "?");
		close(fd);
		rc = -1;
	} else {
		if (ftruncate(fd, 0) == 0)
			dprintf(fd, "%ld", (long)getpid());
		*fd_out = fd;
	}
	free(path);
	free(dir);
	return rc;
}

static int lock_instance(const struct run_request *req, struct run_job *j)
{
	if (run_lock_instance(req->cfg, j->inst->name, &j->lock_fd, j->res->error,
	        sizeof j->res->error) == 0)
		return 0;
	snprintf(j->res->status, sizeof j->res->status, "failed");
	return -1;
}

static void unlock_instance(struct run_job *j)
{
	if (j->lock_fd >= 0) {
		close(j->lock_fd);
		j->lock_fd = -1;
	}
}

/* What every run does first, forked or inline: take the instance's lock
 * and record the run (checks do neither). On failure res says why. */
static int begin_run(const struct run_request *req, struct run_job *j, struct store *st)
{
	struct ss_err e;

	j->started = now_s();
	j->lock_fd = -1;
	if (req->mode == WRK_CHECK)
		return 0;
	if (lock_instance(req, j) != 0)
		return -1;
	if (store_run_start(st, j->inst->name, j->plugin->name,
	        req->mode == WRK_FULL ? "full" : "sync", &j->res->run_id, &e) != 0) {
		snprintf(j->res->status, sizeof j->res->status, "failed");
		snprintf(j->res->error, sizeof j->res->error, "%s", e.msg);
		unlock_instance(j);
		return -1;
	}
	return 0;
}

static int start_job(const struct run_request *req, struct run_job *j, struct store *st)
{
	int fds[2];

	if (begin_run(req, j, st) != 0)
		return -1;
	j->deadline = j->inst->timeout > 0 ? j->started + (double)j->inst->timeout : 0;
	if (pipe(fds) != 0) {
		snprintf(j->res->status, sizeof j->res->status, "failed");
		snprintf(j->res->error, sizeof j->res->error, "pipe: %s", strerror(errno));
		unlock_instance(j);
		return -1;
	}
	fflush(NULL);
	j->pid = fork();
	if (j->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		snprintf(j->res->status, sizeof j->res->status, "failed");
		snprintf(j->res->error, sizeof j->res->error, "fork: %s", strerror(errno));
		unlock_instance(j);
		return -1;
	}
	if (j->pid == 0) {
		close(fds[0]);
		child_main(req, j, fds[1]);
	}
	close(fds[1]);
	fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	j->fd = fds[0];
	return 0;
}

/* Decides the outcome of a worker that has exited. */
static void reap(const struct run_request *req, struct run_job *j, int wstatus, struct store *st)
{
	struct ss_err e;
	char sig[16];
	char msg[1024] = "";

	j->res->seconds = now_s() - j->started;
	if (j->timed_out)
		snprintf(msg, sizeof msg, "timed out after %llds (timeout = %llds); the store keeps the last checkpoint",
		    (long long)(now_s() - j->started), (long long)j->inst->timeout);
	else if (WIFSIGNALED(wstatus))
		snprintf(msg, sizeof msg, "worker crashed: %s in plugin '%s'; the store keeps the last checkpoint",
		    run_signal_name(WTERMSIG(wstatus), sig), j->plugin->name);
	else if (!j->finished)
		snprintf(msg, sizeof msg, "plugin '%s' ended the worker process (exit status %d) "
		    "before the run finished; the store keeps the last checkpoint",
		    j->plugin->name, WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
	if (!*msg)
		return;
	snprintf(j->res->status, sizeof j->res->status, "%s", j->timed_out ? "cancelled" : "failed");
	snprintf(j->res->error, sizeof j->res->error, "%s", msg);
	if (req->mode != WRK_CHECK &&
	    store_run_finish(st, j->res->run_id, j->res->status, msg, &e) != 0)
		log_msg(SS_LOG_ERROR, j->inst->name, "cannot record the run: %s", e.msg);
}

static void enforce_deadline(struct run_job *j, double t)
{
	if (j->deadline > 0 && t >= j->deadline && !j->term_sent) {
		j->timed_out = 1;
		j->term_sent = 1;
		kill(j->pid, SIGTERM);
	}
	if (j->term_sent && !j->kill_sent && t >= (j->deadline > 0 ? j->deadline : j->started) +
	    KILL_GRACE_SECONDS) {
		j->kill_sent = 1;
		kill(j->pid, SIGKILL);
	}
}

/* ---- progress display -------------------------------------------------- */

struct display {
	int tty;
	int quiet;
	int drawn;
};

static void fmt_progress(const struct run_job *j, char *buf, size_t n)
{
	if (!*j->stream)
		snprintf(buf, n, "%s: starting", j->inst->name);
	else if (j->total >= 0)
		snprintf(buf, n, "%s: %s %lld/%lld", j->inst->name, j->stream, (long long)j->done,
		    (long long)j->total);
	else
		snprintf(buf, n, "%s: %s %lld", j->inst->name, j->stream, (long long)j->done);
}

static void clear_line(struct display *d)
{
	if (d->tty && d->drawn) {
		fputs("\r\033[K", stderr);
		d->drawn = 0;
	}
}

static void draw(struct display *d, struct run_job *jobs, size_t n, double t)
{
	char line[512] = "", part[160];
	size_t used = 0;

	if (d->quiet)
		return;
	for (size_t i = 0; i < n; i++) {
		struct run_job *j = &jobs[i];
		if (j->pid <= 0 || j->fd < 0)
			continue;
		fmt_progress(j, part, sizeof part);
		if (!d->tty) {
			/* Plain lines for logs and pipes: one per instance
			 * every 10 seconds. */
			if (t - j->last_plain >= 10 && *j->stream) {
				fprintf(stderr, "salesync: progress %s\n", part);
				j->last_plain = t;
			}
			continue;
		}
		used += (size_t)snprintf(line + used, sizeof line - used, "%s%s", used ? " | " : "", part);
		if (used >= sizeof line)
			break;
	}
	if (d->tty) {
		fprintf(stderr, "\r\033[K%.*s", 200, line);
		d->drawn = 1;
		fflush(stderr);
	}
}

/* ---- the loop ---------------------------------------------------------- */

static void progress_inline(void *ud, const char *instance, const char *stream, int64_t done,
    int64_t total)
{
	struct run_job *j = ud;

	(void)instance;
	snprintf(j->stream, sizeof j->stream, "%s", stream);
	j->done = done;
	j->total = total;
}

static void run_inline(const struct run_request *req, struct run_job *j, struct store *st)
{
	struct ss_err e = {{0}};
	struct wrk_job wj = {req->cfg, j->inst, j->plugin, req->mode, 0, progress_inline, j, NULL};
	const char *status;

	if (begin_run(req, j, st) != 0)
		return;
	wj.run_id = j->res->run_id;
	status = wrk_run(&wj, &e);
	snprintf(j->res->status, sizeof j->res->status, "%s", status);
	snprintf(j->res->error, sizeof j->res->error, "%s", e.msg);
	j->res->seconds = now_s() - j->started;
	unlock_instance(j);
}

static const struct ss_plugin *plugin_of(const struct run_request *req, const struct cfg_instance *in)
{
	const struct ldr_plugin *lp = ldr_find(req->plugins, in->plugin);
	return lp ? lp->desc : NULL;
}

/* ---- one job at a time, for callers with their own event loop ---------------- */

struct run_job *run_job_start(const struct run_request *req, struct cfg_instance *inst,
    struct store *st, struct run_result *res)
{
	struct run_job *j = xcalloc(1, sizeof *j);

	memset(res, 0, sizeof *res);
	j->req = req;
	j->inst = inst;
	j->plugin = plugin_of(req, inst);
	j->res = res;
	j->fd = -1;
	if (start_job(req, j, st) != 0) {
		free(j);
		return NULL;
	}
	return j;
}

int run_job_fd(const struct run_job *j)
{
	return j->fd;
}

void run_job_read(struct run_job *j)
{
	if (j->fd >= 0)
		read_reports(j);
}

int run_job_poll(struct run_job *j, struct store *st)
{
	double t = now_s();
	int ws;

	if (j->pid <= 0)
		return 1;
	enforce_deadline(j, t);
	if (waitpid(j->pid, &ws, WNOHANG) != j->pid)
		return 0;
	if (j->fd >= 0) {
		read_reports(j);
		if (j->fd >= 0)
			close(j->fd);
		j->fd = -1;
	}
	reap(j->req, j, ws, st);
	unlock_instance(j);
	if (!j->res->seconds)
		j->res->seconds = t - j->started;
	j->pid = 0;
	return 1;
}

double run_job_wake(const struct run_job *j)
{
	double t = now_s(), at;

	if (j->pid <= 0)
		return -1;
	if (j->term_sent && !j->kill_sent)
		at = (j->deadline > 0 ? j->deadline : j->started) + KILL_GRACE_SECONDS;
	else if (j->deadline > 0 && !j->term_sent)
		at = j->deadline;
	else
		return -1;
	return at > t ? at - t : 0;
}

void run_job_stop(struct run_job *j, int hard)
{
	if (j->pid <= 0)
		return;
	if (hard && !j->kill_sent) {
		kill(j->pid, SIGKILL);
		j->kill_sent = 1;
	} else if (!j->term_sent) {
		kill(j->pid, SIGTERM);
		j->term_sent = 1;
		/* The grace period before SIGKILL counts from now. */
		j->deadline = now_s();
	}
}

const char *run_job_progress(const struct run_job *j, int64_t *done, int64_t *total)
{
	*done = j->done;
	*total = j->total;
	return j->stream;
}

struct cfg_instance *run_job_instance(const struct run_job *j)
{
	return j->inst;
}

void run_job_free(struct run_job *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j);
}

int run_all(const struct run_request *req, struct run_result *results, struct ss_err *err)
{
	struct store *st = NULL;
	struct run_job *jobs;
	struct sigaction sa, old_int, old_term;
	struct display d = {isatty(2), req->quiet, 0};
	size_t next = 0, running = 0, left = req->n;
	int forwarded = 0;
	int rc;

	if ((rc = store_open(req->cfg->store, &st, err)) != 0)
		return rc;
	jobs = xcalloc(req->n ? req->n : 1, sizeof *jobs);
	for (size_t i = 0; i < req->n; i++) {
		jobs[i].req = req;
		jobs[i].inst = req->inst[i];
		jobs[i].plugin = plugin_of(req, req->inst[i]);
		jobs[i].res = &results[i];
		jobs[i].fd = -1;
		memset(&results[i], 0, sizeof results[i]);
	}
	if (req->no_fork) {
		for (size_t i = 0; i < req->n; i++)
			run_inline(req, &jobs[i], st);
		free(jobs);
		store_close(st);
		return 0;
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	stop_signals = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	while (left > 0) {
		struct pollfd pfd[64];
		size_t map[64], np = 0;
		double t;

		while (running < (size_t)req->cfg->jobs && next < req->n && !stop_signals) {
			struct run_job *j = &jobs[next++];
			if (start_job(req, j, st) == 0)
				running++;
			else
				left--;
		}
		if (stop_signals && next < req->n) {
			/* Never started: record nothing, report cancelled. */
			for (; next < req->n; next++, left--) {
				snprintf(jobs[next].res->status, sizeof jobs[next].res->status, "cancelled");
				snprintf(jobs[next].res->error, sizeof jobs[next].res->error, "not started: interrupted");
			}
		}
		if (stop_signals && !forwarded) {
			for (size_t i = 0; i < req->n; i++) {
				if (jobs[i].pid > 0 && jobs[i].fd >= 0) {
					kill(jobs[i].pid, SIGTERM);
					jobs[i].term_sent = 1;
				}
			}
			forwarded = 1;
		}
		if (stop_signals > 1) {
			for (size_t i = 0; i < req->n; i++) {
				if (jobs[i].pid > 0 && !jobs[i].kill_sent)
					kill(jobs[i].pid, SIGKILL), jobs[i].kill_sent = 1;
			}
		}
		for (size_t i = 0; i < req->n && np < 64; i++) {
			if (jobs[i].pid > 0 && jobs[i].fd >= 0) {
				pfd[np].fd = jobs[i].fd;
				pfd[np].events = POLLIN;
				map[np++] = i;
			}
		}
		if (np > 0 && poll(pfd, np, 250) > 0) {
			for (size_t k = 0; k < np; k++) {
				if (pfd[k].revents)
					read_reports(&jobs[map[k]]);
			}
		} else if (np == 0) {
			struct timespec ts = {0, 50 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		t = now_s();
		for (size_t i = 0; i < req->n; i++) {
			if (jobs[i].pid <= 0 || !run_job_poll(&jobs[i], st))
				continue;
			clear_line(&d);
			running--;
			left--;
		}
		draw(&d, jobs, req->n, t);
	}
	clear_line(&d);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	for (size_t i = 0; i < req->n; i++) {
		if (!*results[i].status)
			snprintf(results[i].status, sizeof results[i].status, "failed");
	}
	free(jobs);
	store_close(st);
	return 0;
}
