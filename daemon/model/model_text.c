/* SPDX-License-Identifier: Apache-2.0 */
/* The model's values in text: the forms of SCL Val elements, of the CSV
 * map and of messages (Enum by name or ordinal, Dbpos and Tcmd words,
 * booleans, times), both ways. */
#include "model.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "model_priv.h"
#include "objref.h"

/* ---- values: text ---- */

static const char *const dbpos_names[4] = { "intermediate-state", "off", "on", "bad-state" };
static const char *const tcmd_names[4] = { "stop", "lower", "higher", "reserved" };

/* Copies text without leading and trailing white space into out[n];
 * -ERANGE if it does not fit. */
static int trimmed(const char *s, char *out, size_t n, size_t *len)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t l = strlen(s);
	while (l && isspace((unsigned char)s[l - 1]))
		l--;
	if (l >= n)
		return -ERANGE;
	memcpy(out, s, l);
	out[l] = '\0';
	*len = l;
	return 0;
}

static int parse_i64(const char *s, int64_t *v)
{
	char *end;
	if (!*s)
		return -EINVAL;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*v = x;
	return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	if (!*s || *s == '-')
		return *s == '-' ? -ERANGE : -EINVAL;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*v = x;
	return 0;
}

/* "0101..." of exactly `nbits` bits, MSB first, into bits[]. */
static int parse_bits(const char *s, size_t nbits, uint8_t *bits)
{
	if (strlen(s) != nbits)
		return -EINVAL;
	memset(bits, 0, (nbits + 7) / 8);
	for (size_t i = 0; i < nbits; i++) {
		if (s[i] != '0' && s[i] != '1')
			return -EINVAL;
		if (s[i] == '1')
			bits[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	}
	return 0;
}

static void put_bits(const uint8_t *bits, size_t nbits, char *out, size_t n)
{
	size_t i;
	for (i = 0; i < nbits && i + 1 < n; i++)
		out[i] = (bits[i / 8] & (0x80 >> (i % 8))) ? '1' : '0';
	if (n)
		out[i] = '\0';
}

/* "YYYY-MM-DDTHH:MM:SS[.fraction][Z]" (UTC), or a number of seconds since
 * 1970 ("0"). *frac_out receives the fraction of a second, 0 <= f < 1. */
static int parse_time(const char *s, int64_t *secs, double *frac_out)
{
	int y, mo, d, h, mi, sec, n = 0;
	struct tm tm = { 0 };
	double frac = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) == 6 && n) {
		const char *p = s + n;
		if (*p == '.') {
			double scale = 0.1;
			if (!isdigit((unsigned char)p[1]))
				return -EINVAL;
			for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
				frac += (*p - '0') * scale;
		}
		if (*p == 'Z')
			p++;
		if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
		    y < 1970 || h < 0 || mi < 0 || sec < 0)
			return -EINVAL;
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = sec;
		*secs = (int64_t)timegm(&tm);
		*frac_out = frac;
		return 0;
	}
	int64_t x;
	int r = parse_i64(s, &x);
	if (r)
		return r;
	if (x < 0)
		return -ERANGE;
	*secs = x;
	*frac_out = 0;
	return 0;
}

