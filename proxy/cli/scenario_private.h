/*
 * scenario_private.h - the insides of one scenario run, shared by its two
 * files only: scenario.c (the runner: the scenario file and its fix, ports
 * moved to free ones, the child processes, the command) and
 * scenario_steps.c (the steps: what a viewer does against the running
 * topology, what it saw, and whether that is what the scenario claims).
 * Everyone else sees scenario.h.
 */
#ifndef EDGESIM_SCENARIO_PRIVATE_H
#define EDGESIM_SCENARIO_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "scenario_catalogue.h"
#include "util.h"

/* conf/scenarios/NAME.ini, and what its header comments say. */
struct scen_file {
	char *path;
	char *text;
	char *story;
	char *code;
	struct strlist fixes;           /* "[section] key = value" */
	struct strlist fix_notes;       /* console terms */
};

/* The listen ports of the file, and the free ones they were moved to. */
struct port_map {
	int from[16];
	int to[16];
	size_t n;
};

/* One `edgesim run` child: the whole topology, or one side of a split. */
struct proc {
	pid_t pid;
	char conf[4096];
	char log[4096];
	int generation;
};

/* One state (broken or fixed) of one scenario, from preparing it to
 * cleaning up after it. */
struct run {
	const struct scenario *sc;
	struct scen_file file;
	bool fixed;
	bool verbose;
	const char *self;
	char dir[256];
	char *text;                     /* the config as run */
	struct config *cfg;             /* parsed, for addresses */
	struct port_map ports;
	struct proc procs[2];
	int n_procs;
	char key_expected[200];
	char key_observed[300];
};

/* --- scenario.c --- */

/* Apply "[section] key = value" to an INI text: replace the key in that
 * section, or add it right after the section header. 0, or -1 with err
 * set and text untouched. */
int scenario_apply_override(char **text, const char *override,
    struct es_err *err);

/* The port of the file that free port `port` stands for. */
int scenario_orig_port(const struct port_map *m, int port);

/* The index in r->procs of the process that runs edge. */
int scenario_proc_of(struct run *r, const char *edge);

/* Write the config of process i: the run's text with its own log. */
int scenario_write_conf(struct run *r, int i);

/* Whether the file at path contains needle (a log record, a generation). */
bool scenario_log_has(const char *path, const char *needle);

void scenario_sleep_ms(int ms);

/* --- scenario_steps.c --- */

/* Run the steps (up to STEPS_MAX, ended by one without `says`) against
 * the running topology, printing what the viewer saw when r->verbose; the
 * key step's expected and observed go to r->key_expected/key_observed.
 * Returns whether every step observed what it claims. */
bool scenario_steps_run(struct run *r, const struct step *steps);

#endif
