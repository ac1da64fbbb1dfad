#!/bin/sh
# Auth against the acme fake: HTTP basic and the OAuth2 refresh-token grant
# with rotation (persisted atomically, 0600), expiry mid-sync, refusal.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins httpfix httpfix_hdr

# --- HTTP basic
fake_start acme --auth basic --username ops --password 'Pa55;word#1' --records 4
rm -rf store.db*
http_conf httpfix "username = ops" "password = Pa55;word#1"
expect_rc 0 "$SALESYNC" -c c.ini -v sync
contains out "leads 4 new"
no_secrets 'Pa55;word#1'
http_conf httpfix "username = ops" "password = nope-Pa55"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "refused the basic credentials"
no_secrets nope-Pa55

# --- OAuth2 refresh-token grant with rotation
rm -rf store.db*
fake_start acme --auth oauth2 --client-id cid --client-secret Cl1ent-S3cret \
	--refresh-token R0-refresh --rotate --records 25 --page-size 10
http_conf httpfix "client_id = cid" "client_secret = Cl1ent-S3cret" "refresh_token = R0-refresh" \
	"token_url = $FAKE_URL/oauth/token"
expect_rc 0 "$SALESYNC" -c c.ini -v sync
contains out "leads 25 new"
[ -f store.db.tokens/crm.refresh ] || fail "rotated refresh token not persisted"
[ "$(stat -c %a store.db.tokens/crm.refresh)" = 600 ] || fail "token file must be 0600"
[ "$(stat -c %a store.db.tokens)" = 700 ] || fail "token dir must be 0700"
[ "$(fake_ctl stats tokens_issued)" -eq 1 ] || fail "one token expected"
# The fake no longer accepts R0: only the persisted rotation works now.
fake_ctl control '{"expire_tokens": true}' >/dev/null
fake_ctl control '{"add": 3}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 3 new"
[ "$(fake_ctl stats tokens_issued)" -eq 2 ] || fail "second run refreshes with the rotated token"
# The token is refused mid-sync (a 401 on a request): one refresh,
# then the run carries on.
fake_ctl control '{"touch": ["A00001", "A00002"]}' >/dev/null
fake_ctl control '{"status_sequence": [401]}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini -v sync
n=$(fake_ctl stats tokens_issued); [ "$n" -eq 4 ] || fail "a refresh at the start and one after the 401, got $n in all"
contains err "refreshing the access token"
contains out "leads 0 new, 2 updated"
no_secrets Cl1ent-S3cret R0-refresh rt-1 rt-2 at-1 at-2
# 401 again right after a refresh: the credentials are refused, clearly.
fake_ctl control '{"status_sequence": [401, 401]}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 401: the tool refused the oauth2 credentials even after a token refresh"
# A refresh token the endpoint refuses: a clear error naming the endpoint.
rm -rf store.db.tokens
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "token endpoint $FAKE_URL/oauth/token refused the oauth2 credentials: HTTP 400: invalid_grant"

