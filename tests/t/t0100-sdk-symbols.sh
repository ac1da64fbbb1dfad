#!/bin/sh
# The ledger sdk/SYMBOLS lists exactly the names the SDK header declares.
. "$(dirname "$0")/lib.sh"
sh "$TOP/tools/sdk-symbols.sh" "$TOP/sdk/salesync/plugin.h" > header.txt
grep -v '^#' "$TOP/sdk/SYMBOLS" | awk '{print $1}' | sort -u > ledger.txt
[ -s header.txt ] || fail "no names extracted from the header"
diff -u ledger.txt header.txt || fail "sdk/SYMBOLS and plugin.h disagree (+ in header only, - in ledger only)"
# Every ledger line has a version, and the header says Since: for every
# documented block.
awk '!/^#/ && NF != 2 {print "bad ledger line: " $0; bad = 1} END {exit bad}' "$TOP/sdk/SYMBOLS"
n=$(grep -c 'Since:' "$TOP/sdk/salesync/plugin.h")
[ "$n" -ge 30 ] || fail "only $n Since: lines in plugin.h"
