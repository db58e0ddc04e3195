/*
 * replay.c - run a fuzz harness over saved inputs without libFuzzer, so
 * that `make check` replays the corpora under an ordinary (or sanitizer)
 * gcc build. Each argument is a file; each file is one input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

static int
replay(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long size;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		perror(path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	/* Exactly size bytes, so that a sanitizer sees any read past them. */
	data = malloc(size > 0 ? (size_t)size : 1);
	if (data == NULL || fread(data, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "%s: cannot read\n", path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)size);
	free(data);
	return 0;
}

int
main(int argc, char **argv)
{
	int i, done = 0;

	for (i = 1; i < argc; i++)
		if (replay(argv[i]) == 0)
			done++;
	printf("replayed %d input(s)\n", done);
	return done == argc - 1 ? 0 : 1;
}
