#!/bin/sh
# The pipedrive plugin against the Pipedrive fake: check, a full sync and
# what maps to what (primary email/phone, company, owners, lead links,
# stages and probabilities, exact amounts, custom fields, unicode),
# incremental syncs after changes, ties on update_time, deletes, and the
# paging edges (empty, exactly one page, a short last page).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins pipedrive
TOKEN=pd-T0ken-4711

fake_start pipedrive --auth apikey-header --token "$TOKEN" --records 30 --deals 25
http_conf pipedrive "token = $TOKEN" "page_size = 10"

# Known values on a few records (the generated data covers the rest).
fake_ctl control '{"patch": {
  "deals": {
    "1": {"value": 1234.56, "currency": "EUR", "stage_id": 3, "probability": null, "status": "open", "person_id": 2},
    "2": {"value": 99999999.99, "currency": "USD", "stage_id": 4, "probability": 35, "status": "won",
          "won_time": "2026-11-02T10:00:00Z", "close_time": "2026-11-02T10:00:00Z"},
    "3": {"value": 0.1, "currency": "GBP", "stage_id": 6, "probability": null, "status": "lost"},
    "4": {"value": 150000, "currency": "JPY", "stage_id": 5, "probability": 0, "status": "open"},
    "5": {"value": null, "currency": "EUR", "person_id": 3},
    "6": {"value": 10, "currency": "USDT"}},
  "persons": {
    "3": {"emails": [{"value": "old.3@legacy.example", "primary": false, "label": "other"},
                     {"value": " Main.Three@Example.COM ", "primary": true, "label": "work"}],
          "phones": [{"value": "+4930123", "primary": false}, {"value": "+1555999", "primary": true}],
          "org_id": 3, "owner_id": 9},
    "4": {"emails": [{"value": "first@x.example", "primary": false},
                     {"value": "second@x.example", "primary": false}], "phones": []},
    "5": {"emails": [], "first_name": "Zoë 🚀", "last_name": "Ødegaard-Łukasiewicz", "org_id": null}}}}' >/dev/null
LONG=$(python3 -c 'print("Ü" * 5000)')
fake_ctl control "{\"patch\": {\"persons\": {\"6\": {\"job_title\": \"$LONG\"}}}}" >/dev/null

# check: one cheap authenticated call.
expect_rc 0 "$SALESYNC" -c c.ini check
contains err "signed in as Sam Lee <Sam.Lee@Example-Sales.com> of Example Sales GmbH"

# Full sync.
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "reps 5 new"
contains out "leads 30 new"
contains out "deals 25 new"
[ "$(sql 'select count(*) from reps')" = 5 ] || fail "5 reps"
# The token went in the x-api-token header, never in the URL.
fake_ctl log api > log.json
grep -q '"x-api-token": "'"$TOKEN"'"' log.json || fail "x-api-token header not sent"
if grep -q '"api_token"' log.json; then fail "token sent in the query"; fi
# v2 lists sorted by update_time, paged by cursor; deals with deleted ones.
grep '"/api/v2/persons"' log.json | grep -q '"sort_by": \["update_time"\], "sort_direction": \["asc"\], "limit": \["10"\]' ||
	fail "persons query: $(grep -m1 '/api/v2/persons' log.json)"
grep '"/api/v2/deals"' log.json | grep -q '"status": \["open,won,lost,deleted"\]' || fail "deals status filter"
grep '"/api/v2/persons"' log.json | grep -q '"cursor"' || fail "persons: no cursor paging"
[ "$(grep -c '"/api/v2/stages"' log.json)" = 1 ] || fail "stages read once"
[ "$(grep -c '"/api/v1/users"' log.json)" = 1 ] || fail "users read once"

# Reps: users, emails normalized, active flag.
[ "$(sql "select email || '|' || name || '|' || active || '|' || created_at from reps where id = '7'")" = \
	"sam.lee@example-sales.com|Sam Lee|1|2025-08-27T09:00:00Z" ] || fail "rep 7: $(sql "select * from reps where id = '7'")"
[ "$(sql "select active from reps where id = '10'")" = 0 ] || fail "inactive user"

# Leads: primary email and phone from the arrays, company from the org.
[ "$(sql "select email || '|' || phone || '|' || company || '|' || owner_id from leads where id = '3'")" = \
	"main.three@example.com|+1555999|Société Générale d'Études|9" ] || fail "lead 3: $(sql "select * from leads where id = '3'")"
[ "$(sql "select json_extract(extra, '\$.emails[0].value') from leads where id = '3'")" = old.3@legacy.example ] ||
	fail "secondary email kept in extra"
