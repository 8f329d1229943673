#!/bin/sh
# bench/run.sh CTK — the benchmarks of `make bench` (docs/PERFORMANCE.md says what each means):
#   1. ministry ingest vs a bare libmicrohttpd fixed reply (the ceiling), p99 at half the rate
#   2. growth: the same ingest with BENCH_STORED orders already stored (default 1,000,000)
#   3. national day: BENCH_NATIONAL_ORDERS (70,000) reports from every city through the 32
#      reference provinces to the reference ministry; wall time until all are at the ministry
#   4. queue machine: bench/acd.sh (ctk sim acd against SIPp's own server)
#   5. runner: `ctk run` of the full suite against the reference province
# and the peak resident memory (VmHWM) of each daemon. Results go to build/bench/results.jsonl
# and build/bench/summary.md (printed at the end). Everything runs on 127.0.0.1 and is bounded
# in time. Progress goes to a terminal; nothing but the summary when CI is set or not a tty.
# BENCH_SECONDS sets each ingest's length, BENCH_CLIENTS its connections, BENCH_SKIP a list of
# parts to leave out (ingest growth national acd runner).
set -u
CTK=${1:?usage: bench/run.sh /abs/path/to/ctk}
SECS=${BENCH_SECONDS:-10}
CLIENTS=${BENCH_CLIENTS:-32}
STORED=${BENCH_STORED:-1000000}
NATIONAL=${BENCH_NATIONAL_ORDERS:-70000}
NAT_MAX_S=${BENCH_NATIONAL_MAX_S:-180}   # bound of the national load and, again, of its delivery
# connections in the national day: each city its own (BENCH_NATIONAL_CLIENTS=N instead gives
# each province N, shared by its cities)
if [ -n "${BENCH_NATIONAL_CLIENTS:-}" ]; then
  NAT_CONNS="--clients $BENCH_NATIONAL_CLIENTS"
else
  NAT_CONNS="--clients-per-lane 1"
fi
SKIP=${BENCH_SKIP:-}
OUT=${BENCH_OUT:-build/bench}
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

TTY=0
if [ -t 2 ] && [ -z "${CI:-}" ]; then TTY=1; fi
say() { [ "$TTY" = 1 ] && printf '%s\n' "$*" >&2; return 0; }
skipped() { case " $SKIP " in *" $1 "*) return 0 ;; esac; return 1; }

