#!/bin/sh
# hubspot under faults: 429 storms (TEN_SECONDLY_ROLLING) are retried and
# HubSpot's rolling limit headers obeyed; the DAILY limit ends the run
# partial at once (classify) and the next sync goes on from the last
# checkpoint; 5xx (JSON and HTML) and truncated bodies are retried; a tool
# that keeps failing, bodies that are not JSON, truncated JSON, a 400 from
# the search and missing scopes fail clearly, naming the request; the store
# keeps every checkpoint.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins hubspot

fake_start hubspot --auth bearer --token tok-F4ult --records 30 --deals 10
conf() { http_conf hubspot "token = tok-F4ult" "page_size = 10" "$@"; }
fresh() { rm -rf store.db*; }
last_run() { sql "select $1 from runs order by id desc limit 1"; }

# A storm of 429s (ten-secondly limit, no Retry-After: HubSpot sends none):
# retried with backoff; the run succeeds and counts them.
conf "max_attempts = 5"
fake_ctl control '{"status_sequence": [429, 429, 429]}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 30 new"
[ "$(last_run throttled)" = 3 ] || fail "3 throttled: $(last_run throttled)"

# HubSpot's rolling limit (4 requests a second here) with its headers: the
# host waits when X-HubSpot-RateLimit-Remaining reaches 0, so no 429.
fresh
fake_ctl control '{"rolling_limit": {"limit": 4, "window_ms": 1000}}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 30 new"
[ "$(last_run "throttled || ' ' || (wait_ms >= 1000)")" = "0 1" ] || fail "rolling limit: $(last_run "requests || ' ' || throttled || ' ' || wait_ms")"
fake_ctl control '{"rolling_limit": null}' >/dev/null

# The daily limit: 429 with policyName DAILY. No retry: the run ends
# partial with what it committed, and the next sync goes on from there.
fresh
fake_ctl reset-log >/dev/null
fake_ctl control '{"daily_limit": 5}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "partial"
contains out "HTTP 429: the tool's quota is spent"
[ "$(last_run status)" = partial ] || fail "run partial"
[ "$(fake_ctl stats 429)" = 1 ] || fail "the daily 429 is not retried: $(fake_ctl stats 429)"
[ "$(sql 'select count(*) from leads')" = 27 ] || fail "3 pages of contacts kept: $(sql 'select count(*) from leads')"
[ "$(sql "select value like 'list:%:x:' from cursors where stream = 'leads'")" = 1 ] || fail "cursor: $(sql 'select * from cursors')"
fake_ctl control '{"daily_limit": null}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 3 new"
contains out "deals 10 new"
[ "$(sql 'select count(*) from leads')" = 30 ] || fail "all contacts after the resume"
# The same when a DAILY 429 comes without the daily headers.
fake_ctl control '{"add": 2, "policy_name": "DAILY", "status_sequence": [0, 0, 429]}' >/dev/null
sleep 1.2
conf "max_attempts = 5" "search_lag = 0s"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "POST $FAKE_URL/crm/v3/objects/contacts/search: HTTP 429: the tool's quota is spent"
[ "$(last_run status)" = partial ] || fail "run partial"
fake_ctl control '{"policy_name": "TEN_SECONDLY_ROLLING"}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 2 new"

# 5xx: HubSpot's JSON 500, a gateway's HTML 502, 503, 504: retried.
fresh
conf "max_attempts = 5"
fake_ctl control '{"status_sequence": [0, 0, 500, 502, 503, 504]}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 32 new"
[ "$(last_run retries)" = 4 ] || fail "4 retries"
# Truncated bodies and reset connections: retried.
fresh
fake_ctl control '{"truncate_next": 2, "reset_next": 2}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 32 new"

# A tool that keeps failing: the run fails naming the request; what the
# first pages committed stays, and the next sync resumes after them.
fresh
conf "max_attempts = 3"
fake_ctl control '{"status_sequence": [0, 0, 0, 503, 503, 503]}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "GET $FAKE_URL/crm/v3/objects/contacts?limit=10&properties="
contains out "HTTP 503 after 3 attempts; the tool keeps failing, try again later"
[ "$(sql 'select count(*) from leads')" = 10 ] || fail "first page kept"
[ "$(last_run status)" = failed ] || fail "run failed"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 22 new"

# An HTML maintenance page with 200, and JSON cut short: clear errors.
conf
fake_ctl control '{"body_override": {"count": 1, "status": 200, "content_type": "text/html", "body": "<html>HubSpot is down for maintenance</html>"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "GET $FAKE_URL/crm/v3/owners"
contains out "expected a JSON object"
contains out "<html>HubSpot is down"
fake_ctl control '{"body_override": {"count": 1, "status": 200, "content_type": "application/json", "body": "{\"results\": [{\"id\": \"41"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "expected a JSON object"

# HubSpot's own errors, with category and correlation id.
cat > body.json <<'EOF'
{"status": "error", "message": "There was a problem with the request.", "correlationId": "c033cdaa-2c40-4a64-ae48-b4cec88dad24", "category": "VALIDATION_ERROR"}
EOF
# (streams = leads: the contacts search is the first request)
conf "streams = leads"
fake_ctl control "{\"body_override\": {\"count\": 1, \"status\": 400, \"content_type\": \"application/json\", \"body\": $(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' body.json)}}" >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "POST $FAKE_URL/crm/v3/objects/contacts/search: HTTP 400 VALIDATION_ERROR: There was a problem with the request. (correlationId c033cdaa-2c40-4a64-ae48-b4cec88dad24)"
fake_ctl control '{"body_override": {"count": 1, "status": 403, "content_type": "application/json", "body": "{\"status\": \"error\", \"message\": \"This app hasn'"'"'t been granted all required scopes to make this call.\", \"category\": \"MISSING_SCOPES\"}"}}' >/dev/null
conf
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "GET $FAKE_URL/crm/v3/owners?limit=10&archived=false: HTTP 403 MISSING_SCOPES"
contains out "needs the scopes crm.objects.contacts.read, crm.objects.deals.read and crm.objects.owners.read"
expect_rc 0 "$SALESYNC" -c c.ini sync
no_secrets tok-F4ult
