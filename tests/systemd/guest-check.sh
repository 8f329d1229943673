#!/bin/sh
# Runs inside the Debian that make systemd-check boots (scripts/systemd-check.sh), as the
# oneshot unit ctk-systemd-check.service, after ctk12328 was installed with dpkg -i and
# apt-get -f install. It does what docs/INSTALL.md tells an administrator to do, under the real
# systemd: enables and starts the ministry and the console, asks them over loopback, looks at
# their user, state folders, sandbox and journal, kills each with SIGKILL and waits for systemd
# to restart it, and reboots; on the second boot it finds both started by themselves with their
# state, stops them, then removes and purges the package. One line a check, on the console and
# in /var/log/ctk-systemd-check.log: "CTK-CHECK PASS|FAIL NAME: WHAT"; the units' journal of
# each boot goes to /var/log/ctk-systemd-check.journal. The machine powers off at the end,
# whatever happened (the EXIT trap), so the host never waits for its timeout.
set -u
LOG=/var/log/ctk-systemd-check.log
JOURNAL=/var/log/ctk-systemd-check.journal
STATE=/var/lib/ctk-systemd-check
UNITS="ministry console"
SHARE=/usr/share/ctk12328
PASSWORD=systemd-check-password
# after: the power action runs once this unit has ended. Asked for while it still runs, the
# shutdown would stop it with SIGTERM, a failure for a oneshot, and its FailureAction would
# turn a reboot into a power-off.
after() { systemd-run --quiet --on-active=2 systemctl "$1" || systemctl --no-block "$1"; }
trap 'after poweroff' EXIT
mkdir -p "$STATE"
phase=$(cat "$STATE/phase" 2>/dev/null || echo 1)
[ "$phase" = 1 ] && : > "$LOG" && : > "$JOURNAL"

say() {
  echo "CTK-CHECK $*"
  echo "CTK-CHECK $*" >> "$LOG"
}
pass() { say "PASS $1: $2"; }
fail() { say "FAIL $1: $2"; }
# verdict STATUS NAME WHAT: pass when STATUS is 0 (first, so it is expanded before WHAT runs
# its command substitutions)
verdict() {
  if [ "$1" -eq 0 ]; then pass "$2" "$3"; else fail "$2" "$3"; fi
}
# t SECONDS CMD...: every step is bounded in time
t() { timeout -k 5 "$@"; }
one_line() { tr '\n\t' '  ' | sed 's/  */ /g; s/ $//' | cut -c1-300; }
main_pid() { systemctl show -p MainPID --value "ctk12328-$1.service"; }
# wait_for SECONDS CMD...: retry CMD once a second until it succeeds
wait_for() {
  n=$1
  shift
  while [ "$n" -gt 0 ]; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
    n=$((n - 1))
  done
  return 1
}
http_code() { # URL [curl options]: the status code, 000 when nothing answered
  url=$1
  shift
  t 20 curl -s -o /dev/null -w '%{http_code}' "$@" "$url" || true
}
json_field() { # NAME: the first "NAME": value of the JSON on stdin, quotes dropped
  sed -n "s/.*\"$1\": *\"\{0,1\}\([^\",}]*\).*/\1/p" | head -1
}
# processes whose real user is NAME, from /proc (procps is not in a minimal Debian)
procs_of() {
  uid=$(id -u "$1" 2>/dev/null) || return 0
  for s in /proc/[0-9]*/status; do
    awk -v u="$uid" '$1 == "Uid:" && $2 == u { found = 1 } END { exit !found }' "$s" \
      2>/dev/null && echo "${s%/status}"
  done
}

