# Shared helpers for the end-to-end tests: each test sources this file,
# gets a private temp dir ($T) removed on exit, and runs the real binary.
set -eu
[ -z "${KEEP:-}" ] || set -x
LC_ALL=C
export LC_ALL
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
SALESYNC=$BUILD/salesync
T=$(mktemp -d "${TMPDIR:-/tmp}/salesync-test.XXXXXX")
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
cd "$T"
# No user's config may leak into a test.
XDG_CONFIG_HOME=$T/xdg
export XDG_CONFIG_HOME
unset SALESYNC_CONFIG 2>/dev/null || true

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# plugins NAME...: a plugin dir $T/plugins with those test/real plugins.
plugins() {
	mkdir -p "$T/plugins"
	chmod 755 "$T/plugins"
	for p in "$@"; do
		if [ -f "$BUILD/plugins/$p.so" ]; then
			cp "$BUILD/plugins/$p.so" "$T/plugins/"
		else
			cp "$BUILD/testplugins/$p.so" "$T/plugins/"
		fi
		chmod 755 "$T/plugins/$p.so"
	done
}

# expect_rc RC CMD...: runs CMD, output in $T/out and $T/err, checks exit.
expect_rc() {
	want=$1
	shift
	set +e
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	set -e
	if [ "$got" -ne "$want" ]; then
		echo "--- stdout" >&2; cat "$T/out" >&2
		echo "--- stderr" >&2; cat "$T/err" >&2
		fail "expected exit $want, got $got: $*"
	fi
}

# contains FILE TEXT: FILE has TEXT (fixed string).
contains() {
	grep -qF -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; fail "$1 lacks: $2"; }
}

lacks() {
	if grep -qF -- "$2" "$1"; then echo "--- $1:" >&2; cat "$1" >&2; fail "$1 has: $2"; fi
}

# sql QUERY: runs QUERY on the test store.
sql() {
	sqlite3 "$T/store.db" "$1"
}