[ "$(sql "select email from leads where id = '4'")" = first@x.example ] || fail "no primary: the first"
[ "$(sql "select coalesce(email, 'none') || '|' || first_name || '|' || last_name || '|' || coalesce(company, 'none') from leads where id = '5'")" = \
	"none|Zoë 🚀|Ødegaard-Łukasiewicz|none" ] || fail "lead 5: $(sql "select * from leads where id = '5'")"
[ "$(sql "select length(title) from leads where id = '6'")" = 5000 ] || fail "a 5000-character title"
# Every owner is a rep; every person with an organization has a company.
[ "$(sql "select count(*) from leads l left join reps r on r.source = l.source and r.id = l.owner_id where r.id is null")" = 0 ] ||
	fail "lead owners not joined to reps"
[ "$(sql "select count(*) from leads where json_extract(extra, '\$.org_id') is not null and company is null")" = 0 ] ||
	fail "organization not looked up"
# Custom fields (hash keys) in extra, reals as exact text.
[ "$(sql "select count(*) from leads where json_extract(extra, '\$.d4de1c1518b4531717c676029a45911c340390a6') is not null")" -gt 0 ] ||
	fail "custom fields in extra"
if sql "select extra from leads" | grep -q '0000000000'; then fail "float noise in extra"; fi

# Deals: amounts exact, currency, stage from status, stage name, probability.
[ "$(sql "select amount_minor || '|' || currency || '|' || stage || '|' || stage_raw || '|' || probability || '|' || lead_id from deals where id = '1'")" = \
	"123456|EUR|open|Proposal Made|0.5|2" ] ||
	fail "deal 1: $(sql "select * from deals where id = '1'")"
[ "$(sql "select amount_minor || '|' || currency || '|' || stage || '|' || stage_raw || '|' || probability || '|' || closed_at from deals where id = '2'")" = \
	"9999999999|USD|won|Negotiations Started|0.35|2026-11-02T10:00:00Z" ] || fail "deal 2: $(sql "select * from deals where id = '2'")"
[ "$(sql "select amount_minor || '|' || currency || '|' || stage || '|' || stage_raw || '|' || probability from deals where id = '3'")" = \
	"10|GBP|lost|Demo|0.4" ] || fail "deal 3: $(sql "select * from deals where id = '3'")"
[ "$(sql "select amount_minor || '|' || currency || '|' || probability from deals where id = '4'")" = "150000|JPY|0.0" ] ||
	fail "deal 4: $(sql "select * from deals where id = '4'")"
[ "$(sql "select coalesce(amount_minor, 'null') || '|' || currency || '|' || lead_id from deals where id = '5'")" = "null|EUR|3" ] ||
	fail "deal 5: $(sql "select * from deals where id = '5'")"
# An unknown currency: the deal is kept, its value and currency in extra.
[ "$(sql "select coalesce(amount_minor, 'null') || '|' || json_extract(extra, '\$.currency') || '|' || json_extract(extra, '\$.value') from deals where id = '6'")" = "null|USDT|10" ] ||
	fail "deal 6: $(sql "select * from deals where id = '6'")"
contains err "deal 6: stored without amount"
[ "$(sql "select count(*) from deals where stage is null")" = 0 ] || fail "every deal has a stage"
[ "$(sql "select count(*) from deals d left join leads l on l.source = d.source and l.id = d.lead_id where d.lead_id is not null and l.id is null")" = 0 ] ||
	fail "deal lead_id not a lead"
[ "$(sql "select count(*) from deals d left join reps r on r.source = d.source and r.id = d.owner_id where r.id is null")" = 0 ] ||
	fail "deal owners not joined to reps"
[ "$(sql "select json_extract(extra, '\$.5f2e8a1b3c4d6e7f8091a2b3c4d5e6f708192a3b.value') from deals where json_extract(extra, '\$.5f2e8a1b3c4d6e7f8091a2b3c4d5e6f708192a3b') is not null limit 1")" = 1500.75 ] ||
	fail "monetary custom field exact in extra"

# Incremental right after: nothing changes, one request per stream.
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "reps 0 new, 0 updated, 5 unchanged"
lacks out "leads"
lacks out "deals"
contains out "3 requests"
cur=$(sql "select value from cursors where stream = 'leads'")
since=${cur%%|*}
fake_ctl log api | grep '"/api/v2/persons"' | grep -q "\"updated_since\": \[\"$since\"\]" ||
	fail "incremental persons request without updated_since=$since"

# Incremental after changes.
fake_ctl control '{"patch": {"persons": {"2": {"last_name": "Changed"}}, "deals": {"7": {"status": "won"}}},
                   "add": {"persons": 2, "deals": 1}}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 2 new, 1 updated, 0 unchanged"
