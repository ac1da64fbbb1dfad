#!/bin/sh
# Benchmark of the hubspot plugin against the fake HubSpot on loopback. Not
# a test. For each size in SIZES (default "10000 100000 1000000" contacts):
#   - a first sync through salesync (contacts, plus owners and an empty deals
#     stream), records/s and peak RSS;
#   - the floor, bench/hubspot_floor.c (libcurl + jansson + one prepared
#     SQLite statement per page, strictly sequential), pulling the same
#     contact pages in the same run; the throughput ratio salesync / floor;
#   - an incremental sync with nothing changed: requests per stream.
# Then a first sync of RL_RECORDS contacts (default 20000) against a rolling
# limit of RL_RATE requests per second (default 10) in the fake, against the
# theoretical minimum (records / page size / rate), once obeying HubSpot's
# rate-limit headers alone and once with rate_limit = RL_RATE/1s as well.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
SIZES=${SIZES:-"10000 100000 1000000"}
RL_RECORDS=${RL_RECORDS:-20000}
RL_RATE=${RL_RATE:-10}
PAGE=100
T=$(mktemp -d "${TMPDIR:-/tmp}/salesync-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"
. "$TOP/tests/fakes/fake.sh"

cc -O2 -o "$T/hubspot_floor" "$TOP/bench/hubspot_floor.c" -lcurl -ljansson -lsqlite3
mkdir "$T/plugins" && chmod 755 "$T/plugins"
cp "$BUILD/plugins/hubspot.so" "$T/plugins/" && chmod 755 "$T/plugins/hubspot.so"

ini() { # ini FILE [KEY = VALUE]...: an instance of hubspot against the fake
	f=$1
	shift
	{
		printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[crm]\nplugin = hubspot\n'
		printf 'token = bench-token\nbase_url = %s\nmax_attempts = 10\n' "$FAKE_URL"
		for kv in "$@"; do echo "$kv"; done
	} > "$f"
}
measure() { python3 "$TOP/bench/measure.py" "$@"; }
q() { sqlite3 "$T/store.db" "$1"; }

echo "hubspot benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
printf '%-9s  %-30s  %-30s  %-6s  %s\n' contacts "salesync (s, rec/s, peak RSS)" \
	"floor (s, rec/s, peak RSS)" ratio "incremental, nothing changed"
for n in $SIZES; do
	fake_start hubspot --auth bearer --token bench-token --records "$n" --deals 0 --archived 0
	cd "$T"
	rm -rf store.db* floor.db*
	ini bench.ini
	set -- $(measure "$BUILD/salesync" -q -c bench.ini sync)
	ss_s=$1 ss_kb=$2
	stored=$(q 'select count(*) from leads')
	[ "$stored" -eq "$n" ] || { echo "bench: salesync stored $stored of $n" >&2; exit 1; }
	set -- $(measure "$T/hubspot_floor" "$FAKE_URL" bench-token floor.db)
	fl_s=$1 fl_kb=$2
	# Incremental, nothing changed: requests of the run, per stream.
	fake_ctl reset-log >/dev/null
	"$BUILD/salesync" -q -c bench.ini sync >/dev/null
	fake_ctl log api > log.json
	inc="owners $(grep -c '"/crm/v3/owners"' log.json), contacts $(grep -c '"/crm/v3/objects/contacts' log.json), deals $(grep -c '"/crm/v3/objects/deals' log.json)"
	awk -v n="$n" -v a="$ss_s" -v ak="$ss_kb" -v b="$fl_s" -v bk="$fl_kb" -v inc="$inc" 'BEGIN {
		printf "%-9d  %7.2f %8.0f/s %7.1f MiB   %7.2f %8.0f/s %7.1f MiB   %5.2fx  %s\n",
		    n, a, n / a, ak / 1024, b, n / b, bk / 1024, b / a, inc
	}'
	fake_stop
done
echo "(ratio: salesync throughput / floor throughput; both read the same fake in the same run)"

# Rate-limited first sync.
fake_start hubspot --auth bearer --token bench-token --records "$RL_RECORDS" --deals 0 --archived 0
cd "$T"
min=$(awk -v n="$RL_RECORDS" -v p="$PAGE" -v r="$RL_RATE" 'BEGIN { printf "%.2f", n / p / r }')
echo "rate-limited first sync: $RL_RECORDS contacts, fake limit $RL_RATE requests/s (rolling 1 s window," \
	"X-HubSpot-RateLimit-* headers), theoretical minimum $min s"
for variant in headers bucket; do
	rm -rf store.db*
	if [ "$variant" = headers ]; then
		ini bench.ini
	else
		ini bench.ini "rate_limit = $RL_RATE/1s"
	fi
	fake_ctl control "{\"rolling_limit\": {\"limit\": $RL_RATE, \"window_ms\": 1000}}" >/dev/null
	set -- $(measure "$BUILD/salesync" -q -c bench.ini sync)
	s=$1
	st=$(q "select status || ', ' || requests || ' requests, ' || throttled || ' throttled (429), waited ' || (wait_ms / 1000.0) || ' s' from runs order by id desc limit 1")
	awk -v v="$variant" -v s="$s" -v m="$min" -v st="$st" 'BEGIN {
		printf "  %-8s %7.2f s = %.2fx the minimum; run %s\n", v == "headers" ? "headers" : "+bucket", s, s / m, st
	}'
done
fake_stop
