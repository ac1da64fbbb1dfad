#!/bin/sh
# The HTML report renders in headless Chromium (Debian's chromium package,
# installed by tools/deps.sh): its charts and tables are in the rendered
# DOM, and a screenshot is produced. Skipped when chromium is missing.
. "$(dirname "$0")/lib.sh"
if ! command -v chromium >/dev/null 2>&1; then
	echo "SKIP: chromium not installed"
	exit 0
fi
plugins csv
D=$TOP/config/demo
cat > c.ini <<EOT
[salesync]
store = store.db
plugin_dir = plugins
[reps]
plugin = csv
path = $D/reps.csv
kind = reps
[leads]
plugin = csv
path = $D/leads.csv
[deals]
plugin = csv
path = $D/deals.csv
kind = deals
currency = USD
[quotas]
plugin = csv
path = $D/quotas.csv
kind = metrics
metric_name = quota.amount_minor
EOT
expect_rc 0 "$SALESYNC" -c c.ini sync
expect_rc 0 "$SALESYNC" -c c.ini report --since 2026-11-01 --until 2026-11-30 --format html \
    -o "$T/report.html"

# No network, no profile outside $T; a hung browser must not hang the test.
chrome() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	    --disable-background-networking --disable-component-update --disable-sync \
	    --user-data-dir="$T/ud" "$@"
}
HOME=$T
export HOME
chrome --dump-dom "file://$T/report.html" > dom.html 2>chrome.err ||
	{ cat chrome.err >&2; fail "chromium --dump-dom"; }
for want in 'class="chart chart-funnel"' 'class="chart chart-weeks"' \
    'class="chart chart-pipeline"' 'class="chart chart-forecast"' \
    'class="chart chart-quota"' '<table id="follow-up-queue">' '<table id="pipeline-table">' \
    '<table id="forecast-table">' '<table id="targets-table">' '<table id="health-table">' \
    '<rect' 'Sales-ops report'; do
	contains dom.html "$want"
done
# Every section made it into the document.
[ "$(grep -o '<section id=' dom.html | wc -l)" -eq 10 ] || fail "ten sections in the DOM"
# One SVG chart per currency for pipeline and forecast (the demo has three).
[ "$(grep -o 'class="chart chart-pipeline"' dom.html | wc -l)" -eq 3 ] || fail "3 pipeline charts"
[ "$(grep -o 'class="chart chart-forecast"' dom.html | wc -l)" -eq 3 ] || fail "3 forecast charts"

chrome --screenshot="$T/shot.png" --window-size=1280,2000 "file://$T/report.html" \
    >/dev/null 2>chrome.err || { cat chrome.err >&2; fail "chromium --screenshot"; }
[ -s "$T/shot.png" ] || fail "no screenshot"
# A PNG: the 8-byte signature, and not a blank page (a blank 1280x2000
# page compresses to a few kilobytes).
[ "$(head -c 8 "$T/shot.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "not a PNG"
[ "$(wc -c < "$T/shot.png")" -gt 20000 ] || fail "screenshot looks blank"
