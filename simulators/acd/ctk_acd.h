/* ctk_acd: the `ctk sim acd` command, a call-queue machine (ACD) simulator: SIP UAS with agents
 * and a queue, CTI events as CSTA XML over TCP and as a JSON webhook, live voice statistics. */
#ifndef CTK_ACD_H
#define CTK_ACD_H

/* argv[0] = "acd". Exit codes: 0 clean stop, 2 could not start (ports, webhook), 3 usage. */
int ctk_cmd_sim_acd(int argc, char **argv);

#endif
