/*
 * log.h - structured log records, as text (key=value) or JSON lines.
 *
 * A record is built field by field and written whole with write(2) (alone,
 * or in a batch of whole records), so lines from several workers never
 * interleave. Values are escaped (client-supplied
 * SNI and Host values included); key material never reaches this module.
 */
#ifndef EDGESIM_LOG_H
#define EDGESIM_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "util.h"

struct log_rec {
	struct sbuf *b;                 /* where it is built */
	struct sbuf own;                /* unless its thread batches */
	size_t start;                   /* its first byte in *b */
	bool json;
	bool open;
};

/*
 * Send records to dest ("stderr", "stdout" or a file, appended) in format.
 * May be called again (SIGHUP) to switch; the previous file is closed.
 */
int log_open(const char *dest, enum log_format format, struct es_err *err);
void log_close(void);
enum log_format log_format_current(void);

/* Start a record of kind event ("request", "origin_tls", "error", ...). */
void log_begin(struct log_rec *r, const char *event);
void log_str(struct log_rec *r, const char *key, const char *value);
void log_strn(struct log_rec *r, const char *key, const char *value, size_t n);
void log_int(struct log_rec *r, const char *key, int64_t value);
void log_bool(struct log_rec *r, const char *key, bool value);
/* A request id, in hex as Akamai references spell it. */
void log_hex(struct log_rec *r, const char *key, uint64_t value);
/* The record as built so far (no final newline or closing brace yet),
 * for a copy taken just before log_end (events.c). */
const char *log_rec_text(const struct log_rec *r, size_t *len);
/* Write the record and release it. */
void log_end(struct log_rec *r);
/* Release a record without writing it. */
void log_discard(struct log_rec *r);

/*
 * Batching, for worker threads: records of the calling thread are collected
 * and written with one write(2) when 64 KiB have gathered or when
 * log_flush is called, instead of one write per record. wake(arg) is
 * called when a record starts a new batch: a worker makes it run
 * log_flush once the events at hand are handled, so under load a batch
 * holds many records, and when idle a record is written at once.
 * log_batch_end flushes and stops batching.
 */
void log_batch_begin(void (*wake)(void *), void *arg);
void log_flush(void);
void log_batch_end(void);

/* A one-field message record: event=level, msg="...". */
void log_msg(const char *level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define log_info(...) log_msg("info", __VA_ARGS__)
#define log_warn(...) log_msg("warning", __VA_ARGS__)
#define log_error(...) log_msg("error", __VA_ARGS__)

#endif
