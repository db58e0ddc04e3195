/*
 * log.c - write structured records to stderr, stdout or a file.
 *
 * Text records read "TIMESTAMP event key=value key="quoted value" ...";
 * JSON records are one object per line with "ts" and "event" first. Both
 * escape every value the same way (util's JSON escaping), so a hostile SNI
 * or Host header cannot forge a record or a terminal escape.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static _Atomic int log_fd = 2;

/* Records of one worker thread, written together (see log_batch_begin). */
#define LOG_BATCH_MAX (64 * 1024)
static _Thread_local struct sbuf tl_batch;
static _Thread_local bool tl_batching;
static _Thread_local bool tl_building;  /* a record is being built in it */
static _Thread_local void (*tl_wake)(void *);
static _Thread_local void *tl_wake_arg;
static _Atomic int log_fmt = LOG_FORMAT_TEXT;
/*
 * The descriptor log files are written through, once one was opened (-1
 * before). Workers load log_fd and then write, so a reopen (SIGHUP) must
 * never close the number they may hold: another thread's accept could get
 * it, and a record would go to a viewer's socket. A new file is dup2()ed
 * onto this same number instead, which switches it atomically. Only
 * log_open and log_close, called by one thread, touch it.
 */
static int log_file_fd = -1;

int
log_open(const char *dest, enum log_format format, struct es_err *err)
{
	int fd;

	if (strcmp(dest, "stderr") == 0)
		fd = 2;
	else if (strcmp(dest, "stdout") == 0)
		fd = 1;
	else {
		fd = open(dest, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return es_errf(err, "cannot open log file '%s': %s", dest,
			    strerror(errno));
		if (log_file_fd < 0) {
			log_file_fd = fd;
		} else {
			/* dup2 clears FD_CLOEXEC on log_file_fd: set it again. */
			if (dup3(fd, log_file_fd, O_CLOEXEC) < 0) {
				int e = errno;
				close(fd);
				return es_errf(err, "cannot switch the log to '%s': "
				    "%s", dest, strerror(e));
			}
			close(fd);
			fd = log_file_fd;
		}
	}
	/* Switching to stderr or stdout leaves log_file_fd open (on the old
	 * file) for the same reason; the next file reuses it. */
	atomic_store(&log_fd, fd);
	atomic_store(&log_fmt, (int)format);
	return 0;
}

/* At exit, once no other thread logs. */
void
log_close(void)
{
	atomic_store(&log_fd, 2);
	if (log_file_fd >= 0)
		close(log_file_fd);
	log_file_fd = -1;
}

enum log_format
log_format_current(void)
{
	return (enum log_format)atomic_load(&log_fmt);
}

void
log_begin(struct log_rec *r, const char *event)
{
	static _Thread_local time_t when_sec = -1;
	static _Thread_local char when[32];     /* "2026-11-23T08:00:00." */
	struct timespec ts;
	char ms[8];

	/* The date part changes once a second: format it then, not for
	 * every record. */
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != when_sec) {
		struct tm tm;
		gmtime_r(&ts.tv_sec, &tm);
		snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
		when_sec = ts.tv_sec;
	}
	long milli = ts.tv_nsec / 1000000;
	ms[0] = (char)('0' + milli / 100);
	ms[1] = (char)('0' + milli / 10 % 10);
	ms[2] = (char)('0' + milli % 10);
	ms[3] = 'Z';
	ms[4] = '\0';
	/* A worker that batches builds the record right into its batch (no
	 * allocation per record); anyone else, or a record opened while
	 * another is being built, uses the record's own buffer. */
	if (tl_batching && !tl_building) {
		r->b = &tl_batch;
		r->start = tl_batch.len;
		tl_building = true;
	} else {
		sbuf_init(&r->own);
		r->b = &r->own;
		r->start = 0;
	}
	r->json = log_format_current() == LOG_FORMAT_JSON;
	r->open = true;
	if (r->json) {
		sbuf_adds(r->b, "{\"ts\":\"");
		sbuf_adds(r->b, when);
		sbuf_adds(r->b, ms);
		sbuf_adds(r->b, "\",\"event\":\"");
		sbuf_adds(r->b, event);
		sbuf_addc(r->b, '"');
	} else {
		sbuf_adds(r->b, when);
		sbuf_adds(r->b, ms);
		sbuf_addc(r->b, ' ');
		sbuf_adds(r->b, event);
	}
}

