/*
 * config_fixture.h - what the config tests share: a mkdtemp directory with
 * a real directory ("@ROOT@") and a lab certificate (under "@DIR@/pki"),
 * loading a config string with those names expanded, the problems as
 * printed, and small valid configs to add a key or a section to.
 * Included by test_config.c and test_config_problems.c.
 */
#ifndef EDGESIM_TEST_CONFIG_FIXTURE_H
#define EDGESIM_TEST_CONFIG_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"

#include <ftw.h>
#include <limits.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "config_keys.h"
#include "pki.h"
#include "util.h"

static char top[PATH_MAX], site[PATH_MAX];

static int
group_setup(void **state)
{
	static const char *const names[] = { "www.example.com", "example.com" };
	char dir[PATH_MAX + 8];
	struct pki_paths paths;
	struct es_err err = { "" };
	FILE *f;

	(void)state;
	if (fixture_tmpdir(top, sizeof(top), "config") < 0)
		return -1;
	snprintf(site, sizeof(site), "%s/site", top);
	if (mkdir(site, 0755) < 0)
		return -1;
	snprintf(dir, sizeof(dir), "%s/file", top);
	if ((f = fopen(dir, "w")) == NULL)
		return -1;
	fclose(f);
	/* A certificate file for cert = FILE: @DIR@/pki/www.example.com.pem */
	snprintf(dir, sizeof(dir), "%s/pki", top);
	if (pki_ensure_leaf(dir, PKI_KEY_P256, names, 2, PKI_LEAF, false, &paths,
	    NULL, &err) != 0) {
		fprintf(stderr, "pki_ensure_leaf: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	fixture_rmtree(top);
	return 0;
}

/* text with @ROOT@ and @DIR@ replaced; the caller frees it. */
static char *
expand(const char *text)
{
	struct sbuf b;

	sbuf_init(&b);
	while (*text) {
		if (str_has_prefix(text, "@ROOT@")) {
			sbuf_adds(&b, site);
			text += 6;
		} else if (str_has_prefix(text, "@DIR@")) {
			sbuf_adds(&b, top);
			text += 5;
		} else {
			sbuf_addc(&b, *text++);
		}
	}
	return sbuf_detach(&b);
}

static struct config *
load(const char *text, struct conf_problems *probs)
{
	char *t = expand(text);
	struct config *cfg = config_load_string("test.ini", t, probs);

	free(t);
	return cfg;
}

/* All problems as printed, for failure messages; the caller frees it. */
static char *
printed(const struct conf_problems *probs)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	assert_non_null(f);
	config_problems_print(probs, "test.ini", f);
	fclose(f);
	return s;
}

/* Three valid configs of 7 lines, each ending in the section a case adds
 * keys to: an edge, an origin (a TLS proxy) or a host. */
#define BASE_E                                                          \
	"[host a.example]\nedge = akamai\norigin = o\n"     /* 1-3 */   \
	"[origin o]\ntype = echo\n"                         /* 4-5 */   \
	"[edge akamai]\nlisten = 127.0.0.1:8443\n"          /* 6-7 */
#define BASE_O                                                          \
	"[edge akamai]\nlisten = 127.0.0.1:8443\n"          /* 1-2 */   \
	"[host a.example]\nedge = akamai\norigin = o\n"     /* 3-5 */   \
	"[origin o]\naddress = 127.0.0.1:9000\n"            /* 6-7 */
#define BASE_H                                                          \
	"[edge akamai]\nlisten = 127.0.0.1:8443\n"          /* 1-2 */   \
	"[origin o]\ntype = echo\n"                         /* 3-4 */   \
	"[host a.example]\nedge = akamai\norigin = o\n"     /* 5-7 */
/* strict_aliases on, lines 1-8; the host's keys follow. */
#define STRICT                                                          \
	"[edge akamai]\nlisten = 127.0.0.1:8443\nstrict_aliases = yes\n"   \
	"[origin o]\ntype = echo\n"                                       \
	"[host www.example.com]\nedge = akamai\norigin = o\n"
/* A second host of edge akamai, lines 8-10 after BASE_E. */
#define HOST_B "[host b.example]\nedge = akamai\norigin = o\n"


#endif
