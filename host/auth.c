/* auth: credentials, token requests and responses, refresh-token
 * persistence, JWT signing (OpenSSL's libcrypto: no hand-written crypto). */
#include "auth.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

struct auth {
	struct auth_opts o;
	enum auth_kind kind;
	char *refresh_token;  /* current: configured or persisted rotation */
	char *access_token;
	int64_t expires_at;   /* 0: unknown (valid until a 401) */
	char *basic;          /* "user:password" */
	char *client_basic;   /* OAuth2 with SS_AUTH_CLIENT_BASIC: "id:secret" */
	char *token_url;      /* JWT: from the key file unless configured */
	char *client_email;   /* JWT */
	char *private_key;    /* JWT, PEM */
	char *key_id;         /* JWT */
	char *api_base;       /* from the token response's base_url_field */
	int lock_fd;
};

const char *auth_kind_name(enum auth_kind k)
{
	static const char *const names[] = {"none", "bearer", "api key", "basic", "oauth2", "jwt"};
	return names[k];
}

enum auth_kind auth_kind(const struct auth *a)
{
	return a ? a->kind : AUTH_NONE;
}

static int set(const char *s)
{
	return s && *s;
}

static enum auth_kind choose(const struct auth_opts *o, unsigned kinds)
{
	if ((kinds & SS_AUTH_OAUTH2) && set(o->refresh_token))
		return AUTH_OAUTH2;
	if ((kinds & SS_AUTH_JWT) && set(o->key_file))
		return AUTH_JWT;
	if ((kinds & SS_AUTH_BASIC) && set(o->username))
		return AUTH_BASIC;
	if ((kinds & SS_AUTH_BEARER) && set(o->token))
		return AUTH_BEARER;
	if ((kinds & SS_AUTH_API_KEY) && set(o->token))
		return AUTH_API_KEY;
	return AUTH_NONE;
}

/* ---- refresh-token persistence ------------------------------------------ */

/* The persisted token belongs to the configured one it replaced: when the
 * user puts a new refresh_token in the INI, the old rotation is ignored. */
static char *sha256_hex(const char *s)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char *hex;

	EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
	hex = xmalloc(2 * n + 1);
	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return hex;
}

static char *state_path(const struct auth *a, const char *ext)
{
	return xasprintf("%s/%s.%s", a->o.state_dir, a->o.instance, ext);
}

static void load_rotated(struct auth *a)
{
	char *path, *seed;
	json_t *j;
	const char *s, *t;

	if (!a->o.state_dir)
		return;
	path = state_path(a, "refresh");
	j = json_load_file(path, 0, NULL);
	free(path);
	if (!j)
		return;
	seed = sha256_hex(a->o.refresh_token);
	s = json_string_value(json_object_get(j, "configured_sha256"));
	t = json_string_value(json_object_get(j, "refresh_token"));
	if (s && t && strcmp(s, seed) == 0) {
		free(a->refresh_token);
		a->refresh_token = xstrdup(t);
		log_add_secret(t);
	}
	free(seed);
	json_decref(j);
}

/* Write to a temporary file, fsync, rename: a crash leaves the old token
 * or the new one, never half of either. */
