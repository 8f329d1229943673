/* test_literals: no name, number or code of the baseline profile is written as a string literal
 * in the product's C code (the code names roles; roles.xml names the spelling). Files still to
 * be converted are listed in tests/data/literals-pending.txt, which may only shrink. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctk_buf.h"
#include "ctk_profile.h"
#include "ctk_test.h"

#define PENDING_FILE "tests/data/literals-pending.txt"
#define MAX_WORDS 2048
/* A line that says this is not the profile's spelling (SOAP 1.1's own Body, an HTTP method...). */
#define EXEMPT_MARK "not the profile's"

static const char *const product_dirs[] = { "lib", "simulators", "runner", "suites", "bench",
                                            "cli", "reports", "console" };

typedef struct words {
  char *w[MAX_WORDS];
  size_t n;
} words;

/* Words of lower-case letters only (the SOAP wrapper's message, answer) cannot be told from
 * English in the code (JSON keys, JUnit attributes) and are left out: the roles test covers them. */
static int plain_word(const char *w)
{
  for(; *w; w++) {
    if(*w < 'a' || *w > 'z')
      return 0;
  }
  return 1;
}

static void words_add(words *ws, const char *w)
{
  size_t i;
  if(!w || strlen(w) < 2 || plain_word(w) || ws->n == MAX_WORDS)
    return;
  for(i = 0; i < ws->n; i++) {
    if(!strcmp(ws->w[i], w))
      return;
  }
  ws->w[ws->n++] = strdup(w);
}

static int words_has(const words *ws, const char *w, size_t len)
{
  size_t i;
  for(i = 0; i < ws->n; i++) {
    if(strlen(ws->w[i]) == len && !memcmp(ws->w[i], w, len))
      return 1;
  }
  return 0;
}

static void words_free(words *ws)
{
  size_t i;
  for(i = 0; i < ws->n; i++)
    free(ws->w[i]);
  ws->n = 0;
}

/* Every spelling of the baseline a C file could hard-code: element names, interface, state,
 * code and result codes of two characters or more, requirement ids, namespaces, paths. */
static void baseline_words(const ctk_profile *p, words *ws)
{
  ctk_schema_names names;
  char err[512];
  size_t i, j;

  if(ctk_schema_names_load(p->dir, &names, err, sizeof(err)) == CTK_E_OK) {
    for(i = 0; i < names.count; i++)
      words_add(ws, names.names[i]);
    ctk_schema_names_free(&names);
  }
  for(i = 0; i < p->n_interfaces; i++)
    words_add(ws, p->interfaces[i].code);
  for(i = 0; i < p->n_states; i++)
    words_add(ws, p->states[i].code);
  for(i = 0; i < p->n_codesets; i++) {
    for(j = 0; j < p->codesets[i].count; j++)
      words_add(ws, p->codesets[i].entries[j].value);
  }
  for(i = 0; i < p->n_results; i++)
    words_add(ws, p->results[i].code);
  for(i = 0; i < p->n_requirements; i++)
    words_add(ws, p->requirements[i].id);
  words_add(ws, p->ns);
  words_add(ws, p->soap_ns);
  words_add(ws, p->xml_path);
  words_add(ws, p->soap_path);
  words_add(ws, p->soap_action);
}

/* Is the literal opening at quote the value of a .requirements or .id initializer? In a
 * conformance test's registry entry (ctk_ct_def) those declare what the test checks: the
 * tests' own vocabulary, which every profile's requirements.csv must hold, not a spelling the
 * code relies on. */
static int registry_declaration(const char *text, const char *quote)
{
  static const char *const fields[] = { ".requirements", ".id" };
  const char *s = quote;
  size_t i;

  while(s > text && (s[-1] == ' ' || s[-1] == '\t' || s[-1] == '\n'))
    s--;
  if(s == text || s[-1] != '=')
    return 0;
  s--;
  while(s > text && (s[-1] == ' ' || s[-1] == '\t'))
    s--;
  for(i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
    size_t n = strlen(fields[i]);
    if((size_t)(s - text) >= n && !memcmp(s - n, fields[i], n))
      return 1;
  }
  return 0;
}

