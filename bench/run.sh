#!/bin/sh
# bench/run.sh CTK — the benchmarks of `make bench`. Writes bench results as JSON lines to
# build/bench/results.jsonl and a dated summary to docs/PERFORMANCE-latest.md, and prints it.
# Everything runs on 127.0.0.1 and is bounded in time. BENCH_SECONDS sets each load's length.
set -u
CTK=${1:?usage: bench/run.sh /abs/path/to/ctk}
SECS=${BENCH_SECONDS:-10}
CLIENTS=${BENCH_CLIENTS:-8}
OUT=build/bench
rm -rf "$OUT"
mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"
PIDS=""

cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
}
trap cleanup EXIT INT TERM

wait_port() { # FILE -> prints the port once the file holds one (10 s at most)
  i=0
  while [ $i -lt 100 ]; do
    if [ -s "$1" ]; then cat "$1"; return 0; fi
    sleep 0.1; i=$((i + 1))
  done
  echo "bench: no port in $1" >&2
  return 1
}

peak_kb() { # PID -> peak resident set in kB
  awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0
}

json_field() { # JSON-LINE FIELD -> number
  printf '%s\n' "$1" | sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p"
}

# --- credentials: one province sending to the ministry ---
"$CTK" passwd --region 360000 --level 2 --secret-file "$OUT/province.secret" > "$OUT/line" || exit 1
{ echo "region,level,salt_hex,hash_hex"; cat "$OUT/line"; } > "$OUT/credentials.csv"

start_ministry() { # DATA-DIR
  mkdir -p "$1"
  rm -f "$1/port"
  "$CTK" serve ministry --data "$1" --credentials "$OUT/credentials.csv" \
    --port-file "$1/port" --log-level error &
  MINISTRY_PID=$!
  PIDS="$PIDS $MINISTRY_PID"
  MINISTRY_PORT=$(wait_port "$1/port") || exit 1
}

ingest() { # NAME URL [extra args] -> appends a JSON line, echoes it
  name=$1; url=$2; shift 2
  line=$("$CTK" bench ingest --name "$name" --url "$url" --secret-file "$OUT/province.secret" \
         --clients "$CLIENTS" --duration "$SECS" --json "$@")
  echo "$line" >> "$RESULTS"
  echo "$line"
}

echo "== ministry ingest: $CLIENTS keep-alive clients, $SECS s each =="
start_ministry "$OUT/ministry-empty"
L_MIN=$(ingest ministry-ingest "http://127.0.0.1:$MINISTRY_PORT")
MIN_RATE=$(json_field "$L_MIN" rate)
MIN_KB=$(peak_kb "$MINISTRY_PID")

L_BARE=$("$CTK" bench ingest --name bare-ceiling --bare --clients "$CLIENTS" --duration "$SECS" --json)
echo "$L_BARE" >> "$RESULTS"
echo "$L_BARE"
BARE_RATE=$(json_field "$L_BARE" rate)

HALF=$(awk -v r="$MIN_RATE" 'BEGIN { printf "%.0f", r / 2 }')
L_HALF=$(ingest ministry-half-rate "http://127.0.0.1:$MINISTRY_PORT" --rate "$HALF" --first-seq 50000000)
HALF_P99=$(json_field "$L_HALF" p99_ms)
kill "$MINISTRY_PID" 2>/dev/null
wait "$MINISTRY_PID" 2>/dev/null

RATIO=$(awk -v a="$MIN_RATE" -v b="$BARE_RATE" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print 0 }')

# --- queue machine against SIPp's own server ---
ACD_LINE="(skipped: sipp not installed)"
if command -v sipp >/dev/null 2>&1 && [ -x bench/acd.sh ]; then
  ACD_LINE=$(sh bench/acd.sh "$CTK" "$OUT" 2>/dev/null | tail -n 1)
  echo "$ACD_LINE" >> "$RESULTS"
fi

SUMMARY="$OUT/summary.md"
{
  echo "## Benchmark run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo
  echo "| benchmark | result | target |"
  echo "|---|---|---|"
  echo "| ministry ingest | $MIN_RATE orders/s | ≥ 20,000 |"
  echo "| bare ceiling (libmicrohttpd fixed reply) | $BARE_RATE orders/s | — |"
  echo "| ingest / ceiling | $RATIO | ≥ 0.4 |"
  echo "| p99 at half the peak rate ($HALF/s) | $HALF_P99 ms | < 20 ms |"
  echo "| ministry peak RSS | $MIN_KB kB | < 100 MB |"
  echo "| queue machine | $ACD_LINE | ≥ 2,000 calls/s, ≥ SIPp uas |"
} > "$SUMMARY"
cat "$SUMMARY"
