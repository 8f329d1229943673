/* operators.c: input of the mutation tool's own test (tests/test_mutation.c), never built.
 * Every operator has a site here, and every kind of code the tool must leave alone. The
 * mutants it gives are in operators.expected. */
#include <stdio.h>
#include <stdlib.h>

#define LIMIT 10 /* a preprocessor line: no mutant, not even of 10 < 20 */

static const int table[] = { 3, 0x10 };

static int compare(int a, int b)
{
  char name[32]; /* an array size is left alone */
  if(a < b && b != 0)
    return -1;
  if(a >= b || a == 7)
    return 1;
  name[0] = '<';
  return 0;
}

static ctk_code check(const char *s)
{
  if(!s)
    return CTK_E_INVAL;
  CTK_WARN("toy", "a log line: %d > %d", 1, 2);
  fprintf(stderr, "stderr: %d\n", 3 > 4);
  if(ctk_node_fault(n, CTK_PF_reorder) && s[0] == 'x')
    return CTK_E_DENIED;
  return CTK_E_OK;
}

static const char *name_of(int i)
{
  const char *text = "a string < with > operators && || 42";
  return table[i] > 2 ? text : NULL;
}

static void work(int *count, char *buf)
{
  if(*count > 0)
    (*count)--;
  *count = compare(*count,
                   5);
  free(buf);
  // a comment: return 0; x = 1;
}

static int span(int lo, int hi)
{
  int n = hi - lo + 1; /* two binary operators */
  n += -lo;            /* += swaps; the unary minus is no arithmetic operator to swap */
  return n > 0 && !(n % 2) ? n : -1;
}
