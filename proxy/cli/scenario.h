/*
 * scenario.h - `edgesim scenario`: the catalogue of incidents, each a
 * config in conf/scenarios/NAME.ini (the broken state, with its story and
 * fix in header comments) and a list of steps a viewer takes against it.
 * The runner starts the topology as child processes on free ports, drives
 * the built-in client, shows what the viewer saw and the log's story, and
 * checks that what happened is what the scenario claims.
 */
#ifndef EDGESIM_SCENARIO_H
#define EDGESIM_SCENARIO_H

/* `edgesim scenario ...`; argv after the word "scenario". Returns the exit
 * status: 0 when every scenario run behaved as claimed, 1 when one did
 * not, 2 for usage errors. */
int scenario_main(int argc, char **argv, const char *self_exe);

#endif
