/* SPDX-License-Identifier: Apache-2.0 */
/* The client's view of an MMS TypeSpecification (ISO 9506-2 §14.1;
 * IEC 61850-8-1 §8.1.3 for the sizes of the packed types): decoded from a
 * GetVariableAccessAttributes response into struct mms_typespec, bounded in
 * depth and size. */
#include "mms_client_priv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "objref.h"

/* ---- TypeSpecification ---- */

/* Two passes over the same input: the first (nodes == NULL) checks
 * everything and counts nodes and name octets, the second fills one
 * allocation of exactly that size. Components of a structure are adjacent
 * nodes, so comp[] is an array. */
struct ts_ctx {
	unsigned max_depth, max_nodes;
	struct mms_typespec *nodes;
	char *names;
	size_t used, name_used;
	struct proto_err *err;
};

static int ts_take(struct ts_ctx *x, size_t n, struct mms_typespec **out)
{
	if (!x->nodes && x->used + n > x->max_nodes)
		return proto_fail(x->err, L, "type description with more than %u nodes",
				  x->max_nodes);
	*out = x->nodes ? x->nodes + x->used : NULL;
	x->used += n;
	return 0;
}

static int ts_walk(struct ts_ctx *x, const struct ber_cur *parent, const struct ber_tlv *t,
		   unsigned depth, struct mms_typespec *node);

/* An explicitly tagged TypeSpecification: `t` wraps exactly one CHOICE TLV. */
static int ts_wrapped(struct ts_ctx *x, const struct ber_cur *parent, const struct ber_tlv *t,
		      unsigned depth, struct mms_typespec *node, const char *what)
{
	struct ber_cur w;
	struct ber_tlv in;
	int r;

	if ((r = ber_enter(parent, t, &w, x->err)) || (r = ber_next(&w, &in, x->err)))
		return proto_relayer(x->err, L, r == -ENODATA ?
				     proto_fail(x->err, L, "empty %s", what) : r);
	if (!ber_cur_done(&w))
		return proto_fail(x->err, L, "octets after the %s", what);
	return ts_walk(x, &w, &in, depth, node);
}

static int ts_int(const struct ber_tlv *t, int64_t min, int64_t max, int32_t *v,
		  struct proto_err *err)
{
	int64_t x;
	int r;
	if (t->constructed)
		return proto_fail(err, L, "TypeSpecification [%u] is constructed", t->tag);
	if ((r = ber_get_int_range(t, min, max, &x, err)))
		return proto_relayer(err, L, r);
	*v = (int32_t)x;
	return 0;
}

static int ts_array(struct ts_ctx *x, struct ber_cur *c, unsigned depth,
		    struct mms_typespec *node)
{
	struct ber_tlv f;
	struct mms_typespec *elem;
	uint64_t u;
	bool packed = false;
	int r;

	if ((r = ber_next(c, &f, x->err)))
		return proto_relayer(x->err, L, r == -ENODATA ? proto_fail(x->err, L, "empty array type") : r);
	if (ber_is(&f, CTX, 0)) {
		if ((r = ber_get_bool(&f, &packed, x->err)) || (r = ber_next(c, &f, x->err)))
			return proto_relayer(x->err, L, r == -ENODATA ?
					     proto_fail(x->err, L, "array type without numberOfElements") : r);
	}
	if (!ber_is(&f, CTX, 1))
		return proto_fail(x->err, L, "array type without numberOfElements");
	if ((r = ber_get_uint64(&f, &u, x->err)))
		return proto_relayer(x->err, L, r);
	if (u > UINT32_MAX)
		return proto_fail(x->err, L, "numberOfElements %llu does not fit Unsigned32",
				  (unsigned long long)u);
	if ((r = ber_expect(c, CTXC, 2, &f, "elementType", x->err)))
		return proto_relayer(x->err, L, r);
	if (!ber_cur_done(c))
		return proto_fail(x->err, L, "octets after elementType");
	if ((r = ts_take(x, 1, &elem)) ||
	    (r = ts_wrapped(x, c, &f, depth + 1, elem, "elementType")))
		return r;
	if (node) {
		node->packed = packed;
		node->n = (uint32_t)u;
		node->elem = elem;
	}
	return 0;
}

