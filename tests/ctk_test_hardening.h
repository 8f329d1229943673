/* ctk_test_hardening: hostile traffic for the hardening checks (tests/test_hardening.c) and
 * their measurements (tests/test_measure.c): padded, malformed and attribute-laden requests
 * to a node, and what its store and admin API say afterwards. */
#ifndef CTK_TEST_HARDENING_H
#define CTK_TEST_HARDENING_H

#include <stddef.h>

#include "ctk_test_serve.h"

/* Bytes of the node's store on disk: the database and its -wal and -shm files. */
long long ctk_th_store_bytes(const ctk_test_node *n);

/* Each sends one request to the node's /exchange with city's credentials (NULL: none) and
 * returns the Answer's result code as a number (2001 = AUTH), -1 without an Answer. */
/* a valid report whose Content is padded with spaces to bytes in all (seq makes it unique) */
int ctk_th_send_padded(int port, const char *city, size_t bytes, unsigned seq);
/* bytes of text that is not XML */
int ctk_th_send_garbage(int port, const char *city, size_t bytes);
/* a report whose root element carries count attributes (a1="1" a2="1" ...) */
int ctk_th_send_attributes(int port, const char *city, unsigned count);

/* A number of the node's GET /ctk/store answer ("refused_unauthenticated"); -1 if absent. */
long ctk_th_admin_count(int port, const char *key);

#endif
