/* test_package: `make deb` builds a Debian package that holds what tests/data/package says, and
 * the ctk it installs (unpacked into a scratch root, never onto this machine) runs from any
 * folder: its version, the self-test against the reference province, the ministry of its unit;
 * `make install-files` and `uninstall-files` put the same tree under a PREFIX and take it away. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_proc.h"
#include "ctk_test.h"

#define PKG_DATA "tests/data/package"
#define PKG_SHARE "/usr/share/ctk12328"

/* Shared by the tests of the suite, in order: the .deb, and the root it is unpacked into. */
static char pkg_deb[1024];
static char pkg_root[600];

/* The next line of a data file that is neither blank nor a comment, NUL-terminated in line;
 * NULL at the end. *p walks the text. */
static const char *pkg_next_line(const char **p, char *line, size_t linelen)
{
  while(*p && **p) {
    const char *start = *p;
    const char *end = strchr(start, '\n');
    size_t n = end ? (size_t)(end - start) : strlen(start);
    *p = end ? end + 1 : start + n;
    if(!n || *start == '#')
      continue;
    if(n >= linelen)
      n = linelen - 1;
    memcpy(line, start, n);
    line[n] = '\0';
    return line;
  }
  return NULL;
}

/* The first line of field name of a control file, into out; NULL when there is none. */
static const char *pkg_field(const char *control, const char *name, char *out, size_t outlen)
{
  const char *p = control;
  size_t n = strlen(name);
  while(p && *p) {
    if(!strncmp(p, name, n) && p[n] == ':' && p[n + 1] == ' ') {
      const char *v = p + n + 2;
      size_t len = strcspn(v, "\n");
      if(len >= outlen)
        len = outlen - 1;
      memcpy(out, v, len);
      out[len] = '\0';
      return out;
    }
    p = strchr(p, '\n');
    if(p)
      p++;
  }
  return NULL;
}

/* The output of cmd, which must exit 0; NULL (and the output printed) otherwise. */
static char *pkg_output(const char *cmd)
{
  char *out = NULL;
  int rc = ctk_test_run(cmd, &out);
  if(rc != 0) {
    fprintf(stderr, "\npackage: `%s` exited %d:\n%s\n", cmd, rc, out ? out : "");
    free(out);
    return NULL;
  }
  return out;
}

/* `make deb` from the build under test: the .deb's path is the last line it prints. */
static void test_package_builds(void)
{
  char build[PATH_MAX];
  char cmd[16384];
  char *out;
  char *last;
  size_t n;

  ctk_test_build_dir(build, sizeof(build));
  snprintf(cmd, sizeof(cmd), "make -s --no-print-directory BUILD='%s' deb 2>&1", build);
  out = pkg_output(cmd);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  n = strlen(out);
  while(n && out[n - 1] == '\n')
    out[--n] = '\0';
  last = strrchr(out, '\n');
  last = last ? last + 1 : out;
  ctk_strlcpy(pkg_deb, last, sizeof(pkg_deb));
  free(out);
  CU_ASSERT_PTR_NOT_NULL(strstr(pkg_deb, ".deb"));
  CU_ASSERT_EQUAL(access(pkg_deb, R_OK), 0);
}

/* Each path of contents.txt, every file of profiles/, data/, fixtures/ and a man page for
 * each page of docs/man is in the package, owned by root. */
