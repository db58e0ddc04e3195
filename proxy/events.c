/*
 * events.c - per-worker rings of recent records, the admin thread's
 * history of them, the events the dashboard receives, and the
 * certificates origins presented (events.h says how and why).
 */
#include "events.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "story.h"

/* --- the rings: one writer (a worker), one reader (the admin thread) --- */

#define RING_BYTES (64 * 1024)          /* a power of two, multiple of 4 */
#define RECORD_MAX 8192                 /* a longer record is cut */

struct ring {
	unsigned char buf[RING_BYTES];
	_Atomic uint64_t head;          /* written by the worker */
	_Atomic uint64_t tail;          /* written by the admin thread */
	_Atomic uint64_t dropped;       /* the worker's count */
	struct ring *next;
};

static struct ring *_Atomic rings;
static _Thread_local struct ring *tl_ring;

static struct ring *
my_ring(void)
{
	struct ring *r = tl_ring;

	if (r != NULL)
		return r;
	r = xcalloc(1, sizeof(*r));
	r->next = atomic_load_explicit(&rings, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(&rings, &r->next, r,
	    memory_order_release, memory_order_relaxed))
		;
	tl_ring = r;
	return r;
}

static void
ring_copy_in(struct ring *r, uint64_t at, const void *p, size_t n)
{
	size_t off = (size_t)(at & (RING_BYTES - 1));
	size_t first = n < RING_BYTES - off ? n : RING_BYTES - off;

	memcpy(r->buf + off, p, first);
	memcpy(r->buf, (const unsigned char *)p + first, n - first);
}

static void
ring_copy_out(const struct ring *r, uint64_t at, void *p, size_t n)
{
	size_t off = (size_t)(at & (RING_BYTES - 1));
	size_t first = n < RING_BYTES - off ? n : RING_BYTES - off;

	memcpy(p, r->buf + off, first);
	memcpy((unsigned char *)p + first, r->buf, n - first);
}

void
events_push(const struct log_rec *rec, bool error)
{
	struct ring *r = my_ring();
	size_t len;
	const char *text = log_rec_text(rec, &len);

	if (len == 0)
		return;
	if (len > RECORD_MAX)
		len = RECORD_MAX;
	/* A 4-byte length (the error flag in its top bit), the text, and a
	 * '}' for JSON records (log_end has not closed them yet); padded
	 * to 4 so a length never wraps. */
	bool brace = text[0] == '{';
	uint32_t n = (uint32_t)(len + (brace ? 1 : 0));
	uint64_t need = 4 + ((n + 3u) & ~3u);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t used = head - atomic_load_explicit(&r->tail,
	    memory_order_acquire);
	if (used + need > RING_BYTES ||
	    (!error && used + need > RING_BYTES * 3 / 4)) {
		atomic_store_explicit(&r->dropped, atomic_load_explicit(
		    &r->dropped, memory_order_relaxed) + 1, memory_order_relaxed);
		return;
	}
	uint32_t word = n | (error ? 0x80000000u : 0);
	ring_copy_in(r, head, &word, 4);
	ring_copy_in(r, head + 4, text, len);
	if (brace)
		ring_copy_in(r, head + 4 + len, "}", 1);
	atomic_store_explicit(&r->head, head + need, memory_order_release);
}

/* --- the history (admin thread) --- */

struct entry {
	uint64_t seq;
	bool error;
	char *line;
};

static struct entry hist[EVENTS_HISTORY];
static struct entry errs[EVENTS_ERRORS];
static uint64_t n_total;                /* records drained; the last seq */
static struct events_cert *certs;
static size_t n_certs;
#define CERTS_MAX 256

static void
entry_set(struct entry *e, uint64_t seq, bool error, const char *line)
{
	free(e->line);
	e->seq = seq;
	e->error = error;
	e->line = xstrdup(line);
}

/* A viewer handshake refused for its SNI: what to change. */
static const char *
tls_fix(const struct story_fields *f, char *buf, size_t len)
{
	const char *verdict = story_get_or(f, "verdict", "");
	const char *edge = story_get_or(f, "edge", "?");
	bool no_sni = strcmp(story_get_or(f, "sni", "-"), "-") == 0;

	if (strcmp(verdict, "rejected") == 0 && !no_sni)
		snprintf(buf, len, "the viewer's SNI %s is not a host or alias "
		    "of [edge %s]: add it (aliases = ...), or set unknown_sni = "
		    "default in [edge %s]", story_get_or(f, "sni", "?"), edge, edge);
	else if (no_sni && (strcmp(verdict, "rejected") == 0 ||
	    strcmp(verdict, "closed_no_sni") == 0 ||
	    strcmp(verdict, "reset_no_sni") == 0))
		snprintf(buf, len, "the viewer sent no SNI: connect by name "
		    "(curl --resolve NAME:PORT:ADDR https://NAME:PORT/, "
		    "openssl s_client -servername NAME), or set no_sni = default "
		    "in [edge %s]", edge);
	else
		return NULL;
	return buf;
}

