#!/bin/sh
# The salesforce plugin passes the plugin test kit against the Salesforce
# fake: with OAuth2 and with a bearer session id, records tied on
# SystemModstamp across batches, in a multi- and a single-currency org.
# (Not with --rotate: the kit keeps each scratch store's rotated refresh
# token apart, so its later stores would start from a refresh token the
# fake has already retired. Salesforce rotates only when the connected app
# asks for it; rotation itself is tested in t0822.)
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins salesforce

fake_start salesforce --auth oauth2 --client-id 3MVG9kit --client-secret Kit-S3cret-x \
	--refresh-token 5Aep-kit-refresh --records 45 --page-size 10
http_conf salesforce "client_id = 3MVG9kit" "client_secret = Kit-S3cret-x" \
	"refresh_token = 5Aep-kit-refresh" "token_url = $FAKE_URL/services/oauth2/token" \
	"lead_fields = Region__c"
expect_rc 0 "$SALESYNC" plugin-test plugins/salesforce.so --config c.ini --seed 3
contains out "ok    descriptor: salesforce 1.0.0, ABI 1.2, 3 streams"
contains out "ok    check with the configured credentials"
contains out "ok    check with wrong credentials fails clearly: token endpoint $FAKE_URL/services/oauth2/token refused the oauth2 credentials: HTTP 400"
contains out "ok    full sync: 95 records"
contains out "no record emitted twice"
contains out "ok    incremental sync right after: 0 changed, 5 requests"
contains out "and resumed: the same store as an uninterrupted sync"
contains out ", 0 failed"
lacks out "FAIL"
no_secrets Kit-S3cret-x 5Aep-kit-refresh
fake_stop

# A session id (bearer) in a single-currency org.
fake_start salesforce --auth bearer --token '00Dkit!AQ.session-x' --records 30 --page-size 7 \
	--single-currency GBP
http_conf salesforce "token = 00Dkit!AQ.session-x"
expect_rc 0 "$SALESYNC" plugin-test plugins/salesforce.so --config c.ini
contains out "ok    check with wrong credentials fails clearly: GET $FAKE_URL/services/data/v62.0/query"
contains out "HTTP 401: the tool refused the bearer credentials"
contains out "ok    full sync: 66 records"
contains out ", 0 failed"
lacks out "FAIL"