say "BOOTED phase $phase"
cd /
ministry_wsdl() { [ "$(http_code 'http://127.0.0.1:12328/soap?wsdl')" = 200 ]; }
console_page() { [ "$(http_code 'http://127.0.0.1:12329/')" = 200 ]; }
jar=/root/console.cookies
console_login() {
  rm -f "$jar"
  t 30 curl -s -c "$jar" -H 'Content-Type: application/json' \
    -d "{\"user\":\"admin\",\"password\":\"$PASSWORD\"}" http://127.0.0.1:12329/api/login
}
journal_clean() { # PHASE: the units' journal of this boot has no error
  for u in $UNITS; do
    errs=$(journalctl -b -q --no-pager -p err -u "ctk12328-$u" | one_line)
    lv=$(journalctl -b -q --no-pager -o cat -u "ctk12328-$u" | grep -E 'level=(error|fatal)' |
         one_line)
    lines=$(journalctl -b -q --no-pager -o cat -u "ctk12328-$u" | wc -l)
    [ -z "$errs" ] && [ -z "$lv" ] && [ "$lines" -gt 0 ]
    verdict $? "$u-journal-clean-$1" "$lines lines this boot; priority err: ${errs:-none}; \
level=error: ${lv:-none}"
  done
}
keep_journal() {
  journalctl -b --no-pager -u ctk12328-ministry -u ctk12328-console >> "$JOURNAL" 2>&1
}

if [ "$phase" = 1 ]; then

# ---- the machine: only loopback, the boot went well, the package is installed ----
nets=$(ls /sys/class/net | one_line)
[ "$nets" = lo ]
verdict $? network-loopback-only "network interfaces: $nets"
failed=$(systemctl list-units --failed --plain --no-legend | one_line)
[ -z "$failed" ]
verdict $? boot-no-failed-units "failed units after boot: ${failed:-none}"
st=$(dpkg-query -W -f='${Status} ${Version}' ctk12328 2>&1)
case "$st" in "install ok installed "*) r=0 ;; *) r=1 ;; esac
verdict $r package-installed "dpkg-query: $st"

# ---- ctk from / finds its installed data and passes the self-test ----
cd /
out=$(t 30 ctk version 2>&1)
echo "$out" | grep -qx "data: $SHARE"
verdict $? ctk-finds-installed-data "cd / && ctk version: $(echo "$out" | one_line)"
# Under software emulation (qemu without KVM) the CPU is tens of times slower: the load test,
# which measures throughput, cannot pass there and says nothing about the package; it is left
# out, and the check's line says so. In a container or under KVM everything runs.
select=""
note=""
if [ "$(systemd-detect-virt 2>/dev/null)" = qemu ]; then
  select='!tag:load'
  note=" (software-emulated CPU: --select '$select')"
fi
out=$(t 900 ctk run --sut province --pics $SHARE/fixtures/pics/reference-province.pics \
        --pixit $SHARE/fixtures/pixit/reference-province.pixit --out /root/selftest \
        ${select:+--select "$select"} --quiet 2>&1)
r=$?
echo "$out" | grep -q ' 0 fail, 0 inconc, .* 0 error; exit 0;' && [ $r -eq 0 ] \
  && [ -s /root/selftest/results.json ]
verdict $? ctk-selftest-from-root "exit $r: $(echo "$out" | tail -1 | cut -c1-200)$note"

# ---- the ministry, as docs/INSTALL.md section 3 says: credentials, then enable --now ----
(
  set -e
  cd /etc/ctk12328
  t 30 ctk passwd --region 360000 --level 2 --secret-file /root/360000.secret > credentials.csv
  chgrp ctk12328 credentials.csv
  chmod 0640 credentials.csv
  sed -i 's|^# credentials = /etc/ctk12328/credentials.csv|credentials = /etc/ctk12328/credentials.csv|' \
    ministry.conf
  grep -q '^credentials = ' ministry.conf
) > "$STATE/ministry-setup.log" 2>&1
verdict $? ministry-credentials-as-documented "ctk passwd, chgrp, chmod, ministry.conf: \
credentials.csv $(stat -c '%U:%G %a' /etc/ctk12328/credentials.csv 2>&1) \
$(one_line < "$STATE/ministry-setup.log" | cut -c1-120)"
out=$(t 60 systemctl enable --now ctk12328-ministry 2>&1)
r=$?
verdict $r ministry-enable-now "systemctl enable --now ctk12328-ministry: exit $r $(echo "$out" |
  one_line | cut -c1-160)"

