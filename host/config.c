/*
 * config: the INI file (see config.h for the contract).
 *
 * How inih is used, and why (checked against Debian 12's libinih 55, which
 * is built without INI_HANDLER_LINENO and exposes its options as runtime
 * globals in ini.h):
 *
 *   - Line numbers: the handler gets none, so the file is fed through
 *     ini_parse_stream() with our own reader. The reader reads whole lines
 *     with getline(), counts them and hands them to inih in pieces of the
 *     size inih asks for; inih calls the handler right after it has a whole
 *     line, so in the handler `rd.line` is the line of the key.
 *   - Section headers: inih does not call the handler for a [section] line
 *     (INI_CALL_HANDLER_ON_NEW_SECTION is compile-time 0) and it silently
 *     truncates section names to 49 bytes. So the reader recognises headers
 *     itself: it knows their line, sees empty sections, and checks names.
 *   - Syntax errors: inih returns only the line of the first one. The
 *     reader checks each line with inih's own rules (comment, [section],
 *     key = value / key: value) and reports every bad line; the bad line is
 *     then handed to inih as an empty line so inih's count stays in step.
 *     A non-zero inih result we did not foresee is still reported.
 *   - Long lines: ini_use_stack = false, ini_allow_realloc = true and
 *     ini_max_line = CFG_MAX_LINE (1 MiB) work: the heap buffer grows by
 *     doubling from ini_initial_alloc only as far as a line needs. inih
 *     splits a longer line into bogus extra lines, so the reader rejects
 *     such a line itself ("line too long"). Keys are not truncated by inih.
 *   - ini_allow_multiline = false: an indented line is then an ordinary
 *     line (inih strips leading space), never glued to the previous value.
 *     So indenting keys under their section is allowed.
 *   - ini_allow_inline_comments = false: inih would cut a value at " ;"
 *     (only after whitespace: "pa;ss" survives but "pa ;ss" does not);
 *     values are often passwords, so nothing after '=' is ever a comment.
 *     Whole-line comments start with ';' or '#'.
 *   - Values are literal: inih strips surrounding whitespace and nothing
 *     else (quotes stay). The first '=' or ':' separates key from value, so
 *     a key cannot contain either; a value can.
 *   - The knobs are process globals: cfg_load saves them, sets its own and
 *     restores them, so it is not thread-safe (the host loads config from
 *     one thread: at start and on reload).
 *
 * Errors are collected, not stopped at: every problem becomes one line of
 * err->msg ("file:line: [section] key: message"), as many as fit. Values of
 * plugin keys are never echoed by cfg_load (they may be secrets); values of
 * host keys are, shortened.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define CFG_MAX_LINE (1 << 20)      /* inih buffer limit, bytes incl. "\r\n\0" */
#define CFG_MAX_FILE_VALUE (1 << 20) /* largest `file:` content */
#define CFG_MAX_JOBS 1024
#define CFG_ERR_TEXT_MAX 16384       /* stop storing error text past this */

static const char *const host_keys_salesync = "store, plugin_dir, jobs, log_level, socket, "
	"precedence, log_format, max_backoff, shutdown_grace, user, metrics_listen";
static const char *const lead_statuses[] = {"new", "working", "qualified", "unqualified",
	"converted", NULL};
static const char *const deal_stages[] = {"open", "won", "lost", NULL};

enum sec_kind { SEC_NONE, SEC_HOST, SEC_INST, SEC_SKIP };

struct seen {
	char *key;
	int line;
};

struct reader {
	FILE *f;
	char *buf;     /* the current whole line */
	size_t cap;
	size_t len, off;
	int line;      /* number of the line in buf */
	int io_errno;  /* set if reading failed */
};

/* Collected error lines. Past CFG_ERR_TEXT_MAX bytes they are only counted. */
struct errs {
	struct sb text;
	int n;      /* errors found */
	int stored; /* lines in text */
};

struct parse {
	struct cfg *c;
	struct reader rd;
	struct errs errs;
	enum sec_kind sec;
	size_t cur;        /* index of the current instance (SEC_INST) */
	int host_line;     /* line of [salesync], 0 if none yet */
	struct seen *seen; /* keys of the current section */
	size_t nseen;
};

/* ---- small helpers ------------------------------------------------------ */

static void errs_add(struct errs *e, const char *fmt, ...) SS_PRINTF(2, 3);
static void errs_add(struct errs *e, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	e->n++;
	if (e->text.len > CFG_ERR_TEXT_MAX)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (e->text.len)
		sb_addc(&e->text, '\n');
	sb_add(&e->text, s, (size_t)n);
	e->stored++;
	free(s);
}

/* Copies the collected errors into err->msg, as many whole lines as fit,
 * then "(and N more errors)". Returns SS_EINVAL. */
static int errs_flush(const struct errs *e, struct ss_err *err)
{
	size_t room = sizeof err->msg;
	size_t keep = e->text.len;
	int shown = e->stored;
	char tail[64] = "";

	if (!err)
		return SS_EINVAL;
	if (keep >= room) {
		keep = room - sizeof tail;
		while (keep > 0 && e->text.buf[keep] != '\n')
			keep--;
		if (keep == 0)
			keep = room - sizeof tail; /* one huge line: cut it */
		shown = 1;
		for (size_t i = 0; i < keep; i++)
			shown += e->text.buf[i] == '\n';
	}
	if (shown < e->n)
		snprintf(tail, sizeof tail, "\n(and %d more error%s)", e->n - shown,
		    e->n - shown == 1 ? "" : "s");
	snprintf(err->msg, room, "%.*s%s", (int)keep, e->text.buf ? e->text.buf : "", tail);
	return SS_EINVAL;
}

