/* ctk_error: the toolkit's own error codes, generated from one table.
 * These are internal outcomes; protocol result codes come from the profile (codes/result-codes.csv). */
#ifndef CTK_ERROR_H
#define CTK_ERROR_H

/* XX(name, message). Add new codes at the end so numbers stay stable in logs. */
#define CTK_ERRNO_MAP(XX)                                               \
  XX(OK, "success")                                                     \
  XX(NOMEM, "out of memory")                                            \
  XX(TOOBIG, "exceeds its size limit")                                  \
  XX(INVAL, "invalid argument")                                         \
  XX(IO, "input/output error")                                          \
  XX(NOTFOUND, "not found")                                             \
  XX(PARSE, "malformed input")                                          \
  XX(ENCODING, "character encoding error")                              \
  XX(FORBIDDEN, "forbidden construct (DTD, entity or external access)") \
  XX(PROFILE, "profile is broken")                                      \
  XX(INVALID, "message is not valid against the profile")               \
  XX(DB, "database error")                                              \
  XX(HTTP, "HTTP transport error")                                      \
  XX(TIMEOUT, "timed out")                                              \
  XX(AUTH, "authentication failed")                                     \
  XX(DENIED, "not authorised")                                          \
  XX(STATE, "state conflict")                                           \
  XX(EXISTS, "already exists")                                          \
  XX(CONFLICT, "same id, different content")                            \
  XX(UNSUPPORTED, "not supported")                                      \
  XX(CRYPTO, "cryptographic operation failed")                          \
  XX(SIP, "SIP error")                                                  \
  XX(EXTERNAL, "external program failed")                               \
  XX(INTERNAL, "internal error")

typedef enum {
#define CTK_ERR_ENUM(name, msg) CTK_E_##name,
  CTK_ERRNO_MAP(CTK_ERR_ENUM)
#undef CTK_ERR_ENUM
  CTK_E__COUNT
} ctk_code;

/* "CTK_E_NOMEM" style name; never NULL. */
const char *ctk_err_name(ctk_code code);
/* Human-readable message; never NULL. */
const char *ctk_strerror(ctk_code code);

#endif
