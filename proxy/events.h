/*
 * events.h - the recent records of the data path, for the dashboard's
 * live view (/events), its history, and /explain/REF.
 *
 * A worker copies a record (the very text of its log line) into a ring of
 * its own, a single-producer single-consumer byte ring: no lock, one
 * release store. The admin thread drains every ring on a timer into a
 * history (the last EVENTS_HISTORY records, and the last EVENTS_ERRORS
 * error records apart, so a failure stays explainable under heavy
 * traffic) and hands the new ones to the event streams. A ring that is
 * full drops the record and counts it: a worker never waits for the
 * admin thread, and past three quarters full only error records are
 * kept. So the cost to a worker is bounded by the ring's size per drain
 * interval, whatever the load.
 */
#ifndef EDGESIM_EVENTS_H
#define EDGESIM_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "util.h"

#define EVENTS_HISTORY 512
#define EVENTS_ERRORS 256
/* Per drain (each ADMIN_TICK_MS), at most this many events are sent to
 * the event streams; errors first, the rest counted as skipped. */
#define EVENTS_PER_TICK 100

/* Worker side: copy the record being built (before its log_end). */
void events_push(const struct log_rec *rec, bool error);

/* --- the admin thread only, from here on --- */

/* Move every ring's records into the history. When batch is not NULL,
 * append the new events to it as JSON objects separated by commas
 * (errors first, at most EVENTS_PER_TICK), and count the others in
 * *skipped. Returns the number of new records. */
size_t events_drain(struct sbuf *batch, uint64_t *skipped);
/* The history as a JSON array of events, oldest first: the last
 * EVENTS_HISTORY records, and the error records before them still kept. */
void events_history_json(struct sbuf *out);
/* The story of ref from the records in memory; -1 when not found. */
int events_explain(const char *ref, struct sbuf *out);
/* Records dropped by full rings, and drained, since start. */
uint64_t events_dropped(void);
uint64_t events_total(void);

/* A certificate an origin presented, as its records say (latest each). */
struct events_cert {
	char *origin;
	char *subject, *sans, *issuer, *not_before, *not_after;
	char *sha1, *sha256, *spki;
	char *verify_result;
	char *last_seen;
};
/* The certificates origins presented, and how many. */
const struct events_cert *events_certs(size_t *n);

/* Free everything (at exit, once no worker runs). */
void events_free_all(void);

#endif
