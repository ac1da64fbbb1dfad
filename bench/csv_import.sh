#!/bin/sh
# Benchmark: import a ROWS-row leads CSV (default 1,000,000) through the
# csv plugin, and the same file with `sqlite3 .import` into a table with
# the same columns. Prints rows/s, peak RSS and the ratio. Not a test.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
ROWS=${ROWS:-1000000}
W=$(mktemp -d "${TMPDIR:-/tmp}/salesync-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
chmod 755 "$W"

python3 "$TOP/bench/gen_leads.py" "$W/leads.csv" "$ROWS"
mkdir "$W/plugins" && chmod 755 "$W/plugins"
cp "$BUILD/plugins/csv.so" "$W/plugins/" && chmod 755 "$W/plugins/csv.so"
cat > "$W/bench.ini" <<EOT
[salesync]
store = store.db
plugin_dir = plugins
[leads]
plugin = csv
path = leads.csv
kind = leads
on_bad_row = skip
EOT
size=$(du -h "$W/leads.csv" | cut -f1)
echo "salesync csv import: $ROWS rows ($size)"
set -- $(python3 "$TOP/bench/measure.py" "$BUILD/salesync" -q -c "$W/bench.ini" sync)
ss_s=$1 ss_kb=$2
stored=$(sqlite3 "$W/store.db" 'select count(*) from leads')
[ "$stored" -eq "$ROWS" ] || { echo "bench: only $stored of $ROWS rows stored" >&2; exit 1; }

# The same columns as the file's header, all TEXT, as .import would make.
header=$(head -n 1 "$W/leads.csv" | tr -d '\r')
cols=$(echo "$header" | awk -F, '{for (i = 1; i <= NF; i++) printf "%s\"%s\" TEXT", (i > 1 ? ", " : ""), $i}')
sqlite3 "$W/plain.db" "CREATE TABLE leads ($cols);"
set -- $(python3 "$TOP/bench/measure.py" sqlite3 "$W/plain.db" -cmd ".mode csv" ".import --skip 1 $W/leads.csv leads")
sq_s=$1 sq_kb=$2

awk -v rows="$ROWS" -v a="$ss_s" -v ak="$ss_kb" -v b="$sq_s" -v bk="$sq_kb" 'BEGIN {
	printf "salesync sync:   %8.2f s  %10.0f rows/s  peak RSS %6.1f MiB\n", a, rows / a, ak / 1024
	printf "sqlite3 .import: %8.2f s  %10.0f rows/s  peak RSS %6.1f MiB\n", b, rows / b, bk / 1024
	printf "ratio (salesync time / sqlite3 time): %.2f\n", a / b
}'
