#!/bin/sh
# The salesforce plugin against the Salesforce fake (OAuth2): a full sync
# maps users, leads, contacts and opportunities exactly (emails, converted
# leads and their deals, owners, stages, probabilities, amounts in minor
# units per currency, extra); an incremental sync after changes picks up
# touched, added and deleted (queryAll, IsDeleted) records and nothing
# else; --full marks nothing live as deleted; the options and the INI
# mappings work.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins salesforce
fake_start salesforce --auth oauth2 --client-id cid-1 --client-secret Cl1ent-S3cret \
	--refresh-token R0-refresh-tok --records 40 --page-size 10
AUTH="client_id = cid-1|client_secret = Cl1ent-S3cret|refresh_token = R0-refresh-tok|token_url = $FAKE_URL/services/oauth2/token"
# conf FILE-OPTIONS...: c.ini with the OAuth2 credentials and these options.
conf() {
	IFS='|'
	# shellcheck disable=SC2086
	set -- $AUTH "$@"
	unset IFS
	http_conf salesforce "$@"
}
# py SCRIPT: runs python3 on the fake's data (data.json) and the script.
py() {
	fake_ctl data > data.json
	python3 -c "import json, decimal; d = json.load(open('data.json')); $1"
}

printf '[salesync]\nplugin_dir = plugins\n' > p.ini
expect_rc 0 "$SALESYNC" -c p.ini plugins salesforce
contains out "login_url  (string, default https://login.salesforce.com)"
contains out "api_version  (string, default 62.0)"
contains out "base_url  (string)"
contains out "Closed - Not Converted=unqualified"

# --- full sync
conf "lead_fields = Region__c" "opportunity_fields = Discount__c"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "reps 6 new"
contains out "leads 60 new"
contains out "deals 20 new"
no_secrets Cl1ent-S3cret R0-refresh-tok at-1

[ "$(sql "select count(*) from leads where email <> lower(email)")" = 0 ] || fail "emails normalized"
[ "$(sql "select count(*) from leads where id like '00Q%'")" = 40 ] || fail "40 leads"
[ "$(sql "select count(*) from leads where id like '003%'")" = 20 ] || fail "20 contacts"
# reps: names, emails, the inactive one, the automated user without email
[ "$(sql "select count(*) from reps where active = 0")" = 1 ] || fail "one inactive user"
[ "$(sql "select count(*) from reps where email is null")" = 1 ] || fail "automated user has no email"
# owners are reps, except the queue (00G...)
[ "$(sql "select count(*) from leads l where owner_id is not null and not exists (select 1 from reps r where r.source = l.source and r.id = l.owner_id)")" = 1 ] || fail "every owner but the queue is a rep"
[ "$(sql "select count(*) from leads where owner_id like '00G%'")" = 1 ] || fail "one queue-owned lead"
[ "$(sql "select count(*) from deals d where not exists (select 1 from reps r where r.id = d.owner_id)")" = 0 ] || fail "deal owners are reps"

# converted leads: status converted, converted_at the ConvertedDate
want=$(py "print(sum(1 for l in d['Lead'] if l['IsConverted']))")
[ "$want" -gt 0 ] || fail "the fake has converted leads"
[ "$(sql "select count(*) from leads where status = 'converted' and converted_at is not null")" = "$want" ] || fail "converted leads"
py "print('\n'.join(sorted('%s|%sT00:00:00Z' % (l['Id'], l['ConvertedDate']) for l in d['Lead'] if l['IsConverted'])))" > want.txt
sql "select id || '|' || converted_at from leads where converted_at is not null order by 1" > got.txt
cmp want.txt got.txt || fail "converted_at"
# the deal a lead was converted into links back to the lead (smallest id)
py "
m = {}
for l in sorted(d['Lead'], key=lambda l: l['Id']):
    if l['ConvertedOpportunityId'] and l['ConvertedOpportunityId'] not in m:
        m[l['ConvertedOpportunityId']] = l['Id']
