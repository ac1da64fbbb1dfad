#!/bin/sh
# --full ignores cursors and soft-deletes what the tool no longer has;
# deleted records leave exports unless asked for, and come back if seen.
. "$(dirname "$0")/lib.sh"
plugins fixture
conf() {
	printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[fx]\nplugin = fixture\nleads = %s\n' "$1" > c.ini
}
conf 5
expect_rc 0 "$SALESYNC" -c c.ini sync
conf 3
expect_rc 0 "$SALESYNC" -c c.ini sync
[ "$(sql 'select count(*) from leads where deleted = 1')" = 0 ] || fail "incremental must not delete"
expect_rc 0 "$SALESYNC" -c c.ini sync --full
contains out "2 deleted"
[ "$(sql 'select group_concat(id) from leads where deleted = 1 order by id')" = "L4,L5" ] || fail "L4, L5 deleted"
expect_rc 0 "$SALESYNC" -c c.ini export leads
lacks out "fx,L4,"
expect_rc 0 "$SALESYNC" -c c.ini export leads --include-deleted
contains out "fx,L4,"
conf 5
expect_rc 0 "$SALESYNC" -c c.ini sync --full
[ "$(sql 'select count(*) from leads where deleted = 1')" = 0 ] || fail "seen again: undeleted"
# A full sync that fails deletes nothing.
printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[fx]\nplugin = fixture\nleads = 5\nfail_at = 2\n' > c.ini
expect_rc 1 "$SALESYNC" -c c.ini sync --full
[ "$(sql 'select count(*) from leads where deleted = 1')" = 0 ] || fail "failed full sync deleted"
