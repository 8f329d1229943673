/* test_region: the shipped region table has the expected shape, lookups answer, and broken
 * tables are refused with the line at fault. */
#include <stdio.h>
#include <string.h>

#include "ctk_region.h"
#include "ctk_test.h"

static ctk_region_db *load_fixture(void)
{
  ctk_region_db *db = NULL;
  char err[256];
  CU_ASSERT_EQUAL_FATAL(ctk_region_load(CTK_REGION_DEFAULT_FILE, &db, err, sizeof(err)),
                        CTK_E_OK);
  return db;
}

static void test_region_counts(void)
{
  ctk_region_db *db = load_fixture();
  const ctk_region *prov[64];
  size_t n;
  size_t i;

  /* 333 prefecture-level cities: 328 ordinary + 5 separately planned */
  CU_ASSERT_EQUAL(ctk_region_count(db, CTK_REGION_CITY), 328);
  CU_ASSERT_EQUAL(ctk_region_count(db, CTK_REGION_SEPARATE_PLAN_CITY), 5);
  CU_ASSERT_EQUAL(ctk_region_count(db, CTK_REGION_CITY) +
                  ctk_region_count(db, CTK_REGION_SEPARATE_PLAN_CITY), 333);
  /* 32 provincial units of the 2016 rollout: 31 + the Corps */
  n = ctk_region_provinces(db, prov, 64);
  CU_ASSERT_EQUAL(n, 32);
  CU_ASSERT_EQUAL(ctk_region_count(db, CTK_REGION_MUNICIPALITY), 4);
  CU_ASSERT_EQUAL(ctk_region_count(db, CTK_REGION_CORPS), 1);
  for(i = 1; i < n && i < 64; i++)
    CU_ASSERT(strcmp(prov[i - 1]->code, prov[i]->code) < 0);
  /* asking for fewer still reports the total */
  CU_ASSERT_EQUAL(ctk_region_provinces(db, NULL, 0), 32);
  ctk_region_free(db);
}

static void test_region_lookups(void)
{
  ctk_region_db *db = load_fixture();
  const ctk_region *cities[32];
  const ctk_region *r;
  size_t n;

  n = ctk_region_cities(db, "360000", cities, 32);
  CU_ASSERT_EQUAL(n, 11);  /* Jiangxi */
  CU_ASSERT_STRING_EQUAL(cities[0]->code, "360100");
  CU_ASSERT_STRING_EQUAL(cities[0]->name, "南昌市");
  CU_ASSERT_STRING_EQUAL(cities[10]->code, "361100");

  r = ctk_region_province_of(db, "440300");  /* Shenzhen, separately planned */
  CU_ASSERT_PTR_NOT_NULL_FATAL(r);
  CU_ASSERT_STRING_EQUAL(r->code, "440000");
  CU_ASSERT_EQUAL(ctk_region_find(db, "440300")->kind, CTK_REGION_SEPARATE_PLAN_CITY);
  CU_ASSERT_STRING_EQUAL(ctk_region_province_of(db, "360000")->code, "360000");
  CU_ASSERT_STRING_EQUAL(ctk_region_province_of(db, "110100")->code, "110000");

  CU_ASSERT(ctk_region_is_city(db, "360100"));
  CU_ASSERT(ctk_region_is_city(db, "110100"));  /* municipal district */
  CU_ASSERT_FALSE(ctk_region_is_city(db, "360000"));
  CU_ASSERT(ctk_region_is_province(db, "660000"));  /* the Corps */
  CU_ASSERT(ctk_region_is_province(db, "500000"));
  CU_ASSERT_FALSE(ctk_region_is_province(db, "360100"));
  CU_ASSERT_FALSE(ctk_region_is_city(db, "999999"));
  CU_ASSERT_PTR_NULL(ctk_region_find(db, "36010"));
  CU_ASSERT_PTR_NULL(ctk_region_find(db, "3601000"));
  CU_ASSERT_PTR_NULL(ctk_region_find(db, NULL));
  CU_ASSERT_PTR_NULL(ctk_region_province_of(db, "abcdef"));
  CU_ASSERT_EQUAL(ctk_region_cities(db, "360100", NULL, 0), 0);

  CU_ASSERT_EQUAL(ctk_region_level(db, CTK_REGION_MINISTRY), 1);
  CU_ASSERT_EQUAL(ctk_region_level(db, "360000"), 2);
  CU_ASSERT_EQUAL(ctk_region_level(db, "360100"), 3);
  CU_ASSERT_EQUAL(ctk_region_level(db, "123456"), 0);
  CU_ASSERT_STRING_EQUAL(ctk_region_kind_name(CTK_REGION_COUNTY_GROUP), "county-group");
  ctk_region_free(db);
}

static void test_region_broken_tables(void)
{
  static const struct {
    const char *text;
    const char *where;
  } cases[] = {
    { "code,name,kind\n", ":1: header has no column 'parent'" },
    { "code,name,kind,parent\n36000,X,province,\n", ":2: code is not six digits" },
    { "code,name,kind,parent\n360000,X,state,\n", ":2: unknown kind" },
    { "code,name,kind,parent\n360000,X,province,\n360100,Y,city,\n", ":3: parent is not six" },
    { "code,name,kind,parent\n360100,Y,city,360000\n", ":2: parent is not a provincial" },
    { "code,name,kind,parent\n360000,X,province,\n\n360000,Z,province,\n",
      ":4: duplicate code: 360000 (first on line 2)" },
    { "code,name,kind,parent\n360000,X,province,110000\n", ":2: a provincial unit has" },
    { "code,name,kind,parent\n360000,,province,\n", ":2: empty name" },
    { "code,name,kind,parent\n360000,X\n", ":2: too few fields" },
    { "code,name,kind,parent\n", ":1: no regions" },
  };
  const char *dir = ctk_test_tmpdir("region");
  char path[512];
  char err[256];
  size_t i;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(path, sizeof(path), "%s/regions.csv", dir);
  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ctk_region_db *db = NULL;
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(cases[i].text, f);
    fclose(f);
    CU_ASSERT_EQUAL(ctk_region_load(path, &db, err, sizeof(err)), CTK_E_PARSE);
    CU_ASSERT_PTR_NULL(db);
    if(!strstr(err, cases[i].where))
      fprintf(stderr, "\n  case %zu: got \"%s\"\n", i, err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].where));
  }
  CU_ASSERT_EQUAL(ctk_region_load("/nonexistent/regions.csv", &(ctk_region_db *){ NULL }, err,
                                  sizeof(err)), CTK_E_IO);
}

void ctk_test_add_region(CU_pSuite suite)
{
  CTK_TEST(suite, test_region_counts);
  CTK_TEST(suite, test_region_lookups);
  CTK_TEST(suite, test_region_broken_tables);
}
