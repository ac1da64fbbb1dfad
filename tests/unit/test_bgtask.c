/* Unit tests for host/bgtask.c: tasks run in order, gather into groups,
 * and a crash or exit() of the caller waits for queued and running tasks
 * before the process ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bgtask.h"
#include "util.h"

/* fn: sleeps 300 ms, then creates each task's file. */
static void slow_write(void *const *tasks, size_t n, void *ud)
{
	struct timespec ts = {0, 300 * 1000 * 1000};

	(void)ud;
	nanosleep(&ts, NULL);
	for (size_t i = 0; i < n; i++) {
		FILE *f = fopen(tasks[i], "w");
		if (f)
			fclose(f);
	}
}

/* fn: appends each task's number to a log, and the size of each run. */
struct record {
	int order[256], norder;
	size_t runs[256];
	int nruns;
};

static void note(void *const *tasks, size_t n, void *ud)
{
	struct record *r = ud;

	r->runs[r->nruns++] = n;
	for (size_t i = 0; i < n; i++)
		r->order[r->norder++] = *(int *)tasks[i];
}

static void test_tasks_in_order(void **state)
{
	struct ss_err e;
	struct record r = {{0}, 0, {0}, 0};
	struct bgtask *bg = bg_new(note, &r, 0, 1, 0, &e);
	int nums[100];

	(void)state;
	assert_non_null(bg);
	assert_int_equal(bg_pending(bg), 0);
	bg_flush(bg); /* nothing queued: returns at once */
	for (int i = 0; i < 100; i++) {
		nums[i] = i;
		bg_push(bg, &nums[i], 1);
	}
	bg_flush(bg);
	assert_int_equal(bg_pending(bg), 0);
	assert_int_equal(r.norder, 100);
	for (int i = 0; i < 100; i++)
		assert_int_equal(r.order[i], i);
	bg_free(bg);
	bg_free(NULL);
	bg_flush(NULL);
	assert_int_equal(bg_pending(NULL), 0);
}

static void test_grouping(void **state)
{
	struct ss_err e;
	struct record r = {{0}, 0, {0}, 0};
	struct bgtask *bg = bg_new(note, &r, 10000, 10, 0, &e);
	int nums[3] = {7, 8, 9};

	(void)state;
	assert_non_null(bg);
	/* Held (10 s): three small tasks wait, then one flush runs them as
	 * one group. */
	for (int i = 0; i < 3; i++)
		bg_push(bg, &nums[i], 1);
	assert_int_equal(bg_pending(bg), 3);
	bg_flush(bg);
	assert_int_equal(r.nruns, 1);
	assert_int_equal(r.runs[0], 3);
	assert_int_equal(r.order[2], 9);
	/* Enough weight runs without a flush. */
	bg_push(bg, &nums[0], 10);
	for (int i = 0; i < 200 && bg_pending(bg) > 0; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	assert_int_equal(bg_pending(bg), 0);
	assert_int_equal(r.nruns, 2);
	bg_free(bg);
}

/* how: 0 SIGSEGV, 1 abort(), 2 exit(3). hold_ms 0: the task runs at once;
 * 10000: it would still be held when the process ends. Returns the
 * child's wait status; *written says whether the task ran. */
static int die_during_task(int how, int hold_ms, int *written)
{
	char path[] = "/tmp/salesync-bgtask.XXXXXX";
	int fd = mkstemp(path), status = 0;
	pid_t pid;

	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ss_err e;
		struct bgtask *bg = bg_new(slow_write, NULL, hold_ms, 1000, 1, &e);
		if (!bg)
			_exit(90);
		bg_push(bg, path, 1);
		if (how == 0)
			raise(SIGSEGV);
		else if (how == 1)
			abort();
		exit(3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	*written = access(path, F_OK) == 0;
	unlink(path);
	return status;
}

static void test_crash_waits_for_tasks(void **state)
{
	int hold[2] = {0, 10000};
	int written, st;

	(void)state;
	for (int i = 0; i < 2; i++) {
		st = die_during_task(0, hold[i], &written);
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGSEGV); /* still dies of the same signal */
		assert_true(written);
		st = die_during_task(1, hold[i], &written);
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGABRT);
		assert_true(written);
		st = die_during_task(2, hold[i], &written);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 3);
		assert_true(written);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tasks_in_order),
		cmocka_unit_test(test_grouping),
		cmocka_unit_test(test_crash_waits_for_tasks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
