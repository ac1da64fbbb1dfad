# salesync — non-recursive GNU Makefile.
#   make                  build/salesync and build/plugins/<name>.so
#   make test             build and run every test (unit, end-to-end)
#   make SANITIZE=1 test  the same under AddressSanitizer + UBSan (in build-san/)
#   make bench            benchmarks (not tests)
#   make demo             install deps if possible, build, run the demo sync
#   make install PREFIX=/usr/local DESTDIR=

VERSION := 0.1.0
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
PLUGINDIR ?= $(LIBDIR)/salesync/plugins
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
SYSTEMDDIR ?= $(LIBDIR)/systemd/system

CC ?= cc
CFLAGS ?= -O2 -g
SANITIZE ?=
ifeq ($(SANITIZE),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD ?= build
SANFLAGS :=
endif

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror=implicit-function-declaration
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(SANFLAGS) -MMD -MP
HOST_CFLAGS := $(BASE_CFLAGS) -DSS_VERSION='"$(VERSION)"' -DSS_PLUGIN_DIR='"$(PLUGINDIR)"'
PLUGIN_CFLAGS := $(BASE_CFLAGS) -fPIC -fvisibility=hidden -Isdk
PLUGIN_LDFLAGS := -shared -Wl,-z,defs $(SANFLAGS)
HOST_LIBS := -pthread -ldl -linih -lsqlite3 -ljansson -lcurl -lcrypto -lmicrohttpd
TEST_LIBS := -lcmocka -lm

# ---- host ---------------------------------------------------------------
HOST_SRC := $(filter-out host/main.c,$(wildcard host/*.c))
HOST_OBJ := $(HOST_SRC:%.c=$(BUILD)/obj/%.o)
HOST_LIB := $(BUILD)/libsalesync-host.a
BIN := $(BUILD)/salesync

# ---- plugins: one folder each, every .c in it makes up the .so ------------
PLUGIN_NAMES := $(notdir $(wildcard plugins/*))
PLUGINS := $(PLUGIN_NAMES:%=$(BUILD)/plugins/%.so)
# Extra libraries a plugin links, e.g. plugins/csv uses jansson for `extra`.
PLUGIN_LIBS := -ljansson

# ---- tests --------------------------------------------------------------
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Unit tests that exercise a plugin's internals link that plugin's objects.
UNIT_EXTRA_test_csv := $(BUILD)/obj/plugins/csv/csv_read.o
UNIT_EXTRA_test_hubspot := $(BUILD)/obj/plugins/hubspot/hubspot_map.o
UNIT_EXTRA_test_salesforce := $(BUILD)/obj/plugins/salesforce/salesforce_map.o
UNIT_EXTRA_test_pipedrive := $(BUILD)/obj/plugins/pipedrive/pipedrive_map.o
UNIT_EXTRA_test_ga4 := $(BUILD)/obj/plugins/ga4/ga4_map.o
UNIT_EXTRA_test_moodle := $(BUILD)/obj/plugins/moodle/moodle_map.o
TESTPLUGIN_SRC := $(wildcard tests/plugins/*.c)
TESTPLUGINS := $(TESTPLUGIN_SRC:tests/plugins/%.c=$(BUILD)/testplugins/%.so) $(BUILD)/testplugins/template.so

.PHONY: all test deps-test unit bench demo install clean check-style
all: $(BIN) $(PLUGINS)

$(BUILD)/obj/host/%.o: host/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HOST_CFLAGS) -c -o $@ $<

$(HOST_LIB): $(HOST_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# No -rdynamic: the host exports nothing, so a plugin that calls host
# internals instead of the service table fails to load.
$(BIN): $(BUILD)/obj/host/main.o $(HOST_LIB)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(HOST_LIBS)

$(BUILD)/obj/plugins/%.o: plugins/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PLUGIN_CFLAGS) -c -o $@ $<

# Objects are kept: unit tests link some plugin objects directly.
.SECONDARY:
.SECONDEXPANSION:
$(BUILD)/plugins/%.so: $$(addprefix $(BUILD)/obj/,$$(addsuffix .o,$$(basename $$(wildcard plugins/$$*/*.c))))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PLUGIN_LDFLAGS) -o $@ $^ $(PLUGIN_LIBS)
	@chmod go-w $@

$(BUILD)/obj/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HOST_CFLAGS) -Ihost -Iplugins -Isdk -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $$(UNIT_EXTRA_$$*) $(HOST_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(HOST_LIBS) $(TEST_LIBS)

# Test plugins are single files. unresolved.c deliberately references a
# symbol nobody defines, so it is linked without -z defs.
$(BUILD)/testplugins/unresolved.so: tests/plugins/unresolved.c sdk/salesync/plugin.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PLUGIN_CFLAGS) -shared $(SANFLAGS) -o $@ $<
$(BUILD)/testplugins/%.so: tests/plugins/%.c sdk/salesync/plugin.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PLUGIN_CFLAGS) $(PLUGIN_LDFLAGS) -o $@ $< $(PLUGIN_LIBS)
$(BUILD)/testplugins/template.so: sdk/template/template.c sdk/salesync/plugin.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PLUGIN_CFLAGS) $(PLUGIN_LDFLAGS) -o $@ $<

unit: $(UNIT_BIN)

# The test tools (cmocka, python3, sqlite3, openssl, chromium) are
# installed first when missing, so `make test` works on a fresh machine.
deps-test:
	@sh tools/deps.sh --test

test: deps-test
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(TESTPLUGINS)
	@BUILD=$(BUILD) SANITIZE=$(SANITIZE) MAKE="$(MAKE)" sh tests/run.sh

bench: all
	@BUILD=$(BUILD) sh bench/csv_import.sh
	@BUILD=$(BUILD) sh bench/hubspot.sh

demo:
	@sh tools/demo.sh

$(BUILD)/salesync-plugin.pc: sdk/salesync-plugin.pc.in Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	    -e 's|@PLUGINDIR@|$(PLUGINDIR)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

install: all $(BUILD)/salesync-plugin.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(INCLUDEDIR)/salesync $(DESTDIR)$(PKGCONFIGDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/salesync
	install -m 755 $(PLUGINS) $(DESTDIR)$(PLUGINDIR)/
	install -m 644 sdk/salesync/plugin.h $(DESTDIR)$(INCLUDEDIR)/salesync/plugin.h
	install -m 644 $(BUILD)/salesync-plugin.pc $(DESTDIR)$(PKGCONFIGDIR)/salesync-plugin.pc
	install -d $(DESTDIR)$(SYSTEMDDIR)
	sed -e 's|@BINDIR@|$(BINDIR)|g' config/salesync.service > $(DESTDIR)$(SYSTEMDDIR)/salesync.service
	chmod 644 $(DESTDIR)$(SYSTEMDDIR)/salesync.service

check-style:
	@sh tools/check-style.sh

clean:
	rm -rf build build-san

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