static int ts_structure(struct ts_ctx *x, struct ber_cur *c, unsigned depth,
			struct mms_typespec *node)
{
	struct ber_cur list, k, s;
	struct ber_tlv f, g;
	struct mms_typespec *comp;
	bool packed = false;
	size_t n = 0;
	int r;

	if ((r = ber_next(c, &f, x->err)))
		return proto_relayer(x->err, L, r == -ENODATA ? proto_fail(x->err, L, "empty structure type") : r);
	if (ber_is(&f, CTX, 0)) {
		if ((r = ber_get_bool(&f, &packed, x->err)) || (r = ber_next(c, &f, x->err)))
			return proto_relayer(x->err, L, r == -ENODATA ?
					     proto_fail(x->err, L, "structure type without components") : r);
	}
	if (!ber_is(&f, CTXC, 1))
		return proto_fail(x->err, L, "structure type without components");
	if (!ber_cur_done(c))
		return proto_fail(x->err, L, "octets after components");
	if ((r = ber_enter(c, &f, &list, x->err)))
		return proto_relayer(x->err, L, r);
	k = list;
	while ((r = ber_next(&k, &g, x->err)) == 0)
		n++;
	if (r != -ENODATA)
		return proto_relayer(x->err, L, r);
	if ((r = ts_take(x, n, &comp)))
		return r;
	for (size_t i = 0; i < n; i++) {
		struct mms_typespec *cn = comp ? &comp[i] : NULL;
		const char *name = NULL;

		if ((r = ber_next(&list, &g, x->err)))
			return proto_relayer(x->err, L, r);
		if (!ber_is(&g, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE))
			return proto_fail(x->err, L, "component %zu is not a SEQUENCE", i + 1);
		if ((r = ber_enter(&list, &g, &s, x->err)) || (r = ber_next(&s, &f, x->err)))
			return proto_relayer(x->err, L, r == -ENODATA ?
					     proto_fail(x->err, L, "empty component %zu", i + 1) : r);
		if (ber_is(&f, CTX, 0)) {
			/* componentName [0] Identifier */
			if (f.len > MMS_MAX_ITEM)
				return proto_fail(x->err, L, "component name of %zu characters", f.len);
			for (size_t j = 0; j < f.len; j++)
				if (f.val[j] < 0x21 || f.val[j] > 0x7E)
					return proto_fail(x->err, L,
							  "component name with octet 0x%02x", f.val[j]);
			if (x->nodes) {
				char *d = x->names + x->name_used;
				memcpy(d, f.val, f.len);
				d[f.len] = 0;
				name = d;
			}
			x->name_used += f.len + 1;
			if ((r = ber_next(&s, &f, x->err)))
				return proto_relayer(x->err, L, r == -ENODATA ?
						     proto_fail(x->err, L, "component %zu without type", i + 1) : r);
		}
		if (!ber_is(&f, CTXC, 1))
			return proto_fail(x->err, L, "component %zu without componentType", i + 1);
		if (!ber_cur_done(&s))
			return proto_fail(x->err, L, "octets after component %zu", i + 1);
		if ((r = ts_wrapped(x, &s, &f, depth + 1, cn, "componentType")))
			return r;
		if (cn)
			cn->name = name;
	}
	if (node) {
		node->packed = packed;
		node->n = (uint32_t)n;
		node->comp = comp;
	}
	return 0;
}

