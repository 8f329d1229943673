/* ctk_region: region table loaded from CSV, kept sorted by code for binary search. */
#include "ctk_region.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_buf.h"
#include "ctk_csv.h"

typedef struct region_entry {
  ctk_region region;   /* first, so a ctk_region pointer is also the entry's */
  size_t line;         /* where it was defined, for messages about duplicates and parents */
} region_entry;

struct ctk_region_db {
  region_entry *entries;  /* sorted by code */
  size_t n;
};

static const struct {
  const char *name;
  ctk_region_kind kind;
} kind_names[] = {
  { "province", CTK_REGION_PROVINCE },
  { "municipality", CTK_REGION_MUNICIPALITY },
  { "corps", CTK_REGION_CORPS },
  { "city", CTK_REGION_CITY },
  { "separate-plan-city", CTK_REGION_SEPARATE_PLAN_CITY },
  { "municipal-district", CTK_REGION_MUNICIPAL_DISTRICT },
  { "county-group", CTK_REGION_COUNTY_GROUP },
};

const char *ctk_region_kind_name(ctk_region_kind kind)
{
  size_t i;
  for(i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
    if(kind_names[i].kind == kind)
      return kind_names[i].name;
  }
  return "unknown";
}

static int kind_parse(const char *name, ctk_region_kind *kind)
{
  size_t i;
  for(i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
    if(!strcmp(kind_names[i].name, name)) {
      *kind = kind_names[i].kind;
      return 0;
    }
  }
  return -1;
}

int ctk_region_is_provincial_kind(ctk_region_kind kind)
{
  return kind == CTK_REGION_PROVINCE || kind == CTK_REGION_MUNICIPALITY ||
         kind == CTK_REGION_CORPS;
}

static int is_six_digits(const char *s)
{
  int i;
  if(!s)
    return 0;
  for(i = 0; i < 6; i++) {
    if(s[i] < '0' || s[i] > '9')
      return 0;
  }
  return s[6] == '\0';
}

static int by_code(const void *a, const void *b)
{
  const region_entry *x = a;
  const region_entry *y = b;
  return strcmp(x->region.code, y->region.code);
}

/* Checks one record and appends it. */
static ctk_code add_record(void *ctx, const ctk_csv *csv, const int *col, const char *path,
                           char *err, size_t errsize)
{
  ctk_region_db *db = ctx;
  const char *code = ctk_csv_field(csv, col[0]);
  const char *name = ctk_csv_field(csv, col[1]);
  const char *kind = ctk_csv_field(csv, col[2]);
  const char *parent = ctk_csv_field(csv, col[3]);
  region_entry *e;

  if(!code || !name || !kind || !parent)
    return ctk_csv_error(err, errsize, path, csv->record_line, "too few fields", NULL);
  if(db->n >= CTK_REGION_MAX)
    return ctk_csv_error(err, errsize, path, csv->record_line, "too many regions", NULL);
  e = &db->entries[db->n];
  memset(e, 0, sizeof(*e));
  e->line = csv->record_line;
  if(!is_six_digits(code))
    return ctk_csv_error(err, errsize, path, e->line, "code is not six digits", code);
  if(!*name)
    return ctk_csv_error(err, errsize, path, e->line, "empty name", code);
  if(ctk_strlcpy(e->region.name, name, sizeof(e->region.name)))
    return ctk_csv_error(err, errsize, path, e->line, "name too long", code);
  if(kind_parse(kind, &e->region.kind))
    return ctk_csv_error(err, errsize, path, e->line, "unknown kind", kind);
  if(ctk_region_is_provincial_kind(e->region.kind)) {
    if(*parent)
      return ctk_csv_error(err, errsize, path, e->line, "a provincial unit has no parent", code);
  }
  else if(!is_six_digits(parent))
    return ctk_csv_error(err, errsize, path, e->line, "parent is not six digits", code);
  ctk_strlcpy(e->region.code, code, sizeof(e->region.code));
  ctk_strlcpy(e->region.parent, parent, sizeof(e->region.parent));
  db->n++;
  return CTK_E_OK;
}

