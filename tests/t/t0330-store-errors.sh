#!/bin/sh
# Store problems: a path that cannot be created, a file that is not a
# store, a store locked by another writer. Clear errors, scriptable codes.
. "$(dirname "$0")/lib.sh"
plugins fixture
printf '[salesync]\nstore = nodir/sub/store.db\nplugin_dir = plugins\n[fx]\nplugin = fixture\n' > c.ini
expect_rc 74 "$SALESYNC" -c c.ini sync
contains err "nodir/sub/store.db"

printf 'this is a spreadsheet, not a database\n%.0s' $(seq 1 200) > store.db
printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[fx]\nplugin = fixture\n' > c.ini
expect_rc 74 "$SALESYNC" -c c.ini sync
contains err "store.db"
contains err "not an SQLite database"
head -n 1 store.db | grep -q "this is a spreadsheet" || fail "the foreign file was changed"

rm -f store.db
expect_rc 0 "$SALESYNC" -c c.ini sync
# Another writer holds the write lock for longer than the busy timeout.
(printf 'BEGIN IMMEDIATE;\nINSERT INTO cursors VALUES ("x", "y", "z", "t");\n'; sleep 8; printf 'ROLLBACK;\n') | sqlite3 store.db &
sleep 1
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "locked by another writer"
wait
expect_rc 0 "$SALESYNC" -c c.ini sync