static void test_package_contents(void)
{
  char cmd[16384];
  char line[1024];
  char want[1200];
  char *listing;
  char *spec;
  char *tree;
  const char *p;
  size_t checked = 0;

  CU_ASSERT_FATAL(pkg_deb[0] != '\0');
  snprintf(cmd, sizeof(cmd), "dpkg-deb -c '%s'", pkg_deb);
  listing = pkg_output(cmd);
  spec = ctk_test_read_file(PKG_DATA "/contents.txt", NULL);
  tree = pkg_output("find profiles data fixtures -type f | sort; "
                    "for m in docs/man/*.1; do echo \"man $(basename $m)\"; done");
  CU_ASSERT_PTR_NOT_NULL_FATAL(listing);
  CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
  CU_ASSERT_PTR_NOT_NULL_FATAL(tree);
  for(p = spec; pkg_next_line(&p, line, sizeof(line)); checked++) {
    snprintf(want, sizeof(want), " %s\n", line);
    if(!strstr(listing, want)) {
      fprintf(stderr, "\npackage: %s is missing\n", line);
      CU_FAIL("a path of tests/data/package/contents.txt is not in the package");
    }
  }
  for(p = tree; pkg_next_line(&p, line, sizeof(line)); checked++) {
    if(!strncmp(line, "man ", 4))
      snprintf(want, sizeof(want), " ./usr/share/man/man1/%s.gz\n", line + 4);
    else
      snprintf(want, sizeof(want), " ." PKG_SHARE "/%s\n", line);
    if(!strstr(listing, want)) {
      fprintf(stderr, "\npackage: %s is missing", want);
      CU_FAIL("a file of the kit is not in the package");
    }
  }
  CU_ASSERT(checked > 100);
  /* dpkg-deb --root-owner-group: nothing belongs to whoever built it */
  for(p = listing; pkg_next_line(&p, line, sizeof(line));)
    if(!strstr(line, " root/root ")) {
      fprintf(stderr, "\npackage: not root's: %s\n", line);
      CU_FAIL("a file of the package is not owned by root");
    }
  free(listing);
  free(spec);
  free(tree);
}

/* The control file says what control.txt wants, the version is the program's, the
 * architecture this machine's, and the configuration files are conffiles. */
