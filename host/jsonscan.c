/* jsonscan: one member of a JSON text, found by skipping, not parsing. */
#include "jsonscan.h"

#include <string.h>

static const char *ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* p at an opening quote; returns just past the closing one, or NULL. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* p at the first byte of a value; returns just past it, or NULL. Nesting
 * is counted, not checked: the full parse that follows judges the rest. */
static const char *skip_value(const char *p, const char *end)
{
	int depth = 0;

	if (p >= end)
		return NULL;
	if (*p == '"')
		return skip_string(p, end);
	if (*p != '{' && *p != '[') {
		const char *q = p;
		while (q < end && !strchr(",}] \t\r\n", *q))
			q++;
		/* a number cut short by the end of the text would look whole */
		return q > p && q < end ? q : NULL;
	}
	while (p < end) {
		if (*p == '"') {
			if (!(p = skip_string(p, end)))
				return NULL;
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p + 1;
		p++;
	}
	return NULL;
}

int jsn_find(const char *json, size_t len, const char *path, const char **val,
    size_t *val_len)
{
	const char *p = json, *end = json + len;

	if (!json || !path || !*path)
		return -1;
	p = ws(p, end);
	if (p >= end || *p != '{')
		return -1;
	p++;
	for (;;) {
		const char *dot = strchr(path, '.');
		size_t seg = dot ? (size_t)(dot - path) : strlen(path);
		const char *key, *kend;

		p = ws(p, end);
		if (p >= end || *p != '"')
			return -1; /* also "}": not there */
		key = p + 1;
		if (!(kend = skip_string(p, end)))
			return -1;
		p = ws(kend, end);
		if (p >= end || *p != ':')
			return -1;
		p = ws(p + 1, end);
		if ((size_t)(kend - 1 - key) == seg && memcmp(key, path, seg) == 0) {
			if (!dot) {
				const char *vend = skip_value(p, end);
				if (!vend)
					return -1;
				*val = p;
				*val_len = (size_t)(vend - p);
				return 0;
			}
			if (p >= end || *p != '{')
				return -1;
			path = dot + 1;
			p++;
			continue;
		}
		if (!(p = skip_value(p, end)))
			return -1;
		p = ws(p, end);
		if (p >= end || *p != ',')
			return -1;
		p++;
	}
}
