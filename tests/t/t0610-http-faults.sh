#!/bin/sh
# The HTTP service under faults: 5xx and 429 are retried (Retry-After
# honoured), a retry budget ends in a clear error, a far-future Retry-After
# ends the run partial, truncated bodies and resets are retried, non-JSON
# bodies and cross-host redirects fail clearly; the store keeps the last
# checkpoint every time.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins httpfix

fake_start acme --auth bearer --token tok-F4ult --records 30 --page-size 10
http_conf httpfix "token = tok-F4ult" "max_attempts = 3"

# Two 503s, then fine: retried, the sync succeeds.
fake_ctl control '{"status_sequence": [503, 503]}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 30 new"
contains err "retry 1 of 2"
[ "$(fake_ctl stats faults.status_sequence)" -eq 2 ] || fail "two injected 503s"

# A 429 with Retry-After: 1 is honoured.
fake_ctl control '{"add": 2}' >/dev/null
fake_ctl control '{"status_sequence": [{"status": 429, "retry_after": "1"}]}' >/dev/null
start=$(date +%s)
expect_rc 0 "$SALESYNC" -c c.ini sync
[ $(( $(date +%s) - start )) -ge 1 ] || fail "Retry-After: 1 not honoured"
contains out "leads 2 new"

# Truncated body and reset connections (libcurl itself re-sends once on a
# reused connection that closes, so two resets reach the retry logic).
fake_ctl control '{"add": 1}' >/dev/null
fake_ctl control '{"truncate_next": 1}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 1 new"
fake_ctl control '{"add": 1}' >/dev/null
fake_ctl control '{"reset_next": 2}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 1 new"

# 503 forever: fails after max_attempts with a clear message; what the
# earlier pages committed stays.
rm -rf store.db*
fake_ctl control '{"status_sequence": [200, 503, 503, 503, 503]}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 503 after 3 attempts; the tool keeps failing, try again later"
contains out "$FAKE_URL/api/v1/leads"
[ "$(sql 'select count(*) from leads')" = 10 ] || fail "first page kept"
[ "$(sql 'select status from runs')" = failed ] || fail "run failed"
# The next sync resumes after the first page.
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 24 new"

# Retry-After a day away: no sleeping for hours, the run ends partial.
fake_ctl control '{"add": 1}' >/dev/null
fake_ctl control '{"status_sequence": [{"status": 429, "retry_after": "86400"}]}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "partial"
contains out "Retry-After 86400 s, more than max_retry_wait = 300 s"
[ "$(sql 'select status from runs order by id desc limit 1')" = partial ] || fail "run partial"

# A body that is not JSON (an HTML error page with status 200).
fake_ctl control '{"body_override": {"count": 1, "status": 200, "content_type": "text/html", "body": "<html>maintenance</html>"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "expected a JSON object"
contains out "<html>maintenance"

# Truncated JSON that arrives whole (the tool cut it, not the network),
# and a 404: clear errors naming the request.
fake_ctl control '{"body_override": {"count": 1, "status": 200, "content_type": "application/json", "body": "{\"data\": [{\"id\": \"A0"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "$FAKE_URL/api/v1/leads"
contains out "expected a JSON object"
fake_ctl control '{"body_override": {"count": 1, "status": 404, "content_type": "application/json", "body": "{\"error\": \"not_found\"}"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 404"

# A redirect to another host: refused, credentials not forwarded.
fake_ctl control '{"redirect_next": {"count": 1, "location": "http://127.0.0.2:9/steal"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "redirected to another host (http://127.0.0.2:9/steal); refusing to follow it"
# A redirect on the same host is followed.
fake_ctl control "{\"redirect_next\": {\"count\": 1, \"location\": \"$FAKE_URL/api/v1/leads\"}}" >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync

# A slow tool: the request timeout applies.
fake_ctl control '{"latency_ms": 3000}' >/dev/null
http_conf httpfix "token = tok-F4ult" "max_attempts = 1" "request_timeout = 1s"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "Timeout was reached"
contains out "raise request_timeout"
fake_ctl control '{"latency_ms": 0}' >/dev/null

# Nobody listening, and a host that does not resolve.
http_conf httpfix "token = tok-F4ult" "max_attempts = 2" "base_url = http://127.0.0.1:1"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "Couldn't connect to server"
contains out "after 2 attempts"
http_conf httpfix "token = tok-F4ult" "base_url = http://no-such-host.invalid"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "check the host name in base_url"
no_secrets tok-F4ult

# The run records what the HTTP layer did; status shows it.
rm -rf store.db*
http_conf httpfix "token = tok-F4ult" "max_attempts = 3"
fake_ctl control '{"clear_faults": true}' >/dev/null
fake_ctl control '{"status_sequence": [{"status": 429, "retry_after": "1"}, 503]}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "retries"
[ "$(sql 'select (retries >= 1) || " " || throttled || " " || (requests >= 5) || " " || (bytes > 1000) || " " || (wait_ms >= 1000) from runs')" = "1 1 1 1 1" ] || fail "http counters: $(sql 'select requests, bytes, retries, throttled, wait_ms from runs')"
expect_rc 0 "$SALESYNC" -c c.ini status
contains out "retries, 1 throttled (429)"

# rate_limit = 2/1s spaces the requests out; the tool's own remaining/reset
# headers are obeyed too, so its limit is never hit with a 429.
rm -rf store.db*
http_conf httpfix "token = tok-F4ult" "rate_limit = 2/1s" "page_size = 5"
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(sql 'select wait_ms >= 1000 from runs')" = 1 ] || fail "rate_limit did not wait: $(sql 'select requests, wait_ms from runs')"
rm -rf store.db*
fake_ctl control '{"rate_limit": {"limit": 3, "window_s": 1}}' >/dev/null
http_conf httpfix "token = tok-F4ult" "page_size = 5"
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(sql 'select throttled from runs')" = 0 ] || fail "X-RateLimit-Remaining not obeyed: $(sql 'select requests, throttled, wait_ms from runs')"
fake_ctl control '{"rate_limit": null}' >/dev/null

# The plugin recognises its tool's "daily quota spent" (a 403 here, which
# the host alone would hand back as an error): the run ends partial at once.
rm -rf store.db*
http_conf httpfix "token = tok-F4ult"
fake_ctl control '{"body_override": {"count": 1, "status": 403, "content_type": "application/json", "body": "{\"error\": \"daily_quota\"}"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "partial"
contains out "HTTP 403: the tool's quota is spent"
[ "$(sql 'select status from runs')" = partial ] || fail "quota: run partial"
expect_rc 0 "$SALESYNC" -c c.ini sync