static int ts_walk(struct ts_ctx *x, const struct ber_cur *parent, const struct ber_tlv *t,
		   unsigned depth, struct mms_typespec *node)
{
	struct mms_typespec tmp = { 0 };
	struct ber_cur c;
	struct ber_tlv f;
	int32_t v = 0;
	bool b;
	int r = 0;

	if (depth > x->max_depth)
		return proto_fail(x->err, L, "type description nested deeper than %u levels",
				  x->max_depth);
	if (t->cls != BER_CONTEXT)
		return proto_fail(x->err, L, "TypeSpecification is not context-specific");
	struct mms_typespec *n = node ? node : &tmp;
	n->type = (uint8_t)t->tag;
	switch (t->tag) {
	case 0:
		return proto_fail(x->err, L, "named types (typeName) are not supported");
	case MMS_TYPE_ARRAY:
	case MMS_TYPE_STRUCTURE:
		if ((r = ber_enter(parent, t, &c, x->err)))
			return proto_relayer(x->err, L, r);
		return t->tag == MMS_TYPE_ARRAY ? ts_array(x, &c, depth, node) :
						  ts_structure(x, &c, depth, node);
	case MMS_TYPE_BOOLEAN:
	case MMS_TYPE_GENERALIZED_TIME:
	case MMS_TYPE_OBJID:
	case MMS_TYPE_UTC_TIME:
		if (t->constructed || t->len)
			return proto_fail(x->err, L, "TypeSpecification [%u] is not NULL", t->tag);
		return 0;
	case MMS_TYPE_BIT_STRING:
	case MMS_TYPE_OCTET_STRING:
	case MMS_TYPE_VISIBLE_STRING:
	case MMS_TYPE_MMS_STRING:
		r = ts_int(t, INT32_MIN, INT32_MAX, &v, x->err);
		n->size = v;
		return r;
	case MMS_TYPE_INTEGER:
	case MMS_TYPE_UNSIGNED:
	case MMS_TYPE_BCD:
		r = ts_int(t, 0, 255, &v, x->err);
		n->size = v;
		return r;
	case MMS_TYPE_BINARY_TIME:
		if (t->constructed)
			return proto_fail(x->err, L, "binary-time type is constructed");
		if ((r = ber_get_bool(t, &b, x->err)))
			return proto_relayer(x->err, L, r);
		n->size = b;
		return 0;
	case MMS_TYPE_FLOAT:
		/* SEQUENCE { format-width Unsigned8, exponent-width Unsigned8 } */
		if ((r = ber_enter(parent, t, &c, x->err)) ||
		    (r = ber_expect(&c, BER_UNIVERSAL, BER_TAG_INTEGER, &f, "format-width", x->err)) ||
		    (r = ts_int(&f, 1, 255, &v, x->err)))
			return proto_relayer(x->err, L, r);
		n->size = v;
		if ((r = ber_expect(&c, BER_UNIVERSAL, BER_TAG_INTEGER, &f, "exponent-width", x->err)) ||
		    (r = ts_int(&f, 1, 255, &v, x->err)))
			return proto_relayer(x->err, L, r);
		n->exp_width = (uint8_t)v;
		if (!ber_cur_done(&c))
			return proto_fail(x->err, L, "octets after exponent-width");
		return 0;
	default:
		return proto_fail(x->err, L, "unknown TypeSpecification [%u]", t->tag);
	}
}

int mms_typespec_decode(const struct ber_cur *parent, const struct ber_tlv *t,
			const struct mms_typespec_limits *lim, struct mms_typespec **out,
			struct proto_err *err)
{
	struct ts_ctx x = {
		.max_depth = lim ? lim->max_depth : MMS_TYPESPEC_MAX_DEPTH,
		.max_nodes = lim ? lim->max_nodes : MMS_TYPESPEC_MAX_NODES,
		.err = err,
	};
	struct mms_typespec *root;
	int r;

	*out = NULL;
	if ((r = ts_take(&x, 1, &root)) || (r = ts_walk(&x, parent, t, 1, NULL)))
		return r;
	size_t nodes = x.used, names = x.name_used;
	x.nodes = calloc(1, nodes * sizeof(*x.nodes) + names);
	if (!x.nodes)
		return -ENOMEM;
	x.names = (char *)(x.nodes + nodes);
	x.used = x.name_used = 0;
	ts_take(&x, 1, &root);
	if ((r = ts_walk(&x, parent, t, 1, root))) { /* cannot fail: same input */
		free(x.nodes);
		return r;
	}
	*out = root;
	return 0;
}

void mms_typespec_free(struct mms_typespec *root)
{
	free(root);
}

