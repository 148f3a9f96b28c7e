/* SPDX-License-Identifier: Apache-2.0 */
#include "value.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int parse_bool(const char *s, bool *out)
{
	static const char *const t[] = {"true", "on", "1", "yes"};
	static const char *const f[] = {"false", "off", "0", "no"};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!strcasecmp(s, t[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, f[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Decimal, or hexadecimal with 0x; never octal ("010" is ten). */
static int num_base(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '+' || *s == '-')
		s++;
	return s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
}

static int parse_int(const char *s, int64_t *out)
{
	if (!*s)
		return -EINVAL;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, num_base(s));
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

static int parse_uint(const char *s, uint64_t *out)
{
	const char *p = s;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return -EINVAL;
	if (*p == '-')	/* strtoull would accept and negate it */
		return -ERANGE;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(p, &end, num_base(p));
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

static int parse_float(const char *s, double *out)
{
	if (!*s)
		return -EINVAL;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (*end)
		return -EINVAL;
	if (!isfinite(v))
		return isnan(v) ? -EINVAL : -ERANGE;
	if (errno == ERANGE && fabs(v) > 1.0)	/* underflow to ~0 is fine */
		return -ERANGE;
	*out = v;
	return 0;
}

int value_parse(const char *text, enum iedd_kind kind, struct iedd_value *out)
{
	int rc;
	switch (kind) {
	case IEDD_KIND_BOOL: {
		bool b;
		if ((rc = parse_bool(text, &b)))
			return rc;
		out->v.b = b;
		break;
	}
	case IEDD_KIND_INT: {
		int64_t i;
		if ((rc = parse_int(text, &i)))
			return rc;
		out->v.i = i;
		break;
	}
	case IEDD_KIND_UINT: {
		uint64_t u;
		if ((rc = parse_uint(text, &u)))
			return rc;
		out->v.u = u;
		break;
	}
	case IEDD_KIND_FLOAT: {
		double f;
		if ((rc = parse_float(text, &f)))
			return rc;
		out->v.f = f;
		break;
	}
	case IEDD_KIND_STRING: {
		size_t n = strlen(text);
		if (n >= IEDD_STRING_MAX)
			return -ERANGE;
		memset(out->v.s, 0, sizeof(out->v.s));
		memcpy(out->v.s, text, n);
		break;
	}
	default:
		return -EINVAL;
	}
	out->kind = (uint8_t)kind;
	return 0;
}

int value_guess(const char *text, struct iedd_value *out)
{
	static const enum iedd_kind order[] = {IEDD_KIND_BOOL, IEDD_KIND_INT, IEDD_KIND_UINT,
					       IEDD_KIND_FLOAT};
	/* "1" and "0" are integers here, not booleans */
	if (strcmp(text, "1") && strcmp(text, "0") && !value_parse(text, IEDD_KIND_BOOL, out))
		return 0;
	for (size_t i = 1; i < sizeof(order) / sizeof(order[0]); i++)
		if (!value_parse(text, order[i], out))
			return 0;
	return value_parse(text, IEDD_KIND_STRING, out);
}

void value_format(const struct iedd_value *v, char *buf, size_t len)
{
	if (!len)
		return;
	switch (v->kind) {
	case IEDD_KIND_BOOL:
		snprintf(buf, len, "%s", v->v.b ? "true" : "false");
		break;
	case IEDD_KIND_INT:
		snprintf(buf, len, "%" PRId64, v->v.i);
		break;
	case IEDD_KIND_UINT:
		snprintf(buf, len, "%" PRIu64, v->v.u);
		break;
	case IEDD_KIND_FLOAT:
		snprintf(buf, len, "%.17g", v->v.f);
		break;
	case IEDD_KIND_STRING:
		snprintf(buf, len, "%.*s", IEDD_STRING_MAX - 1, v->v.s);
		break;
	default:
		snprintf(buf, len, "-");
		break;
	}
}

/* The numeric value of in as a double, for the float and range paths. */
static int as_double(const struct iedd_value *in, double *out)
{
	switch (in->kind) {
	case IEDD_KIND_BOOL:
		*out = in->v.b ? 1.0 : 0.0;
		return 0;
	case IEDD_KIND_INT:
		*out = (double)in->v.i;
		return 0;
	case IEDD_KIND_UINT:
		*out = (double)in->v.u;
		return 0;
	case IEDD_KIND_FLOAT:
		*out = in->v.f;
		return isfinite(in->v.f) ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

static uint16_t convert(const struct iedd_value *in, enum iedd_kind want, struct iedd_value *out)
{
	double d;
	if (in->kind == IEDD_KIND_STRING && want != IEDD_KIND_STRING) {
		char text[IEDD_STRING_MAX];
		memcpy(text, in->v.s, sizeof(text));
		text[sizeof(text) - 1] = 0;
		int rc = value_parse(text, want, out);
		return rc == -ERANGE ? IEDD_Q_OVERFLOW : rc ? IEDD_Q_INCONSISTENT : 0;
	}
	if (in->kind == want) {
		out->v = in->v;
		if (want == IEDD_KIND_STRING)
			out->v.s[IEDD_STRING_MAX - 1] = 0;
		return 0;
	}
	switch (want) {
	case IEDD_KIND_BOOL:
		if (as_double(in, &d))
			return IEDD_Q_INCONSISTENT;
		out->v.b = d != 0.0;
		return 0;
	case IEDD_KIND_INT:
		if (in->kind == IEDD_KIND_UINT) {
			if (in->v.u > INT64_MAX)
				return IEDD_Q_OVERFLOW;
			out->v.i = (int64_t)in->v.u;
			return 0;
		}
		if (as_double(in, &d))
			return IEDD_Q_INCONSISTENT;
		d = round(d);
		/* 2^63 is exactly representable; everything below it converts */
		if (d < -9223372036854775808.0 || d >= 9223372036854775808.0)
			return IEDD_Q_OVERFLOW;
		out->v.i = (int64_t)d;
		return 0;
	case IEDD_KIND_UINT:
		if (in->kind == IEDD_KIND_INT) {
			if (in->v.i < 0)
				return IEDD_Q_OVERFLOW;
			out->v.u = (uint64_t)in->v.i;
			return 0;
		}
		if (as_double(in, &d))
			return IEDD_Q_INCONSISTENT;
		d = round(d);
		if (d < 0.0 || d >= 18446744073709551616.0)
			return IEDD_Q_OVERFLOW;
		out->v.u = (uint64_t)d;
		return 0;
	case IEDD_KIND_FLOAT:
		if (as_double(in, &d))
			return IEDD_Q_INCONSISTENT;
		out->v.f = d;
		return 0;
	case IEDD_KIND_STRING:
		if (in->kind < IEDD_KIND_BOOL || in->kind > IEDD_KIND_FLOAT)
			return IEDD_Q_INCONSISTENT;
		value_format(in, out->v.s, sizeof(out->v.s));
		return 0;
	default:
		return IEDD_Q_INCONSISTENT;
	}
}

uint16_t value_convert(const struct iedd_value *in, enum iedd_kind want, struct iedd_value *out)
{
	struct iedd_value tmp;
	memset(&tmp, 0, sizeof(tmp));
	tmp.quality = in->quality;
	tmp.time_ns = in->time_ns;
	uint16_t why = convert(in, want, &tmp);
	tmp.kind = why ? IEDD_KIND_NONE : (uint8_t)want;
	*out = tmp;
	return why;
}

static const char *const kind_names[] = {
	[IEDD_KIND_NONE] = "none", [IEDD_KIND_BOOL] = "bool",	  [IEDD_KIND_INT] = "int",
	[IEDD_KIND_UINT] = "uint", [IEDD_KIND_FLOAT] = "float", [IEDD_KIND_STRING] = "string",
};

const char *value_kind_name(unsigned kind)
{
	return kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : "?";
}

int value_kind_parse(const char *name, enum iedd_kind *out)
{
	for (unsigned k = 0; k < sizeof(kind_names) / sizeof(kind_names[0]); k++) {
		if (!strcasecmp(name, kind_names[k])) {
			*out = (enum iedd_kind)k;
			return 0;
		}
	}
	return -EINVAL;
}

/* IEC 61850-7-3 §6.2 detail quality, in wire order after validity. */
static const struct {
	uint16_t bit;
	const char *name;
} q_bits[] = {
	{IEDD_Q_OVERFLOW, "overflow"},
	{IEDD_Q_OUT_OF_RANGE, "outOfRange"},
	{IEDD_Q_BAD_REFERENCE, "badReference"},
	{IEDD_Q_OSCILLATORY, "oscillatory"},
	{IEDD_Q_FAILURE, "failure"},
	{IEDD_Q_OLD_DATA, "oldData"},
	{IEDD_Q_INCONSISTENT, "inconsistent"},
	{IEDD_Q_INACCURATE, "inaccurate"},
	{IEDD_Q_SUBSTITUTED, "substituted"},
	{IEDD_Q_TEST, "test"},
	{IEDD_Q_OPERATOR_BLOCKED, "operatorBlocked"},
};

static const char *const validity_names[] = {"good", "invalid", "reserved", "questionable"};

void value_quality_format(uint16_t q, char *buf, size_t len)
{
	if (!len)
		return;
	size_t k = (size_t)snprintf(buf, len, "%s", validity_names[(q >> 14) & 3]);
	for (size_t i = 0; i < sizeof(q_bits) / sizeof(q_bits[0]) && k < len; i++)
		if (q & q_bits[i].bit)
			k += (size_t)snprintf(buf + k, len - k, "+%s", q_bits[i].name);
}

int value_quality_parse(const char *text, uint16_t *out)
{
	if (text[0] >= '0' && text[0] <= '9') {
		uint64_t u;
		if (parse_uint(text, &u) || u > 0xFFFF)
			return -EINVAL;
		*out = (uint16_t)u;
		return 0;
	}
	char copy[256];
	if (strlen(text) >= sizeof(copy))
		return -EINVAL;
	strcpy(copy, text);
	uint16_t q = 0;
	char *save = NULL;
	bool first = true;
	for (char *tok = strtok_r(copy, "+", &save); tok; tok = strtok_r(NULL, "+", &save)) {
		bool found = false;
		if (first) {
			for (uint16_t v = 0; v < 4 && !found; v++) {
				if (!strcasecmp(tok, validity_names[v])) {
					q = (uint16_t)(v << 14);
					found = true;
				}
			}
			first = false;
			if (found)
				continue;
		}
		for (size_t i = 0; i < sizeof(q_bits) / sizeof(q_bits[0]) && !found; i++) {
			if (!strcasecmp(tok, q_bits[i].name)) {
				q |= q_bits[i].bit;
				found = true;
			}
		}
		if (!found)
			return -EINVAL;
	}
	if (first)
		return -EINVAL;
	*out = q;
	return 0;
}

int value_err(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	if (errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}