/* One error line "path:line: message" of the config being parsed. */
static void perr(struct parse *p, int line, const char *fmt, ...) SS_PRINTF(3, 4);
static void perr(struct parse *p, int line, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *msg;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	msg = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	va_end(ap);
	errs_add(&p->errs, "%s:%d: %s", p->c->path, line, msg);
	free(msg);
}

static int is_abs(const char *p)
{
	return p[0] == '/';
}

/* p made absolute against dir (a new string). */
static char *resolve_path(const char *dir, const char *p)
{
	size_t n;

	if (is_abs(p) || !dir)
		return xstrdup(p);
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	n = strlen(dir);
	if (!*p)
		return xstrdup(dir);
	if (n && dir[n - 1] == '/')
		return xasprintf("%s%s", dir, p);
	return xasprintf("%s/%s", dir, p);
}

/* The absolute directory of the file `path`. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d, *cwd, *abs;

	if (!slash)
		d = xstrdup(".");
	else if (slash == path)
		return xstrdup("/");
	else
		d = xstrndup(path, (size_t)(slash - path));
	if (is_abs(d))
		return d;
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return d; /* cwd gone: stay relative rather than fail */
	if (strcmp(d, ".") == 0)
		abs = xstrdup(cwd);
	else
		abs = resolve_path(cwd, d);
	free(cwd);
	free(d);
	return abs;
}

/* ASCII classes, whatever the locale. */
static int is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int is_alnum(char ch)
{
	return is_alpha(ch) || (ch >= '0' && ch <= '9');
}

static int valid_section_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		if (!is_alnum(*s) && *s != '_' && *s != '.' && *s != '-')
			return 0;
	}
	return 1;
}

static int valid_plugin_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= '0' && *s <= '9') && *s != '_' && *s != '-')
			return 0;
	}
	return 1;
}

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++) {
		if (strcmp(s, *list) == 0)
			return 1;
	}
	return 0;
}

static const char *strip_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* ---- value expansion ---------------------------------------------------- */

/* Reads a whole small file; 0 or an errno value (EFBIG, EILSEQ for NUL). */
static int read_small_file(const char *path, char **out)
{
	FILE *f = fopen(path, "rb");
	struct sb b = {0};
	char chunk[4096];
	size_t n;
	int e = 0;

	if (!f)
		return errno;
	sb_adds(&b, "");
	errno = 0;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (b.len + n > CFG_MAX_FILE_VALUE) {
			e = EFBIG;
			break;
		}
		sb_add(&b, chunk, n);
	}
	if (!e && ferror(f))
		e = errno ? errno : EIO;
	fclose(f);
	if (!e && memchr(b.buf, '\0', b.len))
		e = EILSEQ;
	if (e) {
		sb_free(&b);
		return e;
	}
	if (b.len && b.buf[b.len - 1] == '\n') {
		b.buf[--b.len] = '\0';
		if (b.len && b.buf[b.len - 1] == '\r')
			b.buf[--b.len] = '\0';
	}
	*out = b.buf;
	return 0;
}

/* ${NAME} references replaced from the environment. */
static int expand_env(struct parse *p, const char *where, int line, const char *s, char **out)
{
	struct sb b = {0};
	int bad = 0;

	sb_adds(&b, "");
	while (*s) {
		const char *end, *q;

		if (s[0] != '$' || s[1] != '{') {
			sb_addc(&b, *s++);
			continue;
		}
		end = strchr(s + 2, '}');
		if (!end) {
			perr(p, line, "%s: unterminated ${ (no closing '}')", where);
			bad = 1;
			break;
		}
		q = s + 2;
		if (q == end || !(is_alpha(*q) || *q == '_'))
			bad = 1;
		for (; q < end && !bad; q++) {
			if (!is_alnum(*q) && *q != '_')
				bad = 1;
		}
		if (bad) {
			/* The text is not echoed: it may be part of a password. */
			perr(p, line, "%s: bad ${...} reference (a name is [A-Za-z_][A-Za-z0-9_]*)",
			    where);
			break;
		}
		{
			char *name = xstrndup(s + 2, (size_t)(end - s - 2));
			const char *v = getenv(name);
			if (!v) {
				perr(p, line, "%s: environment variable %s is not set", where, name);
				bad = 1;
			} else {
				sb_adds(&b, v);
			}
			free(name);
		}
		s = end + 1;
	}
	if (bad) {
		sb_free(&b);
		return SS_EINVAL;
	}
	*out = b.buf;
	return 0;
}

/* The value of a key after `file:` and ${NAME} expansion. */
static int expand_value(struct parse *p, const char *where, int line, const char *raw,
    char **out)
{
	const char *rest = strip_prefix(raw, "file:");
	char *fpath, *full;
	int e;

	if (!rest)
		return expand_env(p, where, line, raw, out);
	if (expand_env(p, where, line, rest, &fpath))
		return SS_EINVAL;
	if (!*fpath) {
		perr(p, line, "%s: empty path after 'file:'", where);
		free(fpath);
		return SS_EINVAL;
	}
	full = resolve_path(p->c->dir, fpath);
	free(fpath);
	e = read_small_file(full, out);
	if (e == EILSEQ)
		perr(p, line, "%s: cannot read %s: file contains a NUL byte", where, full);
	else if (e == EFBIG)
		perr(p, line, "%s: cannot read %s: larger than %d bytes", where, full,
		    CFG_MAX_FILE_VALUE);
	else if (e)
		perr(p, line, "%s: cannot read %s: %s", where, full, strerror(e));
	free(full);
	return e ? SS_EINVAL : 0;
}

