/* ctk_ct_suites: the tables of conformance tests, each defined at the end of its suite's file
 * beside the tests' code; ctk_ct_registry.c lists them in run order. */
#ifndef CTK_CT_SUITES_H
#define CTK_CT_SUITES_H

#include <stddef.h>

#include "ctk_ct.h"

/* runner/ctk_ct_pics.c: the PICS self-check, first so later tests know what is broken. */
extern const ctk_ct_def ctk_ct_pics_tests[];
extern const size_t ctk_ct_pics_count;

/* suites/jtt1019-1/ctk_j1_process.c: the work-order process against a province. */
extern const ctk_ct_def ctk_j1_process_tests[];
extern const size_t ctk_j1_process_count;

/* suites/jtt1019-1/ctk_j1_city.c: the process against a city system (--sut city). */
extern const ctk_ct_def ctk_j1_city_tests[];
extern const size_t ctk_j1_city_count;

/* suites/jtt1019-3/ctk_j3_interfaces.c: the interfaces, envelope, fields, bindings. */
extern const ctk_ct_def ctk_j3_interfaces_tests[];
extern const size_t ctk_j3_interfaces_count;

/* suites/jtt1019-2/ctk_j2_technical.c: security, recovery, load, statistics, secrets. */
extern const ctk_ct_def ctk_j2_technical_tests[];
extern const size_t ctk_j2_technical_count;

#endif
