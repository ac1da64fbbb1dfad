#!/bin/sh
# The pipedrive plugin passes the plugin test kit against the Pipedrive
# fake: with an API token and with OAuth2, over data whose update_time
# ties straddle page boundaries, so every interrupted-and-resumed sync
# must end with the store of an uninterrupted one.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins pipedrive
TOKEN=pd-K1t-t0ken

fake_start pipedrive --auth apikey-header --token "$TOKEN" --records 45 --deals 38
http_conf pipedrive "token = $TOKEN" "page_size = 10"
expect_rc 0 "$SALESYNC" plugin-test plugins/pipedrive.so --config c.ini --seed 3
contains out "ok    descriptor: pipedrive 1.0.0, ABI 1.2, 3 streams"
contains out "ok    check with the configured credentials"
contains out "ok    check with wrong credentials fails clearly: GET $FAKE_URL/api/v1/users/me: HTTP 401"
contains out "ok    full sync: 88 records"
contains out "no record emitted twice"
contains out "ok    incremental sync right after: 0 changed, 3 requests"
contains out "and resumed: the same store as an uninterrupted sync"
lacks out "FAIL"
contains out " passed, 0 failed"
no_secrets "$TOKEN"
fake_stop

# OAuth2 (refresh-token grant), many small pages.
fake_start pipedrive --auth oauth2 --client-id kit-client --client-secret kit-S3cret \
	--refresh-token kit-R3fresh --records 23 --deals 17 --users 6
http_conf pipedrive "client_id = kit-client" "client_secret = kit-S3cret" "refresh_token = kit-R3fresh" \
	"token_url = $FAKE_URL/oauth/token" "page_size = 4"
expect_rc 0 "$SALESYNC" plugin-test plugins/pipedrive.so --config c.ini
contains out "ok    full sync: 46 records"
contains out "ok    incremental sync right after: 0 changed, 5 requests"
lacks out "FAIL"
contains out " passed, 0 failed"
no_secrets kit-S3cret kit-R3fresh
