#!/bin/sh
# The package under a real systemd (make systemd-check; long, never part of make test):
#   scripts/systemd-check.sh BUILD
# Debootstraps a minimal Debian of this machine's release into BUILD/systemd-check/base (kept:
# a second run reuses it), copies it, installs BUILD's .deb there with dpkg -i and
# apt-get -f install as a newcomer would, then boots the copy with its own systemd
# (systemd-nspawn -b, network: loopback only; where nspawn cannot boot, its own Debian kernel
# under qemu's software emulation) where tests/systemd/guest-check.sh starts the units as
# docs/INSTALL.md says and checks them, and reads its verdicts back.
# Exit 0: every check passed; 1: a check failed; 2: the check could not be made (no root, no
# archive, no tools, the system did not boot in time). Progress on a terminal, quiet otherwise.
# Environment: CTK_SC_BOOT=auto|nspawn|qemu (auto: nspawn, qemu if nspawn did not boot),
# CTK_SC_BOOT_TIMEOUT (s, the boots and checks: default 900 for nspawn, 2400 for qemu),
# CTK_SC_REFRESH=1 (debootstrap the base again).
set -u
build=${1:?usage: scripts/systemd-check.sh BUILD}
top=$(pwd)
dir=$build/systemd-check
base=$dir/base
root=$dir/root
how=${CTK_SC_BOOT:-auto}
case $how in
  auto|nspawn|qemu) ;;
  *) echo "systemd-check: CTK_SC_BOOT is auto, nspawn or qemu, not '$how'" >&2; exit 3 ;;
esac
# software emulation is slow: a qemu boot and check may take much longer than a container's
qemu_timeout=${CTK_SC_BOOT_TIMEOUT:-2400}
boot_timeout=${CTK_SC_BOOT_TIMEOUT:-900}
[ "$how" = qemu ] && boot_timeout=$qemu_timeout
INCLUDE=systemd,systemd-sysv,dbus,curl,ca-certificates
start=$(date +%s)

tty=0
[ -t 1 ] && tty=1
progress() { [ $tty -eq 1 ] && echo "systemd-check: $*"; return 0; }
die() { echo "systemd-check: $*" >&2; exit 2; }
elapsed() { echo $(($(date +%s) - $1)); }
# in_root TREE CMD: a shell command in a tree, with /proc, /dev and apt's caches mounted in a
# mount namespace of its own, so nothing stays mounted whatever happens, and this machine's
# resolver for apt while it runs (the booted system has no network)
in_root() {
  cp /etc/resolv.conf "$1/etc/resolv.conf" 2>/dev/null || true
  unshare --mount --propagation private sh -ec '
    r=$1; c=$2; shift 2
    mount -t proc proc "$r/proc"
    mount --rbind /dev "$r/dev"
    mount --bind "$c/archives" "$r/var/cache/apt/archives"
    mount --bind "$c/lists" "$r/var/lib/apt/lists"
    exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
      DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 sh -c "$1"' sh "$1" "$dir/apt" "$2"
  rc_in_root=$?
  rm -f "$1/etc/resolv.conf"
  return $rc_in_root
}
install_kernel() { # TREE: the Debian kernel qemu boots, with its initramfs
  progress "apt-get install linux-image-amd64 (in $(basename "$1"); minutes: the initramfs)"
  # INITRD=No: the kernel's hook leaves the initramfs to us, made once (not by the hook and
  # again by initramfs-tools' trigger, minutes each on a busy machine)
  in_root "$1" "apt-get update -q >/dev/null 2>&1 || apt-get update;
    INITRD=No apt-get -y -q install --no-install-recommends linux-image-amd64;
    for v in \$(ls /lib/modules); do
      [ -e /boot/initrd.img-\$v ] || update-initramfs -c -k \$v; done" \
    > "$log/kernel.log" 2>&1 || die "could not install a kernel in $1 ($log/kernel.log)"
}

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, systemd-nspawn)"
. /etc/os-release
release=${VERSION_CODENAME:-}
[ -n "$release" ] || die "cannot tell this machine's Debian release (/etc/os-release)"
mkdir -p "$dir" "$dir/apt/archives/partial" "$dir/apt/lists/partial" \
  || die "cannot create $dir"
