#!/bin/sh
# bench/hostile.sh: the numbers of issue 17's "done when", measured on a reference province
# (`ctk serve`, its defaults) over loopback, bounded in count and time:
#   - store growth after 100 unauthenticated 1 MiB requests (target < 100 KiB)
#   - CPU of the province per refused 1 MB request of 90,000 attributes (target < 50 ms)
#   - a good client's answer time while one address tries to hold 2,000 slow or idle
#     connections (target < 1 s), and how many of them the province held
# Usage: sh bench/hostile.sh [BUILD_DIR]   (run from the ctk12328 tree; default build)
# Each number is a JSON line in BUILD_DIR/bench/hostile.jsonl and on stdout.
set -eu
BUILD=${1:-build}
OUT="$BUILD/bench/hostile.jsonl"
mkdir -p "$BUILD/bench"
: > "$OUT"
CTK_MEASURE_OUT="$OUT" CTK_BIN="$(pwd)/$BUILD/ctk" "./$BUILD/ctk-tests" --tags measure
cat "$OUT"
