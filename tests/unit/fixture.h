/*
 * fixture.h - what every unit test that touches the disk shares: a private
 * temporary directory made at group setup and removed, whole, at group
 * teardown. Include it once per test file (its functions are static).
 *
 *   static char top[PATH_MAX];
 *   group_setup:    if (fixture_tmpdir(top, sizeof(top), "pki") < 0) ...
 *   group_teardown: fixture_rmtree(top);
 */
#ifndef EDGESIM_TEST_FIXTURE_H
#define EDGESIM_TEST_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static int
fixture_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh directory /tmp/edgesim-test-TAG-XXXXXX into out; -1 on failure. */
static int
fixture_tmpdir(char *out, size_t len, const char *tag)
{
	if (snprintf(out, len, "/tmp/edgesim-test-%s-XXXXXX", tag) >= (int)len)
		return -1;
	return mkdtemp(out) ? 0 : -1;
}

/* Remove dir and everything under it (nothing when dir is ""). */
static void
fixture_rmtree(const char *dir)
{
	if (dir[0] != '\0')
		nftw(dir, fixture_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
