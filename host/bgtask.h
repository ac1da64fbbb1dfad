/*
 * bgtask: a helper thread of the worker that runs queued tasks in order,
 * several at a time if they queue up.
 *
 * The worker uses one to commit checkpoints while the plugin fetches on
 * (tasks that arrive close together are committed in one transaction)
 * and one to send prefetched requests.
 *
 * A commit handed over must not be lost because the plugin then crashes,
 * so a bgtask made with `guard` makes the process's crashes wait for its
 * tasks: SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT, and exit(), first
 * have everything queued run (at most BG_CRASH_WAIT_MS), then end the
 * process as they would have. Only SIGKILL and _exit() can cut a task
 * short. One guarded bgtask per process at a time (the last one made).
 *
 * All functions are for one caller thread, never the task's own.
 */
#ifndef SS_BGTASK_H
#define SS_BGTASK_H

#include <stddef.h>

#define BG_CRASH_WAIT_MS 60000

struct bgtask;
struct ss_err;

/* Runs tasks[0..n) in the order they were pushed; ud as given to bg_new. */
typedef void (*bg_fn)(void *const *tasks, size_t n, void *ud);

/*
 * Starts the thread. Queued tasks run once the oldest has waited hold_ms,
 * or once their weights add up to group_weight, or at once on bg_flush
 * and on a guarded crash; hold_ms 0 runs each task as soon as it is
 * pushed. Caller owns the result; NULL if the thread cannot be started
 * (err set).
 */
struct bgtask *bg_new(bg_fn fn, void *ud, int hold_ms, size_t group_weight, int guard,
    struct ss_err *err);

/* Queues task (borrowed until fn has run on it) with a weight, such as
 * its record count. */
void bg_push(struct bgtask *bg, void *task, size_t weight);

/* The weight of the tasks queued or running; 0 when idle or bg is NULL. */
size_t bg_pending(struct bgtask *bg);

/* Runs what is queued now and waits until nothing is queued or running;
 * afterwards everything the tasks wrote is visible. NULL is fine. */
void bg_flush(struct bgtask *bg);

/* Flushes, stops the thread, removes the guard, frees. NULL is fine. */
void bg_free(struct bgtask *bg);

#endif