/* ---- building the struct cfg -------------------------------------------- */

static struct cfg_instance *cur_inst(struct parse *p)
{
	return &p->c->inst[p->cur];
}

static void kv_add(struct cfg_instance *in, char *key, char *value, int line, int from_default)
{
	struct cfg_kv *kv;

	in->kv = xrealloc(in->kv, (in->nkv + 1) * sizeof *in->kv);
	kv = &in->kv[in->nkv++];
	kv->key = key;
	kv->value = value;
	kv->line = line;
	kv->secret = 0;
	kv->from_default = from_default;
}

static void seen_reset(struct parse *p)
{
	for (size_t i = 0; i < p->nseen; i++)
		free(p->seen[i].key);
	free(p->seen);
	p->seen = NULL;
	p->nseen = 0;
}

static void begin_section(struct parse *p, const char *name, int line)
{
	struct cfg *c = p->c;
	struct cfg_instance *in;

	seen_reset(p);
	p->sec = SEC_SKIP; /* keys of a bad section are not looked at */
	if (strcmp(name, "salesync") == 0) {
		if (p->host_line) {
			perr(p, line, "duplicate section [salesync] (first at line %d)", p->host_line);
			return;
		}
		p->host_line = line;
		p->sec = SEC_HOST;
		return;
	}
	if (!valid_section_name(name)) {
		perr(p, line, "bad section name [%s]: use letters, digits, '_', '.' and '-'", name);
		return;
	}
	in = cfg_instance(c, name);
	if (in) {
		perr(p, line, "duplicate section [%s] (first at line %d)", name, in->line);
		return;
	}
	c->inst = xrealloc(c->inst, (c->ninst + 1) * sizeof *c->inst);
	in = &c->inst[c->ninst];
	memset(in, 0, sizeof *in);
	in->name = xstrdup(name);
	in->plugin = xstrdup(name);
	in->line = line;
	in->plugin_line = line;
	in->enabled = 1;
	p->cur = c->ninst++;
	p->sec = SEC_INST;
}

/*
 * Checks one physical line the way inih will parse it (multiline and
 * inline comments off) and handles [section] headers. Returns 0 if inih may
 * have the line, or -1 if it should get an empty line instead.
 */
static int lint_line(struct parse *p, char *s, size_t n)
{
	int line = p->rd.line;
	const char *t = s, *end, *rest;

	if (memchr(s, '\0', n)) {
		perr(p, line, "syntax error: NUL byte in line");
		return -1;
	}
	if (n > CFG_MAX_LINE - 3) {
		perr(p, line, "line too long (%zu bytes, at most %d)", n, CFG_MAX_LINE - 3);
		return -1;
	}
	if (line == 1 && strncmp(t, "\xEF\xBB\xBF", 3) == 0)
		t += 3; /* inih skips a UTF-8 BOM (ini_allow_bom) */
	while (isspace((unsigned char)*t))
		t++;
	if (!*t || *t == ';' || *t == '#')
		return 0;
	if (*t == '[') {
		end = strchr(t + 1, ']');
		if (!end) {
			perr(p, line, "syntax error: section header without ']'");
			p->sec = SEC_SKIP;
			return -1;
		}
		rest = end + 1;
		while (isspace((unsigned char)*rest))
			rest++;
		if (*rest && *rest != ';' && *rest != '#') {
			perr(p, line, "syntax error: text after ']'");
			p->sec = SEC_SKIP;
			return -1;
		}
		{
			char *name = xstrndup(t + 1, (size_t)(end - t - 1));
			begin_section(p, name, line);
			free(name);
		}
		return 0;
	}
	if (!strpbrk(t, "=:")) {
		perr(p, line, "syntax error: expected 'key = value'");
		return -1;
	}
	return 0;
}

/* inih's fgets-style reader: whole lines from getline(), handed out in
 * pieces of at most num - 1 bytes. */
static char *cfg_reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	struct reader *r = &p->rd;
	size_t k;

	if (num <= 1)
		return NULL;
	if (r->off >= r->len) {
		ssize_t n;

		errno = 0;
		n = getline(&r->buf, &r->cap, r->f);
		if (n < 0) {
			if (ferror(r->f))
				r->io_errno = errno ? errno : EIO;
			r->len = r->off = 0;
			return NULL;
		}
		r->line++;
		r->len = (size_t)n;
		r->off = 0;
		if (lint_line(p, r->buf, r->len) < 0) {
			r->buf[0] = '\n';
			r->buf[1] = '\0';
			r->len = 1;
		}
	}
	k = r->len - r->off;
	if (k > (size_t)num - 1)
		k = (size_t)num - 1;
	memcpy(str, r->buf + r->off, k);
	str[k] = '\0';
	r->off += k;
	return str;
}

/* `precedence = a, b c`: instance names separated by commas and/or blanks;
 * that each names an instance is checked once the whole file is read. */
