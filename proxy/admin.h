/*
 * admin.h - the admin listener (`[edgesim] admin = ADDR:PORT`): the
 * dashboard, its event stream, /metrics, /certs, /config, /explain/REF.
 *
 * It runs on the main thread's event loop, the one that handles signals
 * and reloads, never on a worker's: nothing an admin client does (a slow
 * reader, a thousand event streams, a scrape) takes a moment from a
 * viewer's connection. Workers only copy records into their own rings
 * and bump their own counters (observe.h); the admin thread reads those.
 */
#ifndef EDGESIM_ADMIN_H
#define EDGESIM_ADMIN_H

#include <event2/event.h>
#include <stdbool.h>

#include "runtime.h"
#include "util.h"

/* Start serving on base when rt's config has `admin` (else nothing);
 * call before the workers start. -1 with err when it cannot listen. */
int admin_start(struct event_base *base, struct runtime *rt,
    struct es_err *err);
/* A reload: rt is the new runtime (NULL: refused, the old one stays). */
void admin_reloaded(struct runtime *rt);
/* Close the listener and every admin connection. */
void admin_stop(void);
/* Free what the workers filled (rings, counters): once they are joined. */
void admin_free(void);

#endif