static void test_package_control(void)
{
  char cmd[16384];
  char line[512];
  char want[600];
  char *control;
  char *spec;
  char *version;
  char *arch;
  char *conffiles;
  const char *p;

  CU_ASSERT_FATAL(pkg_deb[0] != '\0');
  snprintf(cmd, sizeof(cmd), "dpkg-deb -f '%s'", pkg_deb);
  control = pkg_output(cmd);
  spec = ctk_test_read_file(PKG_DATA "/control.txt", NULL);
  snprintf(cmd, sizeof(cmd), "'%s' version | sed -n '1s/^ctk \\([^ ]*\\) .*/\\1/p'",
           ctk_test_ctk_bin());
  version = pkg_output(cmd);
  arch = pkg_output("dpkg --print-architecture");
  snprintf(cmd, sizeof(cmd), "dpkg-deb -I '%s' conffiles", pkg_deb);
  conffiles = pkg_output(cmd);
  CU_ASSERT_PTR_NOT_NULL_FATAL(control);
  CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
  CU_ASSERT_PTR_NOT_NULL_FATAL(version);
  CU_ASSERT_PTR_NOT_NULL_FATAL(arch);
  CU_ASSERT_PTR_NOT_NULL_FATAL(conffiles);
  for(p = spec; pkg_next_line(&p, line, sizeof(line));) {
    char *colon = strchr(line, ':');
    char value[1024];
    CU_ASSERT_PTR_NOT_NULL_FATAL(colon);
    *colon = '\0';
    if(!pkg_field(control, line, value, sizeof(value)) || !strstr(value, colon + 2)) {
      fprintf(stderr, "\npackage: control field %s lacks '%s'\n", line, colon + 2);
      CU_FAIL("a control field does not say what tests/data/package/control.txt wants");
    }
  }
  CU_ASSERT_PTR_NOT_NULL(pkg_field(control, "Version", want, sizeof(want)));
  CU_ASSERT_STRING_EQUAL(want, strtok(version, "\n"));
  CU_ASSERT_PTR_NOT_NULL(pkg_field(control, "Architecture", want, sizeof(want)));
  CU_ASSERT_STRING_EQUAL(want, strtok(arch, "\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(conffiles, "/etc/ctk12328/ministry.conf\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(conffiles, "/etc/ctk12328/console.env\n"));
  free(control);
  free(spec);
  free(version);
  free(arch);
  free(conffiles);
}

/* postinst makes the group, the system user and its state folder, and on a second run (an
 * upgrade) leaves an existing user alone. It runs here with stand-ins for getent, groupadd,
 * useradd and install at the head of PATH, which only write down how they were called. */
static void test_package_postinst(void)
{
  const char *tmp = ctk_test_tmpdir("package-postinst");
  char dir[600];
  char cmd[16384];
  char *first;
  char *again;

  CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
  CU_ASSERT_FATAL(pkg_deb[0] != '\0');
  ctk_strlcpy(dir, tmp, sizeof(dir));
  snprintf(cmd, sizeof(cmd),
           "cd '%s' && dpkg-deb -e '%s' control && mkdir bin && "
           "for c in groupadd useradd install systemctl; do "
           "printf '#!/bin/sh\\necho \"$(basename $0) $*\" >> \"%s/calls\"\\n' > bin/$c; "
           "done && "
           "printf '#!/bin/sh\\necho \"getent $*\" >> \"%s/calls\"\\nexit ${GETENT_RC:-2}\\n' "
           "> bin/getent && chmod +x bin/* && "
           "PATH=\"$PWD/bin:$PATH\" sh control/postinst configure && cat calls",
           dir, pkg_deb, dir, dir);
  first = pkg_output(cmd);
  snprintf(cmd, sizeof(cmd), "cd '%s' && rm -f calls && GETENT_RC=0 PATH=\"$PWD/bin:$PATH\" "
           "sh control/postinst configure && cat calls", dir);
  again = pkg_output(cmd);
  CU_ASSERT_PTR_NOT_NULL_FATAL(first);
  CU_ASSERT_PTR_NOT_NULL_FATAL(again);
  CU_ASSERT_PTR_NOT_NULL(strstr(first, "groupadd --system ctk12328\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(first, "useradd --system --gid ctk12328 --home-dir "
                                       "/var/lib/ctk12328 --no-create-home --shell "
                                       "/usr/sbin/nologin"));
  CU_ASSERT_PTR_NOT_NULL(strstr(first, "install -d -m 0750 -o ctk12328 -g ctk12328 "
                                       "/var/lib/ctk12328\n"));
  CU_ASSERT_PTR_NULL(strstr(again, "useradd"));
  CU_ASSERT_PTR_NULL(strstr(again, "groupadd"));
  CU_ASSERT_PTR_NOT_NULL(strstr(again, "install -d -m 0750 -o ctk12328"));
  free(first);
  free(again);
  /* the other scripts at least parse */
  snprintf(cmd, sizeof(cmd), "cd '%s' && sh -n control/prerm && sh -n control/postrm", dir);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 0);
}

/* Unpacked into a scratch root, the package's ctk, started from an unrelated folder, finds
 * its data beside itself, says so in `ctk version`, names the compiled-in /usr/share place in
 * its help, takes CTK_DATA_DIR over both, and passes the self-test with the installed
 * profile, PICS and PIXIT. */
