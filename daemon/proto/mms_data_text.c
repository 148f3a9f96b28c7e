/* SPDX-License-Identifier: Apache-2.0 */
/* MMS Data in the forms iedc prints and takes (mms_client.h: mms_fmt,
 * mms_data_parse): text and JSON out, with the words of a Quality, Dbpos
 * or time (iedc.1), and text in, checked against the type. */
#include "mms_client_priv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "objref.h"

/* ---- Data as text or JSON ---- */

static void bputs(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static void bprintf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bprintf(struct buf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Length of a valid UTF-8 sequence at p[0..n) (no overlongs, surrogates
 * or code points above U+10FFFF), or 0. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	size_t k;
	uint32_t cp, min;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		k = 2; cp = c & 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		k = 3; cp = c & 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		k = 4; cp = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return k;
}

/* A string value: JSON quoted and escaped; text as is, with control
 * characters, '\' and invalid UTF-8 written as \xNN. */
static void put_string(struct buf *b, const uint8_t *p, size_t n, bool utf8, bool json)
{
	if (json)
		buf_put_u8(b, '"');
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		size_t k = c < 0x80 ? 1 : utf8 ? utf8_len(p + i, n - i) : 0;
		if (k > 1) {
			buf_put(b, p + i, k);
			i += k;
			continue;
		}
		if (json && (c == '"' || c == '\\'))
			bprintf(b, "\\%c", c);
		else if (json && k == 0)
			bputs(b, "\\ufffd");
		else if (json && (c < 0x20 || c == 0x7F))
			bprintf(b, "\\u%04x", c);
		else if (!json && (c < 0x20 || c >= 0x7F || c == '\\'))
			bprintf(b, "\\x%02x", c);
		else
			buf_put_u8(b, c);
		i++;
	}
	if (json)
		buf_put_u8(b, '"');
}

static void put_float(struct buf *b, double v, bool is_double, bool json)
{
	char tmp[40];
	if (isnan(v) || isinf(v)) {
		const char *s = isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
		if (json)
			bprintf(b, "\"%s\"", s);
		else
			bputs(b, s);
		return;
	}
	/* the shortest form that reads back as the same value */
	for (int prec = is_double ? 15 : 6; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (is_double ? strtod(tmp, NULL) == v : strtof(tmp, NULL) == (float)v)
			break;
	}
	bputs(b, tmp);
}

