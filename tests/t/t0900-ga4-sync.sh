#!/bin/sh
# ga4 against the GA4 fake: the service-account JWT flow; runReport paged
# with offset/limit against rowCount; one web.<metric> per row and metric
# over one day, with the channel in dims; incremental syncs that re-read
# the lookback window, where revised days replace their values (never
# add), while a revised day outside the window waits for --full; renames;
# an empty property; the OAuth2 refresh-token flow; the report's channels.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
plugins ga4

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.pem 2>/dev/null
openssl pkey -in sa.pem -pubout -out sa.pub 2>/dev/null
fake_start ga4 --auth jwt --client-email sync@proj.iam.example --public-key sa.pub --records 20
GA=$FAKE_URL
python3 - "$GA" <<'PY'
import json, sys
json.dump({"type": "service_account", "client_email": "sync@proj.iam.example",
           "private_key_id": "k1", "private_key": open("sa.pem").read(),
           "token_uri": sys.argv[1] + "/token"}, open("sa.json", "w"))
PY

# conf "KEY = VALUE"...: c.ini with one ga4 instance [web] on the fake
conf() {
	{
		printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[web]\nplugin = ga4\n'
		printf 'max_attempts = 2\n'
		for kv in "$@"; do echo "$kv"; done
		case " $* " in *"base_url ="*) ;; *) echo "base_url = $GA" ;; esac
	} > c.ini
}
day() { # day N: the UTC day N days ago
	python3 -c "import datetime,sys; print(datetime.datetime.now(datetime.timezone.utc).date() - datetime.timedelta(days=int(sys.argv[1])))" "$1"
}
# expect_store: the store's web.sessions per (day, channel) equal the fake's
expect_store() {
	fake_ctl data > data.json
	sqlite3 -separator ' ' store.db "select substr(period_start,1,10), json_extract(dims,'$.channel'), value from metrics where name = 'web.sessions' order by 1, 2" > got.txt
	python3 - "${1:-}" <<'PY' > want.txt
import json, sys
since = sys.argv[1]
for r in json.load(open("data.json"))["rows"]:
    if r["date"] >= since:
        print(r["date"], r["channel"], r["sessions"])
PY
	sort got.txt > got.s; sort want.txt > want.s
	if ! cmp -s got.s want.s; then diff want.s got.s | head >&2; fail "store differs from the fake ($1)"; fi
}

# The key file's token_uri is the fake's; the host prefers the plugin's
# default token_url (Google's) over it, so name the fake's explicitly.
conf "key_file = sa.json" "token_url = $GA/token" "property = 123456789" "page_size = 40"
expect_rc 0 "$SALESYNC" -c c.ini check
contains out "web"
contains err "property 123456789: 8 dimensions and 11 metrics available"