static void test_package_installed_ctk_runs(void)
{
  const char *tmp = ctk_test_tmpdir("package-root");
  char cmd[16384];
  char share[PATH_MAX + 32];
  char want[PATH_MAX + 64];
  char *out;

  CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
  CU_ASSERT_FATAL(pkg_deb[0] != '\0');
  ctk_strlcpy(pkg_root, tmp, sizeof(pkg_root));
  snprintf(cmd, sizeof(cmd), "dpkg-deb -x '%s' '%s/root' && mkdir '%s/elsewhere'", pkg_deb,
           pkg_root, pkg_root);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  snprintf(share, sizeof(share), "%s/root" PKG_SHARE, pkg_root);

  snprintf(cmd, sizeof(cmd), "cd '%s/elsewhere' && env -u CTK_DATA_DIR -u CTK_PROFILE "
           "'%s/root/usr/bin/ctk' version", pkg_root, pkg_root);
  out = pkg_output(cmd);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  snprintf(want, sizeof(want), "\ndata: %s\n", share);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
  free(out);

  snprintf(cmd, sizeof(cmd), "cd '%s/elsewhere' && '%s/root/usr/bin/ctk' validate --help",
           pkg_root, pkg_root);
  out = pkg_output(cmd);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, PKG_SHARE "/profiles/"));
  free(out);

  snprintf(cmd, sizeof(cmd), "cd '%s/elsewhere' && CTK_DATA_DIR='%s/nowhere' "
           "'%s/root/usr/bin/ctk' version", pkg_root, pkg_root, pkg_root);
  out = pkg_output(cmd);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  snprintf(want, sizeof(want), "\ndata: %s/nowhere\n", pkg_root);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
  free(out);

  snprintf(cmd, sizeof(cmd), "cd '%s/elsewhere' && env -u CTK_DATA_DIR -u CTK_PROFILE "
           "-u CTK_FIXTURES_DIR -u CTK_HOSTILE_DIR -u CTK_LOAD_SCENARIOS "
           "'%s/root/usr/bin/ctk' run --sut province --pics '%s/fixtures/pics/"
           "reference-province.pics' --pixit '%s/fixtures/pixit/reference-province.pixit' "
           "--out run --quiet 2>&1", pkg_root, pkg_root, share, share);
  out = pkg_output(cmd);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, " pass, 0 fail, 0 inconc, "));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, " 0 error; exit 0;"));
  free(out);
  snprintf(want, sizeof(want), "%s/elsewhere/run/results.json", pkg_root);
  CU_ASSERT_EQUAL(access(want, R_OK), 0);

  /* the other lookups of the data folder: the region table (ctk validate warns when it has
   * none) and the hostile catalogue with the profile it is written in (ctk profile fixtures) */
  snprintf(cmd, sizeof(cmd), "cd '%s/elsewhere' && env -u CTK_DATA_DIR -u CTK_PROFILE "
           "-u CTK_HOSTILE_DIR '%s/root/usr/bin/ctk' validate %s/fixtures/messages/valid/*.xml "
           "2>&1 && '%s/root/usr/bin/ctk' profile fixtures '%s/profiles/synthetic-variant' fx "
           "2>&1", pkg_root, pkg_root, share, pkg_root, share);
  out = pkg_output(cmd);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  CU_ASSERT_PTR_NULL(strstr(out, "format only"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, " hostile requests in fx/hostile"));
  free(out);
}

/* The ministry's unit line, pointed at the scratch root (and a free loopback port), starts the
 * installed ctk with the installed ministry.conf: it serves its WSDL, refuses a caller without
 * credentials, and stops cleanly on SIGTERM as systemd stops it. */
