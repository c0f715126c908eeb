# klartext — GNU make + pkg-config.
#   make            release build  -> build/klartext
#   make asan       ASan+UBSan     -> build-asan/klartext
#   make test       build (asan) and run every test; last line: "tests: N passed, N failed"
#   make test-fast  unit and command-line tests without the hardening suites (release build)
#   make test-hardening  crash, disk, limits, attacks, secrets and the fuzz replays
#   make fuzz       libFuzzer targets (clang-14) -> build-fuzz/
#   make check-style     format (changed files), SQL only in src/register/, functions <= 100
#                        lines, no circles, files written only by src/util/output.c and no
#                        output to /dev/null in tests; make format reformats every C file;
#                        make structure prints the structure drawing (docs/HACKING.md)
# Options: WERROR=1 (CI), WITH_ISAL=0 to build without ISA-L, JOBS=N suites at once in tests.

PKGS      := libsodium sqlite3 jansson libpcre2-8 zlib libzstd libcurl libmicrohttpd
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
WFLAGS    := -Wall -Wextra -Wshadow -Wno-unused-parameter -Wno-missing-field-initializers -Wvla -Wformat=2
ifeq ($(WERROR),1)
WFLAGS    += -Werror
endif
CFLAGS    += -std=c11 -D_GNU_SOURCE $(OPT) -g $(WFLAGS) $(SAN) $(DEFS) \
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

.PHONY: all asan test test-fast test-hardening unit fuzz clean check-style format structure
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
	$(MAKE) BUILD=build-asan EXCLUDE="$(EXCLUDE)" OPT=-O1 SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

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

clean:
	rm -rf build build-asan build-fuzz

-include $(LIBOBJ:.o=.d) $(BUILD)/src/main.d