static int save_rotated(struct auth *a, const char *token, struct ss_err *err)
{
	char *path, *tmp, *seed;
	json_t *j;
	int fd, rc = 0;

	if (!a->o.state_dir)
		return 0;
	if (mkdir(a->o.state_dir, 0700) != 0 && errno != EEXIST)
		return err_set(err, SS_EIO, "cannot create %s: %s", a->o.state_dir, strerror(errno));
	path = state_path(a, "refresh");
	tmp = state_path(a, "refresh.tmp");
	seed = sha256_hex(a->o.refresh_token);
	j = json_pack("{s:s, s:s}", "configured_sha256", seed, "refresh_token", token);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || json_dumpfd(j, fd, JSON_COMPACT) != 0 || fsync(fd) != 0) {
		rc = err_set(err, SS_EIO, "cannot save the rotated refresh token to %s: %s", tmp,
		    strerror(errno));
	} else if (rename(tmp, path) != 0) {
		rc = err_set(err, SS_EIO, "cannot save the rotated refresh token to %s: %s", path,
		    strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlink(tmp);
	json_decref(j);
	free(seed);
	free(tmp);
	free(path);
	return rc;
}

int auth_lock(struct auth *a, struct ss_err *err)
{
	char *path;

	if (!a->o.state_dir || a->lock_fd >= 0)
		return 0;
	if (mkdir(a->o.state_dir, 0700) != 0 && errno != EEXIST)
		return err_set(err, SS_EIO, "cannot create %s: %s", a->o.state_dir, strerror(errno));
	path = state_path(a, "lock");
	a->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (a->lock_fd < 0 || flock(a->lock_fd, LOCK_EX) != 0)
		return err_set(err, SS_EIO, "cannot lock the credentials of %s: %s", a->o.instance,
		    strerror(errno));
	/* Another process may have rotated the token while we waited. */
	load_rotated(a);
	return 0;
}

void auth_unlock(struct auth *a)
{
	if (a->lock_fd >= 0) {
		close(a->lock_fd);
		a->lock_fd = -1;
	}
}

/* ---- JWT key file ------------------------------------------------------- */

static int load_key_file(struct auth *a, struct ss_err *err)
{
	json_error_t je;
	json_t *j = json_load_file(a->o.key_file, 0, &je);
	const char *email, *key, *uri, *kid;

	if (!j)
		return err_set(err, SS_EINVAL, "key_file %s: not a service-account JSON key: %s",
		    a->o.key_file, je.text);
	email = json_string_value(json_object_get(j, "client_email"));
	key = json_string_value(json_object_get(j, "private_key"));
	uri = json_string_value(json_object_get(j, "token_uri"));
	kid = json_string_value(json_object_get(j, "private_key_id"));
	if (!email || !key) {
		json_decref(j);
		return err_set(err, SS_EINVAL, "key_file %s: client_email or private_key missing",
		    a->o.key_file);
	}
	a->client_email = xstrdup(email);
	a->private_key = xstrdup(key);
	a->key_id = xstrdup(kid);
	/* The option wins, then the key file's own token_uri, then the
	 * plugin's default. */
	a->token_url = xstrdup(set(a->o.token_url) ? a->o.token_url : uri ? uri : a->o.default_token_url);
	json_decref(j);
	if (!a->token_url)
		return err_set(err, SS_EINVAL, "key_file %s: no token_uri and no token_url option",
		    a->o.key_file);
	return 0;
}

/* The `auth` option names a kind; it must be one the plugin supports,
 * with its credentials set. */
static int forced(const struct auth_opts *o, unsigned kinds, enum auth_kind *k,
    struct ss_err *err)
{
	static const struct {
		const char *name;
		enum auth_kind kind;
		unsigned bit;
		const char *needs;
	} tab[] = {
	    {"none", AUTH_NONE, 0, NULL}, {"bearer", AUTH_BEARER, SS_AUTH_BEARER, "token"},
	    {"api_key", AUTH_API_KEY, SS_AUTH_API_KEY, "token"},
	    {"basic", AUTH_BASIC, SS_AUTH_BASIC, "username"},
	    {"oauth2", AUTH_OAUTH2, SS_AUTH_OAUTH2, "refresh_token"},
	    {"jwt", AUTH_JWT, SS_AUTH_JWT, "key_file"},
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		const char *v;
		if (strcmp(o->mode, tab[i].name) != 0)
			continue;
		if (tab[i].bit && !(kinds & tab[i].bit))
			return err_set(err, SS_EINVAL, "auth = %s: the plugin does not support it", o->mode);
		v = !tab[i].needs ? "x" : !strcmp(tab[i].needs, "token") ? o->token :
		    !strcmp(tab[i].needs, "username") ? o->username :
		    !strcmp(tab[i].needs, "refresh_token") ? o->refresh_token : o->key_file;
		if (!set(v))
			return err_set(err, SS_EINVAL, "auth = %s needs %s", o->mode, tab[i].needs);
		*k = tab[i].kind;
		return 0;
	}
	return err_set(err, SS_EINVAL, "auth = %s: unknown", o->mode);
}

int auth_new(const struct auth_opts *o, unsigned kinds, struct auth **out, struct ss_err *err)
{
	struct auth *a = xcalloc(1, sizeof *a);
	int rc = 0;

	a->o = *o;
	a->lock_fd = -1;
	a->kind = choose(o, kinds);
	if (set(o->mode) && strcmp(o->mode, "auto") != 0 && (rc = forced(o, kinds, &a->kind, err)) != 0) {
		free(a);
		return rc;
	}
	switch (a->kind) {
	case AUTH_OAUTH2:
		a->token_url = xstrdup(set(o->token_url) ? o->token_url : o->default_token_url);
		if (!set(a->token_url) || !set(o->client_id))
			rc = err_set(err, SS_EINVAL,
			    "OAuth2 needs token_url and client_id besides refresh_token");
		a->refresh_token = xstrdup(o->refresh_token);
		load_rotated(a);
		if (kinds & SS_AUTH_CLIENT_BASIC) {
			a->client_basic = xasprintf("%s:%s", o->client_id ? o->client_id : "",
			    o->client_secret ? o->client_secret : "");
			log_add_secret(a->client_basic);
		}
		break;
	case AUTH_JWT:
		rc = load_key_file(a, err);
		break;
	case AUTH_BASIC:
		a->basic = xasprintf("%s:%s", o->username, o->password ? o->password : "");
		log_add_secret(a->basic);
		break;
	case AUTH_API_KEY:
		if (!o->key_header && !o->key_query)
			rc = err_set(err, SS_EINVAL, "the plugin declares API keys but names no header or query parameter");
		break;
	default:
		break;
	}
	if (rc != 0) {
		auth_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

void auth_free(struct auth *a)
{
	if (!a)
		return;
	auth_unlock(a);
	free(a->refresh_token);
	free(a->access_token);
	free(a->basic);
	free(a->client_basic);
	free(a->token_url);
	free(a->client_email);
	free(a->private_key);
	free(a->key_id);
	free(a->api_base);
	free(a);
}

/* ---- applying credentials ----------------------------------------------- */

char *auth_header(const struct auth *a)
{
	if (!a)
		return NULL;
	if (a->kind == AUTH_BEARER)
		return xasprintf("Bearer %s", a->o.token);
	if ((a->kind == AUTH_OAUTH2 || a->kind == AUTH_JWT) && a->access_token)
		return xasprintf("Bearer %s", a->access_token);
	return NULL;
}

const char *auth_key_header(const struct auth *a, const char **value)
{
	if (!a || a->kind != AUTH_API_KEY || !a->o.key_header)
		return NULL;
	*value = a->o.token;
	return a->o.key_header;
}

const char *auth_key_query(const struct auth *a, const char **value)
{
	if (!a || a->kind != AUTH_API_KEY || a->o.key_header || !a->o.key_query)
		return NULL;
	*value = a->o.token;
	return a->o.key_query;
}

const char *auth_api_base(const struct auth *a)
{
	return a ? a->api_base : NULL;
}

const char *auth_basic(const struct auth *a)
{
	return a && a->kind == AUTH_BASIC ? a->basic : NULL;
}

const char *auth_token_basic(const struct auth *a)
{
	return a ? a->client_basic : NULL;
}

int auth_needs_token(const struct auth *a, int64_t now)
{
	if (!a || (a->kind != AUTH_OAUTH2 && a->kind != AUTH_JWT))
		return 0;
	return !a->access_token || (a->expires_at && now >= a->expires_at - 60);
}

void auth_invalidate(struct auth *a)
{
	if (!a)
		return;
	free(a->access_token);
	a->access_token = NULL;
	a->expires_at = 0;
}

/* ---- token requests ----------------------------------------------------- */

char *auth_b64url(const unsigned char *data, size_t len)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	struct sb b = {0};

	sb_adds(&b, "");
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)data[i] << 16;
		size_t n = len - i < 3 ? len - i : 3;
		if (n > 1)
			v |= (unsigned)data[i + 1] << 8;
		if (n > 2)
			v |= data[i + 2];
		sb_addc(&b, tab[(v >> 18) & 63]);
		sb_addc(&b, tab[(v >> 12) & 63]);
		if (n > 1)
			sb_addc(&b, tab[(v >> 6) & 63]);
		if (n > 2)
			sb_addc(&b, tab[v & 63]);
	}
	return b.buf;
}

