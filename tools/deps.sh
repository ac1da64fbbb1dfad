#!/bin/sh
# Installs the Debian packages salesync needs, when it can (root, or sudo
# without a password); otherwise prints the exact command to run and
# fails. `make demo` needs the build packages; `make test` (and .ci/run)
# call it with --test for the test tools too. Nothing is done when all is
# there already.
#
#   build: compiler, libcurl, libssl (JWT signatures), libmicrohttpd (the
#          daemon's /metrics), jansson, inih, SQLite
#   test:  cmocka, and the commands the tests drive: python3 (fake
#          servers), sqlite3, openssl, chromium (HTML report)
BUILD_PKGS="build-essential pkg-config libcurl4-openssl-dev libssl-dev libmicrohttpd-dev libjansson-dev libinih-dev libsqlite3-dev"
TEST_PKGS="libcmocka-dev"
# Commands the tests need, with the package that brings each.
TEST_CMDS="python3:python3 sqlite3:sqlite3 openssl:openssl chromium:chromium"

missing=""
want() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || missing="$missing $1"
}
for p in $BUILD_PKGS; do want "$p"; done
if [ "${1:-}" = "--test" ]; then
	for p in $TEST_PKGS; do want "$p"; done
	for pc in $TEST_CMDS; do
		command -v "${pc%%:*}" >/dev/null 2>&1 || missing="$missing ${pc#*:}"
	done
fi
[ -z "$missing" ] && exit 0

echo "salesync: installing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO="sudo"
else
	echo "salesync: missing packages; run this, then try again:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q && $SUDO apt-get install -y -q $missing
