#!/bin/sh
# Prints every public name that sdk/salesync/plugin.h declares, one per
# line, sorted: macros, enum constants, struct tags, struct members
# (struct.member), typedefs. tests/t/t0100-sdk-symbols.sh compares this
# with the ledger sdk/SYMBOLS so that no change to the ABI goes unnoticed.
header=${1:-sdk/salesync/plugin.h}
# The compiler strips the comments, keeping #defines.
gcc -fpreprocessed -dD -E -P "$header" 2>/dev/null | awk '
/^#define SS_/ { sub(/\(.*/, "", $2); print $2; next }
/^static inline .*[ *]ss_[a-z_]+\(/ { match($0, /ss_[a-z_]+\(/); print substr($0, RSTART, RLENGTH - 1); next }
/^[ \t]+SS_[A-Z0-9_]+ = / { print $1; next }
/^struct ss_[a-z_]+ \{/ { s = $2; next }
/^struct ss_[a-z_]+;/ { n = $2; sub(/;/, "", n); print n; next }
/^typedef / {
	line = $0
	if (match(line, /\(\*ss_[a-z_]+\)/)) { print substr(line, RSTART + 2, RLENGTH - 3); next }
	if (match(line, /ss_[a-z_]+;/)) { print substr(line, RSTART, RLENGTH - 1); next }
}
s != "" && /^\};/ { print s; s = ""; next }
s != "" && depth > 0 { depth += gsub(/\(/, "(") - gsub(/\)/, ")"); next }
s != "" && /\(\*[a-z_]+\)\(/ { depth = gsub(/\(/, "(") - gsub(/\)/, ")"); match($0, /\(\*[a-z_]+\)/); print s "." substr($0, RSTART + 2, RLENGTH - 3); next }
s != "" && /^[ \t]+[a-z].*;/ {
	line = $0
	sub(/;.*/, "", line)
	gsub(/\[[^]]*\]/, "", line)
	m = split(line, pieces, /,/)
	for (i = 1; i <= m; i++)
		if (match(pieces[i], /[a-z_0-9]+[ \t]*$/)) { n = substr(pieces[i], RSTART, RLENGTH); gsub(/[ \t]/, "", n); print s "." n }
	next
}
' | sort -u
