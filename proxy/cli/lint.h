/*
 * lint.h - `edgesim lint`: predict, without sending a packet, the outcome
 * of every hop of a chain for every host and path, with the codes and
 * sub-reasons the running proxy produces (proxy/errors.h).
 */
#ifndef EDGESIM_LINT_H
#define EDGESIM_LINT_H

int lint_main(int argc, char **argv);

#endif
