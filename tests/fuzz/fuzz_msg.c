/* fuzz_msg: the message codec and validator on arbitrary bytes, in both bindings: decode must
 * refuse or accept cleanly, validation of whatever decodes must not crash, and a decoded
 * message must encode again. */
#include <stdio.h>
#include <stdlib.h>

#include "ctk_fuzz.h"
#include "ctk_msg.h"
#include "ctk_profile.h"
#include "ctk_validate.h"

static ctk_profile *fuzz_msg_profile;

static const ctk_profile *msg_profile(void)
{
  char err[512];

  if(!fuzz_msg_profile &&
     ctk_profile_load(ctk_profile_default_dir(), &fuzz_msg_profile, err, sizeof(err))) {
    fprintf(stderr, "fuzz_msg: cannot load the profile: %s\n", err);
    abort();
  }
  return fuzz_msg_profile;
}

int ctk_fuzz_msg(const uint8_t *data, size_t size)
{
  const ctk_profile *p = msg_profile();
  int b;

  for(b = CTK_BIND_XML; b <= CTK_BIND_SOAP; b++) {
    ctk_msg *m = NULL;
    ctk_outcome why;
    ctk_problems problems;
    ctk_code rc = ctk_msg_decode(p, (const char *)data, size, (ctk_binding)b, &m, &why);

    if(rc != CTK_E_OK) {
      /* a refusal must say which result code it is */
      if(m || !why.code[0])
        abort();
      continue;
    }
    if(!m)
      abort();
    (void)ctk_validate_msg(p, m, &problems);
    if(problems.count > CTK_PROBLEMS_MAX)
      abort();
    {
      ctk_buf out;
      ctk_buf_init(&out, 0);
      (void)ctk_msg_encode(p, m, (ctk_binding)b, CTK_ENC_UTF8, &out);
      ctk_buf_reset(&out);
      (void)ctk_msg_encode(p, m, (ctk_binding)b, CTK_ENC_GBK, &out);
      ctk_buf_free(&out);
    }
    ctk_msg_free(m);
  }
  return 0;
}

void ctk_fuzz_msg_cleanup(void)
{
  ctk_profile_free(fuzz_msg_profile);
  fuzz_msg_profile = NULL;
}

#ifndef CTK_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  return ctk_fuzz_msg(data, size);
}
#endif
