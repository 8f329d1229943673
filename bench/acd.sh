#!/bin/sh
# bench/acd.sh CTK OUTDIR — the queue-machine benchmark of `make bench`: the highest SIPp call
# rate (burst scenario: INVITE, 200, ACK, BYE) that `ctk sim acd` takes with no failed call,
# and the same for SIPp's own built-in server (`sipp -sn uas`) in the same run. Prints
# progress on stderr and, last, one JSON line on stdout with both rates and their ratio.
# BENCH_ACD_RATES overrides the ladder of rates tried (calls/s); each step lasts
# BENCH_ACD_SECONDS (default 3) seconds of calls.
set -u
CTK=${1:?usage: bench/acd.sh /abs/path/to/ctk OUTDIR}
OUT=${2:?usage: bench/acd.sh /abs/path/to/ctk OUTDIR}
RATES=${BENCH_ACD_RATES:-500 1000 1500 2000 2500 3000 4000 5000 6000 8000}
STEP_S=${BENCH_ACD_SECONDS:-3}
mkdir -p "$OUT/acd"
PIDS=""

cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
}
trap cleanup EXIT INT TERM

say() { [ -t 2 ] && [ -z "${CI:-}" ] && printf '%s\n' "$*" >&2; return 0; }

free_udp_port() { # a UDP and TCP port nobody listens on, from a random start
  p=$(( $(od -An -N2 -tu2 /dev/urandom) % 20000 + 30000 ))
  while ss -Htuln 2>/dev/null | awk '{print $5}' | grep -q ":$p\$"; do p=$((p + 1)); done
  echo "$p"
}

peak_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# highest passing rate of the ladder against 127.0.0.1:PORT; stops at the first failure
ladder() { # NAME PORT -> prints the best rate (0 if none passed)
  best=0
  for r in $RATES; do
    calls=$((r * STEP_S))
    res=$("$CTK" load calls --target "127.0.0.1:$2" --scenario burst --rate "$r" -m "$calls" \
          -l $((r * 2)) --run-dir "$OUT/acd/$1-$r" --json - 2>/dev/null | tail -n 1)
    passed=$(printf '%s' "$res" | sed -n 's/.*"passed":\([a-z]*\).*/\1/p')
    got=$(printf '%s' "$res" | sed -n 's/.*"call_rate":\([0-9.]*\).*/\1/p')
    failed=$(printf '%s' "$res" | sed -n 's/.*"failed":\([0-9]*\).*/\1/p')
    say "  $1: rate $r/s: passed=${passed:-?} failed=${failed:-?} (SIPp measured ${got:-?}/s)"
    [ "$passed" = "true" ] || break
    best=$r
  done
  echo "$best"
}

# --- ctk sim acd ---
PORT=$(free_udp_port)
"$CTK" sim acd --port "$PORT" --agents 2000 --queue-limit 10000 --linger-ms 4000 \
  --log-level error --port-file "$OUT/acd/acd.port" > "$OUT/acd/acd.log" 2>&1 &
ACD_PID=$!
PIDS="$PIDS $ACD_PID"
i=0
while [ ! -s "$OUT/acd/acd.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(cat "$OUT/acd/acd.port" 2>/dev/null || echo "$PORT")
say "== queue machine: ctk sim acd on 127.0.0.1:$PORT =="
ACD_BEST=$(ladder acd "$PORT")
ACD_KB=$(peak_kb "$ACD_PID")
kill "$ACD_PID" 2>/dev/null
wait "$ACD_PID" 2>/dev/null

# --- SIPp's own server ---
PORT=$(free_udp_port)
sipp -sn uas -i 127.0.0.1 -p "$PORT" -nostdin > "$OUT/acd/uas.log" 2>&1 &
UAS_PID=$!
PIDS="$PIDS $UAS_PID"
sleep 0.5
say "== queue machine: sipp -sn uas on 127.0.0.1:$PORT =="
UAS_BEST=$(ladder uas "$PORT")
kill "$UAS_PID" 2>/dev/null
wait "$UAS_PID" 2>/dev/null

RATIO=$(awk -v a="$ACD_BEST" -v b="$UAS_BEST" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print 0 }')
LAST=$(echo "$RATES" | awk '{print $NF}')
printf '{"name":"queue-machine","acd_calls_per_s":%s,"sipp_uas_calls_per_s":%s,"ratio":%s,"ladder_top":%s,"acd_peak_kb":%s}\n' \
  "$ACD_BEST" "$UAS_BEST" "$RATIO" "$LAST" "${ACD_KB:-0}"
