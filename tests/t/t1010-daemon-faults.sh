#!/bin/sh
# The daemon under bad input and faults: a socket in a missing directory,
# a stale socket, a second daemon, malformed requests, a client that never
# sends, crashing plugins (backoff), SIGHUP with a broken and a good config.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/t/daemon.sh"
plugins fixture
# Under AddressSanitizer, let a plugin's SIGSEGV kill its worker as it
# would without it.
ASAN_OPTIONS="handle_segv=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export ASAN_OPTIONS
base='[salesync]
store = store.db
plugin_dir = plugins
max_backoff = 1h'
printf '%s\nsocket = nodir/d.sock\n[fx]\nplugin = fixture\n' "$base" > c.ini
expect_rc 78 "$SALESYNC" -c c.ini daemon
contains err "cannot create the control socket $T/nodir/d.sock"
contains err "does its directory exist?"

cat > c.ini <<EOT
$base
[fx]
plugin = fixture
every = 1h
[crashy]
plugin = fixture
every = 1s
crash_at = 2
EOT
# A stale socket left by a killed daemon is replaced.
python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.bind("store.db.sock")'
[ -S store.db.sock ] || fail "no stale socket made"
start_daemon
trap 'kill "$DAEMON" 2>/dev/null || true; rm -rf "$T"' EXIT
contains daemon.log "replaced the stale socket"
[ "$(stat -c %a store.db.sock)" = 600 ] || fail "socket mode must be 0600"

# A second daemon on the same store is refused.
expect_rc 75 "$SALESYNC" -c c.ini daemon
contains err "another daemon (process $DAEMON) already runs on the store"

# Malformed requests get an error answer and the daemon carries on.
ctl 'this is not json' > ans
contains ans '"ok":false'
contains ans "malformed request"
ctl '{"cmd":"frobnicate"}' > ans
contains ans "unknown cmd 'frobnicate'"
ctl '{"cmd":"sync","instance":"nope"}' > ans
contains ans "no instance 'nope'"
# A client that connects and never sends does not block others.
python3 -c 'import socket, time; s = socket.socket(socket.AF_UNIX); s.connect("store.db.sock"); time.sleep(3)' &
idle=$!
sleep 0.3
ctl '{"cmd":"ping"}' > ans
contains ans '"ok":true'
kill $idle 2>/dev/null || true

# A crashing plugin: runs fail, the daemon lives, the instance backs off.
wait_for '[ "$(sql "select count(*) from runs where instance = \"crashy\" and error like \"%SIGSEGV%\"")" -ge 2 ]'
expect_rc 0 "$SALESYNC" -c c.ini status crashy
contains out "daemon: failing"
contains out "failures in a row (backing off)"
kill -0 "$DAEMON" || fail "the daemon died with its plugin"

# SIGHUP with a broken configuration keeps the old one.
cp c.ini good.ini
printf '[broken\n' >> c.ini
kill -HUP "$DAEMON"
wait_for 'grep -q "keeping the old one" daemon.log'
ctl '{"cmd":"status"}' > ans
contains ans '"instance":"fx"'
# A good new configuration is swapped in: a new instance appears.
cp good.ini c.ini
printf '[added]\nplugin = fixture\nleads = 1\n' >> c.ini
expect_rc 0 "$SALESYNC" -c c.ini reload
contains out "reloaded"
ctl '{"cmd":"status"}' > ans
contains ans '"instance":"added"'
expect_rc 0 "$SALESYNC" -c c.ini sync added
contains out "leads 1 new"
stop_daemon
