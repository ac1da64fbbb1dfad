#!/bin/sh
# Auth against the acme fake: service-account JWT (RS256) as Google issues keys.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins httpfix httpfix_hdr

# --- service-account JWT (RS256), as Google issues keys
rm -rf store.db*
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.pem 2>/dev/null
openssl pkey -in sa.pem -pubout -out sa.pub 2>/dev/null
fake_start acme --auth jwt --client-email sync@proj.iam.example --public-key sa.pub --records 6
python3 - "$FAKE_URL" <<'PY'
import json, sys
key = open("sa.pem").read()
json.dump({"type": "service_account", "client_email": "sync@proj.iam.example",
           "private_key_id": "k1", "private_key": key,
           "token_uri": sys.argv[1] + "/oauth/token"}, open("sa.json", "w"))
PY
http_conf httpfix "key_file = sa.json"
expect_rc 0 "$SALESYNC" -c c.ini -v sync
contains out "leads 6 new"
[ "$(fake_ctl stats tokens_issued)" -eq 1 ] || fail "one JWT exchange expected"
no_secrets "$(sed -n 2p sa.pem)"
# A key the fake does not know: refused, clearly.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other.pem 2>/dev/null
python3 - "$FAKE_URL" <<'PY'
import json, sys
json.dump({"client_email": "sync@proj.iam.example", "private_key": open("other.pem").read(),
           "token_uri": sys.argv[1] + "/oauth/token"}, open("sa.json", "w"))
PY
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "refused the jwt credentials"
