/*
 * metrics.c - per-thread tables of counters and histograms, summed at
 * scrape time (metrics.h says why it is built this way).
 *
 * A table is an open-addressing hash of fixed capacity. Only its thread
 * writes it: a new series gets its key written first, then its state
 * flag with a release store, so a reader that sees the flag (acquire)
 * sees the key. Counter words are _Atomic only so that the reader's load
 * and the owner's store are not a data race; the owner increments with a
 * relaxed load and a relaxed store (no lock prefix, no fence).
 */
#include "metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const int64_t metrics_bucket_ms[METRICS_N_BUCKETS] = {
	1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000
};

#define TABLE_CAP 1024                  /* a power of two */
#define TABLE_FILL (TABLE_CAP * 3 / 4)  /* past it, new series are dropped */
#define KEY_MAX 240
#define N_WORDS (METRICS_N_BUCKETS + 2) /* buckets, count, sum */

struct slot {
	_Atomic int state;              /* 0 empty, 1 published */
	uint32_t hash;
	uint8_t fam;
	uint16_t klen;
	char key[KEY_MAX];
	_Atomic uint64_t w[N_WORDS];
};

struct table {
	struct slot *slots;
	size_t used;                    /* the owner's count */
	_Atomic uint64_t dropped;
	struct table *next;
};

static struct table *_Atomic tables;
static _Thread_local struct table *tl_table;

static const struct {
	const char *labels[METRICS_MAX_LABELS];
	int n;
} fam_labels[MF_COUNT] = {
	[MF_RQ_TOTAL] = { { "edge", "host", "status", "code" }, 4 },
	[MF_RQ_TIME] = { { "edge" }, 1 },
	[MF_LISTENER_HANDSHAKE] = { { "edge", "verdict", "result" }, 3 },
	[MF_CX_TOTAL] = { { "origin", "result" }, 2 },
	[MF_SSL_HANDSHAKE] = { { "origin", "result" }, 2 },
	[MF_SSL_HANDSHAKE_TIME] = { { "origin" }, 1 },
	[MF_SSL_FAIL_VERIFY_SAN] = { { "origin" }, 1 },
	[MF_SSL_FAIL_VERIFY_CERT_HASH] = { { "origin" }, 1 },
	[MF_SSL_FAIL_VERIFY_ERROR] = { { "origin" }, 1 },
	[MF_SSL_CONNECTION_ERROR] = { { "origin" }, 1 },
	[MF_CX_CONNECT_FAIL] = { { "origin" }, 1 },
	[MF_CX_CONNECT_TIMEOUT] = { { "origin" }, 1 },
	[MF_RQ_TIMEOUT] = { { "origin" }, 1 },
};

/* Names and help, Envoy's where Envoy has one (docs/dashboard.md). */
static const struct {
	const char *name;
	bool histogram;
	const char *help;
} fam_meta[MF_COUNT] = {
	[MF_RQ_TOTAL] = { "edgesim_http_downstream_rq_total", false,
	    "Requests answered by an edge, by host, status and error code" },
	[MF_RQ_TIME] = { "edgesim_http_downstream_rq_time_seconds", true,
	    "Time from a request's first byte to its log record" },
	[MF_LISTENER_HANDSHAKE] = { "edgesim_listener_ssl_handshake_total",
	    false, "Viewer TLS handshakes by edge, SNI verdict and result" },
	[MF_CX_TOTAL] = { "edgesim_cluster_upstream_cx_total", false,
	    "New connections to an origin by result (ok or the error code)" },
	[MF_SSL_HANDSHAKE] = { "edgesim_cluster_ssl_handshake_total", false,
	    "TLS handshakes with an origin by result (ok or the sub-reason)" },
	[MF_SSL_HANDSHAKE_TIME] = {
	    "edgesim_cluster_ssl_handshake_time_seconds", true,
	    "Time to set up an origin connection: resolve, connect, TLS" },
	[MF_SSL_FAIL_VERIFY_SAN] = { "edgesim_cluster_ssl_fail_verify_san_total",
	    false, "Origin certificates that did not match the names expected" },
	[MF_SSL_FAIL_VERIFY_CERT_HASH] = {
	    "edgesim_cluster_ssl_fail_verify_cert_hash_total", false,
	    "Origin certificates that matched no pin" },
	[MF_SSL_FAIL_VERIFY_ERROR] = {
	    "edgesim_cluster_ssl_fail_verify_error_total", false,
	    "Origin certificates that failed another verification (dates, "
	    "issuer, chain, revocation)" },
	[MF_SSL_CONNECTION_ERROR] = {
	    "edgesim_cluster_ssl_connection_error_total", false,
	    "Failed TLS handshakes with an origin, for any reason" },
	[MF_CX_CONNECT_FAIL] = { "edgesim_cluster_upstream_cx_connect_fail_total",
	    false, "TCP connects to an origin refused or unreachable" },
	[MF_CX_CONNECT_TIMEOUT] = {
	    "edgesim_cluster_upstream_cx_connect_timeout_total", false,
	    "TCP connects to an origin that took over connect_timeout" },
	[MF_RQ_TIMEOUT] = { "edgesim_cluster_upstream_rq_timeout_total", false,
	    "Requests an origin did not answer within read_timeout" },
};

