/* ctk_profile_roles: every meaning the engine relies on (a role) and the profile's name for it.
 * roles.xml of a profile maps each role once; the loader resolves the table, the code names roles. */
#ifndef CTK_PROFILE_ROLES_H
#define CTK_PROFILE_ROLES_H

#include <stddef.h>

#include "ctk_error.h"

/* Element roles: X(ID, "role", NEED). NEED is the interface role whose messages carry the
 * element (a profile without that optional interface may leave the role unmapped) or CORE. */
#define CTK_ELEMENT_ROLES(X)                                   \
  /* envelope */                                               \
  X(MESSAGE, "message", CORE)                                  \
  X(ANSWER, "answer", CORE)                                    \
  X(HEAD, "head", CORE)                                        \
  X(BODY, "body", CORE)                                        \
  X(MSG_ID, "msg-id", CORE)                                    \
  X(INTERFACE_CODE, "interface-code", CORE)                    \
  X(SENDER, "sender", CORE)                                    \
  X(RECEIVER, "receiver", CORE)                                \
  X(NODE_REGION, "node-region", CORE)                          \
  X(NODE_LEVEL, "node-level", CORE)                            \
  X(SEND_TIME, "send-time", CORE)                              \
  X(PROFILE_VERSION, "profile-version", CORE)                  \
  X(CORREL_ID, "correl-id", CORE)                              \
  X(RESULT, "result", CORE)                                    \
  X(RESULT_CODE, "result-code", CORE)                          \
  X(RESULT_TEXT, "result-text", CORE)                          \
  X(RESULT_WHERE, "result-where", CORE)                        \
  X(RESULT_REQUIREMENT, "result-requirement", CORE)            \
  /* the work order */                                         \
  X(WORK_ORDER, "work-order", CORE)                            \
  X(ORDER_ID, "order-id", CORE)                                \
  X(ACCEPT_TIME, "accept-time", CORE)                          \
  X(ACCEPT_REGION, "accept-region", CORE)                      \
  X(HANDLE_REGION, "handle-region", CORE)                      \
  X(CHANNEL, "channel", CORE)                                  \
  X(BUSINESS_TYPE, "business-type", CORE)                      \
  X(DOMAIN, "domain", CORE)                                    \
  X(CALLER, "caller", CORE)                                    \
  X(PHONE, "phone", CORE)                                      \
  X(CALLER_NAME, "caller-name", CORE)                          \
  X(SUBJECT, "subject", CORE)                                  \
  X(CONTENT, "content", CORE)                                  \
  X(CALL_ID, "call-id", CORE)                                  \
  X(STATUS, "status", CORE)                                    \
  X(INSTANT_ANSWER, "instant-answer", CORE)                    \
  X(DEADLINE, "deadline", CORE)                                \
  X(ATTACHMENTS, "attachments", CORE)                          \
  X(ATTACHMENT, "attachment", CORE)                            \
  X(URL, "url", CORE)                                          \
  X(SHA256, "sha256", CORE)                                    \
  X(KIND, "kind", CORE)                                        \
  /* the process messages */                                   \
  X(TARGET_REGION, "target-region", CORE)                      \
  X(REASON, "reason", CORE)                                    \
  X(HANDLER, "handler", CORE)                                  \
  X(SIGN_TIME, "sign-time", CORE)                              \
  X(RETURN_TIME, "return-time", CORE)                          \
  X(PROGRESS, "progress", CORE)                                \
  X(FEEDBACK_TIME, "feedback-time", CORE)                      \
  X(OUTCOME, "outcome", CORE)                                  \
  X(COMPLETE_TIME, "complete-time", CORE)                      \
  X(REACHED, "reached", CORE)                                  \
  X(SATISFACTION, "satisfaction", CORE)                        \
  X(COMMENT, "comment", CORE)                                  \
  X(REVISIT_TIME, "revisit-time", CORE)                        \
  X(URGE_TIME, "urge-time", CORE)                              \
  X(SUPERVISE_TIME, "supervise-time", CORE)                    \
  X(ARCHIVE_TIME, "archive-time", CORE)                        \
  X(HISTORY, "history", CORE)                                  \
  X(EVENT, "event", CORE)                                      \
  X(EVENT_TIME, "event-time", CORE)                            \
  X(EVENT_INTERFACE, "event-interface", CORE)                  \
  X(EVENT_STATUS, "event-status", CORE)                        \
  X(EVENT_REGION, "event-region", CORE)                        \
  X(ECHO, "echo", CORE)                                        \
  X(SERVER_TIME, "server-time", CORE)                          \
  /* statistics */                                             \
  X(STATS_REGION, "stats-region", STATISTICS)                  \
  X(PERIOD_START, "period-start", STATISTICS)                  \
  X(PERIOD_END, "period-end", STATISTICS)                      \
  X(INDICATOR, "indicator", STATISTICS)                        \
  X(INDICATOR_NAME, "indicator-name", STATISTICS)              \
  X(INDICATOR_VALUE, "indicator-value", STATISTICS)            \
  /* knowledge base */                                         \
  X(KB_ITEM, "kb-item", KNOWLEDGE)                             \
  X(KB_ITEM_ID, "kb-item-id", KNOWLEDGE)                       \
  X(KB_CLASS, "kb-class", KNOWLEDGE)                           \
  X(KB_TITLE, "kb-title", KNOWLEDGE)                           \
  X(KB_CONTENT, "kb-content", KNOWLEDGE)                       \
  X(KB_UPDATE_TIME, "kb-update-time", KNOWLEDGE)               \
  X(KB_ACTION, "kb-action", KNOWLEDGE)                         \
  /* the SOAP binding's wrapper (WSDL operation and parts) */  \
  X(SOAP_REQUEST, "soap-request", CORE)                        \
  X(SOAP_REQUEST_PART, "soap-request-part", CORE)              \
  X(SOAP_RESPONSE, "soap-response", CORE)                      \
  X(SOAP_RESPONSE_PART, "soap-response-part", CORE)

