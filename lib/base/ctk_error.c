/* ctk_error: names and messages of the toolkit's error codes, from CTK_ERRNO_MAP. */
#include "ctk_error.h"

const char *ctk_err_name(ctk_code code)
{
  switch(code) {
#define CTK_ERR_NAME(name, msg) case CTK_E_##name: return "CTK_E_" #name;
    CTK_ERRNO_MAP(CTK_ERR_NAME)
#undef CTK_ERR_NAME
  default:
    return "CTK_E_UNKNOWN";
  }
}

const char *ctk_strerror(ctk_code code)
{
  switch(code) {
#define CTK_ERR_MSG(name, msg) case CTK_E_##name: return msg;
    CTK_ERRNO_MAP(CTK_ERR_MSG)
#undef CTK_ERR_MSG
  default:
    return "unknown error";
  }
}
