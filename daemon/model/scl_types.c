/* SPDX-License-Identifier: Apache-2.0 */
/* SCL loader, part 2 of 3 (scl_priv.h): bTypes, the DataTypeTemplates
 * (index by id, check, type cycles, enumerations) and the MMS type nodes an
 * LN type is built from (shared views per DOType and FC, structs per DAType,
 * FC and trigger options; the FC order of an LN). */
#include "scl_priv.h"
#include "gse.h"

/* ---- bTypes ---- */

struct btype_map {
	const char *name;
	uint8_t bt;
	uint32_t max_len;
	uint8_t flags;
};

static const struct btype_map btypes[] = {
	{ "BOOLEAN", MB_BOOLEAN, 0, 0 },	 { "INT8", MB_INT8, 0, 0 },
	{ "INT16", MB_INT16, 0, 0 },		 { "INT24", MB_INT24, 0, 0 },
	{ "INT32", MB_INT32, 0, 0 },		 { "INT64", MB_INT64, 0, 0 },
	{ "INT128", MB_INT128, 0, 0 },		 { "INT8U", MB_INT8U, 0, 0 },
	{ "INT16U", MB_INT16U, 0, 0 },		 { "INT24U", MB_INT24U, 0, 0 },
	{ "INT32U", MB_INT32U, 0, 0 },		 { "FLOAT32", MB_FLOAT32, 0, 0 },
	{ "FLOAT64", MB_FLOAT64, 0, 0 },	 { "Enum", MB_ENUM, 0, 0 },
	{ "Dbpos", MB_DBPOS, 0, 0 },		 { "Tcmd", MB_TCMD, 0, 0 },
	{ "Check", MB_CHECK, 0, 0 },		 { "Quality", MB_QUALITY, 0, 0 },
	{ "Timestamp", MB_TIMESTAMP, 0, 0 },	 { "EntryTime", MB_ENTRYTIME, 0, 0 },
	{ "VisString32", MB_VISSTRING, 32, 0 },	 { "VisString64", MB_VISSTRING, 64, 0 },
	{ "VisString65", MB_VISSTRING, 65, 0 },	 { "VisString129", MB_VISSTRING, 129, 0 },
	{ "VisString255", MB_VISSTRING, 255, 0 }, { "ObjRef", MB_VISSTRING, 129, 0 },
	{ "Currency", MB_VISSTRING, 3, 0 },	 { "Unicode255", MB_UNICODE, 255, 0 },
	{ "Octet64", MB_OCTET, 64, 0 },		 { "Octet6", MB_OCTET, 6, 0 },
	{ "Octet16", MB_OCTET, 16, 0 },		 { "EntryID", MB_OCTET, 8, MTYPE_FIXED },
	{ "PhyComAddr", MB_OCTET, 6, MTYPE_FIXED }, { "TrgOps", MB_BITSTRING, 6, 0 },
	{ "OptFlds", MB_BITSTRING, 10, 0 },	 { "SvOptFlds", MB_BITSTRING, 10, 0 },
	{ "LogOptFlds", MB_BITSTRING, 8, 0 },	 { "Struct", MB_STRUCT, 0, 0 },
};

static const struct btype_map *btype_lookup(const char *s)
{
	for (size_t i = 0; i < sizeof(btypes) / sizeof(btypes[0]); i++)
		if (!strcmp(btypes[i].name, s))
			return &btypes[i];
	return NULL;
}

/* ---- templates: index and check ---- */

int scl_index_templates(struct ctx *c, xmlNode *dtt)
{
	static const char *const elems[] = { "LNodeType", "DOType", "DAType", "EnumType" };
	uint32_t n = 0;

	for (xmlNode *x = dtt->children; x; x = x->next)
		n += x->type == XML_ELEMENT_NODE;
	if (!(c->order = arena_alloc(&c->tmp, (n ? n : 1) * sizeof(*c->order))))
		return scl_oom(c);
	for (xmlNode *x = dtt->children; x; x = x->next) {
		int k;
		for (k = 0; k < 4; k++)
			if (scl_is_scl(x, elems[k]))
				break;
		if (k == 4)
			continue;
		const char *id = scl_req(c, x, "id", elems[k]);
		if (!id)
			return -EINVAL;
		struct tmpl *t = arena_zalloc(&c->tmp, sizeof(*t));
		if (!t)
			return scl_oom(c);
		t->node = x;
		t->id = id;
		t->kind = (uint8_t)k;
		c->order[c->n_order++] = t;
		void *old;
		int r = strhash_put(&c->tm[k], id, strlen(id), t, &old);
		if (r < 0)
			return scl_oom(c);
		if (r == 1)
			return scl_fail(c, x, "%s id '%s' is defined twice (also at line %ld; ids must be"
					" unique: rename one)", elems[k], id,
					xmlGetLineNo(((struct tmpl *)old)->node));
	}
	return 0;
}

/* qsort, which must not see a NULL base even for zero elements. */
void scl_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static int cmp_ord(const void *a, const void *b)
{
	const int32_t *x = a, *y = b;
	return (*x > *y) - (*x < *y);
}

struct ordname {
	int32_t ord;
	uint32_t idx;		/* document order, so a duplicate is the later one */
	const char *name;
	xmlNode *node;
};

