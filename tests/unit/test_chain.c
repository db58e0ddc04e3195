/*
 * test_chain.c - which edges of a config forward to which (chain.c), and
 * the order a graceful stop drains them in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "config.h"

static struct config *
load(const char *text)
{
	struct conf_problems probs = { 0 };
	struct config *cfg = config_load_string("test.ini", text, &probs);

	if (cfg == NULL)
		for (size_t i = 0; i < probs.n; i++)
			fprintf(stderr, "test.ini:%d: %s\n", probs.v[i].line,
			    probs.v[i].msg);
	config_problems_free(&probs);
	assert_non_null(cfg);
	return cfg;
}

static size_t
edge_index(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_edges; i++)
		if (strcmp(cfg->edges[i]->sec.name, name) == 0)
			return i;
	fail_msg("no edge %s", name);
	return 0;
}

/* The demo chain: akamai -> cloudfront (by [resolve]) -> echo. */
static const char demo[] =
    "[resolve]\nd1.cloudfront.net = 127.0.0.1:9443\n"
    "[edge akamai]\nlisten = 127.0.0.1:8443\n"
    "[host www.example.com]\nedge = akamai\norigin = cf\n"
    "[origin cf]\naddress = d1.cloudfront.net:443\n"
    "[edge cloudfront]\nlisten = 127.0.0.1:9443\n"
    "[host d1.cloudfront.net]\nedge = cloudfront\norigin = api\n"
    "[origin api]\ntype = echo\n";

static void
test_demo_chain(void **state)
{
	struct config *cfg = load(demo);
	int stage[8];

	(void)state;
	assert_int_equal(chain_stop_stages(cfg, stage), 1);
	assert_int_equal(stage[edge_index(cfg, "akamai")], 0);
	assert_int_equal(stage[edge_index(cfg, "cloudfront")], 1);
	config_free(cfg);
}

/* Three deep, the middle one reached by a route and a literal address,
 * the last one listening on the wildcard address; a fourth edge alone. */
static const char deep[] =
    "[edge a]\nlisten = 127.0.0.1:1001\n"
    "[host a.test]\nedge = a\norigin = local\nroute = /b/* to_b\n"
    "[origin local]\ntype = echo\n"
    "[origin to_b]\naddress = 127.0.0.1:1002\n"
    "[edge b]\nlisten = 127.0.0.1:1002\n"
    "[host b.test]\nedge = b\norigin = to_c\n"
    "[origin to_c]\naddress = localhost:1003\n"
    "[edge c]\nlisten = 0.0.0.0:1003\n"
    "[host c.test]\nedge = c\norigin = local\n"
    "[edge alone]\nlisten = 127.0.0.1:1004\n"
    "[host alone.test]\nedge = alone\norigin = local\n";

static void
test_deep_chain(void **state)
{
	struct config *cfg = load(deep);
	int stage[8];

	(void)state;
	assert_int_equal(chain_stop_stages(cfg, stage), 2);
	assert_int_equal(stage[edge_index(cfg, "a")], 0);
	assert_int_equal(stage[edge_index(cfg, "b")], 1);
	assert_int_equal(stage[edge_index(cfg, "c")], 2);
	assert_int_equal(stage[edge_index(cfg, "alone")], 0);
	config_free(cfg);
}

/* Edges that forward to each other: a bounded answer, no endless loop. */
static const char cycle[] =
    "[edge a]\nlisten = 127.0.0.1:2001\n"
    "[host a.test]\nedge = a\norigin = to_b\n"
    "[origin to_b]\naddress = 127.0.0.1:2002\n"
    "[edge b]\nlisten = 127.0.0.1:2002\n"
    "[host b.test]\nedge = b\norigin = to_a\n"
    "[origin to_a]\naddress = 127.0.0.1:2001\n";

static void
test_cycle_is_bounded(void **state)
{
	struct config *cfg = load(cycle);
	int stage[8];

	(void)state;
	int max = chain_stop_stages(cfg, stage);
	assert_true(max <= 2);
	assert_true(stage[0] <= 2 && stage[1] <= 2);
	config_free(cfg);
}

/* Another port, another address, a built-in origin: not a chain. */
static void
test_reaches(void **state)
{
	struct config *cfg = load(deep);
	const struct conf_edge *b = cfg->edges[edge_index(cfg, "b")];
	const struct conf_edge *c = cfg->edges[edge_index(cfg, "c")];
	const struct conf_origin *to_b = NULL, *to_c = NULL, *local = NULL;

	(void)state;
	for (size_t i = 0; i < cfg->n_origins; i++) {
		const struct conf_origin *o = cfg->origins[i];
		if (strcmp(o->sec.name, "to_b") == 0)
			to_b = o;
		else if (strcmp(o->sec.name, "to_c") == 0)
			to_c = o;
		else if (strcmp(o->sec.name, "local") == 0)
			local = o;
	}
	assert_true(chain_origin_reaches(cfg, to_b, b));
	assert_false(chain_origin_reaches(cfg, to_b, c));
	assert_true(chain_origin_reaches(cfg, to_c, c));
	assert_false(chain_origin_reaches(cfg, local, b));
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_chain),
		cmocka_unit_test(test_deep_chain),
		cmocka_unit_test(test_cycle_is_bounded),
		cmocka_unit_test(test_reaches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