/* `,"key":` or ` key=`: keys are ours, never client data. */
static void
add_key(struct log_rec *r, const char *key)
{
	if (r->json) {
		sbuf_adds(r->b, ",\"");
		sbuf_adds(r->b, key);
		sbuf_adds(r->b, "\":");
	} else {
		sbuf_addc(r->b, ' ');
		sbuf_adds(r->b, key);
		sbuf_addc(r->b, '=');
	}
}

/* Text values are bare when they are plain words, else JSON-quoted. */
static bool
needs_quotes(const char *s, size_t n)
{
	if (n == 0)
		return true;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '=')
			return true;
	}
	return false;
}

void
log_strn(struct log_rec *r, const char *key, const char *value, size_t n)
{
	if (value == NULL)
		return;
	add_key(r, key);
	if (r->json || needs_quotes(value, n)) {
		sbuf_addc(r->b, '"');
		sbuf_add_json_escaped(r->b, value, n);
		sbuf_addc(r->b, '"');
	} else {
		sbuf_add(r->b, value, n);
	}
}

void
log_str(struct log_rec *r, const char *key, const char *value)
{
	if (value)
		log_strn(r, key, value, strlen(value));
}

void
log_int(struct log_rec *r, const char *key, int64_t value)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t v = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;

	add_key(r, key);
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (value < 0)
		*--p = '-';
	sbuf_add(r->b, p, (size_t)(buf + sizeof(buf) - p));
}

void
log_hex(struct log_rec *r, const char *key, uint64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llx", (unsigned long long)value);
	log_str(r, key, buf);
}

void
log_bool(struct log_rec *r, const char *key, bool value)
{
	if (r->json)
		sbuf_addf(r->b, ",\"%s\":%s", key, value ? "true" : "false");
	else
		sbuf_addf(r->b, " %s=%s", key, value ? "yes" : "no");
}

const char *
log_rec_text(const struct log_rec *r, size_t *len)
{
	if (!r->open || r->b == NULL || r->b->s == NULL) {
		*len = 0;
		return "";
	}
	*len = r->b->len - r->start;
	return r->b->s + r->start;
}

static void
write_all(const char *p, size_t n)
{
	int fd = atomic_load(&log_fd);
	size_t off = 0;

	while (off < n) {
		ssize_t w = write(fd, p + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;  /* a full disk must not stop the proxy */
		off += (size_t)w;
	}
}

void
log_end(struct log_rec *r)
{
	if (!r->open)
		return;
	sbuf_adds(r->b, r->json ? "}\n" : "\n");
	if (r->b == &tl_batch) {
		tl_building = false;
		r->open = false;
		if (tl_batch.len >= LOG_BATCH_MAX)
			log_flush();
		else if (r->start == 0 && tl_wake)
			tl_wake(tl_wake_arg);   /* the first of a batch */
		return;
	}
	write_all(r->b->s, r->b->len);
	log_discard(r);
}

void
log_discard(struct log_rec *r)
{
	if (r->b == &tl_batch) {
		tl_batch.len = r->start;        /* drop this record only */
		if (tl_batch.s)
			tl_batch.s[tl_batch.len] = '\0';
		tl_building = false;
	} else if (r->b) {
		sbuf_free(r->b);
	}
	r->open = false;
}

void
log_batch_begin(void (*wake)(void *), void *arg)
{
	tl_batching = true;
	tl_wake = wake;
	tl_wake_arg = arg;
}

void
log_flush(void)
{
	if (tl_batch.len == 0 || tl_building)
		return;
	write_all(tl_batch.s, tl_batch.len);
	sbuf_reset(&tl_batch);
}

void
log_batch_end(void)
{
	log_flush();
	sbuf_free(&tl_batch);
	tl_batching = false;
}

void
log_msg(const char *level, const char *fmt, ...)
{
	struct log_rec r;
	struct sbuf m;
	va_list ap;

	sbuf_init(&m);
	va_start(ap, fmt);
	sbuf_vaddf(&m, fmt, ap);
	va_end(ap);
	log_begin(&r, level);
	log_strn(&r, "msg", m.s ? m.s : "", m.len);
	log_end(&r);
	sbuf_free(&m);
}