static int cmp_ordname(const void *a, const void *b)
{
	const struct ordname *x = a, *y = b;
	int c = cmp_ord(&x->ord, &y->ord);
	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static int parse_enum(struct ctx *c, struct tmpl *t)
{
	uint32_t n = 0;
	for (xmlNode *x = t->node->children; x; x = x->next)
		n += scl_is_scl(x, "EnumVal");
	struct ordname *v = arena_alloc(&c->tmp, (n ? n : 1) * sizeof(*v));
	struct enum_type *e = arena_zalloc(c->A, sizeof(*e));
	if (!v || !e)
		return scl_oom(c);
	uint32_t i = 0;
	for (xmlNode *x = t->node->children; x; x = x->next) {
		if (!scl_is_scl(x, "EnumVal"))
			continue;
		char who[128];
		snprintf(who, sizeof(who), "EnumVal in EnumType '%s'", t->id);
		const char *ord = scl_req(c, x, "ord", who);
		const char *txt = scl_text_of(c, x);
		char *end;
		if (!ord || !txt)
			return ord ? scl_oom(c) : -EINVAL;
		errno = 0;
		long long o = strtoll(ord, &end, 10);
		if (!*ord || *end || errno || o < INT32_MIN || o > INT32_MAX)
			return scl_fail(c, x, "%s: ord=\"%s\" is not an integer (fix the attribute)", who,
					ord);
		/* The member name is the element's text, trimmed. */
		while (*txt == ' ' || *txt == '\t' || *txt == '\n' || *txt == '\r')
			txt++;
		size_t l = strlen(txt);
		while (l && (txt[l - 1] == ' ' || txt[l - 1] == '\t' || txt[l - 1] == '\n' ||
			     txt[l - 1] == '\r'))
			l--;
		v[i].ord = (int32_t)o;
		v[i].idx = i;
		v[i].name = arena_strndup(c->A, txt, l);
		v[i].node = x;
		if (!v[i].name)
			return scl_oom(c);
		i++;
	}
	scl_sort(v, n, sizeof(*v), cmp_ordname);
	for (i = 1; i < n; i++)
		if (v[i].ord == v[i - 1].ord)
			return scl_fail(c, v[i].node, "EnumVal ord %" PRId32 " is defined twice in EnumType"
					" '%s' (also at line %ld; make the ords unique)", v[i].ord,
					t->id, xmlGetLineNo(v[i - 1].node));
	e->id = arena_strdup(c->A, t->id);
	e->n = n;
	e->ords = arena_alloc(c->A, (n ? n : 1) * sizeof(*e->ords));
	e->names = arena_alloc(c->A, (n ? n : 1) * sizeof(*e->names));
	if (!e->id || !e->ords || !e->names)
		return scl_oom(c);
	for (i = 0; i < n; i++) {
		e->ords[i] = v[i].ord;
		e->names[i] = v[i].name;
	}
	t->enm = e;
	return 0;
}

static int cmp_child_name(const void *a, const void *b)
{
	const struct tchild *x = *(struct tchild *const *)a, *y = *(struct tchild *const *)b;
	return strcmp(x->name, y->name);
}

/* count="16" or count="<sibling attribute>" (see the top of the file). */
static int resolve_count(struct ctx *c, struct tmpl *t, struct tchild *ch, const char *who)
{
	char b[64];
	if (!ch->count_attr)
		return 0;
	for (uint32_t i = 0; i < t->n_child; i++) {
		struct tchild *s = &t->child[i];
		if (strcmp(s->name, ch->count_attr) || (s->kind != C_DA && s->kind != C_BDA))
			continue;
		const char *txt = s->val ? scl_text_of(c, s->val) : NULL;
		uint64_t v;
		if (!txt || scl_parse_uint_str(txt, MAX_ARRAY_COUNT, &v) || v == 0)
			return scl_fail(c, ch->node, "%s: count=\"%s\" names attribute '%s', which has no"
					" Val from 1 to %u to size the array (give '%s' a Val in %s '%s'"
					" or write the number)", who, ch->count_attr, s->name,
					MAX_ARRAY_COUNT, s->name, tkind_name[t->kind], t->id);
		ch->count = (uint32_t)v;
		return 0;
	}
	return scl_fail(c, ch->node, "%s: count=\"%s\" is neither a number nor the name of an attribute"
			" of %s '%s' (fix the count)", who, scl_shown(ch->count_attr, b, sizeof(b)),
			tkind_name[t->kind], t->id);
}

static int parse_tmpl(struct ctx *c, struct tmpl *t)
{
	static const char *const kids[3][2] = { { "DO", NULL }, { "SDO", "DA" }, { "BDA", NULL } };
	char who[192], b[64];
	uint32_t n = 0;

	if (t->kind == T_ENUM)
		return parse_enum(c, t);
	const char *k0 = kids[t->kind][0], *k1 = kids[t->kind][1];
	for (xmlNode *x = t->node->children; x; x = x->next)
		n += scl_is_scl(x, k0) || (k1 && scl_is_scl(x, k1));
	t->child = arena_zalloc(&c->tmp, (n ? n : 1) * sizeof(*t->child));
	struct tchild **sorted = arena_alloc(&c->tmp, (n ? n : 1) * sizeof(*sorted));
	if (!t->child || !sorted)
		return scl_oom(c);
	if (t->kind == T_LNODE && !scl_req(c, t->node, "lnClass", "LNodeType"))
		return -EINVAL;
	for (xmlNode *x = t->node->children; x; x = x->next) {
		uint8_t kind;
		if (scl_is_scl(x, "DO"))
			kind = C_DO;
		else if (scl_is_scl(x, "SDO"))
			kind = C_SDO;
		else if (scl_is_scl(x, "DA"))
			kind = C_DA;
		else if (scl_is_scl(x, "BDA"))
			kind = C_BDA;
		else
			continue;
		if ((kind == C_DO) != (t->kind == T_LNODE) || (kind == C_BDA) != (t->kind == T_DA))
			continue;
		struct tchild *ch = &t->child[t->n_child];
		ch->node = x;
		ch->kind = kind;
		snprintf(who, sizeof(who), "%s in %s '%s'", ckind_name[kind], tkind_name[t->kind],
			 t->id);
		if (!(ch->name = scl_req(c, x, "name", who)))
			return -EINVAL;
		snprintf(who, sizeof(who), "%s '%s' in %s '%s'", ckind_name[kind], ch->name,
			 tkind_name[t->kind], t->id);
		if (!ch->name[0])
			return scl_fail(c, x, "%s: the name is empty (give it a name)", who);
		const char *count = scl_attr(x, "count");
		if (count && kind != C_DO) {
			uint64_t v;
			int r = scl_parse_uint_str(count, MAX_ARRAY_COUNT, &v);
			if (r == -ERANGE)
				return scl_fail(c, x, "%s: count=\"%s\" is larger than %u (make the array"
						" smaller)", who, scl_shown(count, b, sizeof(b)),
						MAX_ARRAY_COUNT);
			if (r)
				ch->count_attr = count;
			else
				ch->count = (uint32_t)v;
		}
		if (kind == C_DO || kind == C_SDO) {
			/* Without a type, as with a type that is not defined, the
			 * fault is where the type is used (check_refs): an SDO is
			 * left out with a warning, a DO is an error. An LNodeType
			 * that no LN of this IED uses (an SCD carries the templates
			 * of every IED) is no fault here. */
			ch->type_id = scl_attr(x, "type") ?: "";
			/* type="" names no type, even where a DOType has id="" */
			ch->ref = ch->type_id[0] ? strhash_get(&c->tm[T_DO], ch->type_id,
							       strlen(ch->type_id)) : NULL;
		} else {
			const char *bt = scl_req(c, x, "bType", who);
			if (!bt)
				return -EINVAL;
			const struct btype_map *map = btype_lookup(bt);
			if (!map)
				return scl_fail(c, x, "%s: bType '%s' is not an SCL basic type (use BOOLEAN,"
						" INTn, INTnU, FLOAT32, FLOAT64, Enum, Dbpos, Tcmd, Check,"
						" Quality, Timestamp, EntryTime, VisStringN, Unicode255,"
						" OctetN, ObjRef, Currency, EntryID, PhyComAddr, TrgOps,"
						" OptFlds, SvOptFlds, LogOptFlds or Struct)", who,
						scl_shown(bt, b, sizeof(b)));
			ch->btype = map->bt;
			ch->max_len = map->max_len;
			ch->flags = map->flags;
			if (kind == C_DA) {
				const char *fc = scl_req(c, x, "fc", who);
				if (!fc)
					return -EINVAL;
				ch->fc = model_fc_parse(fc, strlen(fc));
				if (ch->fc == FC_NONE)
					return scl_fail(c, x, "%s: fc '%s' is not a functional constraint"
							" (use ST, MX, CO, SP, SV, CF, DC, SG, SE, SR, OR,"
							" BL, EX, ...)", who, scl_shown(fc, b, sizeof(b)));
				bool v;
				scl_soft_bool(c, x, "dchg", who, false, &v);
				ch->trgops |= v ? MODEL_TRG_DCHG : 0;
				scl_soft_bool(c, x, "qchg", who, false, &v);
				ch->trgops |= v ? MODEL_TRG_QCHG : 0;
				scl_soft_bool(c, x, "dupd", who, false, &v);
				ch->trgops |= v ? MODEL_TRG_DUPD : 0;
			}
			if (ch->btype == MB_STRUCT || ch->btype == MB_ENUM) {
				int k = ch->btype == MB_STRUCT ? T_DA : T_ENUM;
				ch->type_id = scl_attr(x, "type");
				if (!ch->type_id && k == T_ENUM)
					return scl_fail(c, x, "%s: bType %s needs a type attribute naming"
							" its %s (add type=\"...\")", who, bt,
							tkind_name[k]);
				if (!ch->type_id)	/* left out where used (check_refs) */
					ch->type_id = "";
				ch->ref = ch->type_id[0] ? strhash_get(&c->tm[k], ch->type_id,
								       strlen(ch->type_id)) : NULL;
			}
			ch->val = scl_child(x, "Val");
		}
		sorted[t->n_child++] = ch;
	}
	for (uint32_t i = 0; i < t->n_child; i++) {
		struct tchild *ch = &t->child[i];
		snprintf(who, sizeof(who), "%s '%s' in %s '%s'", ckind_name[ch->kind], ch->name,
			 tkind_name[t->kind], t->id);
		if (resolve_count(c, t, ch, who))
			return -EINVAL;
	}
	scl_sort(sorted, t->n_child, sizeof(*sorted), cmp_child_name);
	for (uint32_t i = 1; i < t->n_child; i++)
		if (!strcmp(sorted[i]->name, sorted[i - 1]->name)) {
			const struct tchild *a = sorted[i - 1], *z = sorted[i];
			if (xmlGetLineNo(a->node) > xmlGetLineNo(z->node)) {
				const struct tchild *s = a;
				a = z;
				z = s;
			}
			return scl_fail(c, z->node, "%s '%s' is defined twice in %s '%s' (also at line %ld;"
					" names must be unique within a type: rename or remove one)",
					ckind_name[z->kind], z->name, tkind_name[t->kind], t->id,
					xmlGetLineNo(a->node));
		}
	return 0;
}

/* An SDO, DA or BDA whose type is not defined: left out of its parent
 * (doc/scl-findings.md). A DO of an LNodeType is never left out: the LN
 * instantiates it, so its missing DOType stays an error. */
static bool tchild_dropped(const struct tchild *ch)
{
	return !ch->ref && ch->kind != C_DO && (ch->kind == C_SDO || ch->btype == MB_STRUCT);
}

/* Depth-first over DOType → SDO and DAType → BDA references, with a
 * visiting mark: finds cycles, bounds nesting, and gathers each DOType's
 * FCs. */
static int visit(struct ctx *c, struct tmpl *t, unsigned depth)
{
	if (t->mark == MARK_DONE)
		return 0;
	if (depth > MODEL_MAX_DEPTH)
		return scl_fail(c, t->node, "%s '%s' is nested more than %d levels deep (flatten the"
				" types)", tkind_name[t->kind], t->id, MODEL_MAX_DEPTH);
	t->mark = MARK_VISITING;
	for (uint32_t i = 0; i < t->n_child; i++) {
		struct tchild *ch = &t->child[i];
		if (ch->kind == C_DA && !tchild_dropped(ch))
			t->fcmask |= 1u << ch->fc;
		struct tmpl *r = ch->ref;
		if (!r || r->kind == T_ENUM)
			continue;	/* dangling: reported where used */
		if (r->mark == MARK_VISITING)
			return scl_fail(c, ch->node, "%s '%s' in %s '%s' refers to %s '%s', which contains"
					" it: a type cycle (a type must not contain itself; give the %s"
					" another type)", ckind_name[ch->kind], ch->name,
					tkind_name[t->kind], t->id, tkind_name[r->kind], r->id,
					ckind_name[ch->kind]);
		int e = visit(c, r, depth + 1);
		if (e)
			return e;
		if (ch->kind == C_SDO)
			t->fcmask |= r->fcmask;
	}
	t->mark = MARK_DONE;
	return 0;
}

/* Checks every template in document order, used by the IED or not: the
 * first fault in the file is the one reported. */
int scl_check_templates(struct ctx *c)
{
	for (uint32_t i = 0; i < c->n_order; i++)
		if (parse_tmpl(c, c->order[i]))
			return -EINVAL;
	for (uint32_t i = 0; i < c->n_order; i++)
		if (c->order[i]->kind != T_LNODE && c->order[i]->kind != T_ENUM &&
		    visit(c, c->order[i], 0))
			return -EINVAL;
	return 0;
}

/* ---- type nodes ---- */

static struct mnode *new_node(struct ctx *c)
{
	struct mnode *n = arena_zalloc(c->A, sizeof(*n));
	if (!n) {
		scl_oom(c);
		return NULL;
	}
	c->m->n_types++;
	return n;
}

/* Finishes a node: copies the type description built in c->td. */
static int set_typedesc(struct ctx *c, struct mnode *n)
{
	if (c->td.err)
		return scl_oom(c);
	n->t.typedesc = arena_memdup(c->A, buf_data(&c->td), c->td.len);
	n->t.typedesc_len = c->td.len;
	return n->t.typedesc ? 0 : scl_oom(c);
}

/* ISO 9506-2 TypeSpecification of a basic type, with IEC 61850-8-1 sizes
 * (negative: variable length up to the size). */
static void basic_typedesc(struct buf *b, const struct mtype *t)
{
	const uint8_t C = BER_CONTEXT;
	int32_t neg = -(int32_t)t->max_len;

	switch (t->btype) {
	case MB_BOOLEAN:
		ber_put_null(b, C, 3);
		break;
	case MB_INT8: case MB_INT16: case MB_INT24: case MB_INT32: case MB_INT64: case MB_INT128:
	case MB_ENUM: {
		static const uint8_t w[] = { [MB_INT8] = 8, [MB_INT16] = 16, [MB_INT24] = 24,
					     [MB_INT32] = 32, [MB_INT64] = 64, [MB_INT128] = 128,
					     [MB_ENUM] = 8 };
		ber_put_uint(b, C, 5, w[t->btype]);
		break;
	}
	case MB_INT8U: case MB_INT16U: case MB_INT24U: case MB_INT32U: {
		static const uint8_t w[] = { [MB_INT8U] = 8, [MB_INT16U] = 16, [MB_INT24U] = 24,
					     [MB_INT32U] = 32 };
		ber_put_uint(b, C, 6, w[t->btype]);
		break;
	}
	case MB_FLOAT32: case MB_FLOAT64: {
		bool d = t->btype == MB_FLOAT64;
		size_t m = ber_begin(b, C | BER_CONSTRUCTED, 7);
		ber_put_uint(b, BER_UNIVERSAL, BER_TAG_INTEGER, d ? 64 : 32);
		ber_put_uint(b, BER_UNIVERSAL, BER_TAG_INTEGER, d ? 11 : 8);
		ber_end(b, m);
		break;
	}
	/* IEC 61850-8-1 Ed.2 §8.2: Quality is a variable-length bit string
	 * (UCA TISSUE 1361 confirms; the sender conveys all 13 bits), so its
	 * TypeDescription size is negative: up to 13 bits. Check is a packed
	 * list described the same way (up to 2 bits), as the major servers
	 * and vendor PICS/MICS (BVstring13, BVstring2) describe them. Dbpos
	 * and Tcmd are coded enumerations: a fixed 2-bit string. */
	case MB_DBPOS: case MB_TCMD:
		ber_put_int(b, C, 4, 2);
		break;
	case MB_CHECK:
		ber_put_int(b, C, 4, -2);
		break;
	case MB_QUALITY:
		ber_put_int(b, C, 4, -13);
		break;
	case MB_BITSTRING:
		ber_put_int(b, C, 4, t->max_len);
		break;
	case MB_TIMESTAMP:
		ber_put_null(b, C, 17);
		break;
	case MB_ENTRYTIME:
		ber_put_bool(b, C, 12, true);
		break;
	case MB_VISSTRING:
		ber_put_int(b, C, 10, neg);
		break;
	case MB_UNICODE:
		ber_put_int(b, C, 16, neg);
		break;
	case MB_OCTET:
		ber_put_int(b, C, 9, (t->flags & MTYPE_FIXED) ? (int32_t)t->max_len : neg);
		break;
	default:
		break;
	}
}

struct mnode *scl_basic(struct ctx *c, uint8_t bt, uint32_t max_len, uint8_t flags,
			   const struct enum_type *e, uint8_t fc, uint8_t trg)
{
	uint8_t key[8 + sizeof(void *)];
	key[0] = bt, key[1] = fc, key[2] = trg, key[3] = flags;
	memcpy(key + 4, &max_len, 4);
	memcpy(key + 8, &e, sizeof(e));
	struct mnode *n = strhash_get(&c->basic, key, sizeof(key));
	if (n)
		return n;
	uint8_t *k = arena_memdup(c->A, key, sizeof(key));
	if (!k || !(n = new_node(c))) {
		scl_oom(c);
		return NULL;
	}
	n->t = (struct mtype){ .btype = bt, .fc = fc, .trgops = trg, .max_len = max_len,
			       .size = (uint32_t)model_btype_size(bt, max_len), .enm = e,
			       .flags = flags };
	/* An Enum without a Val holds the first member of its EnumType (the
	 * lowest ordinal, as --simulate starts), not 0, which need not be a
	 * member: a structure read and written back must stay valid. */
	if (bt == MB_ENUM && e && e->n && e->ords[0] != 0) {
		if (!(n->image = arena_alloc(c->A, sizeof(int32_t)))) {
			scl_oom(c);
			return NULL;
		}
		memcpy(n->image, &e->ords[0], sizeof(int32_t));
	}
	buf_reset(&c->td, 0);
	basic_typedesc(&c->td, &n->t);
	if (set_typedesc(c, n) || strhash_put(&c->basic, k, sizeof(key), n, NULL) < 0) {
		scl_oom(c);
		return NULL;
	}
	return n;
}

struct mnode *scl_array(struct ctx *c, struct mnode *elem, uint32_t count, const xmlNode *at,
			   const char *who)
{
	uint8_t key[4 + sizeof(void *)];
	memcpy(key, &count, 4);
	memcpy(key + 4, &elem, sizeof(elem));
	struct mnode *n = strhash_get(&c->arrays, key, sizeof(key));
	if (n)
		return n;
	if ((uint64_t)elem->t.size * count > MAX_TYPE_SIZE) {
		scl_fail(c, at, "%s: an array of %" PRIu32 " elements of %" PRIu32 " octets is too large"
			 " (at most %u octets; make it smaller)", who, count, elem->t.size,
			 MAX_TYPE_SIZE);
		return NULL;
	}
	if (elem->t.depth + 1 > MODEL_MAX_DEPTH) {
		scl_fail(c, at, "%s: nested more than %d levels deep (flatten the types)", who,
			 MODEL_MAX_DEPTH);
		return NULL;
	}
	uint8_t *k = arena_memdup(c->A, key, sizeof(key));
	if (!k || !(n = new_node(c))) {
		scl_oom(c);
		return NULL;
	}
	n->t = (struct mtype){ .btype = MB_ARRAY, .fc = elem->t.fc, .trgops = elem->t.trgops,
			       .size = elem->t.size * count, .count = count, .elem = &elem->t,
			       .depth = elem->t.depth + 1 };
	/* array [1] IMPLICIT SEQUENCE { numberOfElements [1] IMPLICIT
	 * Unsigned32, elementType [2] TypeSpecification } */
	buf_reset(&c->td, 0);
	size_t m = ber_begin(&c->td, BER_CONTEXT | BER_CONSTRUCTED, 1);
	ber_put_uint(&c->td, BER_CONTEXT, 1, count);
	size_t m2 = ber_begin(&c->td, BER_CONTEXT | BER_CONSTRUCTED, 2);
	buf_put(&c->td, elem->t.typedesc, elem->t.typedesc_len);
	ber_end(&c->td, m2);
	ber_end(&c->td, m);
	if (set_typedesc(c, n))
		return NULL;
	if (elem->image && n->t.size) {
		if (!(n->image = arena_alloc(c->A, n->t.size))) {
			scl_oom(c);
			return NULL;
		}
		for (uint32_t i = 0; i < count; i++)
			memcpy(n->image + (size_t)i * elem->t.size, elem->image, elem->t.size);
	}
	if (strhash_put(&c->arrays, k, sizeof(key), n, NULL) < 0) {
		scl_oom(c);
		return NULL;
	}
	return n;
}

struct item {
	const char *name;
	struct mnode *type;
	const struct tchild *src;	/* for Val defaults; NULL above the DO level */
};

static int cmp_by_name(const void *a, const void *b, void *arg)
{
	const struct mcomp *comp = arg;
	return strcmp(comp[*(const uint32_t *)a].name, comp[*(const uint32_t *)b].name);
}

/* A Val that iedd takes although IEC 61850-6 writes it otherwise: BOOLEAN
 * is xs:boolean ("true", "false", "1", "0"; "TRUE" is not), an Enum value
 * is the member's name (an ordinal is not). Leading and trailing white
 * space is allowed (xs:boolean and the other value types collapse it), so
 * it passes silently. A warning, the value taken as meant. */
static void val_form(struct ctx *c, const xmlNode *x, const struct mtype *bt, const char *txt,
		     const char *who)
{
	char s[80], b[80];
	size_t l;
	while (*txt == ' ' || *txt == '\t' || *txt == '\n' || *txt == '\r')
		txt++;
	for (l = strlen(txt); l && (txt[l - 1] == ' ' || txt[l - 1] == '\t' ||
				   txt[l - 1] == '\n' || txt[l - 1] == '\r'); l--)
		;
	if (bt->btype != MB_BOOLEAN && bt->btype != MB_ENUM)
		return;
	if (l >= sizeof(s))
		return;
	memcpy(s, txt, l);
	s[l] = '\0';
	int32_t ord;
	if (bt->btype == MB_BOOLEAN && strcmp(s, "true") && strcmp(s, "false") && strcmp(s, "1") &&
	    strcmp(s, "0"))
		scl_warn(c, x, "%s: Val '%s' is not an xs:boolean; taken as %s (write \"%s\")", who,
			 scl_shown(s, b, sizeof(b)), strcasecmp(s, "true") ? "false" : "true",
			 strcasecmp(s, "true") ? "false" : "true");
	else if (bt->btype == MB_ENUM && bt->enm && !enum_ord(bt->enm, s, &ord))
		scl_warn(c, x, "%s: Val '%s' is an ordinal of EnumType '%s', not a member's name; taken"
			 " as '%s' (write the name)", who, scl_shown(s, b, sizeof(b)), bt->enm->id,
			 enum_name(bt->enm, (int32_t)strtol(s, NULL, 10)) ?: "?");
}

/* Applies Val elements to a basic (or array of basic) component. */
int scl_apply_vals(struct ctx *c, uint8_t *v, const struct mtype *t, const xmlNode *first,
		      const char *who)
{
	const struct mtype *bt = t->btype == MB_ARRAY ? t->elem : t;
	uint32_t n = t->btype == MB_ARRAY ? t->count : 1, i = 0;
	char b[80], tn[32];

	if (bt->btype == MB_STRUCT || bt->btype == MB_ARRAY) {
		/* Repairable: the attribute keeps the defaults of its parts. */
		scl_warn(c, first, "%s: a Val on a structured attribute; ignored, its basic"
			 " attributes keep their defaults (give the Val to its basic attributes)", who);
		return 0;
	}
	for (const xmlNode *x = first; x && i < n; x = x->next) {
		if (!scl_is_scl(x, "Val"))
			continue;
		const char *txt = scl_text_of(c, x);
		if (!txt)
			return scl_oom(c);
		int r = model_val_set_text(v + (size_t)i * bt->size, bt, txt);
		if (r) {
			if (bt->btype == MB_VISSTRING || bt->btype == MB_UNICODE || bt->btype == MB_OCTET)
				snprintf(tn, sizeof(tn), "%s%s%" PRIu32,
					 model_btype_name(bt->btype),
					 bt->btype == MB_OCTET ? " of " : "", bt->max_len);
			else
				snprintf(tn, sizeof(tn), "%s", model_btype_name(bt->btype));
			/* Repairable: the slot keeps the value it had without this
			 * Val (the template's Val, else the type's default: 0, empty,
			 * the first member of an Enum). model_val_set_text stores
			 * nothing on failure. */
			char dflt[80];
			model_val_get_text(v + (size_t)i * bt->size, bt, dflt, sizeof(dflt));
			const char *why = "not a valid value";
			if (bt->btype == MB_ENUM && bt->enm)	/* a name or an ordinal */
				why = "not a member of the enumeration";
			else if (r == -ERANGE)
				why = bt->btype == MB_VISSTRING || bt->btype == MB_UNICODE ||
				      bt->btype == MB_OCTET ? "too long" : "out of range";
			scl_warn(c, x, "%s: Val '%s' does not fit its type %s%s%s (%s); served as '%s'"
				 " instead (fix the Val)", who, scl_shown(txt, b, sizeof(b)), tn,
				 bt->enm ? " " : "", bt->enm ? bt->enm->id : "", why, dflt);
		} else {
			val_form(c, x, bt, txt, who);
		}
		i++;
	}
	return 0;
}

/* A struct node of `n` components. `what` names it for messages. */
static struct mnode *mk_struct(struct ctx *c, uint8_t fc, uint8_t trg, const struct item *it,
			       uint32_t n, const xmlNode *at, const char *what)
{
	struct mnode *node = new_node(c);
	struct mcomp *comp = arena_alloc(c->A, (n ? n : 1) * sizeof(*comp));
	uint32_t *by_name = arena_alloc(c->A, (n ? n : 1) * sizeof(*by_name));
	uint64_t off = 0;
	uint32_t depth = 0;
	bool has_image = false;

	if (!node || !comp || !by_name) {
		scl_oom(c);
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++) {
		comp[i] = (struct mcomp){ .name = scl_intern(c, it[i].name), .type = &it[i].type->t,
					  .off = (uint32_t)off };
		if (!comp[i].name) {
			scl_oom(c);
			return NULL;
		}
		off += it[i].type->t.size;
		if (off > MAX_TYPE_SIZE) {
			scl_fail(c, at, "%s is larger than %u octets (make it smaller)", what,
				 MAX_TYPE_SIZE);
			return NULL;
		}
		if (it[i].type->t.depth + 1 > depth)
			depth = it[i].type->t.depth + 1;
		has_image |= it[i].type->image || (it[i].src && it[i].src->val);
		by_name[i] = i;
	}
	if (depth > MODEL_MAX_DEPTH) {
		scl_fail(c, at, "%s is nested more than %d levels deep (flatten the types)", what,
			 MODEL_MAX_DEPTH);
		return NULL;
	}
	qsort_r(by_name, n, sizeof(*by_name), cmp_by_name, comp);
	for (uint32_t i = 1; i < n; i++)
		if (!strcmp(comp[by_name[i]].name, comp[by_name[i - 1]].name)) {
			scl_fail(c, at, "%s has two components named '%s' (names must be unique: rename"
				 " one)", what, comp[by_name[i]].name);
			return NULL;
		}
	node->t = (struct mtype){ .btype = MB_STRUCT, .fc = fc, .trgops = trg,
				  .size = (uint32_t)off, .n = n, .comp = comp,
				  .by_name = by_name, .depth = depth };

	/* structure [2] IMPLICIT SEQUENCE { components [1] IMPLICIT SEQUENCE
	 * OF SEQUENCE { componentName [0] IMPLICIT Identifier,
	 * componentType [1] TypeSpecification } } */
	buf_reset(&c->td, 0);
	size_t m = ber_begin(&c->td, BER_CONTEXT | BER_CONSTRUCTED, 2);
	size_t m1 = ber_begin(&c->td, BER_CONTEXT | BER_CONSTRUCTED, 1);
	for (uint32_t i = 0; i < n; i++) {
		size_t ms = ber_begin(&c->td, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
		ber_put_str(&c->td, BER_CONTEXT, 0, comp[i].name);
		size_t mt = ber_begin(&c->td, BER_CONTEXT | BER_CONSTRUCTED, 1);
		buf_put(&c->td, comp[i].type->typedesc, comp[i].type->typedesc_len);
		ber_end(&c->td, mt);
		ber_end(&c->td, ms);
	}
	ber_end(&c->td, m1);
	ber_end(&c->td, m);
	if (set_typedesc(c, node))
		return NULL;

	if (has_image && off) {
		if (!(node->image = arena_zalloc(c->A, (size_t)off))) {
			scl_oom(c);
			return NULL;
		}
		for (uint32_t i = 0; i < n; i++) {
			const struct mnode *ct = it[i].type;
			if (ct->image)
				memcpy(node->image + comp[i].off, ct->image, ct->t.size);
			if (it[i].src && it[i].src->val) {
				const struct tchild *s = it[i].src;
				char who[160];
				snprintf(who, sizeof(who), "%s '%s' in %s", ckind_name[s->kind],
					 s->name, what);
				if (scl_apply_vals(c, node->image + comp[i].off, &ct->t, s->val, who))
					return NULL;
			}
		}
	}
	return node;
}

/* References of a template that is about to be used: a DOType or DAType
 * that is not defined is fatal (the shape is unknown); a missing EnumType
 * leaves an integer whose values are not checked, with a warning. */
static int check_refs(struct ctx *c, struct tmpl *t)
{
	char b[64];
	for (uint32_t i = 0; i < t->n_child; i++) {
		struct tchild *ch = &t->child[i];
		if (ch->ref || (ch->kind != C_DO && ch->kind != C_SDO && ch->btype != MB_STRUCT &&
				ch->btype != MB_ENUM))
			continue;
		const char *k = ch->kind == C_DO || ch->kind == C_SDO ? "DOType" :
				ch->btype == MB_STRUCT ? "DAType" : "EnumType";
		if (ch->btype == MB_ENUM) {
			if (!ch->warned)
				scl_warn(c, ch->node, "%s '%s' in %s '%s': EnumType '%s' is not defined in"
					 " DataTypeTemplates; its values are taken as plain integers"
					 " (add the EnumType)", ckind_name[ch->kind], ch->name,
					 tkind_name[t->kind], t->id, scl_shown(ch->type_id, b, sizeof(b)));
			ch->warned = true;
			continue;
		}
		if (tchild_dropped(ch)) {
			/* Repairable: the SDO, DA or BDA is left out of its DOType
			 * or DAType; a DAI naming it is then ignored with a warning. */
			if (!ch->warned) {
				if (ch->type_id[0])
					scl_warn(c, ch->node, "%s '%s' in %s '%s': %s '%s' is not defined in"
						 " DataTypeTemplates; left out of %s '%s' (add the %s or"
						 " fix the type attribute)", ckind_name[ch->kind], ch->name,
						 tkind_name[t->kind], t->id, k,
						 scl_shown(ch->type_id, b, sizeof(b)), tkind_name[t->kind],
						 t->id, k);
				else
					scl_warn(c, ch->node, "%s '%s' in %s '%s' has no type attribute; left"
						 " out of %s '%s' (add type=\"...\" naming its %s)",
						 ckind_name[ch->kind], ch->name, tkind_name[t->kind], t->id,
						 tkind_name[t->kind], t->id, k);
			}
			ch->warned = true;
			continue;
		}
		if (!ch->type_id[0])
			return scl_fail(c, ch->node, "%s '%s' in %s '%s' has no type attribute (it is"
					" required: add type=\"...\" naming its %s)", ckind_name[ch->kind],
					ch->name, tkind_name[t->kind], t->id, k);
		return scl_fail(c, ch->node, "%s '%s' in %s '%s': %s '%s' is not defined in"
				" DataTypeTemplates (add it or fix the type attribute)",
				ckind_name[ch->kind], ch->name, tkind_name[t->kind], t->id, k,
				scl_shown(ch->type_id, b, sizeof(b)));
	}
	return 0;
}

static struct mnode *datype_view(struct ctx *c, struct tmpl *t, uint8_t fc, uint8_t trg);

/* The type of a DA or BDA in FC `fc` with trigger options `trg`. */
static struct mnode *attr_type(struct ctx *c, const struct tchild *ch, uint8_t fc, uint8_t trg)
{
	struct mnode *n;
	if (ch->btype == MB_STRUCT)
		n = datype_view(c, ch->ref, fc, trg);
	else
		n = scl_basic(c, ch->btype, ch->max_len, ch->flags, ch->ref ? ch->ref->enm : NULL, fc,
			      trg);
	if (n && ch->count) {
		char who[128];
		snprintf(who, sizeof(who), "%s '%s'", ckind_name[ch->kind], ch->name);
		n = scl_array(c, n, ch->count, ch->node, who);
	}
	return n;
}

static struct mnode *datype_view(struct ctx *c, struct tmpl *t, uint8_t fc, uint8_t trg)
{
	for (struct dacache *d = t->da; d; d = d->next)
		if (d->fc == fc && d->trg == trg)
			return d->node;
	struct item *it = arena_alloc(&c->tmp, (t->n_child ? t->n_child : 1) * sizeof(*it));
	struct dacache *d = arena_alloc(&c->tmp, sizeof(*d));
	char what[128];
	if (check_refs(c, t))
		return NULL;
	if (!it || !d) {
		scl_oom(c);
		return NULL;
	}
	/* BDAs inherit the FC and trigger options of their DA. */
	uint32_t nit = 0;
	for (uint32_t i = 0; i < t->n_child; i++) {
		if (tchild_dropped(&t->child[i]))
			continue;
		it[nit] = (struct item){ .name = t->child[i].name, .src = &t->child[i] };
		if (!(it[nit++].type = attr_type(c, &t->child[i], fc, trg)))
			return NULL;
	}
	snprintf(what, sizeof(what), "DAType '%s'", t->id);
	struct mnode *n = mk_struct(c, fc, trg, it, nit, t->node, what);
	if (!n)
		return NULL;
	*d = (struct dacache){ .next = t->da, .fc = fc, .trg = trg, .node = n };
	t->da = d;
	return n;
}

/* The view of DOType `t` restricted to attributes of FC `fc`
 * (IEC 61850-8-1 §7.3: the FC-filtered data object). */
static struct mnode *dotype_view(struct ctx *c, struct tmpl *t, uint8_t fc)
{
	if (t->view[fc])
		return t->view[fc];
	struct item *it = arena_alloc(&c->tmp, (t->n_child ? t->n_child : 1) * sizeof(*it));
	uint32_t n = 0;
	char what[128];
	if (check_refs(c, t))
		return NULL;
	if (!it) {
		scl_oom(c);
		return NULL;
	}
	for (uint32_t i = 0; i < t->n_child; i++) {
		const struct tchild *ch = &t->child[i];
		struct mnode *ct;
		if (tchild_dropped(ch))
			continue;
		if (ch->kind == C_SDO && (ch->ref->fcmask & (1u << fc))) {
			ct = dotype_view(c, ch->ref, fc);
			if (ct && ch->count) {
				char who[128];
				snprintf(who, sizeof(who), "SDO '%s' in DOType '%s'", ch->name, t->id);
				ct = scl_array(c, ct, ch->count, ch->node, who);
			}
		} else if (ch->kind == C_DA && ch->fc == fc) {
			ct = attr_type(c, ch, fc, ch->trgops);
		} else {
			continue;
		}
		if (!ct)
			return NULL;
		it[n++] = (struct item){ .name = ch->name, .type = ct,
					 .src = ch->kind == C_DA ? ch : NULL };
	}
	snprintf(what, sizeof(what), "DOType '%s'", t->id);
	return t->view[fc] = mk_struct(c, fc, 0, it, n, t->node, what);
}

/* The order of the FC components of an LN's MMS structure. IEC 61850-8-1
 * names the FC components (§6.2/§7.3) but leaves their order open, and
 * clients look components up by name; iedd follows the order of 8-1's
 * table of functional constraints, which the major servers use too (the
 * well-known open-source server declares MX, ST, CO, CF, DC, SP, SG, RP,
 * LG, BR, GO, GS, SV, SE, MS, US, EX, SR, OR, BL). SC (Ed.2.1) comes last.
 * GetNameList is unaffected: it walks by_name (strcmp order). */
static const uint8_t fc_order[] = {
	FC_MX, FC_ST, FC_CO, FC_CF, FC_DC, FC_SP, FC_SG, FC_RP, FC_LG, FC_BR, FC_GO,
	FC_GS, FC_SV, FC_SE, FC_MS, FC_US, FC_EX, FC_SR, FC_OR, FC_BL, FC_SC,
};
_Static_assert(sizeof(fc_order) == FC_COUNT - 1, "every FC once");

/* The runs of non-zero octets of an LN type's image (struct mnode.runs);
 * gaps shorter than 32 octets are copied. */
static int ln_runs(struct ctx *c, struct mnode *ln)
{
	if (!ln->image)
		return 0;
	struct vec runs = { .esz = sizeof(struct run) };
	const uint8_t *img = ln->image;
	for (uint32_t i = 0, size = ln->t.size; i < size;) {
		if (!img[i]) {
			i++;
			continue;
		}
		uint32_t end = i + 1, gap = 0;
		for (uint32_t k = end; k < size && gap < 32; k++) {
			if (img[k]) {
				end = k + 1;
				gap = 0;
			} else {
				gap++;
			}
		}
		struct run *r = vec_push(&runs);
		if (!r) {
			vec_free(&runs);
			return scl_oom(c);
		}
		*r = (struct run){ .off = i, .len = end - i };
		i = end;
	}
	ln->n_runs = (uint32_t)runs.n;
	ln->runs = runs.n ? arena_memdup(c->A, runs.p, runs.n * runs.esz) : NULL;
	vec_free(&runs);
	if (runs.n && !ln->runs)
		return scl_oom(c);
	return 0;
}

struct mnode *scl_lnodetype_view(struct ctx *c, struct tmpl *t)
{
	struct item fcs[sizeof(fc_order)];
	uint32_t nfc = 0;
	char what[128];

	if (t->view[0])
		return t->view[0];
	if (check_refs(c, t))
		return NULL;
	struct item *it = arena_alloc(&c->tmp, (t->n_child ? t->n_child : 1) * sizeof(*it));
	if (!it) {
		scl_oom(c);
		return NULL;
	}
	for (size_t f = 0; f < sizeof(fc_order); f++) {
		uint8_t fc = fc_order[f];
		uint32_t n = 0;
		for (uint32_t i = 0; i < t->n_child; i++) {
			const struct tchild *ch = &t->child[i];
			if (!(ch->ref->fcmask & (1u << fc)))
				continue;
			it[n] = (struct item){ .name = ch->name, .type = dotype_view(c, ch->ref, fc) };
			if (!it[n++].type)
				return NULL;
		}
		if (!n)
			continue;
		snprintf(what, sizeof(what), "LNodeType '%s' (FC %s)", t->id, model_fc_name(fc));
		fcs[nfc] = (struct item){ .name = model_fc_name(fc),
					  .type = mk_struct(c, fc, 0, it, n, t->node, what) };
		if (!fcs[nfc++].type)
			return NULL;
	}
	snprintf(what, sizeof(what), "LNodeType '%s'", t->id);
	struct mnode *ln = mk_struct(c, FC_NONE, 0, fcs, nfc, t->node, what);
	if (ln && ln_runs(c, ln))
		return NULL;
	return t->view[0] = ln;
}

/* ---- report control blocks (IEC 61850-8-1 §17) ---- */

/* The MMS structure of a URCB or BRCB for the file's edition: the
 * attributes of model.h's enum mrcb_attr that this edition has, in 8-1's
 * order. Built once per kind. */
static struct mnode *rcb_type(struct ctx *c, bool buffered)
{
	if (c->rcb_type[buffered])
		return c->rcb_type[buffered];
	uint8_t fc = buffered ? FC_BR : FC_RP;
	bool ed2 = c->edition >= 2;
	struct { int a; uint8_t bt; uint32_t len; uint8_t flags; bool on; } spec[] = {
		{ MRCB_RPTID, MB_VISSTRING, 129, 0, true },
		{ MRCB_RPTENA, MB_BOOLEAN, 0, 0, true },
		{ MRCB_RESV, MB_BOOLEAN, 0, 0, !buffered },
		{ MRCB_DATSET, MB_VISSTRING, 129, 0, true },
		{ MRCB_CONFREV, MB_INT32U, 0, 0, true },
		{ MRCB_OPTFLDS, MB_BITSTRING, 10, 0, true },
		{ MRCB_BUFTM, MB_INT32U, 0, 0, true },
		{ MRCB_SQNUM, buffered ? MB_INT16U : MB_INT8U, 0, 0, true },
		{ MRCB_TRGOPS, MB_BITSTRING, 6, 0, true },
		{ MRCB_INTGPD, MB_INT32U, 0, 0, true },
		{ MRCB_GI, MB_BOOLEAN, 0, 0, true },
		{ MRCB_PURGEBUF, MB_BOOLEAN, 0, 0, buffered },
		{ MRCB_ENTRYID, MB_OCTET, 8, MTYPE_FIXED, buffered },
		{ MRCB_TIMEOFENTRY, MB_ENTRYTIME, 0, 0, buffered },
		{ MRCB_RESVTMS, MB_INT16, 0, 0, buffered && ed2 },
		{ MRCB_OWNER, MB_OCTET, 64, 0, ed2 && c->rcb_owner },
	};
	struct item it[sizeof(spec) / sizeof(spec[0])];
	uint32_t n = 0;
	for (size_t i = 0; i < sizeof(spec) / sizeof(spec[0]); i++) {
		if (!spec[i].on)
			continue;
		it[n] = (struct item){ .name = model_rcb_attr_name((unsigned)spec[i].a),
				       .type = scl_basic(c, spec[i].bt, spec[i].len, spec[i].flags,
							 NULL, fc, 0) };
		if (!it[n++].type)
			return NULL;
	}
	return c->rcb_type[buffered] = mk_struct(c, fc, 0, it, n, NULL,
						 buffered ? "a BRCB" : "a URCB");
}

/* The LN type `ln` with n control blocks added: names[i] of type types[i]
 * under FC fcs[i], after the FC's own data objects (rare: an SCL attribute
 * of FC RP, BR or GO), in the FC order. */
static struct mnode *ln_with_cbs(struct ctx *c, struct mnode *ln, const char *const *names,
				 const uint8_t *fcs_of, struct mnode *const *types, uint32_t n,
				 const xmlNode *at, const char *who)
{
	struct item fcs[FC_COUNT + 1];
	uint32_t nfc = 0;
	char what[200];
	for (size_t f = 0; f < sizeof(fc_order); f++) {
		uint8_t fc = fc_order[f];
		const struct mcomp *have = NULL;
		for (uint32_t k = 0; k < ln->t.n; k++)
			if (ln->t.comp[k].type->fc == fc)
				have = &ln->t.comp[k];
		bool cbs = false;
		for (uint32_t i = 0; i < n && !cbs; i++)
			cbs = fcs_of[i] == fc;
		if (!cbs) {
			if (have)
				fcs[nfc++] = (struct item){ .name = have->name,
							    .type = (struct mnode *)have->type };
			continue;
		}
		uint32_t nh = have ? have->type->n : 0, k = 0;
		struct item *it = arena_alloc(&c->tmp, (nh + n) * sizeof(*it));
		if (!it) {
			scl_oom(c);
			return NULL;
		}
		for (uint32_t j = 0; j < nh; j++)
			it[k++] = (struct item){ .name = have->type->comp[j].name,
						 .type = (struct mnode *)have->type->comp[j].type };
		for (uint32_t i = 0; i < n; i++)
			if (fcs_of[i] == fc)
				it[k++] = (struct item){ .name = names[i], .type = types[i] };
		snprintf(what, sizeof(what), "%s (FC %s)", who, model_fc_name(fc));
		struct mnode *fn = mk_struct(c, fc, 0, it, k, at, what);
		if (!fn)
			return NULL;
		fcs[nfc++] = (struct item){ .name = model_fc_name(fc), .type = fn };
	}
	struct mnode *out = mk_struct(c, FC_NONE, 0, fcs, nfc, at, who);
	if (out && ln_runs(c, out))
		return NULL;
	return out;
}

struct mnode *scl_ln_with_rcbs(struct ctx *c, struct mnode *ln, const char *const *names,
			       const bool *buffered, uint32_t n, const xmlNode *at,
			       const char *who)
{
	struct mnode *urcb = NULL, *brcb = NULL;
	struct mnode **types = arena_alloc(&c->tmp, (n ? n : 1) * sizeof(*types));
	uint8_t *fcs = arena_alloc(&c->tmp, n ? n : 1);
	if (!types || !fcs) {
		scl_oom(c);
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (buffered[i] && !brcb && !(brcb = rcb_type(c, true)))
			return NULL;
		if (!buffered[i] && !urcb && !(urcb = rcb_type(c, false)))
			return NULL;
		types[i] = buffered[i] ? brcb : urcb;
		fcs[i] = buffered[i] ? FC_BR : FC_RP;
	}
	return ln_with_cbs(c, ln, names, fcs, types, n, at, who);
}

/* ---- GOOSE control blocks (IEC 61850-8-1 §18) ---- */

/* The MMS structure of a GoCB for the file's edition, built once. Order
 * and types as IEC 61850-8-1 §18 (Ed.1 Table 62 / Ed.2 GoCB table) gives
 * them, and as the widely used open-source server declares them
 * (libiec61850 mms_goose.c: GoEna, GoID, DatSet, ConfRev, NdsCom,
 * DstAddress, MinTime, MaxTime, FixedOffs): GoEna BOOLEAN, GoID and DatSet
 * VISIBLE STRING (Ed.1 65, Ed.2 129: VisString129 / ObjectReference),
 * ConfRev INT32U, NdsCom BOOLEAN, DstAddress the PhyComAddr structure
 * {Addr OCTET STRING (SIZE 6), PRIORITY INT8U, VID INT16U, APPID INT16U};
 * Ed.2 adds MinTime INT32U, MaxTime INT32U (ms) and FixedOffs BOOLEAN. */
static struct mnode *gocb_type(struct ctx *c)
{
	if (c->gocb_type)
		return c->gocb_type;
	bool ed2 = c->edition >= 2;
	uint32_t slen = ed2 ? 129 : 65;
	struct item da[4] = {
		{ .name = "Addr", .type = scl_basic(c, MB_OCTET, 6, MTYPE_FIXED, NULL, FC_GO, 0) },
		{ .name = "PRIORITY", .type = scl_basic(c, MB_INT8U, 0, 0, NULL, FC_GO, 0) },
		{ .name = "VID", .type = scl_basic(c, MB_INT16U, 0, 0, NULL, FC_GO, 0) },
		{ .name = "APPID", .type = scl_basic(c, MB_INT16U, 0, 0, NULL, FC_GO, 0) },
	};
	for (int i = 0; i < 4; i++)
		if (!da[i].type)
			return NULL;
	struct mnode *dst = mk_struct(c, FC_GO, 0, da, 4, NULL, "a GoCB's DstAddress");
	if (!dst)
		return NULL;
	struct { int a; uint8_t bt; uint32_t len; bool on; } spec[] = {
		{ MGOCB_GOENA, MB_BOOLEAN, 0, true },
		{ MGOCB_GOID, MB_VISSTRING, slen, true },
		{ MGOCB_DATSET, MB_VISSTRING, slen, true },
		{ MGOCB_CONFREV, MB_INT32U, 0, true },
		{ MGOCB_NDSCOM, MB_BOOLEAN, 0, true },
		{ MGOCB_DSTADDRESS, MB_STRUCT, 0, true },
		{ MGOCB_MINTIME, MB_INT32U, 0, ed2 },
		{ MGOCB_MAXTIME, MB_INT32U, 0, ed2 },
		{ MGOCB_FIXEDOFFS, MB_BOOLEAN, 0, ed2 },
	};
	struct item it[sizeof(spec) / sizeof(spec[0])];
	uint32_t n = 0;
	for (size_t i = 0; i < sizeof(spec) / sizeof(spec[0]); i++) {
		if (!spec[i].on)
			continue;
		it[n] = (struct item){ .name = model_gocb_attr_name((unsigned)spec[i].a),
				       .type = spec[i].bt == MB_STRUCT ? dst :
					       scl_basic(c, spec[i].bt, spec[i].len, 0, NULL, FC_GO, 0) };
		if (!it[n++].type)
			return NULL;
	}
	return c->gocb_type = mk_struct(c, FC_GO, 0, it, n, NULL, "a GoCB");
}

struct mnode *scl_ln_with_gocbs(struct ctx *c, struct mnode *ln, const char *const *names,
				uint32_t n, const xmlNode *at, const char *who)
{
	struct mnode *g = gocb_type(c);
	struct mnode **types = arena_alloc(&c->tmp, (n ? n : 1) * sizeof(*types));
	uint8_t *fcs = arena_alloc(&c->tmp, n ? n : 1);
	if (!g)
		return NULL;
	if (!types || !fcs) {
		scl_oom(c);
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++) {
		types[i] = g;
		fcs[i] = FC_GO;
	}
	return ln_with_cbs(c, ln, names, fcs, types, n, at, who);
}
