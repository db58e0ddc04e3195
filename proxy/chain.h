/*
 * chain.h - how the edges of one config forward to each other: which edge
 * is an origin of which. A chain that runs in one process (viewer ->
 * akamai -> cloudfront -> origin) must stop from the front: the inner
 * edge keeps serving until the edges in front of it have finished the
 * requests they forward to it.
 */
#ifndef EDGESIM_CHAIN_H
#define EDGESIM_CHAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/*
 * Does origin o of cfg reach edge e of cfg? True when o's address (after
 * [resolve]) is one of e's listen addresses, or e listens on a wildcard
 * address (0.0.0.0, ::) of the same port and o's address is a loopback or
 * wildcard one.
 */
bool chain_origin_reaches(const struct config *cfg,
    const struct conf_origin *o, const struct conf_edge *e);

/*
 * The stop stage of every edge of cfg, indexed like cfg->edges, into
 * stage[]: 0 for an edge no other live edge forwards to (viewers reach
 * it), else one more than the largest stage of the edges that forward to
 * it. A cycle (edges forwarding to each other) gets no more than
 * cfg->n_edges. Disabled edges (run --edge) are stage 0. Returns the
 * largest stage.
 */
int chain_stop_stages(const struct config *cfg, int *stage);

#endif
