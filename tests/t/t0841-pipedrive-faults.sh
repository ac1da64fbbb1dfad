#!/bin/sh
# The pipedrive plugin when things go wrong: the API token refused
# mid-sync, an OAuth2 access token expiring mid-sync (refreshed at the
# token endpoint), a revoked refresh token, 429 storms, the burst limit's
# x-ratelimit-* headers, the daily token budget spent (run partial),
# 5xx, truncated bodies, a gateway's HTML 403, error envelopes. The store
# keeps the last checkpoint every time and the next sync resumes.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins pipedrive
TOKEN=pd-F4ults-0815

fake_start pipedrive --auth apikey-header --token "$TOKEN" --records 30 --deals 20
http_conf pipedrive "token = $TOKEN" "page_size = 10" "max_attempts = 3"

# The API token refused mid-sync (401 "unauthorized access" on the 3rd
# request: users, persons page 1, then persons page 2, which the plugin
# prefetches before it looks up page 1's organizations): a clear error
# when the plugin asks for page 2; the first page is kept.
fake_ctl control '{"status_sequence": [0, 0, 401]}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 401: the tool refused the api key credentials; check the instance's credentials"
contains out "$FAKE_URL/api/v2/persons"
[ "$(sql 'select count(*) from leads')" = 10 ] || fail "first page of persons kept: $(sql 'select count(*) from leads')"
[ "$(sql 'select status from runs')" = failed ] || fail "run failed"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 20 new"
contains out "deals 20 new"

# A wrong token: check fails clearly.
http_conf pipedrive "token = wrong-token" "page_size = 10"
expect_rc 1 "$SALESYNC" -c c.ini check
contains out "HTTP 401"
http_conf pipedrive "token = $TOKEN" "page_size = 10" "max_attempts = 3"

# 5xx: retried, then fine.
fake_ctl control '{"patch": {"persons": {"1": {}, "2": {}}}}' >/dev/null
fake_ctl reset-log >/dev/null
fake_ctl control '{"status_sequence": [500, 502, 0, 503]}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 0 new, 2 updated"
[ "$(fake_ctl stats faults.status_sequence)" -eq 3 ] || fail "three injected 5xx"
# 503 forever (from the prefetched persons page 2 on): fails after
# max_attempts; the pages committed stay and the next sync resumes after
# them.
rm -rf store.db*
fake_ctl control '{"status_sequence": [0, 0, 503, 503, 503]}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 503 after 3 attempts; the tool keeps failing, try again later"
[ "$(sql 'select count(*) from leads')" = 10 ] || fail "first page kept"
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 20 new"
fake_ctl log api | grep '"/api/v2/persons"' | head -n 1 | grep -q '"updated_since"' || fail "resumed from the cursor"

# A 429 storm without Retry-After (Pipedrive's burst limit): backed off
# and retried.
fake_ctl control '{"patch": {"deals": {"1": {"title": "after the storm"}}}}' >/dev/null
fake_ctl control '{"status_sequence": [429, 429, 0, 429, 429]}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "deals 0 new, 1 updated"
[ "$(sql 'select throttled from runs order by id desc limit 1')" = 4 ] || fail "4 throttled: $(sql 'select throttled from runs order by id desc limit 1')"

# The burst limit's headers (x-ratelimit-limit/remaining/reset, lower
# case, no Retry-After) are obeyed: no 429 at all.
rm -rf store.db*
fake_ctl reset-log >/dev/null
fake_ctl control '{"rate_limit": {"limit": 3, "window_s": 1, "retry_after": null}}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 30 new"
[ "$(fake_ctl stats 429)" -eq 0 ] || fail "x-ratelimit-remaining not obeyed: $(fake_ctl stats 429) x 429"
[ "$(sql 'select wait_ms >= 1000 from runs')" = 1 ] || fail "no waiting for the window"
fake_ctl control '{"rate_limit": null}' >/dev/null

# The company's daily token budget spent: 429 with
# x-daily-ratelimit-token-remaining: 0. No retrying until midnight: the run
# ends partial at once, keeping what it committed.
rm -rf store.db*
fake_ctl reset-log >/dev/null
fake_ctl control '{"daily_budget": 45}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "partial"
contains out "HTTP 429: the tool's quota is spent"
[ "$(sql 'select status from runs')" = partial ] || fail "run partial"
[ "$(sql 'select count(*) from reps')" = 5 ] || fail "reps kept"
[ "$(sql 'select count(*) from leads')" = 10 ] || fail "first page kept: $(sql 'select count(*) from leads')"
[ "$(fake_ctl stats 429)" -eq 1 ] || fail "one 429, no retries: $(fake_ctl stats 429)"
fake_ctl control '{"daily_budget": null}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 20 new"

