/*
 * explain.h - `edgesim explain REF`: the story behind an error reference,
 * told from the log records of that request (story.c tells it).
 */
#ifndef EDGESIM_EXPLAIN_H
#define EDGESIM_EXPLAIN_H

#include <stdio.h>

/*
 * Why a sub-reason happens and what it means, in a few sentences: the
 * text `explain` prints and docs/errors.md quotes. NULL if unknown.
 */
const char *explain_why(const char *code, const char *sub);

/* Find REF in the log file and print its story to out. Returns 0 when
 * found, 1 when not, 2 when the log cannot be read. */
int explain_ref(const char *log_path, const char *ref, FILE *out);

#endif