static void fmt_time(int64_t secs, char *out, size_t n, const char *fracfmt, uint32_t fracval)
{
	struct tm tm;
	time_t tt = (time_t)secs;
	char frac[16];

	gmtime_r(&tt, &tm);
	snprintf(frac, sizeof(frac), fracfmt, fracval);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* 1984-01-01 00:00 UTC, the epoch of MMS TimeOfDay (ISO 9506-2). */
#define MMS_EPOCH_1984 441763200

int model_val_set_text(uint8_t *v, const struct mtype *t, const char *text)
{
	char s[1024];
	size_t len;
	int r;

	if (t->btype == MB_STRUCT || t->btype == MB_ARRAY)
		return -EINVAL;
	if ((r = trimmed(text, s, sizeof(s), &len)))
		return r;
	switch (t->btype) {
	case MB_BOOLEAN:
		/* xs:boolean, and the capitals some tools write. */
		if (!strcasecmp(s, "true") || !strcmp(s, "1"))
			v[0] = 1;
		else if (!strcasecmp(s, "false") || !strcmp(s, "0"))
			v[0] = 0;
		else
			return -EINVAL;
		return 0;
	case MB_INT8: case MB_INT16: case MB_INT24: case MB_INT32: case MB_INT64: case MB_INT128: {
		int64_t x, min, max;
		if ((r = parse_i64(s, &x)))
			return r;
		model_int_range(t->btype, &min, &max);
		if (x < min || x > max)
			return -ERANGE;
		memcpy(v, &x, 8);
		return 0;
	}
	case MB_INT8U: case MB_INT16U: case MB_INT24U: case MB_INT32U: {
		uint64_t x;
		if ((r = parse_u64(s, &x)))
			return r;
		if (x > model_uint_max(t->btype))
			return -ERANGE;
		memcpy(v, &x, 8);
		return 0;
	}
	case MB_FLOAT32: case MB_FLOAT64: {
		char *end;
		if (!len)
			return -EINVAL;
		errno = 0;
		double d = strtod(s, &end);
		if (*end)
			return -EINVAL;
		if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL))
			return -ERANGE;
		if (t->btype == MB_FLOAT32) {
			float f = (float)d;
			if (isinf(f) && !isinf(d))
				return -ERANGE;
			memcpy(v, &f, 4);
		} else {
			memcpy(v, &d, 8);
		}
		return 0;
	}
	case MB_ENUM: {
		int32_t ord;
		int64_t x;
		if (t->enm && enum_ord(t->enm, s, &ord)) {
			memcpy(v, &ord, 4);
			return 0;
		}
		/* A number is taken if it is a member (or there is no EnumType). */
		if ((r = parse_i64(s, &x)))
			return -EINVAL;
		if (x < INT32_MIN || x > INT32_MAX || (t->enm && !enum_name(t->enm, (int32_t)x)))
			return -ERANGE;
		ord = (int32_t)x;
		memcpy(v, &ord, 4);
		return 0;
	}
	case MB_DBPOS: case MB_TCMD: case MB_CHECK: {
		const char *const *names = t->btype == MB_DBPOS ? dbpos_names :
					   t->btype == MB_TCMD ? tcmd_names : NULL;
		for (int i = 0; names && i < 4; i++)
			if (!strcmp(s, names[i])) {
				v[0] = (uint8_t)i;
				return 0;
			}
		if (t->btype == MB_DBPOS && !strcmp(s, "intermediate")) {
			v[0] = 0;
			return 0;
		}
		uint8_t bits;
		if (!parse_bits(s, 2, &bits)) {
			v[0] = bits >> 6;
			return 0;
		}
		if (len == 1 && s[0] >= '0' && s[0] <= '3') {
			v[0] = (uint8_t)(s[0] - '0');
			return 0;
		}
		return -EINVAL;
	}
	case MB_QUALITY: {
		uint8_t bits[2];
		uint16_t q;
		if (!strcmp(s, "good") || !strcmp(s, "0")) {
			q = 0;
		} else if (!parse_bits(s, 13, bits)) {
			q = (uint16_t)(bits[0] << 8 | bits[1]);
		} else {
			return -EINVAL;
		}
		memcpy(v, &q, 2);
		return 0;
	}
	case MB_BITSTRING: {
		uint8_t bits[8];
		if (t->max_len > 64 || parse_bits(s, t->max_len, bits))
			return -EINVAL;
		v[0] = (uint8_t)t->max_len;
		memcpy(v + 1, bits, (t->max_len + 7) / 8);
		return 0;
	}
	case MB_TIMESTAMP: {
		int64_t secs;
		double frac;
		if ((r = parse_time(s, &secs, &frac)))
			return r;
		if (secs > UINT32_MAX)
			return -ERANGE;
		uint32_t f = (uint32_t)(frac * 16777216.0 + 0.5);
		if (f > 0xFFFFFF)
			f = 0xFFFFFF;
		uint8_t w[8] = { (uint8_t)(secs >> 24), (uint8_t)(secs >> 16), (uint8_t)(secs >> 8),
				 (uint8_t)secs, (uint8_t)(f >> 16), (uint8_t)(f >> 8), (uint8_t)f,
				 0 };
		memcpy(v, w, 8);
		return 0;
	}
	case MB_ENTRYTIME: {
		int64_t secs;
		double frac;
		if ((r = parse_time(s, &secs, &frac)))
			return r;
		/* The number form counts seconds since 1970 here as well. */
		if (secs < MMS_EPOCH_1984 && secs != 0)
			return -ERANGE;
		int64_t rel = secs ? secs - MMS_EPOCH_1984 : 0;
		int64_t days = rel / 86400;
		if (days > UINT16_MAX)
			return -ERANGE;
		uint32_t ms = (uint32_t)((rel % 86400) * 1000 + (int64_t)(frac * 1000));
		uint8_t w[6] = { (uint8_t)(ms >> 24), (uint8_t)(ms >> 16), (uint8_t)(ms >> 8),
				 (uint8_t)ms, (uint8_t)(days >> 8), (uint8_t)days };
		memcpy(v, w, 6);
		return 0;
	}
	case MB_VISSTRING: case MB_UNICODE:
		if (len > t->max_len)
			return -ERANGE;
		if (t->btype == MB_VISSTRING) {
			for (size_t i = 0; i < len; i++)
				if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7E)
					return -EINVAL;
		} else if (!model_utf8_ok((const uint8_t *)s, len)) {
			return -EINVAL;
		}
		memcpy(v, s, len);
		memset(v + len, 0, t->max_len + 1 - len);
		return 0;
	case MB_OCTET: {
		/* Hex octets, optionally separated by '-', ':' or ' '. */
		uint8_t o[1024];
		uint16_t n = 0;
		for (const char *p = s; *p;) {
			if (*p == '-' || *p == ':' || *p == ' ') {
				p++;
				continue;
			}
			int hi = hexval(p[0]), lo = p[1] ? hexval(p[1]) : -1;
			if (hi < 0 || lo < 0)
				return -EINVAL;
			if (n >= t->max_len)
				return -ERANGE;
			o[n++] = (uint8_t)(hi << 4 | lo);
			p += 2;
		}
		if ((t->flags & MTYPE_FIXED) && n != t->max_len)
			return -ERANGE;
		memcpy(v, &n, 2);
		memcpy(v + 2, o, n);
		memset(v + 2 + n, 0, t->max_len - n);
		return 0;
	}
	default:
		return -EINVAL;
	}
}