static const char *size_str(const char *what, int32_t size, char *out, size_t n)
{
	if (size < 0)
		snprintf(out, n, "%s(max %lld)", what, -(long long)size);
	else
		snprintf(out, n, "%s(%d)", what, size);
	return out;
}

const char *mms_typespec_str(const struct mms_typespec *t, char *out, size_t n)
{
	switch (t->type) {
	case MMS_TYPE_ARRAY:
		snprintf(out, n, "array[%u]", t->n);
		break;
	case MMS_TYPE_STRUCTURE:
		snprintf(out, n, "structure(%u)", t->n);
		break;
	case MMS_TYPE_BOOLEAN:
		snprintf(out, n, "boolean");
		break;
	case MMS_TYPE_BIT_STRING:
		return size_str("bit-string", t->size, out, n);
	case MMS_TYPE_INTEGER:
		snprintf(out, n, "int%d", t->size);
		break;
	case MMS_TYPE_UNSIGNED:
		snprintf(out, n, "uint%d", t->size);
		break;
	case MMS_TYPE_FLOAT:
		if ((t->size == 32 && t->exp_width == 8) || (t->size == 64 && t->exp_width == 11))
			snprintf(out, n, "float%d", t->size);
		else
			snprintf(out, n, "float(%d,%u)", t->size, t->exp_width);
		break;
	case MMS_TYPE_OCTET_STRING:
		return size_str("octet-string", t->size, out, n);
	case MMS_TYPE_VISIBLE_STRING:
		return size_str("visible-string", t->size, out, n);
	case MMS_TYPE_MMS_STRING:
		return size_str("mms-string", t->size, out, n);
	case MMS_TYPE_GENERALIZED_TIME:
		snprintf(out, n, "generalized-time");
		break;
	case MMS_TYPE_BINARY_TIME:
		snprintf(out, n, t->size ? "binary-time(date)" : "binary-time");
		break;
	case MMS_TYPE_BCD:
		snprintf(out, n, "bcd(%d)", t->size);
		break;
	case MMS_TYPE_OBJID:
		snprintf(out, n, "objid");
		break;
	case MMS_TYPE_UTC_TIME:
		snprintf(out, n, "utc-time");
		break;
	default:
		snprintf(out, n, "type[%u]", t->type);
		break;
	}
	return out;
}

const struct mms_typespec *mms_typespec_component(const struct mms_typespec *t,
						  const char *name)
{
	if (!t || t->type != MMS_TYPE_STRUCTURE)
		return NULL;
	for (uint32_t i = 0; i < t->n; i++)
		if (t->comp[i].name && !strcmp(t->comp[i].name, name))
			return &t->comp[i];
	return NULL;
}

int mms_client_gvaa_decode(const uint8_t *body, size_t len, const struct mms_typespec_limits *lim,
			   bool *deletable, struct mms_typespec **type, struct proto_err *err)
{
	struct ber_cur c, w;
	struct ber_tlv t, in;
	int r;

	*type = NULL;
	ber_cur_init(&c, body, len);
	if ((r = ber_expect(&c, CTX, 0, &t, "mmsDeletable", err)) ||
	    (r = ber_get_bool(&t, deletable, err)) || (r = ber_next(&c, &t, err)))
		return proto_relayer(err, L, r == -ENODATA ?
				     proto_fail(err, L, "no typeDescription") : r);
	if (t.cls == BER_CONTEXT && t.tag == 1 && (r = ber_next(&c, &t, err))) /* address */
		return proto_relayer(err, L, r == -ENODATA ?
				     proto_fail(err, L, "no typeDescription") : r);
	if (!ber_is(&t, CTXC, 2))
		return proto_fail(err, L, "no typeDescription");
	/* accessControlList [3] (ISO 9506-2:2003) may follow: not used */
	if ((r = ber_enter(&c, &t, &w, err)) || (r = ber_next(&w, &in, err)))
		return proto_relayer(err, L, r == -ENODATA ?
				     proto_fail(err, L, "empty typeDescription") : r);
	if (!ber_cur_done(&w))
		return proto_fail(err, L, "octets after the typeDescription");
	return mms_typespec_decode(&w, &in, lim, type, err);
}