# ---- the console, as section 4 says: the first admin as the user ctk12328, enable --now ----
(
  set -e
  install -d -o ctk12328 -g ctk12328 -m 0750 /var/lib/ctk12328/console
  printf '%s\n' "$PASSWORD" | t 60 runuser -u ctk12328 -- ctk console user add admin \
    --role admin --data /var/lib/ctk12328/console
) > "$STATE/console-setup.log" 2>&1
verdict $? console-admin-as-documented "runuser -u ctk12328 -- ctk console user add: \
$(one_line < "$STATE/console-setup.log" | cut -c1-160)"
out=$(t 60 systemctl enable --now ctk12328-console 2>&1)
r=$?
verdict $r console-enable-now "systemctl enable --now ctk12328-console: exit $r $(echo "$out" |
  one_line | cut -c1-160)"

wait_for 30 ministry_wsdl
wait_for 30 console_page
for u in $UNITS; do
  a=$(systemctl is-active "ctk12328-$u"; true)
  e=$(systemctl is-enabled "ctk12328-$u"; true)
  [ "$a" = active ] && [ "$e" = enabled ]
  verdict $? "$u-active-enabled" "is-active $a, is-enabled $e"
done

# ---- they answer on loopback ----
c=$(http_code 'http://127.0.0.1:12328/soap?wsdl')
body=$(t 20 curl -s 'http://127.0.0.1:12328/soap?wsdl' | head -c 400)
[ "$c" = 200 ] && echo "$body" | grep -q 'definitions'
verdict $? ministry-wsdl "GET /soap?wsdl: HTTP $c"
c=$(http_code 'http://127.0.0.1:12328/exchange' -d '<x/>')
[ "$c" = 401 ]
verdict $? ministry-refuses-unknown-caller "POST /exchange without credentials: HTTP $c (want 401)"
secret=$(cat /root/360000.secret 2>/dev/null)
c=$(http_code 'http://127.0.0.1:12328/exchange' -d '<x/>' -u "360000:$secret")
[ -n "$secret" ] && [ "$c" != 401 ] && [ "$c" != 000 ] && [ "$c" -lt 500 ]
verdict $? ministry-reads-credentials "POST /exchange as 360000 with its secret: HTTP $c (not 401: \
the service read credentials.csv)"

c=$(http_code 'http://127.0.0.1:12329/')
page=$(t 20 curl -s 'http://127.0.0.1:12329/' | head -c 2000)
[ "$c" = 200 ] && echo "$page" | grep -qi '<html'
verdict $? console-login-page "GET /: HTTP $c"
login=$(console_login)
csrf=$(echo "$login" | json_field csrf)
[ -n "$csrf" ]
verdict $? console-login "POST /api/login as admin: $(echo "$login" | sed 's/"csrf": *"[^"]*"/"csrf": "..."/' | cut -c1-120)"

# a self-test run started from the console: its child ctk run lives under the unit's sandbox
run=$(t 30 curl -s -b "$jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
      -d "{\"select\":\"$select\"}" http://127.0.0.1:12329/api/runs)
run_id=$(echo "$run" | json_field id)
status=""
if [ -n "$run_id" ]; then
  n=600
  while [ $n -gt 0 ]; do
    row=$(t 20 curl -s -b "$jar" "http://127.0.0.1:12329/api/runs/$run_id")
    status=$(echo "$row" | json_field status)
    [ "$status" = running ] || break
    sleep 2
    n=$((n - 2))
  done
  summary=$(echo "$row" | json_field summary)
fi
[ "$status" = passed ]
verdict $? console-selftest-run "run ${run_id:-none}: ${status:-no answer ($(echo "$run" |
  cut -c1-120))} ${summary:-}$note"

# ---- their own user, their state folders ----
for u in $UNITS; do
  pid=$(main_pid "$u")
  uid=$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$pid/status" 2>/dev/null)
  want=$(id -u ctk12328)
  [ "$pid" -gt 0 ] && [ "$uid" = "$want $want $want $want" ]
  verdict $? "$u-runs-as-ctk12328" "MainPID $pid uids '$uid' (ctk12328 is $want)"
  d=/var/lib/ctk12328/$u
  own=$(stat -c '%U:%G %a' "$d" 2>&1)
  case $u in ministry) db=ctk.db ;; console) db=console.db ;; esac
  [ "$own" = "ctk12328:ctk12328 750" ] && [ -s "$d/$db" ] \
    && [ "$(stat -c %U "$d/$db")" = ctk12328 ]
  verdict $? "$u-state-directory" "$d: $own, $db $(stat -c '%U %a' "$d/$db" 2>&1)"
