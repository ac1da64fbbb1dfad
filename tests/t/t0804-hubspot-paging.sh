#!/bin/sh
# hubspot paging edges: an empty portal, exactly one page, one record more
# than a page, exactly two pages (lists stop where paging.next is absent,
# without an extra request); owners over several pages; searches with
# nothing, exactly a page, and a page and one record changed.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins hubspot

# lists RECORDS REQUESTS: a full sync of RECORDS contacts (no deals, none
# archived) with page_size 5 takes REQUESTS list requests for the active
# contacts.
lists() {
	fake_start hubspot --auth bearer --token tok-P --records "$1" --deals 0 --archived 0
	rm -rf store.db*
	http_conf hubspot "token = tok-P" "page_size = 5"
	expect_rc 0 "$SALESYNC" -c c.ini sync
	[ "$(sql 'select count(*) from leads')" = "$1" ] || fail "$1 contacts: $(sql 'select count(*) from leads')"
	fake_ctl log api > log.json
	n=$(grep '"path": "/crm/v3/objects/contacts"' log.json | grep -c '"archived": \["false"\]')
	[ "$n" = "$2" ] || fail "$1 contacts: $2 list requests expected, got $n"
}
lists 0 1
lacks log.json '"path": "/crm/v3/pipelines/deals"'
lacks out "leads"
fake_stop
lists 5 1
fake_stop
lists 6 2
fake_stop
lists 10 2
fake_stop

# Owners over several pages (6 active and 1 archived, page_size 4).
fake_start hubspot --auth bearer --token tok-P --records 12 --deals 3 --archived 0 --owners 6
rm -rf store.db*
http_conf hubspot "token = tok-P" "page_size = 4" "search_lag = 0s"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "reps 7 new"
[ "$(fake_ctl log api | grep -c '"path": "/crm/v3/owners"')" = 3 ] || fail "owners: 2 pages + archived"

# Searches: nothing changed (1 request), exactly a page changed (2: the
# second finds only what the first synced), a page and one (2).
search_requests() {
	fake_ctl log api | grep -c '"path": "/crm/v3/objects/contacts/search"'
}
sleep 1
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(search_requests)" = 1 ] || fail "nothing changed: one search"
t=$(date +%s%3N)
fake_ctl control "{\"touch_range\": {\"kind\": \"contacts\", \"from\": 0, \"count\": 4, \"at\": $((t - 500)), \"spread_ms\": 7}}" >/dev/null
sleep 1.2
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 0 new, 4 updated, 0 unchanged"
[ "$(search_requests)" = 2 ] || fail "exactly a page: two searches, got $(search_requests)"
t=$(date +%s%3N)
fake_ctl control "{\"touch_range\": {\"kind\": \"contacts\", \"from\": 4, \"count\": 5, \"at\": $((t - 500)), \"spread_ms\": 7}}" >/dev/null
sleep 1.2
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 0 new, 5 updated, 0 unchanged"
[ "$(search_requests)" = 2 ] || fail "a page and one: two searches, got $(search_requests)"