static void precedence_key(struct parse *p, const char *value, int line)
{
	struct cfg *c = p->c;
	const char *s = value;

	c->precedence_line = line;
	while (*s) {
		size_t n = strcspn(s, ", \t");
		if (n > 0) {
			char *name = xstrndup(s, n);
			int dup = 0;
			for (size_t i = 0; i < c->nprecedence; i++)
				dup |= strcmp(c->precedence[i], name) == 0;
			if (!valid_section_name(name))
				perr(p, line, "[salesync] precedence: '%.60s' is not an instance name", name);
			else if (dup)
				perr(p, line, "[salesync] precedence: '%.60s' is listed twice", name);
			if (!valid_section_name(name) || dup) {
				free(name);
			} else {
				c->precedence = xrealloc(c->precedence,
				    (c->nprecedence + 1) * sizeof *c->precedence);
				c->precedence[c->nprecedence++] = name;
			}
		}
		s += n;
		s += strspn(s, ", \t");
	}
}

static void host_key(struct parse *p, const char *key, const char *value, int line)
{
	struct cfg *c = p->c;
	int64_t n;

	if (strcmp(key, "store") == 0 || strcmp(key, "plugin_dir") == 0 ||
	    strcmp(key, "socket") == 0) {
		char **slot = key[0] == 's' ? (key[1] == 't' ? &c->store : &c->socket) : &c->plugin_dir;
		if (!*value) {
			perr(p, line, "[salesync] %s: empty value", key);
			return;
		}
		free(*slot);
		*slot = resolve_path(c->dir, value);
	} else if (strcmp(key, "jobs") == 0) {
		if (util_parse_int64(value, &n) || n < 1 || n > CFG_MAX_JOBS)
			perr(p, line, "[salesync] jobs: expected an integer from 1 to %d; got '%.60s'",
			    CFG_MAX_JOBS, value);
		else
			c->jobs = (int)n;
	} else if (strcmp(key, "log_level") == 0) {
		if (log_parse_level(value, &c->log_level))
			perr(p, line,
			    "[salesync] log_level: expected one of: error, warn, info, debug; got '%.60s'",
			    value);
	} else if (strcmp(key, "precedence") == 0) {
		precedence_key(p, value, line);
	} else if (strcmp(key, "log_format") == 0) {
		if (strcmp(value, "text") && strcmp(value, "logfmt") && strcmp(value, "json"))
			perr(p, line, "[salesync] log_format: expected one of: text, logfmt, json; got '%.60s'",
			    value);
		else {
			free(c->log_format);
			c->log_format = xstrdup(value);
		}
	} else if (strcmp(key, "max_backoff") == 0 || strcmp(key, "shutdown_grace") == 0) {
		if (util_parse_duration(value, &n) || n < 1)
			perr(p, line, "[salesync] %s: expected a duration (e.g. 30s, 15m, 1h); got '%.60s'",
			    key, value);
		else if (key[0] == 'm')
			c->max_backoff = n;
		else
			c->shutdown_grace = n;
	} else if (strcmp(key, "user") == 0) {
		free(c->user);
		c->user = xstrdup(value);
	} else if (strcmp(key, "metrics_listen") == 0) {
		free(c->metrics_listen);
		c->metrics_listen = xstrdup(value);
	}
}

static int is_host_key(const char *key)
{
	static const char *const known[] = {"store", "plugin_dir", "jobs", "log_level", "socket",
		"precedence", "log_format", "max_backoff", "shutdown_grace", "user", "metrics_listen",
		NULL};
	return in_list(key, known);
}

/* status.RAW / stage.RAW: value canonical, raw not repeated ignoring case.
 * Returns 1 if the key is such an override (valid or not), 0 if not; *ok
 * says whether it is valid. */
static int mapping_key(struct parse *p, struct cfg_instance *in, const char *key,
    const char *value, int line, int *ok)
{
	const char *raw, *prefix = "status.";
	const char *const *canon = lead_statuses;

	raw = strip_prefix(key, prefix);
	if (!raw) {
		prefix = "stage.";
		canon = deal_stages;
		raw = strip_prefix(key, prefix);
	}
	if (!raw)
		return 0;
	*ok = 0;
	if (!*raw) {
		perr(p, line, "[%s] %s: the raw value is missing (%sRAW = VALUE)", in->name, key,
		    prefix);
		return 1;
	}
	if (!in_list(value, canon)) {
		perr(p, line, "[%s] %s: '%.60s' is not a %s (%s)", in->name, key, value,
		    canon == lead_statuses ? "lead status" : "deal stage",
		    canon == lead_statuses ? "new, working, qualified, unqualified, converted" :
		                             "open, won, lost");
		return 1;
	}
	for (size_t i = 0; i < in->nkv; i++) {
		const char *other = strip_prefix(in->kv[i].key, prefix);
		if (other && util_strcaseeq(other, raw)) {
			perr(p, line, "[%s] %s: same raw value as %s at line %d "
			    "(raw values compare case-insensitively)", in->name, key, in->kv[i].key,
			    in->kv[i].line);
			return 1;
		}
	}
	*ok = 1;
	return 1;
}

/* A key of an instance section: host keys are checked and taken, the rest
 * go to kv. */
