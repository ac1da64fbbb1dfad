#!/bin/sh
# Never two runs of one instance at once, across processes: a second sync
# of a busy instance is refused at once, records nothing, and names the
# process that holds it; other instances are not held up.
. "$(dirname "$0")/lib.sh"
plugins fixture
cat > c.ini <<EOT
[salesync]
store = store.db
plugin_dir = plugins
[slow]
plugin = fixture
leads = 10
hang_at = 5
timeout = 3s
[other]
plugin = fixture
leads = 2
EOT
"$SALESYNC" -c c.ini sync slow >slow.out 2>&1 &
slow=$!
i=0
until [ -s store.db.locks/slow ]; do i=$((i + 1)); [ $i -lt 50 ] || fail "no lock file"; sleep 0.1; done
sleep 0.3
expect_rc 1 "$SALESYNC" -c c.ini sync slow
contains out "instance slow is already syncing (process"
expect_rc 0 "$SALESYNC" -c c.ini sync other
wait $slow || true
[ "$(sql 'select count(*) from runs where instance = "slow"')" = 1 ] || fail "the refused run must not be recorded"
# Released when the holder ends, even by SIGKILL after a timeout.
sed -i 's/^hang_at = 5$//' c.ini
expect_rc 0 "$SALESYNC" -c c.ini sync slow
