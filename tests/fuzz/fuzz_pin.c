/*
 * fuzz_pin.c - libFuzzer harness for certificate pins (proxy/pin.c):
 * pin_parse on arbitrary text, and pin_format's round trip.
 *
 * Checked for every input that parses: the kind matches the prefix and the
 * length the kind; pin_format gives canonical text that parses back to the
 * same pin and formats to the same text; a hex pin parses the same in the
 * other case and without its colons. For every input that does not parse,
 * the error message is filled. A broken property aborts.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "pin.h"

#define INPUT_MAX 256

static bool
pin_eq(const struct pin *a, const struct pin *b)
{
	return a->kind == b->kind && a->len == b->len &&
	    memcmp(a->digest, b->digest, a->len) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[INPUT_MAX + 1], fmt[160], fmt2[160], alt[INPUT_MAX + 1];
	struct pin p, q;
	struct es_err err;

	if (size > INPUT_MAX)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err.msg[0] = '\0';
	if (pin_parse(text, &p, &err) < 0) {
		check(err.msg[0] != '\0');
		return 0;
	}
	switch (p.kind) {
	case PIN_SHA1:
		check(p.len == 20 && strncasecmp(text, "sha1:", 5) == 0);
		break;
	case PIN_SHA256:
		check(p.len == 32 && strncasecmp(text, "sha256:", 7) == 0);
		break;
	case PIN_SPKI:
		check(p.len == 32 && (strncasecmp(text, "spki:", 5) == 0 ||
		    strncmp(text, "sha256//", 8) == 0));
		break;
	default:
		check(!"a kind pin.h does not list");
	}

	/* parse(format(p)) == p, and the format is a fixed point */
	pin_format(&p, fmt, sizeof(fmt));
	check(strlen(fmt) < sizeof(fmt) - 1);
	check(pin_parse(fmt, &q, NULL) == 0 && pin_eq(&p, &q));
	pin_format(&q, fmt2, sizeof(fmt2));
	check(strcmp(fmt, fmt2) == 0);

	if (p.kind == PIN_SPKI)
		return 0;
	/* HEX "may use colons and either case": flip both. */
	size_t j = 0;
	for (size_t i = 0; i < size; i++) {
		char c = text[i];
		if (c == ':' && i > 6)
			continue;
		alt[j++] = (char)(isupper((unsigned char)c) ?
		    tolower((unsigned char)c) : toupper((unsigned char)c));
	}
	alt[j] = '\0';
	check(pin_parse(alt, &q, NULL) == 0 && pin_eq(&p, &q));
	return 0;
}
