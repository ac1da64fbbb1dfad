#!/bin/sh
# Installs the Debian packages salesync needs to build and test, when it
# can (root, or sudo without a password); otherwise prints the exact
# command to run and fails. Used by `make demo` and by .ci/run. chromium is
# for the test that renders the HTML report (tests/t/t0710-report-html.sh).
PKGS="build-essential pkg-config libcurl4-openssl-dev libssl-dev libmicrohttpd-dev libjansson-dev libinih-dev libsqlite3-dev libcmocka-dev sqlite3 python3 chromium"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
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
