#!/bin/sh
# Salesforce under faults: 5xx and resets retried, 5xx forever fails
# naming the request and keeps the checkpoints, truncated transfers
# retried, cut or non-JSON bodies fail clearly, the daily API allowance
# (403 REQUEST_LIMIT_EXCEEDED) ends the run partial and the next sync
# resumes, the concurrency limit (same code) is retried, Salesforce's error
# array is shown (INVALID_FIELD with a hint), Sforce-Limit-Info is logged,
# records the host refuses are skipped and counted, a damaged cursor says
# what to do.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins salesforce

fake_start salesforce --auth bearer --token sess-F4ult --records 23 --page-size 10
http_conf salesforce "token = sess-F4ult" "max_attempts = 3"

# --- 500 and 503, then fine; two resets (libcurl re-sends after one)
fake_ctl control '{"status_sequence": [500, 503]}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 34 new"
contains err "retry 2 of 2"
fake_ctl control '{"touch": []}' >/dev/null
fake_ctl control '{"reset_next": 2}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "nothing changed"

# --- truncated transfer (Content-Length larger than the body): retried
fake_ctl control '{"add": {"Lead": 2}}' >/dev/null
fake_ctl control '{"status_sequence": [200], "truncate_next": 2}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 2 new"

# --- 503 forever: fails after max_attempts naming the request; the first
# batches stay committed and the next sync goes on from there
rm -rf store.db*
fake_ctl control '{"status_sequence": [200, 200, 503, 503, 503]}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 503 after 3 attempts; the tool keeps failing, try again later"
contains out "$FAKE_URL/services/data/v62.0/queryAll/01g"
[ "$(sql "select count(*) from leads")" = 10 ] || fail "first Lead batch kept"
[ "$(sql "select status from runs")" = failed ] || fail "run failed"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 26 new"
contains out "deals 11 new"

# --- a JSON body cut short by the tool (status 200), an HTML page
fake_ctl control '{"body_override": {"count": 1, "status": 200, "content_type": "application/json", "body": "{\"totalSize\": 3, \"done\": true, \"records\": [{\"Id\": \"005"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "GET $FAKE_URL/services/data/v62.0/query?q=SELECT"
contains out "expected a JSON object"
fake_ctl control '{"body_override": {"count": 1, "status": 200, "body": "<html><body>Down for maintenance</body></html>"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "expected a JSON object"
contains out "<html><body>Down for maintenance"
# a batch without records, and a record without Id
fake_ctl control '{"body_override": {"count": 1, "status": 200, "content_type": "application/json", "body": "{\"totalSize\": 1, \"done\": true}"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "the answer has no \"records\" array"
fake_ctl control '{"body_override": {"count": 1, "status": 200, "content_type": "application/json", "body": "{\"totalSize\": 1, \"done\": true, \"records\": [{\"Name\": \"x\"}]}"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "record 0 has no usable Id and SystemModstamp"
# a nextRecordsUrl that leaves /services/data/ is not followed
fake_ctl control '{"body_override": {"count": 1, "status": 200, "content_type": "application/json", "body": "{\"totalSize\": 9, \"done\": false, \"nextRecordsUrl\": \"https://evil.example/steal\", \"records\": []}"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "nextRecordsUrl 'https://evil.example/steal' is not a path under /services/data/; not following it"
[ "$(sql "select status from runs order by id desc limit 1")" = failed ] || fail "failed"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "nothing changed"

# --- Salesforce's error array: MALFORMED_QUERY; INVALID_FIELD with a hint
fake_ctl control '{"body_override": {"count": 1, "status": 400, "content_type": "application/json", "body": "[{\"message\":\"unexpected token: FRM\",\"errorCode\":\"MALFORMED_QUERY\"}]"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 400 MALFORMED_QUERY: unexpected token: FRM"
http_conf salesforce "token = sess-F4ult" "max_attempts = 3" "lead_fields = Region__c, Score__c"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 400 INVALID_FIELD:"
contains out "No such column 'Score__c' on entity 'Lead'"
contains out "check lead_fields, contact_fields and opportunity_fields"
http_conf salesforce "token = sess-F4ult" "max_attempts = 3" "lead_fields = Region__c; DELETE"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "lead_fields = Region__c; DELETE: expected field names separated by commas"
http_conf salesforce "token = sess-F4ult" "max_attempts = 3"

# --- the daily allowance: 403 REQUEST_LIMIT_EXCEEDED ends the run partial
# after what was committed; the next sync (a new day) resumes
rm -rf store.db*
fake_ctl control '{"api_usage": 0, "api_limit": 3}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini -v sync
contains out "partial"
contains out "HTTP 403: the tool's quota is spent; the run ends partial"
[ "$(sql "select status from runs")" = partial ] || fail "run partial"
[ "$(sql "select count(*) from leads")" = 20 ] || fail "two Lead batches kept"
contains err "Salesforce API usage: 3 of 3 requests in the last 24 h"
fake_ctl control '{"api_usage": 0, "api_limit": 15000}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 16 new, 0 updated"
contains out "deals 11 new"
# nearly spent: a warning
fake_ctl control '{"api_usage": 14000}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains err "Salesforce API usage: 1400"
contains err "of 15000 requests in the last 24 h"
# the concurrency limit uses the same code but passes: retried
fake_ctl control '{"concurrent_limit_next": 1}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "nothing changed"
[ "$(fake_ctl stats 403)" -ge 1 ] || fail "a 403 was answered"

# --- a 429 storm (Salesforce documents none, but proxies send them): the
# host waits as told and the sync completes
rm -rf store.db*
fake_ctl control '{"rate_limit": {"limit": 4, "window_s": 1}}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 36 new"
contains out "deals 11 new"
fake_ctl control '{"rate_limit": null, "status_sequence": [{"status": 429, "retry_after": "1"}, 429]}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "nothing changed"
[ "$(fake_ctl stats 429)" -ge 2 ] || fail "429s answered"

# --- a record the host refuses (a currency that is no ISO code): skipped,
# counted, the rest goes in
O=$(fake_ctl data | python3 -c "import json, sys; print(json.load(sys.stdin)['Opportunity'][0]['Id'])")
fake_ctl control "{\"set\": {\"$O\": {\"CurrencyIsoCode\": \"EURO\"}}}" >/dev/null
fake_ctl control '{"add": {"Opportunity": 1}}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "deals 1 new"
contains out "1 skipped"
contains err "EURO"

# --- a damaged cursor: what to do
sql "update cursors set value = 'garbage' where stream = 'leads'"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "the leads cursor 'garbage' is damaged; run \`salesync sync --full\` once"
expect_rc 0 "$SALESYNC" -c c.ini sync --full
[ "$(sql "select count(*) from cursors where stream = 'leads' and value like '2026-%|00Q%'")" = 1 ] || fail "cursor repaired"
