#!/bin/sh
# A sync stores normalized records, counts them, and a second sync finds
# them unchanged; status and export show them.
. "$(dirname "$0")/lib.sh"
plugins fixture
cat > c.ini <<EOT
[salesync]
store = store.db
plugin_dir = plugins

[fx]
plugin = fixture
leads = 5
status.Junk = unqualified
EOT
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "fx"
contains out "leads 5 new, 0 updated, 0 unchanged, 0 deleted"
[ "$(sql 'select count(*) from leads where source = "fx"')" = 5 ] || fail "5 leads expected"
[ "$(sql 'select email from leads where id = "L1"')" = "lead1@example.com" ] || fail "email not normalized"
[ "$(sql 'select email from reps where id = "R1"')" = "rep.one@example.com" ] || fail "rep email not normalized"
[ "$(sql 'select updated_at from leads where id = "L1"')" = "2026-11-02T08:00:00Z" ] || fail "time not UTC"
[ "$(sql 'select status || "/" || status_raw from leads where id = "L1"')" = "working/Contacted" ] || fail "plugin default mapping"
[ "$(sql 'select status || "/" || status_raw from leads where id = "L3"')" = "unqualified/Junk" ] || fail "INI mapping override"
[ "$(sql 'select status from leads where id = "L2"')" = qualified ] || fail "canonical raw word"
[ "$(sql 'select status is null from leads where id = "L4"')" = 1 ] || fail "unknown raw status must stay NULL"
[ "$(sql 'select amount_minor || " " || currency || " " || stage from deals where id = "D1"')" = "1250050 EUR won" ] || fail "deal amount"
[ "$(sql 'select typeof(amount_minor) from deals')" = integer ] || fail "amount must be an integer"
[ "$(sql 'select dims || " " || rep_email || " " || value from metrics')" = '{"currency":"EUR"} rep.one@example.com 5000000' ] || fail "metric"
[ "$(sql 'select status from runs')" = ok ] || fail "run row"

expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 0 new, 0 updated, 5 unchanged, 0 deleted"

expect_rc 0 "$SALESYNC" -c c.ini status
contains out "fx"
contains out "ok"
contains out "cursor: 20"

expect_rc 0 "$SALESYNC" -c c.ini export leads
head -n 1 out | grep -q '^source,id,email,first_name,last_name,company,title,phone,status,status_raw,channel,owner_id,created_at,updated_at,last_activity_at,converted_at,deleted,extra' || fail "csv header"
[ "$(wc -l < out)" -eq 6 ] || fail "csv rows"
contains out 'fx,L1,lead1@example.com,Zoë'
contains out '"{""a"":""x"",""b"":1}"'
expect_rc 0 "$SALESYNC" -c c.ini export deals --format jsonl
contains out '"amount_minor":1250050'
contains out '"id":"D1"'
expect_rc 0 "$SALESYNC" -c c.ini export metrics --format jsonl --source fx
contains out '"dims":{"currency":"EUR"}'
expect_rc 2 "$SALESYNC" -c c.ini export widgets
expect_rc 2 "$SALESYNC" -c c.ini export leads --format xml