static void test_package_ministry_unit_starts(void)
{
  char path[PATH_MAX + 128];
  char line[1024];
  char exec[2048];
  char cmd[16384];
  char *unit;
  char *conf;
  char *out;
  char *argv[CTK_PROC_ARGS_MAX];
  char *tok;
  char *save = NULL;
  const char *p;
  size_t n = 0;
  ctk_proc proc;
  int port = 0;

  CU_ASSERT_FATAL(pkg_root[0] != '\0');
  snprintf(path, sizeof(path), "%s/root/usr/lib/systemd/system/ctk12328-ministry.service",
           pkg_root);
  unit = ctk_test_read_file(path, NULL);
  snprintf(path, sizeof(path), "%s/root/etc/ctk12328/ministry.conf", pkg_root);
  conf = ctk_test_read_file(path, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(unit);
  CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
  /* loopback unless the administrator says otherwise */
  CU_ASSERT_PTR_NOT_NULL(strstr(conf, "\nlisten = 127.0.0.1:"));
  exec[0] = '\0';
  for(p = unit; pkg_next_line(&p, line, sizeof(line));)
    if(!strncmp(line, "ExecStart=", 10))
      ctk_strlcpy(exec, line + 10, sizeof(exec));
  free(unit);
  free(conf);
  CU_ASSERT_FATAL(exec[0] != '\0');
  /* /usr/bin, /etc and /var/lib of the unit, moved into the scratch root */
  snprintf(cmd, sizeof(cmd), "printf '%%s' '%s' | sed -e 's|/usr/bin/|%s/root/usr/bin/|' "
           "-e 's|/etc/|%s/root/etc/|' -e 's|/var/lib/|%s/var/lib/|'", exec, pkg_root,
           pkg_root, pkg_root);
  out = pkg_output(cmd);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  ctk_strlcpy(exec, out, sizeof(exec));
  free(out);
  snprintf(cmd, sizeof(cmd), "mkdir -p '%s/var/lib/ctk12328/ministry'", pkg_root);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  snprintf(path, sizeof(path), "%s/ministry.port", pkg_root);
  for(tok = strtok_r(exec, " ", &save); tok && n + 5 < CTK_PROC_ARGS_MAX;
      tok = strtok_r(NULL, " ", &save))
    argv[n++] = tok;
  argv[n++] = "--listen";
  argv[n++] = "127.0.0.1:0";
  argv[n++] = "--port-file";
  argv[n++] = path;
  argv[n] = NULL;
  memset(&proc, 0, sizeof(proc));
  snprintf(line, sizeof(line), "%s/ministry.log", pkg_root);
  CU_ASSERT_EQUAL_FATAL(ctk_proc_start(&proc, "ministry", argv, line), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_proc_wait_port(&proc, path, 10000, &port), CTK_E_OK);
  if(port > 0) {
    snprintf(cmd, sizeof(cmd), "curl -s -o /dev/null -w '%%{http_code}' "
             "'http://127.0.0.1:%d/soap?wsdl'; echo; curl -s -o /dev/null -w '%%{http_code}' "
             "-d '<x/>' 'http://127.0.0.1:%d/exchange'", port, port);
    out = pkg_output(cmd);
    CU_ASSERT_PTR_NOT_NULL(out);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "200\n401") : NULL);
    free(out);
  }
  snprintf(path, sizeof(path), "%s/var/lib/ctk12328/ministry/ctk.db", pkg_root);
  CU_ASSERT_EQUAL(access(path, F_OK), 0);
  ctk_proc_stop(&proc, 10000);
  CU_ASSERT(WIFEXITED(proc.exit_status) && WEXITSTATUS(proc.exit_status) == 0);
}

/* Each unit has the lines of units.txt, and systemd-analyze finds nothing wrong with it (its
 * program pointed at the scratch root, as that is where it is). */
static void test_package_units(void)
{
  static const char *const names[] = { "ministry", "console" };
  char *spec = ctk_test_read_file(PKG_DATA "/units.txt", NULL);
  char path[PATH_MAX + 128];
  char line[1024];
  char cmd[16384];
  size_t i;
  int have_analyze = ctk_test_run("command -v systemd-analyze >/dev/null", NULL) == 0;

  CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
  CU_ASSERT_FATAL(pkg_root[0] != '\0');
  for(i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    char *unit;
    char *out;
    const char *p;
    snprintf(path, sizeof(path), "%s/root/usr/lib/systemd/system/ctk12328-%s.service",
             pkg_root, names[i]);
    unit = ctk_test_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(unit);
    for(p = spec; pkg_next_line(&p, line, sizeof(line));) {
      const char *bar = strstr(line, "| ");
      const char *want = line;
      char lined[1100];
      if(bar) {
        size_t len = (size_t)(bar - line);
        if(strlen(names[i]) != len || strncmp(line, names[i], len))
          continue;
        want = bar + 2;
      }
      snprintf(lined, sizeof(lined), "\n%s\n", want);
      if(!strstr(unit, lined)) {
        fprintf(stderr, "\npackage: ctk12328-%s.service lacks %s\n", names[i], want);
        CU_FAIL("a unit lacks a line of tests/data/package/units.txt");
      }
    }
    free(unit);
    if(!have_analyze)
      continue;
    /* verify: syntax, the program exists and runs, the targets; no man (not installed here) */
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s/verify' && sed 's|=/usr/bin/ctk |=%s/root/usr/bin/"
             "ctk |' '%s' > '%s/verify/ctk12328-%s.service' && systemd-analyze verify "
             "--man=no '%s/verify/ctk12328-%s.service' 2>&1", pkg_root, pkg_root, path,
             pkg_root, names[i], pkg_root, names[i]);
    out = pkg_output(cmd);
    CU_ASSERT_PTR_NOT_NULL(out);
    /* a setting systemd does not know is only a warning: there must be none */
    if(out && *out) {
      fprintf(stderr, "\npackage: systemd-analyze verify ctk12328-%s.service:\n%s", names[i],
              out);
      CU_FAIL("systemd-analyze verify has something to say about a unit");
    }
    free(out);
    /* the sandbox: systemd's own exposure score, "OK" up to 4.9 of 10; ours is far below */
    snprintf(cmd, sizeof(cmd), "cd '%s/verify' && systemd-analyze security --offline=true "
             "--threshold=25 ctk12328-%s.service > security.txt 2>&1; rc=$?; "
             "tail -n 1 security.txt; exit $rc", pkg_root, names[i]);
    out = pkg_output(cmd);
    CU_ASSERT_PTR_NOT_NULL(out);
    free(out);
  }
  if(!have_analyze)
    fprintf(stderr, "\npackage: no systemd-analyze here (Debian package systemd): units "
            "checked for their lines only\n");
  free(spec);
}

