#!/bin/sh
# The daemon runs instances on their schedule, answers on its control
# socket, and the CLI's sync, status, runs, metrics, pause, resume and
# reset work through it; SIGTERM stops it cleanly.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/t/daemon.sh"
plugins fixture
cat > c.ini <<EOT
[salesync]
store = store.db
plugin_dir = plugins
[fast]
plugin = fixture
every = 1s
leads = 3
[manual]
plugin = fixture
leads = 2
id_prefix = M
EOT
start_daemon
trap 'kill "$DAEMON" 2>/dev/null || true; rm -rf "$T"' EXIT
wait_for '[ "$(sql "select count(*) from runs where instance = \"fast\" and status = \"ok\"")" -ge 2 ]'
[ "$(sql 'select count(*) from runs where instance = "manual"')" = 0 ] || fail "manual has no schedule"

# sync goes through the daemon, with the same summary.
expect_rc 0 "$SALESYNC" -c c.ini sync manual
contains err "the daemon (socket $T/store.db.sock) runs the sync"
contains out "manual"
contains out "leads 2 new"
expect_rc 0 "$SALESYNC" -c c.ini status
contains out "daemon: running (pid $DAEMON"
contains out "daemon: idle, next run 20"
expect_rc 0 "$SALESYNC" -c c.ini runs --limit 3
contains out "fast"
expect_rc 0 "$SALESYNC" -c c.ini runs manual
contains out "manual"
lacks out " fast "
expect_rc 0 "$SALESYNC" -c c.ini metrics
contains out '# TYPE salesync_runs_total counter'
contains out 'salesync_runs_total{instance="manual",status="ok"} 1'
contains out 'salesync_last_success_timestamp_seconds{instance="fast"}'

ctl '{"cmd":"runs","instance":"manual","limit":5}' > ans
contains ans '"ok":true'
contains ans '"instance":"manual"'
contains ans '"status":"ok"'
lacks ans '"instance":"fast"'

# pause stops the schedule; resume restarts it.
expect_rc 0 "$SALESYNC" -c c.ini pause fast
sleep 0.5
n=$(sql 'select count(*) from runs where instance = "fast"')
sleep 2.2
[ "$(sql 'select count(*) from runs where instance = "fast"')" = "$n" ] || fail "paused instance ran"
expect_rc 0 "$SALESYNC" -c c.ini status fast
contains out "daemon: paused"
expect_rc 0 "$SALESYNC" -c c.ini resume fast
wait_for '[ "$(sql "select count(*) from runs where instance = \"fast\"")" -gt "$n" ]'

# reset through the daemon.
[ "$(sql 'select count(*) from cursors where source = "manual"')" = 1 ] || fail "manual cursor"
expect_rc 0 "$SALESYNC" -c c.ini reset manual
contains out "manual: cursors reset"
[ "$(sql 'select count(*) from cursors where source = "manual"')" = 0 ] || fail "reset"
expect_rc 1 "$SALESYNC" -c c.ini pause nosuch
contains err "no instance 'nosuch'"

stop_daemon
[ ! -e store.db.sock ] || fail "socket left behind"
contains daemon.log "level=info msg=\"daemon stopped\""
contains daemon.log "instance=fast msg=\"run #"
# Without the daemon, the CLI works alone; pause needs the daemon.
expect_rc 0 "$SALESYNC" -c c.ini sync manual
lacks err "runs the sync"
expect_rc 0 "$SALESYNC" -c c.ini status
contains out "daemon: not running"
expect_rc 1 "$SALESYNC" -c c.ini pause
contains err "pause needs a running daemon"
expect_rc 0 "$SALESYNC" -c c.ini reset manual
