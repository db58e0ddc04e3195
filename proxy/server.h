/*
 * server.h - `edgesim run`: start every edge of a config and keep them
 * running: SIGHUP reloads (swapping in a config only when it is valid),
 * SIGTERM/SIGINT stop after the requests in flight (bounded by
 * shutdown_timeout).
 */
#ifndef EDGESIM_SERVER_H
#define EDGESIM_SERVER_H

struct strlist;

/* Returns the process exit status: 0 after a clean stop, 1 when the edges
 * could not start, 2 for an invalid config. edges (may be NULL or empty):
 * run only these edges of the config. */
int server_run(const char *config_path, const struct strlist *edges);

#endif