# Truncated bodies: a connection cut mid-body is retried...
fake_ctl control '{"patch": {"persons": {"3": {}}}}' >/dev/null
fake_ctl control '{"truncate_next": 2}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 0 new, 1 updated"
# ...truncated JSON that arrives whole fails clearly, naming the request.
fake_ctl control '{"body_override": {"count": 1, "status": 200, "content_type": "application/json", "body": "{\"success\":true,\"data\":[{\"id\":"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "GET $FAKE_URL/api/v1/users"
contains out "expected a JSON object"

# A gateway's HTML 403 (after too many 429s) is transient: retried.
fake_ctl control '{"body_override": {"count": 1, "status": 403, "body": "<html><body>Access denied | Cloudflare</body></html>"}}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
fake_ctl control '{"body_override": {"count": 5, "status": 403, "body": "<html><body>Access denied | Cloudflare</body></html>"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 403 after 3 attempts"
fake_ctl control '{"body_override": null}' >/dev/null

# Pipedrive's own errors: the envelope's error and error_info are shown.
fake_ctl control '{"body_override": {"count": 1, "status": 403, "content_type": "application/json", "body": "{\"success\":false,\"error\":\"Scope and URL mismatch\",\"errorCode\":403,\"error_info\":\"Please check developers.pipedrive.com\"}"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 403: Scope and URL mismatch (Please check developers.pipedrive.com)"
fake_ctl control '{"body_override": {"count": 1, "status": 404, "content_type": "application/json", "body": "{\"success\":false,\"error\":\"Unknown method .\",\"errorCode\":404}"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 404: Unknown method .; check base_url"
fake_ctl control '{"body_override": {"count": 1, "status": 200, "content_type": "application/json", "body": "{\"success\":false,\"error\":\"Internal inconsistency\"}"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "success is false: Internal inconsistency"
fake_ctl control '{"status_sequence": [0, {"status": 400}]}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 400: injected status 400"
expect_rc 0 "$SALESYNC" -c c.ini sync
no_secrets "$TOKEN"
fake_stop

# OAuth2: the access token comes from the token endpoint (client
# credentials, refresh-token grant); a 401 mid-sync refreshes it once and
# the sync goes on; a rotated refresh token is kept beside the store.
fake_start pipedrive --auth oauth2 --client-id pd-client --client-secret pd-S3cret \
	--refresh-token pd-R3fresh-1 --rotate --records 30 --deals 20
rm -rf store.db*
http_conf pipedrive "client_id = pd-client" "client_secret = pd-S3cret" "refresh_token = pd-R3fresh-1" \
	"token_url = $FAKE_URL/oauth/token" "page_size = 10"
fake_ctl control '{"status_sequence": [0, 0, 0, 401]}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 30 new"
contains out "deals 20 new"
[ "$(fake_ctl stats tokens_issued)" -eq 2 ] || fail "token refreshed once mid-sync: $(fake_ctl stats tokens_issued)"
grep -q '"refresh_token":"rt-2"' store.db.tokens/crm.refresh || fail "rotated refresh token saved"
fake_ctl log token | grep -q '"grant_type=refresh_token' || fail "refresh-token grant"
# The app's credentials go as HTTP basic, as Pipedrive wants them, never in
# the body (the fake refuses them there).
fake_ctl log token | grep -q '"authorization": "Basic ' || fail "client credentials as HTTP basic"
! fake_ctl log token | grep -q 'client_secret=' || fail "client_secret in the token request body"
# Without base_url the API host is the token answer's api_domain.
rm -rf store.db store.db-*
sed -i '/^base_url = /d' c.ini
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 30 new"
[ "$(fake_ctl log api | grep -c '"/api/v2/persons"')" -ge 3 ] || fail "persons read from api_domain"
http_conf pipedrive "client_id = pd-client" "client_secret = pd-S3cret" "refresh_token = pd-R3fresh-1" \
	"token_url = $FAKE_URL/oauth/token" "page_size = 10"
# Tokens expire between syncs: the next run gets a fresh one.
fake_ctl control '{"expire_tokens": true, "patch": {"persons": {"4": {}}}}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 0 new, 1 updated"
# A revoked refresh token: the run fails, naming the token endpoint.
fake_ctl control '{"refresh_token": "revoked", "expire_tokens": true}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "token endpoint $FAKE_URL/oauth/token refused the oauth2 credentials: HTTP 400: invalid_grant"
no_secrets pd-S3cret pd-R3fresh-1 at-1 at-2
