/* bgtask: queued tasks on a helper thread; guarded crashes wait for them. */
#include "bgtask.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

struct bgtask {
	bg_fn fn;
	void *ud;
	int hold_ms;
	size_t group_weight;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t idle;     /* signalled when a run of tasks ends */
	void **q;                /* queued tasks, oldest first */
	size_t n, cap, weight;   /* queued count and weight */
	size_t running_weight;
	double oldest;           /* when q[0] was queued (monotonic seconds) */
	int flush, quit;
	/* Read by the crash guard without the mutex. */
	volatile sig_atomic_t pending;   /* tasks queued or running */
	volatile sig_atomic_t crashing;  /* run everything now */
	int wake[2];             /* a byte: look at the queue again */
	int done[2];             /* a byte per run of tasks, for the guard */
};

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define NCRASH (sizeof crash_signals / sizeof crash_signals[0])

static struct bgtask *volatile guarded;
static struct sigaction saved[NCRASH];

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void poke(int fd)
{
	while (write(fd, "", 1) < 0 && errno == EINTR)
		;
}

/* Async-signal-safe: has the thread run everything queued, waiting at
 * most BG_CRASH_WAIT_MS. */
static void wait_for_tasks(void)
{
	struct bgtask *bg = guarded;
	int waited = 0;

	if (!bg || pthread_equal(pthread_self(), bg->th))
		return;
	bg->crashing = 1;
	poke(bg->wake[1]);
	while (bg->pending > 0 && waited < BG_CRASH_WAIT_MS) {
		struct pollfd p = {bg->done[0], POLLIN, 0};
		char buf[64];
		if (poll(&p, 1, 100) > 0)
			while (read(bg->done[0], buf, sizeof buf) > 0)
				;
		waited += 100;
	}
}

static void on_crash(int sig)
{
	struct sigaction dfl;

	wait_for_tasks();
	/* Then die of the same signal, as if nobody had been watching: a
	 * fault re-raises on return, a kill(2)ed signal does not. */
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	raise(sig);
}

static void on_exit_wait(void)
{
	wait_for_tasks();
}

static void guard(struct bgtask *bg)
{
	static int registered;
	struct sigaction sa;

	if (!registered && atexit(on_exit_wait) == 0)
		registered = 1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_crash;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NCRASH; i++)
		sigaction(crash_signals[i], &sa, &saved[i]);
	guarded = bg;
}

static void unguard(struct bgtask *bg)
{
	if (guarded != bg)
		return;
	guarded = NULL;
	for (size_t i = 0; i < NCRASH; i++)
		sigaction(crash_signals[i], &saved[i], NULL);
}

/* With the mutex held: whether the queue should run now, else how long
 * to wait (ms, -1 for no limit). */
static int due(struct bgtask *bg, int *wait_ms)
{
	double left;

	*wait_ms = -1;
	if (bg->n == 0)
		return 0;
	if (bg->flush || bg->quit || bg->crashing || bg->weight >= bg->group_weight)
		return 1;
	left = bg->oldest + bg->hold_ms / 1000.0 - mono();
	if (left <= 0)
		return 1;
	*wait_ms = (int)(left * 1000) + 1;
	return 0;
}

static void *loop(void *p)
{
	struct bgtask *bg = p;
	void **tasks = NULL;
	size_t cap = 0;

	pthread_mutex_lock(&bg->mu);
	for (;;) {
		size_t n;
		int wait_ms;

		if (!due(bg, &wait_ms)) {
			struct pollfd pf = {bg->wake[0], POLLIN, 0};
			char buf[64];
			if (bg->quit && bg->n == 0)
				break;
			pthread_mutex_unlock(&bg->mu);
			if (poll(&pf, 1, wait_ms) > 0)
				while (read(bg->wake[0], buf, sizeof buf) > 0)
					;
			pthread_mutex_lock(&bg->mu);
			continue;
		}
		if (cap < bg->n) {
			cap = bg->n;
			tasks = xrealloc(tasks, cap * sizeof *tasks);
		}
		n = bg->n;
		memcpy(tasks, bg->q, n * sizeof *tasks);
		bg->n = 0;
		bg->running_weight = bg->weight;
		bg->weight = 0;
		pthread_mutex_unlock(&bg->mu);
		bg->fn(tasks, n, bg->ud);
		pthread_mutex_lock(&bg->mu);
		bg->running_weight = 0;
		bg->pending -= (sig_atomic_t)n;
		pthread_cond_broadcast(&bg->idle);
		poke(bg->done[1]);
	}
	pthread_mutex_unlock(&bg->mu);
	free(tasks);
	return NULL;
}

