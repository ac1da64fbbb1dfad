#!/bin/sh
# Fails on calls to functions this project does not use: they overflow
# (strcpy, strcat, sprintf, gets), hide errors (atoi) or keep hidden state
# (strtok). Use snprintf, struct sb, util_parse_int64/strtol, strtok_r.
cd "$(dirname "$0")/.."
hits=$(grep -nE '(^|[^_a-z0-9.>])(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|gets)[ \t]*\(' \
	host/*.c host/*.h plugins/*/*.c plugins/*/*.h sdk/salesync/*.h sdk/template/*.c 2>/dev/null)
if [ -n "$hits" ]; then
	echo "banned functions used:" >&2
	echo "$hits" >&2
	exit 1
fi
