/* loader: dlopen plugins from one trusted directory and vet their
 * descriptors before trusting anything in them. */
#include "loader.h"

#include <dirent.h>
#include <stddef.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A plugin runs with the host's privileges: refuse code that someone else
 * could have replaced. */
static int check_not_writable(const char *path, const char *what, struct ss_err *err)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return err_set(err, SS_EIO, "%s: cannot use %s: %s", path, what, strerror(errno));
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return err_set(err, SS_EINVAL,
		    "%s: refused: %s is writable by %s (mode %03o); run: chmod go-w %s", path, what,
		    (st.st_mode & S_IWOTH) ? "others" : "its group", (unsigned)(st.st_mode & 0777), path);
	return 0;
}

static int valid_name(const char *s)
{
	if (!s || !*s || strlen(s) > 63)
		return 0;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	}
	return 1;
}

static int check_options(const char *path, const struct ss_plugin *d, struct ss_err *err)
{
	for (const struct ss_option *o = d->options; o && o->key; o++) {
		if (o->type > SS_OPT_ENUM)
			return err_set(err, SS_EINVAL, "%s: refused: option '%s' has unknown type %d",
			    path, o->key, (int)o->type);
		if (o->type == SS_OPT_ENUM && !o->choices)
			return err_set(err, SS_EINVAL, "%s: refused: enum option '%s' has no choices",
			    path, o->key);
		if ((o->flags & SS_OPT_PREFIX) && o->key[strlen(o->key) - 1] != '.')
			return err_set(err, SS_EINVAL,
			    "%s: refused: prefix option '%s' must end in '.'", path, o->key);
	}
	return 0;
}

/* The descriptor of ABI 1.0 ended with close(); later minors append. */
#define LDR_MIN_DESC_SIZE (offsetof(struct ss_plugin, close) + sizeof(void (*)(void *)))

/* The checks run in the order the descriptor's fields can be trusted:
 * size first, then ABI, then everything else. */
static int check_descriptor(const char *path, const char *name, const struct ss_plugin *d,
    struct ss_err *err)
{
	if (!d)
		return err_set(err, SS_EINVAL, "%s: refused: entry function returned no descriptor", path);
	if (d->struct_size < LDR_MIN_DESC_SIZE)
		return err_set(err, SS_EINVAL,
		    "%s: refused: descriptor size %zu is smaller than ABI %u.0's %zu", path,
		    d->struct_size, SS_ABI_MAJOR, LDR_MIN_DESC_SIZE);
	if (d->abi_major != SS_ABI_MAJOR)
		return err_set(err, SS_EINVAL,
		    "%s: refused: plugin ABI major %u, host ABI major %u; rebuild the plugin against this SDK",
		    path, d->abi_major, SS_ABI_MAJOR);
	if (d->abi_minor > SS_ABI_MINOR)
		return err_set(err, SS_EINVAL,
		    "%s: refused: plugin needs ABI %u.%u, host provides %u.%u; upgrade salesync", path,
		    d->abi_major, d->abi_minor, SS_ABI_MAJOR, SS_ABI_MINOR);
	if (!valid_name(d->name))
		return err_set(err, SS_EINVAL, "%s: refused: plugin name '%s' is not [a-z0-9_-]+",
		    path, d->name ? d->name : "(null)");
	if (name && strcmp(d->name, name) != 0)
		return err_set(err, SS_EINVAL,
		    "%s: refused: file is named '%s' but the plugin calls itself '%s'", path, name,
		    d->name);
	if (!d->open || !d->sync || !d->close)
		return err_set(err, SS_EINVAL, "%s: refused: callback %s is missing", path,
		    !d->open ? "open" : !d->sync ? "sync" : "close");
	return check_options(path, d, err);
}

/* A plugin built against an older minor has a shorter descriptor: the
 * host works on a zero-filled copy of its own size, so members the plugin
 * never knew read as NULL. */
static const struct ss_plugin *copy_descriptor(const struct ss_plugin *d)
{
	struct ss_plugin *c = xcalloc(1, sizeof *c);

	memcpy(c, d, d->struct_size < sizeof *c ? d->struct_size : sizeof *c);
	return c;
}

