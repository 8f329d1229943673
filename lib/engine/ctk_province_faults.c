/* ctk_province_faults: names of the province's fault modes, from the one table. */
#include "ctk_province_faults.h"

#include <pthread.h>
#include <string.h>

static const ctk_province_fault_info ctk_province_fault_table[] = {
#define CTK_PF_INFO(name, desc) { #name, desc },
  CTK_PROVINCE_FAULTS(CTK_PF_INFO)
#undef CTK_PF_INFO
};

/* The table keeps C identifiers; users type dashes. Cached dashed names, built once. */
static char ctk_province_fault_names[CTK_PF__COUNT][40];
static ctk_province_fault_info ctk_province_fault_dashed[CTK_PF__COUNT];

static pthread_once_t ctk_province_fault_once = PTHREAD_ONCE_INIT;

static void faults_build(void)
{
  size_t i, j;
  for(i = 0; i < CTK_PF__COUNT; i++) {
    const char *src = ctk_province_fault_table[i].name;
    for(j = 0; src[j] && j + 1 < sizeof(ctk_province_fault_names[i]); j++)
      ctk_province_fault_names[i][j] = src[j] == '_' ? '-' : src[j];
    ctk_province_fault_names[i][j] = '\0';
    ctk_province_fault_dashed[i] = ctk_province_fault_table[i];
    ctk_province_fault_dashed[i].name = ctk_province_fault_names[i];
  }
}

const ctk_province_fault_info *ctk_province_fault_get(ctk_province_fault f)
{
  if((int)f < 0 || f >= CTK_PF__COUNT)
    return NULL;
  pthread_once(&ctk_province_fault_once, faults_build);
  return &ctk_province_fault_dashed[f];
}

int ctk_province_fault_parse(const char *name)
{
  size_t i, j;
  if(!name)
    return -1;
  for(i = 0; i < CTK_PF__COUNT; i++) {
    const char *n = ctk_province_fault_table[i].name;
    for(j = 0; n[j] && name[j]; j++) {
      char c = name[j] == '-' ? '_' : name[j];
      if(c != n[j])
        break;
    }
    if(!n[j] && !name[j])
      return (int)i;
  }
  return -1;
}