/* Report each string literal of text that is a baseline word: "path:line: \"word\"". */
static size_t scan_text(const char *path, const char *text, const words *ws, ctk_buf *report)
{
  const char *s = text;
  size_t line = 1;
  size_t found = 0;
  /* only files that define a registry table (ctk_ct_def) may declare requirements */
  int has_registry = strstr(text, "ctk_ct_def") != NULL;
  /* the literal just closed was a declaration: a literal concatenated to it is one too */
  int declaring = 0;

  while(*s) {
    if(s[0] == '/' && s[1] == '/') {
      while(*s && *s != '\n')
        s++;
    }
    else if(s[0] == '/' && s[1] == '*') {
      s += 2;
      while(*s && !(s[0] == '*' && s[1] == '/')) {
        if(*s == '\n')
          line++;
        s++;
      }
      if(*s)
        s += 2;
    }
    else if(*s == '\'') {
      s++;
      while(*s && *s != '\'' && *s != '\n')
        s += (*s == '\\' && s[1]) ? 2 : 1;
      if(*s == '\'')
        s++;
    }
    else if(*s == '"') {
      const char *start = ++s;
      declaring = has_registry && (declaring || registry_declaration(text, start - 1));
      while(*s && *s != '"' && *s != '\n')
        s += (*s == '\\' && s[1]) ? 2 : 1;
      if(!declaring && words_has(ws, start, (size_t)(s - start))) {
        const char *eol = strchr(s, '\n');
        const char *bol = start;
        while(bol > text && bol[-1] != '\n')
          bol--;
        /* the line may say the word is not the profile's (SOAP's Body, HTTP's POST) */
        if(!memmem(bol, eol ? (size_t)(eol - bol) : strlen(bol), EXEMPT_MARK,
                   strlen(EXEMPT_MARK))) {
          ctk_buf_printf(report, "%s:%zu: \"%.*s\"\n", path, line, (int)(s - start), start);
          found++;
        }
      }
      if(*s == '"')
        s++;
    }
    else {
      if(*s == '\n')
        line++;
      else if(*s != ' ' && *s != '\t')
        declaring = 0;
      s++;
    }
  }
  return found;
}

typedef struct pending {
  char *paths[256];
  int seen_dirty[256];
  size_t n;
} pending;

static int pending_index(const pending *pd, const char *path)
{
  size_t i;
  for(i = 0; i < pd->n; i++) {
    if(!strcmp(pd->paths[i], path))
      return (int)i;
  }
  return -1;
}

static void scan_dir(const char *dir, const words *ws, pending *pd, ctk_buf *report,
                     size_t *dirty_files)
{
  DIR *d = opendir(dir);
  struct dirent *e;

  if(!d)
    return;
  for(e = readdir(d); e; e = readdir(d)) {
    char path[1024];
    struct stat st;
    size_t len = strlen(e->d_name);
    if(e->d_name[0] == '.')
      continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    if(stat(path, &st))
      continue;
    if(S_ISDIR(st.st_mode))
      scan_dir(path, ws, pd, report, dirty_files);
    else if(len > 2 && (!strcmp(e->d_name + len - 2, ".c") || !strcmp(e->d_name + len - 2, ".h"))) {
      size_t n = 0;
      char *text = ctk_test_read_file(path, &n);
      int pi = pending_index(pd, path);
      ctk_buf file_report;
      if(!text)
        continue;
      ctk_buf_init(&file_report, 1024 * 1024);
      n = scan_text(path, text, ws, &file_report);
      if(pi >= 0)
        pd->seen_dirty[pi] = n > 0;
      else if(n) {
        ctk_buf_add(report, file_report.data, file_report.len);
        (*dirty_files)++;
      }
      ctk_buf_free(&file_report);
      free(text);
    }
  }
  closedir(d);
}

