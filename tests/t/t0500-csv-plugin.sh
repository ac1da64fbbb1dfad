#!/bin/sh
# The csv plugin through the real host: the demo spreadsheets, bad rows
# (skip counts them, fail names file:line and keeps the last checkpoint),
# and an export that is safe to open in a spreadsheet.
. "$(dirname "$0")/lib.sh"
plugins csv
D=$TOP/config/demo
cat > c.ini <<EOT
[salesync]
store = store.db
plugin_dir = plugins
[reps]
plugin = csv
path = $D/reps.csv
kind = reps
[leads]
plugin = csv
path = $D/leads.csv
[deals]
plugin = csv
path = $D/deals.csv
kind = deals
currency = USD
[quotas]
plugin = csv
path = $D/quotas.csv
kind = metrics
metric_name = quota.amount_minor
EOT
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "leads 300 new"
contains out "deals 80 new"
contains out "reps 8 new"
contains out "metrics 90 new"
[ "$(sql 'select count(*) from leads where email <> lower(trim(email))')" = 0 ] || fail "emails normalized"
[ "$(sql 'select count(distinct status) from leads where status is not null')" -ge 4 ] || fail "statuses mapped"
[ "$(sql 'select count(*) from deals where stage is null')" = 0 ] || fail "every demo stage maps"
[ "$(sql 'select count(distinct currency) from deals')" = 3 ] || fail "three currencies"
[ "$(sql 'select typeof(value) from metrics limit 1')" = integer ] || fail "quota is an integer"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "nothing changed"
expect_rc 0 "$SALESYNC" -c c.ini sync --full leads
contains out "leads 0 new, 0 updated, 300 unchanged, 0 deleted"

# Bad rows: a wrong column count, a bad date, a bad amount, invalid UTF-8.
printf 'Lead ID,Email,Company,Created\r\nA1,a1@x.example,"=HYPERLINK(""http://evil"")",2026-01-02\r\nA2,a2@x.example,Two\r\nA3,a3@x.example,Three,31/31/2026\r\nA4,a4@x.example,\377bad,2026-01-03\r\nA5,a5@x.example,"Five, Inc.",2026-01-04\r\n' > bad.csv
cat > b.ini <<EOT
[salesync]
store = store.db
plugin_dir = plugins
[sheet]
plugin = csv
path = bad.csv
on_bad_row = skip
EOT
expect_rc 0 "$SALESYNC" -c b.ini sync
contains out "leads 2 new"
contains out "3 skipped"
contains err "bad.csv:3"
contains err "bad.csv:4"
contains err "bad.csv:5"
expect_rc 0 "$SALESYNC" -c b.ini export leads --source sheet
contains out "\"'=HYPERLINK(\"\"http://evil\"\")\""
contains out '"Five, Inc."'

# on_bad_row = fail: the run fails naming file:line; with batch = 1 the
# row before it was committed and stays.
cat > f.ini <<EOT
[salesync]
store = f.db
plugin_dir = plugins
[sheet]
plugin = csv
path = bad.csv
batch = 1
EOT
expect_rc 1 "$SALESYNC" -c f.ini sync
contains out "bad.csv:3"
[ "$(sqlite3 f.db 'select count(*) from leads')" = 1 ] || fail "one checkpointed row kept"
[ "$(sqlite3 f.db 'select status from runs')" = failed ] || fail "run failed"

# Unbalanced quote at the end of the file: fails with the line it opened on.
printf 'Lead ID,Email\nB1,b1@x.example\nB2,"b2@x.example\n' > open.csv
sed -i "s|bad.csv|open.csv|" f.ini
expect_rc 1 "$SALESYNC" -c f.ini sync
contains out "open.csv:3"
