# Helpers for the HTTP tests (source after lib.sh and tests/fakes/fake.sh).

http_conf() { # conf PLUGIN KEY=VALUE... : one instance "crm" against the fake
	{
		printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[crm]\nplugin = %s\nbase_url = %s\nmax_attempts = 2\n' "$1" "$FAKE_URL"
		shift
		for kv in "$@"; do echo "$kv"; done
	} > c.ini
}

# no_secrets TEXT...: none of the texts appear in any output or store file.
no_secrets() {
	for s in "$@"; do
		for f in out err store.db store.db-wal store.db.tokens/*; do
			[ -f "$f" ] || continue
			if grep -qF -- "$s" "$f"; then fail "secret '$s' found in $f"; fi
		done
		if sqlite3 store.db .dump | grep -qF -- "$s"; then fail "secret '$s' in the store"; fi
	done
}

