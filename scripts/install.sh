#!/bin/sh
# Install or uninstall ctk12328 (make install / make uninstall; make deb stages with it).
#   scripts/install.sh install|uninstall
# Where, from the environment the Makefile sets: DESTDIR (staging root, may be empty), BINDIR,
# DATADIR (the data folder ctk was built to look in), MANDIR, DOCDIR, UNITDIR, SYSCONFDIR, and
# CTK_BIN (the program to install). Run from the top of the source tree.
set -eu
mode=${1:-}
: "${DESTDIR:=}" "${BINDIR:?}" "${DATADIR:?}" "${MANDIR:?}" "${DOCDIR:?}" "${UNITDIR:?}"
: "${SYSCONFDIR:?}"
UNITS="ctk12328-ministry.service ctk12328-console.service"
CONFS="ministry.conf console.env"

# The kit's own files, as they lie in the source tree; ctk_datadir looks for the same layout.
DATA_TREES="profiles data fixtures"
DATA_FILES="runner/uncovered.csv simulators/load/ctk-*.xml"

copy_tree() { # SRC DEST: files 0644, folders 0755, whatever the umask or the checkout's modes
  rm -rf "$2"
  cp -R "$1" "$2"
  find "$2" -type d -exec chmod 0755 {} +
  find "$2" -type f -exec chmod 0644 {} +
}

case "$mode" in
install)
  : "${CTK_BIN:?}"
  install -d -m 0755 "$DESTDIR$BINDIR" "$DESTDIR$DATADIR" "$DESTDIR$MANDIR/man1" \
    "$DESTDIR$DOCDIR" "$DESTDIR$UNITDIR" "$DESTDIR$SYSCONFDIR/ctk12328"
  install -m 0755 "$CTK_BIN" "$DESTDIR$BINDIR/ctk"
  for t in $DATA_TREES; do copy_tree "$t" "$DESTDIR$DATADIR/$t"; done
  for f in $DATA_FILES; do
    install -d -m 0755 "$DESTDIR$DATADIR/$(dirname "$f")"
    install -m 0644 "$f" "$DESTDIR$DATADIR/$f"
  done
  install -m 0644 docs/man/*.1 "$DESTDIR$MANDIR/man1/"
  install -m 0644 README.md LICENSE "$DESTDIR$DOCDIR/"
  install -d -m 0755 "$DESTDIR$DOCDIR/docs"
  install -m 0644 docs/*.md "$DESTDIR$DOCDIR/docs/"
  for u in $UNITS; do
    sed -e "s|@BINDIR@|$BINDIR|g" -e "s|@SYSCONFDIR@|$SYSCONFDIR|g" \
      "packaging/systemd/$u.in" > "$DESTDIR$UNITDIR/$u"
    chmod 0644 "$DESTDIR$UNITDIR/$u"
  done
  # The configuration is the administrator's: an existing file is kept (make install), and
  # the package marks these as conffiles, so dpkg asks before it replaces an edited one.
  for c in $CONFS; do
    if [ ! -e "$DESTDIR$SYSCONFDIR/ctk12328/$c" ]; then
      install -m 0644 "packaging/etc/$c" "$DESTDIR$SYSCONFDIR/ctk12328/$c"
    else
      echo "ctk12328: kept $DESTDIR$SYSCONFDIR/ctk12328/$c (the new one is packaging/etc/$c)"
    fi
  done
  ;;
uninstall)
  rm -f "$DESTDIR$BINDIR/ctk"
  rm -rf "$DESTDIR$DATADIR" "$DESTDIR$DOCDIR"
  for m in docs/man/*.1; do rm -f "$DESTDIR$MANDIR/man1/$(basename "$m")"; done
  for u in $UNITS; do rm -f "$DESTDIR$UNITDIR/$u"; done
  # the configuration and /var/lib/ctk12328 hold the administrator's data: left in place
  if [ -d "$DESTDIR$SYSCONFDIR/ctk12328" ]; then
    echo "ctk12328: left $DESTDIR$SYSCONFDIR/ctk12328 (configuration) in place"
  fi
  ;;
*)
  echo "usage: scripts/install.sh install|uninstall (make install, make uninstall)" >&2
  exit 3
  ;;
esac
