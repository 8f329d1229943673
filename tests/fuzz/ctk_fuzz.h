/* ctk_fuzz: the entry points of the fuzz targets. Each fuzz/fuzz_<target>.c defines
 * ctk_fuzz_<target>() and, unless CTK_FUZZ_NO_MAIN is defined, the libFuzzer hooks around it,
 * so tests/test_fuzz_short.c can replay saved inputs through exactly the same code. */
#ifndef CTK_FUZZ_H
#define CTK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Each returns 0; a bug shows as a crash or a sanitizer report, never as a return value. */
int ctk_fuzz_msg(const uint8_t *data, size_t size);
int ctk_fuzz_profile(const uint8_t *data, size_t size);
int ctk_fuzz_sip(const uint8_t *data, size_t size);
int ctk_fuzz_http(const uint8_t *data, size_t size);

/* The selector byte of ctk_fuzz_profile for a profile file name (its index in the target's
 * list), or the list's length when the target does not vary that file. */
size_t ctk_fuzz_profile_file_index(const char *name);

/* Release what the targets keep between inputs (loaded profile, temp copies, engines). */
void ctk_fuzz_msg_cleanup(void);
void ctk_fuzz_profile_cleanup(void);
void ctk_fuzz_sip_cleanup(void);
void ctk_fuzz_http_cleanup(void);

#endif
