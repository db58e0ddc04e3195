/*
 * path.h - a request path in the form routes are matched against: RFC 3986
 * section 6 normalisation, as nginx does before matching a location and
 * CloudFront before matching a cache behaviour.
 *
 * Three steps, in RFC 3986 6.2.2's order, in one pass:
 *   - percent-encoded unreserved characters (ALPHA DIGIT - . _ ~) are
 *     decoded: "/%61pi" is "/api" (6.2.2.2);
 *   - the escapes that stay get uppercase hex: "%2f" is "%2F" (6.2.2.1);
 *   - "." and ".." segments are removed (5.2.4), after decoding, so that
 *     "/%2e%2e/" is a ".." too (6.2.2.3).
 * Nothing else changes: "%2F" stays an escape (it is data, not a segment
 * separator), "//" stays (RFC 3986 has no rule to merge slashes; nginx's
 * merge_slashes does), a backslash stays a byte. A ".." at the root is
 * dropped, as 5.2.4 says ("/../a" is "/a"), and reported, so that a caller
 * that serves files can refuse it.
 *
 * Pure functions: no allocation but the caller's path_buf, no I/O.
 */
#ifndef EDGESIM_PATH_H
#define EDGESIM_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* What normalisation found (path_normalize's *flags). */
#define PATH_CHANGED    0x1u    /* the result differs from the input */
#define PATH_ABOVE_ROOT 0x2u    /* a ".." segment tried to climb above "/" */
#define PATH_BAD_ESCAPE 0x4u    /* a '%' without two hex digits (kept as is) */

/*
 * Normalise in[0..n), a path without its query ("/a/./b"), into out, which
 * has room for n + 1 bytes; out is NUL-terminated and its length returned.
 * The result is never longer than the input. A path that does not start
 * with '/' (the "*" of OPTIONS, an empty path) is copied unchanged.
 * *flags (may be NULL) gets the PATH_* bits.
 */
size_t path_normalize(const char *in, size_t n, char *out, unsigned *flags);

/* A growable buffer for normalised paths, kept by its owner (a worker)
 * between requests so that a request allocates nothing. */
struct path_buf {
	char *p;
	size_t cap;
};

/* Room for n bytes in b (grown when needed); returns b->p. */
char *path_buf_reserve(struct path_buf *b, size_t n);
void path_buf_free(struct path_buf *b);

#endif
