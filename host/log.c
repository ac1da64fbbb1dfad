/* log: one logging function for the host and, through the service table,
 * for plugins; secrets registered here are redacted from every line. */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int log_level = SS_LOG_INFO;
static int log_format = LOG_TEXT;
static char **secrets;
static size_t nsecrets;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(int level)
{
	log_level = level;
}

void log_set_format(int format)
{
	log_format = format;
}

int log_get_level(void)
{
	return log_level;
}

int log_parse_level(const char *s, int *level)
{
	for (int i = 0; i < 4; i++) {
		if (util_strcaseeq(s, level_names[i])) {
			*level = i;
			return 0;
		}
	}
	return SS_EINVAL;
}

static void json_str(struct sb *b, const char *s)
{
	sb_addc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			sb_addf(b, "\\%c", c);
		else if (c < 0x20)
			sb_addf(b, "\\u%04x", c);
		else
			sb_addc(b, (char)c);
	}
	sb_addc(b, '"');
}

static void logfmt_str(struct sb *b, const char *s)
{
	if (*s && !strpbrk(s, " =\"\\\n\t")) {
		sb_adds(b, s);
		return;
	}
	sb_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_addc(b, '\\');
		if (*s == '\n')
			sb_adds(b, "\\n");
		else
			sb_addc(b, *s);
	}
	sb_addc(b, '"');
}

void log_add_secret(const char *value)
{
	if (!value || !*value)
		return;
	for (size_t i = 0; i < nsecrets; i++) {
		if (strcmp(secrets[i], value) == 0)
			return;
	}
	secrets = xrealloc(secrets, (nsecrets + 1) * sizeof *secrets);
	secrets[nsecrets++] = xstrdup(value);
}

char *log_redact(const char *text)
{
	struct sb out = {0};
	const char *p = text;

	sb_adds(&out, "");
	while (*p) {
		size_t best = 0;

		/* The longest secret starting here wins, so a secret that
		 * contains another is hidden whole. */
		for (size_t i = 0; i < nsecrets; i++) {
			size_t n = strlen(secrets[i]);
			if (n > best && strncmp(p, secrets[i], n) == 0)
				best = n;
		}
		if (best) {
			sb_adds(&out, "***");
			p += best;
		} else {
			sb_addc(&out, *p++);
		}
	}
	return out.buf;
}

/* logfmt or JSON: one record per line, for journald and log shippers. The
 * prefix "plugin:instance" becomes two fields. */
static void structured(int level, const char *prefix, const char *msg)
{
	char ts[21], plugin[64] = "", instance[128] = "";
	const char *colon = prefix ? strchr(prefix, ':') : NULL;
	struct sb b = {0};

	util_now_iso(ts);
	if (colon) {
		snprintf(plugin, sizeof plugin, "%.*s", (int)(colon - prefix), prefix);
		snprintf(instance, sizeof instance, "%s", colon + 1);
	} else if (prefix) {
		snprintf(instance, sizeof instance, "%s", prefix);
	}
	if (log_format == LOG_JSON) {
		sb_addf(&b, "{\"ts\":\"%s\",\"level\":\"%s\"", ts, level_names[level]);
		if (*instance) {
			sb_adds(&b, ",\"instance\":");
			json_str(&b, instance);
		}
		if (*plugin) {
			sb_adds(&b, ",\"plugin\":");
			json_str(&b, plugin);
		}
		sb_adds(&b, ",\"msg\":");
		json_str(&b, msg);
		sb_adds(&b, "}");
	} else {
		sb_addf(&b, "ts=%s level=%s", ts, level_names[level]);
		if (*instance) {
			sb_adds(&b, " instance=");
			logfmt_str(&b, instance);
		}
		if (*plugin) {
			sb_adds(&b, " plugin=");
			logfmt_str(&b, plugin);
		}
		sb_adds(&b, " msg=");
		logfmt_str(&b, msg);
	}
	fprintf(stderr, "%s\n", b.buf);
	sb_free(&b);
}

void log_vmsg(int level, const char *prefix, const char *fmt, va_list ap)
{
	char *raw, *clean;
	va_list cp;
	int n;

	if (level > log_level)
		return;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	raw = xmalloc((size_t)n + 1);
	vsnprintf(raw, (size_t)n + 1, fmt, ap);
	clean = nsecrets ? log_redact(raw) : raw;
	if (log_format != LOG_TEXT)
		structured(level, prefix, clean);
	else if (prefix)
		fprintf(stderr, "salesync: [%s] %s%s\n", prefix,
		    level == SS_LOG_ERROR ? "error: " : level == SS_LOG_WARN ? "warning: " : "",
		    clean);
	else
		fprintf(stderr, "salesync: %s%s\n",
		    level == SS_LOG_ERROR ? "error: " : level == SS_LOG_WARN ? "warning: " : "",
		    clean);
	if (clean != raw)
		free(clean);
	free(raw);
}

void log_msg(int level, const char *prefix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, prefix, fmt, ap);
	va_end(ap);
}
