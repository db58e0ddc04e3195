/*
 * explain.h - `edgesim explain REF`: the story behind an error reference,
 * told from the log records of that request (story.c tells it, in the
 * same words as the admin endpoint /explain/REF).
 */
#ifndef EDGESIM_EXPLAIN_H
#define EDGESIM_EXPLAIN_H

#include <stdio.h>

/*
 * Why a sub-reason happens and what it means, in a few sentences: the
 * text `explain` prints and docs/errors.md quotes. NULL if unknown.
 */
const char *explain_why(const char *code, const char *sub);

/*
 * The reference inside text a user copied, into out (len bytes, NUL
 * included). Accepted, with blanks, quotes and a final '.' or '/' around:
 *
 *   30.100007f.1796002610.2b34000991         an X-Edgesim-Ref value
 *   #30.100007f...  Reference #30.100007f... Akamai's page, as displayed
 *   Reference&#32;&#35;30&#46;100007f&#46;... the same, as its HTML (curl)
 *   https://errors.edgesuite.net/30.100007f... its link, plain or encoded,
 *                                            with or without <P> tags
 *   X-Edgesim-Ref: ..., X-Amz-Cf-Id: ..., Request ID: ..., Reference: ...,
 *   ref=...                                  a header, page or log line
 *   a CloudFront id (56 characters), es-... (plain persona)
 *
 * Entities (&#NN; &#xHH; &amp; ...) are decoded and tags dropped first,
 * then the labels above are removed, in that order.
 * Returns 0 with out holding only [A-Za-z0-9._=-] (at least one), or -1
 * when nothing of that shape remains or the decoded text (labels
 * included) does not fit in out. Pure: no I/O, no allocation; out is
 * unspecified after -1.
 */
int explain_ref_normalize(const char *in, char *out, size_t len);

/* Find REF (any form explain_ref_normalize accepts) in the log file and
 * print its story to out. Returns 0 when found, 1 when not, 2 when REF is
 * not a reference or the log cannot be read (said on stderr). */
int explain_ref(const char *log_path, const char *ref, FILE *out);

#endif
