/* SPDX-License-Identifier: Apache-2.0 */
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
#include "scl_priv.h"

/* ---- messages ---- */

__attribute__((format(printf, 3, 4)))
int scl_fail(struct ctx *c, const xmlNode *n, const char *fmt, ...)
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
void scl_warn(struct ctx *c, const xmlNode *n, const char *fmt, ...)
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

int scl_oom(struct ctx *c)
{
	if (!c->failed && c->err && c->errlen)
		snprintf(c->err, c->errlen, "%s: out of memory while loading", c->file);
	c->failed = true;
	return -ENOMEM;
}

/* A value from the file, fit for a one-line message. */
const char *scl_shown(const char *s, char *out, size_t n)
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

bool scl_is_scl(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       !strcmp((const char *)n->ns->href, SCL_NS) && !strcmp((const char *)n->name, name);
}

/* The first SCL child element called `name`, or NULL. */
xmlNode *scl_child(const xmlNode *n, const char *name)
{
	for (xmlNode *x = n->children; x; x = x->next)
		if (scl_is_scl(x, name))
			return x;
	return NULL;
}

/* An unqualified attribute's value (libxml2 has substituted the
 * predefined entities), or NULL. */
const char *scl_attr(const xmlNode *n, const char *name)
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

const char *scl_req(struct ctx *c, const xmlNode *n, const char *name, const char *who)
{
	const char *v = scl_attr(n, name);
	if (!v)
		scl_fail(c, n, "%s has no %s attribute (it is required: add %s=\"...\")", who, name,
			 name);
	return v;
}

/* Text content (text and CDATA children only; no entity expansion). */
const char *scl_text_of(struct ctx *c, const xmlNode *n)
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

int scl_parse_uint_str(const char *s, uint64_t max, uint64_t *out)
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
int scl_uint_attr(struct ctx *c, const xmlNode *n, const char *name, const char *who,
		     uint64_t def, uint64_t max, uint64_t *out)
{
	const char *v = scl_attr(n, name);
	char b[64];
	if (!v) {
		*out = def;
		return 0;
	}
	if (scl_parse_uint_str(v, max, out))
		return scl_fail(c, n, "%s: %s=\"%s\" is not a number from 0 to %" PRIu64
				" (fix the attribute)", who, name, scl_shown(v, b, sizeof(b)), max);
	return 0;
}

/* An optional boolean attribute that describes one element, not the
 * model's shape (a DA's trigger options, a control block's flags): a value
 * that is not an xs:boolean is repairable (doc/scl-findings.md). "True" or
 * "FALSE" is taken as meant, anything else gives `def`, with a warning. */
void scl_soft_bool(struct ctx *c, const xmlNode *n, const char *name, const char *who,
		      bool def, bool *out)
{
	const char *v = scl_attr(n, name);
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
		scl_warn(c, n, "%s: %s=\"%s\" is not an xs:boolean; taken as %s (write \"%s\")", who,
			 name, s, *out ? "true" : "false", *out ? "true" : "false");
	} else {
		scl_warn(c, n, "%s: %s=\"%s\" is not a boolean; served as %s (write true or false)",
			 who, name, scl_shown(scl_attr(n, name), b, sizeof(b)), def ? "true" : "false");
	}
}

/* Copies an attribute into a fixed field; too long is an error. */
int scl_copy_str(struct ctx *c, const xmlNode *n, char *dst, size_t size, const char *v,
		    const char *what, const char *who)
{
	size_t len = strlen(v);
	if (len >= size)
		return scl_fail(c, n, "%s: %s '%.40s...' is %zu characters long, at most %zu are allowed"
				" (shorten it)", who, what, v, len, size - 1);
	memcpy(dst, v, len + 1);
	return 0;
}

const char *scl_intern(struct ctx *c, const char *s)
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


/* ---- the IED ---- */

