# ctk12328 — top-level build. Everything is built out of tree into $(BUILD)/.
#
#   make            build the ctk command and the test runner
#   make deps       install the Debian packages the project needs (root), or print the command
#   make test       deps + build + every test of the toolkit itself (CUnit)
#   make demo       deps + build + full conformance run against the reference province
#   make asan       the tests under AddressSanitizer and UndefinedBehaviorSanitizer
#   make tsan       the tests under ThreadSanitizer (threads: store committer, parked requests)
#   make bench | soak | fuzz    long-running work, never part of `make test`

BUILD    ?= build
CC       ?= cc
PKGS     := libxml-2.0 libpcre2-8 libcurl libmicrohttpd sqlite3 libosip2 libcrypto cunit json-c libarchive
OPT      ?= -O2 -g
SAN      ?=
WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral -Wstrict-prototypes
CPPFLAGS += -D_GNU_SOURCE -Ilib -Ireports -Irunner -Isimulators -Isuites -Itests -Ibench
CFLAGS   += -std=c11 $(OPT) $(WARN) $(SAN) -fno-strict-aliasing
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS   += $(PKG_LIBS) -lpthread -lm

# Every .c under these folders goes into libctk.a; the ctk command adds runner/ctk_main.c,
# the test runner adds tests/*.c. New files are picked up without editing this file.
LIB_DIRS := lib reports runner bench suites/jtt1019-1 suites/jtt1019-2 suites/jtt1019-3 \
            simulators/city simulators/acd simulators/load
LIB_SRC  := $(filter-out runner/ctk_main.c,$(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(wildcard tests/*.c)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)
DEPFILES := $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BUILD)/obj/runner/ctk_main.d

CTK      := $(BUILD)/ctk
TESTBIN  := $(BUILD)/ctk-tests

.PHONY: all deps test demo asan tsan bench soak fuzz clean check-deps

# An LD_PRELOAD library that makes the WAL's fdatasync fail, for tests/test_syncfail.c; built
# without sanitizers (make asan skips the suite: a sanitized ctk cannot take a preload).
PRELOAD  := $(BUILD)/fail_wal.so

all: $(CTK) $(TESTBIN) $(PRELOAD)

$(PRELOAD): tests/preload/fail_wal.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 $(WARN) -fPIC -shared -o $@ $< -ldl

GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
$(BUILD)/obj/runner/ctk_version.o: CPPFLAGS += -DCTK_GIT_COMMIT='"$(GIT_COMMIT)"'

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libctk.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(CTK): $(BUILD)/obj/runner/ctk_main.o $(BUILD)/libctk.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(TESTBIN): $(TEST_OBJ) $(BUILD)/libctk.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	@sh scripts/deps.sh

# CTK_TEST_TAGS_SKIP lets a machine without e.g. a browser skip tagged suites (see tests/registry.h).
test: deps
	$(MAKE) all
	CTK_BIN=$(abspath $(CTK)) ./$(TESTBIN)

demo: deps
	$(MAKE) all
	sh scripts/demo.sh $(abspath $(CTK))

asan: deps
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" all
	# valgrind cannot run a sanitized binary; the daemons' valgrind run is part of make test
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  CTK_TEST_SKIP=valgrind,preload CTK_BIN=$(abspath build-asan/ctk) ./build-asan/ctk-tests

# ThreadSanitizer: the same suite (the daemons it starts are sanitized too); a report fails it.
tsan: deps
	$(MAKE) BUILD=build-tsan OPT="-O1 -g" SAN="-fsanitize=thread" all
	TSAN_OPTIONS=halt_on_error=1 CTK_TEST_SKIP=valgrind,preload \
	  CTK_BIN=$(abspath build-tsan/ctk) ./build-tsan/ctk-tests

bench: deps
	$(MAKE) all
	sh bench/run.sh $(abspath $(CTK))

soak: deps
	$(MAKE) all
	CTK_SOAK=1 CTK_BIN=$(abspath $(CTK)) ./$(TESTBIN) --tags soak

fuzz: deps
	sh scripts/fuzz.sh

clean:
	rm -rf build build-asan build-tsan build-fuzz

-include $(DEPFILES)