wait_port() { # FILE -> prints the port once the file holds one (20 s at most)
  i=0
  while [ $i -lt 200 ]; do
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

record() { # JSON-LINE: keep it and show it on a terminal
  echo "$1" >> "$RESULTS"
  say "$1"
}

stop_pid() { # PID: TERM and wait
  kill "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

mb() { awk -v k="${1:-0}" 'BEGIN { printf "%.1f MB", k / 1024 }'; }

store_stats() { # PORT -> "callers batches syncs" of that node's store (GET /ctk/store)
  curl -s "http://127.0.0.1:$1/ctk/store" |
    sed -n 's/.*"callers":\([0-9]*\),"batches":\([0-9]*\),"syncs":\([0-9]*\).*/\1 \2 \3/p'
}

proc_cpu_s() { # PID -> seconds of CPU (user + system) that process has used
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0
}

rss_sampler() { # OUTFILE: until killed, twice a second, "ROLE KB" for every running
  # `ctk serve ROLE` and `ctk sim ROLE` (VmHWM only grows, so the last line of each is its peak)
  while :; do
    for d in /proc/[0-9]*; do
      # a process may end between the glob and the read: the shell reports the failed
      # redirection itself, so it is silenced around the whole command
      cmd=$( { tr '\0' ' ' < "$d/cmdline"; } 2>/dev/null) || continue
      case "$cmd" in
        *" serve "*|*" sim "*)
          kb=$(awk '/VmHWM/ {print $2}' "$d/status" 2>/dev/null)
          echo "$cmd" | awk -v kb="${kb:-0}" '{ print $2 "_" $3, kb }' ;;
      esac
    done >> "$1"
    sleep 0.5
  done
}

cpu_busy_s() { # seconds of CPU (all cores, user + system) used so far on this machine
  awk '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $7 + $8) / 100 }' /proc/stat
}

# --- credentials: one province sending to the ministry ---
"$CTK" passwd --region 360000 --level 2 --secret-file "$OUT/province.secret" > "$OUT/line" || exit 1
{ echo "region,level,salt_hex,hash_hex"; cat "$OUT/line"; } > "$OUT/credentials.csv"

start_ministry() { # DATA-DIR [CREDENTIALS]
  mkdir -p "$1"
  rm -f "$1/port"
  "$CTK" serve ministry --data "$1" --credentials "${2:-$OUT/credentials.csv}" \
    --port-file "$1/port" --log-level error &
  MINISTRY_PID=$!
  PIDS="$PIDS $MINISTRY_PID"
  MINISTRY_PORT=$(wait_port "$1/port") || exit 1
}

ingest() { # NAME URL [extra args] -> appends a JSON line, echoes it
  name=$1; url=$2; shift 2
  line=$("$CTK" bench ingest --name "$name" --url "$url" --secret-file "$OUT/province.secret" \
         --clients "$CLIENTS" --duration "$SECS" --json "$@")
  record "$line"
  echo "$line"
}

MIN_RATE=- BARE_RATE=- RATIO=- HALF=- HALF_P99=- MIN_KB=0
if ! skipped ingest; then
  say "== 1. ministry ingest: $CLIENTS keep-alive clients, $SECS s each =="
  start_ministry "$OUT/ministry-empty"
  L_MIN=$(ingest ministry-ingest "http://127.0.0.1:$MINISTRY_PORT")
  MIN_RATE=$(json_field "$L_MIN" rate)

  L_BARE=$("$CTK" bench ingest --name bare-ceiling --bare --clients "$CLIENTS" --duration "$SECS" --json)
  record "$L_BARE"
  BARE_RATE=$(json_field "$L_BARE" rate)

  HALF=$(awk -v r="$MIN_RATE" 'BEGIN { printf "%.0f", r / 2 }')
  L_HALF=$(ingest ministry-half-rate "http://127.0.0.1:$MINISTRY_PORT" --rate "$HALF" --first-seq 50000000)
  HALF_P99=$(json_field "$L_HALF" p99_ms)
  MIN_KB=$(peak_kb "$MINISTRY_PID")
  stop_pid "$MINISTRY_PID"
  RATIO=$(awk -v a="$MIN_RATE" -v b="$BARE_RATE" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print 0 }')
fi

# --- 2. growth ---
FULL_RATE=- GROWTH=- FULL_KB=0 PRELOAD_S=-
if ! skipped growth; then
  say "== 2. growth: preload $STORED orders, then the same ingest =="
  mkdir -p "$OUT/ministry-full"
  t0=$(date +%s.%N)
  "$CTK" bench preload --data "$OUT/ministry-full" --orders "$STORED" || exit 1
  PRELOAD_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
  start_ministry "$OUT/ministry-full"
  L_FULL=$(ingest "ministry-ingest-$STORED-stored" "http://127.0.0.1:$MINISTRY_PORT" --first-seq "$STORED")
  FULL_RATE=$(json_field "$L_FULL" rate)
  FULL_KB=$(peak_kb "$MINISTRY_PID")
  stop_pid "$MINISTRY_PID"
  if [ "$MIN_RATE" != "-" ]; then
    GROWTH=$(awk -v a="$FULL_RATE" -v b="$MIN_RATE" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print 0 }')
  fi
  rm -rf "$OUT/ministry-full"     # several GB: do not leave it behind
fi

# --- 3. national day ---
NAT_WALL=- NAT_LOAD=- NAT_AT=- NAT_LOST=- NAT_OK=- NAT_PENDING=- NAT_MIN_KB=0 NAT_PROV_KB=0 NAT_CITIES=0
NAT_CPU=- NAT_MIN_CPU=- NAT_PROV_CPU=- NAT_MIN_STORE='{}' NAT_PROV_STORE='{}'
if ! skipped national; then
  N="$OUT/national"
  mkdir -p "$N"
  say "== 3. national day: $NATIONAL orders from every city through 32 provinces =="
  # one secret shared by the provinces, one by the cities (salts still differ per line)
  "$CTK" passwd --region 360000 --level 2 --secret-file "$N/province.secret" > /dev/null || exit 1
  "$CTK" passwd --region 360100 --level 3 --secret-file "$N/city.secret" > /dev/null || exit 1
  PROVINCES=$(awk -F, 'NR > 1 && $4 == "" {print $1}' data/regions.csv)
  echo "region,level,salt_hex,hash_hex" > "$N/ministry-credentials.csv"
  for p in $PROVINCES; do
    "$CTK" passwd --region "$p" --level 2 --secret - < "$N/province.secret" >> "$N/ministry-credentials.csv" || exit 1
  done
  start_ministry "$N/ministry" "$N/ministry-credentials.csv"
  NAT_MIN_PID=$MINISTRY_PID
  printf 'region,level,url\n100000,1,http://127.0.0.1:%s\n' "$MINISTRY_PORT" > "$N/peers.csv"
  echo "url,sender,receiver" > "$N/plan.csv"
  PROV_PIDS=""
  for p in $PROVINCES; do
    mkdir -p "$N/$p"
    echo "region,level,salt_hex,hash_hex" > "$N/$p/credentials.csv"
    for c in $(awk -F, -v p="$p" 'NR > 1 && $4 == p {print $1}' data/regions.csv); do
      "$CTK" passwd --region "$c" --level 3 --secret - < "$N/city.secret" >> "$N/$p/credentials.csv" || exit 1
    done
    "$CTK" serve province --region "$p" --data "$N/$p" --credentials "$N/$p/credentials.csv" \
      --secret-file "$N/province.secret" --peers "$N/peers.csv" --port-file "$N/$p/port" \
      --log-level error &
    PROV_PIDS="$PROV_PIDS $!"
    PIDS="$PIDS $!"
  done
  for p in $PROVINCES; do
    port=$(wait_port "$N/$p/port") || exit 1
    echo "$port" > "$N/$p/port.txt"
    for c in $(awk -F, -v p="$p" 'NR > 1 && $4 == p {print $1}' data/regions.csv); do
      echo "http://127.0.0.1:$port,$c:3,$p:2" >> "$N/plan.csv"
    done
  done
  NAT_CITIES=$(($(wc -l < "$N/plan.csv") - 1))
  t0=$(date +%s.%N)
  cpu0=$(cpu_busy_s)
  # shellcheck disable=SC2086 # NAT_CONNS is an option and its value
  L_NAT=$("$CTK" bench national --name national-day-load --plan "$N/plan.csv" --orders "$NATIONAL" \
          --secret-file "$N/city.secret" $NAT_CONNS --duration "$NAT_MAX_S" --json)
  record "$L_NAT"
  NAT_LOAD=$(json_field "$L_NAT" wall_s)
  drain_end=$(( $(date +%s) + NAT_MAX_S ))
  if [ -z "$(json_field "$L_NAT" sent)" ]; then
    # the load did not run at all (its error is above): no wall time to report
    echo "bench: the national-day load did not run" >&2
    NAT_LOAD=failed
    drain_end=0
  fi
  # every province's outbox drained: all its reports were accepted by the ministry. One curl
  # asks them all (a process per province twice a second took CPU from the run it measures);
  # a province that does not answer counts as one pending.
  OUTBOX_URLS="" NPROV=0
  for p in $PROVINCES; do
    OUTBOX_URLS="$OUTBOX_URLS http://127.0.0.1:$(cat "$N/$p/port.txt")/ctk/outbox"
    NPROV=$((NPROV + 1))
  done
  while [ "$(date +%s)" -lt "$drain_end" ]; do
    # shellcheck disable=SC2086 # one URL a word
    pending=$(curl -s -w '\n' $OUTBOX_URLS | awk -v want="$NPROV" '
      match($0, /"pending":[0-9]+/) { s += substr($0, RSTART + 10, RLENGTH - 10); n++ }
      END { print s + (want - n) }')
    [ "$TTY" = 1 ] && printf '\r  waiting for the provinces to deliver: %s pending   ' "$pending" >&2
    [ "$pending" -eq 0 ] && break
    sleep 0.5
  done
  [ "$TTY" = 1 ] && printf '\n' >&2
  NAT_WALL=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  [ "$NAT_LOAD" = failed ] && NAT_WALL=-
  NAT_CPU=$(awk -v a="$cpu0" -v b="$(cpu_busy_s)" 'BEGIN { printf "%.1f", b - a }')
  # how the stores shared their commits: callers, batches and WAL syncs, summed
  set -- $(store_stats "$MINISTRY_PORT")
  NAT_MIN_STORE="{\"callers\":${1:-0},\"batches\":${2:-0},\"syncs\":${3:-0}}"
  NAT_MIN_CPU=$(proc_cpu_s "$NAT_MIN_PID")
  NAT_PROV_CPU=0
  for pid in $PROV_PIDS; do
    NAT_PROV_CPU=$(awk -v a="$NAT_PROV_CPU" -v b="$(proc_cpu_s "$pid")" 'BEGIN { printf "%.2f", a + b }')
  done
  pc=0 pb=0 ps=0
  for p in $PROVINCES; do
    set -- $(store_stats "$(cat "$N/$p/port.txt")")
    pc=$((pc + ${1:-0})) pb=$((pb + ${2:-0})) ps=$((ps + ${3:-0}))
  done
  NAT_PROV_STORE="{\"callers\":$pc,\"batches\":$pb,\"syncs\":$ps}"
  NAT_MIN_KB=$(peak_kb "$NAT_MIN_PID")
  for pid in $PROV_PIDS; do
    k=$(peak_kb "$pid")
    [ "${k:-0}" -gt "$NAT_PROV_KB" ] && NAT_PROV_KB=$k
  done
  # stop the provinces (they finish the deliveries in flight), then count from the stores
  # themselves, so nothing moves between the two counts
  for pid in $PROV_PIDS; do kill "$pid" 2>/dev/null; done
  for pid in $PROV_PIDS; do wait "$pid" 2>/dev/null; done
  NAT_PENDING=0
  for p in $PROVINCES; do
    n=$("$CTK" bench count --data "$N/$p" --outbox)
    NAT_PENDING=$((NAT_PENDING + ${n:-0}))
  done
  NAT_AT=$("$CTK" bench count --data "$N/ministry")
  NAT_OK=$(json_field "$L_NAT" ok)
  # lost: acknowledged to a city, yet neither at the ministry nor still queued at a province
  NAT_LOST=$((${NAT_OK:-0} - ${NAT_AT:-0} - NAT_PENDING))
  record "{\"name\":\"national-day\",\"orders\":$NATIONAL,\"cities\":$NAT_CITIES,\"wall_s\":$([ "$NAT_WALL" = - ] && echo null || echo "$NAT_WALL"),\"acknowledged\":${NAT_OK:-0},\"at_ministry\":${NAT_AT:-0},\"still_queued\":$NAT_PENDING,\"lost\":$NAT_LOST,\"ministry_peak_kb\":$NAT_MIN_KB,\"province_peak_kb_max\":$NAT_PROV_KB,\"cpu_s\":$NAT_CPU,\"ministry_cpu_s\":$NAT_MIN_CPU,\"provinces_cpu_s\":$NAT_PROV_CPU,\"ministry_store\":$NAT_MIN_STORE,\"provinces_store\":$NAT_PROV_STORE}"
  stop_pid "$NAT_MIN_PID"
fi

# --- 4. queue machine against SIPp's own server ---
ACD_RATE=- UAS_RATE=- ACD_RATIO=- ACD_KB=0
if ! skipped acd; then
  if command -v sipp >/dev/null 2>&1; then
    say "== 4. queue machine: highest SIPp rate with no failed call =="
    L_ACD=$(sh bench/acd.sh "$CTK" "$OUT" | tail -n 1)
    record "$L_ACD"
    ACD_RATE=$(json_field "$L_ACD" acd_calls_per_s)
    UAS_RATE=$(json_field "$L_ACD" sipp_uas_calls_per_s)
    ACD_RATIO=$(json_field "$L_ACD" ratio)
    ACD_KB=$(json_field "$L_ACD" acd_peak_kb)
  else
    ACD_RATE="(sipp not installed)"
  fi
fi

# --- 5. runner: the full suite against the reference province ---
RUN_S=- RUN_RC=- RUN_RSS_TEXT=-
if ! skipped runner; then
  say "== 5. runner: ctk run, full suite against the reference province =="
  : > "$OUT/run-rss.txt"
  rss_sampler "$OUT/run-rss.txt" &
  SAMPLER=$!
  t0=$(date +%s.%N)
  timeout -k 10 "${BENCH_RUNNER_MAX_S:-300}" "$CTK" run --sut province \
    --pics fixtures/pics/reference-province.pics \
    --pixit fixtures/pixit/reference-province.pixit --out "$OUT/run" > "$OUT/run.log" 2>&1
  RUN_RC=$?
  RUN_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  kill "$SAMPLER" 2>/dev/null
  wait "$SAMPLER" 2>/dev/null
  # the largest peak of each kind of daemon the runner started
  RUN_RSS=$(awk '{ if ($2 > max[$1]) max[$1] = $2 } END { for (k in max) printf "%s %s\n", k, max[k] }' \
            "$OUT/run-rss.txt" | sort)
  RUN_RSS_JSON=$(printf '%s\n' "$RUN_RSS" | awk 'NF == 2 { printf "%s\"%s_peak_kb\":%s", sep, $1, $2; sep = "," }')
  RUN_RSS_TEXT=$(printf '%s\n' "$RUN_RSS" | awk 'NF == 2 { printf "%s%s %.1f MB", sep, $1, $2 / 1024; sep = ", " }')
  record "{\"name\":\"runner-full-suite\",\"wall_s\":$RUN_S,\"exit\":$RUN_RC${RUN_RSS_JSON:+,$RUN_RSS_JSON}}"
fi

SUMMARY="$OUT/summary.md"
{
  echo "## Benchmark run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($(awk -F: '/model name/ {sub(/^ /, "", $2); print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| benchmark | result | target |"
  echo "|---|---|---|"
  echo "| ministry ingest ($CLIENTS clients, $SECS s) | $MIN_RATE orders/s | ≥ 20,000 |"
  echo "| bare ceiling (libmicrohttpd fixed reply) | $BARE_RATE orders/s | — |"
  echo "| ingest / ceiling | $RATIO | ≥ 0.4 |"
  echo "| p99 at half the peak rate ($HALF/s) | $HALF_P99 ms | < 20 ms |"
  echo "| ingest with $STORED stored (preload $PRELOAD_S s) | $FULL_RATE orders/s | — |"
  echo "| stored / empty | $GROWTH | ≥ 0.8 (at 10 M) |"
  echo "| national day: $NATIONAL orders, $NAT_CITIES cities, 32 provinces | $NAT_WALL s (load $NAT_LOAD s); $NAT_OK acknowledged, $NAT_AT at the ministry, $NAT_PENDING still queued, $NAT_LOST lost | < 30 s, 0 lost |"
  echo "| national day: CPU used (all processes, both cores) | $NAT_CPU s (ministry $NAT_MIN_CPU s, provinces $NAT_PROV_CPU s, the rest is the load generator and the kernel's own threads); stores (callers, batches, syncs): ministry $(echo "$NAT_MIN_STORE" | tr -d '{}\"'), provinces $(echo "$NAT_PROV_STORE" | tr -d '{}\"') | — |"
  echo "| queue machine: ctk sim acd | $ACD_RATE calls/s | ≥ 2,000 |"
  echo "| queue machine: sipp -sn uas | $UAS_RATE calls/s | — |"
  echo "| acd / SIPp uas | $ACD_RATIO | ≥ 1.0 |"
  echo "| runner: full suite (exit $RUN_RC) | $RUN_S s | < 60 s |"
  echo "| peak RSS: ministry ingest / growth / national | $(mb "$MIN_KB") / $(mb "$FULL_KB") / $(mb "$NAT_MIN_KB") | < 100 MB |"
  echo "| peak RSS: largest province (national) / ctk sim acd | $(mb "$NAT_PROV_KB") / $(mb "$ACD_KB") | < 100 MB |"
  echo "| peak RSS: daemons of the runner benchmark (largest of each kind) | $RUN_RSS_TEXT | < 100 MB |"
} > "$SUMMARY"
cat "$SUMMARY"
