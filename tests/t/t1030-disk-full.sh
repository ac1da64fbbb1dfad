#!/bin/sh
# The store's disk fills up mid-sync: the run fails with a clear error,
# the store keeps its last checkpoint, the daemon carries on, and once
# there is room again the next run completes. Needs a small tmpfs (root);
# skipped where mounting is not allowed.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/t/daemon.sh"
mkdir small
if ! mount -t tmpfs -o size=400k tmpfs small 2>/dev/null; then
	echo "SKIP: cannot mount a small tmpfs here (needs root)"
	exit 0
fi
trap 'kill "$DAEMON" 2>/dev/null || true; umount "$T/small" 2>/dev/null || true; rm -rf "$T"' EXIT
plugins fixture
cat > c.ini <<EOT
[salesync]
store = small/store.db
plugin_dir = plugins
[big]
plugin = fixture
leads = 20000
batch = 500
EOT
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "failed"
contains out "full"
n=$(sqlite3 small/store.db 'select count(*) from leads')
[ $((n % 500)) -eq 0 ] || fail "store must hold whole checkpoints, has $n leads"
c=$(sqlite3 small/store.db 'select value from cursors')
[ "$c" = "L$n" ] || [ -z "$c" -a "$n" -eq 0 ] || fail "cursor $c does not match $n leads"
# The daemon survives the same, and the run after it succeeds with room.
sed -i 's/^leads = 20000$/leads = 20000\nevery = 1h/' c.ini
sed -i 's|^store = small/store.db$|store = small/store.db\nsocket = sock|' c.ini
"$SALESYNC" -c c.ini daemon 2>daemon.log &
DAEMON=$!
wait_for 'grep -q "run #2 failed" daemon.log'
kill -0 "$DAEMON" || fail "daemon died on a full disk"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exit"
umount small
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(sql 'select count(*) from leads' 2>/dev/null || sqlite3 small/store.db 'select count(*) from leads')" = 20000 ] || fail "all leads after room"
