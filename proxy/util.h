/*
 * util.h - the small things every module needs: error values with context,
 * allocation that cannot fail silently, a growable string, string lists,
 * and the parsers for the value types of the config (durations, booleans,
 * host:port).
 *
 * Nothing here touches the network or OpenSSL, so every module (and every
 * unit test) can link it.
 */
#ifndef EDGESIM_UTIL_H
#define EDGESIM_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ES_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * An error carried as a value: functions that can fail return -1 and fill
 * one of these with a sentence a user can act on. The caller adds context
 * (file, line, hop) where it has it.
 */
struct es_err {
	char msg[512];
};

/* Fill err (which may be NULL) with a formatted message; returns -1. */
int es_errf(struct es_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Allocation: abort with a message on exhaustion; a proxy that runs out of
 * memory mid-handshake has no better option, and it keeps callers simple. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* A growable, always NUL-terminated string. */
struct sbuf {
	char *s;
	size_t len;
	size_t cap;
};
void sbuf_init(struct sbuf *b);
void sbuf_free(struct sbuf *b);
void sbuf_reset(struct sbuf *b);
void sbuf_add(struct sbuf *b, const char *s, size_t n);
void sbuf_adds(struct sbuf *b, const char *s);
void sbuf_addc(struct sbuf *b, char c);
void sbuf_addf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sbuf_vaddf(struct sbuf *b, const char *fmt, va_list ap);
/* Hand the string over to the caller (who frees it); b is reset. */
char *sbuf_detach(struct sbuf *b);

/*
 * Escape a client-supplied or otherwise untrusted string so that it can be
 * written into a log line or a JSON string: quotes, backslashes, control
 * characters (C0, DEL, C1) and bytes that are not valid UTF-8 become
 * escapes; printable UTF-8 passes unchanged. n is the byte count; embedded
 * NULs are escaped too.
 */
void sbuf_add_json_escaped(struct sbuf *b, const char *s, size_t n);
/* The same for HTML text (Akamai and CloudFront error pages). */
void sbuf_add_html_escaped(struct sbuf *b, const char *s);

/* A list of strings, each remembering the config line it came from. */
struct strlist {
	char **v;
	int *line;
	size_t n;
	size_t cap;
};
void strlist_add(struct strlist *l, const char *s, int line);
void strlist_free(struct strlist *l);
bool strlist_contains_nocase(const struct strlist *l, const char *s);
/* Split s on blanks and add each word. */
void strlist_add_words(struct strlist *l, const char *s, int line);

/* Lowercase in place; returns s. */
char *str_lower(char *s);
/* Trim leading and trailing blanks in place; returns the trimmed start. */
char *str_trim(char *s);
bool str_ieq(const char *a, const char *b);
bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
/* Levenshtein distance, for "did you mean" hints. */
size_t str_distance(const char *a, const char *b);

/* "250ms", "5s", "2m", "1h", or a bare number of seconds. -1 on error. */
int parse_duration_ms(const char *s, int64_t *out_ms);
/* yes|no|on|off|true|false|1|0. -1 on error. */
int parse_bool(const char *s, bool *out);
/* A decimal integer in [min, max]. -1 on error. */
int parse_int(const char *s, int64_t min, int64_t max, int64_t *out);

/*
 * "host:port", "[v6]:port", or "host" alone when default_port > 0.
 * host is written without brackets. Returns -1 with err on error.
 */
int parse_hostport(const char *s, char *host, size_t hostlen, int *port,
    int default_port, struct es_err *err);

/* Format a duration for humans: "250ms", "5s", "2m30s". */
void format_duration(int64_t ms, char *buf, size_t len);

/* Hex-encode with an optional separator (':' for fingerprints, 0 for none). */
void hex_encode(const unsigned char *in, size_t n, char sep, char *out,
    size_t outlen);

/* A string's hash (FNV-1a), for small hash tables of names and paths. */
uint32_t str_hash(const char *s);

/* ms as a struct timeval (libevent's timeouts). */
struct timeval;
void tv_from_ms(struct timeval *tv, int64_t ms);

/* Text wrapped at width columns, each line under indent: printed, or
 * appended to a buffer. */
void text_wrap(FILE *out, const char *indent, const char *text, size_t width);
void sbuf_wrap(struct sbuf *out, const char *indent, const char *text,
    size_t width);

/* Monotonic and wall clocks, in milliseconds. */
int64_t clock_mono_ms(void);
int64_t clock_wall_ms(void);

#endif
