/*
 * bgtask: one task at a time on a helper thread of the worker.
 *
 * The worker uses it to commit a checkpoint while the plugin goes on
 * fetching the next page. A commit handed over must not be lost because
 * the plugin then crashes, so while a task runs the caller's crashes wait
 * for it: SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT, and exit(), first
 * let the task finish (at most BG_CRASH_WAIT_MS), then end the process as
 * they would have. Only SIGKILL and _exit() can cut a task short; what it
 * was writing is then rolled back by SQLite, never half written.
 *
 * The guard is asked for when the bgtask is made; one guarded bgtask per
 * process at a time (the last one made). Not for use from the task's own
 * thread.
 */
#ifndef SS_BGTASK_H
#define SS_BGTASK_H

#define BG_CRASH_WAIT_MS 60000

struct bgtask;

/* Starts the thread and, with guard, installs the crash guard. Caller
 * owns the result; NULL if the thread cannot be started (err set). */
struct ss_err;
struct bgtask *bg_new(int guard, struct ss_err *err);

/* Runs fn(arg) on the thread. The previous task must have been waited
 * for. arg is borrowed until bg_wait returns. */
void bg_start(struct bgtask *bg, void (*fn)(void *arg), void *arg);

/* Returns 1 if a task was started and not yet waited for. */
int bg_busy(const struct bgtask *bg);

/* Waits for the started task, if any; afterwards everything it wrote is
 * visible to the caller. */
void bg_wait(struct bgtask *bg);

/* Waits, stops the thread, removes the guard, frees. NULL is fine. */
void bg_free(struct bgtask *bg);

#endif
