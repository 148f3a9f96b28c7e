/* SPDX-License-Identifier: Apache-2.0 */
/* Modbus map addresses and the value codec (see mb_point.h, doc/modbus.md). */
#include "mb_point.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MB_SYNTAX "the syntax is TABLE:ADDR[:TYPE[:ORDER]] with TABLE coil|di|hr|ir and ADDR the " \
	"0-based protocol address (e.g. hr:100:f32:cdab), or a 5/6-digit reference " \
	"such as 40101:f32:cdab"

#define MB_ADDR_TEXT_MAX 128

static const char *const table_names[] = {
	[MB_COIL] = "coil", [MB_DI] = "di", [MB_HR] = "hr", [MB_IR] = "ir",
};

static const char *const table_long[] = {
	[MB_COIL] = "coil", [MB_DI] = "discrete input", [MB_HR] = "holding register",
	[MB_IR] = "input register",
};

static const struct {
	const char *name;
	uint8_t type;
} type_names[] = {
	{ "bool", MB_BOOL },	{ "u16", MB_U16 },	{ "uint16", MB_U16 },
	{ "i16", MB_I16 },	{ "int16", MB_I16 },	{ "s16", MB_I16 },
	{ "u32", MB_U32 },	{ "uint32", MB_U32 },	{ "i32", MB_I32 },
	{ "int32", MB_I32 },	{ "s32", MB_I32 },	{ "u64", MB_U64 },
	{ "uint64", MB_U64 },	{ "i64", MB_I64 },	{ "int64", MB_I64 },
	{ "s64", MB_I64 },	{ "f32", MB_F32 },	{ "float", MB_F32 },
	{ "float32", MB_F32 },	{ "f64", MB_F64 },	{ "double", MB_F64 },
	{ "float64", MB_F64 },
};

static const uint8_t type_width[] = {
	[MB_BOOL] = 1, [MB_U16] = 1, [MB_I16] = 1, [MB_U32] = 2, [MB_I32] = 2,
	[MB_U64] = 4, [MB_I64] = 4, [MB_F32] = 2, [MB_F64] = 4,
};

const char *mb_table_name(enum mb_table t)
{
	return (unsigned)t < sizeof table_names / sizeof table_names[0] ? table_names[t] : "?";
}

const char *mb_type_name(enum mb_type t)
{
	for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
		if (type_names[i].type == t)
			return type_names[i].name;
	return "?";
}

enum iedd_kind mb_type_kind(enum mb_type t)
{
	switch (t) {
	case MB_BOOL:
		return IEDD_KIND_BOOL;
	case MB_U16:
	case MB_U32:
	case MB_U64:
		return IEDD_KIND_UINT;
	case MB_I16:
	case MB_I32:
	case MB_I64:
		return IEDD_KIND_INT;
	case MB_F32:
	case MB_F64:
		return IEDD_KIND_FLOAT;
	}
	return IEDD_KIND_NONE;
}

/* Decimal, or hexadecimal with 0x; no sign, no leading zeros that would
 * look octal to someone else's parser are rejected since we read decimal. */
static int parse_number(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		int d;

		if (isdigit((unsigned char)*s))
			d = *s - '0';
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else
			return -EINVAL;
		v = v * (unsigned long)base + (unsigned long)d;
		if (v > max)
			return -ERANGE;
	}
	*out = v;
	return 0;
}

static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* The four named orders, for any width: word order reversed (cdab, dcba)
 * and/or the two bytes of each register swapped (badc, dcba). */
static void order_named(uint8_t width, bool word_swap, bool byte_swap, uint8_t *order)
{
	for (unsigned k = 0; k < width; k++) {
		unsigned vw = word_swap ? width - 1u - k : k;

		order[2 * k] = (uint8_t)(2 * vw + (byte_swap ? 1 : 0));
		order[2 * k + 1] = (uint8_t)(2 * vw + (byte_swap ? 0 : 1));
	}
}

