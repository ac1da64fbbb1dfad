#!/bin/sh
# hubspot: incremental syncs through the search endpoints. Nothing changed
# costs one request per stream (two for owners); changes, additions and
# association changes arrive; records tied on the last-modified time
# across pages are neither repeated nor skipped, also when the sync is
# interrupted between two pages; a millisecond holding more than a page is
# walked by id; the 10,000-result cap (lowered here) is never hit; archived
# records become deleted on --full syncs (or every sync with
# list_archived = always); a foreign cursor means listing again.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins hubspot

fake_start hubspot --auth bearer --token tok-Inc --records 40 --deals 10 --archived 0
# search_lag = 0s: the tests wait 1.2 s after each change instead, so the
# server's clock (Date, whole seconds) is past every change.
conf() { http_conf hubspot "token = tok-Inc" "page_size = 5" "search_lag = 0s" "$@"; }
conf
settle() { sleep 1.2; }
now_ms() { date +%s%3N; }
# The store agrees with the fake on every contact's lead status and
# archived flag, and on every deal's amount and lowest contact.
same_as_fake() {
	fake_ctl data > data.json
	python3 - "$T/data.json" "$T/store.db" <<'EOF' || fail "store differs from the fake"
import json, sqlite3, sys
d = json.load(open(sys.argv[1]))
db = sqlite3.connect(sys.argv[2])
store = {r[0]: r[1:] for r in db.execute("select id, status_raw, deleted from leads")}
bad = 0
for c in d["contacts"]:
    want = (c["properties"]["hs_lead_status"], 1 if c["archived"] else 0)
    if store.get(c["id"]) != want:
        print("contact", c["id"], "fake", want, "store", store.get(c["id"]))
        bad += 1
deals = {r[0]: r[1:] for r in db.execute("select id, amount_minor, lead_id from deals")}
for x in d["deals"]:
    a = x["properties"]["amount"]
    amount = round(float(a) * (1 if x["properties"]["deal_currency_code"] == "JPY" else 100)) if a else None
    lead = str(min(int(c) for c in x["contacts"])) if x["contacts"] else None
    if deals.get(x["id"]) != (amount, lead):
        print("deal", x["id"], "fake", (amount, lead), "store", deals.get(x["id"]))
        bad += 1
sys.exit(1 if bad else 0)
EOF
}

expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 40 new"
contains out "deals 10 new"
same_as_fake

# Nothing changed: owners active + archived, one search per object.
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
lacks out "leads"
lacks out "deals"
contains out "; 4 requests"
[ "$(sql 'select requests from runs order by id desc limit 1')" = 4 ] || fail "4 requests"
fake_ctl log api > log.json
[ "$(grep -c '"path": "/crm/v3/objects/contacts/search"' log.json)" = 1 ] || fail "one contacts search"
[ "$(grep -c '"path": "/crm/v3/objects/deals/search"' log.json)" = 1 ] || fail "one deals search"
contains log.json '\"operator\":\"GTE\"'
contains log.json '\"sorts\":[{\"propertyName\":\"lastmodifieddate\",\"direction\":\"ASCENDING\"}]'
contains log.json '\"propertyName\":\"hs_lastmodifieddate\"'
contains log.json '\"limit\":5'

# Changes: touched, added, an association moved.
fake_ctl control '{"touch": ["1003", "1017", "1033", "9000002", "9000007"], "add": {"contacts": 2, "deals": 1}}' >/dev/null
fake_ctl control '{"set": {"9000003": {"_contacts": [1039, 1002]}}}' >/dev/null
settle
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 2 new, 3 updated, 0 unchanged"
contains out "deals 1 new, 3 updated, 0 unchanged"
fake_ctl log api > log.json
contains log.json '"path": "/crm/v4/associations/deals/contacts/batch/read"'
[ "$(sql "select lead_id from deals where id = '9000003'")" = 1002 ] || fail "association change"
same_as_fake
# Right after: the cursor remembers the ids synced at its time.
expect_rc 0 "$SALESYNC" -c c.ini sync
lacks out "leads"
contains out "; 4 requests"