static void
json_str(struct sbuf *out, const char *key, const char *v)
{
	sbuf_addc(out, '"');
	sbuf_add_json_escaped(out, key, strlen(key));
	sbuf_adds(out, "\":\"");
	sbuf_add_json_escaped(out, v, strlen(v));
	sbuf_addc(out, '"');
}

/* One record as the dashboard's event: every field of the record, plus
 * why (the error table's words) and, for a viewer handshake, a fix. */
static void
event_json(struct sbuf *out, const struct entry *e)
{
	struct story_fields f;
	char buf[512];

	if (story_parse_line(e->line, &f) < 0)
		return;
	sbuf_addf(out, "{\"seq\":%llu,\"error\":%s,", (unsigned long long)e->seq,
	    e->error ? "true" : "false");
	json_str(out, "event", f.event);
	sbuf_addc(out, ',');
	json_str(out, "ts", f.ts ? f.ts : "");
	for (size_t i = 0; i < f.n; i++) {
		if (strcmp(f.keys[i], "seq") == 0 ||
		    strcmp(f.keys[i], "error") == 0)
			continue;
		sbuf_addc(out, ',');
		json_str(out, f.keys[i], f.vals[i]);
	}
	const char *why = story_why(story_get(&f, "code"), story_get(&f, "sub"));
	if (why) {
		sbuf_addc(out, ',');
		json_str(out, "why", why);
	}
	if (strcmp(f.event, "tls") == 0 && story_get(&f, "fix") == NULL &&
	    tls_fix(&f, buf, sizeof(buf))) {
		sbuf_addc(out, ',');
		json_str(out, "fix", buf);
	}
	sbuf_addc(out, '}');
	story_fields_free(&f);
}

static char *
dup_or(const struct story_fields *f, const char *key)
{
	return xstrdup(story_get_or(f, key, "-"));
}

static void
cert_free(struct events_cert *c)
{
	free(c->origin);
	free(c->subject);
	free(c->sans);
	free(c->issuer);
	free(c->not_before);
	free(c->not_after);
	free(c->sha1);
	free(c->sha256);
	free(c->spki);
	free(c->verify_result);
	free(c->last_seen);
}

/* An origin record with a certificate: remember what that origin
 * presented (one entry per origin and certificate, the latest kept). */
static void
note_cert(const char *line)
{
	struct story_fields f;
	struct events_cert *c = NULL;

	if (strstr(line, "cert_sha256") == NULL ||
	    story_parse_line(line, &f) < 0)
		return;
	const char *hop = story_get(&f, "hop");
	const char *sha = story_get(&f, "cert_sha256");
	const char *arrow = hop ? strstr(hop, " -> ") : NULL;
	if (strcmp(f.event, "origin") != 0 || sha == NULL || arrow == NULL) {
		story_fields_free(&f);
		return;
	}
	const char *origin = arrow + 4;
	for (size_t i = 0; i < n_certs && c == NULL; i++)
		if (strcmp(certs[i].origin, origin) == 0 &&
		    strcmp(certs[i].sha256, sha) == 0)
			c = &certs[i];
	if (c == NULL) {
		if (n_certs == CERTS_MAX) {
			cert_free(&certs[0]);
			memmove(certs, certs + 1, (n_certs - 1) * sizeof(*certs));
			n_certs--;
		}
		certs = xrealloc(certs, (n_certs + 1) * sizeof(*certs));
		c = &certs[n_certs++];
	} else {
		cert_free(c);
	}
	c->origin = xstrdup(origin);
	c->subject = dup_or(&f, "cert_subject");
	c->sans = dup_or(&f, "cert_sans");
	c->issuer = dup_or(&f, "cert_issuer");
	c->not_before = dup_or(&f, "cert_not_before");
	c->not_after = dup_or(&f, "cert_not_after");
	c->sha1 = dup_or(&f, "cert_sha1");
	c->sha256 = dup_or(&f, "cert_sha256");
	c->spki = dup_or(&f, "cert_spki");
	c->verify_result = dup_or(&f, "verify_result");
	c->last_seen = xstrdup(f.ts ? f.ts : "-");
	story_fields_free(&f);
}

const struct events_cert *
events_certs(size_t *n)
{
	*n = n_certs;
	return certs;
}

/* New entries of this drain, for the batch: their seqs. */
struct fresh {
	uint64_t *v;
	size_t n, cap;
};

static void
fresh_add(struct fresh *f, uint64_t seq)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 256;
		f->v = xrealloc(f->v, f->cap * sizeof(*f->v));
	}
	f->v[f->n++] = seq;
}

/* The entry of seq, if the history still has it. */
static const struct entry *
entry_of(uint64_t seq)
{
	const struct entry *e = &hist[seq % EVENTS_HISTORY];

	if (e->line && e->seq == seq)
		return e;
	for (size_t i = 0; i < EVENTS_ERRORS; i++)
		if (errs[i].line && errs[i].seq == seq)
			return &errs[i];
	return NULL;
}