void auth_form_escape(struct sb *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			sb_addc(b, (char)c);
		else
			sb_addf(b, "%%%02X", c);
	}
}

static void form_add(struct sb *b, const char *name, const char *value)
{
	if (!set(value))
		return;
	if (b->len)
		sb_addc(b, '&');
	sb_adds(b, name);
	sb_addc(b, '=');
	auth_form_escape(b, value);
}

static char *b64url_str(const char *s)
{
	return auth_b64url((const unsigned char *)s, strlen(s));
}

/* RS256: RSASSA-PKCS1-v1_5 with SHA-256 over "header.claims". */
static int sign_rs256(const char *pem, const char *input, char **sig_b64, struct ss_err *err)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *sig = NULL;
	size_t siglen = 0;
	int rc = 0;

	if (!key || !md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)input, strlen(input)) != 1) {
		rc = err_set(err, SS_EINVAL, "the private_key of the key file is not a usable RSA key");
		goto out;
	}
	sig = xmalloc(siglen);
	if (EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input, strlen(input)) != 1) {
		rc = err_set(err, SS_EINVAL, "signing the JWT assertion failed");
		goto out;
	}
	*sig_b64 = auth_b64url(sig, siglen);
out:
	free(sig);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	BIO_free(bio);
	return rc;
}

