/*
 * http_private.h - what the files of the HTTP/1.1 module share, and no one
 * else: http.c (the head parser), http_fields.c (field names and values)
 * and http_chunked.c (the chunked-body scanner). Everyone else sees http.h.
 *
 * The byte classes are here, inline, so that the head parser and the
 * chunked scanner's trailers judge a byte (of a token, of a value) by one
 * rule, and so that the per-byte loops stay as fast as when they were
 * static in one file.
 */
#ifndef EDGESIM_HTTP_PRIVATE_H
#define EDGESIM_HTTP_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

/* Whether c is in set, a bitmap of the bytes 0..63 and 64..127. Nothing
 * from 128 up belongs to a set. */
static inline bool
http_in_set(const uint64_t set[2], unsigned char c)
{
	return c < 128 && ((set[c >> 6] >> (c & 63)) & 1);
}

/* A byte of a token (a method, a field name): RFC 9110 5.6.2 tchar. */
static inline bool
http_is_tchar(unsigned char c)
{
	static const uint64_t tchar_set[2] = {
		0x03ff6cfa00000000ULL, 0x57ffffffc7fffffeULL
	};

	return http_in_set(tchar_set, c);
}

/* A byte of a field value or reason phrase: VCHAR, SP, HTAB or obs-text.
 * NUL, CR, LF and the other controls are refused (RFC 9110 5.5). */
static inline bool
http_is_value_byte(unsigned char c)
{
	return (c >= 0x20 && c != 0x7f) || c == '\t';
}

static inline bool
http_is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static inline bool
http_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline unsigned char
http_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/*
 * The next element of a comma-separated list value, blanks trimmed. Empty
 * elements are returned too (callers decide whether they matter). *pos
 * starts at 0; returns false when the list is exhausted. (http_fields.c)
 */
bool http_list_next(struct http_str v, size_t *pos, struct http_str *elem);

#endif
