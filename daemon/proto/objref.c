/* SPDX-License-Identifier: Apache-2.0 */
/* IEC 61850 object references (objref.h). */
#include "objref.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define R "reference"

static int ref_fail(struct proto_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int ref_fail(struct proto_err *err, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->layer = R;
		va_start(ap, fmt);
		vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* The MMS form "LN$FC$DO$DA" (p[0..pl)), taken as the item as it is. */
static int parse_mms(const char *p, size_t pl, struct objref *out, struct proto_err *err)
{
	if (pl > MMS_MAX_ITEM)
		return ref_fail(err, "MMS name of %zu characters (at most %d)", pl, MMS_MAX_ITEM);
	for (size_t i = 0; i < pl; i++)
		if (!name_char(p[i]) && p[i] != '$')
			return ref_fail(err, "character '%c' in an MMS name", p[i]);
	if (p[0] == '$' || p[pl - 1] == '$' || strstr(p, "$$"))
		return ref_fail(err, "empty component in an MMS name");
	memcpy(out->item, p, pl + 1);
	const char *d1 = strchr(p, '$');
	memcpy(out->ln, p, (size_t)(d1 - p));
	const char *rest = d1 + 1, *d2 = strchr(rest, '$');
	size_t l2 = d2 ? (size_t)(d2 - rest) : strlen(rest);
	out->fc = mms_fc_parse(rest, l2);
	if (out->fc != FC_NONE)
		rest = d2 ? d2 + 1 : rest + l2;
	size_t k = 0;
	for (; rest[k]; k++)
		out->path[k] = rest[k] == '$' ? '.' : rest[k];
	out->path[k] = 0;
	return 0;
}

/* One name of the dotted form, p[0..len), with an optional "(n)" after it. */
static int check_name(const char *p, size_t len, bool *indexed, struct proto_err *err)
{
	const char *paren = memchr(p, '(', len);
	size_t nl = paren ? (size_t)(paren - p) : len;
	if (!nl)
		return ref_fail(err, "empty component");
	for (size_t i = 0; i < nl; i++)
		if (!name_char(p[i]))
			return ref_fail(err, "character '%c' in a reference", p[i]);
	if (!paren)
		return 0;
	/* "name(n)": n decimal, below 2^31 */
	const char *q = paren + 1, *end = p + len;
	long long v = 0;
	if (q >= end || *q == ')' || end[-1] != ')')
		goto bad;
	for (; q < end - 1; q++) {
		if (*q < '0' || *q > '9' || (v = v * 10 + (*q - '0')) > INT32_MAX)
			goto bad;
	}
	*indexed = true;
	return 0;
bad:
	return ref_fail(err, "'%.*s': an array element is written name(n), n a decimal number",
			(int)len, p);
}

int objref_parse(const char *ref, struct objref *out, struct proto_err *err)
{
	const char *slash = strchr(ref, '/');

	memset(out, 0, sizeof(*out));
	if (!slash || slash == ref)
		return ref_fail(err, "no logical device: expected LD/LN.DO.DA[FC] or LD/LN$FC$DO$DA");
	size_t dl = (size_t)(slash - ref);
	if (dl > MMS_MAX_DOMAIN)
		return ref_fail(err, "logical device name of %zu characters (at most %d)", dl,
				MMS_MAX_DOMAIN);
	for (size_t i = 0; i < dl; i++)
		if ((uint8_t)ref[i] < 0x21 || (uint8_t)ref[i] > 0x7E)
			return ref_fail(err, "logical device name with character 0x%02x",
					(uint8_t)ref[i]);
	memcpy(out->ld, ref, dl);
	const char *p = slash + 1;
	size_t pl = strlen(p);
	if (!pl)
		return ref_fail(err, "no logical node after the '/'");
	if (strchr(p, '$')) {
		out->form = OBJREF_MMS;
		return parse_mms(p, pl, out, err);
	}

	/* dotted form: LN[.DO[.DA...]][[FC]] */
	out->form = OBJREF_DOTTED;
	const char *br = strchr(p, '[');
	size_t body = pl;
	if (br) {
		if (pl < 4 || p[pl - 1] != ']' || br != p + pl - 4)
			return ref_fail(err, "the functional constraint goes last, as in LD/LN.DO.DA[ST]");
		out->fc = mms_fc_parse(br + 1, 2);
		if (out->fc == FC_NONE)
			return ref_fail(err, "[%.2s] is not a functional constraint (ST, MX, CO, CF, "
					"DC, SP, SV, SG, SE, SR, OR, BL, EX, SC, ...)", br + 1);
		body = (size_t)(br - p);
	}
	if (!body)
		return ref_fail(err, "no logical node after the '/'");
	const char *dot = memchr(p, '.', body);
	size_t lnl = dot ? (size_t)(dot - p) : body;
	for (size_t i = 0; i < lnl; i++)
		if (!name_char(p[i]))
			return ref_fail(err, "character '%c' in a reference%s", p[i],
					p[i] == '(' ? " (a logical node is no array)" : "");
	if (!lnl)
		return ref_fail(err, "empty component");
	for (const char *c = dot; c; ) {
		const char *s = c + 1, *e = memchr(s, '.', (size_t)(p + body - s));
		int r = check_name(s, (size_t)((e ? e : p + body) - s), &out->indexed, err);
		if (r)
			return r;
		c = e;
	}
	/* the MMS name it stands for: LN, $FC, then the rest with '.' -> '$' */
	size_t rest = body - lnl;
	if (lnl + (out->fc != FC_NONE || rest ? 3 : 0) + rest > MMS_MAX_ITEM)
		return ref_fail(err, "the MMS name would be longer than %d characters",
				MMS_MAX_ITEM);
	memcpy(out->ln, p, lnl);
	if (rest)
		memcpy(out->path, dot + 1, rest - 1);
	if (out->indexed || (out->fc == FC_NONE && rest))
		return 0;
	size_t k = lnl;
	memcpy(out->item, p, lnl);
	if (out->fc != FC_NONE) {
		out->item[k++] = '$';
		memcpy(out->item + k, mms_fc_name(out->fc), 2);
		k += 2;
	}
	for (size_t i = lnl; i < body; i++)
		out->item[k++] = p[i] == '.' ? '$' : p[i];
	out->item[k] = 0;
	return 0;
}

const char *objref_format(const char *domain, const char *item, char *out, size_t n)
{
	const char *d1 = strchr(item, '$');
	size_t o = 0;

#define PUT(...) \
	do { \
		int w_ = snprintf(o < n ? out + o : NULL, o < n ? n - o : 0, __VA_ARGS__); \
		if (w_ > 0) \
			o += (size_t)w_; \
	} while (0)

	if (n == 0)
		return out;
	out[0] = 0;
	if (domain)
		PUT("%s/", domain);
	if (!d1) {
		PUT("%s", item);
		return out;
	}
	const char *fc = d1 + 1;
	const char *d2 = strchr(fc, '$');
	size_t fcl = d2 ? (size_t)(d2 - fc) : strlen(fc);
	PUT("%.*s", (int)(d1 - item), item);
	if (mms_fc_parse(fc, fcl) != FC_NONE) {
		for (const char *p = d2; p && *p; p++)
			PUT("%c", *p == '$' ? '.' : *p);
		PUT("[%.2s]", fc);
	} else {
		for (const char *p = d1; *p; p++)
			PUT("%c", *p == '$' ? '.' : *p);
	}
#undef PUT
	return out;
}