dir=$(cd "$dir" && pwd)
base=$dir/base
root=$dir/root
log=$dir/log
mkdir -p "$log"

# ---- 1. the tools, from Debian's archive when missing ----
need=""
command -v debootstrap >/dev/null 2>&1 || need="$need debootstrap"
command -v systemd-nspawn >/dev/null 2>&1 || need="$need systemd-container"
command -v dpkg-deb >/dev/null 2>&1 || need="$need dpkg"
if [ -n "$need" ]; then
  progress "installing$need"
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
      install -y --no-install-recommends $need; } > "$log/tools.log" 2>&1 \
    || die "could not install$need from the archive ($log/tools.log)"
fi

# The archive this machine installs from (its own apt configuration, whatever mirror it uses):
# its release's suites only (updates, security), not third-party repositories.
sources=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' \
            'Identifier: Packages' 2>/dev/null | sort -u |
          awk -v r="$release" '$2 == r || index($2, r "-") == 1 { print "deb " $0 }')
mirror=$(echo "$sources" | awk -v r="$release" '$3 == r { print $2; exit }')
[ -n "$mirror" ] || die "no Debian archive for $release in this machine's apt sources"

# ---- 2. the base system, kept between runs ----
t0=$(date +%s)
stamp="$release $INCLUDE"
if [ "${CTK_SC_REFRESH:-0}" = 1 ] || [ ! -f "$dir/base.ok" ] \
   || [ "$(cat "$dir/base.ok")" != "$stamp" ]; then
  progress "debootstrap --variant=minbase $release (a few minutes, once)"
  rm -rf "$base" "$dir/base.ok"
  timeout 1800 debootstrap --variant=minbase --include="$INCLUDE" "$release" "$base" "$mirror" \
    > "$log/debootstrap.log" 2>&1 \
    || die "debootstrap failed, archive unreachable? (tail of $log/debootstrap.log:
$(tail -5 "$log/debootstrap.log"))"
  echo "$stamp" > "$dir/base.ok"
  progress "debootstrap took $(elapsed "$t0") s"
  debootstrap_s=$(elapsed "$t0")
else
  debootstrap_s="0 (reused)"
fi
# qemu boots the tree's own kernel: a base with one, made once from the base and kept too
src=$base
if [ "$how" = qemu ]; then
  vmstamp="$stamp $(stat -c %Y "$dir/base.ok")"
  if [ ! -f "$dir/base-vm.ok" ] || [ "$(cat "$dir/base-vm.ok")" != "$vmstamp" ]; then
    rm -rf "$dir/base-vm" "$dir/base-vm.ok"
    cp -a "$base" "$dir/base-vm" || die "cannot copy the base system"
    echo "$sources" > "$dir/base-vm/etc/apt/sources.list"
    install_kernel "$dir/base-vm"
    echo "$vmstamp" > "$dir/base-vm.ok"
  fi
  src=$dir/base-vm
fi

# ---- 3. the package, installed into a fresh copy as a newcomer would ----
progress "make deb"
deb=$(make --no-print-directory deb BUILD="$build" 2> "$log/deb.log" | tail -1)
case "$deb" in
  *.deb) [ -f "$deb" ] || die "make deb printed $deb, which is not there" ;;
  *) die "make deb failed ($log/deb.log)" ;;
esac
t0=$(date +%s)
rm -rf "$root"
cp -a "$src" "$root" || die "cannot copy the base system"
echo "$sources" > "$root/etc/apt/sources.list"
cp "$deb" "$root/root/" || die "cannot copy $deb"
debname=$(basename "$deb")
progress "dpkg -i $debname; apt-get -f install (in the copy)"
# dpkg -i stops at the missing libraries (exit 1, the package left unconfigured), as it does
# for anyone; apt-get -f install fetches them and configures it.
in_root "$root" "apt-get update -q >/dev/null 2>&1 || apt-get update;
  dpkg -i /root/$debname || echo 'dpkg -i: exit '\$?' (missing dependencies; apt-get -f install next)';
  apt-get -y -q -f install" > "$log/install.log" 2>&1