static int cmp_lninfo(const void *a, const void *b)
{
	return strcmp(((const struct lninfo *)a)->ln->name, ((const struct lninfo *)b)->ln->name);
}

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
	bool ln0 = scl_is_scl(x, "LN0");
	char who[160], b[64];
	snprintf(who, sizeof(who), "%s in LDevice '%s'", ln0 ? "LN0" : "LN", ld->inst);
	const char *cls = scl_req(c, x, "lnClass", who);
	const char *type = cls ? scl_req(c, x, "lnType", who) : NULL;
	const char *inst = ln0 ? scl_attr(x, "inst") : type ? scl_req(c, x, "inst", who) : NULL;
	const char *prefix = scl_attr(x, "prefix");
	if (!cls || !type || (!ln0 && !inst))
		return -EINVAL;
	if (!inst)
		inst = "";
	if (!prefix)
		prefix = "";
	if (strlen(cls) >= sizeof(ln->ln_class) || !cls[0])
		return scl_fail(c, x, "%s: lnClass '%s' is not an LN class (four capital letters)", who,
				scl_shown(cls, b, sizeof(b)));
	/* IEC 61850-7-2 / SCL tPrefix, tLNClass, tLNInst: the LN name becomes an
	 * MMS identifier, so only letters, digits and '_' may appear ('$' would
	 * split it into components). */
	for (const char *const *part = (const char *const[]){ prefix, cls, inst, NULL }; *part;
	     part++)
		for (const char *p = *part; *p; p++)
			if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			      (*p >= '0' && *p <= '9') || *p == '_'))
				return scl_fail(c, x, "%s: prefix '%s', lnClass '%s' and inst '%s' may hold"
						" only letters, digits and '_' (they form the MMS name)",
						who, scl_shown(prefix, b, sizeof(b)), cls, inst);
	int len = snprintf(ln->name, sizeof(ln->name), "%s%s%s", prefix, cls, inst);
	if (len < 0 || (size_t)len >= sizeof(ln->name))
		return scl_fail(c, x, "%s: the LN name '%s%s%s' is longer than 64 characters (shorten the"
				" prefix)", who, prefix, cls, inst);
	snprintf(who, sizeof(who), "LN '%s' in LDevice '%s'", ln->name, ld->inst);
	strcpy(ln->ln_class, cls);
	struct tmpl *t = strhash_get(&c->tm[T_LNODE], type, strlen(type));
	if (!t)
		return scl_fail(c, x, "%s: LNodeType '%s' is not defined in DataTypeTemplates (add it or"
				" fix the lnType attribute)", who, scl_shown(type, b, sizeof(b)));
	struct mnode *n = scl_lnodetype_view(c, t);
	if (!n)
		return -EINVAL;
	/* Its report control blocks are part of its MMS structure (8-1 §17):
	 * this LN gets its own type with them under RP and BR. Only the names
	 * are read here; scl_blocks.c reads the rest (and warns). */
	const char *names[256];
	bool buffered[256];
	uint32_t nr = 0;
	for (xmlNode *k = x->children; k; k = k->next) {
		if (!scl_is_scl(k, "ReportControl"))
			continue;
		const char *nm = scl_attr(k, "name");
		if (!nm || !nm[0] || strlen(nm) > 62)
			continue; /* refused by scl_blocks.c with its line */
		const char *bf = scl_attr(k, "buffered"), *ix = scl_attr(k, "indexed");
		bool buf = bf && (!strcmp(bf, "true") || !strcmp(bf, "1"));
		bool indexed = !ix || !(!strcmp(ix, "false") || !strcmp(ix, "0"));
		unsigned max = 1;
		const xmlNode *re = scl_child(k, "RptEnabled");
		const char *mx = re ? scl_attr(re, "max") : NULL;
		if (mx) {
			char *end;
			unsigned long v = strtoul(mx, &end, 10);
			if (!*end && v >= 1 && v <= 99)
				max = (unsigned)v;
		}
		for (unsigned i = 1; i <= (indexed ? max : 1); i++) {
			if (nr == sizeof(names) / sizeof(names[0]))
				return scl_fail(c, k, "%s: more than %zu report control block instances"
						" (use fewer RptEnabled max)", who,
						sizeof(names) / sizeof(names[0]));
			char in[72];
			scl_rcb_inst_name(nm, indexed, indexed ? i : 0, in, sizeof(in));
			names[nr] = arena_strdup(&c->tmp, in);
			if (!names[nr])
				return scl_oom(c);
			buffered[nr++] = buf;
		}
	}
	if (nr && !(n = scl_ln_with_rcbs(c, n, names, buffered, nr, x, who)))
		return -EINVAL;
	/* and its GOOSE control blocks under GO (8-1 §18; gocb.c reads the rest) */
	uint32_t ng = 0;
	for (xmlNode *k = x->children; k; k = k->next) {
		if (!scl_is_scl(k, "GSEControl"))
			continue;
		const char *nm = scl_attr(k, "name"), *ty = scl_attr(k, "type");
		if (nm && nm[0] && strlen(nm) <= 64 && !(ty && !strcmp(ty, "GSSE")) &&
		    ng < sizeof(names) / sizeof(names[0]))
			names[ng++] = nm;
	}
	if (ng && !(n = scl_ln_with_gocbs(c, n, names, ng, x, who)))
		return -EINVAL;
	ln->type = &n->t;
	ln->ld = ld;
	if (*vsize + n->t.size > MAX_VALUES)
		return scl_fail(c, x, "%s: the model's values exceed %u octets (the file is too large)",
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
	const bool dai = scl_is_scl(x, "DAI");
	const char *kind = dai ? "DAI" : depth == 0 ? "DOI" : "SDI";

	if (depth >= MODEL_MAX_DEPTH)
		return scl_fail(c, x, "%s in LN '%s' is nested more than %d levels deep (flatten it)", kind,
				ln->name, MODEL_MAX_DEPTH);
	/* Instance data that names nothing it could set is ignored, with a
	 * warning, like instance data naming nothing in the LN's type
	 * (doc/scl-findings.md): the type alone gives the LN's shape. */
	s[depth].name = scl_attr(x, "name");
	if (!s[depth].name || !s[depth].name[0]) {
		scl_warn(c, x, "%s in LN '%s' has no name; ignored with what it holds (add name=\"...\")",
			 kind, ln->name);
		return 0;
	}
	uint64_t ix;
	const char *ixs = scl_attr(x, "ix");
	char b[64];
	if (!ixs) {
		s[depth].ix = -1;
	} else if (scl_parse_uint_str(ixs, MAX_ARRAY_COUNT, &ix)) {
		scl_warn(c, x, "%s '%s' in LN '%s': ix=\"%s\" is not an array index from 0 to %u;"
			 " ignored with what it holds (fix ix)", kind, s[depth].name, ln->name,
			 scl_shown(ixs, b, sizeof(b)), MAX_ARRAY_COUNT);
		return 0;
	} else {
		s[depth].ix = (int32_t)ix;
	}
	path_text(s, depth + 1, path, sizeof(path));
	const struct mtype *t;
	uint32_t voff;
	if (!find_inst(ln, s, depth + 1, &t, &voff)) {
		scl_warn(c, x, "%s '%s' in LN '%s': the LN's type has no %s '%s'; ignored (fix the name,"
			 " or add it to the type)", kind, s[depth].name, ln->name,
			 depth == 0 ? "data object" : "data attribute or sub-object", path);
		return 0;
	}
	if (!dai) {
		for (xmlNode *k = x->children; k; k = k->next)
			if ((scl_is_scl(k, "SDI") || scl_is_scl(k, "DAI")) && apply_inst(c, ln, k, s, depth + 1))
				return -EINVAL;
		return 0;
	}
	snprintf(who, sizeof(who), "DAI '%s' of LN '%s'", path, ln->name);
	xmlNode *val = scl_child(x, "Val");
	if (val && scl_apply_vals(c, c->m->values + voff, t, val, who))
		return -EINVAL;
	const char *sa = scl_attr(x, "sAddr");
	if (sa && sa[0]) {
		struct msaddr *e = vec_push(&c->saddr);
		if (!e)
			return scl_oom(c);
		e->voff = voff;
		e->type = t;
		if (!(e->saddr = arena_strdup(c->A, sa)))
			return scl_oom(c);
	}
	return 0;
}


