#!/bin/sh
# Auth against the acme fake: bearer and API keys (query, header); secrets never show.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins httpfix httpfix_hdr

# --- bearer
fake_start acme --auth bearer --token Bearer-S3cret --records 30 --page-size 10
http_conf httpfix "token = Bearer-S3cret"
expect_rc 0 "$SALESYNC" -c c.ini -v check
contains out "crm"
contains err "signed in as"
if ! "$SALESYNC" -c c.ini -v sync > out 2> err; then tail -n 3 "$T/fake-acme.log"; cat c.ini; fail x; fi || { cat "$T/fake-acme.log" | tail -3; exit 1; }
contains err "GET $FAKE_URL/api/v1/leads"
contains err "-> 200"
no_secrets Bearer-S3cret
http_conf httpfix "token = wrong-T0ken"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 401: the tool refused the bearer credentials"
no_secrets wrong-T0ken
expect_rc 1 "$SALESYNC" -c c.ini check
contains out "refused the bearer credentials"

# --- API key in the query (redacted from logged URLs), and in a header
rm -rf store.db*
fake_ctl reset-log >/dev/null
FAKE_URL_BEARER=$FAKE_URL
fake_start acme --auth apikey-query --key-query api_key --token Qu3ry-Key --records 5
http_conf httpfix "token = Qu3ry-Key" "auth = api_key"
expect_rc 0 "$SALESYNC" -c c.ini -v sync
contains out "leads 5 new"
contains err "api_key=***"
no_secrets Qu3ry-Key

fake_start acme --auth apikey-header --key-header X-Api-Key --token H3ader-Key --records 5
rm -rf store.db*
http_conf httpfix_hdr "token = H3ader-Key" "auth = api_key"
expect_rc 0 "$SALESYNC" -c c.ini -v sync
contains out "leads 5 new"
no_secrets H3ader-Key

