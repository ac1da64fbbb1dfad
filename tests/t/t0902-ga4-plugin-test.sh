#!/bin/sh
# The ga4 plugin passes the plugin test kit against the GA4 fake: with a
# service-account key (JWT) and small pages, so that interrupted syncs
# resume from a checkpoint in the middle of a report; and with an OAuth2
# refresh token, so the kit also sees wrong credentials fail clearly.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
plugins ga4

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.pem 2>/dev/null
openssl pkey -in sa.pem -pubout -out sa.pub 2>/dev/null
fake_start ga4 --auth jwt --client-email kit@proj.iam.example --public-key sa.pub --records 15
python3 - "$FAKE_URL" <<'PY'
import json, sys
json.dump({"type": "service_account", "client_email": "kit@proj.iam.example",
           "private_key": open("sa.pem").read(), "token_uri": sys.argv[1] + "/token"},
          open("sa.json", "w"))
PY
cat > kit.ini <<EOF
[salesync]
plugin_dir = plugins
[web]
plugin = ga4
property = 123456789
key_file = sa.json
token_url = $FAKE_URL/token
base_url = $FAKE_URL
page_size = 15
EOF
expect_rc 0 "$SALESYNC" plugin-test plugins/ga4.so --config kit.ini
contains out "ok    descriptor: ga4 1.0.0, ABI 1.2, 1 stream, 8 options"
contains out "ok    check with the configured credentials"
contains out "ok    full sync:"
contains out "no record emitted twice"
contains out "ok    incremental sync right after: 0 changed"
contains out "and resumed: the same store as an uninterrupted sync"
contains out " 0 failed"
lacks out "FAIL"
fake_stop

fake_start ga4 --auth oauth2 --client-id kit-client --client-secret kit-S3cret --refresh-token kit-R3fresh --records 6
cat > kit.ini <<EOF
[salesync]
plugin_dir = plugins
[web]
plugin = ga4
property = 123456789
client_id = kit-client
client_secret = kit-S3cret
refresh_token = kit-R3fresh
token_url = $FAKE_URL/token
base_url = $FAKE_URL
page_size = 10
EOF
expect_rc 0 "$SALESYNC" plugin-test plugins/ga4.so --config kit.ini
contains out "ok    check with wrong credentials fails clearly:"
contains out " 0 failed"
for s in kit-S3cret kit-R3fresh; do
	if grep -qF -- "$s" "$T/out" "$T/err"; then fail "secret $s printed"; fi
done
