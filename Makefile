# ctk12328 — top-level build. Everything is built out of tree into $(BUILD)/.
#
#   make            build the ctk command and the test runner
#   make deps       install the Debian packages the project needs (root), or print the command,
#                   and the npm clients of the CTI tests into $(BUILD)/npm-cti
#   make test       deps + build + every test of the toolkit itself (CUnit)
#   make demo       deps + build + full conformance run against the reference province
#   make asan       the tests under AddressSanitizer and UndefinedBehaviorSanitizer
#   make tsan       the tests under ThreadSanitizer (threads: store committer, parked requests)
#   make bench | bench-hostile | soak | fuzz    long-running work, never part of `make test`
#   make cti-check  each CTI family watched by its real client through 200 SIPp calls
#   make mutation   mutation score of the conformance suites (docs/MUTATION.md), not in make test

BUILD    ?= build
CC       ?= cc
PKGS     := libxml-2.0 libpcre2-8 libcurl libmicrohttpd sqlite3 libosip2 libcrypto cunit json-c libarchive
OPT      ?= -O2 -g
SAN      ?=
WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral -Wstrict-prototypes
CPPFLAGS += -D_GNU_SOURCE
CFLAGS   += -std=c11 $(OPT) $(WARN) $(SAN) -fno-strict-aliasing
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS   += $(PKG_LIBS) -lpthread -lm

# Layers. Each folder is compiled with the include paths of its own layer and the layers below
# it, never above, so a header included against the direction fails the build (make layercheck):
#   lib/base < lib/proto < lib/engine < reports, simulators, bench < runner < suites < cli < tests
INC_base     := -Ilib/base
INC_proto    := $(INC_base) -Ilib/proto
INC_engine   := $(INC_proto) -Ilib/engine
INC_reports  := $(INC_proto) -Ireports
INC_sim_base := $(INC_base) -Isimulators
INC_sim_city := $(INC_proto) -Isimulators
INC_bench    := $(INC_engine) -Ibench
INC_runner   := $(INC_engine) -Ireports -Irunner
INC_suites   := $(INC_runner) -Isuites
INC_cli      := $(INC_suites) -Isimulators -Ibench -Icli
INC_tests    := $(INC_cli) -Itests -Itests/server -Itests/fuzz

# folder -> layer; every .c of these folders goes into libctk.a (cli/ into libctk-cli.a).
LAYER_lib/base := base
LAYER_lib/proto := proto
LAYER_lib/engine := engine
LAYER_reports := reports
LAYER_simulators/acd := sim_base
LAYER_simulators/load := sim_base
LAYER_simulators/cti := sim_base
LAYER_simulators/city := sim_city
LAYER_bench := bench
LAYER_runner := runner
LAYER_suites/jtt1019-1 := suites
LAYER_suites/jtt1019-2 := suites
LAYER_suites/jtt1019-3 := suites
LAYER_cli := cli
LAYER_tests := tests
LAYER_tests/server := tests
LAYER_tests/fuzz := tests

LIB_DIRS := lib/base lib/proto lib/engine reports simulators/cti simulators/acd simulators/load simulators/city \
            bench runner suites/jtt1019-1 suites/jtt1019-2 suites/jtt1019-3
