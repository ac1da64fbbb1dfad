# Shell helpers for end-to-end tests that talk to a fake server.
# Source after tests/t/lib.sh (needs $T and $TOP):
#
#   . "$TOP/tests/fakes/fake.sh"
#   fake_start acme --auth bearer --token t1 --records 30
#   ... use "$FAKE_URL" in the test config ...
#   fake_ctl control '{"touch": ["A00003"]}'
#   [ "$(fake_ctl stats tokens_issued)" -eq 1 ] || fail "one refresh expected"
#
# fake_start NAME [ARGS...] starts tests/fakes/NAME.py with a FIFO as its
# stdin and keeps the FIFO's write end open in this shell (fd 7, 8, 9 for
# the first, second, third fake): when the test exits, the fake sees EOF
# and exits too. It sets FAKE_URL, FAKE_PORT, FAKE_LOG (the --log file) and
# FAKE_URL_<NAME>; files are $T/fake-NAME.{port,log,out,err}. Commands the
# test runs inherit the fd, which is harmless.
# fake_ctl [--url URL] ARGS... runs tests/fakes/fakectl.py on FAKE_URL.
# $PYTHON (default python3) runs both.

fake_start() {
	_fk_name=$1
	shift
	_fk_fd=
	for _fk_c in 9 8 7 6 5 4 3; do
		case " ${_fk_fds:-} " in *" $_fk_c "*) ;; *) _fk_fd=$_fk_c; break ;; esac
	done
	[ -n "$_fk_fd" ] || { echo "fake_start: at most 7 fakes at once" >&2; return 1; }
	rm -f "$T/fake-$_fk_name.in" "$T/fake-$_fk_name.port"
	mkfifo "$T/fake-$_fk_name.in"
	(
		# not the write ends of earlier fakes' FIFOs: each fake must
		# see EOF only when the test shell exits
		for _fk_c in ${_fk_fds:-}; do eval "exec $_fk_c>&-"; done
		exec ${PYTHON:-python3} "$TOP/tests/fakes/$_fk_name.py" \
			--port-file "$T/fake-$_fk_name.port" \
			--log "$T/fake-$_fk_name.log" "$@"
	) <"$T/fake-$_fk_name.in" >"$T/fake-$_fk_name.out" 2>"$T/fake-$_fk_name.err" &
	_fk_pid=$!
	eval "exec $_fk_fd>\"\$T/fake-\$_fk_name.in\""
	_fk_fds="${_fk_fds:-} $_fk_fd"
	_fk_stack="${_fk_stack:-} $_fk_fd:$_fk_pid"
	_fk_i=0
	while [ ! -s "$T/fake-$_fk_name.port" ]; do
		if ! kill -0 "$_fk_pid" 2>/dev/null || [ "$_fk_i" -ge 200 ]; then
			echo "fake_start: $_fk_name did not start:" >&2
			cat "$T/fake-$_fk_name.err" >&2
			return 1
		fi
		sleep 0.05
		_fk_i=$((_fk_i + 1))
	done
	FAKE_PORT=$(cat "$T/fake-$_fk_name.port")
	FAKE_URL=http://127.0.0.1:$FAKE_PORT
	FAKE_LOG=$T/fake-$_fk_name.log
	FAKE_PID=$_fk_pid
	eval "FAKE_URL_$_fk_name=\$FAKE_URL"
}

fake_ctl() {
	_fk_url=$FAKE_URL
	if [ "${1:-}" = --url ]; then
		_fk_url=$2
		shift 2
	fi
	${PYTHON:-python3} "$TOP/tests/fakes/fakectl.py" "$_fk_url" "$@"
}

# fake_stop: stops the fake started last (closes its FIFO, waits up to 3 s)
# and frees its fd for another fake_start.
fake_stop() {
	_fk_stack=${_fk_stack:-}
	_fk_top=${_fk_stack##* }
	[ -n "$_fk_top" ] || return 0
	_fk_stack=${_fk_stack% *}
	_fk_fd=${_fk_top%%:*}
	_fk_pid=${_fk_top##*:}
	eval "exec $_fk_fd>&-"
	_fk_new=
	for _fk_c in $_fk_fds; do [ "$_fk_c" = "$_fk_fd" ] || _fk_new="$_fk_new $_fk_c"; done
	_fk_fds=$_fk_new
	_fk_i=0
	while kill -0 "$_fk_pid" 2>/dev/null && [ "$_fk_i" -lt 60 ]; do
		sleep 0.05
		_fk_i=$((_fk_i + 1))
	done
}
