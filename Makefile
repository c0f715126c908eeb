# klartext — GNU make + pkg-config.
#   make            release build  -> build/klartext
#   make asan       ASan+UBSan     -> build-asan/klartext
#   make test       build (asan) and run every test; last line: "tests: N passed, N failed"
#   make test-fast  unit and command-line tests without the hardening suites (release build)
#   make test-hardening  crash, disk, limits, attacks, secrets and the fuzz replays
#   make fuzz       libFuzzer targets (clang-14) -> build-fuzz/
#   make install    the binary, template copies, man pages, completion, docs into
#                   DESTDIR+PREFIX (default /usr/local); make uninstall removes them;
#                   make install-systemd the units (UNITDIR); make man regenerates man/
#                   from --help; make deb-test builds and installs the Debian package
#   make check-style     format (changed files), SQL only in src/register/, functions <= 100
#                        lines, no circles, files written only by src/util/output.c and no
#                        output to /dev/null in tests; make format reformats every C file;
#                        make structure prints the structure drawing (docs/HACKING.md)
# Options: WERROR=1 (CI), WITH_ISAL=0 to build without ISA-L, JOBS=N suites at once in tests.

PKGS      := libsodium sqlite3 libpq jansson libpcre2-8 zlib libzstd libcurl libmicrohttpd pangocairo cairo-pdf fontconfig
WITH_ISAL ?= $(shell pkg-config --exists libisal && echo 1 || echo 0)
ifeq ($(WITH_ISAL),1)
PKGS      += libisal
DEFS      += -DHAVE_ISAL=1
endif

VERSION   := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CC        ?= cc
BUILD     ?= build
OPT       ?= -O2
SAN       ?=
TESTHOOKS ?=
WFLAGS    := -Wall -Wextra -Wshadow -Wno-unused-parameter -Wno-missing-field-initializers -Wvla -Wformat=2
ifeq ($(WERROR),1)
WFLAGS    += -Werror
endif
CFLAGS    += -std=c11 -D_GNU_SOURCE $(OPT) -g $(WFLAGS) $(SAN) $(DEFS) $(TESTHOOKS) \
             -DKLARTEXT_VERSION='"$(VERSION)"' -Isrc -I$(BUILD)/gen \
             -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
             $(shell pkg-config --cflags $(PKGS))
LDLIBS    += $(shell pkg-config --libs $(PKGS)) -lpthread -lm
LDFLAGS   += $(SAN)

