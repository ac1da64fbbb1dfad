#!/bin/sh
# The moodle plugin passes the plugin test kit against the Moodle fake:
# wrong tokens fail clearly (HTTP 200 invalidtoken), no record is emitted
# twice (learners of several courses are one rep), and syncs interrupted
# after any checkpoint resume to the same store.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fakes/fake.sh"
plugins moodle

fake_start moodle --auth apikey-query --token kit-Ws-T0ken --records 24
cat > kit.ini <<EOT
[salesync]
plugin_dir = plugins
[lms]
plugin = moodle
base_url = $FAKE_URL
token = kit-Ws-T0ken
page_size = 6
team_from = group
EOT
expect_rc 0 "$SALESYNC" plugin-test plugins/moodle.so --config kit.ini
contains out "ok    descriptor: moodle 1.0.0, ABI 1.2, 1 stream, 7 options"
contains out "ok    check with the configured credentials"
contains out "ok    check with wrong credentials fails clearly: core_webservice_get_site_info: Moodle refused the token (invalidtoken"
contains out "no record emitted twice"
contains out "ok    incremental sync right after: 0 changed"
contains out "and resumed: the same store as an uninterrupted sync"
contains out " 0 failed"
lacks out "FAIL"
if grep -qF kit-Ws-T0ken "$T/out" "$T/err"; then fail "the token was printed"; fi