static void load_pending(pending *pd)
{
  FILE *f = fopen(PENDING_FILE, "r");
  char line[512];
  memset(pd, 0, sizeof(*pd));
  if(!f)
    return;
  while(fgets(line, sizeof(line), f) && pd->n < 256) {
    line[strcspn(line, "\r\n")] = '\0';
    if(!line[0] || line[0] == '#')
      continue;
    pd->paths[pd->n++] = strdup(line);
  }
  fclose(f);
}

static void test_no_baseline_literals(void)
{
  const ctk_profile *p = ctk_test_profile();
  words ws;
  pending pd;
  ctk_buf report;
  size_t dirty = 0;
  size_t i;

  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  memset(&ws, 0, sizeof(ws));
  baseline_words(p, &ws);
  CU_ASSERT(ws.n > 100);
  load_pending(&pd);
  ctk_buf_init(&report, 4 * 1024 * 1024);
  for(i = 0; i < sizeof(product_dirs) / sizeof(product_dirs[0]); i++)
    scan_dir(product_dirs[i], &ws, &pd, &report, &dirty);
  if(dirty)
    fprintf(stderr, "\nbaseline spellings in C code (name a role instead; roles.xml):\n%s",
            ctk_buf_str(&report));
  CU_ASSERT_EQUAL(dirty, 0);
  /* the pending list only shrinks: a converted file leaves it */
  for(i = 0; i < pd.n; i++) {
    if(!pd.seen_dirty[i])
      fprintf(stderr, "\n%s is clean or gone: take it off %s\n", pd.paths[i], PENDING_FILE);
    CU_ASSERT(pd.seen_dirty[i]);
    free(pd.paths[i]);
  }
  ctk_buf_free(&report);
  words_free(&ws);
}

/* The scanner finds what it should and skips comments and marked lines. */
static void test_scanner_finds_literals(void)
{
  words ws;
  ctk_buf report;
  const char *text = "/* \"OrderId\" in a comment */\n"
                     "x = get(m, \"OrderId\");\n"
                     "y = \"Body\"; /* not the profile's: SOAP 1.1 */\n"
                     "z = \"OrderIdent\"; c = '\"';\n"
                     "w = \"1001\";\n";
  memset(&ws, 0, sizeof(ws));
  words_add(&ws, "OrderId");
  words_add(&ws, "Body");
  words_add(&ws, "1001");
  ctk_buf_init(&report, 4096);
  CU_ASSERT_EQUAL(scan_text("t.c", text, &ws, &report), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&report), "t.c:2: \"OrderId\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&report), "t.c:5: \"1001\""));
  ctk_buf_free(&report);
  words_free(&ws);
}

/* A registry table's requirement declarations are the tests' own; the same id elsewhere in
 * that file, or in a file without a table, is a literal. */
static void test_scanner_skips_declarations(void)
{
  words ws;
  ctk_buf report;
  const char *table = "const ctk_ct_def tests[] = {\n"
                      "  { .id = \"J1-X\", .requirements = \"J1-X\",\n"
                      "    .needs = \"\", .fn = f },\n"
                      "  { .requirements = \"J1-Y,\"\n"
                      "                    \"J1-X\",\n"
                      "    .name = \"J1-X\" },\n"
                      "};\n"
                      "fail(t, \"J1-X\");\n";
  const char *plain = "s.requirements = \"J1-X\";\n";
  memset(&ws, 0, sizeof(ws));
  words_add(&ws, "J1-X");
  ctk_buf_init(&report, 4096);
  CU_ASSERT_EQUAL(scan_text("t.c", table, &ws, &report), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&report), "t.c:6: \"J1-X\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&report), "t.c:8: \"J1-X\""));
  CU_ASSERT_EQUAL(scan_text("u.c", plain, &ws, &report), 1);
  ctk_buf_free(&report);
  words_free(&ws);
}

void ctk_test_add_literals(CU_pSuite suite)
{
  CTK_TEST(suite, test_scanner_finds_literals);
  CTK_TEST(suite, test_scanner_skips_declarations);
  CTK_TEST(suite, test_no_baseline_literals);
}