static xmlNode *pick_ied(struct ctx *c, xmlNode *root)
{
	char names[512];
	size_t o = 0;
	unsigned n = 0;
	xmlNode *only = NULL;

	names[0] = '\0';
	for (xmlNode *x = root->children; x; x = x->next) {
		if (!scl_is_scl(x, "IED"))
			continue;
		const char *name = scl_req(c, x, "name", "IED");
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
		scl_fail(c, NULL, "no IED named '%s' in the file (%s%s)", c->ied,
			 n ? "it has: " : "it has no IED", names);
	else if (n == 0)
		scl_fail(c, NULL, "the file has no IED (an ICD, CID, IID or SCD with an IED element is"
			 " needed)");
	else if (n > 1)
		scl_fail(c, NULL, "the file has %u IEDs (%s): name the one to serve with --ied NAME (or"
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

	const char *iedname = scl_attr(ied, "name");
	if (scl_copy_str(c, ied, m->ied_name, sizeof(m->ied_name), iedname, "name", "IED"))
		return -EINVAL;
	for (xmlNode *ap = ied->children; ap; ap = ap->next) {
		if (!scl_is_scl(ap, "AccessPoint"))
			continue;
		snprintf(who, sizeof(who), "AccessPoint in IED '%s'", iedname);
		if (!scl_req(c, ap, "name", who))
			goto out;
		xmlNode *srv = scl_child(ap, "Server");
		if (!srv)
			continue;
		server = true;
		for (xmlNode *x = srv->children; x; x = x->next) {
			if (!scl_is_scl(x, "LDevice"))
				continue;
			snprintf(who, sizeof(who), "LDevice in IED '%s'", iedname);
			const char *inst = scl_req(c, x, "inst", who);
			if (!inst)
				goto out;
			struct mld *ld = arena_zalloc(&c->tmp, sizeof(*ld));
			struct ldinfo *li = vec_push(&lds);
			if (!ld || !li) {
				r = scl_oom(c);
				goto out;
			}
			li->ld = ld;
			li->node = x;
			snprintf(who, sizeof(who), "LDevice '%s' in IED '%s'", inst, iedname);
			if (scl_copy_str(c, x, ld->inst, sizeof(ld->inst), inst, "inst", who))
				goto out;
			/* IEC 61850-6 Ed.2 §8.4.2: ldName, when given, is the
			 * LD's name; otherwise IED name + inst. */
			const char *ldname = scl_attr(x, "ldName");
			int len = ldname ? snprintf(ld->name, sizeof(ld->name), "%s", ldname) :
					   snprintf(ld->name, sizeof(ld->name), "%s%s", iedname, inst);
			if (len < 0 || (size_t)len >= sizeof(ld->name)) {
				scl_fail(c, x, "%s: the LD name '%s%s' is longer than 64 characters"
					 " (shorten it, or give a shorter ldName)", who,
					 ldname ? "" : iedname, ldname ? ldname : inst);
				goto out;
			}
			if (!ld->name[0] || !ld->inst[0]) {
				scl_fail(c, x, "%s: the LD %s is empty (give it one)", who,
					 ld->inst[0] ? "name" : "inst");
				goto out;
			}
		}
	}
	if (!server) {
		scl_fail(c, ied, "IED '%s' has no AccessPoint with a Server: it serves no data (pick"
			 " another IED)", iedname);
		goto out;
	}
	/* Domains sorted by name; ld pointers are final from here on. */
	struct ldinfo *li = lds.p;
	scl_sort(li, lds.n, sizeof(*li), cmp_ldinfo);
	m->n_ld = (uint32_t)lds.n;
	m->lds = arena_zalloc(c->A, (lds.n ? lds.n : 1) * sizeof(*m->lds));
	c->p->ld_by_inst = arena_alloc(c->A, (lds.n ? lds.n : 1) * sizeof(*c->p->ld_by_inst));
	if (!m->lds || !c->p->ld_by_inst) {
		r = scl_oom(c);
		goto out;
	}
	for (size_t i = 0; i < lds.n; i++) {
		if (i && !strcmp(li[i].ld->name, li[i - 1].ld->name)) {
			scl_fail(c, li[i].node, "LDevice '%s' has the MMS domain name '%s', like the"
				 " LDevice at line %ld (rename one, or give it an ldName)",
				 li[i].ld->inst, li[i].ld->name, xmlGetLineNo(li[i - 1].node));
			goto out;
		}
		m->lds[i] = *li[i].ld;
		li[i].ld = &m->lds[i];
		c->p->ld_by_inst[i] = &m->lds[i];
	}
	scl_sort(c->p->ld_by_inst, lds.n, sizeof(*c->p->ld_by_inst), cmp_ld_inst);
	for (size_t i = 1; i < lds.n; i++)
		if (!strcmp(c->p->ld_by_inst[i]->inst, c->p->ld_by_inst[i - 1]->inst)) {
			scl_fail(c, NULL, "IED '%s' has two LDevices with inst '%s' (rename one)", iedname,
				 c->p->ld_by_inst[i]->inst);
			goto out;
		}

	/* LNs and their types. */
	for (size_t i = 0; i < lds.n; i++) {
		struct mld *ld = li[i].ld;
		uint32_t n = 0;
		bool has_ln0 = false;
		for (xmlNode *x = li[i].node->children; x; x = x->next) {
			has_ln0 |= scl_is_scl(x, "LN0");
			n += scl_is_scl(x, "LN0") || scl_is_scl(x, "LN");
		}
		if (!has_ln0) {
			scl_fail(c, li[i].node, "LDevice '%s' has no LN0 (it is required: add"
				 " <LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"...\"/>)", ld->inst);
			goto out;
		}
		li[i].lns = arena_zalloc(&c->tmp, n * sizeof(*li[i].lns));
		struct mln *tmp = arena_zalloc(&c->tmp, n * sizeof(*tmp));
		ld->lns = arena_zalloc(c->A, n * sizeof(*ld->lns));
		if (!li[i].lns || !tmp || !ld->lns) {
			r = scl_oom(c);
			goto out;
		}
		for (xmlNode *x = li[i].node->children; x; x = x->next) {
			if (!scl_is_scl(x, "LN0") && !scl_is_scl(x, "LN"))
				continue;
			struct lninfo *e = &li[i].lns[ld->n_ln];
			e->ln = &tmp[ld->n_ln++];
			e->node = x;
			if (load_ln(c, ld, x, e->ln, &vsize))
				goto out;
		}
		scl_sort(li[i].lns, n, sizeof(*li[i].lns), cmp_lninfo);
		for (uint32_t k = 0; k < n; k++) {
			if (k && !strcmp(li[i].lns[k].ln->name, li[i].lns[k - 1].ln->name)) {
				const struct lninfo *a = &li[i].lns[k - 1], *z = &li[i].lns[k];
				if (xmlGetLineNo(a->node) > xmlGetLineNo(z->node)) {
					const struct lninfo *s = a;
					a = z;
					z = s;
				}
				scl_fail(c, z->node, "LN '%s' is defined twice in LDevice '%s' (also at line"
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
		r = scl_oom(c);
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
				if (scl_is_scl(x, "DOI") && apply_inst(c, ln, x, s, 0))
					goto out;
		}
	struct msaddr *sa = c->saddr.p;
	scl_sort(sa, c->saddr.n, sizeof(*sa), scl_cmp_saddr);
	/* The same attribute named twice keeps the last sAddr written. */
	size_t ns = 0;
	for (size_t i = 0; i < c->saddr.n; i++) {
		if (ns && sa[ns - 1].voff == sa[i].voff)
			ns--;
		sa[ns++] = sa[i];
	}
	c->p->n_saddr = ns;
	if (ns && !(c->p->saddrs = arena_memdup(c->A, sa, ns * sizeof(*sa)))) {
		r = scl_oom(c);
		goto out;
	}

	for (size_t i = 0; i < lds.n; i++)
		if (scl_load_services(c, &li[i]))
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
	return model_observe_index(c->m) ? scl_oom(c) : 0;
}

static int load_scl(const char *path, const void *mem, size_t memlen, const char *ied,
		    struct model **out, char *err, size_t errlen)
{
	struct ctx c = { .file = path, .err = err, .errlen = errlen, .ied = ied,
			 .saddr = { .esz = sizeof(struct msaddr) },
			 .warn = { .esz = sizeof(const char *) },
			 .cb_nodes = { .esz = sizeof(struct scl_cb_node) } };
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
		return scl_oom(&c);
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
		scl_fail(&c, NULL, "a DOCTYPE declaration is not allowed in SCL (remove it)");
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
	if (!root || !scl_is_scl(root, "SCL")) {
		scl_fail(&c, root, "the root element is '%s'%s%s%s, not SCL in the namespace " SCL_NS
			 " (is this an SCL file?)", root ? (const char *)root->name : "(none)",
			 root && root->ns && root->ns->href ? " in the namespace '" : "",
			 root && root->ns && root->ns->href ? (const char *)root->ns->href : "",
			 root && root->ns && root->ns->href ? "'" : "");
		goto out;
	}
	/* IEC 61850-6: no version is Ed.1 (2003); Ed.2 is 2007 revision A
	 * or B, Ed.2.1 adds release 4. Anything else is loaded as 2007B4,
	 * with a warning (wtur.cid writes version="" revision=""). */
	const char *ver = scl_attr(root, "version"), *rev = scl_attr(root, "revision");
	if (ver && ver[0] && strcmp(ver, "2003") &&
	    (strcmp(ver, "2007") || (rev && rev[0] && strcmp(rev, "A") && strcmp(rev, "B")))) {
		char b1[32], b2[32];
		scl_warn(&c, root, "SCL version '%s' revision '%s' is not one iedd knows (2003, 2007A,"
			 " 2007B, 2007B4); loading it as 2007B4 (if it is one of these, fix the"
			 " version and revision attributes)", scl_shown(ver, b1, sizeof(b1)),
			 scl_shown(rev ? rev : "", b2, sizeof(b2)));
	}
	c.root = root;
	xmlNode *dtt = scl_child(root, "DataTypeTemplates");
	if (dtt && (scl_index_templates(&c, dtt) || scl_check_templates(&c)))
		goto out;
	c.edition = !ver || !ver[0] || !strcmp(ver, "2003") ? 1 : 2;
	c.p->edition = c.edition;
	xmlNode *iedn = pick_ied(&c, root);
	if (!iedn)
		goto out;
	{
		/* Services/ReportSettings owner="true": RCBs have Owner (Ed.2) */
		const xmlNode *sv = scl_child(iedn, "Services");
		const xmlNode *rs = sv ? scl_child(sv, "ReportSettings") : NULL;
		const char *ow = rs ? scl_attr(rs, "owner") : NULL;
		c.rcb_owner = ow && (!strcmp(ow, "true") || !strcmp(ow, "1"));
	}
	if (!dtt) {
		scl_fail(&c, root, "the file has no DataTypeTemplates (the IED's types are missing)");
		goto out;
	}
	if ((r = load_ied(&c, iedn)) || (r = scl_build_rcbs(&c)) || (r = scl_build_gocbs(&c)) ||
	    (r = scl_build_gsubs(&c)) || (r = index_changes(&c)))
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
		r = scl_oom(&c);
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
	vec_free(&c.cb_nodes);
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
