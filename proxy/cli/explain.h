/*
 * explain.h - `edgesim explain REF`: the story behind an error reference,
 * told from the log records of that request (text or JSON), in plain words.
 */
#ifndef EDGESIM_EXPLAIN_H
#define EDGESIM_EXPLAIN_H

#include <stdio.h>

/* A parsed log record: its event and key=value fields. */
struct log_fields {
	char *event;
	char *ts;
	char **keys;
	char **vals;
	size_t n;
};

/* Parse one log line (either format); -1 if it is not a record, with f
 * left empty (nothing to free). */
int explain_parse_line(const char *line, struct log_fields *f);
void explain_fields_free(struct log_fields *f);
/* The value of key, or NULL. */
const char *explain_get(const struct log_fields *f, const char *key);

/*
 * Why a sub-reason happens and what it means, in a few sentences: the
 * text `explain` prints and docs/errors.md quotes. NULL if unknown.
 */
const char *explain_why(const char *code, const char *sub);

/* Find REF in the log file and print its story to out. Returns 0 when
 * found, 1 when not, 2 when the log cannot be read. */
int explain_ref(const char *log_path, const char *ref, FILE *out);

#endif
