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

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "story.h"
#include "util.h"

const char *
explain_why(const char *code, const char *sub)
{
	return story_why(code, sub);
}

/* Decode one entity at s (just after '&'): numeric (&#35; &#x23;) or the
 * few named ones a page may carry. Returns its length past '&' and sets
 * *c, or 0 when s is not an entity (then '&' stands for itself). */
static size_t
entity_decode(const char *s, char *c)
{
	static const struct { const char *name; char c; } named[] = {
		{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' },
		{ "quot;", '"' }, { "apos;", '\'' }, { "nbsp;", ' ' },
	};
	if (s[0] == '#') {
		bool hex = s[1] == 'x' || s[1] == 'X';
		size_t i = hex ? 2 : 1, start = i;
		unsigned v = 0;
		while (i < start + 6 && (hex ? isxdigit((unsigned char)s[i]) :
		    isdigit((unsigned char)s[i]))) {
			int d = isdigit((unsigned char)s[i]) ? s[i] - '0' :
			    tolower((unsigned char)s[i]) - 'a' + 10;
			v = v * (hex ? 16 : 10) + (unsigned)d;
			i++;
		}
		if (i == start || s[i] != ';' || v == 0 || v > 0x7e)
			return 0;
		*c = (char)v;
		return i + 1;
	}
	for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
		size_t n = strlen(named[k].name);
		if (strncmp(s, named[k].name, n) == 0) {
			*c = named[k].c;
			return n;
		}
	}
	return 0;
}

/* Remove prefix (ASCII, any case) from the start of s; true if it was. */
static bool
strip_prefix(char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncasecmp(s, prefix, n) != 0)
		return false;
	memmove(s, s + n, strlen(s + n) + 1);
	return true;
}

static void
trim_in_place(char *s, const char *set)
{
	size_t n = strspn(s, set);

	memmove(s, s + n, strlen(s + n) + 1);
	n = strlen(s);
	while (n > 0 && strchr(set, s[n - 1]))
		s[--n] = '\0';
}

int
explain_ref_normalize(const char *in, char *out, size_t len)
{
	static const char *const prefixes[] = {
		"X-Edgesim-Ref:", "X-Amz-Cf-Id:", "Request ID:", "Reference:",
		"Reference", "ref=", "#", "https://errors.edgesuite.net/",
		"http://errors.edgesuite.net/", "errors.edgesuite.net/",
	};
	size_t o = 0;
	bool in_tag = false;

	if (in == NULL || out == NULL || len == 0)
		return -1;
	/* Entities decoded, HTML tags dropped. */
	for (const char *p = in; *p; p++) {
		char c = *p;
		if (in_tag) {
			in_tag = c != '>';
			continue;
		}
		if (c == '<') {
			in_tag = true;
			continue;
		}
		if (c == '&') {
			size_t n = entity_decode(p + 1, &c);
			p += n;
		}
		if (o + 1 >= len)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	/* Labels and link in front, in the order they can appear. */
	trim_in_place(out, " \t\r\n\"'");
	for (size_t k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++) {
		if (strip_prefix(out, prefixes[k]))
			trim_in_place(out, " \t\r\n\"'");
	}
	/* A sentence's full stop or a link's slash after it. */
	trim_in_place(out, " \t\r\n\"'./");
	if (out[0] == '\0')
		return -1;
	for (const char *p = out; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._=-", *p))
			return -1;
	return 0;
}

int
explain_ref(const char *log_path, const char *ref_as_given, FILE *out)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	struct story s;
	struct sbuf text;
	char ref[256];

	if (explain_ref_normalize(ref_as_given, ref, sizeof(ref)) < 0) {
		fprintf(stderr, "edgesim: '%s' is not a reference: give the "
		    "X-Edgesim-Ref header's value, Akamai's \"Reference #...\" "
		    "(as shown, or as the page's HTML writes it), its "
		    "https://errors.edgesuite.net/... link, or a CloudFront "
		    "Request ID\n", ref_as_given);
		return 2;
	}
	f = fopen(log_path, "r");
	if (f == NULL) {
		fprintf(stderr, "edgesim: cannot read the log %s: %s\n", log_path,
		    strerror(errno));
		return 2;
	}
	story_init(&s, ref);
	/* First pass: the id of the record that carries ref. An edge writes
	 * a request's records just after its response (in the same turn of
	 * its event loop): a reference pasted or scripted at once may be a
	 * moment ahead of its record, so a log written to within the last
	 * two seconds is followed for up to a second. */
	bool found = false;
	for (int wait = 0; !found; wait++) {
		while (!found && getline(&line, &cap, f) > 0)
			found = story_seek(&s, line);
		struct stat st;
		if (found || wait == 10 || fstat(fileno(f), &st) < 0 ||
		    time(NULL) - st.st_mtime > 2)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000000L }, NULL);
		clearerr(f);
	}
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
