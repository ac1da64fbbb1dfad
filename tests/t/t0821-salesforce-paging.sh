#!/bin/sh
# Salesforce paging edges: an empty org, exactly one batch, a short last
# batch, page_size (Sforce-Query-Options), records tied on SystemModstamp
# across a batch boundary when the run fails between the batches (resumed
# without skipping or repeating one), and a query locator that expires
# mid-query (asked again from the last checkpoint).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins salesforce

# start ARGS...: a fresh fake (bearer token) and store.
start() {
	[ -z "${_fk_stack:-}" ] || fake_stop
	rm -rf store.db*
	fake_start salesforce --auth bearer --token 00Dfake!Session-T0k "$@"
	http_conf salesforce "token = 00Dfake!Session-T0k"
}
# api_count PATTERN: API requests whose log line matches PATTERN.
api_count() {
	fake_ctl log api | grep -c -- "$1" || true
}

# --- an empty org: four queries, nothing stored, all fine
start --records 0 --users 0 --page-size 10
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "nothing changed; 4 requests"
[ "$(sql 'select count(*) from cursors')" = 0 ] || fail "no cursor without records"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "nothing changed; 4 requests"

# --- exactly one batch per object: done at once, no nextRecordsUrl
start --records 10 --users 10 --page-size 10
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "reps 10 new"
contains out "leads 15 new"
contains out "deals 5 new"
[ "$(api_count '/query/\|/queryAll/')" = 0 ] || fail "no batch after the first"
[ "$(fake_ctl stats api_requests)" = 5 ] || fail "4 queries and 1 lead lookup"

# --- several batches, the last one short (23 = 10 + 10 + 3)
start --records 23 --page-size 10
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 34 new"
contains out "deals 11 new"
[ "$(api_count '"path": "/services/data/v62.0/queryAll/01g')" = 4 ] || fail "2 more Lead batches, 1 Contact, 1 Opportunity"
[ "$(sql "select count(*) from leads where id like '00Q%'")" = 23 ] || fail "all 23 leads"

# --- ties across a batch boundary, and a failure between the batches:
# 15 leads touched at once share one SystemModstamp; the second batch
# fails; the next sync brings exactly the 5 left.
fake_ctl data > data.json
ids=$(python3 -c "import json; print(json.dumps([l['Id'] for l in json.load(open('data.json'))['Lead']][:15]))")
fake_ctl control "{\"touch\": $ids}" >/dev/null
fake_ctl control '{"status_sequence": [200, 200, 503, 503]}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 503 after 2 attempts"
contains out "/services/data/v62.0/queryAll/01g"
[ "$(sql 'select leads_updated from runs order by id desc limit 1')" = 10 ] || fail "first batch of the tie group committed"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 0 new, 5 updated, 0 unchanged"
fake_ctl data > data2.json
python3 -c "
import json
d = json.load(open('data2.json'))
t = sorted(l['LastModifiedDate'] for l in d['Lead'])[-1]
print(sum(1 for l in d['Lead'] if l['LastModifiedDate'] == t))" > n.txt
[ "$(cat n.txt)" = 15 ] || fail "the fake touched 15"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "nothing changed"

# --- page_size: the header, and Salesforce's batches of 200
start --records 450 --page-size 2000
http_conf salesforce "token = 00Dfake!Session-T0k" "page_size = 200"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 675 new"
contains out "deals 225 new"
fake_ctl log api > log.json
grep -q '"sforce-query-options": "batchSize=200"' log.json || fail "Sforce-Query-Options sent"
[ "$(grep -c '"path": "/services/data/v62.0/queryAll/01g' log.json)" = 4 ] || fail "Lead 450 = 200+200+50, Contact and Opportunity 225 = 200+25"
http_conf salesforce "token = 00Dfake!Session-T0k" "page_size = 100"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "page_size = 100: Salesforce takes 200 to 2000"

# --- the query locator expires between two batches: asked again from
# the last checkpoint; nothing lost, nothing twice
start --records 23 --page-size 10
fake_ctl control '{"expire_locators_after": 3}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini -v sync
contains err "the query locator expired; querying again from the last checkpoint"
contains out "leads 34 new, 0 updated, 0 unchanged"
[ "$(fake_ctl stats 400)" = 1 ] || fail "one INVALID_QUERY_LOCATOR"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "nothing changed"
