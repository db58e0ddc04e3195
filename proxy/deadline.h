/*
 * deadline.h - connection deadlines whose cost does not grow with the
 * number of connections waiting.
 *
 * A worker has thousands of connections, each with at most one deadline
 * (header_timeout, idle_timeout, a built-in origin's delay, the 1 s grace
 * of a stop), and only a handful of distinct durations. So deadlines are
 * kept in one FIFO queue per duration: a deadline set to now + d joins the
 * tail of d's queue, and since the clock only moves forward, every queue
 * stays sorted by expiry. Setting and cancelling are O(1) (an intrusive
 * list, no allocation per connection), and finding what is due looks at
 * the head of each queue: O(queues + expired), not O(connections). It is
 * libevent's "common timeouts" idea without an event per connection (an
 * idle connection keeps 24 bytes for it, not a struct event).
 *
 * The owner (the worker) polls deadline_due on a coarse tick; nothing here
 * touches the event loop, so it is a pure, unit-tested data structure.
 */
#ifndef EDGESIM_DEADLINE_H
#define EDGESIM_DEADLINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

struct deadline_q;

/* Embedded in its owner (a connection); zeroed means not armed. */
struct deadline {
	int64_t at;                     /* ms, monotonic; 0: not armed */
	struct deadline_q *q;
	TAILQ_ENTRY(deadline) link;
};

TAILQ_HEAD(deadline_list, deadline);

struct deadline_q {
	int64_t ms;                     /* the duration of every member */
	struct deadline_list list;      /* sorted by at: earliest first */
	size_t n;
};

/* A worker's queues: a few, one per duration in use. */
struct deadlines {
	struct deadline_q **qs;
	size_t n, cap;
	size_t armed;                   /* deadlines armed, all queues */
};

void deadlines_init(struct deadlines *d);
/* Free the queues; deadlines still armed are forgotten (their owners are
 * being freed with them). */
void deadlines_free(struct deadlines *d);

/* Arm t to expire at now + ms (ms > 0), replacing what it was armed to. */
void deadline_set(struct deadlines *d, struct deadline *t, int64_t now,
    int64_t ms);
/* Disarm t (harmless when it is not armed). */
void deadline_cancel(struct deadlines *d, struct deadline *t);

/* One deadline due at now (at <= now), disarmed, or NULL when none is.
 * Call until NULL; an owner may re-arm or free its deadline meanwhile. */
struct deadline *deadline_due(struct deadlines *d, int64_t now);

#endif