/* Civil date from days since 1970-01-01 (H. Hinnant's algorithm), so no
 * time zone or libc time_t width is involved. */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (unsigned)((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1);
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* 1984-01-01, the epoch of BinaryTime (ISO 9506-2 §14.4.2.2). */
#define DAYS_1970_TO_1984 5113

static void put_iso(struct buf *b, int64_t secs, unsigned ms, bool json)
{
	int y, mo, d;
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t sod = secs - days * 86400;
	civil_from_days(days, &y, &mo, &d);
	bprintf(b, "%s%04d-%02d-%02dT%02d:%02d:%02d.%03uZ%s", json ? "\"" : "", y, mo, d,
		(int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60), ms, json ? "\"" : "");
}

static int put_basic(struct buf *b, const struct ber_tlv *t, bool json, struct proto_err *err)
{
	int64_t i;
	uint64_t u;
	double f;
	bool v, dbl;
	int r;

	if (t->constructed)
		return proto_fail(err, L, "Data [%u] is constructed", t->tag);
	switch (t->tag) {
	case MMS_TYPE_BOOLEAN:
		if ((r = ber_get_bool(t, &v, err)))
			return r;
		bputs(b, v ? "true" : "false");
		return 0;
	case MMS_TYPE_BIT_STRING:
	case MMS_TYPE_BOOLEAN_ARRAY: {
		uint8_t bits[512];
		size_t nbits;
		if ((r = ber_get_bitstring(t, bits, sizeof(bits), &nbits, err)))
			return r;
		if (json)
			buf_put_u8(b, '"');
		for (size_t k = 0; k < nbits; k++)
			buf_put_u8(b, mms_bit(bits, (unsigned)k) ? '1' : '0');
		if (json)
			buf_put_u8(b, '"');
		return 0;
	}
	case MMS_TYPE_INTEGER:
	case MMS_TYPE_BCD:
		if ((r = ber_get_int64(t, &i, err)))
			return r;
		bprintf(b, "%lld", (long long)i);
		return 0;
	case MMS_TYPE_UNSIGNED:
		if ((r = ber_get_uint64(t, &u, err)))
			return r;
		bprintf(b, "%llu", (unsigned long long)u);
		return 0;
	case MMS_TYPE_FLOAT:
		if ((r = ber_get_float(t, &f, &dbl, err)))
			return r;
		put_float(b, f, dbl, json);
		return 0;
	case MMS_TYPE_OCTET_STRING:
		if (json)
			buf_put_u8(b, '"');
		for (size_t k = 0; k < t->len; k++)
			bprintf(b, "%02x", t->val[k]);
		if (json)
			buf_put_u8(b, '"');
		return 0;
	case MMS_TYPE_VISIBLE_STRING:
	case MMS_TYPE_GENERALIZED_TIME:
		put_string(b, t->val, t->len, false, json);
		return 0;
	case MMS_TYPE_MMS_STRING:
		put_string(b, t->val, t->len, true, json);
		return 0;
	case MMS_TYPE_BINARY_TIME: {
		uint32_t ms;
		uint16_t days;
		bool has_days;
		if ((r = ber_get_binarytime(t, &ms, &days, &has_days, err)))
			return r;
		if (has_days) {
			put_iso(b, ((int64_t)days + DAYS_1970_TO_1984) * 86400 + ms / 1000,
				ms % 1000, json);
		} else {
			bprintf(b, "%s%02u:%02u:%02u.%03u%s", json ? "\"" : "", ms / 3600000,
				ms / 60000 % 60, ms / 1000 % 60, ms % 1000, json ? "\"" : "");
		}
		return 0;
	}
	case MMS_TYPE_OBJID: {
		uint32_t arcs[64];
		size_t n;
		if ((r = ber_get_oid(t, arcs, 64, &n, err)))
			return r;
		if (json)
			buf_put_u8(b, '"');
		for (size_t k = 0; k < n; k++)
			bprintf(b, "%s%u", k ? "." : "", arcs[k]);
		if (json)
			buf_put_u8(b, '"');
		return 0;
	}
	case MMS_TYPE_UTC_TIME: {
		struct ber_utctime ut;
		if ((r = ber_get_utctime(t, &ut, err)))
			return r;
		/* IEC 61850-8-1 §8.1.3.7: the fraction is in 1/2^24 s; round to ms */
		int64_t secs = ut.secs;
		unsigned ms = (unsigned)(((uint64_t)ut.frac * 1000 + (1u << 23)) >> 24);
		if (ms == 1000) {
			secs++;
			ms = 0;
		}
		put_iso(b, secs, ms, json);
		if (!json && ut.quality)
			bprintf(b, " q=0x%02x", ut.quality);
		return 0;
	}
	default:
		return proto_fail(err, L, "unknown Data [%u]", t->tag);
	}
}

/* Words for the values whose meaning the client knows from the MMS type
 * description alone (the rule, as iedc.1 documents it):
 *  - a bit string named "q" of 13 bits, fixed or varying (size 13 or -13),
 *    is an IEC 61850 Quality (IEC 61850-8-1 §8.1.3.4, 7-3 §6.2): validity
 *    (bits 0-1: good, invalid, reserved, questionable), then each detailQual
 *    flag set, "substituted" for source, "test", "operatorBlocked";
 *  - a bit string named "stVal" of 2 bits (size 2 or -2) is a Dbpos (DPS,
 *    DPC, 7-3 §6.5): intermediate 00, off 01, on 10, bad 11;
 *  - every utc-time carries a TimeQuality octet (8-1 §8.1.3.7):
 *    LeapSecondsKnown, ClockFailure, ClockNotSynchronized and the
 *    accuracy in bits (31: unspecified).
 * Returns true with the words in out[n]. */
static bool words_for(const struct ber_tlv *t, const struct mms_typespec *ty, bool *is_time,
		      char *out, size_t n)
{
	static const char *const validity[] = { "good", "invalid", "reserved", "questionable" };
	static const char *const detail[] = {
		[2] = "overflow", [3] = "outOfRange", [4] = "badReference", [5] = "oscillatory",
		[6] = "failure", [7] = "oldData", [8] = "inconsistent", [9] = "inaccurate",
		[10] = "substituted", [11] = "test", [12] = "operatorBlocked",
	};
	static const char *const dbpos[] = { "intermediate", "off", "on", "bad" };
	uint8_t bits[4];
	size_t nbits, o;

	*is_time = false;
	if (t->constructed)
		return false;
	if (t->tag == MMS_TYPE_UTC_TIME) {
		struct ber_utctime ut;
		if (ber_get_utctime(t, &ut, NULL))
			return false;
		*is_time = true;
		unsigned acc = ut.quality & 0x1f;
		o = (size_t)snprintf(out, n, "%s%s%s", ut.quality & 0x80 ? "LeapSecondsKnown|" : "",
				     ut.quality & 0x40 ? "ClockFailure|" : "",
				     ut.quality & 0x20 ? "ClockNotSynchronized|" : "");
		if (o < n) {
			if (acc == 31)
				snprintf(out + o, n - o, "accuracy unspecified");
			else
				snprintf(out + o, n - o, "accuracy %u bits", acc);
		}
		return true;
	}
	if (t->tag != MMS_TYPE_BIT_STRING || !ty || !ty->name || ty->type != MMS_TYPE_BIT_STRING ||
	    ber_get_bitstring(t, bits, sizeof(bits), &nbits, NULL))
		return false;
	if (!strcmp(ty->name, "q") && (ty->size == 13 || ty->size == -13) && nbits >= 2 &&
	    nbits <= 13) {
		o = (size_t)snprintf(out, n, "%s",
				     validity[mms_bit(bits, 0) * 2 + mms_bit(bits, 1)]);
		for (unsigned k = 2; k < nbits && o < n; k++)
			if (mms_bit(bits, k))
				o += (size_t)snprintf(out + o, n - o, "|%s", detail[k]);
		return true;
	}
	if (!strcmp(ty->name, "stVal") && (ty->size == 2 || ty->size == -2) && nbits == 2) {
		snprintf(out, n, "%s", dbpos[mms_bit(bits, 0) * 2 + mms_bit(bits, 1)]);
		return true;
	}
	return false;
}

struct fmt_ctx {
	struct buf *out;
	bool json;
	bool lines;		/* text: a line has been written */
	char path[512];
	struct proto_err *err;
};

static int fmt_value(struct fmt_ctx *x, const struct ber_cur *parent, const struct ber_tlv *t,
		     const struct mms_typespec *ty, size_t plen);

/* JSON: a structure is an object when the type names each of its n
 * components. */
static bool named(const struct mms_typespec *ty, size_t n)
{
	if (!ty || ty->type != MMS_TYPE_STRUCTURE || ty->n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ty->comp[i].name)
			return false;
	return true;
}

static int fmt_constructed(struct fmt_ctx *x, const struct ber_cur *parent,
			   const struct ber_tlv *t, const struct mms_typespec *ty, size_t plen)
{
	struct ber_cur c, k;
	struct ber_tlv e;
	size_t n = 0;
	int r;
	bool is_struct = t->tag == MMS_TYPE_STRUCTURE;

	if (!t->constructed)
		return proto_fail(x->err, L, "Data [%u] is not constructed", t->tag);
	if ((r = ber_enter(parent, t, &c, x->err)))
		return proto_relayer(x->err, L, r);
	k = c;
	while ((r = ber_next(&k, &e, x->err)) == 0)
		n++;
	if (r != -ENODATA)
		return proto_relayer(x->err, L, r);
	if (ty && ty->type != t->tag)
		ty = NULL; /* the value does not have the type's shape: no names */
	bool obj = is_struct && named(ty, n);

	if (x->json) {
		buf_put_u8(x->out, obj ? '{' : '[');
	} else if (n == 0) {
		if (x->lines)
			buf_put_u8(x->out, '\n');
		if (plen)
			bprintf(x->out, "%s: ", x->path);
		bputs(x->out, is_struct ? "{}" : "[]");
		x->lines = true;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const struct mms_typespec *sub = NULL;
		const char *name = NULL;
		if ((r = ber_next(&c, &e, x->err)))
			return proto_relayer(x->err, L, r);
		if (ty && is_struct && i < ty->n) {
			sub = &ty->comp[i];
			name = sub->name;
		} else if (ty && !is_struct) {
			sub = ty->elem;
		}
		size_t len = plen;
		if (x->json) {
			if (i)
				buf_put_u8(x->out, ',');
			if (obj) {
				put_string(x->out, (const uint8_t *)name, strlen(name), false, true);
				buf_put_u8(x->out, ':');
			}
		} else {
			int w = name ? snprintf(x->path + plen, sizeof(x->path) - plen, "%s%s",
						plen ? "." : "", name)
				     : snprintf(x->path + plen, sizeof(x->path) - plen, "[%zu]", i);
			if (w < 0 || (size_t)w >= sizeof(x->path) - plen)
				return proto_fail(x->err, L, "component path longer than %zu",
						  sizeof(x->path) - 1);
			len += (size_t)w;
		}
		if ((r = fmt_value(x, &c, &e, sub, len)))
			return r;
		x->path[plen] = 0;
		/* JSON keeps the raw value and adds the words beside it:
		 * "q":"0000000000000","qText":"good"; a time also gets its
		 * TimeQuality octet, "tQuality":10 */
		char w[200];
		bool is_time;
		if (x->json && obj && words_for(&e, sub, &is_time, w, sizeof(w))) {
			if (is_time)
				bprintf(x->out, ",\"%sQuality\":%u", name, e.val[7]);
			bprintf(x->out, ",\"%sText\":\"%s\"", name, w);
		}
	}
	if (x->json)
		buf_put_u8(x->out, obj ? '}' : ']');
	return 0;
}

static int fmt_value(struct fmt_ctx *x, const struct ber_cur *parent, const struct ber_tlv *t,
		     const struct mms_typespec *ty, size_t plen)
{
	if (t->cls != BER_CONTEXT)
		return proto_fail(x->err, L, "Data is not context-specific");
	if (t->tag == MMS_TYPE_ARRAY || t->tag == MMS_TYPE_STRUCTURE)
		return fmt_constructed(x, parent, t, ty, plen);
	char w[200];
	bool is_time;
	bool has_words = words_for(t, ty, &is_time, w, sizeof(w));
	if (!x->json) {
		if (x->lines)
			buf_put_u8(x->out, '\n');
		if (plen)
			bprintf(x->out, "%s: ", x->path);
		x->lines = true;
		/* "good (0000000000000)", "on (10)"; a time with a quality
		 * "… q=0xbf (LeapSecondsKnown|…)": mms_data_parse takes each
		 * form back */
		if (has_words && !is_time)
			bprintf(x->out, "%s (", w);
	}
	int r = put_basic(x->out, t, x->json, x->err);
	if (r)
		return proto_relayer(x->err, L, r);
	if (!x->json && has_words && !is_time)
		buf_put_u8(x->out, ')');
	if (!x->json && is_time && t->len == 8 && t->val[7])
		bprintf(x->out, " (%s)", w);
	return 0;
}

bool mms_data_words(const uint8_t *data, size_t len, const struct mms_typespec *type,
		    int *time_quality, char *out, size_t n)
{
	struct ber_cur c;
	struct ber_tlv t;
	bool is_time;

	*time_quality = -1;
	ber_cur_init(&c, data, len);
	if (ber_next(&c, &t, NULL) || !ber_cur_done(&c) || t.cls != BER_CONTEXT ||
	    !words_for(&t, type, &is_time, out, n))
		return false;
	if (is_time)
		*time_quality = t.val[7];
	return true;
}

int mms_data_format(struct buf *out, const uint8_t *data, size_t len,
		    const struct mms_typespec *type, enum mms_fmt fmt, struct proto_err *err)
{
	struct fmt_ctx x = { .out = out, .json = fmt == MMS_FMT_JSON, .err = err };
	struct ber_cur c;
	struct ber_tlv t;
	int r;

	ber_cur_init(&c, data, len);
	if ((r = ber_next(&c, &t, err)))
		return proto_relayer(err, L, r == -ENODATA ? proto_fail(err, L, "empty Data") : r);
	if (!ber_cur_done(&c))
		return proto_fail(err, L, "octets after the Data");
	if ((r = fmt_value(&x, &c, &t, type, 0)))
		return r;
	return out->err;
}


/* ---- text to Data ---- */

#define V "value"

static int bad(struct proto_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct proto_err *err, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->layer = V;
		va_start(ap, fmt);
		vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses exactly `n` decimal digits. */
static bool digits(const char **s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*s)++) {
		if (**s < '0' || **s > '9')
			return false;
		*v = *v * 10 + (**s - '0');
	}
	return true;
}

