/*
 * admin_info.h - what the admin listener shows of the running process:
 * the effective config (/config, secrets hidden), the certificates served,
 * presented and pinned (/certs), the gauges of /metrics that are not
 * data-path counters, and the per-hop counters of the dashboard.
 * The admin thread only.
 */
#ifndef EDGESIM_ADMIN_INFO_H
#define EDGESIM_ADMIN_INFO_H

#include <stddef.h>
#include <stdint.h>

#include "runtime.h"
#include "util.h"

/* The admin listener's own counts, for /metrics. */
struct admin_stats {
	uint64_t requests;
	uint64_t unauthorized;
	uint64_t busy;                  /* refused: admin_clients reached */
	uint64_t accept_errors;
	uint64_t sse_total;
	uint64_t sse_dropped;           /* streams closed for falling behind */
	uint64_t reloads_ok, reloads_refused;
	uint64_t generation;
	uint64_t events_total, events_dropped;
	size_t streams;
};

/* The runtime shown from now on (NULL: forget it): its served
 * certificates are read once here, not at every request. */
void admin_info_runtime(struct runtime *rt);

/* /config: every key of every section with its value and line; secrets
 * (admin_token) as "(hidden)"; and the chain as the dashboard draws it. */
void admin_info_config_json(struct sbuf *out, const struct runtime *rt);
/* /certs: served, presented by origins, pinned. */
void admin_info_certs_json(struct sbuf *out, const struct runtime *rt);
/* The gauges and admin counters of /metrics (after metrics_render). */
void admin_info_metrics(struct sbuf *out, const struct runtime *rt,
    const struct admin_stats *st);
/* The dashboard's per-hop counters, summed from the workers' now. */
void admin_info_counters_json(struct sbuf *out);

#endif
