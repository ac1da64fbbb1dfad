#!/bin/sh
# SIGTERM mid-sync: the run stops at a checkpoint, nothing committed is
# lost, and the resumed run ends with exactly the data of an uninterrupted
# one. An on-demand sync of an instance that is running waits its turn: the
# two runs never overlap.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/t/daemon.sh"
plugins fixture
cat > c.ini <<EOT
[salesync]
store = store.db
plugin_dir = plugins
shutdown_grace = 10s
[slow]
plugin = fixture
every = 1h
leads = 30
batch = 5
delay_ms = 60
EOT
start_daemon
trap 'kill "$DAEMON" 2>/dev/null || true; rm -rf "$T"' EXIT
# While the scheduled run is going, an on-demand sync queues behind it.
wait_for '[ "$(sql "select count(*) from runs where status = \"running\"")" = 1 ]'
expect_rc 0 "$SALESYNC" -c c.ini sync slow
contains out "slow"
contains out "ok"
[ "$(sql 'select count(*) from runs')" = 2 ] || fail "two runs"
[ "$(sql 'select a.finished_at <= b.started_at from runs a, runs b where a.id = 1 and b.id = 2')" = 1 ] || fail "runs overlapped"

# SIGTERM during a run.
sqlite3 store.db 'delete from leads; delete from cursors;'
"$SALESYNC" -c c.ini sync slow >/dev/null 2>&1 &
wait_for '[ "$(sql "select count(*) from leads")" -ge 10 ]'
stop_daemon
wait || true
got=$(sql 'select count(*) from leads')
[ $((got % 5)) -eq 0 ] && [ "$got" -lt 30 ] || fail "expected a checkpoint's worth of leads, got $got"
[ "$(sql 'select status from runs order by id desc limit 1')" = cancelled ] || fail "run cancelled: $(sql 'select status, error from runs order by id desc limit 1')"
contains daemon.log "get 10s to reach a checkpoint"

# Resume without the daemon: the same data as one uninterrupted run.
expect_rc 0 "$SALESYNC" -c c.ini sync slow
sed 's/store.db/ref.db/' c.ini > ref.ini
expect_rc 0 "$SALESYNC" -c ref.ini sync slow
"$SALESYNC" -c c.ini export leads > a.csv
"$SALESYNC" -c ref.ini export leads > b.csv
cmp a.csv b.csv || fail "resumed store differs from an uninterrupted one"
[ "$(wc -l < a.csv)" -eq 31 ] || fail "30 leads expected"
