#!/bin/sh
# Install the npm packages the tests use (tests/interop/cti: asterisk-manager and modesl, the CTI
# clients nobody here wrote) into BUILD/npm-cti from the committed lock file, when they are not
# there yet or the lock changed. Without npm it says what is missing and stops without failing:
# only the suites tagged node need these (CTK_TEST_SKIP=node skips them).
set -u
BUILD=${1:-build}
SRC=tests/interop/cti
DEST=$BUILD/npm-cti
if ! command -v npm >/dev/null 2>&1; then
  echo "ctk12328: npm not found; the node CTI clients are not installed (suite cti_interop fails" \
       "without them): install Debian's nodejs and npm (make deps as root), or set CTK_TEST_SKIP=node"
  exit 0
fi
if [ -d "$DEST/node_modules" ] && cmp -s "$SRC/package-lock.json" "$DEST/package-lock.json"; then
  exit 0
fi
mkdir -p "$DEST"
cp "$SRC/package.json" "$SRC/package-lock.json" "$DEST/"
log=$(mktemp)
if ! npm ci --prefix "$DEST" --ignore-scripts --no-audit --no-fund >"$log" 2>&1; then
  echo "ctk12328: npm ci of $SRC failed:"
  cat "$log"
  rm -f "$log" "$DEST/package-lock.json"
  exit 1
fi
rm -f "$log"
echo "ctk12328: installed the node CTI clients into $DEST"
