/*
 * http_chunked.c - the scanner of a chunked body that is relayed unchanged
 * (struct http_chunked, http.h): it finds where the body ends, after the
 * last chunk and its trailers, so that the next message on the connection
 * starts at the right byte.
 *
 * Data bytes are skipped in bulk; only size lines, extensions and trailers
 * are looked at, each within a bound. It refuses whatever another parser
 * could read as a different end of body (request smuggling).
 */
#include "http_private.h"

#include <string.h>

/* Chunk extension lines and trailer sections: bounded so that a peer cannot
 * keep the scanner busy with framing that never ends. */
#define CHUNK_EXT_MAX           4096
#define CHUNK_TRAILERS_MAX      16384
#define CHUNK_SIZE_DIGITS_MAX   16

void
http_chunked_init(struct http_chunked *c)
{
	memset(c, 0, sizeof(*c));
	c->state = HTTP_CHUNK_SIZE;
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = http_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Line endings: CRLF everywhere in chunked framing, bare LF refused. A
 * backend that reads a size line, extension or trailer up to the next CRLF,
 * or that skips the two bytes after chunk data unchecked, would otherwise
 * see a different end of body than we do, which is exactly a desync:
 * "2\r\nab\n10\r\n" would be a 16-byte chunk to one and a last chunk to
 * the other.
 * Blanks between the size and ';' (RFC 9112 BWS) are refused as well.
 *
 * After HTTP_CHUNKED_ERROR the scanner must not be fed again; *used is then
 * the offset of the offending byte.
 */
enum http_chunked_result
http_chunked_scan(struct http_chunked *c, const char *buf, size_t len,
    size_t *used)
{
	size_t i = 0;

	while (i < len) {
		unsigned char ch = (unsigned char)buf[i];
		int v;

		switch (c->state) {
		case HTTP_CHUNK_SIZE:
			v = hex_value(ch);
			if (v >= 0) {
				/* Bounded twice: 16 digits, leading zeros
				 * included, and a value that fits a signed
				 * 64-bit length, as nginx's off_t check does: a
				 * size that another parser would read as
				 * negative, or wrap, is a desync. */
				if (c->size_digits == CHUNK_SIZE_DIGITS_MAX ||
				    c->remaining > (uint64_t)(INT64_MAX >> 4))
					goto error;
				c->remaining = c->remaining << 4 | (unsigned)v;
				c->size_digits++;
			} else if (c->size_digits == 0) {
				goto error;
			} else if (ch == ';') {
				c->state = HTTP_CHUNK_EXT;
				c->line_len = 1;
			} else if (ch == '\r') {
				c->state = HTTP_CHUNK_SIZE_LF;
			} else {
				goto error;
			}
			i++;
			break;
		case HTTP_CHUNK_EXT:
			if (ch == '\r') {
				c->state = HTTP_CHUNK_SIZE_LF;
			} else if (!http_is_value_byte(ch) ||
			    ++c->line_len > CHUNK_EXT_MAX) {
				goto error;
			}
			i++;
			break;
		case HTTP_CHUNK_SIZE_LF:
			if (ch != '\n')
				goto error;
			i++;
			if (c->remaining == 0) {
				c->last_chunk = true;
				c->state = HTTP_CHUNK_TRAILER_START;
			} else {
				c->state = HTTP_CHUNK_DATA;
			}
			break;
		case HTTP_CHUNK_DATA: {
			size_t take = len - i;

			if ((uint64_t)take > c->remaining)
				take = (size_t)c->remaining;
			i += take;
			c->remaining -= take;
			c->data_bytes += take;
			if (c->remaining == 0)
				c->state = HTTP_CHUNK_DATA_CR;
			break;
		}
		case HTTP_CHUNK_DATA_CR:
		case HTTP_CHUNK_DATA_LF:
			if (ch == '\r' && c->state == HTTP_CHUNK_DATA_CR) {
				c->state = HTTP_CHUNK_DATA_LF;
			} else if (ch == '\n' && c->state == HTTP_CHUNK_DATA_LF) {
				/* CRLF only: a bare LF here would let a backend
				 * that skips two bytes see a different chunk
				 * boundary (request smuggling). */
				c->state = HTTP_CHUNK_SIZE;
				c->size_digits = 0;
				c->remaining = 0;
			} else {
				goto error;
			}
			i++;
			break;
		case HTTP_CHUNK_TRAILER_START:
		case HTTP_CHUNK_TRAILER:
		case HTTP_CHUNK_TRAILER_LF:
		case HTTP_CHUNK_FINAL_LF:
			if (++c->trailer_bytes > CHUNK_TRAILERS_MAX)
				goto error;
			if (c->state == HTTP_CHUNK_TRAILER_START) {
				/* A field name starts the line; a blank would
				 * be obsolete folding. */
				if (ch == '\r')
					c->state = HTTP_CHUNK_FINAL_LF;
				else if (http_is_tchar(ch))
					c->state = HTTP_CHUNK_TRAILER;
				else
					goto error;
				c->line_len = 1;
			} else if (c->state == HTTP_CHUNK_TRAILER) {
				if (ch == '\r')
					c->state = HTTP_CHUNK_TRAILER_LF;
				else if (!http_is_value_byte(ch))
					goto error;
				c->line_len++;
			} else if (ch != '\n') {
				goto error;
			} else if (c->state == HTTP_CHUNK_TRAILER_LF) {
				c->state = HTTP_CHUNK_TRAILER_START;
			} else {
				c->state = HTTP_CHUNK_DONE;
				*used = i + 1;
				return HTTP_CHUNKED_DONE;
			}
			i++;
			break;
		case HTTP_CHUNK_DONE:
			*used = i;
			return HTTP_CHUNKED_DONE;
		default:
			goto error;
		}
	}
	*used = i;
	if (c->state == HTTP_CHUNK_DONE)
		return HTTP_CHUNKED_DONE;
	return HTTP_CHUNKED_MORE;

error:
	*used = i;
	return HTTP_CHUNKED_ERROR;
}