st=$(in_root "$root" "dpkg-query -W -f='\${Status}' ctk12328" 2>&1)
if [ "$st" != "install ok installed" ]; then
  if grep -q -E 'Could not resolve|Failed to fetch|Temporary failure' "$log/install.log"; then
    die "apt-get could not reach the archive ($log/install.log)"
  fi
  echo "systemd-check: FAIL package-install: dpkg -i + apt-get -f install left '$st'" \
       "($log/install.log)"
  exit 1
fi
install_s=$(elapsed "$t0")

# The check, as a unit of the booted system, started at each boot once multi-user.target is.
install -m 0755 "$top/tests/systemd/guest-check.sh" "$root/usr/local/sbin/ctk-systemd-check"
cat > "$root/etc/systemd/system/ctk-systemd-check.service" <<EOF
[Unit]
Description=ctk12328 under systemd: the checks of make systemd-check
After=multi-user.target
# the check powers off (or reboots, once) by itself; this is for a check that hangs
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/ctk-systemd-check
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=$((qemu_timeout - 60))
EOF
ln -sf /etc/systemd/system/ctk-systemd-check.service \
  "$root/etc/systemd/system/multi-user.target.wants/ctk-systemd-check.service"
# a container has no terminals to log in on; a prompt on the console would only clutter it
ln -sf /dev/null "$root/etc/systemd/system/console-getty.service"

# ---- 4. boot it, twice: the check reboots once (systemd-nspawn then exits 133) ----
console=$log/console.log
booted=""
seen=0
boots=0
rc=0
# follow PID: until it ends, the check's lines as they come on the console (journal+console
# writes them "unit[pid]: CTK-CHECK ..."), on a terminal; notes when the check first started
follow() {
  while kill -0 "$1" 2>/dev/null; do
    lines=$(grep -a -o 'CTK-CHECK .*' "$console" 2>/dev/null | tr -d '\r')
    n=$(printf '%s' "$lines" | grep -c . || true)
    if [ "$n" -gt $seen ]; then
      new=$(printf '%s\n' "$lines" | sed -n "$((seen + 1)),${n}p")
      if [ -z "$booted" ] && echo "$new" | grep -q '^CTK-CHECK BOOTED'; then
        booted=$(elapsed "$tb")
      fi
      [ $tty -eq 1 ] && printf '%s\n' "$new" | sed 's/^CTK-CHECK /  /' | cut -c1-160
      seen=$n
    fi
    sleep 1
  done
  wait "$1"
  rc=$?
}

boot_nspawn() {
  # Under a systemd, nspawn asks it for a scope of its own; without one (a container, a CI
  # runner whose PID 1 is something else) there is no bus to ask: it stays in our cgroup.
  keep=""
  [ -d /run/systemd/system ] || keep=--keep-unit
  t0=$(date +%s)
  deadline=$((t0 + boot_timeout))
  rc=133
  while [ $rc -eq 133 ] && [ $boots -lt 2 ] && [ "$(date +%s)" -lt $deadline ]; do
    boots=$((boots + 1))
    progress "boot $boots: systemd-nspawn -b (network: loopback only; at most $boot_timeout s)"
    tb=$(date +%s)
    SYSTEMD_LOG_COLOR=0 timeout -k 20 $((deadline - tb)) systemd-nspawn --quiet -b -D "$root" \
      --machine=ctk-systemd-check --register=no $keep --private-network \
      --console=read-only >> "$console" 2>&1 &
    follow $!
  done
  results=$root/var/log/ctk-systemd-check.log
  cp "$root/var/log/ctk-systemd-check.journal" "$log/units.journal" 2>/dev/null || true
}

