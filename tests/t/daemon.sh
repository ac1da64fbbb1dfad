# Helpers for the daemon tests (source after lib.sh).

# start_daemon: runs `salesync -c c.ini daemon` in the background, logs in
# $T/daemon.log; waits until its socket answers. Sets DAEMON.
start_daemon() {
	"$SALESYNC" -c "$T/c.ini" daemon 2>>"$T/daemon.log" &
	DAEMON=$!
	_i=0
	until ctl '{"cmd":"ping"}' >/dev/null 2>&1; do
		_i=$((_i + 1))
		if [ $_i -ge 100 ] || ! kill -0 "$DAEMON" 2>/dev/null; then
			cat "$T/daemon.log" >&2
			fail "daemon did not start"
		fi
		sleep 0.1
	done
}

# stop_daemon: SIGTERM and wait; fails unless it exits 0.
stop_daemon() {
	kill -TERM "$DAEMON"
	wait "$DAEMON" || fail "daemon exited $?"
}

# ctl JSON: one request on the control socket; prints the answer lines.
ctl() {
	python3 - "$T/store.db.sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(30)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
f = s.makefile()
for line in f:
    print(line.rstrip())
    if '"ok":' in line and '"event"' not in line:
        break
PY
}

# wait_for CMD...: retries a shell condition for up to 10 s.
wait_for() {
	_i=0
	until eval "$1"; do
		_i=$((_i + 1))
		[ $_i -lt 100 ] || fail "timed out waiting for: $1"
		sleep 0.1
	done
}
