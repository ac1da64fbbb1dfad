/*
 * jsonscan: finds one member of a JSON text without parsing the rest:
 * no allocation, one pass over the bytes up to the member. Behind
 * api->json_find, so a plugin can read the next page's cursor and
 * prefetch that page before it parses this one.
 */
#ifndef SS_JSONSCAN_H
#define SS_JSONSCAN_H

#include <stddef.h>

/*
 * Looks up path (object keys joined by '.', e.g. "paging.next.after") in
 * the JSON object json[0..len). Keys are compared as written (a key with
 * escapes never matches). On success sets *val and *val_len to the raw
 * text of the member's value (a string keeps its quotes and escapes;
 * both point into json) and returns 0. Returns -1 if the member is
 * absent or the text is not well formed up to it.
 */
int jsn_find(const char *json, size_t len, const char *path, const char **val,
    size_t *val_len);

#endif
