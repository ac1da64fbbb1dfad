/* Unit tests for host/bgtask.c: tasks run in turn, and a crash or exit()
 * of the caller waits for the running task before the process ends. */
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

static void slow_write(void *arg)
{
	const char *path = arg;
	struct timespec ts = {0, 300 * 1000 * 1000};
	FILE *f;

	nanosleep(&ts, NULL);
	if ((f = fopen(path, "w"))) {
		fputs("done\n", f);
		fclose(f);
	}
}

static void add_one(void *arg)
{
	(*(int *)arg)++;
}

static void test_tasks_in_turn(void **state)
{
	struct ss_err e;
	struct bgtask *bg = bg_new(0, &e);
	int n = 0;

	(void)state;
	assert_non_null(bg);
	assert_int_equal(bg_busy(bg), 0);
	bg_wait(bg); /* nothing started: returns at once */
	for (int i = 0; i < 100; i++) {
		bg_start(bg, add_one, &n);
		assert_int_equal(bg_busy(bg), 1);
		bg_wait(bg);
		assert_int_equal(n, i + 1);
	}
	bg_start(bg, add_one, &n);
	bg_free(bg); /* waits for the last one */
	assert_int_equal(n, 101);
	bg_free(NULL);
}

/* how: 0 SIGSEGV, 1 abort(), 2 exit(3). Returns the child's wait status;
 * *written says whether the task finished before the child ended. */
static int die_during_task(int how, int *written)
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
		struct bgtask *bg = bg_new(1, &e);
		if (!bg)
			_exit(90);
		bg_start(bg, slow_write, path);
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

static void test_crash_waits_for_task(void **state)
{
	int written, st;

	(void)state;
	st = die_during_task(0, &written);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSEGV); /* still dies of the same signal */
	assert_true(written);
	st = die_during_task(1, &written);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGABRT);
	assert_true(written);
	st = die_during_task(2, &written);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 3);
	assert_true(written);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tasks_in_turn),
		cmocka_unit_test(test_crash_waits_for_task),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
