/*
 * fuzz_explain.c - libFuzzer harness for explain's log-record reader
 * (story_parse_line, proxy/explain.c), and for its round trip with the
 * writer (proxy/log.c).
 *
 * Each line of the input (up to '\n', kept, as getline gives it) is parsed
 * as a record; a record has an event, every field a key and a value, and
 * story_get finds the first field of each key. LeakSanitizer checks that
 * nothing is kept when a line is not a record.
 *
 * Then the input is written as field values of a record, in both formats,
 * the way log.c writes a hostile SNI or Host value, and read back: the
 * record still has exactly its fields, in order (a value cannot forge a
 * field or a record), and a value of ASCII without NUL comes back as it
 * was. A broken property aborts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "story.h"
#include "log.h"

#define INPUT_MAX 8192

static void
fuzz_line(const char *line, size_t len)
{
	struct story_fields f;

	if (story_parse_line(line, &f) < 0) {
		/* Not a record: nothing to free, nothing leaked. */
		check(f.n == 0 && f.keys == NULL && f.vals == NULL &&
		    f.event == NULL && f.ts == NULL);
		return;
	}
	check(f.event != NULL);
	check(f.n <= len);
	for (size_t i = 0; i < f.n; i++) {
		check(f.keys[i] != NULL && f.vals[i] != NULL);
		check(strlen(f.keys[i]) <= len && strlen(f.vals[i]) <= len);
		const char *v = story_get(&f, f.keys[i]);
		size_t first = 0;
		while (strcmp(f.keys[first], f.keys[i]) != 0)
			first++;
		check(v == f.vals[first]);
	}
	check(story_get(&f, "no such key, with spaces") == NULL);
	if (f.n > 0)
		(void)story_why(f.vals[0], f.vals[f.n - 1]);
	story_fields_free(&f);
	check(f.n == 0 && f.keys == NULL && f.event == NULL);
}

static bool
plain_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0' || (unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/* Write value as fields "a" and "b" (its second half), read them back. */
static void
round_trip(const char *value, size_t n, enum log_format format)
{
	static const char *const keys[] = { "a", "b", "n" };
	struct log_rec r;
	struct story_fields f;
	struct es_err err;

	check(log_open("stderr", format, &err) == 0);
	log_begin(&r, "fuzz");
	log_strn(&r, "a", value, n);
	log_strn(&r, "b", value + n / 2, n - n / 2);
	log_int(&r, "n", (int64_t)n);
	/* The record as log_end would write it, less its "\n" (or "}\n"). */
	char *line = malloc(r.b->len + 3);
	check(line != NULL);
	memcpy(line, r.b->s + r.start, r.b->len - r.start);
	strcpy(line + r.b->len - r.start, format == LOG_FORMAT_JSON ? "}\n" :
	    "\n");
	log_discard(&r);

	check(strchr(line, '\n') == line + strlen(line) - 1);
	check(story_parse_line(line, &f) == 0);
	check(strcmp(f.event, "fuzz") == 0 && f.ts != NULL);
	check(f.n == 3);
	for (size_t i = 0; i < 3; i++)
		check(strcmp(f.keys[i], keys[i]) == 0);
	char num[24];
	snprintf(num, sizeof(num), "%zu", n);
	check(strcmp(f.vals[2], num) == 0);
	if (plain_ascii(value, n)) {
		check(strlen(f.vals[0]) == n && memcmp(f.vals[0], value, n) == 0);
		check(strcmp(f.vals[1], f.vals[0] + n / 2) == 0);
	}
	story_fields_free(&f);
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;

	if (size > INPUT_MAX)
		return 0;
	/* Line by line, as explain_ref reads the log (getline keeps '\n';
	 * a NUL ends what explain sees of a line). */
	for (size_t pos = 0; pos < size;) {
		const char *nl = memchr(in + pos, '\n', size - pos);
		size_t n = nl ? (size_t)(nl - in - pos) + 1 : size - pos;
		char *line = malloc(n + 1);
		check(line != NULL);
		memcpy(line, in + pos, n);
		line[n] = '\0';
		fuzz_line(line, n);
		free(line);
		pos += n;
	}
	round_trip(in, size, LOG_FORMAT_TEXT);
	round_trip(in, size, LOG_FORMAT_JSON);
	return 0;
}
