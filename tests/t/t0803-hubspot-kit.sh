#!/bin/sh
# hubspot passes the plugin test kit against the fake: with a private-app
# token and with OAuth2, enough records for
# several pages per stream, archived records and ties on the modified
# time; every interrupted-and-resumed sync ends with the store of an
# uninterrupted one.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins hubspot

fake_start hubspot --auth bearer --token kit-T0ken --records 45 --deals 24
http_conf hubspot "token = kit-T0ken" "page_size = 10" "properties = industry_segment"
expect_rc 0 "$SALESYNC" plugin-test plugins/hubspot.so --config c.ini
contains out "ok    descriptor: hubspot 1.0.0, ABI 1.2, 3 streams"
contains out "ok    check with wrong credentials fails clearly: GET $FAKE_URL/crm/v3/objects/contacts?limit=1&properties=email: HTTP 401"
contains out "ok    full sync: 74 records"
contains out "no record emitted twice"
contains out "ok    incremental sync right after: 0 changed, 4 requests"
contains out "and resumed: the same store as an uninterrupted sync"
contains out "0 failed"
no_secrets kit-T0ken

# Another seed picks other checkpoints to interrupt.
expect_rc 0 "$SALESYNC" plugin-test plugins/hubspot.so --config c.ini --seed 7
contains out "0 failed"

# OAuth2 (HubSpot's refresh tokens do not rotate: every refresh answers
# with the same one); the wrong-credentials check replaces the client
# secret and the refresh token, which the token endpoint refuses.
fake_start hubspot --auth oauth2 --client-id cid-K --client-secret K1t-Secret \
	--refresh-token K1t-Refresh --records 23 --deals 12
http_conf hubspot "client_id = cid-K" "client_secret = K1t-Secret" "refresh_token = K1t-Refresh" \
	"token_url = $FAKE_URL/oauth/v1/token" "page_size = 5"
expect_rc 0 "$SALESYNC" plugin-test plugins/hubspot.so --config c.ini
contains out "ok    check with wrong credentials fails clearly: token endpoint $FAKE_URL/oauth/v1/token refused"
contains out "0 failed"
no_secrets K1t-Secret K1t-Refresh
