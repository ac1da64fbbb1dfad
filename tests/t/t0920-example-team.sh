#!/bin/sh
# config/example-team.ini (HubSpot + GA4 + Moodle): it loads with its
# ${VARIABLES} set, names a missing one, lists its plugins, and its GA4 and
# Moodle instances check, sync and feed the report's channels and training
# sections when pointed at the fakes.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
plugins ga4 moodle
# The CRM's plugin takes part when it is built and loads; otherwise its
# section is left out of the copy (the rest of the file is the same).
have_crm=no
if [ -f "$BUILD/plugins/hubspot.so" ]; then
	plugins hubspot
	printf '[salesync]\nplugin_dir = %s\n' "$T/plugins" > probe.ini
	if "$SALESYNC" -c probe.ini plugins hubspot >/dev/null 2>&1; then have_crm=yes; fi
fi

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.pem 2>/dev/null
openssl pkey -in sa.pem -pubout -out sa.pub 2>/dev/null
fake_start ga4 --auth jwt --client-email team@proj.iam.example --public-key sa.pub --records 20
GA=$FAKE_URL
python3 - "$GA" <<'PY'
import json, sys
json.dump({"type": "service_account", "client_email": "team@proj.iam.example",
           "private_key": open("sa.pem").read(), "token_uri": sys.argv[1] + "/token"},
          open("sa.json", "w"))
PY
fake_start moodle --auth apikey-query --token team-Ws-T0ken --records 12
MOODLE=$FAKE_URL

# The copy: our plugin dir and store; GA4 on the fake (base_url, token_url:
# the example uses Google's defaults).
sed -e "s|^plugin_dir = .*|plugin_dir = $T/plugins|" -e "s|^store = .*|store = $T/store.db|" \
	-e "s|^\[web\]$|[web]\nbase_url = $GA\ntoken_url = $GA/token|" \
	"$TOP/config/example-team.ini" > team.ini
if [ "$have_crm" = no ]; then
	python3 - <<'PY'
import re
s = open("team.ini").read()
s = re.sub(r"\n; The CRM: .*?(?=\n; Web analytics)", "\n", s, flags=re.S)
s = s.replace("precedence = crm, lms", "precedence = lms")
open("team.ini", "w").write(s)
PY
fi
HUBSPOT_TOKEN=pat-na1-example GA4_PROPERTY=123456789 GA4_KEY_FILE=$T/sa.json \
	MOODLE_URL=$MOODLE MOODLE_TOKEN=team-Ws-T0ken
export HUBSPOT_TOKEN GA4_PROPERTY GA4_KEY_FILE MOODLE_URL MOODLE_TOKEN

# The example itself loads (its plugin_dir is ../build/plugins).
if [ -d "$TOP/build/plugins" ] && [ "$BUILD" = "$TOP/build" ]; then
	expect_rc 0 "$SALESYNC" -c "$TOP/config/example-team.ini" plugins
	contains out "ga4"
	contains out "moodle"
fi
expect_rc 0 "$SALESYNC" -c team.ini plugins
contains out "ga4 "
contains out "moodle "
expect_rc 78 env -u MOODLE_TOKEN "$SALESYNC" -c team.ini plugins
contains err "MOODLE_TOKEN is not set"

expect_rc 0 "$SALESYNC" -c team.ini check web lms
expect_rc 0 "$SALESYNC" -c team.ini sync web lms
contains out "web "
contains out "lms "
[ "$(sql "select count(*) from metrics where name = 'web.conversions'")" -gt 0 ] || fail "conversions"
[ "$(sql "select count(*) from reps where source = 'lms' and team like 'Team %'")" -gt 0 ] || fail "cohort teams"
no_secrets() { for s in "$@"; do if grep -qF -- "$s" out err store.db; then fail "secret $s"; fi; done; }
no_secrets team-Ws-T0ken "$(sed -n 2p sa.pem)"
expect_rc 0 "$SALESYNC" -c team.ini report --since 30d --format json -o r.json
python3 - <<'PY' || fail "report sections"
import json
r = json.load(open("r.json"))
ch = {c["channel"]: c for c in r["channels"]["channels"]}
assert ch["Organic Search"]["sessions"] > 0 and ch["Organic Search"]["conversions"] > 0, ch
assert len(r["training"]["reps"]) > 5, r["training"]
PY