# --- first sync: every day of the fake (start_date 30daysAgo), paged
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini -v sync
rows=$(fake_ctl data | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rows"]))')
[ "$rows" -gt 80 ] || fail "the fake should have more than two pages of rows ($rows)"
contains out "metrics $((rows * 4)) new"
expect_store
pages=$(( (rows + 39) / 40 ))
[ "$(fake_ctl stats api_requests)" -eq "$pages" ] || fail "expected $pages runReport pages"
[ "$(fake_ctl stats tokens_issued)" -eq 1 ] || fail "one JWT exchange"
fake_ctl log api | python3 -c '
import json, sys
offs = [json.loads(json.loads(l)["body"])["offset"] for l in sys.stdin]
assert offs == list(range(0, 40 * len(offs), 40)), offs
' || fail "offsets 0, 40, 80, ..."
[ "$(sql "select group_concat(distinct name) from (select name from metrics order by name)")" = \
  "web.key_events,web.new_users,web.sessions,web.total_users" ] || fail "metric names"
[ "$(sql "select count(*) from metrics where julianday(period_end) - julianday(period_start) <> 1")" = 0 ] \
  || fail "one-day periods"
[ "$(sql "select count(*) from metrics where dims not like '{\"channel\":\"%\"}'")" = 0 ] || fail "dims.channel"
[ "$(sql "select value from cursors where source = 'web' and stream = 'report'")" = "$(day 4)" ] \
  || fail "cursor: today - lookback_days - 1"
no_secrets_key=$(sed -n 2p sa.pem)
for f in out err store.db; do
	if grep -qF -- "$no_secrets_key" "$f"; then fail "key material in $f"; fi
done

# --- right after: only the lookback window is read again, nothing changes
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "0 new, 0 updated"
fake_ctl log api | python3 -c "
import json, sys
for l in sys.stdin:
    b = json.loads(json.loads(l)['body'])
    assert b['dateRanges'] == [{'startDate': '$(day 4)', 'endDate': 'today'}], b['dateRanges']
" || fail "incremental syncs start at the cursor"

# --- GA4 revises the last two days: their values are replaced, not added
fake_ctl control '{"revise": 2}' >/dev/null
before=$(sql "select count(*) from metrics")
changed=$(fake_ctl data | python3 -c "
import json, sys
print(sum(1 for r in json.load(sys.stdin)['rows'] if r['date'] >= '$(day 1)'))")
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "0 new, $((changed * 4)) updated"
[ "$(sql "select count(*) from metrics")" = "$before" ] || fail "revisions must not add metrics"
expect_store

# --- a revision older than the window is not seen until --full
fake_ctl control "{\"revise_days\": [\"$(day 10)\"]}" >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "0 updated"
expect_rc 0 "$SALESYNC" -c c.ini sync --full
contains out "updated"
lacks out "0 updated"
expect_store

# --- renames, more dimensions, a fixed start_date; the report reads dims.channel
rm -rf store.db*
conf "key_file = sa.json" "token_url = $GA/token" "property = properties/123456789" \
	"metrics = sessions, keyEvents, averageSessionDuration, purchaseRevenue" \
	"dimensions = sessionDefaultChannelGroup,deviceCategory" \
	"metric.keyEvents = web.conversions" "dim.deviceCategory = device" \
	"start_date = $(day 5)"
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(sql "select min(substr(period_start,1,10)) from metrics")" = "$(day 5)" ] || fail "start_date"
[ "$(sql "select count(*) from metrics where name = 'web.key_events'")" = 0 ] || fail "renamed"
[ "$(sql "select count(*) from metrics where name = 'web.conversions' and json_extract(dims, '$.device') in ('desktop','mobile','tablet') and json_extract(dims, '$.channel') is not null")" -gt 0 ] \
  || fail "web.conversions by channel and device"
[ "$(sql "select distinct unit from metrics where name = 'web.average_session_duration'")" = s ] || fail "unit s"
[ "$(sql "select distinct unit from metrics where name = 'web.purchase_revenue'")" = USD ] || fail "unit USD"
expect_rc 0 "$SALESYNC" -c c.ini report --since 10d --format json -o r.json
python3 - <<'PY' || fail "report channels"
import json, sqlite3
ch = {c["channel"]: c for c in json.load(open("r.json"))["channels"]["channels"]}
db = sqlite3.connect("store.db")
want = db.execute("select sum(value) from metrics where name = 'web.sessions' and json_extract(dims, '$.channel') = 'Organic Search'").fetchone()[0]
assert ch["Organic Search"]["sessions"] == want, (ch["Organic Search"], want)
assert ch["Organic Search"]["conversions"] > 0, ch["Organic Search"]
PY

# --- a property without data: no rows, no rowCount; valid, and the cursor moves
fake_start ga4 --auth bearer --token empty-T0k --records 0
rm -rf store.db*
conf "token = empty-T0k" "property = 123456789" "base_url = $FAKE_URL"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "nothing changed; 1 requests"
[ "$(sql "select count(*) from metrics")" = 0 ] || fail "no metrics from an empty property"
[ "$(sql "select value from cursors where stream = 'report'")" = "$(day 4)" ] || fail "cursor of an empty report"
fake_stop

# --- the OAuth2 refresh-token flow (token_url on the fake)
fake_start ga4 --auth oauth2 --client-id cid --client-secret csecret --refresh-token rt-0 --records 3
rm -rf store.db*
conf "client_id = cid" "client_secret = csecret" "refresh_token = rt-0" \
	"token_url = $FAKE_URL/token" "property = 123456789" "base_url = $FAKE_URL"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "metrics"
lacks out "metrics 0 new"
[ "$(fake_ctl stats tokens_issued)" -eq 1 ] || fail "one refresh"
