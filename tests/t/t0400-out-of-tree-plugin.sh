#!/bin/sh
# make install lays out binary, plugins, header and .pc; a plugin built out
# of tree with only the installed header and pkg-config loads and syncs.
. "$(dirname "$0")/lib.sh"
D=$T/dest
make -s -C "$TOP" install BUILD="$BUILD" PREFIX=/usr DESTDIR="$D" >/dev/null
[ -x "$D/usr/bin/salesync" ] || fail "binary not installed"
[ -f "$D/usr/include/salesync/plugin.h" ] || fail "header not installed"
[ -f "$D/usr/lib/salesync/plugins/csv.so" ] || fail "csv plugin not installed"
[ -f "$D/usr/lib/pkgconfig/salesync-plugin.pc" ] || fail ".pc not installed"
grep -q '^ExecStart=/usr/bin/salesync ' "$D/usr/lib/systemd/system/salesync.service" || fail "systemd unit not installed"

# Build the template from a copy, outside the source tree.
mkdir src && cp "$TOP/sdk/template/template.c" "$TOP/sdk/template/Makefile" src/
cflags=$(PKG_CONFIG_PATH="$D/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D" pkg-config --cflags salesync-plugin)
case $cflags in *"$D/usr/include"*) ;; *) fail "pkg-config gave '$cflags'" ;; esac
make -s -C src SDK_CFLAGS="$cflags" >/dev/null 2>&1 || make -C src SDK_CFLAGS="$cflags"
plugins
cp src/template.so plugins/ && chmod 755 plugins/template.so
cat > c.ini <<EOT
[salesync]
store = store.db
plugin_dir = plugins
[example]
plugin = template
count = 25
EOT
expect_rc 0 "$D/usr/bin/salesync" -c c.ini sync
contains out "leads 25 new"
[ "$(sql 'select count(*) from leads where status = "qualified"')" = 12 ] || fail "template mapping"
# Incremental: only new leads are emitted the second time.
sed -i 's/count = 25/count = 30/' c.ini
expect_rc 0 "$D/usr/bin/salesync" -c c.ini sync
contains out "leads 5 new, 0 updated, 0 unchanged"
