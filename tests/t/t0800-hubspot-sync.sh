#!/bin/sh
# hubspot: a first (full) sync against the fake: owners → reps (archived →
# deleted, inactive users), contacts → leads and deals with their mapping
# edge cases (no email, unicode, very long values, null/empty/huge/JPY
# amounts, custom properties into extra), deal stages from the pipelines'
# metadata (not from their names), stage/status overrides, owners joined,
# deals linked to their lowest associated contact, archived records
# deleted; a date-versioned api_version; OAuth2 with a token that expires
# mid-sync.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins hubspot

fake_start hubspot --auth bearer --token pat-na1-S3cret --records 30
# 30 contacts (1001-1030; 1010, 1020, 1030 archived), 15 deals (9000001-
# 9000015; 9000015 archived), owners 41000001-41000005 (…04 inactive,
# …05 archived). Deal stages and amounts made explicit:
fake_ctl control '{"set": {
 "9000001": {"pipeline": "764512", "dealstage": "1011", "amount": "1234567890123.45", "deal_currency_code": "USD"},
 "9000002": {"pipeline": "764512", "dealstage": "1012", "amount": "150000", "deal_currency_code": "JPY"},
 "9000003": {"pipeline": "764512", "dealstage": "1013", "amount": null},
 "9000004": {"pipeline": "764512", "dealstage": "1014", "amount": ""},
 "9000005": {"pipeline": "default", "dealstage": "closedwon", "amount": "999.99", "_contacts": [1020, 1005]},
 "9000006": {"pipeline": "default", "dealstage": "contractsent", "_contacts": []},
 "1004": {"email": "  Ana.RUIZ@Example.COM ", "firstname": "Zoë", "lastname": "Łukasiewicz-Ødegård"},
 "1006": {"email": null},
 "1007": {"hs_lead_status": "BAD_TIMING"},
 "1008": {"hs_lead_status": "OPEN_DEAL", "hs_analytics_source": "PAID_SEARCH"}}}' >/dev/null

http_conf hubspot "token = pat-na1-S3cret" "page_size = 10" \
	"contact_properties = notes_long, nps_score, lifecyclestage" "deal_properties = industry_segment" \
	"status.BAD_TIMING = working"
expect_rc 0 "$SALESYNC" -c c.ini check
expect_rc 0 "$SALESYNC" -c c.ini -v sync
contains out "reps 5 new"
contains out "leads 30 new"
contains out "deals 15 new"
contains err "leads: listing every contact (first or full sync)"
no_secrets pat-na1-S3cret

# Requests: lists with limit, properties, archived (both ways), associations.
fake_ctl log api > log.json
contains log.json '"path": "/crm/v3/objects/contacts", "query": {"limit": ["10"], "properties": ["email,firstname,lastname'
contains log.json '"archived": ["true"]'
contains log.json '"associations": ["contacts"]'
contains log.json '"path": "/crm/v3/pipelines/deals"'
contains log.json '"path": "/crm/v3/owners"'
[ "$(grep -c '"path": "/crm/v3/pipelines/deals"' log.json)" -eq 1 ] || fail "pipelines fetched once"

# Reps.
[ "$(sql "select count(*), sum(deleted), sum(active = 0) from reps")" = "5|1|2" ] || fail "reps: $(sql 'select * from reps')"
[ "$(sql "select name || '/' || team || '/' || email from reps where id = '41000001'")" = "Sam Lee/East/sam.lee@example-sales.com" ] || fail "rep 41000001"
[ "$(sql "select active || deleted from reps where id = '41000004'")" = "00" ] || fail "inactive owner"

# Leads.
[ "$(sql "select count(*), sum(deleted) from leads")" = "30|3" ] || fail "leads: $(sql 'select count(*), sum(deleted) from leads')"
[ "$(sql "select group_concat(id) from leads where deleted = 1")" = "1010,1020,1030" ] || fail "archived contacts"
[ "$(sql "select email || '|' || first_name || '|' || last_name from leads where id = '1004'")" = "ana.ruiz@example.com|Zoë|Łukasiewicz-Ødegård" ] || fail "unicode/email: $(sql "select * from leads where id = '1004'")"
[ "$(sql "select email is null from leads where id = '1006'")" = 1 ] || fail "missing email"
[ "$(sql "select status || '|' || status_raw from leads where id = '1007'")" = "working|BAD_TIMING" ] || fail "status override"
[ "$(sql "select status || '|' || status_raw || '|' || channel from leads where id = '1008'")" = "qualified|OPEN_DEAL|Paid search" ] || fail "status map"
# A very long custom property lands in extra whole (65,547 characters).
[ "$(sql "select length(json_extract(extra, '$.notes_long')) from leads where id = '1004'")" = 65547 ] || fail "long value: $(sql "select length(extra) from leads where id = '1004'")"
[ "$(sql "select json_extract(extra, '$.lifecyclestage') is not null from leads where id = '1001'")" = 1 ] || fail "lifecyclestage in extra"
[ "$(sql "select count(*) from leads where json_type(extra, '$.nps_score') is null")" = 0 ] || fail "nps_score (null or not) in every extra"
# Every owner a lead names is a rep of the same instance.
[ "$(sql "select count(*) from leads where owner_id is not null and owner_id not in (select id from reps where source = 'crm')")" = 0 ] || fail "owners not joined"
[ "$(sql "select count(*) from leads l join reps r on r.source = l.source and r.id = l.owner_id")" -gt 10 ] || fail "owner join"

