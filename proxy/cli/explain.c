/*
 * explain.c - `edgesim explain REF`: read the log file back and tell the
 * story of one request.
 *
 * The log is the only record of what happened on the wire, so explain
 * works from it alone: it finds the record carrying the reference, gathers
 * every record of the same request id (the request, its origin handshake
 * or failure), and prints what happened, what the origin presented, why it
 * fails, and the config line that fixes it. The parsing and the telling
 * are story.c's, shared with the admin endpoint /explain/REF.
 */
#include "explain.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "story.h"
#include "util.h"

const char *
explain_why(const char *code, const char *sub)
{
	return story_why(code, sub);
}

int
explain_ref(const char *log_path, const char *ref, FILE *out)
{
	FILE *f = fopen(log_path, "r");
	char *line = NULL;
	size_t cap = 0;
	struct story s;
	struct sbuf text;

	if (f == NULL) {
		fprintf(stderr, "edgesim: cannot read the log %s: %s\n", log_path,
		    strerror(errno));
		return 2;
	}
	story_init(&s, ref);
	/* First pass: the id of the record that carries ref. */
	bool found = false;
	while (!found && getline(&line, &cap, f) > 0)
		found = story_seek(&s, line);
	if (!found) {
		fclose(f);
		free(line);
		story_free(&s);
		return 1;
	}
	/* Second pass: every record of that request (the last of each). */
	rewind(f);
	while (getline(&line, &cap, f) > 0)
		story_take(&s, line);
	fclose(f);
	free(line);
	sbuf_init(&text);
	int rc = story_tell(&s, &text) < 0 ? 1 : 0;
	if (rc == 0 && text.len)
		fwrite(text.s, 1, text.len, out);
	sbuf_free(&text);
	story_free(&s);
	return rc;
}
