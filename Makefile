# ctk12328 — top-level build. Everything is built out of tree into $(BUILD)/.
#
#   make            build the ctk command and the test runner
#   make deps       install the Debian packages the project needs (root), or print the command,
#                   and the npm packages of the tests into $(BUILD)/npm-cti and $(BUILD)/npm-browser
#   make test       deps + build + every test of the toolkit itself (CUnit)
#   make demo       deps + build + full conformance run against the reference province
#   make asan       the tests under AddressSanitizer and UndefinedBehaviorSanitizer
#   make tsan       the tests under ThreadSanitizer (threads: store committer, parked requests)
#   make bench | bench-hostile | soak | fuzz    long-running work, never part of `make test`
#   make cti-check  each CTI family watched by its real client through 200 SIPp calls
#   make mutation   mutation score of the conformance suites (docs/MUTATION.md), not in make test
#   make install    [PREFIX=/usr/local] [DESTDIR=stage]: ctk, man pages, profiles, data,
#                   fixtures, docs, systemd units, /etc/ctk12328 (docs/INSTALL.md); make uninstall
#   make deb        $(BUILD)/ctk12328_VERSION_ARCH.deb, built with dpkg-deb (docs/INSTALL.md)
#   make systemd-check  (root) the .deb installed with dpkg -i into a debootstrapped Debian
#                   booted with its real systemd (systemd-nspawn): both units enabled, started,
#                   asked, killed, rebooted, removed and purged; ~2 min, 4 more the first time
#                   (docs/INSTALL.md), not in make test

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
#   lib/base < lib/proto < lib/engine < reports, simulators, bench < runner < suites, console
#   < cli < tests
INC_base     := -Ilib/base
INC_proto    := $(INC_base) -Ilib/proto
INC_engine   := $(INC_proto) -Ilib/engine
INC_reports  := $(INC_proto) -Ireports
INC_sim_base := $(INC_base) -Isimulators
INC_sim_city := $(INC_proto) -Isimulators
INC_bench    := $(INC_engine) -Ibench
INC_runner   := $(INC_engine) -Ireports -Irunner
INC_suites   := $(INC_runner) -Isuites
INC_console  := $(INC_runner) -Iconsole
INC_cli      := $(INC_suites) -Isimulators -Ibench -Iconsole -Icli
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
LAYER_console := console
LAYER_cli := cli
LAYER_tests := tests
LAYER_tests/server := tests
LAYER_tests/fuzz := tests

LIB_DIRS := lib/base lib/proto lib/engine reports simulators/cti simulators/acd simulators/load simulators/city \
            bench runner suites/jtt1019-1 suites/jtt1019-2 suites/jtt1019-3 console