# Deals: stages from metadata, whatever the label says.
deal() { sql "select stage || '|' || stage_raw || '|' || ifnull(amount_minor, 'null') || '|' || ifnull(currency, '') || '|' || ifnull(probability, '') || '|' || ifnull(lead_id, 'null') || '|' || (closed_at is not null) from deals where id = '$1'"; }
[ "$(deal 9000001)" = "open|Closed - pending signature|123456789012345|USD|0.7|1001|0" ] || fail "9000001: $(deal 9000001)"
[ "$(deal 9000002)" = "won|Signed|150000|JPY|1.0|1004|1" ] || fail "9000002: $(deal 9000002)"
[ "$(deal 9000003)" = "lost|Gone quiet|null|USD|0.0|1007|1" ] || fail "9000003: $(deal 9000003)"
[ "$(deal 9000004)" = "open|Lost|null|USD|0.1|1010|0" ] || fail "9000004: $(deal 9000004)"
[ "$(deal 9000005)" = "won|Closed Won|99999|EUR|1.0|1005|1" ] || fail "9000005: $(deal 9000005)"
[ "$(deal 9000006)" = "open|Contract Sent|null|USD|0.9|null|0" ] || fail "9000006: $(deal 9000006)"
[ "$(sql "select deleted from deals where id = '9000015'")" = 1 ] || fail "archived deal"
[ "$(sql "select json_extract(extra, '$.pipeline_label') || '|' || json_extract(extra, '$.dealstage') from deals where id = '9000001'")" = "Renewals|1011" ] || fail "deal extra: $(sql "select extra from deals where id = '9000001'")"
[ "$(sql "select count(*) from deals where json_type(extra, '$.industry_segment') is not null")" = 15 ] || fail "deal_properties into extra"

# An override by stage label applies on the next sync (a full one here).
http_conf hubspot "token = pat-na1-S3cret" "page_size = 10" \
	"contact_properties = notes_long, nps_score, lifecyclestage" "deal_properties = industry_segment" \
	"status.BAD_TIMING = working" "stage.closed - pending SIGNATURE = won"
n=$(sql "select count(*) from deals where stage_raw = 'Closed - pending signature'")
expect_rc 0 "$SALESYNC" -c c.ini sync --full
contains out "deals 0 new, $n updated, $((15 - n)) unchanged"
[ "$(sql "select stage from deals where id = '9000001'")" = won ] || fail "stage override"

# The same data through the date-versioned paths (api_version = 2026-03).
fake_ctl reset-log >/dev/null
http_conf hubspot "token = pat-na1-S3cret" "page_size = 10" \
	"contact_properties = notes_long, nps_score, lifecyclestage" "deal_properties = industry_segment" \
	"status.BAD_TIMING = working" "stage.closed - pending SIGNATURE = won" "api_version = 2026-03"
expect_rc 0 "$SALESYNC" -c c.ini sync --full
contains out "reps 0 new, 0 updated, 5 unchanged"
contains out "leads 0 new, 0 updated, 30 unchanged"
contains out "deals 0 new, 0 updated, 15 unchanged"
fake_ctl log api > log.json
contains log.json '"path": "/crm/objects/2026-03/contacts"'
contains log.json '"path": "/crm/owners/2026-03"'
contains log.json '"path": "/crm/pipelines/2026-03/deals"'
lacks log.json '/crm/v3/'
http_conf hubspot "token = pat-na1-S3cret" "api_version = v4"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "api_version = v4: use v3, or a date version such as 2026-03"

# The plugin's own description.
expect_rc 0 "$SALESYNC" -c c.ini plugins hubspot
contains out "api_version"
contains out "search_lag"

# --- OAuth2 refresh at /oauth/v1/token; the token expires mid-sync.
fake_start hubspot --auth oauth2 --client-id cid-1 --client-secret Cl1ent-S3cret \
	--refresh-token R3fresh-T0ken --records 25
rm -rf store.db*
http_conf hubspot "client_id = cid-1" "client_secret = Cl1ent-S3cret" \
	"refresh_token = R3fresh-T0ken" "token_url = $FAKE_URL/oauth/v1/token" "page_size = 10"
expect_rc 0 "$SALESYNC" -c c.ini -v sync
contains out "leads 25 new"
[ "$(fake_ctl stats tokens_issued)" -eq 1 ] || fail "one token"
fake_ctl log token > log.json
contains log.json '"path": "/oauth/v1/token"'
# The access token expires between two pages of a full sync: HubSpot's
# 401 EXPIRED_AUTHENTICATION, one refresh, the sync goes on.
fake_ctl control '{"status_sequence": [0, 0, 0, 401]}' >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini -v sync --full
contains err "refreshing the access token"
contains out "leads 0 new, 0 updated, 25 unchanged"
[ "$(fake_ctl stats tokens_issued)" -eq 3 ] || fail "a token per run and one after the 401: $(fake_ctl stats tokens_issued)"
no_secrets Cl1ent-S3cret R3fresh-T0ken at-1 at-2 at-3
# A refresh token HubSpot refuses: a clear error naming the endpoint.
fake_ctl control '{"refresh_token": "revoked"}' >/dev/null
rm -rf store.db.tokens
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "token endpoint $FAKE_URL/oauth/v1/token refused the oauth2 credentials"
