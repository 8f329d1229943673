#!/bin/sh
# Install the npm packages the tests use, each folder from its committed lock file, when they are
# not there yet or the lock changed:
#   tests/interop/cti -> BUILD/npm-cti      asterisk-manager and modesl, the CTI clients nobody
#                                           here wrote (suites tagged node)
#   tests/browser     -> BUILD/npm-browser  puppeteer-core, which drives Debian's chromium
#                                           through the console (suites tagged browser)
# Without npm it says what is missing and stops without failing: CTK_TEST_SKIP=node,browser
# skips the suites that need them.
set -u
BUILD=${1:-build}
if ! command -v npm >/dev/null 2>&1; then
  echo "ctk12328: npm not found; the node CTI clients and puppeteer-core are not installed" \
       "(suites cti_interop and console_browser fail without them): install Debian's nodejs" \
       "and npm (make deps as root), or set CTK_TEST_SKIP=node,browser"
  exit 0
fi
install_from() {
  src=$1
  dest=$2
  what=$3
  if [ -d "$dest/node_modules" ] && cmp -s "$src/package-lock.json" "$dest/package-lock.json"; then
    return 0
  fi
  mkdir -p "$dest"
  cp "$src/package.json" "$src/package-lock.json" "$dest/"
  log=$(mktemp)
  if ! npm ci --prefix "$dest" --ignore-scripts --no-audit --no-fund >"$log" 2>&1; then
    echo "ctk12328: npm ci of $src failed:"
    cat "$log"
    rm -f "$log" "$dest/package-lock.json"
    return 1
  fi
  rm -f "$log"
  echo "ctk12328: installed $what into $dest"
}
install_from tests/interop/cti "$BUILD/npm-cti" "the node CTI clients" || exit 1
install_from tests/browser "$BUILD/npm-browser" "puppeteer-core" || exit 1
