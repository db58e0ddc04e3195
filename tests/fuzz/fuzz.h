/*
 * fuzz.h - what every harness under tests/fuzz/ shares: libFuzzer's entry
 * point and check(), which turns a broken property into an abort, which
 * libFuzzer (and the replay driver) report like a crash.
 */
#ifndef EDGESIM_FUZZ_H
#define EDGESIM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do {                                                \
	if (!(cond)) {                                                  \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,  \
		    __LINE__, #cond);                                   \
		abort();                                                \
	}                                                               \
} while (0)

#endif
