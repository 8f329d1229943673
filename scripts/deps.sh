#!/bin/sh
# Install the Debian packages ctk12328 needs, when any is missing.
# As root: apt-get update, then apt-get install. Otherwise: print the exact command and stop.
# fonts-wqy-microhei: a CJK font, so the console's Chinese pages render in chromium (tests).
# debootstrap and systemd-container are only for make systemd-check, which installs them itself.
set -u
PKGS="gcc make pkg-config libcunit1-dev libcurl4-openssl-dev libxml2-dev libpcre2-dev
libmicrohttpd-dev libsqlite3-dev libosip2-dev libssl-dev libjson-c-dev libarchive-dev
sip-tester openssl sqlite3 chromium valgrind clang libclang-rt-14-dev
curl python3-zeep gsoap libgsoap-dev python3 fonts-wqy-microhei
dpkg-dev systemd"
missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done
# node and npm run the CTI clients of the tests (scripts/deps-npm.sh); a node from elsewhere that
# brings its own npm will do, so look for the commands, not the packages
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0
echo "ctk12328: missing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
  echo "run as root:  apt-get update && apt-get install -y$missing"
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
# shellcheck disable=SC2086
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends $missing; } >"$log" 2>&1; then
  cat "$log"; rm -f "$log"; exit 1
fi
rm -f "$log"
echo "ctk12328: installed:$missing"
