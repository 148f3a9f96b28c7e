/* SCL loader (IEC 61850-6 Ed.1 2003, Ed.2 2007B, Ed.2.1 2007B4; ICD, CID,
 * IID, SCD): builds the MMS view of one IED (IEC 61850-8-1 §6, §7) from
 * its LDevices and the DataTypeTemplates.
 *
 * Order of work, each step linear in the file:
 *  1. parse with libxml2 (no network, no DTD, no entity substitution, a
 *     DOCTYPE refused; libxml2's messages are captured, never printed);
 *  2. index the templates by id (hash tables) and check them all: required
 *     attributes, bTypes, duplicate names, type cycles (a visiting mark)
 *     and nesting depth — before looking for the IED, so a broken template
 *     is reported even in a file without an IED. A reference to a type
 *     that is not defined is reported where the type is used (SCDs carry
 *     templates of other IEDs); a missing EnumType only warns, an SDO,
 *     DA or BDA of a missing type is left out with a warning;
 *  3. pick the IED, build each LN's type lazily from its LNodeType, sharing
 *     nodes: one FC-filtered view per (DOType, FC), one struct per (DAType,
 *     FC, trigger options), one node per basic type, one LN type per
 *     LNodeType; each node carries its MMS TypeSpecification, encoded once
 *     from its children's bytes, and an image of its initial values
 *     (template Val defaults), so an LN instance is a copy of the non-zero
 *     runs of its type's image;
 *  4. apply the instance Vals (DOI/SDI/DAI) and keep the sAddr; instance
 *     data naming nothing in the LN's type is skipped with a warning
 *     (model_warning), a Val that does not fit its type is a warning (the
 *     attribute keeps its default);
 *  5. data sets (FCDA resolved against the model; one that does not
 *     resolve is left out with a warning) and control blocks (a datSet
 *     naming no data set leaves the block without one, an attribute value
 *     that does not fit keeps the attribute's default, with a warning).
 *
 * Errors and warnings per fault kind: doc/scl-findings.md.
 *
 * Choices (see also model.h):
 *  - FCs inside an LN follow IEC 61850-8-1's FC table (MX, ST, CO, CF, DC,
 *    SP, SG, RP, LG, BR, GO, GS, SV, SE, MS, US, EX, SR, OR, BL, SC), as the
 *    major servers order them (fc_order); DOs and DAs keep their SCL order.
 *  - An array `count` that names an attribute (Ed.2.1 tDACount/tSDOCount,
 *    "count=\"numHar\"") takes the template Val of that sibling attribute
 *    (DA of the same DOType, BDA of the same DAType) as the fixed array
 *    size; without such a Val, or with one that is not a positive integer,
 *    the file is refused. Types are shared, so a DAI Val on an instance
 *    cannot change an array size.
 *  - FCDA ix (Ed.2) selects the element of the first array that the
 *    doName.daName path meets without an explicit "(n)"; "(n)" in doName
 *    or daName is accepted too (when both are given they must agree, as
 *    in SISCO's sample). One index per member.
 *  - Several Val elements (sGroup): the first one is applied (the active
 *    setting group is not modelled yet). On an array attribute, Val i goes
 *    to element i.
 *  - LogOptFlds is taken as a bit string of 8 bits, PhyComAddr as a fixed
 *    octet string of 6 octets (the MAC address), EntryID as a fixed octet
 *    string of 8, Currency as VisString3, ObjRef as VisString129,
 *    Unicode255 as up to 255 octets of UTF-8.
 *  - GSSE control blocks are not loaded (GSSE is withdrawn in Ed.2).
 */
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "model.h"
#include "model_priv.h"
#include "strhash.h"

#define SCL_NS "http://www.iec.ch/61850/2003/SCL"

/* libxml2 2.12 made the structured error const. */
#if LIBXML_VERSION >= 21200
#define XMLERR_CONST const
#else
#define XMLERR_CONST
#endif

/* Limits that keep a hostile file from exhausting memory. */
#define MAX_ARRAY_COUNT 65536u
#define MAX_TYPE_SIZE (64u * 1024u * 1024u)
#define MAX_VALUES (1024u * 1024u * 1024u)
#define MAX_WARNINGS 100000u	/* kept for --check; the daemon's log rate-limits */
#define VALUES_MAP_MIN (256u * 1024u)

/* The non-zero stretches of an LN type's initial values. */
struct run {
	uint32_t off, len;
};

/* A type node with the initial values of its subtree. */
struct mnode {
	struct mtype t;
	uint8_t *image;		/* t.size octets, or NULL: all zero */
	/* LN types only: where `image` is not zero. An instance copies these
	 * runs into calloc'd values, so the (mostly empty) strings never touch
	 * memory: load time and resident size follow the data, not the
	 * 256-octet string slots. */
	struct run *runs;
	uint32_t n_runs;
};

enum { T_LNODE, T_DO, T_DA, T_ENUM };		/* template kinds */
enum { C_DO, C_SDO, C_DA, C_BDA };		/* template children */
enum { MARK_NEW, MARK_VISITING, MARK_DONE };	/* cycle search */

static const char *const tkind_name[] = { "LNodeType", "DOType", "DAType", "EnumType" };
static const char *const ckind_name[] = { "DO", "SDO", "DA", "BDA" };

struct tmpl;

struct tchild {
	const char *name;
	const char *type_id;	/* DO/SDO: DOType; DA/BDA: DAType or EnumType */
	const char *count_attr;	/* count given as an attribute name */
	xmlNode *node;
	xmlNode *val;		/* first Val child */
	struct tmpl *ref;
	uint32_t count;		/* 0: not an array */
	uint32_t max_len;
	uint8_t kind, btype, fc, trgops, flags;
	bool warned;
};

struct dacache {
	struct dacache *next;
	uint8_t fc, trg;
	struct mnode *node;
};

struct tmpl {
	xmlNode *node;
	const char *id;
	uint8_t kind;
	uint8_t mark;
	uint32_t fcmask;	/* DOType: FCs of every attribute below */
	uint32_t n_child;
	struct tchild *child;
	struct mnode *view[FC_COUNT];	/* DOType: per FC; LNodeType: [0] the LN */
	struct dacache *da;	/* DAType: per (FC, trigger options) */
	struct enum_type *enm;	/* EnumType */
};

/* A growable array in malloc'd memory. */
struct vec {
	void *p;
	size_t n, cap, esz;
};

static void *vec_push(struct vec *v)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void *p = realloc(v->p, cap * v->esz);
		if (!p)
			return NULL;
		v->p = p;
		v->cap = cap;
	}
	void *e = (char *)v->p + v->n * v->esz;
	memset(e, 0, v->esz);
	v->n++;
	return e;
}

static void vec_free(struct vec *v)
{
	free(v->p);
	v->p = NULL;
	v->n = v->cap = 0;
}

struct lninfo {
	struct mln *ln;
	xmlNode *node;
};

struct ctx {
	const char *file;
	char *err;
	size_t errlen;
	bool failed;
	struct model *m;
	struct model_priv *p;
	struct arena *A;	/* the model's */
	struct arena tmp;	/* freed when loading ends */
	struct strhash tm[4];	/* templates by id, per kind */
	struct tmpl **order;	/* every template in document order */
	uint32_t n_order;
	struct strhash basic;	/* basic type nodes */
	struct strhash arrays;	/* array type nodes */
	struct strhash names;	/* interned component names */
	struct buf td;		/* scratch for type descriptions */
	struct vec saddr;	/* struct msaddr */
	struct vec warn;	/* const char *, in the model's arena */
	uint32_t n_unsaid;	/* warnings beyond MAX_WARNINGS */
	const char *ied;
	/* libxml2 capture */
	char xml_err[256];
	long xml_line;
	bool doctype;
};

/* ---- messages ---- */

__attribute__((format(printf, 3, 4)))
static int fail(struct ctx *c, const xmlNode *n, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (c->failed)
		return -EINVAL;
	c->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	long line = n ? xmlGetLineNo(n) : 0;
	if (c->err && c->errlen) {
		if (line > 0)
			snprintf(c->err, c->errlen, "%s:%ld: %s", c->file, line, msg);
		else
			snprintf(c->err, c->errlen, "%s: %s", c->file, msg);
	}
	return -EINVAL;
}