static void inst_key(struct parse *p, const char *key, const char *value, int line)
{
	struct cfg_instance *in = cur_inst(p);
	int b, ok;

	if (strcmp(key, "plugin") == 0) {
		if (!valid_plugin_name(value)) {
			perr(p, line, "[%s] plugin: '%.60s' is not a plugin name ([a-z0-9_-]+)",
			    in->name, value);
		} else {
			free(in->plugin);
			in->plugin = xstrdup(value);
			in->plugin_line = line;
		}
	} else if (strcmp(key, "enabled") == 0) {
		if (util_parse_bool(value, &b))
			perr(p, line, "[%s] enabled: expected a boolean (true/false, yes/no, on/off, "
			    "1/0); got '%.60s'", in->name, value);
		else
			in->enabled = b;
	} else if (strcmp(key, "every") == 0 || strcmp(key, "timeout") == 0) {
		int64_t *slot = key[0] == 'e' ? &in->every : &in->timeout;
		if (util_parse_duration(value, slot))
			perr(p, line, "[%s] %s: expected a duration (e.g. 90, 30s, 15m, 1h, 1d, "
			    "1h30m); got '%.60s'", in->name, key, value);
	} else if (strcmp(key, "rate_limit") == 0) {
		free(in->rate_limit);
		in->rate_limit = xstrdup(value);
	} else if (strcmp(key, "currency") == 0) {
		if (strlen(value) != 3 || !is_alpha(value[0]) || !is_alpha(value[1]) ||
		    !is_alpha(value[2])) {
			perr(p, line, "[%s] currency: expected a 3-letter ISO 4217 code; got '%.60s'",
			    in->name, value);
		} else {
			free(in->currency);
			in->currency = xstrdup(value);
			for (char *s = in->currency; *s; s++)
				*s = (char)toupper((unsigned char)*s);
		}
	} else if (mapping_key(p, in, key, value, line, &ok)) {
		if (ok)
			kv_add(in, xstrdup(key), xstrdup(value), line, 0);
	} else {
		kv_add(in, xstrdup(key), xstrdup(value), line, 0);
	}
}

static int cfg_handler(void *user, const char *section, const char *name, const char *raw)
{
	struct parse *p = user;
	int line = p->rd.line;
	char *value;
	const char *sec;

	(void)section; /* ours is exact; inih's is truncated at 49 bytes */
	if (p->sec == SEC_SKIP)
		return 1;
	if (p->sec == SEC_NONE) {
		perr(p, line, "key '%s' outside any section (start with [salesync] or "
		    "[instance])", name);
		return 1;
	}
	sec = p->sec == SEC_HOST ? "salesync" : cur_inst(p)->name;
	if (!raw)
		raw = "";
	if (!*name) {
		perr(p, line, "[%s] syntax error: empty key", sec);
		return 1;
	}
	for (size_t i = 0; i < p->nseen; i++) {
		if (strcmp(p->seen[i].key, name) == 0) {
			perr(p, line, "[%s] duplicate key '%s' (first at line %d)", sec, name,
			    p->seen[i].line);
			return 1;
		}
	}
	p->seen = xrealloc(p->seen, (p->nseen + 1) * sizeof *p->seen);
	p->seen[p->nseen].key = xstrdup(name);
	p->seen[p->nseen++].line = line;
	if (p->sec == SEC_HOST && !is_host_key(name)) {
		perr(p, line, "[salesync] unknown key '%s' (known: %s)", name, host_keys_salesync);
		return 1;
	}

	{
		char *where = xasprintf("[%s] %s", sec, name);
		int rc = expand_value(p, where, line, raw, &value);
		free(where);
		if (rc)
			return 1;
	}
	if (p->sec == SEC_HOST)
		host_key(p, name, value, line);
	else
		inst_key(p, name, value, line);
	free(value);
	return 1;
}

static void build_maps(struct cfg_instance *in)
{
	size_t ns = 0, nd = 0;
	const char *raw;

	in->status_map = xcalloc(in->nkv + 1, sizeof *in->status_map);
	in->stage_map = xcalloc(in->nkv + 1, sizeof *in->stage_map);
	for (size_t i = 0; i < in->nkv; i++) {
		struct cfg_kv *kv = &in->kv[i];
		if ((raw = strip_prefix(kv->key, "status.")) && *raw) {
			in->status_map[ns].raw = raw;
			in->status_map[ns++].normalized = kv->value;
		} else if ((raw = strip_prefix(kv->key, "stage.")) && *raw) {
			in->stage_map[nd].raw = raw;
			in->stage_map[nd++].normalized = kv->value;
		}
	}
}

int cfg_load(const char *path, const char *default_plugin_dir, struct cfg **out,
    struct ss_err *err)
{
	struct parse p;
	struct cfg *c;
	int rc, ret = 0;
	/* inih's knobs, saved to be restored. */
	int o_max_line = ini_max_line, o_initial = ini_initial_alloc;
	bool o_stack = ini_use_stack, o_realloc = ini_allow_realloc;
	bool o_multi = ini_allow_multiline, o_inline = ini_allow_inline_comments;
	bool o_stop = ini_stop_on_first_error, o_noval = ini_allow_no_value;
	bool o_bom = ini_allow_bom;
	char *o_start = ini_start_comment_prefixes;
	static char comment_prefixes[] = ";#";

	*out = NULL;
	memset(&p, 0, sizeof p);
	p.rd.f = fopen(path, "r");
	if (!p.rd.f)
		return err_set(err, SS_EIO, "cannot read config %s: %s", path, strerror(errno));

	c = xcalloc(1, sizeof *c);
	c->path = xstrdup(path);
	c->dir = dir_of(path);
	c->jobs = 2;
	c->log_level = SS_LOG_INFO;
	c->max_backoff = 3600;
	c->shutdown_grace = 30;
	p.c = c;
	p.sec = SEC_NONE;

