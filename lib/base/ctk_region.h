/* ctk_region: the region codes of the 12328 network (GB/T 2260 provincial units and
 * prefecture-level cities, plus 660000 for the Corps) loaded from data/regions.csv. */
#ifndef CTK_REGION_H
#define CTK_REGION_H

#include <stddef.h>

#include "ctk_error.h"

/* The region table inside ctk's data folder (ctk_datadir_path makes it a path). */
#define CTK_REGION_DEFAULT_FILE "data/regions.csv"
/* The ministry's node code (docs/BASELINE.md); it is not a GB/T 2260 region. */
#define CTK_REGION_MINISTRY "100000"
#define CTK_REGION_MAX 2048

typedef enum ctk_region_kind {
  /* provincial units (level 2) */
  CTK_REGION_PROVINCE,             /* province or autonomous region */
  CTK_REGION_MUNICIPALITY,         /* Beijing, Tianjin, Shanghai, Chongqing */
  CTK_REGION_CORPS,                /* Xinjiang Production and Construction Corps, 660000 */
  /* city-level units (level 3): what a city 12328 centre can be */
  CTK_REGION_CITY,                 /* prefecture-level city, prefecture, autonomous prefecture */
  CTK_REGION_SEPARATE_PLAN_CITY,   /* 计划单列市: Dalian, Qingdao, Ningbo, Xiamen, Shenzhen */
  CTK_REGION_MUNICIPAL_DISTRICT,   /* the districts of a municipality (e.g. 110100) */
  CTK_REGION_COUNTY_GROUP          /* county-level units directly under a province (e.g. 429000) */
} ctk_region_kind;

typedef struct ctk_region {
  char code[7];                    /* six digits */
  char name[96];                   /* UTF-8 */
  ctk_region_kind kind;
  char parent[7];                  /* provincial code of a city; "" for a provincial unit */
} ctk_region;

typedef struct ctk_region_db ctk_region_db;  /* read-only after loading: share across threads */

/* Loads and checks the file (columns code,name,kind,parent in any order). On failure err says
 * "FILE:LINE: reason" and nothing is returned. */
ctk_code ctk_region_load(const char *path, ctk_region_db **out, char *err, size_t errsize);
void ctk_region_free(ctk_region_db *db);

/* NULL when the code is not a known region (CTK_REGION_MINISTRY is not one). */
const ctk_region *ctk_region_find(const ctk_region_db *db, const char *code);
/* The provincial unit a region belongs to: a city's parent, a provincial unit itself. */
const ctk_region *ctk_region_province_of(const ctk_region_db *db, const char *code);
/* The city-level units of a province, in code order. Fills at most max entries of out (out may
 * be NULL when max is 0) and returns how many there are in all. */
size_t ctk_region_cities(const ctk_region_db *db, const char *province_code,
                         const ctk_region **out, size_t max);
/* All provincial units (32: 31 provinces, municipalities and autonomous regions, and the
 * Corps), same calling rules. */
size_t ctk_region_provinces(const ctk_region_db *db, const ctk_region **out, size_t max);
/* How many regions of this kind the file has. */
size_t ctk_region_count(const ctk_region_db *db, ctk_region_kind kind);

int ctk_region_is_city(const ctk_region_db *db, const char *code);
int ctk_region_is_province(const ctk_region_db *db, const char *code);
int ctk_region_is_provincial_kind(ctk_region_kind kind);
/* Node level of a code: 1 ministry, 2 provincial unit, 3 city-level unit, 0 unknown. */
int ctk_region_level(const ctk_region_db *db, const char *code);
/* "province", "separate-plan-city", ... as written in the file. */
const char *ctk_region_kind_name(ctk_region_kind kind);

#endif
