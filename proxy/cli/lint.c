/*
 * lint.c - placeholder until the prediction engine lands.
 */
#include "cli/lint.h"

#include <stdio.h>

int
lint_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "edgesim: lint: not yet\n");
	return 2;
}
