/*
 * story.h - the story behind an error reference, told from the log
 * records of that request (text or JSON), in plain words. `edgesim
 * explain` feeds it the lines of a log file; the admin endpoint
 * /explain/REF the lines kept in memory (events.c). The same words either
 * way: this is the one place they are written.
 */
#ifndef EDGESIM_STORY_H
#define EDGESIM_STORY_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* A parsed log record: its event and key=value fields. */
struct story_fields {
	char *event;
	char *ts;
	char **keys;
	char **vals;
	size_t n;
};

/* Parse one log line (either format); -1 if it is not a record. */
int story_parse_line(const char *line, struct story_fields *f);
void story_fields_free(struct story_fields *f);
/* The value of key, or NULL. */
const char *story_get(const struct story_fields *f, const char *key);
/* story_get, or dflt when the key is absent or empty. */
const char *story_get_or(const struct story_fields *f, const char *key,
    const char *dflt);

/*
 * Why a sub-reason happens and what it means, in a few sentences (the
 * error table's words). NULL if the code is unknown.
 */
const char *story_why(const char *code, const char *sub);

/*
 * Finding a reference's records takes two passes over the lines: the
 * first (story_seek on each line until it returns true) finds the record
 * that carries the reference and keeps its request id; the second
 * (story_take on every line) keeps the last request and origin record of
 * that id. story_tell then writes the story; -1 when nothing was found.
 */
struct story {
	char *ref;
	char *id;
	struct story_fields req, origin;
	bool have_req, have_origin;
};

void story_init(struct story *s, const char *ref);
bool story_seek(struct story *s, const char *line);
void story_take(struct story *s, const char *line);
int story_tell(const struct story *s, struct sbuf *out);
void story_free(struct story *s);

#endif