static char *jwt_assertion(struct auth *a, int64_t now, struct ss_err *err)
{
	json_t *hdr = json_pack("{s:s, s:s}", "alg", "RS256", "typ", "JWT");
	json_t *claims = json_pack("{s:s, s:s, s:I, s:I}", "iss", a->client_email, "aud",
	    a->token_url, "iat", (json_int_t)now, "exp", (json_int_t)(now + 3600));
	char *h, *c, *hb, *cb, *input, *sig = NULL, *jwt = NULL;

	if (a->key_id)
		json_object_set_new(hdr, "kid", json_string(a->key_id));
	if (set(a->o.scope))
		json_object_set_new(claims, "scope", json_string(a->o.scope));
	h = json_dumps(hdr, JSON_COMPACT | JSON_SORT_KEYS);
	c = json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS);
	hb = b64url_str(h);
	cb = b64url_str(c);
	input = xasprintf("%s.%s", hb, cb);
	if (sign_rs256(a->private_key, input, &sig, err) == 0)
		jwt = xasprintf("%s.%s", input, sig);
	free(sig);
	free(input);
	free(hb);
	free(cb);
	free(h);
	free(c);
	json_decref(hdr);
	json_decref(claims);
	return jwt;
}

int auth_token_request(struct auth *a, int64_t now, const char **url, char **form,
    struct ss_err *err)
{
	struct sb b = {0};

	sb_adds(&b, "");
	if (a->kind == AUTH_OAUTH2) {
		form_add(&b, "grant_type", "refresh_token");
		form_add(&b, "refresh_token", a->refresh_token);
		if (!a->client_basic) {
			form_add(&b, "client_id", a->o.client_id);
			form_add(&b, "client_secret", a->o.client_secret);
		}
	} else if (a->kind == AUTH_JWT) {
		char *jwt = jwt_assertion(a, now, err);
		if (!jwt) {
			sb_free(&b);
			return SS_EINVAL;
		}
		form_add(&b, "grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
		form_add(&b, "assertion", jwt);
		free(jwt);
	} else {
		sb_free(&b);
		return err_set(err, SS_EINVAL, "no token flow for %s auth", auth_kind_name(a->kind));
	}
	*url = a->token_url;
	*form = b.buf;
	return 0;
}

int auth_token_response(struct auth *a, int64_t now, long status, const char *body,
    struct ss_err *err)
{
	json_t *j = json_loads(body ? body : "", JSON_DECODE_ANY, NULL);
	const char *at, *rt;
	json_t *exp;
	int rc = 0;

	if (status < 200 || status >= 300 || !json_is_object(j)) {
		const char *e = json_string_value(json_object_get(j, "error"));
		const char *d = json_string_value(json_object_get(j, "error_description"));
		rc = err_set(err, SS_EAUTH, "token endpoint %s refused the %s credentials: HTTP %ld%s%s%s%s",
		    a->token_url, auth_kind_name(a->kind), status, e ? ": " : "", e ? e : "",
		    d ? " - " : "", d ? d : "");
		json_decref(j);
		return rc;
	}
	at = json_string_value(json_object_get(j, "access_token"));
	if (!at || !*at) {
		json_decref(j);
		return err_set(err, SS_EAUTH, "token endpoint %s answered without an access_token",
		    a->token_url);
	}
	free(a->access_token);
	a->access_token = xstrdup(at);
	log_add_secret(at);
	if (a->o.base_url_field) {
		const char *b = json_string_value(json_object_get(j, a->o.base_url_field));
		if (b && *b) {
			free(a->api_base);
			a->api_base = xstrdup(b);
		}
	}
	exp = json_object_get(j, "expires_in");
	a->expires_at = json_is_integer(exp) ? now + json_integer_value(exp) : 0;
	rt = json_string_value(json_object_get(j, "refresh_token"));
	if (a->kind == AUTH_OAUTH2 && rt && *rt && strcmp(rt, a->refresh_token) != 0) {
		struct ss_err se;
		log_add_secret(rt);
		/* The old token is already dead at the tool: keep going with the
		 * new one in memory, but say loudly that it is not saved. */
		if (save_rotated(a, rt, &se) != 0)
			log_msg(SS_LOG_ERROR, a->o.instance, "%s; the next run will need a new refresh_token",
			    se.msg);
		free(a->refresh_token);
		a->refresh_token = xstrdup(rt);
	}
	json_decref(j);
	return rc;
}
