/* ctk_province_faults: the deliberate fault modes of the reference province (`--fault NAME`),
 * in one table. The self-test runs the suite against each; the requirement its data names must fail. */
#ifndef CTK_PROVINCE_FAULTS_H
#define CTK_PROVINCE_FAULTS_H

/* X(name, "what the province does wrong"). Which requirement the suite must see fail for each
 * is test data of a profile (tests/data/expected/faults.csv): the ids belong to the profile. */
#define CTK_PROVINCE_FAULTS(X)                                                                    \
  X(drop_report_up, "never forwards a city's report to the ministry")                             \
  X(wrong_code_value, "forwards reports upward with an invalid channel code value")               \
  X(late_reply, "answers every exchange request only after 15 s")                                 \
  X(lost_status_update, "never forwards a completion upward")                                     \
  X(accept_bad_message, "answers OK to messages that fail schema, format or code checks")         \
  X(no_idempotency, "a repeated MsgId is processed again: second record and forward")             \
  X(wrong_route_cross_city, "sends a cross-city transfer up to the ministry instead of down")     \
  X(ignore_auth, "accepts any HTTP Basic credentials, or none")                                   \
  X(ignore_region, "lets a node act for another region (the head's sender, other city's orders)") \
  X(illegal_transition_accepted, "applies state transitions the process does not allow")          \
  X(no_outbox, "drops a forward at once when the peer is down (no retry)")                        \
  X(reorder, "delivers an order's status updates newest first")                                   \
  X(bad_answer_xml, "answers with a truncated, not well-formed Answer")                           \
  X(wrong_result_code, "answers SCHEMA where FORMAT is due")                                      \
  X(missing_urge, "never urges its cities about overdue orders")                                  \
  X(gbk_broken, "answers GBK requests with UTF-8 bytes while declaring GBK")                      \
  X(stats_wrong, "statistics it reports and serves count every order twice")                      \
  X(xxe_accepted, "answers OK to messages with a DTD or entity declaration")                      \
  X(wrong_correl_id, "answers carry a correlation id other than the request's message id")        \
  X(unknown_order_accepted, "answers OK to updates about orders it does not hold")             \
  X(slow_answer, "answers every exchange request only after 1 s")                                 \
  X(unknown_region_up, "forwards reports upward with accepting region 999999 (not in GB/T 2260)") \
  X(invalid_answer_time, "stamps its answers' send time in a form the profile's format refuses")

typedef enum {
#define CTK_PF_ENUM(name, desc) CTK_PF_##name,
  CTK_PROVINCE_FAULTS(CTK_PF_ENUM)
#undef CTK_PF_ENUM
  CTK_PF__COUNT
} ctk_province_fault;

typedef struct ctk_province_fault_info {
  const char *name;            /* on the command line, with '-': "drop-report-up" */
  const char *description;
} ctk_province_fault_info;

/* The table entry of fault f; NULL when out of range. */
const ctk_province_fault_info *ctk_province_fault_get(ctk_province_fault f);
/* Fault named name ("drop-report-up" or "drop_report_up"); -1 if unknown. */
int ctk_province_fault_parse(const char *name);

#endif
