#!/bin/sh
# Runs every test: the cmocka unit binaries in $BUILD/tests and the
# end-to-end scripts tests/t/t*.sh, then prints one summary line
# "N passed, N failed" that CI reads.
BUILD=${BUILD:-build}
export BUILD
LC_ALL=C
export LC_ALL
pass=0
fail=0
failed=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	"$t" >"$log" 2>&1
	rc=$?
	p=$(sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed before cmocka could count
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$rc" -ne 0 ]; then
		failed="$failed $(basename "$t")"
		cat "$log"
	fi
	echo "unit  $(basename "$t"): $p passed, $f failed"
done

for t in tests/t/t[0-9]*.sh; do
	[ -f "$t" ] || continue
	if sh "$t" >"$log" 2>&1; then
		pass=$((pass + 1))
		echo "e2e   $(basename "$t"): ok"
	else
		fail=$((fail + 1))
		failed="$failed $(basename "$t")"
		echo "e2e   $(basename "$t"): FAILED"
		sed 's/^/    /' "$log"
	fi
done

[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