/* "HH:MM:SS[.fraction]" into seconds of day and nanoseconds. */
static bool parse_tod(const char **s, int64_t *sod, uint32_t *ns)
{
	int h, mi, se;
	if (!digits(s, 2, &h) || *(*s)++ != ':' || !digits(s, 2, &mi) || *(*s)++ != ':' ||
	    !digits(s, 2, &se) || h > 23 || mi > 59 || se > 59)
		return false;
	*sod = h * 3600 + mi * 60 + se;
	*ns = 0;
	if (**s == '.') {
		(*s)++;
		int k = 0;
		uint32_t scale = 100000000;
		for (; **s >= '0' && **s <= '9'; (*s)++, k++) {
			*ns += (uint32_t)(**s - '0') * scale;
			scale /= 10;
		}
		if (k == 0 || k > 9)
			return false;
	}
	return true;
}

/* "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (also "+00:00") into seconds since
 * 1970 and nanoseconds. */
static bool parse_iso(const char **s, int64_t *secs, uint32_t *ns)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d;
	int64_t sod;
	if (!digits(s, 4, &y) || *(*s)++ != '-' || !digits(s, 2, &mo) || *(*s)++ != '-' ||
	    !digits(s, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
		return false;
	if (**s != 'T' && **s != 't' && **s != ' ')
		return false;
	(*s)++;
	if (!parse_tod(s, &sod, ns))
		return false;
	if (**s == 'Z' || **s == 'z')
		(*s)++;
	else if (!strncmp(*s, "+00:00", 6))
		*s += 6;
	else
		return false;
	*secs = days_from_civil(y, mo, d) * 86400 + sod;
	return true;
}

static int parse_time(struct buf *b, const struct mms_typespec *t, const char *s,
		      struct proto_err *err)
{
	int64_t secs;
	uint32_t ns;
	const char *p = s;

	if (t->type == MMS_TYPE_UTC_TIME) {
		if (!parse_iso(&p, &secs, &ns))
			return bad(err, "'%s' is not a UTC time like 2026-11-24T10:00:00.000Z", s);
		if (secs < 0 || secs > UINT32_MAX)
			return bad(err, "'%s' is outside 1970..2106", s);
		struct ber_utctime ut = { .secs = (uint32_t)secs };
		/* IEC 61850-8-1 §8.1.3.7: fraction of a second in units of 2^-24 */
		uint64_t frac = ((uint64_t)ns << 24) + 500000000u;
		frac /= 1000000000u;
		ut.frac = frac > 0xFFFFFF ? 0xFFFFFF : (uint32_t)frac;
		if (*p == ' ') {
			int hi, lo;
			/* iedc prints the quality in words after it: " (…)" */
			if (strncmp(p, " q=0x", 5) || (hi = hexval(p[5])) < 0 ||
			    (lo = hexval(p[6])) < 0 ||
			    (p[7] && (strncmp(p + 7, " (", 2) || p[strlen(p) - 1] != ')')))
				return bad(err, "'%s': after the time only ' q=0xNN' (TimeQuality) may follow", s);
			ut.quality = (uint8_t)(hi << 4 | lo);
			p += 7 + strlen(p + 7);	/* the words restate the octet */
		}
		if (*p)
			return bad(err, "'%s' is not a UTC time like 2026-11-24T10:00:00.000Z", s);
		ber_put_utctime(b, CTX, MMS_TYPE_UTC_TIME, &ut);
		return 0;
	}
	/* binary-time: TimeOfDay, with days since 1984-01-01 when size is 1 */
	uint8_t o[6];
	int64_t ms, days = 0;
	if (t->size) {
		if (!parse_iso(&p, &secs, &ns) || *p)
			return bad(err, "'%s' is not a date and time like 2026-11-24T10:00:00.000Z", s);
		days = (secs >= 0 ? secs / 86400 : (secs - 86399) / 86400) - DAYS_1970_TO_1984;
		if (days < 0 || days > 0xFFFF)
			return bad(err, "'%s' is outside 1984..2163", s);
		ms = (secs % 86400 + 86400) % 86400 * 1000 + ns / 1000000;
	} else {
		int64_t sod;
		if (!parse_tod(&p, &sod, &ns) || *p)
			return bad(err, "'%s' is not a time of day like 10:00:00.000", s);
		ms = sod * 1000 + ns / 1000000;
	}
	o[0] = (uint8_t)(ms >> 24);
	o[1] = (uint8_t)(ms >> 16);
	o[2] = (uint8_t)(ms >> 8);
	o[3] = (uint8_t)ms;
	o[4] = (uint8_t)(days >> 8);
	o[5] = (uint8_t)days;
	ber_put_raw(b, CTX, MMS_TYPE_BINARY_TIME, o, t->size ? 6 : 4);
	return 0;
}

/* Checks a string length against a TypeSpecification size: fixed sizes are
 * exact for bit and octet strings, a maximum for character strings. */
static int check_size(const char *unit, size_t n, int32_t size, bool exact_if_fixed,
		      struct proto_err *err)
{
	int64_t max = size < 0 ? -(int64_t)size : size;
	if (exact_if_fixed && size >= 0 && (int64_t)n != size)
		return bad(err, "%zu %s, the type has exactly %d", n, unit, size);
	if ((int64_t)n > max)
		return bad(err, "%zu %s, the type allows at most %lld", n, unit, (long long)max);
	return 0;
}

int mms_data_parse(struct buf *b, const struct mms_typespec *t, const char *s,
		   struct proto_err *err)
{
	char *end;
	size_t n = strlen(s);
	int r;

	switch (t->type) {
	case MMS_TYPE_ARRAY:
	case MMS_TYPE_STRUCTURE:
		return bad(err, "the reference names %s: write its attributes one at a time",
			   t->type == MMS_TYPE_ARRAY ? "an array" : "a structure");
	case MMS_TYPE_BOOLEAN:
		if (!strcmp(s, "true") || !strcmp(s, "1"))
			ber_put_bool(b, CTX, MMS_TYPE_BOOLEAN, true);
		else if (!strcmp(s, "false") || !strcmp(s, "0"))
			ber_put_bool(b, CTX, MMS_TYPE_BOOLEAN, false);
		else
			return bad(err, "'%s' is not a boolean (true, false, 1 or 0)", s);
		return 0;
	case MMS_TYPE_INTEGER:
	case MMS_TYPE_UNSIGNED:
	case MMS_TYPE_BCD: {
		bool sign = t->type == MMS_TYPE_INTEGER;
		int w = t->size;
		errno = 0;
		if (!n || (!sign && s[0] == '-') || s[0] == ' ' || s[0] == '+')
			return bad(err, "'%s' is not %s integer", s, sign ? "an" : "an unsigned");
		if (sign) {
			long long v = strtoll(s, &end, 10);
			if (*end)
				return bad(err, "'%s' is not an integer", s);
			if (errno)
				return bad(err, "%s does not fit 64 bits", s);
			if (w >= 1 && w < 64 &&
			    (v < -(1LL << (w - 1)) || v > (1LL << (w - 1)) - 1))
				return bad(err, "%s is outside the range of int%d", s, w);
			ber_put_int(b, CTX, MMS_TYPE_INTEGER, v);
			return 0;
		}
		unsigned long long v = strtoull(s, &end, 10);
		if (*end)
			return bad(err, "'%s' is not an unsigned integer", s);
		if (errno)
			return bad(err, "%s does not fit 64 bits", s);
		if (t->type == MMS_TYPE_BCD) {
			/* bcd [13] Unsigned8: the number of decimal digits */
			if (v > INT64_MAX || (w > 0 && w < 19 && n > (size_t)w))
				return bad(err, "%s has more than %d digits", s, w);
			ber_put_int(b, CTX, MMS_TYPE_BCD, (int64_t)v);
			return 0;
		}
		if (w >= 1 && w < 64 && v > (1ULL << w) - 1)
			return bad(err, "%s is outside the range of uint%d", s, w);
		ber_put_uint(b, CTX, MMS_TYPE_UNSIGNED, v);
		return 0;
	}
	case MMS_TYPE_FLOAT: {
		errno = 0;
		double v = strtod(s, &end);
		if (!n || *end || s[0] == ' ')
			return bad(err, "'%s' is not a number", s);
		if (t->exp_width == 8) {
			if (isfinite(v) && isinf((float)v))
				return bad(err, "%s does not fit float32", s);
			ber_put_float32(b, CTX, MMS_TYPE_FLOAT, (float)v);
		} else if (t->exp_width == 11) {
			if (errno == ERANGE && isinf(v))
				return bad(err, "%s does not fit float64", s);
			ber_put_float64(b, CTX, MMS_TYPE_FLOAT, v);
		} else {
			return bad(err, "floating point of exponent width %u is not supported",
				   t->exp_width);
		}
		return 0;
	}
	case MMS_TYPE_BIT_STRING: {
		if ((r = check_size("bits", n, t->size, true, err)))
			return r;
		uint8_t *bits = calloc(1, n / 8 + 1);
		if (!bits)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			if (s[i] != '0' && s[i] != '1') {
				free(bits);
				return bad(err, "'%s': a bit string is written as binary digits, "
					   "first bit first (like 0000000000000)", s);
			}
			if (s[i] == '1')
				mms_set_bit(bits, (unsigned)i);
		}
		ber_put_bitstring(b, CTX, MMS_TYPE_BIT_STRING, bits, n);
		free(bits);
		return 0;
	}
	case MMS_TYPE_OCTET_STRING: {
		if (n % 2)
			return bad(err, "'%s': octets are written as pairs of hex digits", s);
		if ((r = check_size("octets", n / 2, t->size, true, err)))
			return r;
		ber_put_hdr(b, CTX, MMS_TYPE_OCTET_STRING, n / 2);
		for (size_t i = 0; i < n; i += 2) {
			int hi = hexval(s[i]), lo = hexval(s[i + 1]);
			if (hi < 0 || lo < 0)
				return bad(err, "'%s': octets are written as pairs of hex digits", s);
			buf_put_u8(b, (uint8_t)(hi << 4 | lo));
		}
		return 0;
	}
	case MMS_TYPE_VISIBLE_STRING:
	case MMS_TYPE_GENERALIZED_TIME:
		for (size_t i = 0; i < n; i++)
			if ((uint8_t)s[i] < 0x20 || (uint8_t)s[i] > 0x7E)
				return bad(err, "a visible string holds printable ASCII only "
					   "(character %zu is 0x%02x)", i + 1, (uint8_t)s[i]);
		if (t->type == MMS_TYPE_VISIBLE_STRING &&
		    (r = check_size("characters", n, t->size, false, err)))
			return r;
		ber_put_raw(b, CTX, t->type, s, n);
		return 0;
	case MMS_TYPE_MMS_STRING: {
		size_t chars = 0;
		for (size_t i = 0, k; i < n; i += k, chars++)
			if (!(k = utf8_len((const uint8_t *)s + i, n - i)))
				return bad(err, "the value is not valid UTF-8 (octet %zu)", i + 1);
		if ((r = check_size("characters", chars, t->size, false, err)))
			return r;
		ber_put_raw(b, CTX, MMS_TYPE_MMS_STRING, s, n);
		return 0;
	}
	case MMS_TYPE_UTC_TIME:
	case MMS_TYPE_BINARY_TIME:
		return parse_time(b, t, s, err);
	case MMS_TYPE_OBJID: {
		uint32_t arcs[32];
		size_t k = 0;
		const char *p = s;
		while (*p) {
			errno = 0;
			if (*p < '0' || *p > '9' || k == 32)
				return bad(err, "'%s' is not an object identifier like 1.0.9506.2.1", s);
			unsigned long v = strtoul(p, &end, 10);
			if (errno || v > UINT32_MAX || (*end && *end != '.') || (*end && !end[1]))
				return bad(err, "'%s' is not an object identifier like 1.0.9506.2.1", s);
			arcs[k++] = (uint32_t)v;
			p = *end ? end + 1 : end;
		}
		if (k < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39))
			return bad(err, "'%s' is not an object identifier like 1.0.9506.2.1", s);
		ber_put_oid(b, CTX, MMS_TYPE_OBJID, arcs, k);
		return 0;
	}
	default:
		return bad(err, "values of type [%u] cannot be written", t->type);
	}
}
