# Helpers for the HTTP tests (source after lib.sh and tests/fakes/fake.sh).

# http_conf PLUGIN "KEY = VALUE"...: c.ini with one instance "crm" of
# PLUGIN against the fake; base_url and max_attempts = 2 unless given.
http_conf() {
	_plugin=$1
	shift
	{
		printf '[salesync]\nstore = store.db\nplugin_dir = plugins\n[crm]\nplugin = %s\n' "$_plugin"
		for kv in "$@"; do echo "$kv"; done
		case " $* " in *"base_url ="*) ;; *) echo "base_url = $FAKE_URL" ;; esac
		case " $* " in *"max_attempts ="*) ;; *) echo "max_attempts = 2" ;; esac
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
