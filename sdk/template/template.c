/*
 * template: a starting point for a new salesync plugin. Copy this folder,
 * rename "template" everywhere, and replace the body of tpl_sync() with
 * calls to your tool. It builds out of tree with nothing but the SDK:
 *
 *     cc -std=c11 -shared -fPIC -fvisibility=hidden -Wl,-z,defs \
 *        $(pkg-config --cflags salesync-plugin) -o template.so template.c
 *
 * What it shows: the option table, per-instance state (no globals), an
 * incremental cursor, checkpoints, progress, cancellation and errors.
 * It emits `count` example leads whose ids grow, so a second sync only
 * emits what is new since the cursor.
 */
#include <stdio.h>
#include <stdlib.h>

#include <salesync/plugin.h>

/* Everything one configured instance needs; made by open(), freed by
 * close(). */
struct tpl {
	long count;
	const char *owner; /* borrowed from the host until close() */
};

static int tpl_open(ss_ctx *ctx, const struct ss_api *api, void **state)
{
	struct tpl *t;
	/* The host validated the type and applied the default already. */
	long count = strtol(api->option(ctx, "count"), NULL, 10);

	if (count < 0)
		return api->fail(ctx, SS_EINVAL, "count must be >= 0, not %ld", count);
	if (!(t = calloc(1, sizeof *t)))
		return SS_ENOMEM;
	t->count = count;
	t->owner = api->option(ctx, "owner");
	*state = t;
	return 0;
}

/* A real plugin makes one cheap authenticated call here. */
static int tpl_check(ss_ctx *ctx, const struct ss_api *api, void *state)
{
	(void)state;
	api->log(ctx, SS_LOG_INFO, "nothing to check: the template talks to no service");
	return 0;
}

static int tpl_sync(ss_ctx *ctx, const struct ss_api *api, void *state)
{
	struct tpl *t = state;
	/* NULL on the first sync and on --full. */
	const char *cursor = api->cursor_get(ctx, "leads");
	long start = cursor ? strtol(cursor, NULL, 10) + 1 : 1;

	for (long i = start; i <= t->count; i++) {
		struct ss_lead lead = SS_LEAD_INIT;
		char id[32], email[64];
		int rc;

		if (api->cancelled(ctx))
			return SS_ECANCELLED;
		snprintf(id, sizeof id, "%ld", i);
		snprintf(email, sizeof email, "lead%ld@example.com", i);
		lead.id = id;
		lead.email = email;
		lead.status_raw = i % 2 ? "Open" : "Qualified";
		lead.owner_id = t->owner;
		lead.created_at = "2026-01-15T09:00:00Z";
		/* The host copies the record: id and email may be reused. */
		if ((rc = api->emit_lead(ctx, &lead)) != 0)
			return rc;
		api->cursor_set(ctx, "leads", id);
		api->progress(ctx, "leads", i, t->count);
		/* Commit records and cursor together now and then, so a
		 * failure later keeps this much. */
		if (i % 1000 == 0 && (rc = api->checkpoint(ctx)) != 0)
			return rc;
	}
	/* Returning 0 commits the rest. */
	return 0;
}

static void tpl_close(void *state)
{
	free(state);
}

static const char *const tpl_streams[] = {"leads", NULL};

static const struct ss_option tpl_options[] = {
    {"count", SS_OPT_INT, 0, "10", NULL, "how many example leads to emit"},
    {"owner", SS_OPT_STRING, 0, NULL, NULL, "rep id to own the leads"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

/* Raw status words of the tool → the model's words. Users may override
 * any of them in the INI with `status.RAW = word`. */
static const struct ss_mapping tpl_status_map[] = {
    {"Open", "new"},
    {"Qualified", "qualified"},
    {NULL, NULL},
};

static const struct ss_plugin tpl_plugin = {
    SS_PLUGIN_HEAD,
    "template",
    "1.0.0",
    "example plugin to copy: emits numbered leads",
    tpl_streams,
    tpl_options,
    tpl_status_map,
    NULL,
    tpl_open,
    tpl_check,
    tpl_sync,
    tpl_close,
    NULL, /* auth: this plugin makes no HTTP requests */
};

SS_PLUGIN_DEFINE(tpl_plugin)
