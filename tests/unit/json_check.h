/*
 * json_check.h - a strict JSON validator for the unit tests that check
 * JSON output (log records, the echo origin): RFC 8259, no raw control
 * bytes in strings, nesting bounded. Included by the tests that use it.
 */
#ifndef EDGESIM_TEST_JSON_CHECK_H
#define EDGESIM_TEST_JSON_CHECK_H

#include <stdbool.h>
#include <string.h>

/* A strict JSON validator: RFC 8259, no raw control bytes in strings. */
struct json {
	const char *p;
	int depth;
};

static bool json_value(struct json *j);

static void
json_ws(struct json *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
		j->p++;
}

static bool
json_string(struct json *j)
{
	if (*j->p++ != '"')
		return false;
	for (;;) {
		unsigned char c = (unsigned char)*j->p++;

		if (c == '"')
			return true;
		if (c < 0x20)
			return false;           /* NUL (the end) included */
		if (c != '\\')
			continue;
		c = (unsigned char)*j->p++;
		if (c == 'u') {
			for (int k = 0; k < 4; k++)
				if (!strchr("0123456789abcdefABCDEF", *j->p++) ||
				    j->p[-1] == '\0')
					return false;
		} else if (!strchr("\"\\/bfnrt", c) || c == '\0') {
			return false;
		}
	}
}

static bool
json_digits(struct json *j)
{
	const char *s = j->p;

	while (*j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s;
}

static bool
json_number(struct json *j)
{
	if (*j->p == '-')
		j->p++;
	if (*j->p == '0')
		j->p++;
	else if (!json_digits(j))
		return false;
	if (*j->p == '.') {
		j->p++;
		if (!json_digits(j))
			return false;
	}
	if (*j->p == 'e' || *j->p == 'E') {
		j->p++;
		if (*j->p == '+' || *j->p == '-')
			j->p++;
		if (!json_digits(j))
			return false;
	}
	return true;
}

static bool
json_list(struct json *j, char close, bool object)
{
	j->p++;
	json_ws(j);
	if (*j->p == close) {
		j->p++;
		return true;
	}
	for (;;) {
		json_ws(j);
		if (object) {
			if (!json_string(j))
				return false;
			json_ws(j);
			if (*j->p++ != ':')
				return false;
		}
		if (!json_value(j))
			return false;
		json_ws(j);
		if (*j->p == close) {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

static bool
json_value(struct json *j)
{
	bool ok;

	json_ws(j);
	if (++j->depth > 64)
		return false;
	switch (*j->p) {
	case '{': ok = json_list(j, '}', true); break;
	case '[': ok = json_list(j, ']', false); break;
	case '"': ok = json_string(j); break;
	case 't': ok = strncmp(j->p, "true", 4) == 0; j->p += ok ? 4 : 0; break;
	case 'f': ok = strncmp(j->p, "false", 5) == 0; j->p += ok ? 5 : 0; break;
	case 'n': ok = strncmp(j->p, "null", 4) == 0; j->p += ok ? 4 : 0; break;
	default: ok = json_number(j);
	}
	j->depth--;
	return ok;
}

/* Whether s is exactly one JSON object (with blanks around it). */
static bool
json_valid_object(const char *s)
{
	struct json j = { s, 0 };

	json_ws(&j);
	if (*j.p != '{' || !json_value(&j))
		return false;
	json_ws(&j);
	return *j.p == '\0';
}

#endif
