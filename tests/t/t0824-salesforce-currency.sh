#!/bin/sh
# Salesforce currencies: a multi-currency org's CurrencyIsoCode per deal
# with amounts exact in minor units (JSON numbers → decimal text, never a
# float in the store); a single-currency org found out by itself (no
# CurrencyIsoCode column) whose Organization.DefaultCurrencyIsoCode applies;
# multi_currency = no / yes; the instance's currency = when the org's
# cannot be read.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins salesforce

# --- multi-currency: exact amounts per currency
fake_start salesforce --auth bearer --token sess-C --records 12 --page-size 5
http_conf salesforce "token = sess-C"
ids=$(fake_ctl data | python3 -c "import json, sys; print(' '.join(o['Id'] for o in json.load(sys.stdin)['Opportunity']))")
set -- $ids
fake_ctl control "{\"set\": {\"$1\": {\"Amount\": 1005.35, \"CurrencyIsoCode\": \"EUR\"},
	\"$2\": {\"Amount\": 0.1, \"CurrencyIsoCode\": \"USD\"},
	\"$3\": {\"Amount\": 1234.567, \"CurrencyIsoCode\": \"KWD\"},
	\"$4\": {\"Amount\": 123456789, \"CurrencyIsoCode\": \"JPY\"},
	\"$5\": {\"Amount\": 9999999999999.99, \"CurrencyIsoCode\": \"GBP\"},
	\"$6\": {\"Amount\": null, \"CurrencyIsoCode\": \"USD\"}}}" >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "deals 6 new"
[ "$(sql "select amount_minor || ' ' || currency from deals where id = '$1'")" = "100535 EUR" ] || fail "EUR 1005.35"
[ "$(sql "select amount_minor || ' ' || currency from deals where id = '$2'")" = "10 USD" ] || fail "USD 0.1"
[ "$(sql "select amount_minor || ' ' || currency from deals where id = '$3'")" = "1234567 KWD" ] || fail "KWD 1234.567"
[ "$(sql "select amount_minor || ' ' || currency from deals where id = '$4'")" = "123456789 JPY" ] || fail "JPY 123456789"
[ "$(sql "select amount_minor || ' ' || currency from deals where id = '$5'")" = "999999999999999 GBP" ] || fail "GBP 9,999,999,999,999.99"
[ "$(sql "select ifnull(amount_minor, 'null') || ' ' || currency from deals where id = '$6'")" = "null USD" ] || fail "no amount"
[ "$(sql "select typeof(amount_minor) from deals where id = '$1'")" = integer ] || fail "integer minor units"
[ "$(fake_ctl stats 400)" = 0 ] || fail "no probe needed in a multi-currency org"
fake_ctl log api | grep -q 'FROM Organization' && fail "no Organization query in a multi-currency org"
fake_stop

# --- a single-currency org: auto finds out, the org's currency applies
rm -rf store.db*
fake_start salesforce --auth bearer --token sess-C --records 12 --page-size 5 --single-currency EUR
http_conf salesforce "token = sess-C" "currency = CHF"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "deals 6 new"
contains err "single-currency org: amounts are in EUR"
[ "$(sql "select group_concat(distinct currency) from deals")" = EUR ] || fail "the org's currency"
[ "$(fake_ctl stats 400)" = 1 ] || fail "one INVALID_FIELD probe"
fake_ctl log api | grep -q 'SELECT DefaultCurrencyIsoCode FROM Organization LIMIT 1' || fail "Organization queried"
fake_ctl data > data.json
python3 -c "
import json, decimal
for o in json.load(open('data.json'))['Opportunity']:
    a = o['Amount']
    print('%s|%s' % (o['Id'], '' if a is None else int(decimal.Decimal(repr(a)).scaleb(2))))" | sort > want.txt
sql "select id || '|' || ifnull(amount_minor, '') from deals order by 1" > got.txt
cmp want.txt got.txt || fail "amounts"

# multi_currency = no: no probe, the org's currency at once
rm -rf store.db*
fake_ctl reset-log >/dev/null
http_conf salesforce "token = sess-C" "multi_currency = no"
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(fake_ctl stats 400)" = 0 ] || fail "no probe with multi_currency = no"
[ "$(sql "select group_concat(distinct currency) from deals")" = EUR ] || fail "EUR"

# the org's currency cannot be read: the instance's currency = applies
rm -rf store.db*
fake_ctl control '{"body_override": {"count": 1, "status": 403, "content_type": "application/json", "body": "[{\"message\":\"insufficient access rights on object id\",\"errorCode\":\"INSUFFICIENT_ACCESS\"}]"}}' >/dev/null
http_conf salesforce "token = sess-C" "multi_currency = no" "currency = CHF"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains err "cannot read the org's currency (HTTP 403 INSUFFICIENT_ACCESS: insufficient access rights on object id)"
[ "$(sql "select group_concat(distinct currency) from deals")" = CHF ] || fail "currency = CHF"

# multi_currency = yes in a single-currency org: Salesforce's error, clearly
rm -rf store.db*
http_conf salesforce "token = sess-C" "multi_currency = yes"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 400 INVALID_FIELD:"
contains out "No such column 'CurrencyIsoCode' on entity 'Opportunity'"
