/*
 * metrics.h - counters and histograms of the data path, for /metrics and
 * the dashboard's per-hop counters.
 *
 * Each thread that counts has its own table of series (lazily made at its
 * first count, never freed before exit): a count is a lookup in the
 * thread's own table and a relaxed load and store of the thread's own
 * counter, so no lock, no shared cache line and no read-modify-write
 * atomic on the hot path. A scrape (the admin thread) reads every table
 * racily but safely: a series is published with a release store once its
 * key is written, counters are read with relaxed loads, and the tables
 * are summed then, by key. A table never grows; series past its capacity
 * are counted as dropped, never stored.
 */
#ifndef EDGESIM_METRICS_H
#define EDGESIM_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* The families counted on the data path (docs/dashboard.md lists them). */
enum metrics_family {
	MF_RQ_TOTAL,                    /* {edge,host,status,code} */
	MF_RQ_TIME,                     /* histogram {edge} */
	MF_LISTENER_HANDSHAKE,          /* {edge,verdict,result} */
	MF_CX_TOTAL,                    /* {origin,result}: new origin connections */
	MF_SSL_HANDSHAKE,               /* {origin,result} */
	MF_SSL_HANDSHAKE_TIME,          /* histogram {origin} */
	MF_SSL_FAIL_VERIFY_SAN,         /* {origin} */
	MF_SSL_FAIL_VERIFY_CERT_HASH,   /* {origin} */
	MF_SSL_FAIL_VERIFY_ERROR,       /* {origin} */
	MF_SSL_CONNECTION_ERROR,        /* {origin} */
	MF_CX_CONNECT_FAIL,             /* {origin} */
	MF_CX_CONNECT_TIMEOUT,          /* {origin} */
	MF_RQ_TIMEOUT,                  /* {origin} */
	MF_COUNT
};

#define METRICS_MAX_LABELS 4
/* Histogram buckets, upper bounds in milliseconds (+Inf is implicit). */
#define METRICS_N_BUCKETS 13
extern const int64_t metrics_bucket_ms[METRICS_N_BUCKETS];

/* Add 1 to the series of family f with these label values (n of them,
 * as the family has; NULL counts as "-"). */
void metrics_count(enum metrics_family f, const char *const *labels);
/* Record a duration in a histogram family. */
void metrics_observe(enum metrics_family f, const char *const *labels,
    int64_t ms);

/* A series summed over every thread. */
struct metrics_series {
	enum metrics_family fam;
	const char *labels[METRICS_MAX_LABELS];
	uint64_t count;                 /* a counter's value; a histogram's count */
	uint64_t buckets[METRICS_N_BUCKETS];    /* histogram, not cumulative */
	uint64_t sum_ms;
	char key[256];                  /* the label values, NUL separated */
	size_t klen;
};

struct metrics_snapshot {
	struct metrics_series *v;       /* sorted by family, then labels */
	size_t n;
	uint64_t dropped;               /* series that found no room */
};

/* Sum every thread's table now (any thread). */
void metrics_snapshot(struct metrics_snapshot *s);
void metrics_snapshot_free(struct metrics_snapshot *s);
/* The families of s in Prometheus text exposition format. */
void metrics_render(const struct metrics_snapshot *s, struct sbuf *out);
/* A label value escaped for the exposition format. */
void metrics_add_label(struct sbuf *out, const char *name, const char *value,
    bool first);

/* Free every table (at exit, once no thread counts any more). */
void metrics_free_all(void);

#endif
