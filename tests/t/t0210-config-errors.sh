#!/bin/sh
# Bad configuration: every error names file:line, the exit code is 78, and
# nothing is written to the store.
. "$(dirname "$0")/lib.sh"
plugins fixture

bad() { # bad EXPECTED-TEXT: config is in $T/c.ini
	expect_rc 78 "$SALESYNC" -c "$T/c.ini" sync
	contains "$T/err" "$1"
	[ ! -e "$T/store.db" ] || fail "a bad config created the store"
}

expect_rc 78 "$SALESYNC" -c "$T/missing.ini" sync
contains "$T/err" "$T/missing.ini"

printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[fx\nplugin = fixture\n' > c.ini
bad "c.ini:4"

printf '[salesync]\nstore = store.db\nplugin_dir = plugins\ncolour = blue\n' > c.ini
bad "c.ini:4"

printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[fx]\nplugin = fixture\nevery = soon\n' > c.ini
bad "c.ini:6"

printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[fx]\nplugin = fixture\nleads = many\n' > c.ini
bad "c.ini:6"

printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[fx]\nplugin = fixture\nno_such_option = 1\n' > c.ini
bad "c.ini:6"
contains "$T/err" "no_such_option"

printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[fx]\nplugin = fixture\nmode = c\n' > c.ini
bad "c.ini:6"

unset SALESYNC_TEST_UNSET_VAR || true
printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[fx]\nplugin = fixture\ntoken = ${SALESYNC_TEST_UNSET_VAR}\n' > c.ini
bad "c.ini:6"
contains "$T/err" "SALESYNC_TEST_UNSET_VAR"

# A secret from the environment works, and is never printed or stored.
SALESYNC_TEST_TOKEN=s3cr3t-T0ken
export SALESYNC_TEST_TOKEN
printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[fx]\nplugin = fixture\ntoken = ${SALESYNC_TEST_TOKEN}\n' > c.ini
expect_rc 0 "$SALESYNC" -c "$T/c.ini" -v sync
contains "$T/err" "using token ***"
lacks "$T/err" "s3cr3t"
lacks "$T/out" "s3cr3t"
if grep -q "s3cr3t" "$T"/store.db*; then fail "secret stored"; fi
# check with a wrong token: refused, and the error is redacted too.
expect_rc 1 "$SALESYNC" -c "$T/c.ini" check
contains "$T/out" "token *** refused"
lacks "$T/out" "s3cr3t"

# A secret from a file.
printf 'good\n' > token.txt
printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[fx]\nplugin = fixture\ntoken = file:token.txt\n' > c.ini
expect_rc 0 "$SALESYNC" -c "$T/c.ini" check
contains "$T/out" "fx"
contains "$T/out" "ok"

# No config anywhere: the places searched are named.
mkdir empty && cd empty
expect_rc 78 "$SALESYNC" status
contains "$T/err" "salesync.ini"
