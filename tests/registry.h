/* registry: every suite of the toolkit's own tests, in one list.
 * X(name, tags): tests/test_<name>.c defines void ctk_test_add_<name>(CU_pSuite suite).
 *
 * Tags say what a suite needs, so a machine can skip what it lacks (CTK_TEST_SKIP=tag,tag):
 *   unit     nothing but the process itself
 *   net      listens and connects on 127.0.0.1
 *   sipp     runs the external SIPp program
 *   node     runs node with the npm clients `make deps` installs (tests/interop/cti)
 *   browser  runs headless Chromium
 *   valgrind runs daemons under valgrind
 *   preload  runs daemons with an LD_PRELOAD library (not with a sanitized ctk)
 *   interop  runs third-party clients: python3-zeep, gSOAP (wsdl2h, soapcpp2, cc), curl, SIPp
 *   fuzz     a short, bounded fuzz run
 *   build    runs make and the C compiler on the source tree
 *   soak     long; only with `--tags soak` (make soak), never in make test
 *   measure  measures issue 17's targets (bench/hostile.sh, make bench-hostile); never in
 *            make test
 */
#ifndef CTK_TEST_REGISTRY_H
#define CTK_TEST_REGISTRY_H

#define CTK_TEST_SUITES(X) \
  X(buf, "unit")           \
  X(layers, "build")       \
  X(mutation, "build")     \
  X(literals, "unit")      \
  X(translate, "unit")     \
  X(error, "unit")         \
  X(cli, "unit")           \
  X(log, "unit")           \
  X(faultproxy, "net")     \
  X(http, "net")           \
  X(bench, "net")          \
  X(csv, "unit")           \
  X(region, "unit")        \
  X(calendar, "unit")      \
  X(auth, "unit") \
  X(store, "unit") \
  X(stats, "unit") \
  X(node, "unit") \
  X(endpoints, "net")         \
  X(tls, "net") \
  X(report, "unit") \
  X(bundle, "unit") \
  X(html_browser, "browser") \
  X(acd, "unit") \
  X(acd_net, "net") \
  X(load, "net,sipp")           \
  X(cti_interop, "net,sipp,node") \
  X(cti_link, "net") \
  X(dock, "net,sipp") \
  X(fuzz_short, "fuzz")    \
  X(hostile, "net") \
  X(hardening, "net") \
  X(receive, "net") \
  X(profile, "unit") \
  X(profile_lint, "unit") \
  X(schema_model, "unit") \
  X(compose, "unit") \
  X(msg, "unit") \
  X(validate, "unit") \
  X(fixtures, "unit")      \
  X(linkfaults, "net") \
  X(traffic, "unit") \
  X(city, "net")           \
  X(crash, "net")          \
  X(crash_soak, "soak")    \
  X(measure, "measure")    \
  X(valgrind, "valgrind") \
  X(runner, "net") \
  X(selftest, "net") \
  X(storeconc, "unit") \
  X(syncfail, "net,preload") \
  X(conventions, "net") \
  X(interop, "net,interop")

#endif