# The tree's own Debian kernel in a virtual machine, by software emulation (no KVM needed):
# the tree becomes an ext4 image (mke2fs -d), the console is the serial line, no network
# card. The machine reboots once by itself and powers off at the end, which ends qemu.
boot_qemu() {
  if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
    progress "installing qemu-system-x86"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y \
      --no-install-recommends qemu-system-x86 > "$log/qemu-install.log" 2>&1 \
      || die "could not install qemu-system-x86 ($log/qemu-install.log)"
  fi
  ls "$root"/boot/vmlinuz-* >/dev/null 2>&1 || install_kernel "$root"
  kernel=$(ls "$root"/boot/vmlinuz-* | tail -1)
  initrd=$(ls "$root"/boot/initrd.img-* | tail -1)
  [ -f "$kernel" ] && [ -f "$initrd" ] || die "no kernel or initrd in $root/boot"
  # a machine has terminals; the serial line is the check's console, so no login prompt there
  ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
  img=$dir/root.img
  rm -f "$img"
  size=$(( $(du -sm "$root" | cut -f1) + 768 ))
  mke2fs -q -F -t ext4 -L ctkroot -d "$root" "$img" "${size}M" > "$log/mke2fs.log" 2>&1 \
    || die "mke2fs -d failed ($log/mke2fs.log)"
  # -no-reboot: the check's reboot ends qemu, and the second boot is a cold one, as after
  # nspawn's; -nodefaults: no floppy, CD or graphics for udev to probe at software speed
  t0=$(date +%s)
  deadline=$((t0 + boot_timeout))
  while [ $boots -lt 2 ] && [ "$(date +%s)" -lt $deadline ]; do
    boots=$((boots + 1))
    progress "boot $boots: qemu-system-x86_64 (TCG, $(basename "$kernel"), no network card;" \
      "at most $boot_timeout s)"
    tb=$(date +%s)
    timeout -k 20 $((deadline - tb)) qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 2048 \
      -machine q35 -nodefaults -no-user-config -no-reboot -display none -monitor none \
      -chardev "file,id=con,path=$console,append=on" -serial chardev:con -nic none \
      -drive "file=$img,format=raw,if=virtio" -kernel "$kernel" -initrd "$initrd" \
      -append "root=/dev/vda rw console=ttyS0 systemd.log_color=0 panic=-1 nosoftlockup \
rcupdate.rcu_cpu_stall_suppress=1" >> "$log/qemu.log" 2>&1 &
    follow $!
    grep -a -q 'CTK-CHECK REBOOT' "$console" && ! grep -a -q 'CTK-CHECK DONE' "$console" \
      || break
  done
  results=$log/results.log
  debugfs -R "dump /var/log/ctk-systemd-check.log $results" "$img" > /dev/null 2>&1 || true
  debugfs -R "dump /var/log/ctk-systemd-check.journal $log/units.journal" "$img" \
    > /dev/null 2>&1 || true
}

: > "$console"
case $how in
  nspawn|auto) boot_nspawn ;;
  qemu) boot_qemu ;;
esac
if [ -z "$booted" ] && [ "$how" = auto ]; then
  echo "systemd-check: systemd-nspawn did not boot to the check (exit $rc; tail of the" \
       "console below); trying qemu" >&2
  tail -8 "$console" >&2
  mv "$console" "$log/console-nspawn.log"
  : > "$console"
  seen=0
  boots=0
  how=qemu
  boot_timeout=$qemu_timeout
  boot_qemu
fi
[ "$how" = auto ] && how=nspawn
run_s=$(elapsed "$t0")
[ -s "$results" ] || results=$console

# ---- 5. the verdicts ----
echo "systemd-check: $debname on Debian $release under systemd ($(grep -a -m1 -o \
'systemd [0-9][^ ]* running in system mode' "$console" | cut -d' ' -f2 || true), \
$how)"
grep -a -o -E 'CTK-CHECK (PASS|FAIL) .*' "$results" | sed 's/^CTK-CHECK /  /'
npass=$(grep -a -c 'CTK-CHECK PASS ' "$results" || true)
nfail=$(grep -a -c 'CTK-CHECK FAIL ' "$results" || true)
echo "systemd-check: times: debootstrap ${debootstrap_s} s, copy and install ${install_s} s," \
     "first boot to the check ${booted:-?} s, $boots boots and the checks ${run_s} s," \
     "whole $(elapsed "$start") s"
if ! grep -a -q 'CTK-CHECK DONE ' "$results"; then
  echo "systemd-check: the check did not finish (boot $boots, $how exit $rc;" \
       "console in $console)"
  if [ -z "$booted" ]; then
    echo "systemd-check: the system did not reach the check unit: tail of the console:" >&2
    tail -15 "$console" >&2
  fi
  # what did fail failed; the rest is not known
  [ "$nfail" -gt 0 ] && exit 1
  exit 2
fi
echo "systemd-check: $npass passed, $nfail failed (console: $console)"
[ "$nfail" -eq 0 ] || exit 1
exit 0
