#!/bin/sh
# Build the Debian package from a staged tree (make deb): scripts/mkdeb.sh ROOT OUTDIR
# ROOT is what scripts/install.sh put under DESTDIR with PREFIX=/usr; it becomes the package:
# the program stripped, man pages compressed, DEBIAN/ with control (its Depends from the
# libraries the program links, by dpkg-shlibdeps), conffiles and the maintainer scripts.
# Prints the path of the .deb on its last line.
set -eu
root=$1
outdir=$2
if ! command -v dpkg-shlibdeps >/dev/null 2>&1; then
  echo "mkdeb: dpkg-shlibdeps is missing (Debian package dpkg-dev; make deps installs it)" >&2
  exit 2
fi
root=$(cd "$root" && pwd)
outdir=$(cd "$outdir" && pwd)
top=$(pwd)

version=$("$root/usr/bin/ctk" version | sed -n '1s/^ctk \([^ ]*\) .*/\1/p')
arch=$(dpkg --print-architecture)
[ -n "$version" ] || { echo "mkdeb: $root/usr/bin/ctk did not tell its version" >&2; exit 2; }

# Debian's binaries carry no debug information; its man pages are compressed, reproducibly.
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/ctk"
gzip -9nf "$root"/usr/share/man/man1/*.1
install -m 0644 packaging/debian/copyright "$root/usr/share/doc/ctk12328/copyright"

# Depends: dpkg-shlibdeps reads the program's libraries; it wants a debian/control to stand in.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debian"
printf 'Source: ctk12328\n\nPackage: ctk12328\nArchitecture: any\n' > "$work/debian/control"
if ! (cd "$work" && dpkg-shlibdeps -O -e"$root/usr/bin/ctk") > "$work/shlibs" 2>&1; then
  cat "$work/shlibs" >&2
  echo "mkdeb: dpkg-shlibdeps could not tell the libraries of ctk" >&2
  exit 2
fi
depends=$(sed -n 's/^shlibs:Depends=//p' "$work/shlibs")
[ -n "$depends" ] || { echo "mkdeb: dpkg-shlibdeps found no libraries for ctk" >&2; exit 2; }

rm -rf "$root/DEBIAN"
size=$(du -sk "$root" | cut -f1)
install -d -m 0755 "$root/DEBIAN"
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@SIZE@|$size|" \
  -e "s|@DEPENDS@|$depends|" "$top/packaging/debian/control.in" > "$root/DEBIAN/control"
(cd "$root" && find etc -type f | sort | sed 's|^|/|') > "$root/DEBIAN/conffiles"
for s in postinst prerm postrm; do
  install -m 0755 "$top/packaging/debian/$s" "$root/DEBIAN/$s"
done

deb="$outdir/ctk12328_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
echo "$deb"
