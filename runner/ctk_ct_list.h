/* ctk_ct_list: the registry of conformance tests, one line per test, in run order.
 * X(fn, id, name, part, area, class, pics condition, requirement IDs, needs tags, sut). */
#ifndef CTK_CT_LIST_H
#define CTK_CT_LIST_H

/* PICS condition NULL means the test applies to every SUT of its role. That is on purpose
 * for the SHALL requirements of the baseline every node must meet (the plain XML binding,
 * UTF-8, the mandatory interfaces, the process, security); docs/RUNNER.md lists them. */
#define CTK_CT_LIST(X)                                                                        \
  /* ---- PICS self-check: declared capabilities must work (runs first) ---- */              \
  X(ctk_ct_pics_xml, "PICS.xml-utf8", "LinkCheck over the plain XML binding in UTF-8",        \
    "pics", "pics-check", CTK_CLASS_MANDATORY, NULL, "J3-BIND-001,J3-IF-013", "", "any")      \
  X(ctk_ct_pics_soap, "PICS.soap", "Declared SOAP binding: a SOAP LinkCheck works",           \
    "pics", "pics-check", CTK_CLASS_OPTIONAL, "binding.soap", "J3-BIND-002", "", "any")       \
  X(ctk_ct_pics_gbk, "PICS.gbk", "Declared GBK encoding: a GBK LinkCheck works",              \
    "pics", "pics-check", CTK_CLASS_OPTIONAL, "encoding.gbk", "J3-ENC-002", "", "any")        \
  X(ctk_ct_pics_tls, "PICS.tls", "Declared TLS: the SUT answers over HTTPS",                  \
    "pics", "pics-check", CTK_CLASS_OPTIONAL, "security.tls", "J3-SEC-006,J2-SEC-002", "tls", \
    "any")                                                                                    \
                                                                                              \
  /* ---- JT/T 1019.1 (process) ---- */                                                       \
  X(ctk_ct_j1_local, "J1.local-case",                                                         \
    "Local case: report, complete, revisit, archive; same state at city, province, ministry", \
    "jtt1019-1", "process", CTK_CLASS_MANDATORY, NULL,                                        \
    "J1-FLOW-001,J1-FLOW-002,J1-FLOW-008,J1-FLOW-009,J1-FLOW-012,J1-FLOW-014,J2-IF-001", "",  \
    "province")                                                                               \
  X(ctk_ct_j1_cross_city, "J1.cross-city",                                                    \
    "Cross-city case: the province transfers to the handling city, which signs and handles",  \
    "jtt1019-1", "process", CTK_CLASS_MANDATORY, NULL,                                        \
    "J1-FLOW-003,J1-FLOW-005,J1-FLOW-007,J1-FLOW-008,J1-FLOW-014", "", "province")            \
  X(ctk_ct_j1_cross_province, "J1.cross-province",                                            \
    "Cross-province case: the order goes up to the ministry, down to the other province",     \
    "jtt1019-1", "process", CTK_CLASS_MANDATORY, NULL, "J1-FLOW-004", "peer", "province")     \
  X(ctk_ct_j1_return, "J1.return",                                                            \
    "Return: the handling city returns a transferred order; it can be transferred again",    \
    "jtt1019-1", "process", CTK_CLASS_MANDATORY, NULL, "J1-FLOW-006", "", "province")         \
  X(ctk_ct_j1_instant, "J1.instant-answer",                                                   \
    "Instant answer: an enquiry answered on the call is reported as 02, revisited, archived", \
    "jtt1019-1", "process", CTK_CLASS_MANDATORY, NULL, "J1-FLOW-013,J1-FLOW-009,J1-FLOW-012", \
    "", "province")                                                                           \
  X(ctk_ct_j1_urge, "J1.urge", "Urge from the ministry: accepted, state unchanged, passed on", \
    "jtt1019-1", "process", CTK_CLASS_MANDATORY, NULL, "J1-FLOW-010,J3-IF-008", "",           \
    "province")                                                                               \
  X(ctk_ct_j1_supervise, "J1.supervise",                                                      \
    "Supervision from the ministry: accepted, state unchanged, passed on", "jtt1019-1",       \
    "process", CTK_CLASS_MANDATORY, NULL, "J1-FLOW-011,J3-IF-009", "", "province")            \
  X(ctk_ct_j1_overdue, "J1.overdue-urge",                                                     \
    "An order past its deadline is urged down to the handling city", "jtt1019-1", "process",  \
    CTK_CLASS_MANDATORY, NULL, "J1-TIME-001,J1-TIME-002", "overdue", "province")      \
  X(ctk_ct_j1_illegal, "J1.illegal-transition",                                               \
    "Illegal transitions are refused with STATE and change nothing", "jtt1019-1", "process",  \
    CTK_CLASS_MANDATORY, NULL, "J1-FLOW-016", "", "province")                                 \
  X(ctk_ct_j1_unknown, "J1.unknown-order", "A message about an unknown order gets UNKNOWN_ORDER", \
    "jtt1019-1", "process", CTK_CLASS_MANDATORY, NULL, "J1-FLOW-017", "", "province")         \
  X(ctk_ct_j1_exists, "J1.exists", "A second report of an order with other content gets EXISTS", \
    "jtt1019-1", "process", CTK_CLASS_MANDATORY, NULL, "J1-FLOW-018", "", "province")         \
  X(ctk_ct_j1_business_types, "J1.business-types",                                            \
    "All three business types are accepted; others are refused", "jtt1019-1", "process",      \
    CTK_CLASS_MANDATORY, NULL, "J1-BT-001,J3-CODE-001", "", "province")                       \
  /* ---- JT/T 1019.1 against a city system (--sut city) ---- */                              \
  X(ctk_ct_c1_report, "J1.city-report-up",                                                    \
    "The city reports an order it accepted and its completion to its province", "jtt1019-1",  \
    "process", CTK_CLASS_MANDATORY, NULL, "J1-FLOW-001,J1-FLOW-008,J3-IF-001", "", "city")     \
  X(ctk_ct_c1_transfer, "J1.city-transfer-down",                                              \
    "The city takes a transfer from its province and signs for it", "jtt1019-1", "process",   \
    CTK_CLASS_MANDATORY, NULL, "J1-FLOW-003,J1-FLOW-005,J1-FLOW-015", "", "city")              \
  X(ctk_ct_c1_urge, "J1.city-urge", "The city accepts urge and supervision; state unchanged", \
    "jtt1019-1", "process", CTK_CLASS_MANDATORY, NULL, "J1-FLOW-010,J1-FLOW-011", "", "city")  \
  X(ctk_ct_c2_cti_calls, "J2.cti-calls",                                                     \
    "Calls answered on the queue machine become one order each, reported up with CallId and "  \
    "recording; answered count matches SIPp", "jtt1019-2", "technical", CTK_CLASS_OPTIONAL,   \
    "cti.webhook", "J2-ACD-001", "sipp", "city")                                              \
                                                                                              \
  /* ---- JT/T 1019.3 (interfaces) ---- */                                                    \
  X(ctk_ct_j3_linkcheck, "J3.if-1013-linkcheck",                                              \
    "LinkCheck answers LinkCheckResult with the echo; the answer head correlates",            \
    "jtt1019-3", "interfaces", CTK_CLASS_MANDATORY, NULL, "J3-IF-013,J3-ENV-007", "", "any")  \
  X(ctk_ct_j3_report, "J3.if-1001-report", "WorkOrderReport from a city is accepted and stored", \
    "jtt1019-3", "interfaces", CTK_CLASS_MANDATORY, NULL, "J3-IF-001,J3-ENV-007", "",         \
    "province")        \
  X(ctk_ct_j3_query, "J3.if-1010-query",                                                      \
    "WorkOrderQuery answers the order and its history", "jtt1019-3", "interfaces",            \
    CTK_CLASS_MANDATORY, NULL, "J3-IF-010,J1-FLOW-015", "", "province")                       \
  X(ctk_ct_j3_handling, "J3.if-handling",                                                     \
    "Sign, feedback, complete, revisit and archive messages of a handling city are accepted", \
    "jtt1019-3", "interfaces", CTK_CLASS_MANDATORY, NULL,                                     \
    "J3-IF-002,J3-IF-003,J3-IF-005,J3-IF-006,J3-IF-007,J3-IF-014", "", "province")            \
  X(ctk_ct_j3_return, "J3.if-1004-return", "WorkOrderReturn of a transferred order is accepted", \
    "jtt1019-3", "interfaces", CTK_CLASS_MANDATORY, NULL, "J3-IF-004", "", "province")        \
  X(ctk_ct_j3_stats, "J3.if-1011-statistics", "StatisticsReport from a city is accepted",     \
    "jtt1019-3", "interfaces", CTK_CLASS_OPTIONAL, "interface.1011 || PICS-STATS",            \
    "J3-IF-011", "", "province")                                                              \
  X(ctk_ct_j3_knowledge, "J3.if-1012-knowledge", "KnowledgeSync from a city is accepted",     \
    "jtt1019-3", "interfaces", CTK_CLASS_OPTIONAL, "interface.1012 || PICS-KB", "J3-IF-012",  \
    "", "province")                                                                           \
  X(ctk_ct_j3_invalid, "J3.invalid-envelope",                                                 \
    "Invalid envelopes get the profile's result code and requirement", "jtt1019-3",          \
    "interfaces", CTK_CLASS_MANDATORY, NULL,                                                  \
    "J3-ENV-001,J3-ENV-003,J3-ENV-004,J3-ENV-005,J3-ENV-006,J3-ENV-008,J3-ENC-001", "",       \
    "province")                                                                               \
  X(ctk_ct_j3_invalid_fields, "J3.invalid-fields",                                            \
    "Invalid fields get SCHEMA, FORMAT or CODE_VALUE with where and requirement", "jtt1019-3", \
    "interfaces", CTK_CLASS_MANDATORY, NULL,                                                  \
    "J3-SCH-001,J3-FMT-001,J3-FMT-002,J3-FMT-003,J3-FMT-004,J3-FMT-005,J3-CODE-002,"          \
    "J3-CODE-003,J3-CODE-004,J3-CODE-005,J3-CODE-009",                                        \
    "", "province")                                                                           \
  X(ctk_ct_j3_fixtures_invalid, "J3.fixtures-invalid",                                        \
    "Every invalid message of fixtures/messages gets the result code and requirement its "    \
    ".expect names", "jtt1019-3", "interfaces", CTK_CLASS_MANDATORY, NULL,                   \
    "J3-SCH-001,J3-FMT-001,J3-FMT-006,J3-CODE-001,J3-CODE-006,J3-CODE-007,J3-CODE-008,"       \
    "J3-ENV-003,J3-ENV-005,J3-ENC-001,J3-SEC-001", "", "province")                            \
  X(ctk_ct_j3_http, "J3.http-errors",                                                         \
    "HTTP errors only for wrong path (404) and method (405); business errors are 200",        \
    "jtt1019-3", "interfaces", CTK_CLASS_MANDATORY, NULL, "J3-BIND-004", "", "any")           \
  X(ctk_ct_j3_soap_fault, "J3.soap-fault",                                                    \
    "An unreadable SOAP envelope gets a SOAP Fault; a readable one never does", "jtt1019-3", \
    "interfaces", CTK_CLASS_OPTIONAL, "binding.soap", "J3-BIND-003", "", "any")               \
  X(ctk_ct_j3_idem_repeat, "J3.idempotent-repeat",                                            \
    "The same message twice gets the same answer and changes nothing", "jtt1019-3",          \
    "interfaces", CTK_CLASS_MANDATORY, NULL, "J3-IDEM-001,J3-ENV-002,J2-REL-003", "",         \
    "province")                                                                               \
  X(ctk_ct_j3_idem_dup, "J3.idempotent-duplicate",                                            \
    "A repeated MsgId with other content gets DUPLICATE", "jtt1019-3", "interfaces",         \
    CTK_CLASS_MANDATORY, NULL, "J3-IDEM-002", "", "province")                                 \
  X(ctk_ct_j3_soap_report, "J3.binding-soap",                                                 \
    "A report over the SOAP binding is accepted and answered in SOAP", "jtt1019-3",          \
    "interfaces", CTK_CLASS_OPTIONAL, "binding.soap", "J3-BIND-002", "", "province")          \
  X(ctk_ct_j3_gbk_report, "J3.encoding-gbk",                                                  \
    "A GBK-encoded report is accepted and its Chinese text kept", "jtt1019-3", "interfaces",  \
    CTK_CLASS_OPTIONAL, "encoding.gbk", "J3-ENC-002,J3-ENC-001", "", "province")              \
  X(ctk_ct_j3_soap_gbk, "J3.binding-soap-gbk", "A GBK report over SOAP is accepted",          \
    "jtt1019-3", "interfaces", CTK_CLASS_OPTIONAL, "binding.soap && encoding.gbk",            \
    "J3-BIND-002,J3-ENC-002", "", "province")                                                 \
  X(ctk_ct_j3_outgoing, "J3.outgoing-valid",                                                  \
    "Every message the SUT sent to the ministry and the cities in this run is valid",         \
    "jtt1019-3", "outgoing", CTK_CLASS_MANDATORY, NULL,                                       \
    "J3-ENV-001,J3-ENV-004,J3-SCH-001,J3-FMT-004,J3-FMT-005,J3-CODE-001,J3-CODE-002,"        \
    "J3-CODE-003,J3-CODE-004,J3-SEC-004", "", "province")      \
                                                                                              \
  /* ---- JT/T 1019.2 (technical) ---- */                                                     \
  X(ctk_ct_j2_auth, "J2.auth", "A wrong or missing secret gets AUTH", "jtt1019-2",            \
    "technical", CTK_CLASS_MANDATORY, NULL, "J2-SEC-001,J3-SEC-004", "", "any")               \
  X(ctk_ct_j2_denied, "J2.authorisation",                                                     \
    "A sender acting for another region gets DENIED", "jtt1019-2", "technical",               \
    CTK_CLASS_MANDATORY, NULL, "J3-SEC-005", "", "province")                                  \
  X(ctk_ct_j2_hostile, "J2.hostile-input",                                                    \
    "External entities, entity expansion, DTDs, oversize and deep documents are refused",     \
    "jtt1019-2", "technical", CTK_CLASS_MANDATORY, NULL,                                      \
    "J2-SEC-003,J3-SEC-001,J3-SEC-002,J3-SEC-003", "", "province")                                 \
  X(ctk_ct_j2_recovery, "J2.recovery",                                                        \
    "Ministry link down: the province queues, then delivers everything once and in order",    \
    "jtt1019-2", "technical", CTK_CLASS_MANDATORY, NULL, "J2-REL-001,J2-REL-002", "outage",   \
    "province")                                                                               \
  X(ctk_ct_j2_load, "J2.load",                                                                \
    "Sustained load at the PIXIT rate: every acknowledged order reaches the ministry",        \
    "jtt1019-2", "technical", CTK_CLASS_MANDATORY, NULL, "J2-PERF-001,J2-PERF-002", "load",   \
    "province")                                                                               \
  X(ctk_ct_j2_statistics, "J2.statistics",                                                    \
    "The SUT's statistics report counts the orders it passed up", "jtt1019-2", "technical",   \
    CTK_CLASS_OPTIONAL, "interface.1011 || PICS-STATS", "J2-STAT-001,J3-IF-011", "stats",     \
    "province")                                                                               \
  X(ctk_ct_j2_secrets, "J2.secrets-hidden",                                                   \
    "No secret appears in the evidence of the run or in the reference roles' logs",           \
    "jtt1019-2", "technical", CTK_CLASS_MANDATORY, NULL, "J2-SEC-004", "", "any")

#define CTK_CT_DECLARE(fn, id, name, part, area, cls, pics, reqs, needs, sut) \
  void fn(struct ctk_ct *t);
struct ctk_ct;
CTK_CT_LIST(CTK_CT_DECLARE)
#undef CTK_CT_DECLARE

#endif
