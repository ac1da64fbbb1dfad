/*
 * auth: the credentials of one instance and how they go on a request:
 * bearer token, API key (header or query), HTTP basic, OAuth2
 * refresh-token grant, service-account JWT (RS256). This file builds and
 * reads token requests; http.c sends them. Rotated refresh tokens are
 * persisted atomically outside the store (secrets never enter it).
 */
#ifndef SS_AUTH_H
#define SS_AUTH_H

#include <stdint.h>

#include "util.h"

enum auth_kind { AUTH_NONE = 0, AUTH_BEARER, AUTH_API_KEY, AUTH_BASIC, AUTH_OAUTH2, AUTH_JWT };

/* Everything auth needs, borrowed from the instance's options. */
struct auth_opts {
	const char *instance;
	const char *mode;       /* the `auth` option: auto (NULL), none, bearer, ... */
	const char *token;
	const char *username, *password;
	const char *client_id, *client_secret, *refresh_token;
	const char *token_url;  /* the token_url option, or NULL */
	const char *default_token_url; /* the plugin's default (OAuth2; JWT after the key file's) */
	const char *key_file;
	const char *scope;      /* option, or the plugin's default */
	const char *key_header, *key_query; /* the plugin's API key placement */
	const char *state_dir;  /* where rotated refresh tokens are kept */
	const char *base_url_field; /* token response field with the API root, or NULL */
};

struct auth;

/* Picks the auth kind: the `auth` option if set, else from the options
 * set and the kinds the plugin supports (SS_AUTH_* bits): refresh_token →
 * OAuth2, key_file → JWT, username → basic, token → bearer or API key.
 * A kind the plugin does not support, or whose credentials are missing,
 * is an error. The caller owns *out. */
int auth_new(const struct auth_opts *o, unsigned kinds, struct auth **out, struct ss_err *err);
void auth_free(struct auth *a);
enum auth_kind auth_kind(const struct auth *a);
const char *auth_kind_name(enum auth_kind k);

/* For bearer/OAuth2/JWT: the Authorization header value to send (new
 * string; caller frees) or NULL; for API key/basic see below. */
char *auth_header(const struct auth *a);
/* API key in a header: its name and value (borrowed), else NULL. */
const char *auth_key_header(const struct auth *a, const char **value);
/* API key in the query: its name and value (borrowed), else NULL. */
const char *auth_key_query(const struct auth *a, const char **value);
/* Basic: "user:password" (borrowed) or NULL. */
const char *auth_basic(const struct auth *a);

/* "client_id:client_secret" for HTTP basic at the token endpoint, when the
 * plugin asks for it (SS_AUTH_CLIENT_BASIC); else NULL. Borrowed. */
const char *auth_token_basic(const struct auth *a);

/* The API root the token endpoint named (base_url_field), or NULL. */
const char *auth_api_base(const struct auth *a);

/* OAuth2/JWT: non-zero when a token must be fetched before the next
 * request at time now (none yet, or expiring within a minute). */
int auth_needs_token(const struct auth *a, int64_t now);
/* Forgets the current access token (after a 401). */
void auth_invalidate(struct auth *a);

/*
 * Builds the token request: *url (borrowed) and *form (new string,
 * application/x-www-form-urlencoded; caller frees). SS_EINVAL with err if
 * the credentials are incomplete or the key file is unusable.
 */
int auth_token_request(struct auth *a, int64_t now, const char **url, char **form,
    struct ss_err *err);

/* Reads the token endpoint's answer. Registers the new access token as a
 * secret; persists a rotated refresh token before returning. SS_EAUTH
 * with the endpoint's error text for a refusal. */
int auth_token_response(struct auth *a, int64_t now, long status, const char *body,
    struct ss_err *err);

/* Serializes token refreshes of one credential across processes: takes
 * an exclusive lock in state_dir (no-op without one). 0 or SS_EIO. */
int auth_lock(struct auth *a, struct ss_err *err);
void auth_unlock(struct auth *a);

/* base64url without padding (JWT), new string. */
char *auth_b64url(const unsigned char *data, size_t len);

/* Form-encodes one value (RFC 3986 unreserved kept), appended to sb. */
void auth_form_escape(struct sb *b, const char *s);

#endif
