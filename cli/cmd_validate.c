/* cmd_validate: `ctk validate` checks message files against a profile, one line per problem. */
#include <stdio.h>
#include <string.h>

#include "ctk_cli.h"
#include "ctk_commands.h"
#include "ctk_region_check.h"
#include "ctk_validate.h"

#define BINDING_AUTO (-2)

static void validate_usage(FILE *out)
{
  fputs("usage: ctk validate [--profile DIR] [--regions FILE] [--binding xml|soap|auto]\n"
        "                    [--verbose] FILE...\n"
        "\n"
        "  Decodes each FILE (plain XML or SOAP 1.1 binding, UTF-8 or GBK) and validates it\n"
        "  against the profile: safe parsing (no DTD, size, depth, encoding), XSD, envelope\n"
        "  rules, field formats, code values and region codes (GB/T 2260 table). Prints one\n"
        "  line per problem:\n"
        "    FILE: CODE NAME at WHERE: reason [REQUIREMENT]\n"
        "\n"
        "  --profile DIR   profile directory (default: $CTK_PROFILE, else\n"
        "                  ./profiles/jtt1019-baseline when the current directory has it,\n",
        out);
  /* outside a checkout the profile comes from the installed copy: name where that is */
  fprintf(out, "                  else %s)\n", ctk_profile_installed_dir());
  fputs("  --regions FILE  region table (default: the profile's regions.csv, else\n"
        "                  ./" CTK_REGION_DEFAULT_FILE "; without one, region codes are checked\n"
        "                  by their format only, with a warning)\n"
        "  --binding B     xml, soap, or auto (default: soap when the file is a SOAP envelope)\n"
        "  --verbose       also print a line for each valid file\n"
        "Exit status: 0 all valid, 1 some invalid, else 2 a file could not be read or the\n"
        "profile is broken, 3 usage.\n"
        "See ctk-validate(1).\n",
        out);
}

/* Read at most limit + 1 bytes, so an oversize file is reported as TOO_LARGE without being
 * read whole. */
static int read_bounded(const char *path, size_t limit, ctk_buf *out)
{
  FILE *f = fopen(path, "rb");
  char chunk[8192];
  size_t n;
  int failed;

  if(!f)
    return -1;
  n = fread(chunk, 1, sizeof(chunk), f);
  while(n > 0) {
    size_t room = limit + 1 - out->len;
    if(n > room)
      n = room;
    if(ctk_buf_add(out, chunk, n) || out->len > limit)
      break;
    n = fread(chunk, 1, sizeof(chunk), f);
  }
  failed = ferror(f); /* e.g. a directory */
  fclose(f);
  return failed ? -1 : 0;
}

static ctk_binding pick_binding(int requested, const ctk_buf *data)
{
  static const char soap_ns[] = "http://schemas.xmlsoap.org/soap/envelope/";

  if(requested != BINDING_AUTO)
    return (ctk_binding)requested;
  if(data->len && memmem(data->data, data->len, soap_ns, sizeof(soap_ns) - 1))
    return CTK_BIND_SOAP;
  return CTK_BIND_XML;
}

static void print_problem(const ctk_profile *p, const char *file, const ctk_outcome *o)
{
  const ctk_result_code *rc = ctk_profile_result_by_code(p, o->code);

  printf("%s: %s %s at %s: %s [%s]\n", file, o->code, rc ? rc->name : "?",
         o->where[0] ? o->where : "(document)", o->text,
         o->requirement[0] ? o->requirement : "-");
}

