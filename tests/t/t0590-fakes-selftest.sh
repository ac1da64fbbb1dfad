#!/bin/sh
# The fake-server base and the acme fake do what the other tests rely on.
. "$(dirname "$0")/lib.sh"
python3 "$TOP/tests/fakes/selftest.py"