contains out "deals 1 new, 1 updated, 0 unchanged"
[ "$(sql "select last_name from leads where id = '2'")" = Changed ] || fail "lead 2 changed"
[ "$(sql "select stage from deals where id = '7'")" = won ] || fail "deal 7 won"

# Ties: 12 records share one update_time across two pages of 10; a record
# updated later within that same second is neither skipped nor are the 12
# repeated.
fake_ctl control '{"add": {"persons": 12}}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 12 new"
cur=$(sql "select value from cursors where stream = 'leads'")
tie=${cur%%|*}
[ "$(echo "${cur#*|}" | tr ',' '\n' | wc -l)" = 12 ] || fail "cursor keeps the 12 tied ids: $cur"
fake_ctl control "{\"patch\": {\"persons\": {\"1\": {\"update_time\": \"$tie\", \"last_name\": \"Tied\"}}}}" >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 0 new, 1 updated, 0 unchanged"
[ "$(sql "select last_name from leads where id = '1'")" = Tied ] || fail "tied update skipped"

# Deletes: a deleted deal comes with status=deleted and is marked at once.
# Deleted persons are not listed by the v2 API: a --full sync marks them.
fake_ctl control '{"delete": {"deals": [8], "persons": [9]}}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(sql "select deleted from deals where id = '8'")" = 1 ] || fail "deleted deal"
[ "$(sql "select deleted from leads where id = '9'")" = 0 ] || fail "a deleted person is only seen by --full"
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync --full
[ "$(sql "select deleted from leads where id = '9'")" = 1 ] || fail "--full marks the deleted person"
[ "$(sql "select deleted from deals where id = '8'")" = 1 ] || fail "deal 8 stays deleted"
[ "$(sql "select count(*) from leads where deleted = 1")" = 1 ] || fail "only person 9 deleted"
[ "$(sql "select count(*) from deals where deleted = 1")" = 1 ] || fail "only deal 8 deleted"
# A full sync reads everything again: no cursor, no updated_since.
if fake_ctl log api | grep -q updated_since; then fail "--full sent updated_since"; fi

# organizations = no: no lookups, company empty.
rm -rf store.db*
fake_ctl reset-log >/dev/null
http_conf pipedrive "token = $TOKEN" "page_size = 10" "organizations = no"
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(fake_ctl log api | grep -c '"/api/v2/organizations"')" = 0 ] || fail "organizations looked up"
[ "$(sql "select count(*) from leads where company is not null")" = 0 ] || fail "company without lookups"

# base_url with the version path (as in Pipedrive's SDKs) works too.
rm -rf store.db*
http_conf pipedrive "token = $TOKEN" "base_url = $FAKE_URL/api/v2/"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 43 new"
no_secrets "$TOKEN"
fake_stop

# Paging edges.
edge() { # edge PERSONS DEALS: fresh fake and store, page_size 10, users paged by 2
	fake_stop
	fake_start pipedrive --auth apikey-header --token "$TOKEN" --records "$1" --deals "$2" --users 5
	rm -rf store.db*
	http_conf pipedrive "token = $TOKEN" "page_size = 10"
	expect_rc 0 "$SALESYNC" -c c.ini sync
	fake_ctl log api > log.json
}
# Empty: one request per stream, no stages or organizations.
edge 0 0
lacks out "leads"
lacks out "deals"
contains out "3 requests"
[ "$(sql 'select count(*) from leads') $(sql 'select count(*) from deals')" = "0 0" ] || fail "empty"
[ "$(sql 'select count(*) from cursors')" = 0 ] || fail "no cursor without records"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "3 requests"
# Exactly one page: next_cursor is null on the first page.
edge 10 10
contains out "leads 10 new"
contains out "deals 10 new"
[ "$(grep -c '"/api/v2/persons"' log.json)" = 1 ] || fail "one page of persons"
[ "$(grep -c '"/api/v2/deals"' log.json)" = 1 ] || fail "one page of deals"
# Two full pages, and a short last page.
edge 20 25
contains out "leads 20 new"
contains out "deals 25 new"
[ "$(grep -c '"/api/v2/persons"' log.json)" = 2 ] || fail "two pages of persons"
[ "$(grep -c '"/api/v2/deals"' log.json)" = 3 ] || fail "three pages of deals"
# Users by v1 offset paging (start/limit, more_items_in_collection).
rm -rf store.db*
http_conf pipedrive "token = $TOKEN" "page_size = 2"
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "reps 5 new"
[ "$(fake_ctl log api | grep -c '"/api/v1/users"')" = 3 ] || fail "users in 3 pages of 2"
fake_ctl log api | grep '"/api/v1/users"' | grep -q '"start": \["4"\]' || fail "users: start=4"
no_secrets "$TOKEN"
