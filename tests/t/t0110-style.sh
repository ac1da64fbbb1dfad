#!/bin/sh
# No banned functions (strcpy, sprintf, atoi, strtok, ...) in the sources.
. "$(dirname "$0")/lib.sh"
sh "$TOP/tools/check-style.sh"
