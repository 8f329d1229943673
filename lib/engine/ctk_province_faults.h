/* ctk_province_faults: the deliberate fault modes of the reference province (`--fault NAME`),
 * in one table. The self-test runs the suite against each; the named requirement must fail. */
#ifndef CTK_PROVINCE_FAULTS_H
#define CTK_PROVINCE_FAULTS_H

/* X(name, "what the province does wrong", "requirement ID the suite must see fail") */
#define CTK_PROVINCE_FAULTS(X)                                                               \
  X(drop_report_up, "never forwards a city's report (1001) to the ministry", "J1-FLOW-001")  \
  X(wrong_code_value, "forwards reports upward with an invalid Channel code value",          \
    "J3-CODE-003")                                                                           \
  X(late_reply, "answers every exchange request only after 15 s", "J2-PERF-002")             \
  X(lost_status_update, "never forwards a completion (1006) upward", "J1-FLOW-014")          \
  X(accept_bad_message, "answers 0000 to messages that fail schema, format or code checks",  \
    "J3-SCH-001")                                                                            \
  X(no_idempotency, "a repeated MsgId is processed again: second record and forward",        \
    "J3-IDEM-001")                                                                           \
  X(wrong_route_cross_city, "sends a cross-city transfer up to the ministry instead of down", \
    "J1-FLOW-003")                                                                           \
  X(ignore_auth, "accepts any HTTP Basic credentials, or none", "J3-SEC-004")                \
  X(ignore_region, "lets a node act for another region (head Sender, other city's orders)",  \
    "J3-SEC-005")                                                                            \
  X(illegal_transition_accepted, "applies state transitions the process does not allow",     \
    "J1-FLOW-016")                                                                           \
  X(no_outbox, "drops a forward at once when the peer is down (no retry)", "J2-REL-002")     \
  X(reorder, "delivers an order's status updates newest first", "J1-FLOW-014")               \
  X(bad_answer_xml, "answers with a truncated, not well-formed Answer", "J3-ENV-001")        \
  X(wrong_result_code, "answers SCHEMA (1002) where FORMAT (1003) is due", "J3-FMT-001")     \
  X(missing_urge, "never urges its cities about overdue orders", "J1-TIME-002")              \
  X(gbk_broken, "answers GBK requests with UTF-8 bytes while declaring GBK", "J3-ENC-001")    \
  X(stats_wrong, "statistics it reports and serves count every order twice", "J2-STAT-001")\
  X(xxe_accepted, "answers 0000 to messages with a DTD or entity declaration", "J3-SEC-001") \
  X(wrong_correl_id, "answers carry a CorrelId other than the request's MsgId", "J3-ENV-007") \
  X(unknown_order_accepted, "answers 0000 to updates about orders it does not hold",         \
    "J1-FLOW-017")

typedef enum {
#define CTK_PF_ENUM(name, desc, req) CTK_PF_##name,
  CTK_PROVINCE_FAULTS(CTK_PF_ENUM)
#undef CTK_PF_ENUM
  CTK_PF__COUNT
} ctk_province_fault;

typedef struct ctk_province_fault_info {
  const char *name;            /* on the command line, with '-': "drop-report-up" */
  const char *description;
  const char *requirement;
} ctk_province_fault_info;

/* The table entry of fault f; NULL when out of range. */
const ctk_province_fault_info *ctk_province_fault_get(ctk_province_fault f);
/* Fault named name ("drop-report-up" or "drop_report_up"); -1 if unknown. */
int ctk_province_fault_parse(const char *name);

#endif
