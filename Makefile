# SPDX-License-Identifier: LGPL-2.1-or-later
# jaula — one plain Makefile.  `make`, `make check`, `make install`.
#
# Every C file in common/ goes into libjaula.a; every tests/unit/test_*.c
# becomes one cmocka binary; every tests/integration/t-*.sh is one
# integration test (root only).  Adding a file needs no edit here.

PREFIX      ?= /usr
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
SYSCONFDIR  ?= /etc
LOCALSTATEDIR ?= /var
MULTIARCH   := $(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch 2>/dev/null)
PAMDIR      ?= /lib/$(MULTIARCH)/security
# Debian 12's place for packaged units (systemd/*: jaula.slice and
# jaula-prepare.service).
SYSTEMDUNITDIR ?= /lib/systemd/system
DESTDIR     ?=

CC          ?= cc
PKG_CONFIG  ?= pkg-config
PKGS        := pam libcap libseccomp libconfig libnl-3.0 libnl-route-3.0 libmnl libnftables

WARN        := -Wall -Wextra -Wshadow -Wno-unused-parameter -Wformat=2 -Wstrict-prototypes
ifneq ($(CI),)
WERROR      ?= 1
endif
ifeq ($(WERROR),1)
WARN        += -Werror
endif

HARDEN_CFLAGS  := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection
HARDEN_LDFLAGS := -Wl,-z,relro,-z,now -Wl,--as-needed