int model_set_text(struct model *m, const struct mtype *t, uint32_t voff, const char *text)
{
	return model_val_set_text(m->values + voff, t, text);
}

static void get_text(const uint8_t *v, const struct mtype *t, char *out, size_t n, unsigned depth)
{
	if (!n)
		return;
	out[0] = '\0';
	switch (t->btype) {
	case MB_STRUCT: case MB_ARRAY: {
		bool st = t->btype == MB_STRUCT;
		uint32_t cnt = st ? t->n : t->count;
		size_t o = 0;
		if (n < 8 || depth > MODEL_MAX_DEPTH + 4)
			return;
		out[o++] = st ? '{' : '[';
		for (uint32_t i = 0; i < cnt; i++) {
			int k = snprintf(out + o, n - o, "%s%s%s", i ? "," : "",
					 st ? t->comp[i].name : "", st ? "=" : "");
			if (k < 0 || (size_t)k >= n - o - 1)
				break;
			o += (size_t)k;
			get_text(v + (st ? t->comp[i].off : i * t->elem->size),
				 st ? t->comp[i].type : t->elem, out + o, n - o - 1, depth + 1);
			o += strlen(out + o);
		}
		out[o++] = st ? '}' : ']';
		out[o] = '\0';
		return;
	}
	case MB_BOOLEAN:
		snprintf(out, n, "%s", v[0] ? "true" : "false");
		return;
	case MB_INT8: case MB_INT16: case MB_INT24: case MB_INT32: case MB_INT64: case MB_INT128:
		snprintf(out, n, "%" PRId64, model_get_i64(v));
		return;
	case MB_INT8U: case MB_INT16U: case MB_INT24U: case MB_INT32U:
		snprintf(out, n, "%" PRIu64, model_get_u64(v));
		return;
	case MB_FLOAT32: {
		float f;
		memcpy(&f, v, 4);
		snprintf(out, n, "%.9g", (double)f);
		return;
	}
	case MB_FLOAT64: {
		double d;
		memcpy(&d, v, 8);
		snprintf(out, n, "%.17g", d);
		return;
	}
	case MB_ENUM: {
		int32_t e;
		memcpy(&e, v, 4);
		const char *name = t->enm ? enum_name(t->enm, e) : NULL;
		if (name && name[0])
			snprintf(out, n, "%s", name);
		else
			snprintf(out, n, "%" PRId32, e);
		return;
	}
	case MB_DBPOS:
		snprintf(out, n, "%s", dbpos_names[v[0] & 3]);
		return;
	case MB_TCMD:
		snprintf(out, n, "%s", tcmd_names[v[0] & 3]);
		return;
	case MB_CHECK: {
		uint8_t bits = (uint8_t)(v[0] << 6);
		put_bits(&bits, 2, out, n);
		return;
	}
	case MB_QUALITY: {
		uint16_t q;
		memcpy(&q, v, 2);
		uint8_t bits[2] = { (uint8_t)(q >> 8), (uint8_t)q };
		put_bits(bits, 13, out, n);
		return;
	}
	case MB_BITSTRING:
		put_bits(v + 1, t->max_len, out, n);
		return;
	case MB_TIMESTAMP: {
		uint32_t secs = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 |
				v[3];
		uint32_t f = (uint32_t)v[4] << 16 | (uint32_t)v[5] << 8 | v[6];
		uint32_t us = (uint32_t)(((uint64_t)f * 1000000 + (1u << 23)) >> 24);
		if (us > 999999)
			us = 999999;
		fmt_time(secs, out, n, ".%06u", us);
		return;
	}
	case MB_ENTRYTIME: {
		uint32_t ms = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
		uint32_t days = (uint32_t)v[4] << 8 | v[5];
		int64_t secs = MMS_EPOCH_1984 + (int64_t)days * 86400 + ms / 1000;
		fmt_time(secs, out, n, ".%03u", ms % 1000);
		return;
	}
	case MB_VISSTRING: case MB_UNICODE:
		snprintf(out, n, "%.*s", (int)strnlen((const char *)v, t->max_len),
			 (const char *)v);
		return;
	case MB_OCTET: {
		size_t len = (t->flags & MTYPE_FIXED) ? t->max_len : model_get_octlen(v), o = 0;
		if (len > t->max_len)
			len = t->max_len;
		for (size_t i = 0; i < len && o + 3 <= n; i++)
			o += (size_t)snprintf(out + o, n - o, "%02x", v[2 + i]);
		return;
	}
	default:
		return;
	}
}

void model_val_get_text(const uint8_t *v, const struct mtype *t, char *out, size_t n)
{
	get_text(v, t, out, n, 0);
}

void model_get_text(const struct model *m, const struct mtype *t, uint32_t voff, char *out,
		    size_t n)
{
	get_text(m->values + voff, t, out, n, 0);
}