static void close_pipes(struct bgtask *bg)
{
	for (int i = 0; i < 2; i++) {
		if (bg->wake[i] >= 0)
			close(bg->wake[i]);
		if (bg->done[i] >= 0)
			close(bg->done[i]);
	}
}

struct bgtask *bg_new(bg_fn fn, void *ud, int hold_ms, size_t group_weight, int guard_crashes,
    struct ss_err *err)
{
	struct bgtask *bg = xcalloc(1, sizeof *bg);
	sigset_t all, old;
	int rc;

	bg->fn = fn;
	bg->ud = ud;
	bg->hold_ms = hold_ms;
	bg->group_weight = group_weight ? group_weight : 1;
	bg->wake[0] = bg->wake[1] = bg->done[0] = bg->done[1] = -1;
	if (pipe2(bg->wake, O_CLOEXEC | O_NONBLOCK) != 0 ||
	    pipe2(bg->done, O_CLOEXEC | O_NONBLOCK) != 0) {
		err_set(err, SS_EIO, "cannot make a pipe: %s", strerror(errno));
		close_pipes(bg);
		free(bg);
		return NULL;
	}
	pthread_mutex_init(&bg->mu, NULL);
	pthread_cond_init(&bg->idle, NULL);
	/* The thread takes no asynchronous signals: SIGTERM and SIGINT
	 * (cancel) belong to the plugin's thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&bg->th, NULL, loop, bg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		err_set(err, SS_EIO, "cannot start a thread: %s", strerror(rc));
		close_pipes(bg);
		pthread_mutex_destroy(&bg->mu);
		pthread_cond_destroy(&bg->idle);
		free(bg);
		return NULL;
	}
	if (guard_crashes)
		guard(bg);
	return bg;
}

void bg_push(struct bgtask *bg, void *task, size_t weight)
{
	pthread_mutex_lock(&bg->mu);
	if (bg->n == bg->cap) {
		bg->cap = bg->cap ? bg->cap * 2 : 8;
		bg->q = xrealloc(bg->q, bg->cap * sizeof *bg->q);
	}
	if (bg->n == 0)
		bg->oldest = mono();
	bg->q[bg->n++] = task;
	bg->weight += weight;
	bg->pending++;
	pthread_mutex_unlock(&bg->mu);
	poke(bg->wake[1]);
}

size_t bg_pending(struct bgtask *bg)
{
	size_t w;

	if (!bg)
		return 0;
	pthread_mutex_lock(&bg->mu);
	w = bg->weight + bg->running_weight;
	pthread_mutex_unlock(&bg->mu);
	return w;
}

void bg_flush(struct bgtask *bg)
{
	if (!bg)
		return;
	pthread_mutex_lock(&bg->mu);
	bg->flush = 1;
	pthread_mutex_unlock(&bg->mu);
	poke(bg->wake[1]);
	pthread_mutex_lock(&bg->mu);
	while (bg->pending > 0)
		pthread_cond_wait(&bg->idle, &bg->mu);
	bg->flush = 0;
	pthread_mutex_unlock(&bg->mu);
}

void bg_free(struct bgtask *bg)
{
	if (!bg)
		return;
	bg_flush(bg);
	unguard(bg);
	pthread_mutex_lock(&bg->mu);
	bg->quit = 1;
	pthread_mutex_unlock(&bg->mu);
	poke(bg->wake[1]);
	pthread_join(bg->th, NULL);
	close_pipes(bg);
	pthread_mutex_destroy(&bg->mu);
	pthread_cond_destroy(&bg->idle);
	free(bg->q);
	free(bg);
}