/* CTK_EXIT_OK valid, CTK_EXIT_FAIL invalid, CTK_EXIT_ERROR unreadable. */
static int validate_file(const ctk_profile *p, const ctk_region_db *regions, const char *file,
                         int binding, int verbose)
{
  ctk_buf data;
  ctk_problems problems;
  ctk_msg *m = NULL;
  ctk_binding b;
  size_t i;
  int status;

  ctk_buf_init(&data, p->max_message_bytes + 1);
  if(read_bounded(file, p->max_message_bytes, &data)) {
    fprintf(stderr, "ctk validate: cannot read %s\n", file);
    ctk_buf_free(&data);
    return CTK_EXIT_ERROR;
  }
  b = pick_binding(binding, &data);
  status = ctk_validate_bytes(p, ctk_buf_str(&data), data.len, b, &m, &problems) ||
               ctk_region_check_msg(p, regions, m, &problems)
             ? CTK_EXIT_FAIL
             : CTK_EXIT_OK;
  for(i = 0; i < problems.count; i++)
    print_problem(p, file, &problems.items[i]);
  if(problems.dropped)
    printf("%s: and %zu more problems\n", file, problems.dropped);
  if(!status && verbose)
    printf("%s: valid %s %s (%s, %s)\n", file, m->is_answer ? "answer" : "request",
           m->head.interface_code, ctk_binding_name(b), ctk_encoding_name(m->encoding));
  ctk_msg_free(m);
  ctk_buf_free(&data);
  return status;
}

/* The region table: the one named (it must load), else the profile's or the kit's; without
 * any, a warning and none. Non-zero when a table is there but broken. */
static int validate_regions(const ctk_profile *p, const char *file, ctk_region_db **out)
{
  char err[1024];
  ctk_code result = file ? ctk_region_load(file, out, err, sizeof(err))
                         : ctk_region_check_load(p, out, err, sizeof(err));
  if(result == CTK_E_NOTFOUND && !file) {
    fprintf(stderr, "ctk validate: %s; region codes are checked by their format only "
            "(--regions FILE)\n", err);
    return 0;
  }
  if(result)
    fprintf(stderr, "ctk validate: regions: %s\n", err);
  return result ? -1 : 0;
}

int ctk_cmd_validate(int argc, char **argv)
{
  const char *dir = NULL;
  const char *regions_file = NULL;
  ctk_region_db *regions = NULL;
  int binding = BINDING_AUTO;
  int verbose = 0;
  int first_file = 0;
  int worst = CTK_EXIT_OK;
  char err[1024];
  ctk_profile *p = NULL;
  int i;

  for(i = 1; i < argc && !first_file; i++) {
    if(ctk_cli_is_help(argv[i])) {
      validate_usage(stdout);
      return CTK_EXIT_OK;
    }
    else if(!strcmp(argv[i], "--profile") && i + 1 < argc)
      dir = argv[++i];
    else if(!strcmp(argv[i], "--regions") && i + 1 < argc)
      regions_file = argv[++i];
    else if(!strcmp(argv[i], "--binding") && i + 1 < argc) {
      const char *name = argv[++i];
      binding = !strcmp(name, "auto") ? BINDING_AUTO : ctk_binding_parse(name);
      if(binding == -1) {
        fprintf(stderr, "ctk validate: unknown binding '%s' (xml, soap or auto)\n", name);
        return CTK_EXIT_USAGE;
      }
    }
    else if(!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v"))
      verbose = 1;
    else if(!strcmp(argv[i], "--"))
      first_file = i + 1;
    else if(argv[i][0] == '-' && argv[i][1])
      return ctk_cli_usage_error("ctk validate", validate_usage,
                                 "unknown or incomplete option '%s'", argv[i]);
    else
      first_file = i;
  }
  if(!first_file || first_file >= argc)
    return ctk_cli_usage_error("ctk validate", validate_usage, "no FILE to validate");
  if(ctk_profile_load(dir ? dir : ctk_profile_default_dir(), &p, err, sizeof(err))) {
    fprintf(stderr, "ctk validate: profile: %s\n", err);
    if(!dir)
      fprintf(stderr, "ctk validate: looked in %s (set --profile DIR or $CTK_PROFILE)\n",
              ctk_profile_default_dir());
    return CTK_EXIT_ERROR;
  }
  if(validate_regions(p, regions_file, &regions)) {
    ctk_profile_free(p);
    return CTK_EXIT_ERROR;
  }
  for(i = first_file; i < argc; i++) {
    int status = validate_file(p, regions, argv[i], binding, verbose);
    /* As for a run: an invalid file outweighs one that could not be read. */
    if(status == CTK_EXIT_FAIL || (status == CTK_EXIT_ERROR && worst == CTK_EXIT_OK))
      worst = status;
  }
  ctk_region_free(regions);
  ctk_profile_free(p);
  return worst;
}