static int load_file(struct ldr_set *set, const char *path, const char *name, struct ss_err *err)
{
	void *h;
	void *sym;
	ss_plugin_entry_fn entry;
	const struct ss_plugin *d;
	int rc;

	if ((rc = check_not_writable(path, "plugin file", err)) != 0)
		return rc;
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return err_set(err, SS_EINVAL, "%s: refused: dlopen failed: %s", path, dlerror());
	sym = dlsym(h, SS_PLUGIN_ENTRY);
	if (!sym) {
		dlclose(h);
		return err_set(err, SS_EINVAL, "%s: refused: no entry function '%s' (use SS_PLUGIN_DEFINE)",
		    path, SS_PLUGIN_ENTRY);
	}
	/* POSIX guarantees dlsym's object pointer converts to a function
	 * pointer; the memcpy keeps -Wpedantic quiet about it. */
	memcpy(&entry, &sym, sizeof entry);
	d = entry();
	if ((rc = check_descriptor(path, name, d, err)) != 0) {
		dlclose(h);
		return rc;
	}
	if (ldr_find(set, d->name)) {
		rc = err_set(err, SS_EINVAL, "%s: refused: duplicate plugin name '%s' (already loaded from %s)",
		    path, d->name, ldr_find(set, d->name)->path);
		dlclose(h);
		return rc;
	}
	set->p = xrealloc(set->p, (set->n + 1) * sizeof *set->p);
	set->p[set->n].path = xstrdup(path);
	set->p[set->n].handle = h;
	set->p[set->n].desc = copy_descriptor(d);
	set->n++;
	return 0;
}

int ldr_load(struct ldr_set *set, const char *dir, const char *name, struct ss_err *err)
{
	char *path;
	int rc;

	if (ldr_find(set, name))
		return 0;
	if (!valid_name(name))
		return err_set(err, SS_EINVAL, "plugin name '%s' is not [a-z0-9_-]+", name);
	if ((rc = check_not_writable(dir, "plugin directory", err)) != 0)
		return rc;
	path = xasprintf("%s/%s.so", dir, name);
	if (access(path, F_OK) != 0) {
		rc = err_set(err, SS_EINVAL, "plugin '%s' not found: no %s", name, path);
		free(path);
		return rc;
	}
	rc = load_file(set, path, name, err);
	free(path);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ldr_load_all(struct ldr_set *set, const char *dir,
    void (*refused)(void *ud, const char *msg), void *ud, struct ss_err *err)
{
	DIR *dp;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int rc;

	if ((rc = check_not_writable(dir, "plugin directory", err)) != 0)
		return rc;
	if (!(dp = opendir(dir)))
		return err_set(err, SS_EIO, "%s: cannot read plugin directory: %s", dir, strerror(errno));
	while ((de = readdir(dp))) {
		size_t len = strlen(de->d_name);
		if (len > 3 && strcmp(de->d_name + len - 3, ".so") == 0) {
			names = xrealloc(names, (n + 1) * sizeof *names);
			names[n++] = xstrdup(de->d_name);
		}
	}
	closedir(dp);
	/* Sorted, so which of two duplicates wins does not depend on the
	 * file system's order. */
	qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct ss_err e;
		char *path = xasprintf("%s/%s", dir, names[i]);
		if (load_file(set, path, NULL, &e) != 0 && refused)
			refused(ud, e.msg);
		free(path);
		free(names[i]);
	}
	free(names);
	return 0;
}

const struct ldr_plugin *ldr_find(const struct ldr_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->p[i].desc->name, name) == 0)
			return &set->p[i];
	}
	return NULL;
}

void ldr_free(struct ldr_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		/* Under ASan, unloading would lose the plugin's symbols from
		 * leak reports; the process is about to end anyway. */
#ifndef SS_KEEP_PLUGINS_LOADED
		dlclose(set->p[i].handle);
#endif
		free((void *)set->p[i].desc);
		free(set->p[i].path);
	}
	free(set->p);
	set->p = NULL;
	set->n = 0;
}
