#!/bin/sh
# The plugin test kit passes good plugins (httpfix against the acme fake,
# csv on the demo leads) and fails, with a useful message, plugins that skip
# cursor ties, emit records twice, or never checkpoint.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins httpfix csv
fake_start acme --auth bearer --token kit-T0ken --records 45 --page-size 10

kit() { # kit RC "KEY = VALUE"...: runs the kit on httpfix with those options
	want=$1
	shift
	http_conf httpfix "token = kit-T0ken" "$@"
	expect_rc "$want" "$SALESYNC" plugin-test plugins/httpfix.so --config c.ini
}

kit 0
contains out "ok    descriptor: httpfix 1.0"
contains out "ok    check with wrong credentials fails clearly: GET $FAKE_URL/api/v1/me: HTTP 401"
contains out "ok    full sync: 45 records, 5 checkpoints"
contains out "ok    incremental sync right after: 0 changed, 1 requests"
contains out "ok    interrupted after checkpoint 4 and resumed: the same store as an uninterrupted sync"
contains out "10 passed, 0 failed"
no_secrets kit-T0ken

kit 1 "faulty = skip_ties"
contains out "FAIL  interrupted after checkpoint 1 and resumed: the store differs"
contains out "records skipped or repeated around the cursor"

kit 1 "faulty = duplicate"
contains out "FAIL  full sync: 90 records"
contains out "emitted twice in one run: lead A00001"

kit 1 "faulty = no_checkpoint"
contains out "FAIL  checkpoints: none in a sync of 45 records and 5 requests"

# The csv plugin on the demo leads, checkpointing every 50 rows.
cat > csv.ini <<EOT
[salesync]
plugin_dir = plugins
[sheet]
plugin = csv
path = $TOP/config/demo/leads.csv
batch = 50
EOT
expect_rc 0 "$SALESYNC" plugin-test plugins/csv.so --config csv.ini
contains out "full sync: 300 records, 7 checkpoints"
contains out "0 failed"

# Usage and refusals.
expect_rc 2 "$SALESYNC" plugin-test plugins/csv.so
expect_rc 78 "$SALESYNC" plugin-test plugins/nope.so --config csv.ini

# OAuth2 with a rotating refresh token: the scratch stores share one
# tokens directory, so each run refreshes with the latest rotation.
fake_start acme --auth oauth2 --client-id kid --client-secret Kit-S3cret --refresh-token kit-R0 --rotate --records 30 --page-size 10
http_conf httpfix "client_id = kid" "client_secret = Kit-S3cret" "refresh_token = kit-R0" "token_url = $FAKE_URL/oauth/token"
expect_rc 0 "$SALESYNC" plugin-test plugins/httpfix.so --config c.ini
contains out "0 failed"
contains out "interrupted after checkpoint 2 and resumed: the same store"