/* make install-files under a PREFIX and DESTDIR puts the tree where the Makefile says, with
 * units that run that PREFIX's ctk, keeps an edited configuration on a second install, and
 * make uninstall-files takes everything but the configuration away. */
static void test_install_uninstall(void)
{
  const char *tmp = ctk_test_tmpdir("install");
  char dest[600];
  char cmd[16384];
  char *out;

  CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
  ctk_strlcpy(dest, tmp, sizeof(dest));
  snprintf(cmd, sizeof(cmd), "make -s --no-print-directory install-files DESTDIR='%s' "
           "PREFIX=/opt/ctk12328 CTK_BIN='%s' 2>&1 && cd '%s/opt/ctk12328' && "
           "ls bin/ctk share/man/man1/ctk-serve.1 share/ctk12328/data/regions.csv "
           "share/ctk12328/fixtures/pics/reference-province.pics share/doc/ctk12328/README.md "
           "etc/ctk12328/ministry.conf && grep '^ExecStart=' lib/systemd/system/*.service",
           dest, ctk_test_ctk_bin(), dest);
  out = pkg_output(cmd);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "ExecStart=/opt/ctk12328/bin/ctk serve ministry --config "
                                     "/opt/ctk12328/etc/ctk12328/ministry.conf"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "ExecStart=/opt/ctk12328/bin/ctk console"));
  free(out);
  snprintf(cmd, sizeof(cmd), "echo '# mine' >> '%s/opt/ctk12328/etc/ctk12328/ministry.conf' && "
           "make -s --no-print-directory install-files DESTDIR='%s' PREFIX=/opt/ctk12328 "
           "CTK_BIN='%s' >/dev/null 2>&1 && "
           "grep -c '# mine' '%s/opt/ctk12328/etc/ctk12328/ministry.conf' && "
           "make -s --no-print-directory uninstall-files DESTDIR='%s' PREFIX=/opt/ctk12328 "
           ">/dev/null 2>&1 && cd '%s/opt/ctk12328' && find . -type f | sort",
           dest, dest, ctk_test_ctk_bin(), dest, dest, dest);
  out = pkg_output(cmd);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  CU_ASSERT_STRING_EQUAL(out, "1\n./etc/ctk12328/console.env\n./etc/ctk12328/ministry.conf\n");
  free(out);
}

void ctk_test_add_package(CU_pSuite suite)
{
  CTK_TEST(suite, test_package_builds);
  CTK_TEST(suite, test_package_contents);
  CTK_TEST(suite, test_package_control);
  CTK_TEST(suite, test_package_postinst);
  CTK_TEST(suite, test_package_installed_ctk_runs);
  CTK_TEST(suite, test_package_ministry_unit_starts);
  CTK_TEST(suite, test_package_units);
  CTK_TEST(suite, test_install_uninstall);
}
