/*
 * test_log.c - unit tests of the structured log (proxy/log.c): text values
 * bare or quoted and escaped, so that a hostile SNI or Host can neither
 * split a record nor reach a terminal raw; JSON records that are valid JSON
 * (checked by a strict validator here, and by python3's json module when it
 * is installed); log_open appending to a file and switching files.
 *
 * Records go to a file under a mkdtemp directory and are read back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json_check.h"
#include "log.h"
#include "util.h"

static char top[PATH_MAX], file[PATH_MAX];

/* The SNI of an attacker: a quote, a newline and a terminal escape. */
static const char hostile[] = "a\"b\nc\x1b[31m";

static int
group_setup(void **state)
{
	(void)state;
	if (fixture_tmpdir(top, sizeof(top), "log") < 0)
		return -1;
	snprintf(file, sizeof(file), "%s/edgesim.log", top);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	log_close();
	fixture_rmtree(top);
	return 0;
}

/* The whole file; the caller frees it. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = xmalloc(1 << 20);
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* Start a fresh log file in format fmt. */
static void
fresh(enum log_format fmt)
{
	struct es_err err = { "" };

	unlink(file);
	if (log_open(file, fmt, &err) != 0)
		fail_msg("log_open: %s", err.msg);
	assert_int_equal(log_format_current(), fmt);
}

/* Whether s[0..] starts a raw byte the log must never hold: a C0 control,
 * DEL, or a byte of an invalid or C1 UTF-8 sequence (printable UTF-8 is
 * allowed). Returns the number of bytes to skip when it is allowed. */
static size_t
allowed_run(const unsigned char *s)
{
	if (s[0] >= 0x20 && s[0] < 0x7f)
		return 1;
	if (s[0] == 0xc3 && (s[1] & 0xc0) == 0x80)
		return 2;       /* the Latin-1 letters of the tests (é) */
	return 0;
}

/* The one record in the file, which must be one line of printable text. */
static char *
only_record(const char *what)
{
	size_t len, i;
	char *s = slurp(file, &len);

	if (len == 0 || s[len - 1] != '\n' || memchr(s, '\n', len) != s + len - 1)
		fail_msg("%s: not one line: \"%s\"", what, s);
	for (i = 0; i + 1 < len; ) {
		size_t k = allowed_run((const unsigned char *)s + i);
		if (k == 0)
			fail_msg("%s: raw byte 0x%02x at %zu", what,
			    (unsigned char)s[i], i);
		i += k;
	}
	s[len - 1] = '\0';
	return s;
}

/* ---- text records ----------------------------------------------------------- */

struct text_case {
	const char *value;
	size_t n;                       /* 0: strlen(value) */
	const char *want;               /* how " k=" renders it */
};

static const struct text_case text_cases[] = {
	{ "plain", 0, "plain" },
	{ "www.example.com:8443", 0, "www.example.com:8443" },
	{ "/api/x?y", 0, "/api/x?y" },
	{ "", 0, "\"\"" },
	{ "two words", 0, "\"two words\"" },
	{ "a=b", 0, "\"a=b\"" },
	{ "a\"b", 0, "\"a\\\"b\"" },
	{ "back\\slash", 0, "\"back\\\\slash\"" },
	{ "line\nbreak", 0, "\"line\\nbreak\"" },
	{ "cr\rlf", 0, "\"cr\\rlf\"" },
	{ "tab\there", 0, "\"tab\\there\"" },
	{ "\x1b[31mred", 0, "\"\\u001b[31mred\"" },
	{ "bell\x07", 0, "\"bell\\u0007\"" },
	{ "del\x7f", 0, "\"del\\u007f\"" },
	{ "caf\xc3\xa9", 0, "\"caf\xc3\xa9\"" },          /* UTF-8 passes */
	{ "caf\xc3", 0, "\"caf\\u00c3\"" },                 /* cut short */
	{ "c1\xc2\x9b[31m", 0, "\"c1\\u00c2\\u009b[31m\"" },  /* C1 CSI */
	{ "\xff", 0, "\"\\u00ff\"" },
	{ "a\0b", 3, "\"a\\u0000b\"" },
	{ "cut here", 3, "cut" },
	{ hostile, 0, "\"a\\\"b\\nc\\u001b[31m\"" },
};

static void
test_text_values(void **state)
{
	char want[256];
	size_t i;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(text_cases); i++) {
		const struct text_case *c = &text_cases[i];
		struct log_rec r;
		char *line;

		fresh(LOG_FORMAT_TEXT);
		log_begin(&r, "request");
		log_strn(&r, "k", c->value, c->n ? c->n : strlen(c->value));
		log_str(&r, "after", "x");
		log_end(&r);
		line = only_record(c->want);
		snprintf(want, sizeof(want), " request k=%s after=x", c->want);
		if (!str_has_suffix(line, want))
			fail_msg("value %zu: record \"%s\", want it to end \"%s\"",
			    i, line, want);
		free(line);
	}
}