# Every .c under src/<module>/ goes into libklartext.a; src/main.c is the binary.
# EXCLUDE="scan notify" leaves modules out (for work in progress)
EXCLUDE   ?=
LIBSRC    := $(filter-out $(foreach m,$(EXCLUDE),src/$(m)/%),$(sort $(wildcard src/*/*.c)))
LIBOBJ    := $(LIBSRC:%.c=$(BUILD)/%.o)
UNITSRC   := $(sort $(wildcard tests/unit/test_*.c))
UNITBIN   := $(UNITSRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all asan test test-fast test-hardening unit fuzz clean check-style format structure \
        install install-systemd uninstall uninstall-systemd man deb deb-test
all: $(BUILD)/klartext $(UNITBIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# bundled demo files become C string literals (included by src/cli/cmd_demo.c)
DEMOFILES := $(wildcard data/demo/*)
DEMOINC   := $(DEMOFILES:data/demo/%=$(BUILD)/gen/demo_%.inc)
$(BUILD)/gen/demo_%.inc: data/demo/%
	@mkdir -p $(dir $@)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@
$(BUILD)/src/cli/cmd_demo.o: $(DEMOINC)
# the built-in notice templates are assembled into the binary (src/notify/notice.c)
$(BUILD)/src/notify/notice.o: $(wildcard templates/*.mustache)

$(BUILD)/libklartext.a: $(LIBOBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/klartext: $(BUILD)/src/main.o $(BUILD)/libklartext.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libklartext.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

asan:
	$(MAKE) BUILD=build-asan EXCLUDE="$(EXCLUDE)" OPT=-O1 SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  TESTHOOKS=-DKLARTEXT_TEST_HOOKS

# The test command: ASan+UBSan build, then unit tests and command-line tests (tests/run runs
# JOBS suites at once, default the number of cores). Which to run when: docs/HACKING.md.
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
test: asan
	tests/run --build build-asan -j $(JOBS)

# the release build: under 3 minutes on 2 cores (ASan takes longer; docs/HACKING.md has both)
test-fast: all
	tests/run --build $(BUILD) -j $(JOBS) fast

test-hardening: asan fuzz
	tests/run --build build-asan -j $(JOBS) hardening

unit: all
	tests/run --build $(BUILD) -j $(JOBS) unit

# Style and structure (tools/check-style; docs/HACKING.md, "Style and structure").
# CHECK_STYLE_ALL=1 format-checks every C file instead of those changed against main.
CLANG_FORMAT ?= clang-format-14
PYTHON    ?= /usr/bin/python3
check-style:
	@CLANG_FORMAT=$(CLANG_FORMAT) PYTHON=$(PYTHON) tools/check-style

format:
	git ls-files -z -- '*.c' '*.h' | xargs -0 $(CLANG_FORMAT) -i --style=file

structure:
	@$(PYTHON) tools/structure

# Every tests/fuzz/fuzz_*.c becomes build-fuzz/fuzz/fuzz_*; undefined behaviour is fatal there
# (-fno-sanitize-recover), so a finding always stops the fuzzer. A target is relinked only when
# its source or the library changed. The long campaign: tests/fuzz/campaign.sh.
FUZZSRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZSAN   := -fno-sanitize-recover=undefined -fno-omit-frame-pointer
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang-14 OPT=-O1 \
	  SAN="-fsanitize=fuzzer-no-link,address,undefined $(FUZZSAN)" build-fuzz/libklartext.a
	@mkdir -p build-fuzz/fuzz
	@for f in $(FUZZSRC); do n=$$(basename $$f .c); \
	  if [ build-fuzz/fuzz/$$n -nt $$f ] && [ build-fuzz/fuzz/$$n -nt build-fuzz/libklartext.a ]; then continue; fi; \
	  echo "clang-14 $$f -> build-fuzz/fuzz/$$n"; \
	  clang-14 $(filter-out -fstack-protector-strong,$(CFLAGS)) -O1 -fsanitize=fuzzer,address,undefined $(FUZZSAN) \
	    -o build-fuzz/fuzz/$$n $$f build-fuzz/libklartext.a $(LDLIBS) || exit 1; done

# ---- installing (GNU directory variables; docs/install.md). The binary finds its data
# directory as BIN/../share/klartext (src/util/paths.h), so bindir and datadir stay under one
# prefix; KLARTEXT_DATA_DIR overrides it. Nothing is rebuilt with another PREFIX.
PREFIX      ?= /usr/local
prefix      ?= $(PREFIX)
exec_prefix ?= $(prefix)
bindir      ?= $(exec_prefix)/bin
datarootdir ?= $(prefix)/share
datadir     ?= $(datarootdir)
pkgdatadir  := $(datadir)/klartext
mandir      ?= $(datarootdir)/man
docdir      ?= $(datarootdir)/doc/klartext
BASHCOMPDIR ?= $(datadir)/bash-completion/completions
ZSHCOMPDIR  ?= $(datadir)/zsh/site-functions
UNITDIR     ?= $(prefix)/lib/systemd/system
INSTALL     ?= install
DESTDIR     ?=
# klartext-dask (issue 15) is installed next to the binary once it is in the tree
DASK_SRC    := $(firstword $(wildcard tools/klartext-dask python/klartext-dask dask/klartext-dask))
MAN1        := $(sort $(wildcard man/*.1))
MAN5        := $(sort $(wildcard man/*.5))
TEMPLATES   := $(sort $(wildcard templates/*.mustache))
DOCS        := README.md $(sort $(wildcard docs/*.md))
EXAMPLES    := data/demo/org.ini data/demo/assessment.ini $(sort $(wildcard contrib/*))
UNITS       := $(sort $(wildcard systemd/*.in))
INSTDIRS    := $(bindir) $(pkgdatadir)/templates $(mandir)/man1 $(mandir)/man5 $(docdir)/examples \
               $(BASHCOMPDIR) $(ZSHCOMPDIR)

# each directory made (or found) writable first, so that a failure names the path
define mkdirs
	@for d in $(1); do mkdir -p "$(DESTDIR)$$d" 2>/dev/null && [ -w "$(DESTDIR)$$d" ] || { \
	  echo "make install: cannot write to $(DESTDIR)$$d (run as root, or choose PREFIX=\$$HOME/.local)" >&2; \
	  exit 1; }; done
endef

install: $(BUILD)/klartext
	$(call mkdirs,$(INSTDIRS))
	$(INSTALL) -m 0755 $(BUILD)/klartext $(DESTDIR)$(bindir)/klartext
	$(if $(DASK_SRC),$(INSTALL) -m 0755 $(DASK_SRC) $(DESTDIR)$(bindir)/klartext-dask)
	$(INSTALL) -m 0644 $(TEMPLATES) $(DESTDIR)$(pkgdatadir)/templates/
	$(INSTALL) -m 0644 $(MAN1) $(DESTDIR)$(mandir)/man1/
	$(INSTALL) -m 0644 $(MAN5) $(DESTDIR)$(mandir)/man5/
	$(INSTALL) -m 0644 completion/klartext.bash $(DESTDIR)$(BASHCOMPDIR)/klartext
	$(INSTALL) -m 0644 completion/_klartext $(DESTDIR)$(ZSHCOMPDIR)/_klartext
	$(INSTALL) -m 0644 $(DOCS) $(DESTDIR)$(docdir)/
	$(INSTALL) -m 0644 $(EXAMPLES) $(DESTDIR)$(docdir)/examples/

# the units are not part of `make install` (an administrator asks for them; not enabled)
# (systemd/*.in with the paths of this install and the sandbox of systemd/sandbox.conf)
install-systemd:
	$(call mkdirs,$(UNITDIR))
	@for u in $(UNITS); do n=$$(basename $$u .in); echo "  $(DESTDIR)$(UNITDIR)/$$n"; \
	  sed -e 's|@BINDIR@|$(bindir)|g' -e 's|@DOCDIR@|$(docdir)|g' -e '/@SANDBOX@/{r systemd/sandbox.conf' -e 'd}' \
	    $$u >$(DESTDIR)$(UNITDIR)/$$n && chmod 0644 $(DESTDIR)$(UNITDIR)/$$n || exit 1; done

uninstall:
	rm -f $(DESTDIR)$(bindir)/klartext $(DESTDIR)$(bindir)/klartext-dask
	rm -f $(TEMPLATES:templates/%=$(DESTDIR)$(pkgdatadir)/templates/%)
	rm -f $(MAN1:man/%=$(DESTDIR)$(mandir)/man1/%) $(MAN5:man/%=$(DESTDIR)$(mandir)/man5/%)
	rm -f $(DESTDIR)$(BASHCOMPDIR)/klartext $(DESTDIR)$(ZSHCOMPDIR)/_klartext
	rm -f $(addprefix $(DESTDIR)$(docdir)/,$(notdir $(DOCS))) $(addprefix $(DESTDIR)$(docdir)/examples/,$(notdir $(EXAMPLES)))
	-rmdir $(DESTDIR)$(pkgdatadir)/templates $(DESTDIR)$(pkgdatadir) $(DESTDIR)$(docdir)/examples $(DESTDIR)$(docdir) 2>/dev/null

uninstall-systemd:
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS:.in=)))

# man/klartext*.1 are generated from the commands' --help by tools/man-gen and committed;
# man/src/*.in hold the hand-written parts (docs/HACKING.md, "Man pages")
man: $(BUILD)/klartext
	$(PYTHON) tools/man-gen --klartext $(BUILD)/klartext --out man

# the Debian package (debian/); deb-test also installs it with dpkg -i, runs the demo from
# the installed files and purges it (root; a few minutes: not part of `make test`)
deb:
	dpkg-buildpackage -us -uc -b
deb-test:
	tests/deb-test

clean:
	rm -rf build build-asan build-fuzz

-include $(LIBOBJ:.o=.d) $(BUILD)/src/main.d
