#!/bin/sh
# A plugin that fails, crashes, calls exit(), hangs or runs out of quota:
# the runner survives, records the run, and the store keeps exactly the
# last checkpoint (records and cursors together).
. "$(dirname "$0")/lib.sh"
plugins fixture
conf() {
	cat > c.ini <<EOT
[salesync]
store = store.db
plugin_dir = plugins
[fx]
plugin = fixture
leads = 10
batch = 4
$1
EOT
}

# Error after two checkpoints: 8 leads kept, cursor at L8.
conf "fail_at = 10"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "failed"
contains out "fixture fails at lead 10"
[ "$(sql 'select count(*) from leads')" = 8 ] || fail "8 leads after failure"
[ "$(sql 'select value from cursors where stream = "leads"')" = L8 ] || fail "cursor at last checkpoint"
[ "$(sql 'select status || ":" || leads_inserted from runs order by id desc limit 1')" = "failed:8" ] || fail "run row"

# Crash (SIGSEGV) at lead 6 after a checkpoint at 4.
rm -rf store.db*
conf "crash_at = 6"
# Under AddressSanitizer, let the SIGSEGV kill the worker as it would
# without it, instead of ASan reporting and exiting.
ASAN_OPTIONS="handle_segv=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "worker crashed: SIGSEGV"
[ "$(sql 'select count(*) from leads')" = 4 ] || fail "4 leads after crash"
[ "$(sql 'select value from cursors')" = L4 ] || fail "cursor after crash"
contains /dev/stdin "SIGSEGV" <<EOT
$(sql 'select error from runs')
EOT

# exit() from inside the plugin.
rm -rf store.db*
conf "exit_at = 2"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "ended the worker process (exit status 3)"
[ "$(sql 'select count(*) from leads')" = 0 ] || fail "nothing committed before exit"
[ "$(sql 'select status from runs')" = failed ] || fail "run failed"

# exit(0) without finishing is no success; abort() is a crash.
rm -rf store.db*
conf "exit_at = 2
exit_code = 0"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "ended the worker process (exit status 0) before the run finished"
rm -rf store.db*
conf "abort_at = 6"
ASAN_OPTIONS="handle_abort=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "worker crashed: SIGABRT"
[ "$(sql 'select count(*) from leads')" = 4 ] || fail "4 leads after abort"

# A hang past timeout =: SIGTERM is ignored by the hung code, SIGKILL ends it.
rm -rf store.db*
conf "hang_at = 6
timeout = 1s"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "timed out"
[ "$(sql 'select count(*) from leads')" = 4 ] || fail "4 leads after timeout"

# Quota spent: partial, and what was emitted is kept.
rm -rf store.db*
conf "quota_at = 7"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "partial"
[ "$(sql 'select count(*) from leads')" = 6 ] || fail "6 leads after quota"
[ "$(sql 'select status from runs')" = partial ] || fail "run partial"

# A record the host refuses (bad time) is skipped by this plugin and counted.
rm -rf store.db*
conf "bad_at = 3"
expect_rc 0 "$SALESYNC" -c c.ini sync
contains out "1 skipped"
contains err "created_at 'not a time' is not a time"
[ "$(sql 'select count(*) from leads')" = 9 ] || fail "9 leads after one skip"

# Inline (--no-fork) gives the same result for an error.
rm -rf store.db*
conf "fail_at = 10"
expect_rc 1 "$SALESYNC" -c c.ini sync --no-fork
[ "$(sql 'select count(*) from leads')" = 8 ] || fail "8 leads after failure, inline"

# Open fails: a clear error.
plugins fail_open
printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[bad]\nplugin = fail_open\n' > c.ini
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "fail_open refuses to open"
