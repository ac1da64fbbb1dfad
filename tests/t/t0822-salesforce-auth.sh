#!/bin/sh
# Salesforce auth: the OAuth2 refresh-token grant at /services/oauth2/token
# (a response with instance_url and no expires_in), access tokens that
# expire mid-sync (401 INVALID_SESSION_ID, refreshed by the host), refresh
# token rotation, refused credentials, a session id as bearer token, a
# session the REST API refuses, and the URL options: login_url for
# sandboxes (the token request follows it), base_url from the token response's
# instance_url or set (required with a session id), never a login host.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins salesforce

fake_start salesforce --auth oauth2 --client-id 3MVG9cid --client-secret Cl1ent-S3cret \
	--refresh-token 5Aep861-refresh --rotate --records 20 --page-size 5
TOKEN_URL=$FAKE_URL/services/oauth2/token
oauth() {
	http_conf salesforce "client_id = 3MVG9cid" "client_secret = Cl1ent-S3cret" \
		"refresh_token = 5Aep861-refresh" "$@"
}

# --- check and a first sync: one token, its answer has no expires_in
oauth "token_url = $TOKEN_URL"
expect_rc 0 "$SALESYNC" -c c.ini check
contains err "connected to the org Fake Org 1 (00D5g000004XyZwEAK), API v62.0"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 30 new"
[ "$(fake_ctl stats tokens_issued)" = 2 ] || fail "one token for check, one for sync"
[ -f store.db.tokens/crm.refresh ] || fail "rotated refresh token saved"
fake_ctl log token | grep -q '"path": "/services/oauth2/token"' || fail "token endpoint"
fake_ctl log token | grep -q 'grant_type=refresh_token' || fail "refresh-token grant"
no_secrets Cl1ent-S3cret 5Aep861-refresh at-1 at-2

# --- without base_url: the host takes the org's instance_url from the
# token response, as Salesforce documents it
rm -rf store.db store.db-* store.db.tokens
fake_ctl control '{"refresh_token": "5Aep861-refresh"}' >/dev/null
oauth "token_url = $TOKEN_URL"
sed -i '/^base_url = /d' c.ini
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 30 new"

# --- tokens expire mid-sync (the org's session timeout; the token
# response says nothing about it): 401 INVALID_SESSION_ID, refresh, go on
rm -rf store.db store.db-*
fake_ctl control '{"expires_in": 1, "latency_ms": 300}' >/dev/null
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini -v sync
contains out "reps 6 new"
contains out "leads 30 new"
contains out "deals 10 new"
contains err "refreshing the access token"
[ "$(fake_ctl stats 401)" -ge 1 ] || fail "a 401 mid-sync"
[ "$(fake_ctl stats tokens_issued)" -ge 2 ] || fail "refreshed mid-sync"
fake_ctl control '{"expires_in": 3600, "latency_ms": 0}' >/dev/null

# --- an injected 401 once: one refresh, the run carries on; twice: refused
fake_ctl control '{"touch": []}' >/dev/null
fake_ctl control '{"status_sequence": [200, 401]}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "nothing changed"
fake_ctl control '{"status_sequence": [401, 401]}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 401: the tool refused the oauth2 credentials even after a token refresh"

# --- a refresh token the endpoint refuses: named, with Salesforce's words
fake_ctl control '{"refresh_token": "revoked"}' >/dev/null
rm -rf store.db.tokens
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "token endpoint $TOKEN_URL refused the oauth2 credentials: HTTP 400: invalid_grant - expired access/refresh token"

# --- a session that may not use the REST API: no refresh helps, say why
fake_ctl control '{"refresh_token": "5Aep861-refresh"}' >/dev/null
fake_ctl control '{"body_override": {"count": 1, "status": 401, "content_type": "application/json", "body": "[{\"message\":\"This session is not valid for use with the REST API\",\"errorCode\":\"INVALID_SESSION_ID\"}]"}}' >/dev/null
n=$(fake_ctl stats tokens_issued)
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 401 INVALID_SESSION_ID: This session is not valid for use with the REST API; the connected app needs the 'api' OAuth scope"
[ "$(fake_ctl stats tokens_issued)" = $((n + 1)) ] || fail "no second refresh for that"

# --- sandboxes: login_url alone moves the token request to
# LOGIN_URL/services/oauth2/token (here the fake stands in for
# test.salesforce.com; its trailing '/' makes no "//"). No token is cached,
# so the sync works only if the refresh went there.
rm -rf store.db.tokens
fake_ctl control '{"refresh_token": "5Aep861-refresh"}' >/dev/null
fake_ctl reset-log >/dev/null
n=$(fake_ctl stats tokens_issued)
oauth "login_url = $FAKE_URL/"
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(fake_ctl stats tokens_issued)" = $((n + 1)) ] || fail "a token from login_url"
fake_ctl log token | grep -q '"path": "/services/oauth2/token"' || fail "at login_url/services/oauth2/token"
# token_url, when set, wins over login_url
oauth "login_url = https://test.salesforce.invalid" "token_url = $TOKEN_URL"
expect_rc 0 "$SALESYNC" -c c.ini sync

# --- base_url: required with a bearer session id (no token response to
# name the instance), and never a login host
printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[crm]\nplugin = salesforce\ntoken = x\n' > nob.ini
expect_rc 1 "$SALESYNC" -c nob.ini check
contains out "base_url is required without OAuth2"
oauth "token_url = $TOKEN_URL" "base_url = https://login.salesforce.com"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "base_url = https://login.salesforce.com is a login host; set it to the org's instance URL"
oauth "token_url = $TOKEN_URL" "api_version = latest"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "api_version = latest: expected a version like 62.0"
# a version this org does not have: 404 NOT_FOUND, with what to check
oauth "token_url = $TOKEN_URL" "api_version = 99.0"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "/services/data/v99.0/query"
contains out "HTTP 404 NOT_FOUND: The requested resource does not exist; check base_url (the org's instance URL) and api_version"

# --- a session id as bearer token (auth = bearer); a bad one is refused
fake_stop
rm -rf store.db*
fake_start salesforce --auth bearer --token '00D5g000004XyZw!AQ8AQ.session' --records 6
http_conf salesforce "token = 00D5g000004XyZw!AQ8AQ.session"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 9 new"
no_secrets '00D5g000004XyZw!AQ8AQ.session'
http_conf salesforce "token = 00D5g000004XyZw!expired"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 401: the tool refused the bearer credentials"