	ini_max_line = CFG_MAX_LINE;
	ini_initial_alloc = 256;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_stop_on_first_error = false;
	ini_allow_no_value = false;
	ini_allow_bom = true;
	ini_start_comment_prefixes = comment_prefixes;

	rc = ini_parse_stream(cfg_reader, &p, cfg_handler, &p);

	ini_max_line = o_max_line;
	ini_initial_alloc = o_initial;
	ini_use_stack = o_stack;
	ini_allow_realloc = o_realloc;
	ini_allow_multiline = o_multi;
	ini_allow_inline_comments = o_inline;
	ini_stop_on_first_error = o_stop;
	ini_allow_no_value = o_noval;
	ini_allow_bom = o_bom;
	ini_start_comment_prefixes = o_start;

	fclose(p.rd.f);
	free(p.rd.buf);
	seen_reset(&p);

	if (p.rd.io_errno) {
		ret = err_set(err, SS_EIO, "cannot read config %s: %s", path,
		    strerror(p.rd.io_errno));
	} else if (rc == -2) {
		ret = err_set(err, SS_ENOMEM, "cannot read config %s: out of memory", path);
	} else {
		/* inih found a bad line the reader let through: still say so. */
		if (rc > 0 && p.errs.n == 0)
			perr(&p, rc, "syntax error");
		else if (rc < 0 && p.errs.n == 0)
			perr(&p, p.rd.line, "cannot parse (inih error %d)", rc);
		for (size_t i = 0; i < c->nprecedence; i++) {
			if (!cfg_instance(c, c->precedence[i]))
				perr(&p, c->precedence_line, "[salesync] precedence: no instance '%.60s'",
				    c->precedence[i]);
		}
		if (p.errs.n)
			ret = errs_flush(&p.errs, err);
	}
	sb_free(&p.errs.text);
	if (ret) {
		cfg_free(c);
		return ret;
	}

	if (!c->store)
		c->store = resolve_path(c->dir, "salesync.db");
	if (!c->plugin_dir)
		c->plugin_dir = xstrdup(default_plugin_dir);
	if (!c->socket)
		c->socket = xasprintf("%s.sock", c->store);
	for (size_t i = 0; i < c->ninst; i++)
		build_maps(&c->inst[i]);
	*out = c;
	return 0;
}

void cfg_free(struct cfg *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ninst; i++) {
		struct cfg_instance *in = &c->inst[i];
		for (size_t j = 0; j < in->nkv; j++) {
			free(in->kv[j].key);
			free(in->kv[j].value);
		}
		free(in->kv);
		free(in->status_map);
		free(in->stage_map);
		free(in->name);
		free(in->plugin);
		free(in->rate_limit);
		free(in->currency);
	}
	for (size_t i = 0; i < c->nprecedence; i++)
		free(c->precedence[i]);
	free(c->precedence);
	free(c->inst);
	free(c->path);
	free(c->dir);
	free(c->store);
	free(c->plugin_dir);
	free(c->socket);
	free(c->log_format);
	free(c->user);
	free(c->metrics_listen);
	free(c);
}

/* ---- cfg_find ----------------------------------------------------------- */

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

char *cfg_find(struct ss_err *err)
{
	char *cands[3] = {NULL, NULL, NULL};
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	char *found = NULL;
	struct sb tried = {0};
	size_t n = 0;

	cands[n++] = xstrdup("./salesync.ini");
	/* XDG: a relative or empty XDG_CONFIG_HOME is to be ignored. */
	if (xdg && is_abs(xdg))
		cands[n++] = xasprintf("%s/salesync/salesync.ini", xdg);
	else if (home && *home)
		cands[n++] = xasprintf("%s/.config/salesync/salesync.ini", home);
	cands[n++] = xstrdup("/etc/salesync/salesync.ini");

	for (size_t i = 0; i < n && !found; i++) {
		if (is_file(cands[i])) {
			found = cands[i];
			cands[i] = NULL;
		}
	}
	if (!found) {
		for (size_t i = 0; i < n; i++)
			sb_addf(&tried, "%s%s", i ? ", " : "", cands[i]);
		err_set(err, SS_EIO, "no config file found (tried %s); give one with -c FILE",
		    tried.buf);
		sb_free(&tried);
	}
	for (size_t i = 0; i < n; i++)
		free(cands[i]);
	return found;
}

/* ---- cfg_validate ------------------------------------------------------- */