print('\n'.join(sorted('%s|%s' % kv for kv in m.items())))" > want.txt
sql "select id || '|' || lead_id from deals where lead_id is not null order by 1" > got.txt
[ -s want.txt ] || fail "the fake has converted opportunities"
cmp want.txt got.txt || fail "deal.lead_id from ConvertedOpportunityId"

# statuses: the default mapping of Salesforce's picklist
[ "$(sql "select count(*) from leads where status_raw = 'Open - Not Contacted' and status <> 'new'")" = 0 ] || fail "open -> new"
[ "$(sql "select count(*) from leads where status_raw = 'Closed - Not Converted' and status <> 'unqualified'")" = 0 ] || fail "not converted -> unqualified"
[ "$(sql "select count(*) from leads where id like '00Q%' and status is null")" = 0 ] || fail "every lead status maps"
[ "$(sql "select count(*) from leads where id like '003%' and status is not null")" = 0 ] || fail "contacts have no status"

# amounts: exact minor units of each currency (JPY none, KWD three)
py "
E = {'JPY': 0, 'KWD': 3}
for o in d['Opportunity']:
    a = o['Amount']
    m = '' if a is None else int(decimal.Decimal(repr(a)).scaleb(E.get(o['CurrencyIsoCode'], 2)))
    print('%s|%s|%s' % (o['Id'], m, o['CurrencyIsoCode']))" | sort > want.txt
sql "select id || '|' || ifnull(amount_minor, '') || '|' || currency from deals order by 1" > got.txt
cmp want.txt got.txt || { diff want.txt got.txt >&2; fail "amounts"; }
[ "$(sql "select count(distinct currency) from deals")" = 5 ] || fail "five currencies"
[ "$(sql "select amount_minor from deals where amount_minor > 99999999999999")" = 999999999999999 ] || fail "9,999,999,999,999.99 exact"
# stages from IsClosed/IsWon, probabilities from the percent
py "
for o in d['Opportunity']:
    s = 'open' if not o['IsClosed'] else 'won' if o['IsWon'] else 'lost'
    print('%s|%s|%s|%r' % (o['Id'], s, o['StageName'], o['Probability'] / 100))" | sort > want.txt
sql "select id || '|' || stage || '|' || stage_raw || '|' || probability from deals order by 1" > got.txt
cmp want.txt got.txt || { diff want.txt got.txt >&2; fail "stages and probabilities"; }
[ "$(sql "select count(*) from deals where stage <> 'open' and closed_at is null")" = 0 ] || fail "closed deals have closed_at"
[ "$(sql "select count(*) from deals where stage = 'open' and closed_at is not null")" = 0 ] || fail "open deals have no closed_at"

# contacts: company from Account.Name; extra keeps the rest
[ "$(sql "select count(*) from leads where id like '003%' and company is null")" = 0 ] || fail "contacts' company"
[ "$(sql "select count(*) from leads where id like '003%' and json_extract(extra, '\$.sobject') = 'Contact' and json_extract(extra, '\$.AccountId') like '001%'")" = 20 ] || fail "contact extra"
# custom fields asked for land in extra; numbers as exact text
[ "$(sql "select count(*) from leads where json_extract(extra, '\$.Region__c') is not null")" -gt 0 ] || fail "Region__c in extra"
[ "$(sql "select count(*) from deals where json_extract(extra, '\$.Discount__c') in ('0.1', '0.15', '0.3')")" -gt 0 ] || fail "Discount__c as exact text"
# edge cases: unicode, a 255-character company, leads without email
[ "$(sql "select max(length(company)) from leads")" = 255 ] || fail "long company kept"
[ "$(sql "select count(*) from leads where first_name in ('Zoë', 'José', 'Łukasz', 'Chloé', 'Tomás')")" -gt 0 ] || fail "unicode names"
[ "$(sql "select count(*) from leads where email is null")" -gt 0 ] || fail "leads without email kept"
# cursors: SystemModstamp|Id per object
[ "$(sql "select count(*) from cursors where value like '2026-%|%'")" = 4 ] || fail "four cursors"