done

# ---- the sandbox, as systemd applied it ----
props="User ProtectSystem ProtectHome PrivateTmp PrivateDevices PrivateUsers NoNewPrivileges \
CapabilityBoundingSet RestrictNamespaces MemoryDenyWriteExecute UMask SystemCallArchitectures"
want_props="User=ctk12328 ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
PrivateDevices=yes PrivateUsers=yes NoNewPrivileges=yes CapabilityBoundingSet= \
RestrictNamespaces=yes MemoryDenyWriteExecute=yes UMask=0077 SystemCallArchitectures=native"
for u in $UNITS; do
  got=$(for p in $props; do systemctl show -p "$p" "ctk12328-$u"; done | one_line)
  [ "$got" = "$(echo $want_props)" ]
  verdict $? "$u-sandbox-properties" "systemctl show: $got"
  pid=$(main_pid "$u")
  st=$(grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' "/proc/$pid/status" | one_line)
  echo "$st" | grep -q 'CapEff: 0000000000000000' && echo "$st" | grep -q 'NoNewPrivs: 1' \
    && echo "$st" | grep -q 'Seccomp: 2'
  verdict $? "$u-sandbox-in-effect" "main process: $st"
  # its mount namespace: /usr read-only even for root there, its /tmp not the machine's
  ro=$(t 10 nsenter -t "$pid" -m sh -c 'touch /usr/ctk-probe 2>&1; echo rc=$?' | one_line)
  rm -f /usr/ctk-probe
  t 10 nsenter -t "$pid" -m sh -c 'echo x > /tmp/ctk-probe-'"$u" 2>/dev/null
  if [ -e "/tmp/ctk-probe-$u" ]; then tmp=shared; else tmp=private; fi
  rm -f "/tmp/ctk-probe-$u"
  echo "$ro" | grep -q 'Read-only file system' && [ $tmp = private ]
  verdict $? "$u-sandbox-mounts" "touch /usr in its namespace: $ro; its /tmp: $tmp"
  score=$(t 60 systemd-analyze security --no-pager "ctk12328-$u" 2>/dev/null |
          sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
  awk -v s="${score:-99}" 'BEGIN { exit !(s < 5) }'
  verdict $? "$u-security-exposure" "systemd-analyze security: ${score:-none} (OK below 5)"
done

# ---- the journal of both units: no error since boot ----
journal_clean boot1

# ---- SIGKILL of the main process: systemd starts it again (Restart=on-failure) ----
for u in $UNITS; do
  old=$(main_pid "$u")
  kill -9 "$old"
  restarted() {
    p=$(main_pid "$1")
    [ "$p" -gt 0 ] && [ "$p" != "$2" ] && [ "$(systemctl is-active "ctk12328-$1")" = active ]
  }
  wait_for 30 restarted "$u" "$old"
  r=$?
  nr=$(systemctl show -p NRestarts --value "ctk12328-$u")
  [ $r -eq 0 ] && [ "$nr" = 1 ]
  verdict $? "$u-restart-after-kill-9" "MainPID $old killed, now $(main_pid "$u"), NRestarts=$nr"
done
wait_for 30 ministry_wsdl
r=$?
verdict $r ministry-answers-after-restart "GET /soap?wsdl after SIGKILL: HTTP \
$(http_code 'http://127.0.0.1:12328/soap?wsdl')"
wait_for 30 console_page
login=$(console_login)
runs=$(t 20 curl -s -b "$jar" http://127.0.0.1:12329/api/runs)
echo "$login" | grep -q '"csrf"' && echo "$runs" | grep -q "\"id\": *${run_id:-none}[,}]"
verdict $? console-keeps-state-after-kill-9 "login again: $(echo "$login" | json_field role), \
run ${run_id:-none} still listed"

keep_journal
echo "${run_id:-none}" > "$STATE/run_id"
echo 2 > "$STATE/phase"
say "REBOOT"
trap - EXIT
after reboot
exit 0
fi

# ---- second boot: enabled means started at boot, with the state of the first ----
run_id=$(cat "$STATE/run_id" 2>/dev/null)
wait_for 30 ministry_wsdl
wait_for 30 console_page
for u in $UNITS; do
  a=$(systemctl is-active "ctk12328-$u"; true)
  nr=$(systemctl show -p NRestarts --value "ctk12328-$u")
  [ "$a" = active ] && [ "$nr" = 0 ]
  verdict $? "$u-started-at-boot" "after reboot: is-active $a, NRestarts=$nr"
done
ministry_wsdl
verdict $? ministry-answers-after-reboot "GET /soap?wsdl: HTTP \
$(http_code 'http://127.0.0.1:12328/soap?wsdl')"
login=$(console_login)
runs=$(t 20 curl -s -b "$jar" http://127.0.0.1:12329/api/runs)
echo "$login" | grep -q '"csrf"' && echo "$runs" | grep -q "\"id\": *${run_id:-none}[,}]" \
  && echo "$runs" | grep -q '"status": *"passed"'
verdict $? console-keeps-state-after-reboot "login: $(echo "$login" | json_field role), \
run ${run_id:-none} listed with its verdict"
journal_clean boot2

# ---- systemctl stop: SIGTERM, a clean exit within TimeoutStopSec ----
for u in $UNITS; do
  t 90 systemctl stop "ctk12328-$u"
  got=$(systemctl show -p Result -p ExecMainCode -p ExecMainStatus "ctk12328-$u" | one_line)
  a=$(systemctl is-active "ctk12328-$u"; true)
  [ "$a" = inactive ] && [ "$got" = "Result=success ExecMainCode=1 ExecMainStatus=0" ]
  verdict $? "$u-stops-cleanly" "systemctl stop: $a, $got (want exited with status 0)"
  t 60 systemctl start "ctk12328-$u"
done
keep_journal

# ---- remove (the services running), then purge ----
out=$(t 120 dpkg -r ctk12328 2>&1)
r=$?
verdict $r dpkg-remove "dpkg -r: exit $r $(echo "$out" | tail -1 | cut -c1-120)"
left=$(procs_of ctk12328 | one_line)
a=$(systemctl is-active ctk12328-ministry ctk12328-console 2>&1 | one_line)
files=$(systemctl list-unit-files --no-legend 'ctk12328-*' 2>&1 | one_line)
[ -z "$left" ] && [ ! -e /usr/bin/ctk ] && [ -z "$files" ] && [ -e /etc/ctk12328/ministry.conf ] \
  && [ -d /var/lib/ctk12328 ] && ! echo "$a" | grep -qw active
verdict $? dpkg-remove-clean "processes of ctk12328: ${left:-none}; is-active: $a; unit files: \
${files:-none}; /etc/ctk12328 and /var/lib/ctk12328 kept"
out=$(t 120 dpkg -P ctk12328 2>&1)
r=$?
verdict $r dpkg-purge "dpkg -P: exit $r $(echo "$out" | tail -1 | cut -c1-120)"
etc=$(ls -A /etc/ctk12328 2>/dev/null | one_line)
links=$(find /etc/systemd /usr/lib/systemd /lib/systemd -name 'ctk12328-*' 2>/dev/null | one_line)
st=$(dpkg-query -W -f='${Status}' ctk12328 2>&1 | one_line)
[ ! -e /var/lib/ctk12328 ] && [ "$etc" = credentials.csv ] && [ -z "$links" ] \
  && ! echo "$st" | grep -q installed
verdict $? dpkg-purge-clean "/var/lib/ctk12328 $([ -e /var/lib/ctk12328 ] && echo kept || echo gone); \
/etc/ctk12328 holds: ${etc:-nothing} (want the administrator's credentials.csv only); \
unit files or links left: ${links:-none}; dpkg: $st"
failed=$(systemctl list-units --failed --plain --no-legend | one_line)
[ -z "$failed" ]
verdict $? end-no-failed-units "failed units at the end: ${failed:-none}"

say "DONE pass=$(grep -c '^CTK-CHECK PASS ' "$LOG") fail=$(grep -c '^CTK-CHECK FAIL ' "$LOG")"