OPT         ?= -O2 -g
CFLAGS      ?= $(OPT)
# A digest of the library's sources: the policy cache's binary format is
# private to one build of them (reproducible, unlike __DATE__/__TIME__).
SRC_STAMP   := $(shell cat $(sort $(wildcard common/*.[ch] include/jaula/*.h)) | sha256sum | cut -c1-16)
# The release, from debian/changelog (jaula_build_info in `jaula list --format prometheus`).
VERSION     := $(shell head -1 debian/changelog | awk '{print $$2}' | tr -d '()')
ALL_CFLAGS  := -std=gnu11 $(WARN) $(HARDEN_CFLAGS) -fPIC -fvisibility=hidden \
               -DJAULA_SRC_STAMP='"$(SRC_STAMP)"' -DJAULA_VERSION='"$(VERSION)"' -Iinclude $(shell $(PKG_CONFIG) --cflags $(PKGS)) $(CFLAGS) $(SAN_CFLAGS)
LIBS        := $(shell $(PKG_CONFIG) --libs $(PKGS))
ALL_LDFLAGS := $(HARDEN_LDFLAGS) $(LDFLAGS) $(SAN_LDFLAGS)

LIB_SRC     := $(sort $(wildcard common/*.c))
LIB_OBJ     := $(LIB_SRC:.c=.o)
LIB         := common/libjaula.a
HEADERS     := $(wildcard include/jaula/*.h) $(wildcard common/*.h)

# pam_jaula.so is the thin module PAM stacks name (libc and libpam only);
# pam_jaula_full.so, beside it, is the whole module it loads for sessions
# it cannot decide alone (pam_module/pam_jaula_thin.c).
PAM_SRC     := pam_module/pam_jaula.c
PAM_FULL_SO := pam_module/pam_jaula_full.so
PAM_THIN_SRC := pam_module/pam_jaula_thin.c common/matchtab_read.c common/cachefile.c
PAM_SO      := pam_module/pam_jaula.so
SHELL_SRC   := $(sort $(wildcard shell/*.c))
JAILSH      := shell/jailsh
CLI_SRC     := $(sort $(wildcard cli/*.c))
CLI         := cli/jaula

UNIT_SRC    := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN    := $(UNIT_SRC:.c=)
HELPER_SRC  := $(sort $(wildcard tests/helpers/*.c))
HELPER_BIN  := $(HELPER_SRC:.c=)
# Benchmark programs (bench/README.md): libc only, never installed.
BENCH_SRC   := $(sort $(wildcard bench/*.c))
BENCH_BIN   := $(BENCH_SRC:.c=)

.PHONY: all check check-unit check-integration install clean indent demo bench
all: $(LIB) $(PAM_SO) $(PAM_FULL_SO) $(JAILSH) $(CLI)

common/%.o: common/%.c $(HEADERS)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(PAM_FULL_SO): $(PAM_SRC) $(LIB) pam_module/pam_jaula.map $(HEADERS)
	$(CC) $(ALL_CFLAGS) -shared -o $@ $(PAM_SRC) $(LIB) $(ALL_LDFLAGS) \
		-Wl,--version-script=pam_module/pam_jaula.map $(LIBS)

# Linked against libpam alone, on purpose: -Icommon for matchtab.h, no
# libjaula.a and no pkg-config libraries (cachefile.c is libc only).
$(PAM_SO): $(PAM_THIN_SRC) pam_module/pam_jaula.map $(HEADERS)
	$(CC) $(ALL_CFLAGS) -Icommon -shared -o $@ $(PAM_THIN_SRC) $(ALL_LDFLAGS) \
		-Wl,--version-script=pam_module/pam_jaula.map -lpam

# The setuid shell: position independent, full relro, bind now.  It runs
# at every login, and every shared library costs relocations, mprotects and
# page faults at each exec (and makes each fork dearer): the libraries that
# ship a static archive are linked in, libnftables and libsystemd are
# dlopen()ed on the cold paths that need them, and nothing else is linked:
# jailsh needs libc alone at exec.
JAILSH_STATIC := -lcap -lseccomp -lconfig -lnl-route-3 -lnl-3
JAILSH_LIBS := -Wl,-Bstatic $(JAILSH_STATIC) -Wl,-Bdynamic -lpthread -lm
$(JAILSH): $(SHELL_SRC) $(LIB) $(HEADERS)
	$(CC) $(ALL_CFLAGS) -fPIE -pie -o $@ $(SHELL_SRC) $(LIB) $(ALL_LDFLAGS) $(JAILSH_LIBS)

$(CLI): $(CLI_SRC) $(LIB) $(HEADERS)
	$(CC) $(ALL_CFLAGS) -fPIE -pie -o $@ $(CLI_SRC) $(LIB) $(ALL_LDFLAGS) $(LIBS)

tests/unit/test_%: tests/unit/test_%.c $(LIB) $(HEADERS)
	$(CC) $(ALL_CFLAGS) -Icommon -o $@ $< $(LIB) $(ALL_LDFLAGS) $(LIBS) \
		$(shell $(PKG_CONFIG) --libs cmocka)

tests/helpers/%: tests/helpers/%.c $(LIB) $(HEADERS)
	$(CC) $(ALL_CFLAGS) -Icommon -o $@ $< $(LIB) $(ALL_LDFLAGS) $(LIBS) -lpam -lpam_misc

# `make check`: unit tests always; integration tests too when run as root.
# Each runner prints TAP-like lines; tests/summary.sh prints the closing
# "N passed, N failed, N skipped" line over both.
check: all $(UNIT_BIN) $(HELPER_BIN)
	@tests/run.sh

check-unit: all $(UNIT_BIN)
	@tests/run.sh unit

check-integration: all $(HELPER_BIN)
	@tests/run.sh integration

demo:
	./scripts/demo.sh

bench/%: bench/%.c
	$(CC) -std=gnu11 $(WARN) $(HARDEN_CFLAGS) $(CFLAGS) -o $@ $< $(ALL_LDFLAGS)

bench: all $(HELPER_BIN) $(BENCH_BIN)
	./bench/run.sh

# The same directories as the Debian package (debian/jaula.dirs), so the
# README's steps work after either; t-63 compares the two.
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(PAMDIR) $(DESTDIR)$(SYSCONFDIR)/jaula/conf.d
	install -d -m 0755 $(DESTDIR)$(LOCALSTATEDIR)/lib/jaula/rootfs
	install -m 0755 $(CLI) $(DESTDIR)$(SBINDIR)/jaula
	install -m 4755 $(JAILSH) $(DESTDIR)$(SBINDIR)/jailsh
	install -m 0644 $(PAM_SO) $(DESTDIR)$(PAMDIR)/pam_jaula.so
	install -m 0644 $(PAM_FULL_SO) $(DESTDIR)$(PAMDIR)/pam_jaula_full.so
	test -e $(DESTDIR)$(SYSCONFDIR)/jaula/jaula.conf || \
		install -m 0644 conf/jaula.conf $(DESTDIR)$(SYSCONFDIR)/jaula/jaula.conf
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0644 systemd/jaula.slice systemd/jaula-prepare.service $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -d '$(DESTDIR)$(SYSTEMDUNITDIR)/user@.service.d'
	install -m 0644 'systemd/user@.service.d/jaula.conf' '$(DESTDIR)$(SYSTEMDUNITDIR)/user@.service.d/'
	for f in man/*.[1-8]; do [ -e "$$f" ] || continue; \
		s=$${f##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
		install -m 0644 $$f $(DESTDIR)$(MANDIR)/man$$s/; done

clean:
	rm -f common/*.o $(LIB) $(PAM_SO) $(PAM_FULL_SO) $(JAILSH) $(CLI) $(UNIT_BIN) $(HELPER_BIN) $(BENCH_BIN)

indent:
	clang-format -i $(wildcard common/*.[ch] include/jaula/*.h pam_module/*.c shell/*.c cli/*.c tests/unit/*.c tests/helpers/*.c)

# ---- Sanitizer builds, each in its own directory under build/ ----------
# `make fuzz`: the libFuzzer target over the policy parser, with libjaula
# compiled by clang with the same sanitizers (build/fuzz/).
# `make check-asan`: libjaula, jailsh and the unit tests with ASan+UBSan
# (build/asan/), then runs those unit tests.
FUZZ_CC     ?= clang
FUZZ_DIR    := build/fuzz
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fPIC -DJAULA_SRC_STAMP='"$(SRC_STAMP)"' -Iinclude -Icommon $(WARN:-Werror=) -Wno-format-nonliteral \
               $(shell $(PKG_CONFIG) --cflags $(PKGS)) $(FUZZ_SAN)
FUZZ_OBJ    := $(patsubst common/%.c,$(FUZZ_DIR)/common/%.o,$(LIB_SRC))
FUZZ_BIN    := $(FUZZ_DIR)/fuzz_policy

ASAN_DIR    := build/asan
ASAN_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
ASAN_CFLAGS := $(filter-out -D_FORTIFY_SOURCE=2,$(ALL_CFLAGS)) -O1 $(ASAN_SAN)
ASAN_OBJ    := $(patsubst common/%.c,$(ASAN_DIR)/common/%.o,$(LIB_SRC))
ASAN_LIB    := $(ASAN_DIR)/libjaula.a
ASAN_UNIT   := $(patsubst tests/unit/%.c,$(ASAN_DIR)/tests/unit/%,$(UNIT_SRC))

.PHONY: fuzz check-asan
fuzz: $(FUZZ_BIN)

$(FUZZ_DIR)/common/%.o: common/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/libjaula.a: $(FUZZ_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BIN): tests/fuzz/fuzz_policy.c $(FUZZ_DIR)/libjaula.a $(HEADERS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_DIR)/libjaula.a $(LIBS)

$(ASAN_DIR)/common/%.o: common/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -c -o $@ $<

$(ASAN_LIB): $(ASAN_OBJ)
	rm -f $@
	ar rcs $@ $^

$(ASAN_DIR)/jailsh: $(SHELL_SRC) $(ASAN_LIB) $(HEADERS)
	$(CC) $(ASAN_CFLAGS) -fPIE -pie -o $@ $(SHELL_SRC) $(ASAN_LIB) $(ALL_LDFLAGS) $(ASAN_SAN) $(LIBS)

$(ASAN_DIR)/tests/unit/test_%: tests/unit/test_%.c $(ASAN_LIB) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -Icommon -o $@ $< $(ASAN_LIB) $(ALL_LDFLAGS) $(ASAN_SAN) $(LIBS) \
		$(shell $(PKG_CONFIG) --libs cmocka)

check-asan: $(ASAN_DIR)/jailsh $(ASAN_UNIT)
	@fail=0; for t in $(ASAN_UNIT); do \
		echo "# asan: $$t"; \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
			$$t || { echo "not ok - $${t##*/} under ASan/UBSan"; fail=1; }; \
	done; \
	[ $$fail -eq 0 ] && echo "check-asan: every unit test passed under ASan+UBSan"; exit $$fail
