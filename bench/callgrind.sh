#!/bin/sh
# Instructions per report at the reference ministry, counted by callgrind (repeatable for the
# same binary and inputs, whatever else the machine does): the ministry runs under callgrind,
# one keep-alive client sends N reports, and the total is divided by N.
#
#   sh bench/callgrind.sh CTK_BINARY [N]      (N default 1000; prints "N reports: I instructions/report")
#
# To compare two builds (docs/PERFORMANCE.md), run it on each. The start-up and shut-down of
# the node are in the total; with N of 1000 they are under 2 % of it.
set -u
CTK=${1:?usage: callgrind.sh CTK_BINARY [N]}
N=${2:-1000}
command -v valgrind >/dev/null 2>&1 || { echo "callgrind.sh: valgrind is not installed" >&2; exit 77; }
OUT=$(mktemp -d /tmp/ctk-callgrind-XXXXXX)
trap 'kill "$PID" 2>/dev/null; rm -rf "$OUT"' EXIT INT TERM

"$CTK" passwd --region 360000 --level 2 --secret-file "$OUT/province.secret" \
  > "$OUT/credentials.csv" || exit 2
mkdir -p "$OUT/ministry"
valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.out" \
  "$CTK" serve ministry --data "$OUT/ministry" --credentials "$OUT/credentials.csv" \
  --port-file "$OUT/port" --log-level error 2>"$OUT/valgrind.log" &
PID=$!
i=0
while [ ! -s "$OUT/port" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$OUT/port" ] || { echo "callgrind.sh: the ministry did not start" >&2; exit 2; }
"$CTK" bench ingest --url "http://127.0.0.1:$(cat "$OUT/port")" \
  --secret-file "$OUT/province.secret" --clients 1 --orders "$N" --duration 600 --json \
  > "$OUT/ingest.json" || { echo "callgrind.sh: ingest failed" >&2; exit 2; }
kill -TERM "$PID"
wait "$PID" 2>/dev/null
total=$(sed -n 's/^summary: *//p; s/^totals: *//p' "$OUT/cg.out" | head -1 | awk '{print $1}')
[ -n "$total" ] || { echo "callgrind.sh: no total in the callgrind output" >&2; exit 2; }
echo "$N reports: $((total / N)) instructions/report (total $total; ingest $(cat "$OUT/ingest.json"))"
