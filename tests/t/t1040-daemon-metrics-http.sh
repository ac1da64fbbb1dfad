#!/bin/sh
# metrics_listen: the daemon serves /metrics (Prometheus text) and /healthz
# over HTTP on loopback, from its own poll loop; anything else is a 404,
# and a bad address is a configuration error.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/t/daemon.sh"
plugins fixture
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > c.ini <<EOT
[salesync]
store = store.db
plugin_dir = plugins
metrics_listen = 127.0.0.1:$port
[fx]
plugin = fixture
every = 1h
EOT
start_daemon
trap 'kill "$DAEMON" 2>/dev/null || true; rm -rf "$T"' EXIT
wait_for '[ "$(sql "select count(*) from runs where status = \"ok\"")" = 1 ]'
get() {
	python3 - "http://127.0.0.1:$port$1" <<'PY'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=10)
    print(r.status); print(r.headers.get("Content-Type")); print(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code)
PY
}
get /metrics > m.txt
contains m.txt "200"
contains m.txt "text/plain; version=0.0.4"
contains m.txt 'salesync_runs_total{instance="fx",status="ok"} 1'
get /healthz > h.txt
contains h.txt "ok"
get /nope > n.txt
contains n.txt "404"
stop_daemon
sed -i "s/^metrics_listen = .*/metrics_listen = localhost/" c.ini
expect_rc 78 "$SALESYNC" -c c.ini daemon
contains err "metrics_listen = localhost: expected HOST:PORT"
