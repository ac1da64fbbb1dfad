#!/bin/sh
# api->http->prefetch and api->json_find (SDK 1.2): a page asked for ahead
# is sent once and served to the request() that asks for it; a prefetch
# nobody asks for is dropped and the real request is sent; a prefetched
# page that fails fails the request() that asks for it, with the same
# message, and the store keeps the last checkpoint.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
. "$TOP/tests/t/http.sh"
plugins httpfix

fake_start acme --auth bearer --token tok-Pref3tch --records 30
leads() { sql "select id || ' ' || ifnull(email, '') || ' ' || ifnull(status, '') from leads order by id"; }
api_log() { fake_ctl log api > log.json; }
# the page cursors asked for, one line per request ("" for the first page)
cursors() { python3 -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)["query"].get("cursor", [""])[0])' log.json; }

# Without prefetch: the reference store, one request per page.
http_conf httpfix "token = tok-Pref3tch" "page_size = 4"
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 30 new"
leads > want.txt
api_log
[ "$(wc -l < log.json)" -eq 8 ] || fail "8 pages of 4 expected, got $(wc -l < log.json) requests"

# prefetch = next: the same store from the same 8 requests, none twice.
rm -rf store.db*
http_conf httpfix "token = tok-Pref3tch" "page_size = 4" "prefetch = next"
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 30 new"
contains out "8 requests"
leads > got.txt
cmp -s want.txt got.txt || fail "prefetch=next stored something else: $(diff want.txt got.txt)"
api_log
[ "$(wc -l < log.json)" -eq 8 ] || fail "prefetch=next: 8 requests expected, got $(wc -l < log.json)"
[ -z "$(cursors | sort | uniq -d)" ] || fail "a page was fetched twice: $(cursors | sort | uniq -d)"

# prefetch = wrong: each guess (limit=1) is dropped, each real page sent.
rm -rf store.db*
http_conf httpfix "token = tok-Pref3tch" "page_size = 4" "prefetch = wrong"
fake_ctl reset-log >/dev/null
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 30 new"
contains out "15 requests"
leads > got.txt
cmp -s want.txt got.txt || fail "prefetch=wrong stored something else: $(diff want.txt got.txt)"
api_log
[ "$(grep -cF '"limit": ["1"]' log.json)" -eq 7 ] || fail "7 dropped guesses expected"
[ "$(grep -cF '"limit": ["4"]' log.json)" -eq 8 ] || fail "8 real pages expected"
[ "$(sql 'select requests from runs order by id desc limit 1')" = 15 ] || fail "the run counts 15"

# A prefetched page that keeps failing: the same error as without
# prefetch, at the request that asks for it; the first page stays.
rm -rf store.db*
http_conf httpfix "token = tok-Pref3tch" "page_size = 4" "prefetch = next" "max_attempts = 3"
fake_ctl control '{"status_sequence": [200, 503, 503, 503]}' >/dev/null
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "HTTP 503 after 3 attempts; the tool keeps failing, try again later"
[ "$(sql 'select count(*) from leads')" = 4 ] || fail "the first page's checkpoint is kept"
[ "$(sql 'select status from runs')" = failed ] || fail "run failed"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 26 new"
leads > got.txt
cmp -s want.txt got.txt || fail "resumed store differs: $(diff want.txt got.txt)"
