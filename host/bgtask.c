/* bgtask: one task at a time on a helper thread; crashes wait for it. */
#include "bgtask.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

struct bgtask {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	void (*fn)(void *arg);  /* the task handed over, NULL when idle */
	void *arg;
	int quit;
	volatile sig_atomic_t inflight; /* started, not yet waited for */
	int done[2];            /* a byte per finished task */
};

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define NCRASH (sizeof crash_signals / sizeof crash_signals[0])

static struct bgtask *volatile guarded;
static struct sigaction saved[NCRASH];

/* Async-signal-safe: poll() until the running task has written its byte. */
static void wait_for_task(void)
{
	struct bgtask *bg = guarded;
	struct pollfd p;

	if (!bg || !bg->inflight || pthread_equal(pthread_self(), bg->th))
		return;
	p.fd = bg->done[0];
	p.events = POLLIN;
	p.revents = 0;
	poll(&p, 1, BG_CRASH_WAIT_MS);
}

static void on_crash(int sig)
{
	struct sigaction dfl;

	wait_for_task();
	/* Then die of the same signal, as if nobody had been watching: a
	 * fault re-raises on return, a kill(2)ed signal does not. */
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	raise(sig);
}

static void on_exit_wait(void)
{
	wait_for_task();
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

static void *loop(void *p)
{
	struct bgtask *bg = p;

	pthread_mutex_lock(&bg->mu);
	for (;;) {
		void (*fn)(void *);
		void *arg;

		while (!bg->fn && !bg->quit)
			pthread_cond_wait(&bg->cv, &bg->mu);
		if (!bg->fn)
			break;
		fn = bg->fn;
		arg = bg->arg;
		pthread_mutex_unlock(&bg->mu);
		fn(arg);
		pthread_mutex_lock(&bg->mu);
		bg->fn = NULL;
		/* Written under the mutex: whoever reads the byte and then
		 * takes the mutex sees everything fn wrote. */
		while (write(bg->done[1], "", 1) < 0 && errno == EINTR)
			;
	}
	pthread_mutex_unlock(&bg->mu);
	return NULL;
}

struct bgtask *bg_new(int guard_crashes, struct ss_err *err)
{
	struct bgtask *bg = xcalloc(1, sizeof *bg);
	sigset_t all, old;
	int rc;

	if (pipe2(bg->done, O_CLOEXEC) != 0) {
		err_set(err, SS_EIO, "cannot make a pipe: %s", strerror(errno));
		free(bg);
		return NULL;
	}
	pthread_mutex_init(&bg->mu, NULL);
	pthread_cond_init(&bg->cv, NULL);
	/* The thread takes no asynchronous signals: SIGTERM and SIGINT
	 * (cancel) belong to the plugin's thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&bg->th, NULL, loop, bg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		err_set(err, SS_EIO, "cannot start a thread: %s", strerror(rc));
		close(bg->done[0]);
		close(bg->done[1]);
		pthread_mutex_destroy(&bg->mu);
		pthread_cond_destroy(&bg->cv);
		free(bg);
		return NULL;
	}
	if (guard_crashes)
		guard(bg);
	return bg;
}

void bg_start(struct bgtask *bg, void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&bg->mu);
	bg->fn = fn;
	bg->arg = arg;
	bg->inflight = 1;
	pthread_cond_signal(&bg->cv);
	pthread_mutex_unlock(&bg->mu);
}

int bg_busy(const struct bgtask *bg)
{
	return bg && bg->inflight;
}

void bg_wait(struct bgtask *bg)
{
	char c;

	if (!bg || !bg->inflight)
		return;
	while (read(bg->done[0], &c, 1) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&bg->mu);
	bg->inflight = 0;
	pthread_mutex_unlock(&bg->mu);
}

void bg_free(struct bgtask *bg)
{
	if (!bg)
		return;
	bg_wait(bg);
	unguard(bg);
	pthread_mutex_lock(&bg->mu);
	bg->quit = 1;
	pthread_cond_signal(&bg->cv);
	pthread_mutex_unlock(&bg->mu);
	pthread_join(bg->th, NULL);
	close(bg->done[0]);
	close(bg->done[1]);
	pthread_mutex_destroy(&bg->mu);
	pthread_cond_destroy(&bg->cv);
	free(bg);
}
