/*
 * loader: finds plugins in the configured directory and loads them with
 * dlopen(RTLD_NOW | RTLD_LOCAL), checking the descriptor before any plugin
 * code beyond the entry function runs. Every refusal names the file and
 * the check that failed.
 */
#ifndef SS_LOADER_H
#define SS_LOADER_H

#include "util.h"

struct ldr_plugin {
	char *path;                    /* the .so file */
	void *handle;                  /* dlopen handle */
	const struct ss_plugin *desc;  /* the host's copy, full current size; its
	                                  strings and callbacks point into the .so;
	                                  valid until ldr_free */
};

struct ldr_set {
	struct ldr_plugin *p;
	size_t n;
};

/*
 * Loads the plugin `name` (file DIR/NAME.so). Refuses: a directory or file
 * writable by group or others, a missing file, dlopen errors (unresolved
 * symbols), a missing entry function, a NULL or short descriptor, another
 * ABI major, a newer ABI minor than the host's, a descriptor name that is
 * not `name`, missing required callbacks, malformed option tables.
 * On success the plugin is appended to set (which owns it).
 */
int ldr_load(struct ldr_set *set, const char *dir, const char *name, struct ss_err *err);

/* Loads every *.so of dir (for `salesync plugins`). Refused files are
 * reported through `refused` (called with the error text) and skipped; a
 * plugin whose name is already loaded is refused as a duplicate. Returns
 * <0 only if the directory itself is refused or unreadable. */
int ldr_load_all(struct ldr_set *set, const char *dir,
    void (*refused)(void *ud, const char *msg), void *ud, struct ss_err *err);

/* The loaded plugin called name, or NULL. */
const struct ldr_plugin *ldr_find(const struct ldr_set *set, const char *name);

/* dlcloses everything. */
void ldr_free(struct ldr_set *set);

#endif