static void
test_text_fields(void **state)
{
	struct log_rec r;
	regex_t re;
	char *line;

	(void)state;
	fresh(LOG_FORMAT_TEXT);
	log_begin(&r, "origin_tls");
	log_int(&r, "n", -5);
	log_int(&r, "big", INT64_MAX);
	log_bool(&r, "yes", true);
	log_bool(&r, "no", false);
	log_hex(&r, "id", 0x2c1382d);
	log_str(&r, "absent", NULL);
	log_strn(&r, "absent2", NULL, 4);
	log_end(&r);
	line = only_record("fields");
	assert_int_equal(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:"
	    "[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z origin_tls n=-5 "
	    "big=9223372036854775807 yes=yes no=no id=2c1382d$",
	    REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&re, line, 0, NULL, 0) != 0)
		fail_msg("record \"%s\"", line);
	regfree(&re);
	free(line);

	/* A discarded record writes nothing; log_end after it neither. */
	fresh(LOG_FORMAT_TEXT);
	log_begin(&r, "request");
	log_str(&r, "k", "v");
	log_discard(&r);
	log_end(&r);
	line = slurp(file, NULL);
	assert_string_equal(line, "");
	free(line);

	/* log_msg: printf-formatted, then escaped like any value */
	fresh(LOG_FORMAT_TEXT);
	log_warn("sni=%s port=%d", hostile, 8443);
	line = only_record("log_warn");
	if (!str_has_suffix(line, " warning msg=\"sni=a\\\"b\\nc\\u001b[31m "
	    "port=8443\""))
		fail_msg("record \"%s\"", line);
	free(line);
}

/* ---- JSON records ----------------------------------------------------------- */

/* The validator itself, on known good and bad documents. */
static void
test_json_validator(void **state)
{
	static const char *const good[] = {
		"{}", "{\"a\":1}", " {\"a\":[1,-2.5e+3,true,false,null,\"x\"]} ",
		"{\"a\":{\"b\":\"\\u00e9\\n\\\"\"}}", "{\"a\":0}",
	};
	static const char *const bad[] = {
		"", "[]", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{a:1}",
		"{\"a\":01}", "{\"a\":\"\n\"}", "{\"a\":\"\\x41\"}",
		"{\"a\":\"\\u00e\"}", "{\"a\":tru}", "{\"a\":1}x", "{\"a\":\"}",
		"{\"a\":1}{}", "{\"a\":-}", "{\"a\":1.}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(good); i++)
		if (!json_valid_object(good[i]))
			fail_msg("validator refuses %s", good[i]);
	for (i = 0; i < ES_ARRAY_LEN(bad); i++)
		if (json_valid_object(bad[i]))
			fail_msg("validator accepts %s", bad[i]);
}

static bool
have_python3(void)
{
	return system("python3 -c 'import json' >/dev/null 2>&1") == 0;
}

/*
 * Every line of the file parses as JSON in python3, and the fields it
 * checks decode to what was logged.
 */
static const char py_check[] =
    "import json, sys\n"
    "lines = open(sys.argv[1], 'rb').read().split(b'\\n')\n"
    "assert lines[-1] == b'', 'no final newline'\n"
    "recs = [json.loads(l) for l in lines[:-1]]\n"
    "r = recs[0]\n"
    "assert r['event'] == 'request', r\n"
    "assert r['sni'] == 'a\"b\\nc\\x1b[31m', repr(r['sni'])\n"
    "assert r['host'] == 'x\\\\y', repr(r['host'])\n"
    "assert r['nul'] == 'a\\x00b', repr(r['nul'])\n"
    "assert r['n'] == -5 and r['ok'] is True and r['bad'] is False, r\n"
    "assert r['id'] == '2c1382d', r\n"
    "assert list(r)[:2] == ['ts', 'event'], list(r)\n"
    "assert recs[1]['msg'] == 'sni=a\"b\\nc\\x1b[31m', recs[1]\n"
    "assert recs[1]['event'] == 'error', recs[1]\n";

static void
test_json_records(void **state)
{
	char cmd[PATH_MAX * 2 + 64], script[PATH_MAX];
	struct log_rec r;
	char *all, *line, *save = NULL;
	size_t n = 0;
	FILE *f;

	(void)state;
	fresh(LOG_FORMAT_JSON);
	log_begin(&r, "request");
	log_str(&r, "sni", hostile);
	log_str(&r, "host", "x\\y");
	log_strn(&r, "nul", "a\0b", 3);
	log_str(&r, "utf8", "caf\xc3\xa9 \xff");
	log_str(&r, "empty", "");
	log_str(&r, "absent", NULL);
	log_int(&r, "n", -5);
	log_bool(&r, "ok", true);
	log_bool(&r, "bad", false);
	log_hex(&r, "id", 0x2c1382d);
	log_end(&r);
	log_error("sni=%s", hostile);

	all = slurp(file, NULL);
	for (line = strtok_r(all, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), n++) {
		if (!json_valid_object(line))
			fail_msg("not JSON: %s", line);
		for (const char *p = line; *p; ) {
			size_t k = allowed_run((const unsigned char *)p);
			if (k == 0)
				fail_msg("raw byte 0x%02x in %s", (unsigned char)*p,
				    line);
			p += k;
		}
		if (!str_has_prefix(line, "{\"ts\":\""))
			fail_msg("ts is not first: %s", line);
	}
	assert_int_equal(n, 2);
	free(all);

	if (!have_python3())
		return;
	snprintf(script, sizeof(script), "%s/check.py", top);
	f = fopen(script, "w");
	assert_non_null(f);
	fputs(py_check, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 '%s' '%s'", script, file);
	if (system(cmd) != 0)
		fail_msg("python3's json refuses the records (see above)");
}

/* ---- log_open ---------------------------------------------------------------- */

/* The descriptor that is open on path, or -1 (via /proc/self/fd). */
static int
fd_of(const char *path)
{
	char link[64], target[PATH_MAX];
	int found = -1;

	for (int fd = 0; fd < 1024; fd++) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, path) == 0) {
			if (found >= 0)
				fail_msg("%s is open twice (%d, %d)", path, found,
				    fd);
			found = fd;
		}
	}
	return found;
}

