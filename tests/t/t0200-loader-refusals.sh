#!/bin/sh
# The loader refuses every broken plugin before running its code, naming
# the file and the failed check; sync and check exit 78 (EX_CONFIG).
. "$(dirname "$0")/lib.sh"
plugins bad_abi new_minor short_desc no_entry unresolved dup_one dup_two fixture

refused() { # refused PLUGIN EXPECTED-TEXT
	cat > "$T/$1.ini" <<EOT
[salesync]
store = store.db
plugin_dir = plugins

[inst]
plugin = $1
EOT
	expect_rc 78 "$SALESYNC" -c "$T/$1.ini" sync
	contains "$T/err" "$T/$1.ini:6: [inst]"
	contains "$T/err" "$T/plugins/$1.so: refused"
	contains "$T/err" "$2"
	[ ! -s "$T/out" ] || fail "$1: sync printed a summary for a refused plugin"
}

refused bad_abi "plugin ABI major 99, host ABI major 1"
refused new_minor "plugin needs ABI 1.3, host provides 1.2"
refused short_desc "descriptor size"
refused no_entry "no entry function 'salesync_plugin_entry'"
refused unresolved "undefined symbol: store_begin"
refused dup_two "file is named 'dup_two' but the plugin calls itself 'dup_one'"

# A plugin that does not exist.
cat > "$T/none.ini" <<EOT
[salesync]
plugin_dir = plugins
[crm]
plugin = nope
EOT
expect_rc 78 "$SALESYNC" -c "$T/none.ini" check
contains "$T/err" "none.ini:4: [crm] plugin 'nope' not found: no $T/plugins/nope.so"

# Listing: refused files are reported, good ones listed, duplicates caught.
expect_rc 0 "$SALESYNC" -c "$T/none.ini" plugins
contains "$T/out" "fixture"
contains "$T/err" "duplicate plugin name 'dup_one'"
contains "$T/err" "bad_abi.so: refused"

# A plugin directory others can write is refused as a whole.
chmod 777 "$T/plugins"
expect_rc 78 "$SALESYNC" -c "$T/bad_abi.ini" sync
contains "$T/err" "$T/plugins: refused: plugin directory is writable by others (mode 777)"
chmod 775 "$T/plugins"
expect_rc 78 "$SALESYNC" -c "$T/bad_abi.ini" sync
contains "$T/err" "plugin directory is writable by its group"
chmod 755 "$T/plugins"

# So is a plugin file others can write.
cat > "$T/fx.ini" <<EOT
[salesync]
store = store.db
plugin_dir = plugins
[fx]
plugin = fixture
EOT
chmod 666 "$T/plugins/fixture.so"
expect_rc 78 "$SALESYNC" -c "$T/fx.ini" sync
contains "$T/err" "$T/plugins/fixture.so: refused: plugin file is writable by others"
chmod 755 "$T/plugins/fixture.so"
expect_rc 0 "$SALESYNC" -c "$T/fx.ini" sync
