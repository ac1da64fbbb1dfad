/* httpfix with its API key in a header instead of the query. */
#define HTTPFIX_NAME "httpfix_hdr"
#define HTTPFIX_KEY_HEADER "X-Api-Key"
#define HTTPFIX_KEY_QUERY NULL
#include "httpfix.c"
