/* ctk_commands: every subcommand of the ctk program, in one list.
 * X(name, function, summary): the function is int fn(int argc, char **argv), argv[0] = name. */
#ifndef CTK_COMMANDS_H
#define CTK_COMMANDS_H

#define CTK_COMMANDS(X) \
  X(version, ctk_cmd_version, "print the tool version and build") \
  X(sim, ctk_cmd_sim, "simulators: many city nodes (sim city), call-queue machine (sim acd)") \
  X(bundle, ctk_cmd_bundle, "make a signed evidence bundle, or its key pair (bundle keygen)") \
  X(verify, ctk_cmd_verify, "check an evidence bundle's signature and files") \
  X(report, ctk_cmd_report, "regenerate reports from results.json; monthly and rollout views") \
  X(passwd, ctk_cmd_passwd, "make a node's credentials line (salted hash of its secret)") \
  X(load, ctk_cmd_load, "SIP call load with SIPp against a queue machine (load calls)") \
  X(validate, ctk_cmd_validate, "check message files against the profile (XSD, formats, codes, envelope)") \
  X(serve, ctk_cmd_serve, "run a reference ministry or province endpoint") \
  X(stats, ctk_cmd_stats, "statistics of a region and period from an endpoint's store") \
  X(init, ctk_cmd_init, "write a ready kit for testing a province's own system (init province --region CODE DIR)") \
  X(run, ctk_cmd_run, "run the conformance suites against a province or city system (--sut; PICS, PIXIT, verdicts, reports)") \
  X(profile, ctk_cmd_profile, "check a profile: every problem with FILE:LINE and a fix (profile lint)") \
  X(requirements, ctk_cmd_requirements, "every requirement of the profile and the tests that check it (--coverage)") \
  X(bench, ctk_cmd_bench, "load benchmarks: work-order ingest against an endpoint or the bare ceiling") \
  X(console, ctk_cmd_console, "the acceptance console: a web application for the centre and the provinces")

#define CTK_DECLARE_CMD(name, fn, summary) int fn(int argc, char **argv);
CTK_COMMANDS(CTK_DECLARE_CMD)
#undef CTK_DECLARE_CMD

/* The simulators under `ctk sim`: argv[0] = "city" or "acd". */
int ctk_cmd_sim_city(int argc, char **argv);
int ctk_cmd_sim_acd(int argc, char **argv);

#endif
