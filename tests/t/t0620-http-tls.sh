#!/bin/sh
# TLS is always verified: a self-signed server fails with advice to set
# ca_file, and passes verification once ca_file names its certificate.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/t/http.sh"
plugins httpfix
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkfifo tls.in
openssl s_server -accept "127.0.0.1:$port" -cert cert.pem -key key.pem -www -quiet <tls.in >tls.out 2>&1 &
server=$!
exec 6>tls.in
i=0
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "openssl s_server did not start"; sleep 0.1
done
trap 'kill "$server" 2>/dev/null || true; rm -rf "$T"' EXIT

FAKE_URL=https://127.0.0.1:$port
http_conf httpfix "token = tls-T0ken" "max_attempts = 1"
expect_rc 1 "$SALESYNC" -c c.ini sync
contains out "TLS verification failed: for a private CA set ca_file"
no_secrets tls-T0ken

# With the CA: verification passes; s_server answers HTML, not JSON.
http_conf httpfix "token = tls-T0ken" "max_attempts = 1" "ca_file = cert.pem"
expect_rc 1 "$SALESYNC" -c c.ini sync
lacks out "TLS verification failed"
contains out "https://127.0.0.1:$port/api/v1/leads"
