/*
 * log: the host's one logging function. Lines go to stderr as
 * "salesync: [prefix] message"; values registered as secrets are replaced
 * by "***" in every line, whoever wrote it.
 */
#ifndef SS_LOG_H
#define SS_LOG_H

#include <stdarg.h>

#include "../sdk/salesync/plugin.h"

void log_set_level(int level);          /* SS_LOG_*; default SS_LOG_INFO */

/* Line format: "salesync: [prefix] msg" (the CLI's), logfmt or JSON lines
 * (the daemon's, `log_format =`). */
enum { LOG_TEXT = 0, LOG_LOGFMT, LOG_JSON };
void log_set_format(int format);
int log_get_level(void);
int log_parse_level(const char *s, int *level); /* error|warn|info|debug */

/* Registers a secret value (copied). Empty strings are ignored. */
void log_add_secret(const char *value);

/* Writes the redacted `text` into a new string; caller frees. */
char *log_redact(const char *text);

/* prefix may be NULL ("salesync: msg") or e.g. "csv:leads". */
void log_msg(int level, const char *prefix, const char *fmt, ...) SS_PRINTF(3, 4);
void log_vmsg(int level, const char *prefix, const char *fmt, va_list ap) SS_PRINTF(3, 0);

#endif