LIB_SRC  := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_SRC  := $(filter-out cli/ctk_main.c,$(wildcard cli/*.c))
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
# The fuzz targets are compiled into the test runner without their libFuzzer hooks.
TEST_SRC := $(wildcard tests/*.c) tests/server/ctk_faultproxy.c $(wildcard tests/fuzz/fuzz_*.c)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)
DEPFILES := $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BUILD)/obj/cli/ctk_main.d

$(BUILD)/obj/tests/fuzz/%.o: CPPFLAGS += -DCTK_FUZZ_NO_MAIN

CTK      := $(BUILD)/ctk
TESTBIN  := $(BUILD)/ctk-tests

.PHONY: all deps test demo asan tsan bench bench-hostile soak fuzz clean check-deps layercheck \
        cti-check mutation

# An LD_PRELOAD library that makes the WAL's fdatasync fail, for tests/test_syncfail.c; built
# without sanitizers (make asan skips the suite: a sanitized ctk cannot take a preload).
PRELOAD  := $(BUILD)/fail_wal.so

all: $(CTK) $(TESTBIN) $(PRELOAD)

$(PRELOAD): tests/server/preload/fail_wal.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 $(WARN) -fPIC -shared -o $@ $< -ldl

GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
$(BUILD)/obj/lib/base/ctk_version.o: CPPFLAGS += -DCTK_GIT_COMMIT='"$(GIT_COMMIT)"'

# The include paths of the folder's layer (a file's folder with the trailing slash cut).
layer_inc = $(INC_$(LAYER_$(patsubst %/,%,$(dir $(1)))))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(call layer_inc,$<) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libctk.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/libctk-cli.a: $(CLI_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(CTK): $(BUILD)/obj/cli/ctk_main.o $(BUILD)/libctk-cli.a $(BUILD)/libctk.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(TESTBIN): $(TEST_OBJ) $(BUILD)/libctk-cli.a $(BUILD)/libctk.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Each probe in tests/layers/ is compiled with the include paths of the layer its name begins
# with. A probe named *-ok.c must compile; every other probe includes a header from above its
# layer and must fail. tests/test_layers.c runs this target.
LAYER_PROBES := $(wildcard tests/layers/*.c)
layercheck:
	@fail=0; for f in $(LAYER_PROBES); do \
	  layer=$$(basename $$f | sed 's/--.*//'); \
	  inc=$$($(MAKE) -s --no-print-directory print-inc LAYER=$$layer); \
	  if $(CC) $(CPPFLAGS) $$inc $(PKG_CFLAGS) -std=c11 -fsyntax-only $$f 2>/dev/null; then ok=1; else ok=0; fi; \
	  case $$f in *-ok.c) want=1 ;; *) want=0 ;; esac; \
	  if [ $$ok != $$want ]; then echo "layercheck: $$f: compiled=$$ok, expected $$want"; fail=1; fi; \
	done; [ $$fail = 0 ] && echo "layercheck: $(words $(LAYER_PROBES)) probes as expected"; exit $$fail

print-inc:
	@echo $(INC_$(LAYER))

deps:
	@sh scripts/deps.sh
	@sh scripts/deps-npm.sh $(BUILD)

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

# The 200-call version of the cti_interop suite (20 calls in make test), then the reference
# city docked by each family through 200 answered calls (J2.dock-*; 10 in make test).
cti-check: deps
	$(MAKE) all
	CTK_CTI_CALLS=200 CTK_BIN=$(abspath $(CTK)) ./$(TESTBIN) --suite cti_interop
	d=$$(mktemp -d) && sed 's/^calls = .*/calls = 200/' fixtures/pixit/reference-city.pixit \
	  > $$d/city.pixit && $(CTK) run --sut city --pics fixtures/pics/reference-city.pics \
	  --pixit $$d/city.pixit --select 'id:J2.dock-*' --out $$d/out

# issue 17's targets, measured (bench/hostile.sh): store growth, CPU per refusal, a good
# client's answers under 2,000 slow connections
bench-hostile: deps
	$(MAKE) all
	sh bench/hostile.sh $(BUILD)

soak: deps
	$(MAKE) all
	CTK_SOAK=1 CTK_BIN=$(abspath $(CTK)) ./$(TESTBIN) --tags soak

fuzz: deps
	sh scripts/fuzz.sh

# The committed sample of tests/mutation/sample.conf, or one file:
#   make mutation FILE=lib/engine/ctk_node_flow.c N=20 SEED=7 [OPS=ror,sdl] [JOBS=2]
# Reports: $(BUILD)/mutation/mutation.json and mutation.html.
mutation: deps
	$(MAKE) all
	python3 tests/mutation/ctk_mutate.py run --conf tests/mutation/sample.conf --build $(BUILD) \
	  --out $(BUILD)/mutation --jobs $(or $(JOBS),2) $(if $(FILE),--file $(FILE)) \
	  $(if $(N),-n $(N)) $(if $(SEED),--seed $(SEED)) $(if $(OPS),--ops $(OPS))

clean:
	rm -rf build build-asan build-tsan build-fuzz

-include $(DEPFILES)