/* Interface roles: X(ID, "role", REQUIRED). Optional ones may be absent from a profile. */
#define CTK_INTERFACE_ROLES(X)           \
  X(REPORT, "report", 1)                 \
  X(TRANSFER, "transfer", 1)             \
  X(SIGN, "sign", 1)                     \
  X(RETURN, "return", 1)                 \
  X(FEEDBACK, "feedback", 1)             \
  X(COMPLETE, "complete", 1)             \
  X(REVISIT, "revisit", 1)               \
  X(URGE, "urge", 1)                     \
  X(SUPERVISE, "supervise", 1)           \
  X(QUERY, "query", 1)                   \
  X(STATISTICS, "statistics", 0)         \
  X(KNOWLEDGE, "knowledge", 0)           \
  X(LINK_CHECK, "link-check", 1)         \
  X(ARCHIVE, "archive", 1)

/* State roles: X(ID, "role"), each mapped to a state code of process.xml. */
#define CTK_STATE_ROLES(X)                   \
  X(ACCEPTED, "accepted")                    \
  X(INSTANT_ANSWERED, "instant-answered")    \
  X(TRANSFERRED, "transferred")              \
  X(SIGNED, "signed")                        \
  X(RETURNED, "returned")                    \
  X(IN_PROGRESS, "in-progress")              \
  X(COMPLETED, "completed")                  \
  X(REVISITED, "revisited")                  \
  X(ARCHIVED, "archived")

/* Code-value roles: X(ID, "role", "codeset"), each mapped to a value of codes/<codeset>.csv. */
#define CTK_VALUE_ROLES(X)                              \
  X(LEVEL_MINISTRY, "ministry", "levels")               \
  X(LEVEL_PROVINCE, "province", "levels")               \
  X(LEVEL_CITY, "city", "levels")                       \
  X(BT_COMPLAINT, "complaint", "business-types")        \
  X(BT_ENQUIRY, "enquiry", "business-types")            \
  X(BT_SUGGESTION, "suggestion", "business-types")      \
  X(CH_PHONE, "phone", "channels")                      \
  X(CH_WEBSITE, "website", "channels")                  \
  X(SAT_SATISFIED, "satisfied", "satisfaction")         \
  X(SAT_DISSATISFIED, "dissatisfied", "satisfaction")   \
  X(KB_ADD, "add", "kb-actions")                        \
  X(ATT_RECORDING, "recording", "attachment-kinds")

typedef enum {
#define CTK_ROLE_ENUM(id, role, need) CTK_EL_##id,
  CTK_ELEMENT_ROLES(CTK_ROLE_ENUM)
#undef CTK_ROLE_ENUM
  CTK_EL__COUNT
} ctk_element_role;

typedef enum {
#define CTK_ROLE_ENUM(id, role, required) CTK_IF_##id,
  CTK_INTERFACE_ROLES(CTK_ROLE_ENUM)
#undef CTK_ROLE_ENUM
  CTK_IF__COUNT
} ctk_interface_role;

typedef enum {
#define CTK_ROLE_ENUM(id, role) CTK_ST_##id,
  CTK_STATE_ROLES(CTK_ROLE_ENUM)
#undef CTK_ROLE_ENUM
  CTK_ST__COUNT
} ctk_state_role;

typedef enum {
#define CTK_ROLE_ENUM(id, role, codeset) CTK_V_##id,
  CTK_VALUE_ROLES(CTK_ROLE_ENUM)
#undef CTK_ROLE_ENUM
  CTK_V__COUNT
} ctk_value_role;

/* The element names a profile's schemas declare (every xs:element name= of the .xsd and
 * .wsdl files of schemas/), sorted: what roles, code fields and formats may name. */
typedef struct ctk_schema_names {
  char **names;
  size_t count;
} ctk_schema_names;

ctk_code ctk_schema_names_load(const char *profile_dir, ctk_schema_names *out, char *err,
                               size_t errlen);
int ctk_schema_names_has(const ctk_schema_names *s, const char *name);
void ctk_schema_names_free(ctk_schema_names *s);

/* Read the profile's roles.xml into p (whose catalog, process and codes are loaded), checking
 * each mapped name against schema (when not NULL). "roles.xml:LINE: role R ..." on failure. */
struct ctk_profile;
ctk_code ctk_profile_roles_load(struct ctk_profile *p, const ctk_schema_names *schema, char *err,
                                size_t errlen);

/* The role's name as roles.xml spells it ("msg-id", "report", "accepted", "complaint"). */
const char *ctk_element_role_name(ctk_element_role r);
const char *ctk_interface_role_name(ctk_interface_role r);
const char *ctk_state_role_name(ctk_state_role r);
const char *ctk_value_role_name(ctk_value_role r);
/* The code set a value role takes its value from ("levels", "business-types"...). */
const char *ctk_value_role_codeset(ctk_value_role r);
/* 1 when every profile must map the interface role; 0 for optional interfaces. */
int ctk_interface_role_required(ctk_interface_role r);
/* The interface role whose messages carry the element, or CTK_IF__COUNT for core elements. */
ctk_interface_role ctk_element_role_need(ctk_element_role r);

#endif