static void
test_open_appends(void **state)
{
	struct es_err err = { "" };
	struct log_rec r;
	char other[PATH_MAX], bad[PATH_MAX];
	char *s;
	FILE *f;
	int fd;

	(void)state;
	unlink(file);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("existing line\n", f);
	fclose(f);

	assert_int_equal(log_open(file, LOG_FORMAT_TEXT, &err), 0);
	log_begin(&r, "first");
	log_end(&r);
	/* opening the same file again (SIGHUP) appends too */
	assert_int_equal(log_open(file, LOG_FORMAT_JSON, &err), 0);
	assert_int_equal(log_format_current(), LOG_FORMAT_JSON);
	log_begin(&r, "second");
	log_end(&r);
	s = slurp(file, NULL);
	if (!str_has_prefix(s, "existing line\n") ||
	    strstr(s, " first\n") == NULL ||
	    strstr(s, "\"event\":\"second\"}\n") == NULL ||
	    strstr(s, " first\n") > strstr(s, "second"))
		fail_msg("file holds \"%s\"", s);
	free(s);

	/* a file that cannot be opened: an error naming it, and records
	 * keep going where they went */
	snprintf(bad, sizeof(bad), "%s/no/such/dir/x.log", top);
	memset(&err, 0, sizeof(err));
	assert_int_equal(log_open(bad, LOG_FORMAT_TEXT, &err), -1);
	assert_non_null(strstr(err.msg, bad));
	log_begin(&r, "third");
	log_end(&r);
	s = slurp(file, NULL);
	assert_non_null(strstr(s, "\"event\":\"third\"}\n"));
	free(s);

	/* switching to another file: the old one gets nothing more, and is
	 * closed. Reopening never closes the descriptor records are being
	 * written through (a worker may hold it while SIGHUP reopens):
	 * the same number now refers to the new file. */
	snprintf(other, sizeof(other), "%s/other.log", top);
	fd = fd_of(file);
	assert_true(fd > 2);
	assert_int_equal(log_open(other, LOG_FORMAT_TEXT, &err), 0);
	assert_int_equal(fd_of(file), -1);
	assert_int_equal(fd_of(other), fd);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	log_begin(&r, "fourth");
	log_end(&r);
	s = slurp(file, NULL);
	assert_null(strstr(s, "fourth"));
	free(s);
	s = slurp(other, NULL);
	assert_non_null(strstr(s, " fourth\n"));
	free(s);
	/* to stderr and back: still the one descriptor */
	assert_int_equal(log_open("stderr", LOG_FORMAT_TEXT, &err), 0);
	assert_int_equal(log_open(file, LOG_FORMAT_TEXT, &err), 0);
	assert_int_equal(fd_of(file), fd);
	assert_int_equal(fd_of(other), -1);
	log_close();
	assert_int_equal(fd_of(file), -1);
	unlink(other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_values),
		cmocka_unit_test(test_text_fields),
		cmocka_unit_test(test_json_validator),
		cmocka_unit_test(test_json_records),
		cmocka_unit_test(test_open_appends),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