size_t
events_drain(struct sbuf *batch, uint64_t *skipped)
{
	struct fresh fe = { 0 }, fo = { 0 };
	static char *line;
	size_t n = 0;

	if (line == NULL)
		line = xmalloc(RECORD_MAX + 2);
	for (struct ring *r = atomic_load_explicit(&rings, memory_order_acquire);
	    r; r = r->next) {
		uint64_t head = atomic_load_explicit(&r->head,
		    memory_order_acquire);
		uint64_t tail = atomic_load_explicit(&r->tail,
		    memory_order_relaxed);
		while (tail < head) {
			uint32_t word;
			ring_copy_out(r, tail, &word, 4);
			uint32_t len = word & 0x7fffffffu;
			bool error = (word & 0x80000000u) != 0;
			ring_copy_out(r, tail + 4, line, len);
			line[len] = '\0';
			tail += 4 + ((len + 3u) & ~3u);
			uint64_t seq = ++n_total;
			entry_set(&hist[seq % EVENTS_HISTORY], seq, error, line);
			if (error)
				entry_set(&errs[seq % EVENTS_ERRORS], seq, true,
				    line);
			if (strncmp(line, "{", 1) == 0 ?
			    strstr(line, "\"event\":\"origin\"") != NULL :
			    strstr(line, " origin ") != NULL)
				note_cert(line);
			if (batch)
				fresh_add(error ? &fe : &fo, seq);
			n++;
		}
		atomic_store_explicit(&r->tail, tail, memory_order_release);
	}
	if (batch) {
		size_t sent = 0;
		for (size_t i = 0; i < fe.n + fo.n; i++) {
			uint64_t seq = i < fe.n ? fe.v[i] : fo.v[i - fe.n];
			const struct entry *e = entry_of(seq);
			if (e == NULL || sent >= EVENTS_PER_TICK) {
				(*skipped)++;
				continue;
			}
			if (sent++)
				sbuf_addc(batch, ',');
			event_json(batch, e);
		}
	}
	free(fe.v);
	free(fo.v);
	return n;
}

/* Every entry in memory from seq first on, oldest first: the errors
 * older than the history (kept apart), then the history. */
static void
each_entry(uint64_t first, void (*fn)(void *, const struct entry *),
    void *arg)
{
	uint64_t hist_first = n_total > EVENTS_HISTORY ?
	    n_total - EVENTS_HISTORY + 1 : 1;
	uint64_t prev = first ? first - 1 : 0;

	if (first < hist_first)
		for (;;) {
			const struct entry *e = NULL;
			for (size_t i = 0; i < EVENTS_ERRORS; i++)
				if (errs[i].line && errs[i].seq > prev &&
				    errs[i].seq < hist_first && (e == NULL ||
				    errs[i].seq < e->seq))
					e = &errs[i];
			if (e == NULL)
				break;
			fn(arg, e);
			prev = e->seq;
		}
	for (uint64_t s = first > hist_first ? first : hist_first;
	    n_total && s <= n_total; s++) {
		const struct entry *e = &hist[s % EVENTS_HISTORY];
		if (e->line && e->seq == s)
			fn(arg, e);
	}
}

struct json_walk {
	struct sbuf *out;
	bool any;
};

static void
json_cb(void *arg, const struct entry *e)
{
	struct json_walk *w = arg;

	if (w->any)
		sbuf_addc(w->out, ',');
	event_json(w->out, e);
	w->any = true;
}

void
events_history_json(struct sbuf *out)
{
	struct json_walk w = { out, false };

	sbuf_addc(out, '[');
	/* The history, and before it the errors kept apart: a failure
	 * before a burst of successes is still shown. */
	each_entry(0, json_cb, &w);
	sbuf_addc(out, ']');
}

static void
seek_cb(void *arg, const struct entry *e)
{
	story_seek(arg, e->line);
}

static void
take_cb(void *arg, const struct entry *e)
{
	story_take(arg, e->line);
}

int
events_explain(const char *ref, struct sbuf *out)
{
	struct story s;

	story_init(&s, ref);
	each_entry(0, seek_cb, &s);
	if (s.id == NULL) {
		story_free(&s);
		return -1;
	}
	each_entry(0, take_cb, &s);
	int rc = story_tell(&s, out);
	story_free(&s);
	return rc;
}

uint64_t
events_dropped(void)
{
	uint64_t n = 0;

	for (struct ring *r = atomic_load_explicit(&rings, memory_order_acquire);
	    r; r = r->next)
		n += atomic_load_explicit(&r->dropped, memory_order_relaxed);
	return n;
}

uint64_t
events_total(void)
{
	return n_total;
}

void
events_free_all(void)
{
	struct ring *r = atomic_exchange(&rings, NULL);

	while (r) {
		struct ring *next = r->next;
		free(r);
		r = next;
	}
	tl_ring = NULL;
	for (size_t i = 0; i < EVENTS_HISTORY; i++) {
		free(hist[i].line);
		hist[i].line = NULL;
	}
	for (size_t i = 0; i < EVENTS_ERRORS; i++) {
		free(errs[i].line);
		errs[i].line = NULL;
	}
	for (size_t i = 0; i < n_certs; i++)
		cert_free(&certs[i]);
	free(certs);
	certs = NULL;
	n_certs = 0;
	n_total = 0;
}
