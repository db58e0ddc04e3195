/*
 * test_deadline.c - unit tests of the per-duration deadline queues
 * (proxy/deadline.c): expiry in order within and across durations,
 * re-arming and cancelling (from the middle, the head, the tail), what a
 * due check looks at (queue heads only: 100,000 armed deadlines cost the
 * check nothing), and queues of unused durations going away.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "deadline.h"
#include "util.h"

struct owner {
	int id;
	struct deadline t;
};

static struct owner *
owner_of(struct deadline *t)
{
	return (struct owner *)((char *)t - offsetof(struct owner, t));
}

/* Every deadline due at now, as owner ids, in the order returned. */
static size_t
drain(struct deadlines *d, int64_t now, int *ids, size_t cap)
{
	struct deadline *t;
	size_t n = 0;

	while ((t = deadline_due(d, now)) != NULL) {
		assert_int_equal(t->at, 0);     /* disarmed when returned */
		if (n < cap)
			ids[n] = owner_of(t)->id;
		n++;
	}
	return n;
}

static void
test_order(void **state)
{
	struct deadlines d;
	struct owner o[6];
	int ids[8];

	(void)state;
	memset(o, 0, sizeof(o));
	for (int i = 0; i < 6; i++)
		o[i].id = i;
	deadlines_init(&d);
	/* Three durations, armed at different times. */
	deadline_set(&d, &o[0].t, 1000, 60000);         /* 61000 */
	deadline_set(&d, &o[1].t, 1000, 10000);         /* 11000 */
	deadline_set(&d, &o[2].t, 2000, 10000);         /* 12000 */
	deadline_set(&d, &o[3].t, 2500, 1000);          /*  3500 */
	deadline_set(&d, &o[4].t, 3000, 60000);         /* 63000 */
	deadline_set(&d, &o[5].t, 3000, 1000);          /*  4000 */
	assert_int_equal(d.armed, 6);
	assert_int_equal(d.n, 3);
	assert_int_equal(drain(&d, 3499, ids, 8), 0);
	assert_int_equal(drain(&d, 3500, ids, 8), 1);
	assert_int_equal(ids[0], 3);
	assert_int_equal(drain(&d, 11999, ids, 8), 2);
	assert_true((ids[0] == 5 && ids[1] == 1) || (ids[0] == 1 && ids[1] == 5));
	assert_int_equal(drain(&d, 70000, ids, 8), 3);
	assert_int_equal(d.armed, 0);
	assert_int_equal(drain(&d, 80000, ids, 8), 0);
	assert_int_equal(d.n, 0);       /* empty queues went */
	deadlines_free(&d);
}

static void
test_rearm_cancel(void **state)
{
	struct deadlines d;
	struct owner o[4];
	int ids[8];

	(void)state;
	memset(o, 0, sizeof(o));
	for (int i = 0; i < 4; i++)
		o[i].id = i;
	deadlines_init(&d);
	for (int i = 0; i < 4; i++)
		deadline_set(&d, &o[i].t, 100 + i, 1000);
	/* Cancel the head, one in the middle, and cancel twice. */
	deadline_cancel(&d, &o[0].t);
	deadline_cancel(&d, &o[2].t);
	deadline_cancel(&d, &o[2].t);
	assert_int_equal(d.armed, 2);
	/* Re-arm one to another duration, one to the same (moves to the
	 * tail). */
	deadline_set(&d, &o[1].t, 500, 5000);           /* 5500 */
	deadline_set(&d, &o[3].t, 600, 1000);           /* 1600 */
	assert_int_equal(d.armed, 2);
	assert_int_equal(drain(&d, 1599, ids, 8), 0);
	assert_int_equal(drain(&d, 1600, ids, 8), 1);
	assert_int_equal(ids[0], 3);
	assert_int_equal(drain(&d, 5500, ids, 8), 1);
	assert_int_equal(ids[0], 1);
	/* An owner that re-arms itself while being handled. */
	deadline_set(&d, &o[0].t, 6000, 100);
	struct deadline *t = deadline_due(&d, 6100);
	assert_ptr_equal(t, &o[0].t);
	deadline_set(&d, t, 6100, 100);
	assert_null(deadline_due(&d, 6100));
	assert_ptr_equal(deadline_due(&d, 6200), &o[0].t);
	/* A "now" a little older than the tail's still lands in order. */
	deadline_set(&d, &o[1].t, 9000, 100);
	deadline_set(&d, &o[2].t, 8990, 100);
	assert_ptr_equal(deadline_due(&d, 9095), &o[2].t);
	assert_null(deadline_due(&d, 9095));
	assert_ptr_equal(deadline_due(&d, 9100), &o[1].t);
	deadlines_free(&d);
}

/* 100,000 armed: nothing due looks at queue heads only; everything due
 * comes out in order. */
static void
test_many(void **state)
{
	enum { N = 100000 };
	struct deadlines d;
	struct owner *o = xcalloc(N, sizeof(*o));
	int64_t last = 0;

	(void)state;
	deadlines_init(&d);
	for (int i = 0; i < N; i++) {
		o[i].id = i;
		deadline_set(&d, &o[i].t, i / 10, i % 3 ? 60000 : 10000);
	}
	assert_int_equal(d.armed, N);
	assert_int_equal(d.n, 2);
	for (int k = 0; k < 1000; k++)
		assert_null(deadline_due(&d, 9999));
	/* The 10 s ones are due in order of their arming. */
	struct deadline *t;
	size_t n = 0;
	while ((t = deadline_due(&d, 10000 + N / 10)) != NULL) {
		assert_true(t->q == NULL);
		assert_true(owner_of(t)->id % 3 == 0);
		assert_true(owner_of(t)->id >= last);
		last = owner_of(t)->id;
		n++;
	}
	assert_int_equal(n, (N + 2) / 3);
	/* Cancelling the rest one by one is O(1) each. */
	for (int i = 0; i < N; i++)
		deadline_cancel(&d, &o[i].t);
	assert_int_equal(d.armed, 0);
	deadlines_free(&d);
	free(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_rearm_cancel),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