# Ties across pages (page_size 5). First a sync that leaves the cursor at
# one record X (synced, at t0). Then A1-A2 at t1, B1-B4 at t2, C1-C3 at t3.
# The first page is X (skipped), A1, A2 and two of the Bs; the second query
# (at or after t2) returns the four Bs, two of them skipped, and C1. The
# sync breaks off on that second query (503, no retries): the resumed sync
# must bring the two other Bs and C1-C3, each exactly once.
sleep 1
fake_ctl control '{"touch": ["1040"]}' >/dev/null
settle
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 0 new, 1 updated, 0 unchanged"
sleep 1.6
t=$(now_ms)
fake_ctl control "{\"touch\": {\"ids\": [\"1011\", \"1012\"], \"at\": $((t - 1500))}}" >/dev/null
fake_ctl control "{\"touch\": {\"ids\": [\"1013\", \"1014\", \"1015\", \"1016\"], \"at\": $((t - 1000))}}" >/dev/null
fake_ctl control "{\"touch\": {\"ids\": [\"1018\", \"1019\", \"1021\"], \"at\": $((t - 500))}}" >/dev/null
settle
conf "max_attempts = 1"
fake_ctl control '{"status_sequence": [0, 0, 0, 503]}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "POST $FAKE_URL/crm/v3/objects/contacts/search: HTTP 503"
# The cursor: t2 and the two ids already synced at t2.
cur=$(sql "select value from cursors where stream = 'leads'")
case "$cur" in
"$((t - 1000)):"*,*) ;;
*) fail "cursor after the first page: $cur" ;;
esac
case "$cur" in *,*,*) fail "cursor after the first page: $cur" ;; esac
conf
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 0 new, 5 updated, 0 unchanged"
same_as_fake

# A millisecond with more records than a page: walked by id.
sleep 1
t=$(now_ms)
fake_ctl control "{\"touch_range\": {\"kind\": \"contacts\", \"from\": 19, \"count\": 12, \"at\": $((t - 500))}}" >/dev/null
settle
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini -v sync
contains err "walking that millisecond by id"
contains out "leads 0 new, 12 updated, 0 unchanged"
fake_ctl log api > log.json
contains log.json '\"operator\":\"EQ\"'
contains log.json '\"sorts\":[{\"propertyName\":\"hs_object_id\",\"direction\":\"ASCENDING\"}]'
same_as_fake

# The search's result cap (10,000 at HubSpot; 8 here): 23 changes at
# distinct times and a millisecond of 11 never page past it, because no
# query uses an offset.
fake_ctl control '{"search_cap": 8}' >/dev/null
sleep 1
t=$(now_ms)
fake_ctl control "{\"touch_range\": {\"kind\": \"contacts\", \"from\": 0, \"count\": 23, \"at\": $((t - 900)), \"spread_ms\": 10}}" >/dev/null
fake_ctl control "{\"touch_range\": {\"kind\": \"contacts\", \"from\": 25, \"count\": 11, \"at\": $((t - 200))}}" >/dev/null
settle
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 0 new, 34 updated, 0 unchanged"
fake_ctl log api > log.json
lacks log.json '\"after\"'
[ "$(fake_ctl stats 400)" = 0 ] || fail "a search hit the result cap"
same_as_fake
fake_ctl control '{"search_cap": 10000}' >/dev/null

# Deletes: the search never returns archived records; --full lists them.
fake_ctl control '{"archive": ["1005", "9000004"]}' >/dev/null
settle
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(sql "select deleted from leads where id = '1005'")" = 0 ] || fail "incremental saw an archived contact"
expect_rc 0 "$SALESYNC" -c c.ini sync --full
contains out "leads 0 new, 1 updated"
contains out "deals 0 new, 1 updated"
[ "$(sql "select deleted from leads where id = '1005'") $(sql "select deleted from deals where id = '9000004'")" = "1 1" ] || fail "archived after --full"
same_as_fake
# With list_archived = always, every sync lists the archived records.
conf "list_archived = always"
fake_ctl control '{"archive": ["1006"]}' >/dev/null
settle
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(sql "select deleted from leads where id = '1006'")" = 1 ] || fail "list_archived = always"
same_as_fake

# A cursor this plugin did not write: a warning, and everything is listed.
conf
sqlite3 store.db "update cursors set value = '2026-11-01T10:00:00Z|A00001' where stream = 'leads'"
n=$(sql "select count(*) from leads")
expect_rc 0 "$SALESYNC" -c c.ini sync
contains err "the cursor '2026-11-01T10:00:00Z|A00001' is not one this plugin wrote"
contains out "leads 0 new, 0 updated, $n unchanged"
case "$(sql "select value from cursors where stream = 'leads'")" in
[0-9]*) ;;
*) fail "cursor not replaced" ;;
esac
