#!/bin/sh
# ga4 when GA4 says no: a spent quota (429 RESOURCE_EXHAUSTED, or 403 about
# a quota) ends the run partial with Google's message and the next sync
# resumes at the cursor; a busy "concurrent requests" quota is retried;
# 5xx are retried, then fail clearly; expired access tokens are fetched
# again; no access to the property, unknown metrics, bad options and
# non-JSON bodies fail with a message that says what to do.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
plugins ga4

fake_start ga4 --auth bearer --token ga-T0ken --records 12
conf() {
	{
		printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[web]\nplugin = ga4\n'
		printf 'token = ga-T0ken\nmax_attempts = 2\nbase_url = %s\n' "$FAKE_URL"
		for kv in "$@"; do echo "$kv"; done
	} > c.ini
}
last_run() { sql "select status from runs order by id desc limit 1"; }
conf "property = 123456789" "page_size = 20"
rows=$(fake_ctl data | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rows"]))')
[ "$rows" -gt 60 ] || fail "need more than 3 pages ($rows rows)"

# --- the daily quota runs out after two pages: partial, pages kept, and
# Google's error object in the message
fake_ctl control '{"token_cost": 10, "quota": {"tokens_per_day": 25}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "partial"
contains out "HTTP 429 RESOURCE_EXHAUSTED: Exhausted property tokens per day quota"
contains out "the run ends partial"
[ "$(last_run)" = partial ] || fail "run partial"
[ "$(sql "select count(*) from metrics")" = 160 ] || fail "two pages (40 rows x 4 metrics) kept"
cur=$(sql "select value from cursors where stream = 'report'")
[ -n "$cur" ] || fail "a cursor after the committed pages"
# a new day's quota: the next sync starts at the cursor (the last day seen,
# re-read because its rows may go on in the next page) and finishes
fake_ctl control '{"quota": {"tokens_per_day": 200000}}' >/dev/null
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(last_run)" = ok ] || fail "run ok"
fake_ctl log api | python3 -c "
import json, sys
b = json.loads(json.loads(sys.stdin.readline())['body'])
assert b['dateRanges'][0]['startDate'] == '$cur', b
" || fail "resumed at the cursor $cur"
[ "$(sql "select count(*) from metrics")" = $((rows * 4)) ] || fail "every row once"

# --- 403 about a quota (the older style): partial too
fake_ctl control '{"body_override": {"count": 1, "status": 403, "content_type": "application/json", "body": "{\"error\":{\"code\":403,\"message\":\"Quota exceeded for quota metric Requests\",\"status\":\"PERMISSION_DENIED\"}}"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 403 PERMISSION_DENIED: Quota exceeded"
[ "$(last_run)" = partial ] || fail "403 quota: partial"

# --- concurrent requests exhausted: transient, retried
fake_ctl control '{"concurrent_busy": 1}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains err "retry 1 of 1"

# --- 5xx: retried; then, when they persist, a clear failure
fake_ctl control '{"status_sequence": [503]}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
fake_ctl control '{"status_sequence": [500, 500]}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 500 INTERNAL: injected status 500; GA4 kept failing through every retry"
[ "$(last_run)" = failed ] || fail "5xx: failed"

# --- expired access tokens (JWT): fetched again once, the run goes on
fake_stop
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.pem 2>/dev/null
openssl pkey -in sa.pem -pubout -out sa.pub 2>/dev/null
fake_start ga4 --auth jwt --client-email sync@proj.iam.example --public-key sa.pub --records 5
python3 - "$FAKE_URL" <<'PY'
import json, sys
json.dump({"type": "service_account", "client_email": "sync@proj.iam.example",
           "private_key": open("sa.pem").read(), "token_uri": sys.argv[1] + "/token"},
          open("sa.json", "w"))
PY
rm -rf store.db*
{
	printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[web]\nplugin = ga4\n'
	printf 'key_file = sa.json\ntoken_url = %s/token\nbase_url = %s\n' "$FAKE_URL" "$FAKE_URL"
	printf 'property = 123456789\npage_size = 5\nmax_attempts = 2\n'
} > c.ini
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(fake_ctl stats tokens_issued)" -eq 1 ] || fail "one JWT exchange"
# the token expires between two pages (GA4 answers 401 UNAUTHENTICATED)
fake_ctl control '{"status_sequence": [0, 401]}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini -v sync
contains err "-> 401; refreshing the access token"
[ "$(fake_ctl stats tokens_issued)" -eq 3 ] || fail "a new JWT for the run, and one after the 401"
# refused again after the refresh: a clear failure naming the fix
fake_ctl control '{"status_sequence": [401, 401]}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 401 UNAUTHENTICATED"
contains out "check key_file, refresh_token or token"

# --- no access to the property: check and sync say so, with the fix
sed -i 's/^property = .*/property = 999/' c.ini
expect_rc 1 "$SALESYNC" -c c.ini check
contains out "HTTP 403 PERMISSION_DENIED: User does not have sufficient permissions for this property"
contains out "Viewer of property 999"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "PERMISSION_DENIED"

# --- a metric GA4 does not know: check names it; sync shows GA4's 400
sed -i 's/^property = .*/property = 123456789/' c.ini
echo "metrics = sessions,bogusMetric" >> c.ini
expect_rc 1 "$SALESYNC" -c c.ini check
contains out "property 123456789 has no metric 'bogusMetric'"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 400 INVALID_ARGUMENT: Field bogusMetric is not a valid metric"
sed -i '/^metrics = /d' c.ini

# --- not JSON where a report should be
fake_ctl control '{"body_override": {"count": 1, "status": 200, "body": "<html>maintenance</html>"}}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "expected a JSON object"
contains out "<html>maintenance"

# --- bad options fail before any request
for bad in "property = G-ABC123" "metrics = sessions,sessions" "metric.bounceRate = web.x" \
	"dimensions = date,a,b,c,d,e,f,g,h,i" "start_date = last week" "lookback_days = -1" \
	"dim.date = day" "metrics = sessions,newUsers" ; do
	cp c.ini bad.ini
	sed -i '/^property = /d' bad.ini
	case $bad in property*) ;; *) echo "property = 123456789" >> bad.ini ;; esac
	echo "$bad" >> bad.ini
	case $bad in "metrics = sessions,newUsers") echo "metric.newUsers = web.sessions" >> bad.ini ;; esac
	set +e
	"$SALESYNC" -c bad.ini check >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	[ "$rc" -ne 0 ] || fail "accepted: $bad"
done
cp c.ini bad.ini; echo "metric.bounceRate = web.x" >> bad.ini
expect_rc 1 "$SALESYNC" -c bad.ini check
contains out "metric.bounceRate: 'bounceRate' is not one of the configured metrics"
cp c.ini bad.ini; printf 'metrics = sessions,newUsers\nmetric.newUsers = web.sessions\n' >> bad.ini
expect_rc 1 "$SALESYNC" -c bad.ini check
contains out "would both be stored as 'web.sessions'"