/* A tolerated fault (see model_warning). */
__attribute__((format(printf, 3, 4)))
static void warn(struct ctx *c, const xmlNode *n, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (c->warn.n >= MAX_WARNINGS) {
		c->n_unsaid++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	long line = n ? xmlGetLineNo(n) : 0;
	size_t len = strlen(c->file) + strlen(msg) + 32;
	char *w = arena_alloc(c->A, len);
	const char **e = w ? vec_push(&c->warn) : NULL;
	if (!e)
		return;	/* a warning lost to memory shortage is not worth failing for */
	if (line > 0)
		snprintf(w, len, "%s:%ld: %s", c->file, line, msg);
	else
		snprintf(w, len, "%s: %s", c->file, msg);
	*e = w;
}

static int oom(struct ctx *c)
{
	if (!c->failed && c->err && c->errlen)
		snprintf(c->err, c->errlen, "%s: out of memory while loading", c->file);
	c->failed = true;
	return -ENOMEM;
}

/* A value from the file, fit for a one-line message. */
static const char *shown(const char *s, char *out, size_t n)
{
	size_t i;
	for (i = 0; s[i] && i + 1 < n; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
	if (s[i] && n > 4)
		strcpy(out + n - 4, "...");
	return out;
}

/* ---- XML helpers ---- */

static bool is_scl(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       !strcmp((const char *)n->ns->href, SCL_NS) && !strcmp((const char *)n->name, name);
}

/* The first SCL child element called `name`, or NULL. */
static xmlNode *child(const xmlNode *n, const char *name)
{
	for (xmlNode *x = n->children; x; x = x->next)
		if (is_scl(x, name))
			return x;
	return NULL;
}

/* An unqualified attribute's value (libxml2 has substituted the
 * predefined entities), or NULL. */
static const char *attr(const xmlNode *n, const char *name)
{
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		if (a->ns || strcmp((const char *)a->name, name))
			continue;
		if (!a->children)
			return "";
		if (a->children->type == XML_TEXT_NODE && !a->children->next)
			return a->children->content ? (const char *)a->children->content : "";
		return NULL;	/* entity references: not produced without a DTD */
	}
	return NULL;
}

static const char *req(struct ctx *c, const xmlNode *n, const char *name, const char *who)
{
	const char *v = attr(n, name);
	if (!v)
		fail(c, n, "%s has no %s attribute (it is required: add %s=\"...\")", who, name,
		     name);
	return v;
}

/* Text content (text and CDATA children only; no entity expansion). */
static const char *text_of(struct ctx *c, const xmlNode *n)
{
	const xmlNode *x = n->children;
	if (!x)
		return "";
	if ((x->type == XML_TEXT_NODE || x->type == XML_CDATA_SECTION_NODE) && !x->next)
		return x->content ? (const char *)x->content : "";
	size_t len = 0;
	for (x = n->children; x; x = x->next)
		if ((x->type == XML_TEXT_NODE || x->type == XML_CDATA_SECTION_NODE) && x->content)
			len += strlen((const char *)x->content);
	char *s = arena_alloc(&c->tmp, len + 1), *o = s;
	if (!s)
		return NULL;
	for (x = n->children; x; x = x->next)
		if ((x->type == XML_TEXT_NODE || x->type == XML_CDATA_SECTION_NODE) && x->content) {
			size_t l = strlen((const char *)x->content);
			memcpy(o, x->content, l);
			o += l;
		}
	*o = '\0';
	return s;
}

static int parse_uint_str(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (*s == '+')
		s++;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -ERANGE;
	}
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (*s)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Optional unsigned attribute: `def` when absent. */
static int uint_attr(struct ctx *c, const xmlNode *n, const char *name, const char *who,
		     uint64_t def, uint64_t max, uint64_t *out)
{
	const char *v = attr(n, name);
	char b[64];
	if (!v) {
		*out = def;
		return 0;
	}
	if (parse_uint_str(v, max, out))
		return fail(c, n, "%s: %s=\"%s\" is not a number from 0 to %" PRIu64
			    " (fix the attribute)", who, name, shown(v, b, sizeof(b)), max);
	return 0;
}

/* An optional boolean attribute that describes one element, not the
 * model's shape (a DA's trigger options, a control block's flags): a value
 * that is not an xs:boolean is repairable (doc/scl-findings.md). "True" or
 * "FALSE" is taken as meant, anything else gives `def`, with a warning. */
static void soft_bool(struct ctx *c, const xmlNode *n, const char *name, const char *who,
		      bool def, bool *out)
{
	const char *v = attr(n, name);
	char s[8], b[64];
	size_t l;
	*out = def;
	if (!v)
		return;
	/* xs:boolean collapses white space */
	while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')
		v++;
	for (l = strlen(v); l && (v[l - 1] == ' ' || v[l - 1] == '\t' || v[l - 1] == '\n' ||
				  v[l - 1] == '\r'); l--)
		;
	if (l < sizeof(s)) {
		memcpy(s, v, l);
		s[l] = '\0';
	} else {
		s[0] = '\0';
	}
	if (!strcmp(s, "true") || !strcmp(s, "1")) {
		*out = true;
	} else if (!strcmp(s, "false") || !strcmp(s, "0")) {
		*out = false;
	} else if (!strcasecmp(s, "true") || !strcasecmp(s, "false")) {
		*out = !strcasecmp(s, "true");
		warn(c, n, "%s: %s=\"%s\" is not an xs:boolean; taken as %s (write \"%s\")", who,
		     name, s, *out ? "true" : "false", *out ? "true" : "false");
	} else {
		warn(c, n, "%s: %s=\"%s\" is not a boolean; served as %s (write true or false)",
		     who, name, shown(attr(n, name), b, sizeof(b)), def ? "true" : "false");
	}
}

/* Copies an attribute into a fixed field; too long is an error. */
static int copy_str(struct ctx *c, const xmlNode *n, char *dst, size_t size, const char *v,
		    const char *what, const char *who)
{
	size_t len = strlen(v);
	if (len >= size)
		return fail(c, n, "%s: %s '%.40s...' is %zu characters long, at most %zu are allowed"
			    " (shorten it)", who, what, v, len, size - 1);
	memcpy(dst, v, len + 1);
	return 0;
}

static const char *intern(struct ctx *c, const char *s)
{
	size_t len = strlen(s);
	const char *v = strhash_get(&c->names, s, len);
	if (v)
		return v;
	char *d = arena_strndup(c->A, s, len);
	if (!d || strhash_put(&c->names, d, len, d, NULL) < 0)
		return NULL;
	return d;
}

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

static int index_templates(struct ctx *c, xmlNode *dtt)
{
	static const char *const elems[] = { "LNodeType", "DOType", "DAType", "EnumType" };
	uint32_t n = 0;

	for (xmlNode *x = dtt->children; x; x = x->next)
		n += x->type == XML_ELEMENT_NODE;
	if (!(c->order = arena_alloc(&c->tmp, (n ? n : 1) * sizeof(*c->order))))
		return oom(c);
	for (xmlNode *x = dtt->children; x; x = x->next) {
		int k;
		for (k = 0; k < 4; k++)
			if (is_scl(x, elems[k]))
				break;
		if (k == 4)
			continue;
		const char *id = req(c, x, "id", elems[k]);
		if (!id)
			return -EINVAL;
		struct tmpl *t = arena_zalloc(&c->tmp, sizeof(*t));
		if (!t)
			return oom(c);
		t->node = x;
		t->id = id;
		t->kind = (uint8_t)k;
		c->order[c->n_order++] = t;
		void *old;
		int r = strhash_put(&c->tm[k], id, strlen(id), t, &old);
		if (r < 0)
			return oom(c);
		if (r == 1)
			return fail(c, x, "%s id '%s' is defined twice (also at line %ld; ids must be"
				    " unique: rename one)", elems[k], id,
				    xmlGetLineNo(((struct tmpl *)old)->node));
	}
	return 0;
}

/* qsort, which must not see a NULL base even for zero elements. */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
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
		n += is_scl(x, "EnumVal");
	struct ordname *v = arena_alloc(&c->tmp, (n ? n : 1) * sizeof(*v));
	struct enum_type *e = arena_zalloc(c->A, sizeof(*e));
	if (!v || !e)
		return oom(c);
	uint32_t i = 0;
	for (xmlNode *x = t->node->children; x; x = x->next) {
		if (!is_scl(x, "EnumVal"))
			continue;
		char who[128];
		snprintf(who, sizeof(who), "EnumVal in EnumType '%s'", t->id);
		const char *ord = req(c, x, "ord", who);
		const char *txt = text_of(c, x);
		char *end;
		if (!ord || !txt)
			return ord ? oom(c) : -EINVAL;
		errno = 0;
		long long o = strtoll(ord, &end, 10);
		if (!*ord || *end || errno || o < INT32_MIN || o > INT32_MAX)
			return fail(c, x, "%s: ord=\"%s\" is not an integer (fix the attribute)", who,
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
			return oom(c);
		i++;
	}
	sort(v, n, sizeof(*v), cmp_ordname);
	for (i = 1; i < n; i++)
		if (v[i].ord == v[i - 1].ord)
			return fail(c, v[i].node, "EnumVal ord %" PRId32 " is defined twice in EnumType"
				    " '%s' (also at line %ld; make the ords unique)", v[i].ord,
				    t->id, xmlGetLineNo(v[i - 1].node));
	e->id = arena_strdup(c->A, t->id);
	e->n = n;
	e->ords = arena_alloc(c->A, (n ? n : 1) * sizeof(*e->ords));
	e->names = arena_alloc(c->A, (n ? n : 1) * sizeof(*e->names));
	if (!e->id || !e->ords || !e->names)
		return oom(c);
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
		const char *txt = s->val ? text_of(c, s->val) : NULL;
		uint64_t v;
		if (!txt || parse_uint_str(txt, MAX_ARRAY_COUNT, &v) || v == 0)
			return fail(c, ch->node, "%s: count=\"%s\" names attribute '%s', which has no"
				    " Val from 1 to %u to size the array (give '%s' a Val in %s '%s'"
				    " or write the number)", who, ch->count_attr, s->name,
				    MAX_ARRAY_COUNT, s->name, tkind_name[t->kind], t->id);
		ch->count = (uint32_t)v;
		return 0;
	}
	return fail(c, ch->node, "%s: count=\"%s\" is neither a number nor the name of an attribute"
		    " of %s '%s' (fix the count)", who, shown(ch->count_attr, b, sizeof(b)),
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
		n += is_scl(x, k0) || (k1 && is_scl(x, k1));
	t->child = arena_zalloc(&c->tmp, (n ? n : 1) * sizeof(*t->child));
	struct tchild **sorted = arena_alloc(&c->tmp, (n ? n : 1) * sizeof(*sorted));
	if (!t->child || !sorted)
		return oom(c);
	if (t->kind == T_LNODE && !req(c, t->node, "lnClass", "LNodeType"))
		return -EINVAL;
	for (xmlNode *x = t->node->children; x; x = x->next) {
		uint8_t kind;
		if (is_scl(x, "DO"))
			kind = C_DO;
		else if (is_scl(x, "SDO"))
			kind = C_SDO;
		else if (is_scl(x, "DA"))
			kind = C_DA;
		else if (is_scl(x, "BDA"))
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
		if (!(ch->name = req(c, x, "name", who)))
			return -EINVAL;
		snprintf(who, sizeof(who), "%s '%s' in %s '%s'", ckind_name[kind], ch->name,
			 tkind_name[t->kind], t->id);
		if (!ch->name[0])
			return fail(c, x, "%s: the name is empty (give it a name)", who);
		const char *count = attr(x, "count");
		if (count && kind != C_DO) {
			uint64_t v;
			int r = parse_uint_str(count, MAX_ARRAY_COUNT, &v);
			if (r == -ERANGE)
				return fail(c, x, "%s: count=\"%s\" is larger than %u (make the array"
					    " smaller)", who, shown(count, b, sizeof(b)),
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
			ch->type_id = attr(x, "type") ?: "";
			/* type="" names no type, even where a DOType has id="" */
			ch->ref = ch->type_id[0] ? strhash_get(&c->tm[T_DO], ch->type_id,
							       strlen(ch->type_id)) : NULL;
		} else {
			const char *bt = req(c, x, "bType", who);
			if (!bt)
				return -EINVAL;
			const struct btype_map *map = btype_lookup(bt);
			if (!map)
				return fail(c, x, "%s: bType '%s' is not an SCL basic type (use BOOLEAN,"
					    " INTn, INTnU, FLOAT32, FLOAT64, Enum, Dbpos, Tcmd, Check,"
					    " Quality, Timestamp, EntryTime, VisStringN, Unicode255,"
					    " OctetN, ObjRef, Currency, EntryID, PhyComAddr, TrgOps,"
					    " OptFlds, SvOptFlds, LogOptFlds or Struct)", who,
					    shown(bt, b, sizeof(b)));
			ch->btype = map->bt;
			ch->max_len = map->max_len;
			ch->flags = map->flags;
			if (kind == C_DA) {
				const char *fc = req(c, x, "fc", who);
				if (!fc)
					return -EINVAL;
				ch->fc = model_fc_parse(fc, strlen(fc));
				if (ch->fc == FC_NONE)
					return fail(c, x, "%s: fc '%s' is not a functional constraint"
						    " (use ST, MX, CO, SP, SV, CF, DC, SG, SE, SR, OR,"
						    " BL, EX, ...)", who, shown(fc, b, sizeof(b)));
				bool v;
				soft_bool(c, x, "dchg", who, false, &v);
				ch->trgops |= v ? MODEL_TRG_DCHG : 0;
				soft_bool(c, x, "qchg", who, false, &v);
				ch->trgops |= v ? MODEL_TRG_QCHG : 0;
				soft_bool(c, x, "dupd", who, false, &v);
				ch->trgops |= v ? MODEL_TRG_DUPD : 0;
			}
			if (ch->btype == MB_STRUCT || ch->btype == MB_ENUM) {
				int k = ch->btype == MB_STRUCT ? T_DA : T_ENUM;
				ch->type_id = attr(x, "type");
				if (!ch->type_id && k == T_ENUM)
					return fail(c, x, "%s: bType %s needs a type attribute naming"
						    " its %s (add type=\"...\")", who, bt,
						    tkind_name[k]);
				if (!ch->type_id)	/* left out where used (check_refs) */
					ch->type_id = "";
				ch->ref = ch->type_id[0] ? strhash_get(&c->tm[k], ch->type_id,
								       strlen(ch->type_id)) : NULL;
			}
			ch->val = child(x, "Val");
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
	sort(sorted, t->n_child, sizeof(*sorted), cmp_child_name);
	for (uint32_t i = 1; i < t->n_child; i++)
		if (!strcmp(sorted[i]->name, sorted[i - 1]->name)) {
			const struct tchild *a = sorted[i - 1], *z = sorted[i];
			if (xmlGetLineNo(a->node) > xmlGetLineNo(z->node)) {
				const struct tchild *s = a;
				a = z;
				z = s;
			}
			return fail(c, z->node, "%s '%s' is defined twice in %s '%s' (also at line %ld;"
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
		return fail(c, t->node, "%s '%s' is nested more than %d levels deep (flatten the"
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
			return fail(c, ch->node, "%s '%s' in %s '%s' refers to %s '%s', which contains"
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
static int check_templates(struct ctx *c)
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
		oom(c);
		return NULL;
	}
	c->m->n_types++;
	return n;
}

/* Finishes a node: copies the type description built in c->td. */
static int set_typedesc(struct ctx *c, struct mnode *n)
{
	if (c->td.err)
		return oom(c);
	n->t.typedesc = arena_memdup(c->A, buf_data(&c->td), c->td.len);
	n->t.typedesc_len = c->td.len;
	return n->t.typedesc ? 0 : oom(c);
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

static struct mnode *basic(struct ctx *c, uint8_t bt, uint32_t max_len, uint8_t flags,
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
		oom(c);
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
			oom(c);
			return NULL;
		}
		memcpy(n->image, &e->ords[0], sizeof(int32_t));
	}
	buf_reset(&c->td, 0);
	basic_typedesc(&c->td, &n->t);
	if (set_typedesc(c, n) || strhash_put(&c->basic, k, sizeof(key), n, NULL) < 0) {
		oom(c);
		return NULL;
	}
	return n;
}

static struct mnode *array(struct ctx *c, struct mnode *elem, uint32_t count, const xmlNode *at,
			   const char *who)
{
	uint8_t key[4 + sizeof(void *)];
	memcpy(key, &count, 4);
	memcpy(key + 4, &elem, sizeof(elem));
	struct mnode *n = strhash_get(&c->arrays, key, sizeof(key));
	if (n)
		return n;
	if ((uint64_t)elem->t.size * count > MAX_TYPE_SIZE) {
		fail(c, at, "%s: an array of %" PRIu32 " elements of %" PRIu32 " octets is too large"
		     " (at most %u octets; make it smaller)", who, count, elem->t.size,
		     MAX_TYPE_SIZE);
		return NULL;
	}
	if (elem->t.depth + 1 > MODEL_MAX_DEPTH) {
		fail(c, at, "%s: nested more than %d levels deep (flatten the types)", who,
		     MODEL_MAX_DEPTH);
		return NULL;
	}
	uint8_t *k = arena_memdup(c->A, key, sizeof(key));
	if (!k || !(n = new_node(c))) {
		oom(c);
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
			oom(c);
			return NULL;
		}
		for (uint32_t i = 0; i < count; i++)
			memcpy(n->image + (size_t)i * elem->t.size, elem->image, elem->t.size);
	}
	if (strhash_put(&c->arrays, k, sizeof(key), n, NULL) < 0) {
		oom(c);
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
		warn(c, x, "%s: Val '%s' is not an xs:boolean; taken as %s (write \"%s\")", who,
		     shown(s, b, sizeof(b)), strcasecmp(s, "true") ? "false" : "true",
		     strcasecmp(s, "true") ? "false" : "true");
	else if (bt->btype == MB_ENUM && bt->enm && !enum_ord(bt->enm, s, &ord))
		warn(c, x, "%s: Val '%s' is an ordinal of EnumType '%s', not a member's name; taken"
		     " as '%s' (write the name)", who, shown(s, b, sizeof(b)), bt->enm->id,
		     enum_name(bt->enm, (int32_t)strtol(s, NULL, 10)) ?: "?");
}

/* Applies Val elements to a basic (or array of basic) component. */
static int apply_vals(struct ctx *c, uint8_t *v, const struct mtype *t, const xmlNode *first,
		      const char *who)
{
	const struct mtype *bt = t->btype == MB_ARRAY ? t->elem : t;
	uint32_t n = t->btype == MB_ARRAY ? t->count : 1, i = 0;
	char b[80], tn[32];

	if (bt->btype == MB_STRUCT || bt->btype == MB_ARRAY) {
		/* Repairable: the attribute keeps the defaults of its parts. */
		warn(c, first, "%s: a Val on a structured attribute; ignored, its basic"
		     " attributes keep their defaults (give the Val to its basic attributes)", who);
		return 0;
	}
	for (const xmlNode *x = first; x && i < n; x = x->next) {
		if (!is_scl(x, "Val"))
			continue;
		const char *txt = text_of(c, x);
		if (!txt)
			return oom(c);
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
			warn(c, x, "%s: Val '%s' does not fit its type %s%s%s (%s); served as '%s'"
			     " instead (fix the Val)", who, shown(txt, b, sizeof(b)), tn,
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
		oom(c);
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++) {
		comp[i] = (struct mcomp){ .name = intern(c, it[i].name), .type = &it[i].type->t,
					  .off = (uint32_t)off };
		if (!comp[i].name) {
			oom(c);
			return NULL;
		}
		off += it[i].type->t.size;
		if (off > MAX_TYPE_SIZE) {
			fail(c, at, "%s is larger than %u octets (make it smaller)", what,
			     MAX_TYPE_SIZE);
			return NULL;
		}
		if (it[i].type->t.depth + 1 > depth)
			depth = it[i].type->t.depth + 1;
		has_image |= it[i].type->image || (it[i].src && it[i].src->val);
		by_name[i] = i;
	}
	if (depth > MODEL_MAX_DEPTH) {
		fail(c, at, "%s is nested more than %d levels deep (flatten the types)", what,
		     MODEL_MAX_DEPTH);
		return NULL;
	}
	qsort_r(by_name, n, sizeof(*by_name), cmp_by_name, comp);
	for (uint32_t i = 1; i < n; i++)
		if (!strcmp(comp[by_name[i]].name, comp[by_name[i - 1]].name)) {
			fail(c, at, "%s has two components named '%s' (names must be unique: rename"
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
			oom(c);
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
				if (apply_vals(c, node->image + comp[i].off, &ct->t, s->val, who))
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
				warn(c, ch->node, "%s '%s' in %s '%s': EnumType '%s' is not defined in"
				     " DataTypeTemplates; its values are taken as plain integers"
				     " (add the EnumType)", ckind_name[ch->kind], ch->name,
				     tkind_name[t->kind], t->id, shown(ch->type_id, b, sizeof(b)));
			ch->warned = true;
			continue;
		}
		if (tchild_dropped(ch)) {
			/* Repairable: the SDO, DA or BDA is left out of its DOType
			 * or DAType; a DAI naming it is then ignored with a warning. */
			if (!ch->warned) {
				if (ch->type_id[0])
					warn(c, ch->node, "%s '%s' in %s '%s': %s '%s' is not defined in"
					     " DataTypeTemplates; left out of %s '%s' (add the %s or"
					     " fix the type attribute)", ckind_name[ch->kind], ch->name,
					     tkind_name[t->kind], t->id, k,
					     shown(ch->type_id, b, sizeof(b)), tkind_name[t->kind],
					     t->id, k);
				else
					warn(c, ch->node, "%s '%s' in %s '%s' has no type attribute; left"
					     " out of %s '%s' (add type=\"...\" naming its %s)",
					     ckind_name[ch->kind], ch->name, tkind_name[t->kind], t->id,
					     tkind_name[t->kind], t->id, k);
			}
			ch->warned = true;
			continue;
		}
		if (!ch->type_id[0])
			return fail(c, ch->node, "%s '%s' in %s '%s' has no type attribute (it is"
				    " required: add type=\"...\" naming its %s)", ckind_name[ch->kind],
				    ch->name, tkind_name[t->kind], t->id, k);
		return fail(c, ch->node, "%s '%s' in %s '%s': %s '%s' is not defined in"
			    " DataTypeTemplates (add it or fix the type attribute)",
			    ckind_name[ch->kind], ch->name, tkind_name[t->kind], t->id, k,
			    shown(ch->type_id, b, sizeof(b)));
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
		n = basic(c, ch->btype, ch->max_len, ch->flags, ch->ref ? ch->ref->enm : NULL, fc,
			  trg);
	if (n && ch->count) {
		char who[128];
		snprintf(who, sizeof(who), "%s '%s'", ckind_name[ch->kind], ch->name);
		n = array(c, n, ch->count, ch->node, who);
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
		oom(c);
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
		oom(c);
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
				ct = array(c, ct, ch->count, ch->node, who);
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

static struct mnode *lnodetype_view(struct ctx *c, struct tmpl *t)
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
		oom(c);
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
	if (!ln || !ln->image)
		return t->view[0] = ln;
	/* Runs of non-zero octets; gaps shorter than 32 octets are copied. */
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
			oom(c);
			return NULL;
		}
		*r = (struct run){ .off = i, .len = end - i };
		i = end;
	}
	ln->n_runs = (uint32_t)runs.n;
	ln->runs = runs.n ? arena_memdup(c->A, runs.p, runs.n * runs.esz) : NULL;
	vec_free(&runs);
	if (runs.n && !ln->runs) {
		oom(c);
		return NULL;
	}
	return t->view[0] = ln;
}

/* ---- the IED ---- */

static int cmp_lninfo(const void *a, const void *b)
{
	return strcmp(((const struct lninfo *)a)->ln->name, ((const struct lninfo *)b)->ln->name);
}

struct ldinfo {
	struct mld *ld;
	xmlNode *node;
	struct lninfo *lns;	/* sorted like ld->lns */
};

static int cmp_ldinfo(const void *a, const void *b)
{
	return strcmp(((const struct ldinfo *)a)->ld->name, ((const struct ldinfo *)b)->ld->name);
}

static int cmp_ld_inst(const void *a, const void *b)
{
	return strcmp((*(const struct mld *const *)a)->inst, (*(const struct mld *const *)b)->inst);
}

/* One LN or LN0 element: its name and type. */
static int load_ln(struct ctx *c, struct mld *ld, xmlNode *x, struct mln *ln, uint64_t *vsize)
{
	bool ln0 = is_scl(x, "LN0");
	char who[160], b[64];
	snprintf(who, sizeof(who), "%s in LDevice '%s'", ln0 ? "LN0" : "LN", ld->inst);
	const char *cls = req(c, x, "lnClass", who);
	const char *type = cls ? req(c, x, "lnType", who) : NULL;
	const char *inst = ln0 ? attr(x, "inst") : type ? req(c, x, "inst", who) : NULL;
	const char *prefix = attr(x, "prefix");
	if (!cls || !type || (!ln0 && !inst))
		return -EINVAL;
	if (!inst)
		inst = "";
	if (!prefix)
		prefix = "";
	if (strlen(cls) >= sizeof(ln->ln_class) || !cls[0])
		return fail(c, x, "%s: lnClass '%s' is not an LN class (four capital letters)", who,
			    shown(cls, b, sizeof(b)));
	/* IEC 61850-7-2 / SCL tPrefix, tLNClass, tLNInst: the LN name becomes an
	 * MMS identifier, so only letters, digits and '_' may appear ('$' would
	 * split it into components). */
	for (const char *const *part = (const char *const[]){ prefix, cls, inst, NULL }; *part;
	     part++)
		for (const char *p = *part; *p; p++)
			if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			      (*p >= '0' && *p <= '9') || *p == '_'))
				return fail(c, x, "%s: prefix '%s', lnClass '%s' and inst '%s' may hold"
					    " only letters, digits and '_' (they form the MMS name)",
					    who, shown(prefix, b, sizeof(b)), cls, inst);
	int len = snprintf(ln->name, sizeof(ln->name), "%s%s%s", prefix, cls, inst);
	if (len < 0 || (size_t)len >= sizeof(ln->name))
		return fail(c, x, "%s: the LN name '%s%s%s' is longer than 64 characters (shorten the"
			    " prefix)", who, prefix, cls, inst);
	snprintf(who, sizeof(who), "LN '%s' in LDevice '%s'", ln->name, ld->inst);
	strcpy(ln->ln_class, cls);
	struct tmpl *t = strhash_get(&c->tm[T_LNODE], type, strlen(type));
	if (!t)
		return fail(c, x, "%s: LNodeType '%s' is not defined in DataTypeTemplates (add it or"
			    " fix the lnType attribute)", who, shown(type, b, sizeof(b)));
	struct mnode *n = lnodetype_view(c, t);
	if (!n)
		return -EINVAL;
	ln->type = &n->t;
	ln->ld = ld;
	if (*vsize + n->t.size > MAX_VALUES)
		return fail(c, x, "%s: the model's values exceed %u octets (the file is too large)",
			    who, MAX_VALUES);
	ln->vbase = (uint32_t)*vsize;
	*vsize += n->t.size;
	return 0;
}

/* ---- instance values: DOI / SDI / DAI ---- */

struct step {
	const char *name;
	int32_t ix;	/* -1: none */
};

/* The attribute at steps[0..n) of `ln` in whichever FC has it. */
static bool find_inst(const struct mln *ln, const struct step *s, unsigned n,
		      const struct mtype **type, uint32_t *voff)
{
	for (uint32_t f = 0; f < ln->type->n; f++) {
		const struct mcomp *fc = &ln->type->comp[f];
		const struct mtype *t = fc->type;
		uint32_t off = ln->vbase + fc->off;
		unsigned i;
		for (i = 0; i < n; i++) {
			const struct mcomp *k = mtype_find(t, s[i].name, strlen(s[i].name));
			if (!k)
				break;
			t = k->type;
			off += k->off;
			if (s[i].ix >= 0) {
				if (t->btype != MB_ARRAY || (uint32_t)s[i].ix >= t->count)
					break;
				off += (uint32_t)s[i].ix * t->elem->size;
				t = t->elem;
			} else if (t->btype == MB_ARRAY && i + 1 < n) {
				break;
			}
		}
		if (i == n) {
			*type = t;
			*voff = off;
			return true;
		}
	}
	return false;
}

static void path_text(const struct step *s, unsigned n, char *out, size_t len)
{
	size_t o = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < n && o + 1 < len; i++) {
		int k = snprintf(out + o, len - o, s[i].ix >= 0 ? "%s%s(%" PRId32 ")" : "%s%s",
				 i ? "." : "", s[i].name, s[i].ix);
		if (k < 0)
			break;
		o += (size_t)k;
	}
}

static int apply_inst(struct ctx *c, const struct mln *ln, xmlNode *x, struct step *s,
		      unsigned depth)
{
	char path[256], who[384];
	const bool dai = is_scl(x, "DAI");
	const char *kind = dai ? "DAI" : depth == 0 ? "DOI" : "SDI";

	if (depth >= MODEL_MAX_DEPTH)
		return fail(c, x, "%s in LN '%s' is nested more than %d levels deep (flatten it)", kind,
			    ln->name, MODEL_MAX_DEPTH);
	/* Instance data that names nothing it could set is ignored, with a
	 * warning, like instance data naming nothing in the LN's type
	 * (doc/scl-findings.md): the type alone gives the LN's shape. */
	s[depth].name = attr(x, "name");
	if (!s[depth].name || !s[depth].name[0]) {
		warn(c, x, "%s in LN '%s' has no name; ignored with what it holds (add name=\"...\")",
		     kind, ln->name);
		return 0;
	}
	uint64_t ix;
	const char *ixs = attr(x, "ix");
	char b[64];
	if (!ixs) {
		s[depth].ix = -1;
	} else if (parse_uint_str(ixs, MAX_ARRAY_COUNT, &ix)) {
		warn(c, x, "%s '%s' in LN '%s': ix=\"%s\" is not an array index from 0 to %u;"
		     " ignored with what it holds (fix ix)", kind, s[depth].name, ln->name,
		     shown(ixs, b, sizeof(b)), MAX_ARRAY_COUNT);
		return 0;
	} else {
		s[depth].ix = (int32_t)ix;
	}
	path_text(s, depth + 1, path, sizeof(path));
	const struct mtype *t;
	uint32_t voff;
	if (!find_inst(ln, s, depth + 1, &t, &voff)) {
		warn(c, x, "%s '%s' in LN '%s': the LN's type has no %s '%s'; ignored (fix the name,"
		     " or add it to the type)", kind, s[depth].name, ln->name,
		     depth == 0 ? "data object" : "data attribute or sub-object", path);
		return 0;
	}
	if (!dai) {
		for (xmlNode *k = x->children; k; k = k->next)
			if ((is_scl(k, "SDI") || is_scl(k, "DAI")) && apply_inst(c, ln, k, s, depth + 1))
				return -EINVAL;
		return 0;
	}
	snprintf(who, sizeof(who), "DAI '%s' of LN '%s'", path, ln->name);
	xmlNode *val = child(x, "Val");
	if (val && apply_vals(c, c->m->values + voff, t, val, who))
		return -EINVAL;
	const char *sa = attr(x, "sAddr");
	if (sa && sa[0]) {
		struct msaddr *e = vec_push(&c->saddr);
		if (!e)
			return oom(c);
		e->voff = voff;
		e->type = t;
		if (!(e->saddr = arena_strdup(c->A, sa)))
			return oom(c);
	}
	return 0;
}

/* ---- data sets ---- */

static int cmp_dataset(const void *a, const void *b)
{
	return strcmp(((const struct mdataset *)a)->name, ((const struct mdataset *)b)->name);
}

/* Appends a path's names joined by `sep`, without "(n)", skipping
 * the first `from` names and stopping after `to`. */
static int join_path(char *out, size_t size, size_t *o, const char *path, unsigned from,
		     unsigned to)
{
	unsigned i = 0;
	for (const char *p = path; *p && i < to;) {
		const char *e = strchr(p, '.');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const char *paren = memchr(p, '(', len);
		size_t nlen = paren ? (size_t)(paren - p) : len;
		if (i >= from) {
			if (*o + nlen + 2 > size)
				return -ENAMETOOLONG;
			if (*o && out[*o - 1] != '$')
				out[(*o)++] = '$';
			memcpy(out + *o, p, nlen);
			*o += nlen;
			out[*o] = '\0';
		}
		i++;
		p = e ? e + 1 : p + len;
	}
	return 0;
}

/* A data set member that does not resolve: left out of its data set with a
 * warning (repairable, doc/scl-findings.md); the data set keeps the other
 * members and its control blocks keep their ConfRev as written (the SCL's
 * ConfRev describes the engineered data set; iedd does not invent a
 * revision). Returns FCDA_SKIPPED. */
#define FCDA_SKIPPED 1
__attribute__((format(printf, 5, 6)))
static int fcda_skip(struct ctx *c, const xmlNode *x, const struct mfcda *f, const char *dsname,
		     const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warn(c, x, "FCDA '%s' in DataSet '%s': %s; left out of the data set, ConfRev unchanged",
	     f->ref, dsname, msg);
	return FCDA_SKIPPED;
}

static int load_fcda(struct ctx *c, const struct mld *ld, const char *dsname, xmlNode *x,
		     struct mfcda *f)
{
	char b[64], path[256];
	const char *ldinst = attr(x, "ldInst"), *prefix = attr(x, "prefix");
	const char *cls = attr(x, "lnClass"), *lninst = attr(x, "lnInst");
	const char *doname = attr(x, "doName"), *daname = attr(x, "daName"), *fcs = attr(x, "fc");
	const char *ixs = attr(x, "ix");
	uint64_t ix = 0;
	if (!ldinst)
		ldinst = ld->inst;
	if (!prefix)
		prefix = "";
	if (!lninst)
		lninst = "";
	int n = snprintf(path, sizeof(path), "%s%s%s", doname ? doname : "",
			 doname && daname && daname[0] ? "." : "", doname && daname ? daname : "");
	int rn = snprintf(f->ref, sizeof(f->ref), "%s/%s%s%s%s%s[%s]", ldinst, prefix,
			  cls ? cls : "", lninst, path[0] ? "." : "", path, fcs ? fcs : "");
	if (n < 0 || (size_t)n >= sizeof(path) || rn < 0 || (size_t)rn >= sizeof(f->ref))
		return fail(c, x, "FCDA '%s' in DataSet '%s': the reference is too long", f->ref,
			    dsname);
	/* A member that names nothing resolvable, for want of an attribute
	 * too (the schema requires fc; without lnClass no LN is named), is
	 * left out like any other. */
	if (!cls || !fcs)
		return fcda_skip(c, x, f, dsname, "no %s attribute (add %s=\"...\")",
				 !cls ? "lnClass" : "fc", !cls ? "lnClass" : "fc");
	if (ixs && parse_uint_str(ixs, MAX_ARRAY_COUNT, &ix))
		return fcda_skip(c, x, f, dsname, "ix=\"%s\" is not an array index from 0 to %u (fix"
				 " ix)", shown(ixs, b, sizeof(b)), MAX_ARRAY_COUNT);
	int32_t ixv = ixs ? (int32_t)ix : -1;
	uint8_t fc = model_fc_parse(fcs, strlen(fcs));
	if (fc == FC_NONE)
		return fcda_skip(c, x, f, dsname, "fc '%s' is not a functional constraint (use ST, MX,"
				 " CF, ...)", shown(fcs, b, sizeof(b)));
	if (!doname && daname)
		return fcda_skip(c, x, f, dsname, "daName without doName (add the doName)");
	f->ld = model_find_ld_inst(c->m, ldinst);
	if (!f->ld)	/* some tools write the domain name (IED name + inst) */
		f->ld = model_find_ld(c->m, ldinst);
	if (!f->ld)
		return fcda_skip(c, x, f, dsname, "IED '%s' has no LDevice with inst '%s' (fix"
				 " ldInst)", c->m->ied_name, ldinst);
	char lnname[80];
	snprintf(lnname, sizeof(lnname), "%s%s%s", prefix, cls, lninst);
	f->ln = model_find_ln(f->ld, lnname, strlen(lnname));
	if (!f->ln)
		return fcda_skip(c, x, f, dsname, "LDevice '%s' has no LN '%s' (fix prefix, lnClass"
				 " or lnInst)", ldinst, lnname);
	const struct mcomp *fcc = mtype_find(f->ln->type, fcs, 2);
	struct mwalk w;
	int r = fcc ? mtype_walk(fcc->type, path, strlen(path), '.', ixv, &w) : -ENOENT;
	if (r)
		return fcda_skip(c, x, f, dsname, "%s (fix doName, daName, fc%s, or the type)",
			    !fcc ? "the LN has no attribute with this FC" :
			    r == -EINVAL ? "the reference is malformed or has two array indexes" :
			    ixv >= 0 ? "no such data attribute, or ix does not select an element of"
				       " an array on the path" :
				       "no such data attribute with this FC in the model",
			    ixv >= 0 ? ", ix" : "");
	f->type = w.type;
	f->voff = f->ln->vbase + fcc->off + w.off;
	f->arr_index = w.index;
	/* IEC 61850-8-1 §14.2.2: an element is read as the array variable
	 * plus an AlternateAccess; the MMS name stops at the array. */
	size_t o = (size_t)snprintf(f->mms_item, sizeof(f->mms_item), "%s$%s", lnname, fcs);
	unsigned upto = w.index >= 0 ? w.index_step + 1 : w.n_steps;
	f->alt_item[0] = '\0';
	size_t ao = 0;
	if (o >= sizeof(f->mms_item) ||
	    join_path(f->mms_item, sizeof(f->mms_item), &o, path, 0, upto) ||
	    (w.index >= 0 &&
	     join_path(f->alt_item, sizeof(f->alt_item), &ao, path, upto, w.n_steps)))
		return fail(c, x, "FCDA '%s' in DataSet '%s': the MMS name is longer than 129"
			    " characters (shorten the names)", f->ref, dsname);
	return 0;
}

static int load_dataset(struct ctx *c, const struct mld *ld, const struct mln *ln, xmlNode *x,
			struct mdataset *ds)
{
	char who[128];
	snprintf(who, sizeof(who), "DataSet in LN '%s'", ln->name);
	const char *name = req(c, x, "name", who);
	if (!name)
		return -EINVAL;
	int len = snprintf(ds->name, sizeof(ds->name), "%s$%s", ln->name, name);
	if (len < 0 || (size_t)len >= sizeof(ds->name))
		return fail(c, x, "DataSet '%s' in LN '%s': the MMS name '%s$%s' is longer than 64"
			    " characters (shorten the name)", name, ln->name, ln->name, name);
	ds->ln = ln;
	uint32_t n = 0;
	for (xmlNode *k = x->children; k; k = k->next)
		n += is_scl(k, "FCDA");
	ds->members = arena_zalloc(c->A, (n ? n : 1) * sizeof(*ds->members));
	if (!ds->members)
		return oom(c);
	for (xmlNode *k = x->children; k; k = k->next)
		if (is_scl(k, "FCDA")) {
			int r = load_fcda(c, ld, name, k, &ds->members[ds->n]);
			if (r < 0)
				return r;
			if (r != FCDA_SKIPPED)
				ds->n++;
		}
	return 0;
}

/* ---- control blocks ---- */

/* A number attribute of a control block whose value does not fit
 * (repairable, doc/scl-findings.md): the block is served with the
 * attribute's default, with a warning. The attribute describes one block,
 * not the model's shape, and a wrong value of it should not refuse the
 * file. Not a number, or out of [min, max]. */
static void cb_uint(struct ctx *c, const xmlNode *n, const char *name, const char *who,
		    uint64_t def, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *v = attr(n, name);
	char b[64];
	uint64_t x;
	*out = def;
	if (!v)
		return;
	if (parse_uint_str(v, max, &x) || x < min) {
		warn(c, n, "%s: %s=\"%s\" is not a number from %" PRIu64 " to %" PRIu64 "; served"
		     " as %" PRIu64 " (fix the attribute)", who, name, shown(v, b, sizeof(b)), min,
		     max, def);
		return;
	}
	*out = x;
}

static void trgops_child(struct ctx *c, const xmlNode *x, const char *who, uint16_t *out)
{
	static const struct { const char *a; uint16_t bit; } t[] = {
		{ "dchg", MODEL_TRG_DCHG }, { "qchg", MODEL_TRG_QCHG }, { "dupd", MODEL_TRG_DUPD },
		{ "period", MODEL_TRG_PERIOD }, { "gi", MODEL_TRG_GI },
	};
	const xmlNode *k = child(x, "TrgOps");
	*out = 0;
	for (size_t i = 0; k && i < sizeof(t) / sizeof(t[0]); i++) {
		bool v;
		/* tTrgOps: every option defaults to false, gi (Ed.2) to true. */
		soft_bool(c, k, t[i].a, who, t[i].bit == MODEL_TRG_GI, &v);
		*out |= v ? t[i].bit : 0;
	}
}

static int load_cb(struct ctx *c, const struct mln *ln, xmlNode *x, struct vec *cbs)
{
	static const struct { const char *el; uint8_t kind; } kinds[] = {
		{ "ReportControl", MCB_URCB }, { "GSEControl", MCB_GOCB },
		{ "LogControl", MCB_LCB }, { "SettingControl", MCB_SGCB },
		{ "SampledValueControl", MCB_MSVCB },
	};
	size_t k;
	char who[160];
	uint64_t v;
	bool bv;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (is_scl(x, kinds[k].el))
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0]))
		return 0;
	const char *type = attr(x, "type");
	if (kinds[k].kind == MCB_GOCB && type && !strcmp(type, "GSSE"))
		return 0;
	struct mcb *cb = vec_push(cbs);
	if (!cb)
		return oom(c);
	cb->kind = kinds[k].kind;
	cb->ln = ln;
	cb->max_instances = 1;
	snprintf(who, sizeof(who), "%s in LN '%s'", kinds[k].el, ln->name);
	if (cb->kind == MCB_SGCB) {
		snprintf(cb->name, sizeof(cb->name), "SGCB");
		if (!req(c, x, "numOfSGs", who) ||
		    uint_attr(c, x, "numOfSGs", who, 1, 255, &v))
			return -EINVAL;
		cb->max_instances = (uint32_t)v;
		if (uint_attr(c, x, "actSG", who, 1, 255, &v))
			return -EINVAL;
		cb->act_sg = (uint32_t)v;
		return 0;
	}
	const char *name = req(c, x, "name", who);
	if (!name || copy_str(c, x, cb->name, sizeof(cb->name), name, "name", who))
		return -EINVAL;
	snprintf(who, sizeof(who), "%s '%s' in LN '%s'", kinds[k].el, name, ln->name);
	const char *ds = attr(x, "datSet");
	if (ds && copy_str(c, x, cb->dataset, sizeof(cb->dataset), ds, "datSet", who))
		return -EINVAL;
	cb_uint(c, x, "confRev", who, 0, 0, UINT32_MAX, &v);
	cb->conf_rev = (uint32_t)v;
	const char *id = attr(x, cb->kind == MCB_URCB ? "rptID" : cb->kind == MCB_GOCB ? "appID" :
				 cb->kind == MCB_LCB ? "logName" : "smvID");
	if (id && copy_str(c, x, cb->rpt_id, sizeof(cb->rpt_id), id,
			   cb->kind == MCB_URCB ? "rptID" : "id", who))
		return -EINVAL;
	switch (cb->kind) {
	case MCB_URCB: {
		soft_bool(c, x, "buffered", who, false, &cb->buffered);
		soft_bool(c, x, "indexed", who, true, &cb->indexed);
		cb->kind = cb->buffered ? MCB_BRCB : MCB_URCB;
		cb_uint(c, x, "bufTime", who, 0, 0, UINT32_MAX, &v);
		cb->buf_time = (uint32_t)v;
		cb_uint(c, x, "intgPd", who, 0, 0, UINT32_MAX, &v);
		cb->intg_pd = (uint32_t)v;
		trgops_child(c, x, who, &cb->trgops);
		const xmlNode *re = child(x, "RptEnabled");
		if (re) {
			/* tRptEnabled max: up to 99, default 1 (0 is taken as 1) */
			cb_uint(c, re, "max", who, 1, 0, 99, &v);
			cb->max_instances = v ? (uint32_t)v : 1;
		}
		const xmlNode *of = child(x, "OptFields");
		static const struct { const char *a; uint8_t bit; } o[] = {
			{ "seqNum", 1 }, { "timeStamp", 2 }, { "reasonCode", 3 }, { "dataSet", 4 },
			{ "dataRef", 5 }, { "bufOvfl", 6 }, { "entryID", 7 }, { "configRef", 8 },
			{ "segmentation", 9 },
		};
		for (size_t i = 0; of && i < sizeof(o) / sizeof(o[0]); i++) {
			soft_bool(c, of, o[i].a, who, false, &bv);
			cb->opt_fields |= bv ? (uint16_t)(1u << o[i].bit) : 0;
		}
		break;
	}
	case MCB_LCB:
		cb_uint(c, x, "intgPd", who, 0, 0, UINT32_MAX, &v);
		cb->intg_pd = (uint32_t)v;
		trgops_child(c, x, who, &cb->trgops);
		break;
	case MCB_MSVCB:
		soft_bool(c, x, "multicast", who, true, &bv);
		cb->kind = bv ? MCB_MSVCB : MCB_USVCB;
		break;
	default:
		break;
	}
	return 0;
}

static int cmp_saddr(const void *a, const void *b)
{
	uint32_t x = ((const struct msaddr *)a)->voff, y = ((const struct msaddr *)b)->voff;
	return (x > y) - (x < y);
}

/* A control block whose datSet names no data set of its LN (repairable,
 * doc/scl-findings.md). A datSet written as an object reference or MMS name
 * ("LD/LLN0$name", "LLN0$name", "LD/LLN0.name", "LD/LLN0$BR$name") is
 * resolved when its last name is a data set of the control block's LN.
 * Otherwise the control block is kept without a data set: IEC 61850-7-2
 * lets a client set DatSet of a disabled RCB, LCB or GoCB, so the block
 * stays usable, where dropping it would remove what a client configures. */
static void load_cb_dataset(struct ctx *c, const xmlNode *x, const struct mld *ld,
			    const struct mld *dsview, struct mcb *cb)
{
	char full[140], b[80];
	const char *last = cb->dataset, *p;
	for (p = cb->dataset; *p; p++)
		if (*p == '$' || *p == '/' || *p == '.')
			last = p + 1;
	snprintf(full, sizeof(full), "%s$%s", cb->ln->name, last);
	if (last != cb->dataset && *last && model_find_dataset(dsview, full)) {
		warn(c, x, "%s '%s' in LN '%s' of LDevice '%s': datSet '%s' is not the name of a"
		     " DataSet; taken as DataSet '%s' of the LN (write datSet=\"%s\")",
		     (const char *)x->name, cb->name, cb->ln->name, ld->inst,
		     shown(cb->dataset, b, sizeof(b)), last, last);
		memmove(cb->dataset, last, strlen(last) + 1);
		return;
	}
	warn(c, x, "%s '%s' in LN '%s' of LDevice '%s': DataSet '%s' is not defined in that LN;"
	     " the control block is served without a data set (add the DataSet or fix datSet)",
	     (const char *)x->name, cb->name, cb->ln->name, ld->inst,
	     shown(cb->dataset, b, sizeof(b)));
	cb->dataset[0] = '\0';
}

/* Data sets and control blocks of every LN of one LD. */
static int load_services(struct ctx *c, struct ldinfo *li)
{
	struct mld *ld = li->ld;
	struct vec dss = { .esz = sizeof(struct mdataset) };
	struct vec cbs = { .esz = sizeof(struct mcb) };
	struct vec cbn = { .esz = sizeof(xmlNode *) };	/* element of each cbs[i] */
	struct strhash dsnames;
	int r = -EINVAL;

	strhash_init(&dsnames);

	for (uint32_t i = 0; i < ld->n_ln; i++) {
		const struct mln *ln = &ld->lns[i];
		for (xmlNode *x = li->lns[i].node->children; x; x = x->next) {
			if (x->type != XML_ELEMENT_NODE)
				continue;
			if (is_scl(x, "DataSet")) {
				struct mdataset *ds = vec_push(&dss);
				if (!ds) {
					r = oom(c);
					goto out;
				}
				if (load_dataset(c, ld, ln, x, ds))
					goto out;
				/* names are unique per LN (the MMS name holds the LN) */
				char *key = arena_strdup(&c->tmp, ds->name);
				void *old;
				int e = key ? strhash_put(&dsnames, key, strlen(key), x, &old) : -ENOMEM;
				if (e < 0) {
					r = oom(c);
					goto out;
				}
				if (e == 1) {
					fail(c, x, "DataSet '%s' is defined twice in LN '%s' (also at line"
					     " %ld; rename one)", strchr(key, '$') + 1, ln->name,
					     xmlGetLineNo(old));
					goto out;
				}
			} else {
				size_t before = cbs.n;
				if (load_cb(c, ln, x, &cbs))
					goto out;
				xmlNode **n = cbs.n > before ? vec_push(&cbn) : NULL;
				if (cbs.n > before && !n) {
					r = oom(c);
					goto out;
				}
				if (n)
					*n = x;
			}
		}
	}
	sort(dss.p, dss.n, dss.esz, cmp_dataset);
	struct mdataset *d = dss.p;
	/* A control block's datSet names a data set of its own LN. */
	struct mcb *cb = cbs.p;
	const struct mld dsview = { .n_ds = (uint32_t)dss.n, .datasets = d };
	for (size_t i = 0; i < cbs.n; i++) {
		char full[140];
		if (!cb[i].dataset[0])
			continue;
		snprintf(full, sizeof(full), "%s$%s", cb[i].ln->name, cb[i].dataset);
		if (!model_find_dataset(&dsview, full))
			load_cb_dataset(c, ((xmlNode **)cbn.p)[i], ld, &dsview, &cb[i]);
	}
	ld->n_ds = (uint32_t)dss.n;
	ld->datasets = dss.n ? arena_memdup(c->A, dss.p, dss.n * dss.esz) : NULL;
	ld->n_cb = (uint32_t)cbs.n;
	ld->cbs = cbs.n ? arena_memdup(c->A, cbs.p, cbs.n * cbs.esz) : NULL;
	r = ((dss.n && !ld->datasets) || (cbs.n && !ld->cbs)) ? oom(c) : 0;
out:
	vec_free(&dss);
	vec_free(&cbs);
	vec_free(&cbn);
	strhash_clear(&dsnames);
	return r;
}

static xmlNode *pick_ied(struct ctx *c, xmlNode *root)
{
	char names[512];
	size_t o = 0;
	unsigned n = 0;
	xmlNode *only = NULL;

	names[0] = '\0';
	for (xmlNode *x = root->children; x; x = x->next) {
		if (!is_scl(x, "IED"))
			continue;
		const char *name = req(c, x, "name", "IED");
		if (!name)
			return NULL;
		if (c->ied && !strcmp(c->ied, name))
			return x;
		only = x;
		if (o + strlen(name) + 8 < sizeof(names))
			o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", n ? ", " : "", name);
		else if (o + 5 < sizeof(names) && !strstr(names, "..."))
			o += (size_t)snprintf(names + o, sizeof(names) - o, ", ...");
		n++;
	}
	if (c->ied)
		fail(c, NULL, "no IED named '%s' in the file (%s%s)", c->ied,
		     n ? "it has: " : "it has no IED", names);
	else if (n == 0)
		fail(c, NULL, "the file has no IED (an ICD, CID, IID or SCD with an IED element is"
		     " needed)");
	else if (n > 1)
		fail(c, NULL, "the file has %u IEDs (%s): name the one to serve with --ied NAME (or"
		     " <scl ied=\"NAME\"> in iedd.xml)", n, names);
	else
		return only;
	return NULL;
}

static int load_ied(struct ctx *c, xmlNode *ied)
{
	struct model *m = c->m;
	struct vec lds = { .esz = sizeof(struct ldinfo) };
	char who[160];
	uint64_t vsize = 0;
	bool server = false;
	int r = -EINVAL;

	const char *iedname = attr(ied, "name");
	if (copy_str(c, ied, m->ied_name, sizeof(m->ied_name), iedname, "name", "IED"))
		return -EINVAL;
	for (xmlNode *ap = ied->children; ap; ap = ap->next) {
		if (!is_scl(ap, "AccessPoint"))
			continue;
		snprintf(who, sizeof(who), "AccessPoint in IED '%s'", iedname);
		if (!req(c, ap, "name", who))
			goto out;
		xmlNode *srv = child(ap, "Server");
		if (!srv)
			continue;
		server = true;
		for (xmlNode *x = srv->children; x; x = x->next) {
			if (!is_scl(x, "LDevice"))
				continue;
			snprintf(who, sizeof(who), "LDevice in IED '%s'", iedname);
			const char *inst = req(c, x, "inst", who);
			if (!inst)
				goto out;
			struct mld *ld = arena_zalloc(&c->tmp, sizeof(*ld));
			struct ldinfo *li = vec_push(&lds);
			if (!ld || !li) {
				r = oom(c);
				goto out;
			}
			li->ld = ld;
			li->node = x;
			snprintf(who, sizeof(who), "LDevice '%s' in IED '%s'", inst, iedname);
			if (copy_str(c, x, ld->inst, sizeof(ld->inst), inst, "inst", who))
				goto out;
			/* IEC 61850-6 Ed.2 §8.4.2: ldName, when given, is the
			 * LD's name; otherwise IED name + inst. */
			const char *ldname = attr(x, "ldName");
			int len = ldname ? snprintf(ld->name, sizeof(ld->name), "%s", ldname) :
					   snprintf(ld->name, sizeof(ld->name), "%s%s", iedname, inst);
			if (len < 0 || (size_t)len >= sizeof(ld->name)) {
				fail(c, x, "%s: the LD name '%s%s' is longer than 64 characters"
				     " (shorten it, or give a shorter ldName)", who,
				     ldname ? "" : iedname, ldname ? ldname : inst);
				goto out;
			}
			if (!ld->name[0] || !ld->inst[0]) {
				fail(c, x, "%s: the LD %s is empty (give it one)", who,
				     ld->inst[0] ? "name" : "inst");
				goto out;
			}
		}
	}
	if (!server) {
		fail(c, ied, "IED '%s' has no AccessPoint with a Server: it serves no data (pick"
		     " another IED)", iedname);
		goto out;
	}
	/* Domains sorted by name; ld pointers are final from here on. */
	struct ldinfo *li = lds.p;
	sort(li, lds.n, sizeof(*li), cmp_ldinfo);
	m->n_ld = (uint32_t)lds.n;
	m->lds = arena_zalloc(c->A, (lds.n ? lds.n : 1) * sizeof(*m->lds));
	c->p->ld_by_inst = arena_alloc(c->A, (lds.n ? lds.n : 1) * sizeof(*c->p->ld_by_inst));
	if (!m->lds || !c->p->ld_by_inst) {
		r = oom(c);
		goto out;
	}
	for (size_t i = 0; i < lds.n; i++) {
		if (i && !strcmp(li[i].ld->name, li[i - 1].ld->name)) {
			fail(c, li[i].node, "LDevice '%s' has the MMS domain name '%s', like the"
			     " LDevice at line %ld (rename one, or give it an ldName)",
			     li[i].ld->inst, li[i].ld->name, xmlGetLineNo(li[i - 1].node));
			goto out;
		}
		m->lds[i] = *li[i].ld;
		li[i].ld = &m->lds[i];
		c->p->ld_by_inst[i] = &m->lds[i];
	}
	sort(c->p->ld_by_inst, lds.n, sizeof(*c->p->ld_by_inst), cmp_ld_inst);
	for (size_t i = 1; i < lds.n; i++)
		if (!strcmp(c->p->ld_by_inst[i]->inst, c->p->ld_by_inst[i - 1]->inst)) {
			fail(c, NULL, "IED '%s' has two LDevices with inst '%s' (rename one)", iedname,
			     c->p->ld_by_inst[i]->inst);
			goto out;
		}

	/* LNs and their types. */
	for (size_t i = 0; i < lds.n; i++) {
		struct mld *ld = li[i].ld;
		uint32_t n = 0;
		bool has_ln0 = false;
		for (xmlNode *x = li[i].node->children; x; x = x->next) {
			has_ln0 |= is_scl(x, "LN0");
			n += is_scl(x, "LN0") || is_scl(x, "LN");
		}
		if (!has_ln0) {
			fail(c, li[i].node, "LDevice '%s' has no LN0 (it is required: add"
			     " <LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"...\"/>)", ld->inst);
			goto out;
		}
		li[i].lns = arena_zalloc(&c->tmp, n * sizeof(*li[i].lns));
		struct mln *tmp = arena_zalloc(&c->tmp, n * sizeof(*tmp));
		ld->lns = arena_zalloc(c->A, n * sizeof(*ld->lns));
		if (!li[i].lns || !tmp || !ld->lns) {
			r = oom(c);
			goto out;
		}
		for (xmlNode *x = li[i].node->children; x; x = x->next) {
			if (!is_scl(x, "LN0") && !is_scl(x, "LN"))
				continue;
			struct lninfo *e = &li[i].lns[ld->n_ln];
			e->ln = &tmp[ld->n_ln++];
			e->node = x;
			if (load_ln(c, ld, x, e->ln, &vsize))
				goto out;
		}
		sort(li[i].lns, n, sizeof(*li[i].lns), cmp_lninfo);
		for (uint32_t k = 0; k < n; k++) {
			if (k && !strcmp(li[i].lns[k].ln->name, li[i].lns[k - 1].ln->name)) {
				const struct lninfo *a = &li[i].lns[k - 1], *z = &li[i].lns[k];
				if (xmlGetLineNo(a->node) > xmlGetLineNo(z->node)) {
					const struct lninfo *s = a;
					a = z;
					z = s;
				}
				fail(c, z->node, "LN '%s' is defined twice in LDevice '%s' (also at line"
				     " %ld; change the prefix or inst of one)", z->ln->name, ld->inst,
				     xmlGetLineNo(a->node));
				goto out;
			}
			ld->lns[k] = *li[i].lns[k].ln;
			li[i].lns[k].ln = &ld->lns[k];
		}
	}

	/* Values: type images, then the instance Vals. */
	m->values_size = (size_t)vsize;
	if (vsize >= VALUES_MAP_MIN) {
		/* Every page is written below, and a page fault costs more than
		 * populating the mapping in one go (20-30 us per fault in the VMs
		 * iedd runs in: most of a large model's load time). */
		void *v = mmap(NULL, (size_t)vsize, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (v != MAP_FAILED) {
			m->values = v;
			c->p->values_mapped = true;
		}
	}
	if (!m->values && !(m->values = calloc(vsize ? vsize : 1, 1))) {
		r = oom(c);
		goto out;
	}
	for (size_t i = 0; i < lds.n; i++)
		for (uint32_t k = 0; k < li[i].ld->n_ln; k++) {
			const struct mln *ln = &li[i].ld->lns[k];
			const struct mnode *tn = (const struct mnode *)ln->type;
			struct step s[MODEL_MAX_DEPTH];
			for (uint32_t k2 = 0; k2 < tn->n_runs; k2++)
				memcpy(m->values + ln->vbase + tn->runs[k2].off,
				       tn->image + tn->runs[k2].off, tn->runs[k2].len);
			for (xmlNode *x = li[i].lns[k].node->children; x; x = x->next)
				if (is_scl(x, "DOI") && apply_inst(c, ln, x, s, 0))
					goto out;
		}
	struct msaddr *sa = c->saddr.p;
	sort(sa, c->saddr.n, sizeof(*sa), cmp_saddr);
	/* The same attribute named twice keeps the last sAddr written. */
	size_t ns = 0;
	for (size_t i = 0; i < c->saddr.n; i++) {
		if (ns && sa[ns - 1].voff == sa[i].voff)
			ns--;
		sa[ns++] = sa[i];
	}
	c->p->n_saddr = ns;
	if (ns && !(c->p->saddrs = arena_memdup(c->A, sa, ns * sizeof(*sa)))) {
		r = oom(c);
		goto out;
	}

	for (size_t i = 0; i < lds.n; i++)
		if (load_services(c, &li[i]))
			goto out;
	r = 0;
out:
	vec_free(&lds);
	return r;
}

/* ---- libxml2 ---- */

static void xml_error(void *ctx, XMLERR_CONST xmlError *e)
{
	struct ctx *c = ctx;
	if (c->xml_err[0] || !e || e->level < XML_ERR_ERROR)
		return;
	snprintf(c->xml_err, sizeof(c->xml_err), "%s", e->message ? e->message : "error");
	/* one line: libxml2 puts the offending octets on a second one */
	for (char *p = c->xml_err; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	size_t l = strlen(c->xml_err);
	while (l && c->xml_err[l - 1] == ' ')
		c->xml_err[--l] = '\0';
	while (l && (c->xml_err[l - 1] == '\n' || c->xml_err[l - 1] == '.'))
		c->xml_err[--l] = '\0';
	c->xml_line = e->line;
}

static void xml_generic(void *ctx, const char *fmt, ...)
{
	(void)ctx, (void)fmt;	/* captured through the structured handler */
}

static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	xmlParserCtxtPtr p = ctx;
	struct ctx *c = p->_private;

	(void)name, (void)ext, (void)sys;
	c->doctype = true;
	c->xml_line = p->input ? p->input->line : 0;
	xmlStopParser(p);
}

struct wline {
	long line;
	size_t seq;
	const char *msg;
};

static int cmp_wline(const void *a, const void *b)
{
	const struct wline *x = a, *y = b;
	if (x->line != y->line)
		return (x->line > y->line) - (x->line < y->line);
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The warnings in line order (messages without a line first, then in the
 * order found), for --check; in the model's arena, NULL on memory shortage. */
static const char **sorted_warnings(struct ctx *c)
{
	const char **w = c->warn.p, **out = arena_alloc(c->A, c->warn.n * sizeof(*out));
	struct wline *t = malloc(c->warn.n * sizeof(*t));
	size_t pl = strlen(c->file);
	if (!out || !t) {
		free(t);
		return NULL;
	}
	for (size_t i = 0; i < c->warn.n; i++) {
		const char *m = w[i];
		long line = 0;
		if (!strncmp(m, c->file, pl) && m[pl] == ':')
			line = strtol(m + pl + 1, NULL, 10);
		t[i] = (struct wline){ .line = line, .seq = i, .msg = m };
	}
	qsort(t, c->warn.n, sizeof(*t), cmp_wline);
	for (size_t i = 0; i < c->warn.n; i++)
		out[i] = t[i].msg;
	free(t);
	return out;
}

int model_strict(const struct model *m, char *err, size_t errlen)
{
	uint32_t n = model_n_warnings(m);
	if (!n)
		return 0;
	if (err && errlen)
		snprintf(err, errlen, "%s (strict: %" PRIu32 " warning%s, each an error; see iedd"
			 " --check, or load without --strict to serve the repaired model)",
			 model_warning(m, 0), n, n == 1 ? "" : "s");
	return -EINVAL;
}

const char *model_finding_split(const char *file, const char *msg, long *line)
{
	size_t l = strlen(file);
	*line = 0;
	if (strncmp(msg, file, l) || msg[l] != ':')
		return msg;
	const char *p = msg + l + 1;
	char *end;
	long v = strtol(p, &end, 10);
	if (end != p && *end == ':' && v > 0) {
		*line = v;
		p = end + 1;
	}
	return *p == ' ' ? p + 1 : p;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	struct model_priv *p = m->priv;
	model_observe_clear(m);
	if (p && p->values_mapped)
		munmap(m->values, m->values_size);
	else
		free(m->values);
	if (p)
		arena_clear(&p->arena);
	free(p);
	free(m);
}

/* The change observers' index (observe.c): built once the data sets and
 * control blocks are in place. */
static int index_changes(struct ctx *c)
{
	return model_observe_index(c->m) ? oom(c) : 0;
}

static int load_scl(const char *path, const void *mem, size_t memlen, const char *ied,
		    struct model **out, char *err, size_t errlen)
{
	struct ctx c = { .file = path, .err = err, .errlen = errlen, .ied = ied,
			 .saddr = { .esz = sizeof(struct msaddr) },
			 .warn = { .esz = sizeof(const char *) } };
	xmlParserCtxtPtr pc = NULL;
	xmlDocPtr doc = NULL;
	int r = -ENOMEM;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	arena_init(&c.tmp);
	for (int k = 0; k < 4; k++)
		strhash_init(&c.tm[k]);
	strhash_init(&c.basic);
	strhash_init(&c.arrays);
	strhash_init(&c.names);
	buf_init(&c.td, 0, 0);
	c.m = calloc(1, sizeof(*c.m));
	c.p = calloc(1, sizeof(*c.p));
	if (!c.m || !c.p) {
		free(c.m);
		free(c.p);
		return oom(&c);
	}
	c.m->priv = c.p;
	arena_init(&c.p->arena);
	c.A = &c.p->arena;
	snprintf(c.m->scl_file, sizeof(c.m->scl_file), "%s", path);

	xmlInitParser();
	xmlStructuredErrorFunc old_serror = xmlStructuredError;
	void *old_sctx = xmlStructuredErrorContext;
	xmlGenericErrorFunc old_gerror = xmlGenericError;
	void *old_gctx = xmlGenericErrorContext;
	xmlSetStructuredErrorFunc(&c, xml_error);
	xmlSetGenericErrorFunc(&c, xml_generic);
	if (!(pc = xmlNewParserCtxt()))
		goto out;
	pc->_private = &c;
	pc->sax->internalSubset = refuse_doctype;
	/* No XML_PARSE_NOENT (no entity substitution), no DTD loading or
	 * validation, no network. */
	const int opts = XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOBLANKS |
			 XML_PARSE_COMPACT;
	if (mem && memlen > INT_MAX) {
		r = -EFBIG;
		goto out;
	}
	doc = mem ? xmlCtxtReadMemory(pc, mem, (int)memlen, path, NULL, opts) :
		    xmlCtxtReadFile(pc, path, NULL, opts);
	r = -EINVAL;
	if (c.doctype) {
		fail(&c, NULL, "a DOCTYPE declaration is not allowed in SCL (remove it)");
		goto out;
	}
	if (!doc || c.xml_err[0] || !pc->wellFormed) {
		char m[300];
		const char *e = c.xml_err[0] ? c.xml_err : "cannot be read";
		if (c.xml_line > 0)
			snprintf(m, sizeof(m), "%s:%ld", path, c.xml_line);
		else
			snprintf(m, sizeof(m), "%s", path);
		if (!doc && !c.xml_err[0] && !mem) {
			/* Most likely the file is missing or unreadable. */
			FILE *f = fopen(path, "r");
			if (!f) {
				r = -errno;
				if (err && errlen)
					snprintf(err, errlen, "%s: cannot open: %s", path,
						 strerror(-r));
				c.failed = true;
				goto out;
			}
			fclose(f);
		}
		if (err && errlen)
			snprintf(err, errlen, "%s: not well-formed XML: %s (an SCL file must be an XML"
				 " document: check the file is complete and not another format)",
				 m, e);
		c.failed = true;
		goto out;
	}
	xmlNode *root = xmlDocGetRootElement(doc);
	if (!root || !is_scl(root, "SCL")) {
		fail(&c, root, "the root element is '%s'%s%s%s, not SCL in the namespace " SCL_NS
		     " (is this an SCL file?)", root ? (const char *)root->name : "(none)",
		     root && root->ns && root->ns->href ? " in the namespace '" : "",
		     root && root->ns && root->ns->href ? (const char *)root->ns->href : "",
		     root && root->ns && root->ns->href ? "'" : "");
		goto out;
	}
	/* IEC 61850-6: no version is Ed.1 (2003); Ed.2 is 2007 revision A
	 * or B, Ed.2.1 adds release 4. Anything else is loaded as 2007B4,
	 * with a warning (wtur.cid writes version="" revision=""). */
	const char *ver = attr(root, "version"), *rev = attr(root, "revision");
	if (ver && ver[0] && strcmp(ver, "2003") &&
	    (strcmp(ver, "2007") || (rev && rev[0] && strcmp(rev, "A") && strcmp(rev, "B")))) {
		char b1[32], b2[32];
		warn(&c, root, "SCL version '%s' revision '%s' is not one iedd knows (2003, 2007A,"
		     " 2007B, 2007B4); loading it as 2007B4 (if it is one of these, fix the"
		     " version and revision attributes)", shown(ver, b1, sizeof(b1)),
		     shown(rev ? rev : "", b2, sizeof(b2)));
	}
	xmlNode *dtt = child(root, "DataTypeTemplates");
	if (dtt && (index_templates(&c, dtt) || check_templates(&c)))
		goto out;
	xmlNode *iedn = pick_ied(&c, root);
	if (!iedn)
		goto out;
	if (!dtt) {
		fail(&c, root, "the file has no DataTypeTemplates (the IED's types are missing)");
		goto out;
	}
	if ((r = load_ied(&c, iedn)) || (r = index_changes(&c)))
		goto out;
	if (c.n_unsaid) {
		char *w = arena_alloc(c.A, 64);
		const char **e = w ? vec_push(&c.warn) : NULL;
		if (e) {
			snprintf(w, 64, "(%u more warnings not shown)", c.n_unsaid);
			*e = w;
		}
	}
	if (c.warn.n && !(c.p->warnings = sorted_warnings(&c)))
		goto out;
	c.p->n_warnings = (uint32_t)c.warn.n;
	r = 0;
out:
	if (r && !c.failed)
		r = oom(&c);
	xmlSetStructuredErrorFunc(old_sctx, old_serror);
	xmlSetGenericErrorFunc(old_gctx, old_gerror);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(pc);
	arena_clear(&c.tmp);
#ifdef __GLIBC__
	/* The document tree is several times the model's size; give the
	 * pages back rather than keep them in malloc's free lists. */
	malloc_trim(0);
#endif
	for (int k = 0; k < 4; k++)
		strhash_clear(&c.tm[k]);
	strhash_clear(&c.basic);
	strhash_clear(&c.arrays);
	strhash_clear(&c.names);
	buf_clear(&c.td);
	vec_free(&c.saddr);
	vec_free(&c.warn);
	if (r) {
		model_free(c.m);
		return r;
	}
	*out = c.m;
	return 0;
}

int model_load_scl(const char *path, const char *ied, struct model **out, char *err,
		   size_t errlen)
{
	return load_scl(path, NULL, 0, ied, out, err, errlen);
}

int model_load_scl_mem(const char *name, const void *buf, size_t len, const char *ied,
		       struct model **out, char *err, size_t errlen)
{
	return load_scl(name, buf, len, ied, out, err, errlen);
}
