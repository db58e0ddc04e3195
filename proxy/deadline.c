/*
 * deadline.c - per-duration FIFO queues of deadlines (deadline.h says why
 * this costs O(queues + expired) per check).
 */
#include "deadline.h"

#include <stdlib.h>

#include "util.h"

void
deadlines_init(struct deadlines *d)
{
	d->qs = NULL;
	d->n = d->cap = 0;
	d->armed = 0;
}

void
deadlines_free(struct deadlines *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->qs[i]);
	free(d->qs);
	deadlines_init(d);
}

static struct deadline_q *
queue_for(struct deadlines *d, int64_t ms)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->qs[i]->ms == ms)
			return d->qs[i];
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->qs = xrealloc(d->qs, d->cap * sizeof(*d->qs));
	}
	struct deadline_q *q = xcalloc(1, sizeof(*q));
	q->ms = ms;
	TAILQ_INIT(&q->list);
	d->qs[d->n++] = q;
	return q;
}

/* A queue left empty goes, so that durations of past configs (a reload
 * changed idle_timeout) do not pile up; nothing points to an empty one. */
static void
drop_if_empty(struct deadlines *d, struct deadline_q *q)
{
	if (q->n > 0)
		return;
	for (size_t i = 0; i < d->n; i++) {
		if (d->qs[i] == q) {
			d->qs[i] = d->qs[--d->n];
			free(q);
			return;
		}
	}
}

void
deadline_cancel(struct deadlines *d, struct deadline *t)
{
	if (t->at == 0)
		return;
	struct deadline_q *q = t->q;
	TAILQ_REMOVE(&q->list, t, link);
	q->n--;
	d->armed--;
	t->at = 0;
	t->q = NULL;
	/* Keep queues of durations in use; a queue is dropped only when a
	 * due check finds it empty (no churn per request). */
}

void
deadline_set(struct deadlines *d, struct deadline *t, int64_t now, int64_t ms)
{
	if (ms < 1)
		ms = 1;
	deadline_cancel(d, t);
	struct deadline_q *q = queue_for(d, ms);
	t->at = now + ms;
	t->q = q;
	/* The clock never goes back, so the tail is the latest: appending
	 * keeps the queue sorted. (A caller's now from a little earlier
	 * could place it a millisecond before the tail; walking back from
	 * the tail keeps the order exact at no cost in the common case.) */
	struct deadline *after = TAILQ_LAST(&q->list, deadline_list);
	while (after && after->at > t->at)
		after = TAILQ_PREV(after, deadline_list, link);
	if (after)
		TAILQ_INSERT_AFTER(&q->list, after, t, link);
	else
		TAILQ_INSERT_HEAD(&q->list, t, link);
	q->n++;
	d->armed++;
}

struct deadline *
deadline_due(struct deadlines *d, int64_t now)
{
	size_t i = 0;

	while (i < d->n) {
		struct deadline_q *q = d->qs[i];
		struct deadline *t = TAILQ_FIRST(&q->list);
		if (t == NULL) {
			drop_if_empty(d, q);    /* the last queue moves to i */
			continue;
		}
		if (t->at <= now) {
			deadline_cancel(d, t);
			return t;
		}
		i++;
	}
	return NULL;
}