/* The host's own options of every plugin that uses HTTP (auth set). */
const struct ss_option cfg_http_options[] = {
    {"base_url", SS_OPT_STRING, 0, NULL, NULL, "API root (default: the real service)"},
    {"auth", SS_OPT_ENUM, 0, "auto", "auto|none|bearer|api_key|basic|oauth2|jwt",
        "how to authenticate; auto: refresh_token → oauth2, key_file → jwt, username → "
        "basic, token → bearer (or api_key if the plugin takes no bearer)"},
    {"token", SS_OPT_STRING, SS_OPT_SECRET, NULL, NULL, "bearer or API token"},
    {"username", SS_OPT_STRING, 0, NULL, NULL, "HTTP basic user"},
    {"password", SS_OPT_STRING, SS_OPT_SECRET, NULL, NULL, "HTTP basic password"},
    {"client_id", SS_OPT_STRING, 0, NULL, NULL, "OAuth2 client id"},
    {"client_secret", SS_OPT_STRING, SS_OPT_SECRET, NULL, NULL, "OAuth2 client secret"},
    {"refresh_token", SS_OPT_STRING, SS_OPT_SECRET, NULL, NULL,
        "OAuth2 refresh token (rotations are kept in STORE.tokens/)"},
    {"token_url", SS_OPT_STRING, 0, NULL, NULL, "OAuth2/JWT token endpoint (default: the plugin's)"},
    {"key_file", SS_OPT_PATH, 0, NULL, NULL, "service-account JSON key (JWT flow)"},
    {"scope", SS_OPT_STRING, 0, NULL, NULL, "OAuth2/JWT scope (default: the plugin's)"},
    {"ca_file", SS_OPT_PATH, 0, NULL, NULL, "extra CA bundle (PEM) to verify TLS with"},
    {"connect_timeout", SS_OPT_DURATION, 0, "30s", NULL, "TCP+TLS connect timeout"},
    {"request_timeout", SS_OPT_DURATION, 0, "5m", NULL, "whole-request timeout"},
    {"max_attempts", SS_OPT_INT, 0, "5", NULL, "attempts per request (429, 5xx, network errors)"},
    {"max_retry_wait", SS_OPT_DURATION, 0, "5m", NULL,
        "longest a request may wait for retries; a longer Retry-After ends the run partial"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

static const struct ss_option *find_in(const struct ss_option *table, const char *key)
{
	const struct ss_option *best = NULL;
	size_t bestlen = 0;

	for (const struct ss_option *o = table; o && o->key; o++) {
		if (!(o->flags & SS_OPT_PREFIX) && strcmp(o->key, key) == 0)
			return o;
	}
	for (const struct ss_option *o = table; o && o->key; o++) {
		size_t n = strlen(o->key);
		if ((o->flags & SS_OPT_PREFIX) && strncmp(o->key, key, n) == 0 && n > bestlen) {
			best = o;
			bestlen = n;
		}
	}
	return best;
}

/* The plugin's own table first: it may document a host option itself. */
static const struct ss_option *find_option(const struct ss_plugin *pl, const char *key)
{
	const struct ss_option *o = find_in(pl->options, key);

	if (!o && pl->auth)
		o = find_in(cfg_http_options, key);
	return o;
}

static int enum_has(const char *choices, const char *v)
{
	size_t n = strlen(v);

	for (const char *s = choices; s;) {
		const char *bar = strchr(s, '|');
		size_t len = bar ? (size_t)(bar - s) : strlen(s);
		if (len == n && strncmp(s, v, n) == 0)
			return 1;
		s = bar ? bar + 1 : NULL;
	}
	return 0;
}

/* Checks kv's value against o's type; PATH values made absolute. */
static void check_value(const struct cfg *c, const struct cfg_instance *in,
    const struct ss_option *o, struct cfg_kv *kv, struct errs *e)
{
	const char *what = NULL;
	struct sb expect = {0};
	int64_t n;
	int b;

	switch (o->type) {
	case SS_OPT_INT:
		if (util_parse_int64(kv->value, &n))
			what = "an integer";
		break;
	case SS_OPT_BOOL:
		if (util_parse_bool(kv->value, &b))
			what = "a boolean (true/false, yes/no, on/off, 1/0)";
		break;
	case SS_OPT_DURATION:
		if (util_parse_duration(kv->value, &n))
			what = "a duration (e.g. 90, 30s, 15m, 1h, 1d, 1h30m)";
		break;
	case SS_OPT_ENUM:
		if (o->choices && !enum_has(o->choices, kv->value)) {
			sb_adds(&expect, "one of: ");
			for (const char *s = o->choices; *s; s++) {
				if (*s == '|')
					sb_adds(&expect, ", ");
				else
					sb_addc(&expect, *s);
			}
			what = expect.buf;
		}
		break;
	case SS_OPT_PATH:
		if (*kv->value && !is_abs(kv->value)) {
			char *abs = resolve_path(c->dir, kv->value);
			free(kv->value);
			kv->value = abs;
		}
		break;
	case SS_OPT_STRING:
	default:
		break;
	}
	if (what && (o->flags & SS_OPT_SECRET))
		errs_add(e, "%s:%d: [%s] %s: expected %s (value not shown: secret option)",
		    c->path, kv->line, in->name, kv->key, what);
	else if (what)
		errs_add(e, "%s:%d: [%s] %s: expected %s; got '%.60s'%s", c->path, kv->line,
		    in->name, kv->key, what, kv->value,
		    kv->from_default ? " (the plugin's default)" : "");
	sb_free(&expect);
}

/* Whether an option is set by some key of in (a PREFIX option: some key
 * it is the best match for). */
static int option_is_set(const struct ss_plugin *pl, const struct cfg_instance *in,
    const struct ss_option *o)
{
	size_t plen = strlen(o->key);

	for (size_t i = 0; i < in->nkv; i++) {
		const char *k = in->kv[i].key;
		if (!(o->flags & SS_OPT_PREFIX)) {
			if (strcmp(k, o->key) == 0)
				return 1;
		} else if (strncmp(k, o->key, plen) == 0 && k[plen] && find_option(pl, k) == o) {
			return 1;
		}
	}
	return 0;
}

static void apply_default(const struct cfg *c, struct cfg_instance *in,
    const struct ss_plugin *plugin, const struct ss_option *o, struct errs *e);

int cfg_validate(const struct cfg *c, struct cfg_instance *in,
    const struct ss_plugin *plugin, struct ss_err *err)
{
	struct errs e = {{0}, 0, 0};
	const char *pname = plugin->name ? plugin->name : in->plugin;
	const char *raw;
	size_t nfile = in->nkv;

	for (size_t i = 0; i < nfile; i++) {
		struct cfg_kv *kv = &in->kv[i];
		const struct ss_option *o;

		if (kv->from_default) {
			/* From an earlier cfg_validate: already checked. */
			continue;
		}
		if ((raw = strip_prefix(kv->key, "status.")) && *raw) {
			if (!in_list(kv->value, lead_statuses))
				errs_add(&e, "%s:%d: [%s] %s: '%.60s' is not a lead status (new, working, "
				    "qualified, unqualified, converted)", c->path, kv->line, in->name,
				    kv->key, kv->value);
			continue;
		}
		if ((raw = strip_prefix(kv->key, "stage.")) && *raw) {
			if (!in_list(kv->value, deal_stages))
				errs_add(&e, "%s:%d: [%s] %s: '%.60s' is not a deal stage (open, won, lost)",
				    c->path, kv->line, in->name, kv->key, kv->value);
			continue;
		}
		o = find_option(plugin, kv->key);
		if (!o) {
			errs_add(&e, "%s:%d: [%s] unknown option '%s' for plugin '%s' (see: salesync "
			    "plugins %s)", c->path, kv->line, in->name, kv->key, pname, pname);
			continue;
		}
		if ((o->flags & SS_OPT_PREFIX) && strcmp(kv->key, o->key) == 0) {
			errs_add(&e, "%s:%d: [%s] %s: a name must follow the prefix (%sNAME = ...)",
			    c->path, kv->line, in->name, kv->key, o->key);
			continue;
		}
		if (o->flags & SS_OPT_SECRET) {
			kv->secret = 1;
			log_add_secret(kv->value);
		}
		if ((o->flags & SS_OPT_REQUIRED) && !*kv->value) {
			errs_add(&e, "%s:%d: [%s] %s: required option is empty", c->path, kv->line,
			    in->name, kv->key);
			continue;
		}
		check_value(c, in, o, kv, &e);
	}

	for (const struct ss_option *o = plugin->options; o && o->key; o++)
		apply_default(c, in, plugin, o, &e);
	for (const struct ss_option *o = cfg_http_options; plugin->auth && o->key; o++) {
		if (find_option(plugin, o->key) == o)
			apply_default(c, in, plugin, o, &e);
	}

	if (e.n)
		errs_flush(&e, err);
	sb_free(&e.text);
	return e.n ? SS_EINVAL : 0;
}

/* A required option that is unset is an error; an unset option with a
 * default gets it, checked like a value from the file. */
static void apply_default(const struct cfg *c, struct cfg_instance *in,
    const struct ss_plugin *plugin, const struct ss_option *o, struct errs *e)
{
	{
		struct cfg_kv *kv;

		if (option_is_set(plugin, in, o))
			return;
		if (o->flags & SS_OPT_REQUIRED) {
			errs_add(e, "%s:%d: [%s] missing required option '%s'", c->path, in->line,
			    in->name, o->key);
			return;
		}
		if (!o->default_value || (o->flags & SS_OPT_PREFIX))
			return;
		kv_add(in, xstrdup(o->key), xstrdup(o->default_value), in->line, 1);
		kv = &in->kv[in->nkv - 1];
		if (o->flags & SS_OPT_SECRET) {
			kv->secret = 1;
			log_add_secret(kv->value);
		}
		check_value(c, in, o, kv, e);
	}
}

/* ---- lookups ------------------------------------------------------------ */

const char *cfg_get(const struct cfg_instance *inst, const char *key)
{
	for (size_t i = 0; i < inst->nkv; i++) {
		if (strcmp(inst->kv[i].key, key) == 0)
			return inst->kv[i].value;
	}
	return NULL;
}

static const char *option_default(const struct ss_option *opts, const char *key)
{
	for (size_t i = 0; opts && opts[i].key; i++) {
		if (strcmp(opts[i].key, key) == 0)
			return opts[i].default_value;
	}
	return NULL;
}

char *cfg_fill(const struct cfg_instance *inst, const struct ss_option *opts, const char *tmpl,
    struct ss_err *err)
{
	struct sb out = {0};
	const char *p = tmpl;

	if (!tmpl)
		return NULL;
	sb_adds(&out, "");
	while (*p) {
		const char *open = strchr(p, '{'), *close, *v;
		char key[64];
		size_t n;

		if (!open || !(close = strchr(open, '}'))) {
			sb_adds(&out, p);
			break;
		}
		sb_add(&out, p, (size_t)(open - p));
		snprintf(key, sizeof key, "%.*s", (int)(close - open - 1), open + 1);
		if (!(v = cfg_get(inst, key)) && !(v = option_default(opts, key))) {
			err_set(err, SS_EINVAL, "[%s] %s is needed (for %s) and has no default", inst->name,
			    key, tmpl);
			sb_free(&out);
			return NULL;
		}
		for (n = strlen(v); n > 0 && v[n - 1] == '/';)
			n--;
		sb_add(&out, v, n);
		p = close + 1;
	}
	return out.buf;
}

struct cfg_instance *cfg_instance(const struct cfg *c, const char *name)
{
	for (size_t i = 0; i < c->ninst; i++) {
		if (strcmp(c->inst[i].name, name) == 0)
			return &c->inst[i];
	}
	return NULL;
}