LIB_SRC  := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
# Files built into the binary (lib/base/ctk_embed): the console's pages and the message
# catalogues, turned into a C file by scripts/embed.sh; nothing is read from outside at run time.
EMBED_FILES := $(sort $(wildcard console/assets/*.html console/assets/*.js console/assets/*.css)) \
               $(sort $(wildcard i18n/*.txt))
EMBED_C  := $(BUILD)/gen/ctk_embedded.c
EMBED_OBJ := $(BUILD)/obj/gen/ctk_embedded.o
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(EMBED_OBJ)
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
        cti-check mutation install uninstall install-files uninstall-files deb systemd-check FORCE

# An LD_PRELOAD library that makes the WAL's fdatasync fail, for tests/test_syncfail.c; built
# without sanitizers (make asan skips the suite: a sanitized ctk cannot take a preload).
PRELOAD  := $(BUILD)/fail_wal.so

all: $(CTK) $(TESTBIN) $(PRELOAD)

$(PRELOAD): tests/server/preload/fail_wal.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 $(WARN) -fPIC -shared -o $@ $< -ldl

# Where `make install` puts things. ctk is built to look for its data in DATADIR (lib/base/
# ctk_datadir); $(BUILD)/datadir.stamp holds the value, so a new PREFIX rebuilds that one file.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share/ctk12328
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/ctk12328
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)

$(BUILD)/datadir.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' > $@
$(BUILD)/obj/lib/base/ctk_datadir.o: $(BUILD)/datadir.stamp
$(BUILD)/obj/lib/base/ctk_datadir.o: CPPFLAGS += -DCTK_DATADIR_INSTALLED='"$(DATADIR)"'

GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
$(BUILD)/obj/lib/base/ctk_version.o: CPPFLAGS += -DCTK_GIT_COMMIT='"$(GIT_COMMIT)"'

# The include paths of the folder's layer (a file's folder with the trailing slash cut).
layer_inc = $(INC_$(LAYER_$(patsubst %/,%,$(dir $(1)))))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(call layer_inc,$<) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(EMBED_C): scripts/embed.sh $(EMBED_FILES)
	@mkdir -p $(dir $@)
	sh scripts/embed.sh $@ $(EMBED_FILES)

$(EMBED_OBJ): $(EMBED_C)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(INC_base) $(CFLAGS) -c $< -o $@

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
	  CTK_TEST_SKIP=valgrind,preload,package CTK_BIN=$(abspath build-asan/ctk) ./build-asan/ctk-tests

# ThreadSanitizer: the same suite (the daemons it starts are sanitized too); a report fails it.
tsan: deps
	$(MAKE) BUILD=build-tsan OPT="-O1 -g" SAN="-fsanitize=thread" all
	TSAN_OPTIONS=halt_on_error=1 CTK_TEST_SKIP=valgrind,preload,package \
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

# install-files and uninstall-files copy and remove only (tests/test_package.c stages with them);
# install builds first, so the program knows DATADIR.
INSTALL_ENV = DESTDIR='$(DESTDIR)' BINDIR='$(BINDIR)' DATADIR='$(DATADIR)' MANDIR='$(MANDIR)' \
              DOCDIR='$(DOCDIR)' UNITDIR='$(UNITDIR)' SYSCONFDIR='$(SYSCONFDIR)'
install: $(CTK)
	$(MAKE) --no-print-directory install-files CTK_BIN=$(CTK)

install-files:
	$(INSTALL_ENV) CTK_BIN='$(CTK_BIN)' sh scripts/install.sh install

uninstall uninstall-files:
	$(INSTALL_ENV) sh scripts/install.sh uninstall

# The package's program is the same build linked with a ctk_datadir.o that looks in /usr, so
# `make deb` never rebuilds $(BUILD)/ctk; scripts/mkdeb.sh turns the staged tree into the .deb.
DEB_DIR := $(BUILD)/deb
$(DEB_DIR)/ctk_datadir.o: lib/base/ctk_datadir.c lib/base/ctk_datadir.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(INC_base) $(PKG_CFLAGS) $(CFLAGS) \
	  -DCTK_DATADIR_INSTALLED='"/usr/share/ctk12328"' -c $< -o $@

$(DEB_DIR)/ctk: $(BUILD)/obj/cli/ctk_main.o $(DEB_DIR)/ctk_datadir.o $(BUILD)/libctk-cli.a \
                $(BUILD)/libctk.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deb: $(DEB_DIR)/ctk
	rm -rf $(DEB_DIR)/root
	$(MAKE) --no-print-directory install-files DESTDIR=$(abspath $(DEB_DIR)/root) PREFIX=/usr \
	  CTK_BIN=$(DEB_DIR)/ctk
	sh scripts/mkdeb.sh $(DEB_DIR)/root $(BUILD)

# Long: debootstrap (once, kept in $(BUILD)/systemd-check/base), two boots; scripts/systemd-check.sh
systemd-check: deps
	sh scripts/systemd-check.sh $(BUILD)

clean:
	rm -rf build build-asan build-tsan build-fuzz

-include $(DEPFILES)
