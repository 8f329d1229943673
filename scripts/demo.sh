#!/bin/sh
# demo: the whole conformance suite against the reference province, as a province would run it
# against its own system: `ctk run` starts the reference ministry, the city simulators, a second
# province and the reference province (the SUT of the self-test), runs every test, writes the
# reports and says where they are. Called by `make demo` as: sh scripts/demo.sh /abs/path/to/ctk
set -u

CTK=${1:-}
if [ -z "$CTK" ] || [ ! -x "$CTK" ]; then
  echo "usage: sh scripts/demo.sh /abs/path/to/ctk" >&2
  exit 3
fi
# Paths in the fixtures and the profile are relative to the source tree.
cd "$(dirname "$0")/.." || exit 3
OUT=${CTK_DEMO_OUT:-$PWD/demo-out}

echo "ctk12328 demo: conformance run against the reference province (self-test)"
echo "  PICS  fixtures/pics/reference-province.pics"
echo "  PIXIT fixtures/pixit/reference-province.pixit"
echo

"$CTK" run --sut province \
  --pics fixtures/pics/reference-province.pics \
  --pixit fixtures/pixit/reference-province.pixit \
  --out "$OUT"
rc=$?
# tests/test_selftest.c compares these verdicts with tests/data/expected (make test).

# The evidence bundle a province attaches to its application: a demo key pair is made once
# (a real province keeps its own private key), the run is packed, signed and verified.
KEY="$(dirname "$OUT")/demo-keys/demo"
if [ ! -f "$KEY.pem" ]; then
  mkdir -p "$(dirname "$KEY")"
  "$CTK" bundle keygen --out "$KEY" >/dev/null || exit 2
fi
BUNDLE="$OUT/evidence.tar.gz"
"$CTK" bundle --results "$OUT" --key "$KEY.pem" --out "$BUNDLE.tmp" >/dev/null &&
  mv "$BUNDLE.tmp" "$BUNDLE" &&
  "$CTK" verify "$BUNDLE" --key "$KEY.pub.pem" >/dev/null ||
  { echo "demo: the evidence bundle could not be made or verified" >&2; exit 2; }

echo
echo "reports:"
echo "  $OUT/report.html   (open in a browser)"
echo "  $OUT/junit.xml     (CI)"
echo "  $OUT/results.json  (everything, with the evidence)"
echo "  $OUT/work/         (logs and stores of the roles)"
echo "  $BUNDLE  (signed evidence bundle; verified with $KEY.pub.pem)"
case $rc in
  0) echo "result: every mandatory test passed (exit 0)" ;;
  1) echo "result: some test failed (exit 1)" ;;
  2) echo "result: inconclusive or tool error (exit 2)" ;;
  *) echo "result: usage or configuration error (exit $rc)" ;;
esac
exit $rc