/* After sorting: no code twice, every parent is a provincial unit of the file. */
static ctk_code check_table(const ctk_region_db *db, const char *path, char *err,
                            size_t errsize)
{
  size_t i;
  for(i = 0; i < db->n; i++) {
    const region_entry *e = &db->entries[i];
    const ctk_region *parent;
    if(i && !strcmp(e->region.code, db->entries[i - 1].region.code)) {
      size_t first = db->entries[i - 1].line < e->line ? db->entries[i - 1].line : e->line;
      size_t second = db->entries[i - 1].line < e->line ? e->line : db->entries[i - 1].line;
      char detail[64];
      snprintf(detail, sizeof(detail), "%s (first on line %zu)", e->region.code, first);
      return ctk_csv_error(err, errsize, path, second, "duplicate code", detail);
    }
    if(!e->region.parent[0])
      continue;
    parent = ctk_region_find(db, e->region.parent);
    if(!parent || !ctk_region_is_provincial_kind(parent->kind))
      return ctk_csv_error(err, errsize, path, e->line, "parent is not a provincial unit",
                        e->region.parent);
  }
  return CTK_E_OK;
}

ctk_code ctk_region_load(const char *path, ctk_region_db **out, char *err, size_t errsize)
{
  static const char *const columns[] = { "code", "name", "kind", "parent" };
  ctk_region_db *db;
  ctk_code result;

  if(err && errsize)
    err[0] = '\0';
  if(!path || !out)
    return CTK_E_INVAL;
  *out = NULL;
  db = calloc(1, sizeof(*db));
  if(db)
    db->entries = calloc(CTK_REGION_MAX, sizeof(*db->entries));
  if(!db || !db->entries) {
    free(db);
    return CTK_E_NOMEM;
  }
  result = ctk_csv_load(path, columns, 4, add_record, db, 0, err, errsize);
  if(!result && db->n == 0)
    result = ctk_csv_error(err, errsize, path, 1, "no regions", NULL);
  if(!result) {
    qsort(db->entries, db->n, sizeof(*db->entries), by_code);
    result = check_table(db, path, err, errsize);
  }
  if(result) {
    ctk_region_free(db);
    return result;
  }
  *out = db;
  return CTK_E_OK;
}

void ctk_region_free(ctk_region_db *db)
{
  if(!db)
    return;
  free(db->entries);
  free(db);
}

const ctk_region *ctk_region_find(const ctk_region_db *db, const char *code)
{
  region_entry key;
  const region_entry *hit;

  if(!db || !is_six_digits(code))
    return NULL;
  memset(&key, 0, sizeof(key));
  ctk_strlcpy(key.region.code, code, sizeof(key.region.code));
  hit = bsearch(&key, db->entries, db->n, sizeof(*db->entries), by_code);
  return hit ? &hit->region : NULL;
}

const ctk_region *ctk_region_province_of(const ctk_region_db *db, const char *code)
{
  const ctk_region *r = ctk_region_find(db, code);
  if(!r)
    return NULL;
  if(ctk_region_is_provincial_kind(r->kind))
    return r;
  return ctk_region_find(db, r->parent);
}

size_t ctk_region_cities(const ctk_region_db *db, const char *province_code,
                         const ctk_region **out, size_t max)
{
  size_t i;
  size_t count = 0;

  if(!db || !province_code)
    return 0;
  for(i = 0; i < db->n; i++) {
    const ctk_region *r = &db->entries[i].region;
    if(ctk_region_is_provincial_kind(r->kind) || strcmp(r->parent, province_code))
      continue;
    if(out && count < max)
      out[count] = r;
    count++;
  }
  return count;
}

size_t ctk_region_provinces(const ctk_region_db *db, const ctk_region **out, size_t max)
{
  size_t i;
  size_t count = 0;

  if(!db)
    return 0;
  for(i = 0; i < db->n; i++) {
    const ctk_region *r = &db->entries[i].region;
    if(!ctk_region_is_provincial_kind(r->kind))
      continue;
    if(out && count < max)
      out[count] = r;
    count++;
  }
  return count;
}

size_t ctk_region_count(const ctk_region_db *db, ctk_region_kind kind)
{
  size_t i;
  size_t count = 0;

  if(!db)
    return 0;
  for(i = 0; i < db->n; i++) {
    if(db->entries[i].region.kind == kind)
      count++;
  }
  return count;
}

int ctk_region_is_city(const ctk_region_db *db, const char *code)
{
  const ctk_region *r = ctk_region_find(db, code);
  return r && !ctk_region_is_provincial_kind(r->kind);
}

int ctk_region_is_province(const ctk_region_db *db, const char *code)
{
  const ctk_region *r = ctk_region_find(db, code);
  return r && ctk_region_is_provincial_kind(r->kind);
}

int ctk_region_level(const ctk_region_db *db, const char *code)
{
  if(code && !strcmp(code, CTK_REGION_MINISTRY))
    return 1;
  if(ctk_region_is_province(db, code))
    return 2;
  if(ctk_region_is_city(db, code))
    return 3;
  return 0;
}
