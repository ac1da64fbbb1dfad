#!/bin/sh
# Help on every command, version, usage errors exit 2.
. "$(dirname "$0")/lib.sh"
expect_rc 0 "$SALESYNC" --help
contains out "Usage: salesync"
for c in sync check plugins status export; do
	expect_rc 0 "$SALESYNC" "$c" --help
	contains out "Usage: salesync [-c FILE] $c"
done
expect_rc 0 "$SALESYNC" --version
contains out "salesync 0."
expect_rc 2 "$SALESYNC" frobnicate
contains err "unknown command 'frobnicate'"
expect_rc 2 "$SALESYNC"
expect_rc 2 "$SALESYNC" sync --bogus
expect_rc 2 "$SALESYNC" export
plugins fixture
printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[fx]\nplugin = fixture\n' > c.ini
expect_rc 2 "$SALESYNC" -c c.ini sync nosuch
contains err "no instance 'nosuch'"
expect_rc 0 "$SALESYNC" -c c.ini plugins fixture
contains out "leads  (int, default 3)"
contains out "token  (string, secret)"
contains out "mode  (enum: a|b, default a)"