# --- nothing changed: one request per object
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "nothing changed; 5 requests"

# --- incremental after changes: touched, added, deleted
L1=$(py "print(d['Lead'][1]['Id'])")
L2=$(py "print(d['Lead'][2]['Id'])")
L3=$(py "print(d['Lead'][3]['Id'])")
C1=$(py "print(d['Contact'][0]['Id'])")
O1=$(py "print(d['Opportunity'][0]['Id'])")
O2=$(py "print(d['Opportunity'][1]['Id'])")
U1=$(py "print(d['User'][0]['Id'])")
fake_ctl control "{\"touch\": [\"$L1\", \"$L2\", \"$C1\", \"$O1\", \"$U1\"]}" >/dev/null
fake_ctl control "{\"delete\": [\"$L3\", \"$O2\"]}" >/dev/null
fake_ctl control '{"add": {"Contact": 2, "Opportunity": 1}}' >/dev/null
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "reps 0 new, 1 updated"
contains out "leads 2 new, 4 updated, 0 unchanged"
contains out "deals 1 new, 2 updated, 0 unchanged"
[ "$(sql "select deleted from leads where id = '$L3'")" = 1 ] || fail "deleted lead marked"
[ "$(sql "select deleted from deals where id = '$O2'")" = 1 ] || fail "deleted deal marked"
[ "$(sql "select count(*) from leads where deleted = 1")" = 1 ] || fail "one deleted lead"
[ "$(sql "select team from reps where id = '$U1'")" = Touched ] || fail "rep updated"
# the incremental queries start at the cursor, ties broken by Id
fake_ctl log api > log.json
grep -q 'WHERE SystemModstamp > 2026-[0-9T:-]*Z OR (SystemModstamp = 2026-[0-9T:-]*Z AND Id > ' log.json || fail "incremental WHERE with the Id tie-breaker"
grep -q '"path": "/services/data/v62.0/queryAll"' log.json || fail "queryAll for deletions"

# deleted records come back (undelete): live again
fake_ctl control "{\"undelete\": [\"$L3\"]}" >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 0 new, 1 updated"
[ "$(sql "select deleted from leads where id = '$L3'")" = 0 ] || fail "undeleted lead live"

# --- --full: every record again; deleted ones stay deleted, live ones live
expect_rc 0 "$SALESYNC" -c c.ini sync --full
contains out "reps 0 new, 0 updated, 6 unchanged, 0 deleted"
contains out "leads 0 new, 0 updated, 62 unchanged, 0 deleted"
contains out "deals 0 new, 0 updated, 21 unchanged, 0 deleted"
[ "$(sql "select deleted from deals where id = '$O2'")" = 1 ] || fail "deleted deal stays deleted after --full"

# --- options and INI mappings, on a fresh store
rm -rf store.db*
conf "contacts = no" "link_converted_leads = no" "status.Closed - Converted = qualified" \
	"stage.Closed Won = lost" "api_version = v61.0"
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 40 new"
[ "$(sql "select count(*) from leads where id like '003%'")" = 0 ] || fail "contacts = no"
[ "$(sql "select count(*) from deals where lead_id is not null")" = 0 ] || fail "link_converted_leads = no"
[ "$(sql "select count(*) from leads where status_raw = 'Closed - Converted' and status <> 'qualified'")" = 0 ] || fail "status override beats IsConverted"
[ "$(sql "select count(*) from deals where stage_raw = 'Closed Won' and stage <> 'lost'")" = 0 ] || fail "stage override beats IsWon"
[ "$(sql "select count(*) from deals where stage_raw = 'Closed Won'")" -gt 0 ] || fail "the fake has won deals"
fake_ctl log api | grep -q '"path": "/services/data/v61.0/' || fail "api_version used"
fake_ctl log api | grep -q 'ConvertedOpportunityId IN' && fail "no lead lookups when link_converted_leads = no"
rm -rf store.db*
conf "contact_status = working"
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(sql "select count(*) from leads where id like '003%' and status = 'working'")" = 22 ] || fail "contact_status"