static int parse_order(const char *s, uint8_t width, uint8_t *order)
{
	size_t len = strlen(s);
	static const char *const named[] = { "abcd", "cdab", "badc", "dcba" };

	if (len == 4) {
		for (unsigned i = 0; i < 4; i++) {
			if (strcmp(s, named[i]) == 0) {
				order_named(width, i == 1 || i == 3, i == 2 || i == 3, order);
				return 0;
			}
		}
	}
	if (len != 2u * width)
		return -EINVAL;
	bool seen[8] = { false };

	for (size_t i = 0; i < len; i++) {
		int b = s[i] - 'a';

		if (b < 0 || b >= (int)len || seen[b])
			return -EINVAL;
		seen[b] = true;
		order[i] = (uint8_t)b;
	}
	return 0;
}

static const char *order_help(uint8_t width)
{
	switch (width) {
	case 1:
		return "ab or ba (abcd/cdab = ab, badc/dcba = ba)";
	case 2:
		return "abcd (big-endian), cdab (word swap), badc (byte swap), dcba (both) "
		       "or another permutation of abcd";
	default:
		return "abcd, cdab, badc, dcba (applied to all four registers) or a "
		       "permutation of abcdefgh";
	}
}

int mb_addr_parse(const char *text, struct mb_addr *out, char *err, size_t errlen)
{
	char buf[MB_ADDR_TEXT_MAX];
	char *field[5];
	size_t nf = 0;
	const char *b = text;
	size_t len;

	while (isspace((unsigned char)*b))
		b++;
	len = strlen(b);
	while (len > 0 && isspace((unsigned char)b[len - 1]))
		len--;
	if (len == 0) {
		snprintf(err, errlen, "modbus address is empty; %s", MB_SYNTAX);
		return -EINVAL;
	}
	if (len >= sizeof buf) {
		snprintf(err, errlen, "modbus address '%.40s...' is too long; %s", b, MB_SYNTAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)tolower((unsigned char)b[i]);
	buf[len] = '\0';
	field[nf++] = buf;
	for (char *p = buf; *p; p++) {
		if (*p != ':')
			continue;
		*p = '\0';
		if (nf == 5)
			break;
		field[nf++] = p + 1;
	}
	for (size_t i = 0; i < nf; i++)
		if (!field[i][0])
			goto syntax;

	struct mb_addr a = { .table = MB_HR };
	size_t f = 1;
	unsigned long n;

	if (all_digits(field[0])) {
		/* Modicon reference: first digit = table, rest = 1-based number. */
		size_t dl = strlen(field[0]);
		unsigned long max = dl == 6 ? 65536 : 9999;

		if (dl != 5 && dl != 6) {
			snprintf(err, errlen,
				 "modbus address '%s': a register reference has 5 or 6 digits "
				 "(40001 = hr:0, 30001 = ir:0, 10001 = di:0, 00001 = coil:0); %s",
				 text, MB_SYNTAX);
			return -EINVAL;
		}
		switch (field[0][0]) {
		case '0': a.table = MB_COIL; break;
		case '1': a.table = MB_DI; break;
		case '3': a.table = MB_IR; break;
		case '4': a.table = MB_HR; break;
		default:
			snprintf(err, errlen,
				 "modbus address '%s': a reference starts with 0 (coil), 1 (di), "
				 "3 (ir) or 4 (hr); %s", text, MB_SYNTAX);
			return -EINVAL;
		}
		if (parse_number(field[0] + 1, max, &n) < 0 || n == 0) {
			snprintf(err, errlen,
				 "modbus address '%s': reference numbers run from %c%s1 to %c%lu "
				 "(1-based); %s", text, field[0][0], dl == 6 ? "0000" : "000",
				 field[0][0], max, MB_SYNTAX);
			return -EINVAL;
		}
		a.addr = (uint16_t)(n - 1);
	} else {
		size_t t;

		for (t = 0; t < 4; t++)
			if (strcmp(field[0], table_names[t]) == 0)
				break;
		if (t == 4) {
			snprintf(err, errlen, "modbus address '%s': unknown table '%s'; %s", text,
				 field[0], MB_SYNTAX);
			return -EINVAL;
		}
		a.table = (uint8_t)t;
		if (nf < 2)
			goto syntax;
		if (parse_number(field[1], 65535, &n) < 0) {
			snprintf(err, errlen,
				 "modbus address '%s': '%s' is not an address 0..65535 (decimal or "
				 "0x hex, 0-based as in the protocol); %s", text, field[1], MB_SYNTAX);
			return -EINVAL;
		}
		a.addr = (uint16_t)n;
		f = 2;
	}
	if (nf > f + 2)
		goto syntax;

	bool bits = a.table == MB_COIL || a.table == MB_DI;

	a.type = bits ? MB_BOOL : MB_U16;
	if (nf > f) {
		size_t t;

		for (t = 0; t < sizeof type_names / sizeof type_names[0]; t++)
			if (strcmp(field[f], type_names[t].name) == 0)
				break;
		if (t == sizeof type_names / sizeof type_names[0]) {
			snprintf(err, errlen,
				 "modbus address '%s': unknown type '%s'; expected bool (coil, di) "
				 "or u16, i16, u32, i32, u64, i64, f32, f64 (hr, ir); %s", text,
				 field[f], MB_SYNTAX);
			return -EINVAL;
		}
		a.type = type_names[t].type;
		if (bits != (a.type == MB_BOOL)) {
			snprintf(err, errlen,
				 bits ? "modbus address '%s': a %s holds one bit: type bool, not %s"
				      : "modbus address '%s': %ss hold 16-bit words: use u16 "
					"(and a BOOLEAN attribute) instead of %s",
				 text, table_long[a.table], field[f]);
			return -EINVAL;
		}
	}
	a.width = type_width[a.type];
	order_named(a.width, false, false, a.order);
	if (nf > f + 1) {
		if (bits) {
			snprintf(err, errlen,
				 "modbus address '%s': a bit has no byte order; drop ':%s'", text,
				 field[f + 1]);
			return -EINVAL;
		}
		if (parse_order(field[f + 1], a.width, a.order) < 0) {
			snprintf(err, errlen,
				 "modbus address '%s': unknown byte order '%s' for %s; expected %s",
				 text, field[f + 1], mb_type_name((enum mb_type)a.type),
				 order_help(a.width));
			return -EINVAL;
		}
	}
	if ((unsigned)a.addr + a.width - 1u > 65535u) {
		snprintf(err, errlen,
			 "modbus address '%s': a %s at %u runs past the last address 65535", text,
			 mb_type_name((enum mb_type)a.type), (unsigned)a.addr);
		return -EINVAL;
	}
	*out = a;
	return 0;

syntax:
	snprintf(err, errlen, "modbus address '%s': %s", text, MB_SYNTAX);
	return -EINVAL;
}

int mb_addr_check(const struct mb_addr *a, const char *text, enum iedd_kind kind, bool writable,
		  char *err, size_t errlen)
{
	switch (kind) {
	case IEDD_KIND_NONE:
	case IEDD_KIND_BOOL:
	case IEDD_KIND_INT:
	case IEDD_KIND_UINT:
	case IEDD_KIND_FLOAT:
		break;
	case IEDD_KIND_STRING:
		snprintf(err, errlen,
			 "modbus address '%s': the modbus source gives numbers and booleans, "
			 "not strings; map it to a numeric or BOOLEAN attribute", text);
		return -EINVAL;
	default:
		snprintf(err, errlen, "modbus address '%s': unknown value kind %d", text,
			 (int)kind);
		return -EINVAL;
	}
	if (writable && a->table == MB_DI) {
		snprintf(err, errlen,
			 "modbus address '%s': discrete inputs are read-only; map the row "
			 "read-only, or use a coil (coil:%u) if the device has one", text,
			 (unsigned)a->addr);
		return -EPERM;
	}
	if (writable && a->table == MB_IR) {
		snprintf(err, errlen,
			 "modbus address '%s': input registers are read-only; map the row "
			 "read-only, or use a holding register (hr:%u) if the device has one", text,
			 (unsigned)a->addr);
		return -EPERM;
	}
	return 0;
}

/* ---- codec ---- */

static void regs_to_bytes(const struct mb_addr *a, const uint16_t *regs, uint8_t *be)
{
	for (unsigned k = 0; k < a->width; k++) {
		be[a->order[2 * k]] = (uint8_t)(regs[k] >> 8);
		be[a->order[2 * k + 1]] = (uint8_t)(regs[k] & 0xff);
	}
}

static void bytes_to_regs(const struct mb_addr *a, const uint8_t *be, uint16_t *regs)
{
	for (unsigned k = 0; k < a->width; k++)
		regs[k] = (uint16_t)(be[a->order[2 * k]] << 8 | be[a->order[2 * k + 1]]);
}

static int64_t u64_as_i64(uint64_t u)
{
	return u <= INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

void mb_decode_regs(const struct mb_addr *a, const uint16_t *regs, struct mb_num *out)
{
	uint8_t be[8];
	uint64_t raw = 0;

	regs_to_bytes(a, regs, be);
	for (unsigned i = 0; i < 2u * a->width; i++)
		raw = raw << 8 | be[i];
	switch (a->type) {
	case MB_BOOL:
	case MB_U16:
	case MB_U32:
	case MB_U64:
		out->kind = IEDD_KIND_UINT;
		out->v.u = raw;
		break;
	case MB_I16:
		out->kind = IEDD_KIND_INT;
		out->v.i = (int16_t)(uint16_t)raw;
		break;
	case MB_I32:
		out->kind = IEDD_KIND_INT;
		out->v.i = (int32_t)(uint32_t)raw;
		break;
	case MB_I64:
		out->kind = IEDD_KIND_INT;
		out->v.i = u64_as_i64(raw);
		break;
	case MB_F32: {
		uint32_t r32 = (uint32_t)raw;
		float fl;

		memcpy(&fl, &r32, sizeof fl);
		out->kind = IEDD_KIND_FLOAT;
		out->v.f = fl;
		break;
	}
	case MB_F64:
		out->kind = IEDD_KIND_FLOAT;
		memcpy(&out->v.f, &raw, sizeof out->v.f);
		break;
	}
}

void mb_num_to_value(const struct mb_num *n, enum iedd_kind kind, struct iedd_value *out)
{
	const double two63 = 9223372036854775808.0, two64 = 18446744073709551616.0;

	if (kind == IEDD_KIND_NONE)
		kind = (enum iedd_kind)n->kind;
	out->kind = (uint8_t)kind;
	out->quality = IEDD_Q_GOOD;
	switch (kind) {
	case IEDD_KIND_BOOL:
		if (n->kind == IEDD_KIND_FLOAT) {
			if (isnan(n->v.f)) {
				out->kind = IEDD_KIND_NONE;
				out->quality = IEDD_Q_INVALID | IEDD_Q_OUT_OF_RANGE;
				return;
			}
			out->v.b = n->v.f != 0.0;
		} else {
			out->v.b = n->kind == IEDD_KIND_INT ? n->v.i != 0 : n->v.u != 0;
		}
		return;
	case IEDD_KIND_INT:
		if (n->kind == IEDD_KIND_INT) {
			out->v.i = n->v.i;
		} else if (n->kind != IEDD_KIND_FLOAT) {
			out->v.i = n->v.u > INT64_MAX ? INT64_MAX : (int64_t)n->v.u;
			if (n->v.u > INT64_MAX)
				out->quality = IEDD_Q_VALIDITY_QUESTIONABLE | IEDD_Q_OUT_OF_RANGE;
		} else if (isnan(n->v.f)) {
			out->kind = IEDD_KIND_NONE;
			out->quality = IEDD_Q_INVALID | IEDD_Q_OUT_OF_RANGE;
		} else {
			double r = round(n->v.f);

			if (r < -two63 || r >= two63) {
				out->v.i = r < 0 ? INT64_MIN : INT64_MAX;
				out->quality = IEDD_Q_VALIDITY_QUESTIONABLE | IEDD_Q_OUT_OF_RANGE;
			} else {
				out->v.i = (int64_t)r;
			}
		}
		return;
	case IEDD_KIND_UINT:
		if (n->kind == IEDD_KIND_INT) {
			out->v.u = n->v.i < 0 ? 0 : (uint64_t)n->v.i;
			if (n->v.i < 0)
				out->quality = IEDD_Q_VALIDITY_QUESTIONABLE | IEDD_Q_OUT_OF_RANGE;
		} else if (n->kind != IEDD_KIND_FLOAT) {
			out->v.u = n->v.u;
		} else if (isnan(n->v.f)) {
			out->kind = IEDD_KIND_NONE;
			out->quality = IEDD_Q_INVALID | IEDD_Q_OUT_OF_RANGE;
		} else {
			double r = round(n->v.f);

			if (r < 0 || r >= two64) {
				out->v.u = r < 0 ? 0 : UINT64_MAX;
				out->quality = IEDD_Q_VALIDITY_QUESTIONABLE | IEDD_Q_OUT_OF_RANGE;
			} else {
				out->v.u = (uint64_t)r;
			}
		}
		return;
	case IEDD_KIND_FLOAT:
		if (n->kind == IEDD_KIND_FLOAT)
			out->v.f = n->v.f;
		else if (n->kind == IEDD_KIND_INT)
			out->v.f = (double)n->v.i;
		else
			out->v.f = (double)n->v.u;
		return;
	default:
		/* mb_addr_check refused every other kind */
		out->kind = IEDD_KIND_NONE;
		out->quality = IEDD_Q_INVALID | IEDD_Q_FAILURE;
		return;
	}
}

static int fmt_value(const struct iedd_value *v, char *buf, size_t len)
{
	switch (v->kind) {
	case IEDD_KIND_BOOL:
		return snprintf(buf, len, "%s", v->v.b ? "true" : "false");
	case IEDD_KIND_INT:
		return snprintf(buf, len, "%" PRId64, v->v.i);
	case IEDD_KIND_UINT:
		return snprintf(buf, len, "%" PRIu64, v->v.u);
	case IEDD_KIND_FLOAT:
		return snprintf(buf, len, "%.17g", v->v.f);
	default:
		return snprintf(buf, len, "(kind %d)", v->kind);
	}
}

/* Integer target of the given range: unsigned when lo == 0. */
static int to_integer(const struct iedd_value *v, int64_t lo, uint64_t hi, uint64_t *raw)
{
	if (v->kind == IEDD_KIND_BOOL) {
		*raw = v->v.b ? 1 : 0;
		return 0;
	}
	if (v->kind == IEDD_KIND_INT) {
		if (v->v.i < lo || (v->v.i >= 0 && (uint64_t)v->v.i > hi))
			return -ERANGE;
		*raw = (uint64_t)v->v.i;
		return 0;
	}
	if (v->kind == IEDD_KIND_UINT) {
		if (v->v.u > hi)
			return -ERANGE;
		*raw = v->v.u;
		return 0;
	}
	if (v->kind != IEDD_KIND_FLOAT)
		return -EINVAL;
	if (isnan(v->v.f))
		return -EINVAL;
	double r = round(v->v.f);
	/* hi + 1 is a power of two, exact as a double. */
	double top = (double)hi + 1.0;

	if (r < (double)lo || r >= top)
		return -ERANGE;
	if (r < 0)
		*raw = (uint64_t)(int64_t)r;
	else
		*raw = (uint64_t)r;
	return 0;
}

static double to_double(const struct iedd_value *v)
{
	switch (v->kind) {
	case IEDD_KIND_BOOL:
		return v->v.b ? 1.0 : 0.0;
	case IEDD_KIND_INT:
		return (double)v->v.i;
	case IEDD_KIND_UINT:
		return (double)v->v.u;
	default:
		return v->v.f;
	}
}

int mb_encode(const struct mb_addr *a, const char *text, const struct iedd_value *v, uint16_t *regs,
	      bool *bit, char *err, size_t errlen)
{
	static const struct {
		int64_t lo;
		uint64_t hi;
		const char *range;
	} lim[] = {
		[MB_BOOL] = { 0, 1, "0..1" },
		[MB_U16] = { 0, UINT16_MAX, "0..65535" },
		[MB_I16] = { INT16_MIN, INT16_MAX, "-32768..32767" },
		[MB_U32] = { 0, UINT32_MAX, "0..4294967295" },
		[MB_I32] = { INT32_MIN, INT32_MAX, "-2147483648..2147483647" },
		[MB_U64] = { 0, UINT64_MAX, "0..18446744073709551615" },
		[MB_I64] = { INT64_MIN, INT64_MAX,
			     "-9223372036854775808..9223372036854775807" },
	};
	char shown[64];
	uint64_t raw = 0;
	int rc = 0;

	if (v->kind != IEDD_KIND_BOOL && v->kind != IEDD_KIND_INT && v->kind != IEDD_KIND_UINT &&
	    v->kind != IEDD_KIND_FLOAT) {
		snprintf(err, errlen, "modbus address '%s': cannot write a value of kind %d "
			 "(numbers and booleans only)", text, v->kind);
		return -EINVAL;
	}
	if (a->type == MB_BOOL) {
		if (v->kind == IEDD_KIND_FLOAT && isnan(v->v.f)) {
			snprintf(err, errlen, "modbus address '%s': cannot write NaN to a coil", text);
			return -EINVAL;
		}
		*bit = to_double(v) != 0.0;
		return 0;
	}
	switch (a->type) {
	case MB_U16:
	case MB_I16:
	case MB_U32:
	case MB_I32:
	case MB_U64:
	case MB_I64:
		rc = to_integer(v, lim[a->type].lo, lim[a->type].hi, &raw);
		if (rc < 0) {
			fmt_value(v, shown, sizeof shown);
			snprintf(err, errlen, "modbus address '%s': %s does not fit %s (%s)", text,
				 shown, mb_type_name((enum mb_type)a->type), lim[a->type].range);
			return rc;
		}
		if (a->width < 4)
			raw &= (UINT64_C(1) << (16 * a->width)) - 1;
		break;
	case MB_F32: {
		double d = to_double(v);
		float fl;
		uint32_t r32;

		if (isfinite(d) && fabs(d) > FLT_MAX) {
			fmt_value(v, shown, sizeof shown);
			snprintf(err, errlen, "modbus address '%s': %s does not fit f32 (|x| <= %g)",
				 text, shown, (double)FLT_MAX);
			return -ERANGE;
		}
		fl = (float)d;
		memcpy(&r32, &fl, sizeof r32);
		raw = r32;
		break;
	}
	case MB_F64: {
		double d = to_double(v);

		memcpy(&raw, &d, sizeof raw);
		break;
	}
	default:
		snprintf(err, errlen, "modbus address '%s': bad type", text);
		return -EINVAL;
	}

	uint8_t be[8];
	unsigned nb = 2u * a->width;

	for (unsigned i = 0; i < nb; i++)
		be[i] = (uint8_t)(raw >> (8 * (nb - 1 - i)));
	bytes_to_regs(a, be, regs);
	return 0;
}