static struct table *
my_table(void)
{
	struct table *t = tl_table;

	if (t != NULL)
		return t;
	t = xcalloc(1, sizeof(*t));
	t->slots = xcalloc(TABLE_CAP, sizeof(*t->slots));
	t->next = atomic_load_explicit(&tables, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(&tables, &t->next, t,
	    memory_order_release, memory_order_relaxed))
		;
	tl_table = t;
	return t;
}

static inline void
bump(_Atomic uint64_t *w, uint64_t d)
{
	atomic_store_explicit(w, atomic_load_explicit(w, memory_order_relaxed) +
	    d, memory_order_relaxed);
}

/* The series of f and labels in this thread's table, or NULL when full. */
static struct slot *
find(enum metrics_family f, const char *const *labels)
{
	struct table *t = my_table();
	char key[KEY_MAX];
	size_t klen = 0;
	uint32_t h = 2166136261u ^ (uint32_t)f;

	for (int i = 0; i < fam_labels[f].n; i++) {
		const char *v = labels[i] ? labels[i] : "-";
		size_t n = strlen(v);
		if (klen + n + 1 > KEY_MAX)
			n = KEY_MAX - klen - 1;
		memcpy(key + klen, v, n);
		klen += n;
		key[klen++] = '\0';
	}
	for (size_t i = 0; i < klen; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	for (size_t i = h & (TABLE_CAP - 1);; i = (i + 1) & (TABLE_CAP - 1)) {
		struct slot *s = &t->slots[i];
		if (atomic_load_explicit(&s->state, memory_order_relaxed) == 0) {
			if (t->used >= TABLE_FILL) {
				bump(&t->dropped, 1);
				return NULL;
			}
			s->hash = h;
			s->fam = (uint8_t)f;
			s->klen = (uint16_t)klen;
			memcpy(s->key, key, klen);
			atomic_store_explicit(&s->state, 1, memory_order_release);
			t->used++;
			return s;
		}
		if (s->hash == h && s->fam == f && s->klen == klen &&
		    memcmp(s->key, key, klen) == 0)
			return s;
	}
}

void
metrics_count(enum metrics_family f, const char *const *labels)
{
	struct slot *s = find(f, labels);

	if (s)
		bump(&s->w[0], 1);
}

void
metrics_observe(enum metrics_family f, const char *const *labels, int64_t ms)
{
	struct slot *s = find(f, labels);
	int b = 0;

	if (s == NULL)
		return;
	if (ms < 0)
		ms = 0;
	while (b < METRICS_N_BUCKETS && ms > metrics_bucket_ms[b])
		b++;
	if (b < METRICS_N_BUCKETS)
		bump(&s->w[b], 1);
	bump(&s->w[METRICS_N_BUCKETS], 1);
	bump(&s->w[METRICS_N_BUCKETS + 1], (uint64_t)ms);
}

/* --- scrape --- */

/* By family, then label values (keys are NUL separated values, so byte
 * order is the order of the first value, then the next). Labels are not
 * used here: the sort moves the series, their pointers would not follow. */
static int
series_cmp(const void *a, const void *b)
{
	const struct metrics_series *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;

	if (x->fam != y->fam)
		return x->fam < y->fam ? -1 : 1;
	int c = memcmp(x->key, y->key, n);
	if (c)
		return c;
	return x->klen == y->klen ? 0 : x->klen < y->klen ? -1 : 1;
}

static void
series_labels(struct metrics_series *m)
{
	const char *p = m->key;

	for (int i = 0; i < fam_labels[m->fam].n; i++) {
		m->labels[i] = p;
		p += strlen(p) + 1;
	}
}

void
metrics_snapshot(struct metrics_snapshot *snap)
{
	size_t cap = 0;

	memset(snap, 0, sizeof(*snap));
	for (struct table *t = atomic_load_explicit(&tables,
	    memory_order_acquire); t; t = t->next) {
		snap->dropped += atomic_load_explicit(&t->dropped,
		    memory_order_relaxed);
		for (size_t i = 0; i < TABLE_CAP; i++) {
			struct slot *s = &t->slots[i];
			if (atomic_load_explicit(&s->state,
			    memory_order_acquire) == 0)
				continue;
			if (snap->n == cap) {
				cap = cap ? cap * 2 : 64;
				snap->v = xrealloc(snap->v, cap * sizeof(*snap->v));
			}
			struct metrics_series *m = &snap->v[snap->n++];
			memset(m, 0, sizeof(*m));
			m->fam = s->fam;
			memcpy(m->key, s->key, s->klen);
			m->klen = s->klen;
			bool hist = fam_meta[s->fam].histogram;
			m->count = atomic_load_explicit(&s->w[hist ?
			    METRICS_N_BUCKETS : 0], memory_order_relaxed);
			if (hist) {
				for (int b = 0; b < METRICS_N_BUCKETS; b++)
					m->buckets[b] = atomic_load_explicit(
					    &s->w[b], memory_order_relaxed);
				m->sum_ms = atomic_load_explicit(
				    &s->w[METRICS_N_BUCKETS + 1],
				    memory_order_relaxed);
			}
		}
	}
	if (snap->n == 0)
		return;
	/* Labels point into each series' own key: set once nothing moves. */
	qsort(snap->v, snap->n, sizeof(*snap->v), series_cmp);
	/* The same series from several threads: one, summed. */
	size_t out = 0;
	for (size_t i = 1; i < snap->n; i++) {
		struct metrics_series *a = &snap->v[out], *b = &snap->v[i];
		if (series_cmp(a, b) == 0) {
			a->count += b->count;
			a->sum_ms += b->sum_ms;
			for (int k = 0; k < METRICS_N_BUCKETS; k++)
				a->buckets[k] += b->buckets[k];
		} else {
			snap->v[++out] = *b;
		}
	}
	snap->n = out + 1;
	for (size_t i = 0; i < snap->n; i++)
		series_labels(&snap->v[i]);
}

void
metrics_snapshot_free(struct metrics_snapshot *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

void
metrics_add_label(struct sbuf *out, const char *name, const char *value,
    bool first)
{
	sbuf_adds(out, first ? "{" : ",");
	sbuf_adds(out, name);
	sbuf_adds(out, "=\"");
	for (const char *p = value; *p; p++) {
		if (*p == '\\')
			sbuf_adds(out, "\\\\");
		else if (*p == '"')
			sbuf_adds(out, "\\\"");
		else if (*p == '\n')
			sbuf_adds(out, "\\n");
		else
			sbuf_addc(out, *p);
	}
	sbuf_addc(out, '"');
}

static void
add_labels(struct sbuf *out, const struct metrics_series *m, const char *le)
{
	int n = fam_labels[m->fam].n;

	for (int i = 0; i < n; i++)
		metrics_add_label(out, fam_labels[m->fam].labels[i],
		    m->labels[i], i == 0);
	if (le)
		metrics_add_label(out, "le", le, n == 0);
	if (n > 0 || le)
		sbuf_addc(out, '}');
}

/* A histogram's name without its "_seconds" unit is its base: Prometheus
 * wants NAME_bucket, NAME_sum and NAME_count of the family NAME. */
static void
render_histogram(struct sbuf *out, const char *name,
    const struct metrics_series *m)
{
	uint64_t cum = 0;
	char le[32];

	for (int b = 0; b < METRICS_N_BUCKETS; b++) {
		cum += m->buckets[b];
		snprintf(le, sizeof(le), "%g",
		    (double)metrics_bucket_ms[b] / 1000.0);
		sbuf_addf(out, "%s_bucket", name);
		add_labels(out, m, le);
		sbuf_addf(out, " %llu\n", (unsigned long long)cum);
	}
	sbuf_addf(out, "%s_bucket", name);
	add_labels(out, m, "+Inf");
	sbuf_addf(out, " %llu\n", (unsigned long long)m->count);
	sbuf_addf(out, "%s_sum", name);
	add_labels(out, m, NULL);
	sbuf_addf(out, " %.3f\n", (double)m->sum_ms / 1000.0);
	sbuf_addf(out, "%s_count", name);
	add_labels(out, m, NULL);
	sbuf_addf(out, " %llu\n", (unsigned long long)m->count);
}

void
metrics_render(const struct metrics_snapshot *s, struct sbuf *out)
{
	size_t i = 0;

	for (int f = 0; f < MF_COUNT; f++) {
		const char *name = fam_meta[f].name;
		sbuf_addf(out, "# HELP %s %s.\n# TYPE %s %s\n", name,
		    fam_meta[f].help, name,
		    fam_meta[f].histogram ? "histogram" : "counter");
		for (; i < s->n && s->v[i].fam == (enum metrics_family)f; i++) {
			const struct metrics_series *m = &s->v[i];
			if (fam_meta[f].histogram) {
				render_histogram(out, name, m);
				continue;
			}
			sbuf_adds(out, name);
			add_labels(out, m, NULL);
			sbuf_addf(out, " %llu\n", (unsigned long long)m->count);
		}
	}
	sbuf_adds(out, "# HELP edgesim_admin_metrics_series_dropped_total Series "
	    "not counted because a thread's table was full.\n"
	    "# TYPE edgesim_admin_metrics_series_dropped_total counter\n");
	sbuf_addf(out, "edgesim_admin_metrics_series_dropped_total %llu\n",
	    (unsigned long long)s->dropped);
}

void
metrics_free_all(void)
{
	struct table *t = atomic_exchange(&tables, NULL);

	while (t) {
		struct table *next = t->next;
		free(t->slots);
		free(t);
		t = next;
	}
	tl_table = NULL;
}
