#!/bin/sh
# Build the libFuzzer targets of tests/fuzz/ with clang, AddressSanitizer and UndefinedBehaviorSanitizer
# into build-fuzz/, seed each corpus from the fixtures, and run each target for a bounded time.
# A crash is saved under tests/fuzz/regressions/<target>/ (commit it: tests/test_fuzz_short.c replays
# every file there through the same entry point) and makes this script exit 1.
#
#   sh scripts/fuzz.sh [--seconds N] [--target NAME]... [--build-only] [--jobs N]
#   env FUZZ_SECONDS (default 60), FUZZ_CC (default clang), FUZZ_BUILD (default build-fuzz)
#
# Exit: 0 no crash, 1 a target crashed, 2 build or usage error, 77 clang is missing.
set -u

seconds=${FUZZ_SECONDS:-60}
cc=${FUZZ_CC:-clang}
out=${FUZZ_BUILD:-build-fuzz}
build_only=0
targets=""
all_targets="msg profile sip http"

while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --target) targets="$targets $2"; shift 2 ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$targets" ] || targets=$all_targets
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: --seconds wants a number" >&2; exit 2 ;; esac

cd "$(dirname "$0")/.." || exit 2
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "fuzz.sh: $cc not found; install clang and libclang-rt-14-dev (make deps)" >&2
  exit 77
fi

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
opt="-O1 -g -fno-omit-frame-pointer"
# The objects are built by the normal Makefile rules, only with clang, the sanitizers and
# libFuzzer's coverage hooks (fuzzer-no-link: the hooks, not libFuzzer's main). Only the folders
# the targets reach are compiled (the core, the queue machine, the province's fault table), which
# keeps the short run in make test cheap. -Werror is left out because clang warns about things
# gcc does not; the gcc build keeps the warnings honest.
log="$out/build.log"
mkdir -p "$out"
objs=""
for f in lib/*/*.c simulators/acd/*.c; do
  objs="$objs $out/obj/${f%.c}.o"
done
# shellcheck disable=SC2086
if ! make -s -j2 BUILD="$out" CC="$cc" OPT="$opt" SAN="$san -fsanitize=fuzzer-no-link" \
     WARN="-Wall -Wextra -Wno-unused-parameter" $objs >"$log" 2>&1; then
  echo "fuzz.sh: building the library with $cc failed; see $log" >&2
  tail -20 "$log" >&2
  exit 2
fi
rm -f "$out/libctk-fuzz.a"
# shellcheck disable=SC2086
ar rcs "$out/libctk-fuzz.a" $objs || exit 2

pkgs="libxml-2.0 libpcre2-8 libcurl libmicrohttpd sqlite3 libosip2 libcrypto json-c libarchive"
# shellcheck disable=SC2046
cflags="-std=c11 -D_GNU_SOURCE $(make -s --no-print-directory print-inc LAYER=tests) $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lpthread -lm"

# seed_body FILE DIR: copy the body of a hostile .http file (what follows the first empty line).
seed_body() {
  off=$(grep -a -b -m1 -x '' "$1" | cut -d: -f1)
  [ -n "$off" ] || return 0
  tail -c +"$((off + 2))" "$1" >"$2/hostile-$(basename "$1" .http)"
}

# seeds TARGET DIR: fill a fresh corpus directory from the fixtures (never committed).
seeds() {
  t=$1; d=$2
  case "$t" in
    msg)
      for f in fixtures/messages/*.xml fixtures/messages/*/*.xml; do
        [ -f "$f" ] && cp "$f" "$d/msg-$(echo "$f" | tr '/' '_')"
      done
      for f in fixtures/hostile/*.http; do seed_body "$f" "$d"; done ;;
    profile)
      # first byte chooses the file of the profile (order of fuzz_profile.c), the rest is it
      i=0
      for f in profile.xml catalog.xml process.xml formats.csv requirements.csv \
               codes/result-codes.csv codes/channels.csv codes/levels.csv schemas/ctk12328.xsd; do
        src="profiles/jtt1019-baseline/$f"
        if [ -f "$src" ]; then
          { printf "\\$(printf %03o "$i")"; cat "$src"; } >"$d/file-$i"
        fi
        i=$((i + 1))
      done ;;
    sip)
      cp tests/fuzz/seeds/sip/* "$d/" 2>/dev/null ;;
    http)
      cp fixtures/hostile/*.http "$d/" 2>/dev/null
      for f in fixtures/messages/*.xml; do
        [ -f "$f" ] && { printf 'POST /exchange\nContent-Type: application/xml; charset=UTF-8\nX-Ctk-Auth: city\n\n'; cat "$f"; } >"$d/msg-$(basename "$f").http"
      done ;;
  esac
  for f in tests/fuzz/regressions/"$t"/*; do
    [ -f "$f" ] && cp "$f" "$d/"
  done
  return 0
}

crashed=0
for t in $targets; do
  src="tests/fuzz/fuzz_$t.c"
  if [ ! -f "$src" ]; then
    echo "fuzz.sh: no target $t ($src missing)" >&2
    exit 2
  fi
  bin="$out/fuzz_$t"
  # shellcheck disable=SC2086
  if ! "$cc" $cflags $opt $san -fsanitize=fuzzer "$src" "$out/libctk-fuzz.a" $libs -o "$bin" \
       >"$out/link-$t.log" 2>&1; then
    echo "fuzz.sh: target $t does not build yet (its code may not have landed); see $out/link-$t.log" >&2
    tail -5 "$out/link-$t.log" >&2
    exit 2
  fi
  [ "$build_only" = 1 ] && { echo "fuzz.sh: built $bin"; continue; }

  corpus="$out/corpus/$t"
  rm -rf "$corpus"
  mkdir -p "$corpus" "tests/fuzz/regressions/$t"
  seeds "$t" "$corpus"
  echo "fuzz.sh: $t for ${seconds}s ($(ls "$corpus" | wc -l) seeds)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=262144 \
    -print_final_stats=1 -artifact_prefix="tests/fuzz/regressions/$t/" "$corpus" \
    >"$out/run-$t.log" 2>&1
  rc=$?
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$out/run-$t.log" | sed "s/^/fuzz.sh: $t /"
  if [ $rc -ne 0 ]; then
    echo "fuzz.sh: $t FAILED (exit $rc); the input is in tests/fuzz/regressions/$t/, the log in $out/run-$t.log" >&2
    grep -E 'ERROR|SUMMARY|Test unit written' "$out/run-$t.log" | head -5 >&2
    crashed=1
  fi
done
exit $crashed
